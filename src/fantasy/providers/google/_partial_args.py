"""Gemini's streamed function-call arguments (``partialArgs``) as raw JSON text.

With ``streamFunctionCallArguments`` (Vertex AI), a function call arrives in pieces:
its ``name`` first, then ``partialArgs`` entries, each a JSON path (RFC 9535, e.g.
``$.location`` or ``$.stops[0].city``) with one value (``stringValue``,
``numberValue``, ``boolValue``, ``nullValue``); a string may come in several entries
(``willContinue: true`` on all but the last). :class:`ArgumentsWriter` turns them, in
order, into fragments of the arguments' JSON text, so that each fragment can be a
tool-input delta and their concatenation is the whole input.

It also keeps the arguments as an object. Values that arrive out of document order
(a path inside an object already closed) can no longer be written as a continuation;
from then on no fragments are produced and :meth:`ArgumentsWriter.finish` returns the
JSON of the object instead, which is always the input of the tool call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

__all__ = ["ArgumentsWriter", "parse_json_path"]

Segment = str | int

_SEGMENT = re.compile(
    r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\[\"((?:[^\"\\]|\\.)*)\"\]"
)


def parse_json_path(path: str) -> tuple[Segment, ...]:
    """``$.a[0]['b c']`` → ``("a", 0, "b c")``.

    Raises:
        ValueError: ``path`` is not a JSON path of names and indices from ``$``.
    """
    if not path.startswith("$"):
        raise ValueError(f"JSON path {path!r} does not start at $")
    segments: list[Segment] = []
    position = 1
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None:
            raise ValueError(f"unsupported JSON path {path!r}")
        name, index, single, double = match.groups()
        if index is not None:
            segments.append(int(index))
        else:
            quoted = single if single is not None else double
            segments.append(name if name is not None else re.sub(r"\\(.)", r"\1", quoted))
        position = match.end()
    return tuple(segments)


def _value_of(entry: Mapping[str, Any]) -> tuple[bool, Any]:
    """``(is_string, value)`` of one partial argument."""
    if "stringValue" in entry:
        value = entry["stringValue"]
        if not isinstance(value, str):
            raise TypeError("stringValue is not a string")
        return True, value
    if "numberValue" in entry:
        number = entry["numberValue"]
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise TypeError("numberValue is not a number")
        return False, int(number) if float(number).is_integer() else number
    if "boolValue" in entry:
        flag = entry["boolValue"]
        if not isinstance(flag, bool):
            raise TypeError("boolValue is not a boolean")
        return False, flag
    if "nullValue" in entry:
        return False, None
    raise ValueError("partial argument without a value")


class ArgumentsWriter:
    """Writes one function call's streamed arguments as JSON text, fragment by fragment."""

    def __init__(self) -> None:
        self.arguments: dict[str, Any] = {}
        self._open: list[tuple[tuple[Segment, ...], bool]] = []  # (path, is_array), root first
        self._members: dict[tuple[Segment, ...], int] = {}  # members written per container
        self._closed: set[tuple[Segment, ...]] = set()
        self._string: tuple[Segment, ...] | None = None  # path of a string being written
        self._text: list[str] = []
        self._ordered = True

    def add(self, entry: Mapping[str, Any]) -> str:
        """Take one ``partialArgs`` entry; the JSON text it adds (may be ``""``)."""
        path = parse_json_path(str(entry.get("jsonPath", "")))
        if not path:
            raise ValueError("a partial argument must name a field")
        is_string, value = _value_of(entry)
        continuing = is_string and self._string == path
        self._store(path, value, append=continuing)
        if not self._ordered:
            return ""
        out: list[str] = []
        if not self._open:
            out.append("{")
            self._open.append(((), False))
        encoded = json.dumps(value, ensure_ascii=False)
        if continuing:
            out.append(encoded[1:-1])
        else:
            self._end_string(out)
            if not (self._move_to(path[:-1], path[-1], out) and self._member(path, out)):
                self._ordered = False
                return ""
            out.append(encoded[:-1] if is_string else encoded)
            self._string = path if is_string else None
        if not entry.get("willContinue"):
            self._end_string(out)
        text = "".join(out)
        self._text.append(text)
        return text

    def finish(self) -> tuple[str, str]:
        """``(closing fragment, whole input JSON)`` once the call is complete."""
        if not self._ordered:
            return "", json.dumps(self.arguments, ensure_ascii=False, separators=(",", ":"))
        out: list[str] = []
        if not self._open:
            out.append("{")
            self._open.append(((), False))
        self._end_string(out)
        while self._open:
            self._close(out)
        closing = "".join(out)
        return closing, "".join(self._text) + closing

    # --- text -------------------------------------------------------------------------

    def _end_string(self, out: list[str]) -> None:
        if self._string is not None:
            out.append('"')
            self._string = None

    def _close(self, out: list[str]) -> None:
        path, is_array = self._open.pop()
        self._closed.add(path)
        out.append("]" if is_array else "}")

    def _move_to(self, container: tuple[Segment, ...], leaf: Segment, out: list[str]) -> bool:
        """Close and open containers until ``container`` is the innermost open one."""
        while len(self._open) > 1 and self._open[-1][0] != container[: len(self._open[-1][0])]:
            self._close(out)
        depth = len(self._open[-1][0])
        if self._open[-1][0] != container[:depth]:
            return False
        segments = (*container, leaf)
        for index in range(depth, len(container)):
            inner = container[: index + 1]
            if inner in self._closed or not self._member(inner, out):
                return False
            is_array = isinstance(segments[index + 1], int)
            out.append("[" if is_array else "{")
            self._open.append((inner, is_array))
        return True

    def _member(self, path: tuple[Segment, ...], out: list[str]) -> bool:
        """Start member ``path`` of the innermost container; ``False`` if out of order."""
        parent, last = path[:-1], path[-1]
        count = self._members.get(parent, 0)
        if isinstance(last, int) and last != count:
            return False  # array elements must come in order, without gaps
        if count:
            out.append(",")
        self._members[parent] = count + 1
        if isinstance(last, str):
            out.append(json.dumps(last, ensure_ascii=False) + ":")
        return True

    # --- object -------------------------------------------------------------------------

    def _store(self, path: tuple[Segment, ...], value: Any, *, append: bool) -> None:
        node: Any = self.arguments
        for segment, following in pairwise(path):
            node = _child(node, segment, [] if isinstance(following, int) else {})
        last = path[-1]
        if isinstance(node, list):
            if not isinstance(last, int):
                raise TypeError("a name used on an array")
            while len(node) <= last:
                node.append(None)
        elif not isinstance(last, str):
            raise TypeError("an index used on an object")
        if append:
            node[last] = f"{node[last]}{value}"
        else:
            node[last] = value


def _child(node: Any, segment: Segment, empty: Any) -> Any:
    if isinstance(node, list):
        if not isinstance(segment, int):
            raise TypeError("a name used on an array")
        while len(node) <= segment:
            node.append(None)
        if node[segment] is None:
            node[segment] = empty
        return node[segment]
    if not isinstance(segment, str):
        raise TypeError("an index used on an object")
    return node.setdefault(segment, empty)
