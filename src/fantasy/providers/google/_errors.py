"""Google error bodies: ``{"error": {"code", "message", "status", "details"}}``.

The Gemini API and Vertex AI answer errors with that object (Vertex streaming
endpoints sometimes wrap it in a one-element list). :func:`parse_error` is the
``error_parser`` of the HTTP client; :func:`error_from_payload` turns an in-band
``{"error": ...}`` stream chunk into a :class:`~fantasy.errors.ProviderError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fantasy._http import ErrorInfo
from fantasy.errors import RETRYABLE_STATUS, ProviderError, RateLimitError

__all__ = ["error_from_payload", "parse_error"]

# Canonical statuses after which the same request may succeed.
_RETRYABLE_STATUSES = frozenset(
    {"RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED"}
)


def _error_object(data: Any) -> Mapping[str, Any] | None:
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, Mapping) and isinstance(data.get("error"), Mapping):
        error: Mapping[str, Any] = data["error"]
        return error
    return None


def parse_error(body: str) -> ErrorInfo | None:
    """Read a Google error body: the message, and the canonical status as the code."""
    try:
        error = _error_object(json.loads(body))
    except (ValueError, RecursionError):
        return None
    if error is None:
        return None
    message = str(error.get("message") or "")
    if not message:
        return None
    return ErrorInfo(message=message, code=str(error.get("status") or error.get("code") or ""))


def error_from_payload(payload: Any, *, provider: str) -> ProviderError:
    """The error of an in-band ``{"error": {...}}`` chunk (or of the error object itself)."""
    error = _error_object(payload) or (payload if isinstance(payload, Mapping) else {})
    message = str(error.get("message") or "") or json.dumps(payload)[:500]
    status = str(error.get("status") or "")
    code = error.get("code")
    http_code = code if isinstance(code, int) else None
    retryable = status in _RETRYABLE_STATUSES or (
        http_code is not None and (http_code in RETRYABLE_STATUS or http_code >= 500)
    )
    if status == "RESOURCE_EXHAUSTED" or http_code == 429:
        return RateLimitError(message, provider=provider, code=status, retryable=True)
    return ProviderError(message, provider=provider, code=status, retryable=retryable)
