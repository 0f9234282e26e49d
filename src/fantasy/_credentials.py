"""Credential refresh: one more chance for a request that failed authentication.

SSO and OAuth sessions expire during long runs. A provider's ``on_auth_error``
callback receives the :class:`~fantasy.errors.AuthenticationError` (401/403) and
returns the headers to send from then on (``{"Authorization": "Bearer <new token>"}``),
or ``None`` to give up. The HTTP layer then sends the failed request once more with
them; a second failure is raised as it is. The callback may be sync or async.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias

from fantasy.errors import AuthenticationError, InvalidArgumentError, register_secret

__all__ = ["CredentialRefresh", "adopt", "refreshed_headers"]

CredentialRefresh: TypeAlias = Callable[
    [AuthenticationError], Mapping[str, str] | Awaitable[Mapping[str, str] | None] | None
]
"""``on_auth_error(error) -> new headers | None`` (or an awaitable of them)."""


async def refreshed_headers(
    callback: CredentialRefresh | None, error: AuthenticationError
) -> dict[str, str] | None:
    """The new headers ``callback`` gives for ``error``, or ``None`` (no retry)."""
    if callback is None:
        return None
    result: Any = callback(error)
    if inspect.isawaitable(result):
        result = await result
    if result is None:
        return None
    if not isinstance(result, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in result.items()
    ):
        raise InvalidArgumentError(
            "on_auth_error must return a mapping of header names to strings, or None",
            argument="on_auth_error",
        ) from error
    return dict(result) or None


def adopt(new: Mapping[str, str], headers: dict[str, str]) -> tuple[str, ...]:
    """Put ``new`` into ``headers``; the new values, to scrub from errors from now on."""
    headers.update(new)
    values = tuple(value for value in new.values() if value)
    for value in values:
        register_secret(value)
    return values
