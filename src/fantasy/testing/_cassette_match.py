"""Request matching and mismatch reports (private; see `fantasy.testing.cassette`).

The rules are those of Fantasy's recorder: method equal, full URL string equal, and a body
that is equal as text after normalising line endings, or else equal as JSON with numbers
compared as floats. Headers are never compared.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Sequence
from typing import Literal, TypeAlias

from fantasy.testing._cassette_model import Body, Interaction, RecordedRequest

MatchField: TypeAlias = Literal["method", "url", "body"]
"""A request part that the default matcher can compare."""

Matcher: TypeAlias = Callable[[RecordedRequest, str, str, Body], bool]
"""A custom matcher: `(recorded, method, url, body) -> bool`."""

MatchOn: TypeAlias = Sequence[MatchField] | Matcher
"""Either the request parts to compare, or a custom matcher."""

DEFAULT_MATCH_ON: tuple[MatchField, ...] = ("method", "url", "body")

_MATCH_FIELDS = frozenset(DEFAULT_MATCH_ON)
_MAX_DIFF_LINES = 150
_MAX_LINE_CHARS = 400
_MAX_SCORED_CHARS = 20_000


def normalize_line_endings(text: str) -> str:
    r"""Turn real CRLF into LF, and the two-character escape `\r\n` into `\n` (in JSON strings)."""
    return text.replace("\r\n", "\n").replace("\\r\\n", "\\n")


def _as_text(body: Body) -> str | None:
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _as_bytes(body: Body) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def json_equal(left: object, right: object) -> bool:
    """Compare two parsed JSON values deeply.

    Numbers compare as floats (`4000 == 4000.0`), booleans only equal booleans (`true` is not
    `1`), strings must be identical, objects need exactly the same keys.
    """
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        try:
            return float(left) == float(right)
        except OverflowError:
            return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            json_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if left is None or right is None:
        return left is None and right is None
    return False


def _parse_json(text: str) -> tuple[bool, object]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def bodies_match(recorded: Body, actual: Body) -> bool:
    """Tell whether a request body matches a recorded one.

    Text bodies match when equal after `normalize_line_endings`, or else when both parse as
    JSON and are `json_equal`. Binary (non-UTF-8) bodies must be byte-identical.
    """
    recorded_text, actual_text = _as_text(recorded), _as_text(actual)
    if recorded_text is None or actual_text is None:
        return _as_bytes(recorded) == _as_bytes(actual)
    recorded_text = normalize_line_endings(recorded_text)
    actual_text = normalize_line_endings(actual_text)
    if recorded_text == actual_text:
        return True
    ok_recorded, recorded_json = _parse_json(recorded_text)
    if not ok_recorded:
        return False
    ok_actual, actual_json = _parse_json(actual_text)
    return ok_actual and json_equal(recorded_json, actual_json)


def validate_match_on(match_on: MatchOn) -> MatchOn:
    """Check a `match_on` value, returning it unchanged.

    Raises:
        ValueError: It names an unknown request part.
    """
    if callable(match_on):
        return match_on
    unknown = [name for name in match_on if name not in _MATCH_FIELDS]
    if unknown or isinstance(match_on, str):
        raise ValueError(
            f"match_on must be a callable or a sequence of {sorted(_MATCH_FIELDS)}, "
            f"got {match_on!r}"
        )
    return tuple(match_on)


def match_request(
    recorded: RecordedRequest | Interaction,
    method: str,
    url: str,
    body: Body | None,
    *,
    match_on: MatchOn = DEFAULT_MATCH_ON,
) -> bool:
    """Tell whether a request matches a recorded request.

    Args:
        recorded: The recorded request (or the interaction holding it).
        method: The request method.
        url: The full request URL string.
        body: The request body (`None` means empty).
        match_on: The parts to compare (default: method, URL and body) or a custom matcher.

    Returns:
        True if every selected part matches.
    """
    request = recorded.request if isinstance(recorded, Interaction) else recorded
    actual_body: Body = b"" if body is None else body
    if callable(match_on):
        return match_on(request, method, url, actual_body)
    if "method" in match_on and request.method.upper() != method.upper():
        return False
    if "url" in match_on and request.url != url:
        return False
    return "body" not in match_on or bodies_match(request.body, actual_body)


# --- mismatch reports --------------------------------------------------------------------


def pretty_body(body: Body) -> str:
    """Render a body for diffs: sorted, indented JSON when it parses, else normalised text."""
    text = _as_text(body)
    if text is None:
        return f"<{len(body)} bytes of binary data>"
    text = normalize_line_endings(text)
    ok, parsed = _parse_json(text)
    if ok and isinstance(parsed, dict | list):
        return json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False)
    return text


def _similarity(left: str, right: str) -> float:
    matcher = difflib.SequenceMatcher(
        None, left[:_MAX_SCORED_CHARS], right[:_MAX_SCORED_CHARS], autojunk=False
    )
    return matcher.ratio()


def nearest_interaction(
    method: str, url: str, body: Body, candidates: Sequence[Interaction]
) -> Interaction | None:
    """Pick the recorded interaction closest to a request.

    Interactions with the same method and URL are preferred; among the remaining choice the
    one whose `METHOD URL` + pretty body is most similar (difflib ratio) wins.
    """
    if not candidates:
        return None
    same_target = [
        i for i in candidates if i.request.method.upper() == method.upper() and i.request.url == url
    ]
    pool = same_target or list(candidates)
    if len(pool) == 1:
        return pool[0]
    wanted = f"{method} {url}\n{pretty_body(body)}"
    return max(
        pool,
        key=lambda i: _similarity(
            f"{i.request.method} {i.request.url}\n{pretty_body(i.request.body)}", wanted
        ),
    )


def _clip(line: str) -> str:
    if len(line) <= _MAX_LINE_CHARS:
        return line
    return f"{line[:_MAX_LINE_CHARS]}... ({len(line) - _MAX_LINE_CHARS} more chars)"


def body_diff(recorded: Body, actual: Body, *, recorded_label: str) -> list[str]:
    """Return unified diff lines of two bodies (pretty-printed), clipped to a readable size."""
    lines = list(
        difflib.unified_diff(
            pretty_body(recorded).splitlines(),
            pretty_body(actual).splitlines(),
            fromfile=recorded_label,
            tofile="request",
            lineterm="",
        )
    )
    if len(lines) > _MAX_DIFF_LINES:
        hidden = len(lines) - _MAX_DIFF_LINES
        lines = [*lines[:_MAX_DIFF_LINES], f"... ({hidden} more diff lines)"]
    return [_clip(line) for line in lines]


def describe_mismatch(
    method: str,
    url: str,
    body: Body,
    unplayed: Sequence[Interaction],
    *,
    total: int,
    source: str,
) -> tuple[str, Interaction | None]:
    """Explain why a request matched nothing, against the nearest unplayed interaction.

    Args:
        method: The request method.
        url: The request URL (already scrubbed).
        body: The request body (already scrubbed).
        unplayed: The interactions not used yet, in file order.
        total: How many interactions the cassette holds.
        source: The cassette's name for the message (its path).

    Returns:
        The message and the nearest interaction (None when nothing is left to play).
    """
    lines = [
        f"no unplayed interaction in cassette {source} matches request {method} {url}",
        f"({len(unplayed)} of {total} interactions unplayed)",
    ]
    nearest = nearest_interaction(method, url, body, unplayed)
    if nearest is None:
        lines.append("every recorded interaction has already been played")
        return "\n".join(lines), None
    recorded = nearest.request
    lines.append(f"nearest unplayed interaction: #{nearest.index} {recorded.method} {recorded.url}")
    if recorded.method.upper() != method.upper():
        lines.append(f"method differs: recorded {recorded.method}, request {method}")
    if recorded.url != url:
        lines += ["URL differs:", f"  recorded: {recorded.url}", f"  request:  {url}"]
    if bodies_match(recorded.body, body):
        lines.append("body matches")
    else:
        lines.append("body differs (--- recorded, +++ request):")
        lines += body_diff(recorded.body, body, recorded_label=f"recorded #{nearest.index}")
    return "\n".join(lines), nearest
