"""JSON chores every provider shares: plain copies for request bodies, strict parsing of answers.

* :func:`plain`: a deep copy of mappings and sequences as plain dicts and lists, ready
  for a request body (tuples become lists, keys become strings).
* :func:`invalid`: an :class:`~fantasy.errors.InvalidResponseError` that keeps the raw
  answer (truncated to :data:`RAW_LIMIT` characters).
* :func:`json_object`: one stream event's JSON text parsed as an object, or that error;
  :func:`loads` is the parser it uses (orjson when installed, see below).
* :func:`wire_errors`: wraps the decoding of one payload so that a slip on malformed
  data (a missing key, a value of the wrong type, ...) surfaces as that error too;
  :data:`WIRE_ERRORS` lists the slips.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fantasy.errors import InvalidResponseError, redact

__all__ = [
    "RAW_LIMIT",
    "WIRE_ERRORS",
    "first_loads",
    "invalid",
    "json_object",
    "loads",
    "plain",
    "wire_errors",
]

_fast_loads: Callable[[str | bytes], Any] | None
try:  # Speed: orjson parses a stream chunk in ~1 µs against ~5-13 µs for json.loads
    # (benchmarks/profile_stream.py, "+ parse" cut); installed by the `fast` extra.
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - depends on the environment
    _fast_loads = None


first_loads: Callable[[str | bytes], Any] = _fast_loads or json.loads
"""The parser to try first on a hot path (orjson when installed); when it raises
``ValueError``, :func:`loads` or :func:`json_object` decide (speed: no wrapper call)."""


def loads(data: str | bytes) -> Any:
    """Parse JSON text with orjson when it is installed, else with :func:`json.loads`.

    Text orjson refuses but the standard parser accepts (``NaN``, ``1e999``, lone
    surrogates) is parsed by :func:`json.loads`, whose error is the one raised for
    malformed text. One difference remains: orjson reads an integer beyond 64 bits as
    a float (stream events carry ids as strings and counts well below that).
    """
    if _fast_loads is not None:
        try:
            return _fast_loads(data)
        except ValueError:  # orjson.JSONDecodeError: let the standard parser decide
            pass
    return json.loads(data)


RAW_LIMIT = 10000
"""How many characters of a malformed answer an error keeps."""

WIRE_ERRORS: tuple[type[Exception], ...] = (
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    ValueError,  # also JSON, Unicode, pydantic validation and InvalidArgumentError
    RecursionError,  # JSON nested deeper than the parser's recursion limit
    OverflowError,  # int() of an infinite float
)
"""What reading malformed provider data raises; decoders turn them into
:class:`InvalidResponseError` (:func:`wire_errors`, or a ``try`` on the stream hot path)."""


def plain(value: Any) -> Any:
    """Deep copy of mappings/sequences as plain dicts/lists (tuples become lists)."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _raw_text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw[:RAW_LIMIT]
    if isinstance(raw, bytes | bytearray):
        return bytes(raw[:RAW_LIMIT]).decode("utf-8", "backslashreplace")
    try:
        return json.dumps(raw, ensure_ascii=False, default=repr)[:RAW_LIMIT]
    except (ValueError, RecursionError):
        return f"<{type(raw).__name__} too deeply nested to show>"


def invalid(
    message: str, raw: Any, provider: str, *, secrets: tuple[str, ...] = ()
) -> InvalidResponseError:
    """An :class:`InvalidResponseError` keeping ``raw`` (text, bytes or parsed JSON), truncated.

    ``secrets`` (API keys) are scrubbed from the kept text.
    """
    return InvalidResponseError(message, provider=provider, raw=redact(_raw_text(raw), secrets))


def json_object(data: str, *, provider: str, what: str = "stream event") -> dict[str, Any]:
    """``data`` parsed as a JSON object; else an error saying ``what`` was malformed."""
    try:
        value = loads(data)
    except (ValueError, RecursionError) as error:
        raise invalid(f"{what} is not valid JSON: {error}", data, provider) from error
    if not isinstance(value, dict):
        raise invalid(f"{what} is not a JSON object", data, provider)
    return value


@contextmanager
def wire_errors(
    raw: Any, *, provider: str, what: str, secrets: tuple[str, ...] = ()
) -> Iterator[None]:
    """Decode ``raw`` inside this block: malformed data raises only typed errors.

    A :data:`WIRE_ERRORS` exception raised while reading ``raw`` (what ``what`` names)
    becomes an :class:`InvalidResponseError` keeping ``raw``, its cause chained. Provider
    errors pass through; an ``InvalidResponseError`` raised without its payload or
    provider (a helper deep inside the decoder) gets ``raw`` and ``provider`` filled in.
    ``secrets`` (API keys) are scrubbed from the kept text.

    Example::

        with wire_errors(data, provider="google", what="response"):
            return decoder.decode(data)

    The per-event entry points of the OpenAI and Anthropic stream decoders catch
    :data:`WIRE_ERRORS` with a plain ``try`` instead: a context manager per event costs
    about a microsecond, a ``try`` nothing.
    """
    try:
        yield
    except InvalidResponseError as error:
        error.raw = error.raw or redact(_raw_text(raw), secrets)
        error.provider = error.provider or provider
        raise
    except WIRE_ERRORS as error:
        message = f"malformed {what}: {error!r}"
        raise invalid(message, raw, provider, secrets=secrets) from error
