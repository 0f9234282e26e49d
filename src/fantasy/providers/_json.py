"""JSON chores every provider shares: plain copies for request bodies, strict parsing of answers.

* :func:`plain`: a deep copy of mappings and sequences as plain dicts and lists, ready
  for a request body (tuples become lists, keys become strings).
* :func:`invalid`: an :class:`~fantasy.errors.InvalidResponseError` that keeps the raw
  answer (truncated to :data:`RAW_LIMIT` characters).
* :func:`json_object`: one stream event's JSON text parsed as an object, or that error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fantasy.errors import InvalidResponseError

__all__ = ["RAW_LIMIT", "invalid", "json_object", "plain"]

RAW_LIMIT = 10000
"""How many characters of a malformed answer an error keeps."""


def plain(value: Any) -> Any:
    """Deep copy of mappings/sequences as plain dicts/lists (tuples become lists)."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def invalid(message: str, raw: Any, provider: str) -> InvalidResponseError:
    """An :class:`InvalidResponseError` keeping ``raw`` (text, or parsed JSON), truncated."""
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
    return InvalidResponseError(message, provider=provider, raw=text[:RAW_LIMIT])


def json_object(data: str, *, provider: str, what: str = "stream event") -> dict[str, Any]:
    """``data`` parsed as a JSON object; else an error saying ``what`` was malformed."""
    try:
        value = json.loads(data)
    except ValueError as error:
        raise invalid(f"{what} is not valid JSON: {error}", data, provider) from error
    if not isinstance(value, dict):
        raise invalid(f"{what} is not a JSON object", data, provider)
    return value
