"""OpenAI-style error bodies: ``{"error": {"message", "type", "code", "param"}}``.

:func:`parse_error` is given to :class:`~fantasy._http.HTTPClient` as ``error_parser``
(HTTP status errors); :func:`error_from_payload` turns an in-band ``{"error": {...}}``
stream chunk into the matching :class:`~fantasy.errors.ProviderError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fantasy._http import ErrorInfo, default_error_parser
from fantasy.errors import ContextTooLargeError, ProviderError, RateLimitError

__all__ = ["error_from_payload", "parse_error"]

# Error types/codes after which the same request may succeed.
_RETRYABLE = frozenset(
    {
        "server_error",
        "internal_error",
        "internal_server_error",
        "api_error",
        "overloaded",
        "overloaded_error",
        "service_unavailable",
        "timeout",
        "rate_limit_exceeded",
        "rate_limit_error",
        "too_many_requests",
    }
)
_RATE_LIMIT = frozenset({"rate_limit_exceeded", "rate_limit_error", "too_many_requests"})
_CONTEXT = frozenset({"context_length_exceeded", "string_above_max_length"})
_CONTEXT_NUMBERS = re.compile(
    r"maximum context length is (?P<max>[0-9]+) tokens.*?(?P<used>[0-9]+) tokens", re.S
)


def _info(error: Mapping[str, Any]) -> ErrorInfo | None:
    message = str(error.get("message") or "")
    if not message:
        return None
    code = str(error.get("code") or error.get("type") or "")
    param = error.get("param")
    if isinstance(param, str) and param and param not in message:
        message = f"{message} (param: {param})"
    return ErrorInfo(message=message, code=code)


def parse_error(body: str) -> ErrorInfo | None:
    """Read an OpenAI-style error body; other shapes fall back to the default parser."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, Mapping) and isinstance(data.get("error"), Mapping):
        info = _info(data["error"])
        if info is not None:
            return info
    return default_error_parser(body)


def _number(text: str) -> int | None:
    """``text`` as a count when it is a plain, reasonably short decimal number."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _code_of(error: Mapping[str, Any]) -> str:
    return str(error.get("code") or error.get("type") or "")


def error_from_payload(
    payload: Mapping[str, Any], *, provider: str, url: str = ""
) -> ProviderError:
    """The error of an in-band ``{"error": ...}`` payload (retryable per its type/code)."""
    raw = payload.get("error", payload)
    error: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {"message": str(raw)}
    message = str(error.get("message") or "provider reported an error")
    code = _code_of(error)
    kinds = {code, str(error.get("type") or "")}
    common: dict[str, Any] = {
        "provider": provider,
        "url": url,
        "code": code,
        "response_body": json.dumps(payload, ensure_ascii=False)[:10000],
    }
    if kinds & _CONTEXT:
        match = _CONTEXT_NUMBERS.search(message)
        return ContextTooLargeError(
            message,
            used_tokens=_number(match["used"]) if match else None,
            max_tokens=_number(match["max"]) if match else None,
            **common,
        )
    status = _number(code) or 0
    if kinds & _RATE_LIMIT or status == 429:
        return RateLimitError(message, retryable=True, **common)
    retryable = bool(kinds & _RETRYABLE) or status >= 500
    return ProviderError(message, retryable=retryable, **common)
