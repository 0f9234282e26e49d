"""In-band Anthropic errors (``{"type": "error", "error": {...}}``) → typed errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fantasy.errors import AuthenticationError, ProviderError, RateLimitError

__all__ = ["RETRYABLE_ERROR_TYPES", "error_from_event"]

RETRYABLE_ERROR_TYPES = frozenset(
    {"overloaded_error", "rate_limit_error", "api_error", "timeout_error"}
)
"""Error types worth sending the same request again for."""

_AUTH_TYPES = frozenset({"authentication_error", "permission_error"})


def error_from_event(provider: str, error: Mapping[str, Any] | Any) -> ProviderError:
    """The typed error of an in-band ``error`` event's ``error`` object."""
    fields: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    kind = str(fields.get("type") or "error")
    message = str(fields.get("message") or kind)
    retryable = kind in RETRYABLE_ERROR_TYPES
    if kind == "rate_limit_error":
        return RateLimitError(message, provider=provider, code=kind, retryable=True)
    if kind in _AUTH_TYPES:
        return AuthenticationError(message, provider=provider, code=kind, retryable=False)
    return ProviderError(message, provider=provider, code=kind, retryable=retryable)
