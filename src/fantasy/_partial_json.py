"""An incremental parser for JSON that is still being written.

:class:`PartialJSONParser` is fed the chunks of a JSON text as they arrive and keeps its
state between chunks: every character is scanned once, so feeding ``N`` chunks costs
``O(total length)``, never ``O(N * length)``. After each chunk it says whether the value
visible so far changed, and :meth:`PartialJSONParser.snapshot` captures that value in
``O(depth)`` time.

The visible value follows these rules:

* objects and arrays appear as soon as they open, and grow entry by entry;
* strings appear as soon as their opening quote is read, and grow as characters arrive
  (an escape sequence appears once it is complete);
* numbers, ``true``, ``false`` and ``null`` appear only once complete, so a partial value
  never shows a number that is only a prefix of the final one;
* an object key appears only once its value has started.

Open containers are built in place as plain ``dict`` and ``list`` objects. A snapshot
records, for each open container, the container and its current length (containers only
ever grow, and a duplicate key forks its container), plus the pieces of the string being
read. :meth:`PartialSnapshot.value` turns that record into an independent value on
demand; completed sub-values are shared between snapshots and must be treated as
read-only.
"""

from __future__ import annotations

import json
import re
from itertools import islice
from typing import Any, Final

__all__ = ["PartialJSONParser", "PartialSnapshot"]

_START: Final = 0  # before the top-level value
_VALUE: Final = 1  # a value is expected (after ":" or "," in an array)
_ARRAY_FIRST: Final = 2  # just after "[": a value or "]"
_OBJECT_FIRST: Final = 3  # just after "{": a key or "}"
_KEY: Final = 4  # after "," in an object: a key
_COLON: Final = 5  # after a key
_AFTER: Final = 6  # after a value in a container: "," or the closer
_STRING: Final = 7  # inside a string value
_KEY_STRING: Final = 8  # inside an object key
_SCALAR: Final = 9  # inside a number or literal
_DONE: Final = 10  # the top-level value is complete
_FAILED: Final = 11  # the text is not JSON

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING_RUN = re.compile(r'[^"\\]+')
_SCALAR_RUN = re.compile(r"[-+.0-9A-Za-z]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_CONTAINER_START = re.compile(r"[\[{]")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_LITERALS: Final[dict[str, Any]] = {"true": True, "false": False, "null": None}
_SIMPLE_ESCAPES: Final = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_SCALAR_START: Final = frozenset("-0123456789tfn")
_MISSING: Any = object()


class PartialSnapshot:
    """The visible value of a parser at one moment; :meth:`value` materializes it."""

    __slots__ = ("_frames", "_leaf", "_leaf_len", "_root", "_value")

    def __init__(
        self,
        frames: tuple[tuple[dict[str, Any] | list[Any], int, str | None], ...],
        leaf: list[str] | None,
        leaf_len: int,
        root: Any = _MISSING,
    ) -> None:
        self._frames = frames
        self._leaf = leaf
        self._leaf_len = leaf_len
        self._root = root
        self._value: Any = _MISSING

    def value(self) -> Any:
        """The partial value as plain JSON data (computed once, then cached)."""
        if self._value is _MISSING:
            self._value = self._materialize()
        return self._value

    def has_key(self, key: str) -> bool:
        """Whether the top-level value is an object that already shows ``key``."""
        if self._root is not _MISSING:
            return isinstance(self._root, dict) and key in self._root
        if not self._frames:
            return False
        container, length, pending = self._frames[0]
        if not isinstance(container, dict):
            return False
        if pending == key and (len(self._frames) > 1 or self._leaf is not None):
            return True
        if key not in container:
            return False
        return length == len(container) or list(container).index(key) < length

    def _materialize(self) -> Any:
        if self._root is not _MISSING:
            return self._root
        value: Any = _MISSING
        if self._leaf is not None:
            value = "".join(islice(self._leaf, self._leaf_len))
        for container, length, key in reversed(self._frames):
            if isinstance(container, dict):
                # copy() first: the parser may be appending on another thread.
                out: Any = container.copy()
                if len(out) > length:
                    out = dict(islice(out.items(), length))
                if value is not _MISSING and key is not None:
                    out[key] = value
            else:
                out = container[:length]
                if value is not _MISSING:
                    out.append(value)
            value = out
        return None if value is _MISSING else value


class PartialJSONParser:
    """Parses a JSON text chunk by chunk, keeping state across chunks.

    Args:
        skip_prefix: Skip any text before the first ``{`` or ``[`` (prose, a markdown
            fence). When false the top-level value may also be a string, number or
            literal, and must start at the first non-blank character.
    """

    __slots__ = (
        "_carry",
        "_chunks",
        "_frames",
        "_root",
        "_skip_prefix",
        "_started",
        "_state",
    )

    def __init__(self, *, skip_prefix: bool = True) -> None:
        self._skip_prefix = skip_prefix
        self._state = _START
        self._frames: list[list[Any]] = []  # [container, pending key]
        self._chunks: list[str] = []
        self._carry = ""
        self._root: Any = _MISSING
        self._started = False

    @property
    def done(self) -> bool:
        """Whether the top-level value is complete."""
        return self._state == _DONE

    @property
    def failed(self) -> bool:
        """Whether the text turned out not to be JSON (the parser then ignores input)."""
        return self._state == _FAILED

    @property
    def started(self) -> bool:
        """Whether a value is visible."""
        return self._started

    def snapshot(self) -> PartialSnapshot:
        """Capture the visible value in ``O(depth)``; see :class:`PartialSnapshot`."""
        if self._state == _DONE:
            return PartialSnapshot((), None, 0, self._root)
        frames = tuple((frame[0], len(frame[0]), frame[1]) for frame in self._frames)
        if self._state == _STRING:
            return PartialSnapshot(frames, self._chunks, len(self._chunks))
        return PartialSnapshot(frames, None, 0)

    def value(self) -> Any:
        """The visible value (``None`` before any value)."""
        return self.snapshot().value()

    def feed(self, chunk: str) -> bool:
        """Consume ``chunk``; return whether the visible value changed."""
        if self._state >= _DONE or not chunk:
            return False
        text = self._carry + chunk if self._carry else chunk
        self._carry = ""
        pos = 0
        end = len(text)
        changed = False
        while pos < end:
            state = self._state
            if state in (_STRING, _KEY_STRING):
                pos, grew = self._string(text, pos, state == _STRING)
                changed = changed or grew
            elif state == _SCALAR:
                pos = self._scalar(text, pos)
                changed = changed or self._state != _SCALAR
            elif state >= _DONE:
                break
            else:
                pos = _WHITESPACE.match(text, pos).end()  # type: ignore[union-attr]
                if pos < end:
                    pos, grew = self._structural(text, pos, state)
                    changed = changed or grew
        return changed and self._state != _FAILED

    def finish(self) -> bool:
        """Mark the end of input: completes a top-level number or literal."""
        if self._state == _SCALAR and self._carry:
            token, self._carry = self._carry, ""
            self._commit_scalar(token)
            return self._state == _DONE
        return False

    # --- scanning -----------------------------------------------------------------

    def _structural(self, text: str, pos: int, state: int) -> tuple[int, bool]:
        char = text[pos]
        if state in (_VALUE, _ARRAY_FIRST):
            if char == "]" and self._frames and isinstance(self._frames[-1][0], list):
                self._close()
                return pos + 1, False
            return self._value_start(text, pos)
        if state == _AFTER:
            return self._after_value(char, pos), False
        if state in (_OBJECT_FIRST, _KEY):
            if char == '"':
                self._chunks = []
                self._state = _KEY_STRING
            elif char == "}":
                self._close()
            else:
                self._state = _FAILED
            return pos + 1, False
        if state == _COLON:
            self._state = _VALUE if char == ":" else _FAILED
            return pos + 1, False
        return self._top_level(text, pos)

    def _top_level(self, text: str, pos: int) -> tuple[int, bool]:
        if not self._skip_prefix:
            return self._value_start(text, pos)
        found = _CONTAINER_START.search(text, pos)
        if found is None:
            return len(text), False
        return self._value_start(text, found.start())

    def _value_start(self, text: str, pos: int) -> tuple[int, bool]:
        char = text[pos]
        if char == '"':
            self._chunks = []
            self._state = _STRING
            self._started = True
            return pos + 1, True
        if char == "{" or char == "[":
            self._frames.append([{} if char == "{" else [], None])
            self._state = _OBJECT_FIRST if char == "{" else _ARRAY_FIRST
            self._started = True
            return pos + 1, True
        if char in _SCALAR_START:
            self._state = _SCALAR
            return pos, False
        self._state = _FAILED
        return len(text), False

    def _after_value(self, char: str, pos: int) -> int:
        container = self._frames[-1][0]
        if char == ",":
            self._state = _KEY if isinstance(container, dict) else _VALUE
        elif char == ("}" if isinstance(container, dict) else "]"):
            self._close()
        else:
            self._state = _FAILED
        return pos + 1

    def _string(self, text: str, pos: int, is_value: bool) -> tuple[int, bool]:
        grew = False
        run = _STRING_RUN.match(text, pos)
        if run is not None:
            self._chunks.append(run.group())
            pos = run.end()
            grew = is_value
        if pos >= len(text):
            return pos, grew
        if text[pos] == '"':
            content = "".join(self._chunks)
            if is_value:
                self._commit(content)
            else:
                self._frames[-1][1] = content
                self._state = _COLON
            return pos + 1, grew
        decoded, size = _escape(text, pos)
        if size == 0:  # incomplete escape: wait for more text
            self._carry = text[pos:]
            return len(text), grew
        if decoded is None:
            self._state = _FAILED
            return len(text), grew
        self._chunks.append(decoded)
        return pos + size, grew or is_value

    def _scalar(self, text: str, pos: int) -> int:
        stop = _SCALAR_RUN.match(text, pos).end()  # type: ignore[union-attr]
        if stop >= len(text):  # may go on in the next chunk
            self._carry = text[pos:]
            return stop
        self._commit_scalar(text[pos:stop])
        return stop

    def _commit_scalar(self, token: str) -> None:
        if token in _LITERALS:
            self._commit(_LITERALS[token])
        elif _NUMBER.fullmatch(token):
            self._commit(json.loads(token))
        else:
            self._state = _FAILED
        self._started = self._started or self._state != _FAILED

    # --- building -----------------------------------------------------------------

    def _commit(self, value: Any) -> None:
        if not self._frames:
            self._root = value
            self._state = _DONE
            return
        frame = self._frames[-1]
        container = frame[0]
        if isinstance(container, dict):
            key = frame[1]
            if key in container:  # duplicate key: fork, earlier snapshots keep theirs
                container = frame[0] = dict(container)
            container[key] = value
            frame[1] = None
        else:
            container.append(value)
        self._state = _AFTER

    def _close(self) -> None:
        container = self._frames.pop()[0]
        self._commit(container)


def _escape(text: str, pos: int) -> tuple[str | None, int]:
    """Decode the escape at ``pos``: (text, size); size 0 when incomplete, None if bad."""
    if pos + 1 >= len(text):
        return None, 0
    kind = text[pos + 1]
    if kind != "u":
        simple = _SIMPLE_ESCAPES.get(kind)
        return simple, 2
    if pos + 6 > len(text):
        return None, 0
    if not _HEX4.fullmatch(text, pos + 2, pos + 6):
        return None, 6
    code = int(text[pos + 2 : pos + 6], 16)
    if 0xD800 <= code < 0xDC00:  # high surrogate: join with the low one that follows
        follow = text[pos + 6 : pos + 12]
        if len(follow) < 6 and "\\u".startswith(follow[:2]):
            return None, 0  # the low surrogate may still come
        if follow[:2] == "\\u" and _HEX4.fullmatch(follow, 2):
            low = int(follow[2:], 16)
            if 0xDC00 <= low < 0xE000:
                return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), 12
    return chr(code), 6
