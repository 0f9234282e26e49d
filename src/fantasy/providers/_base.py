"""What every provider class shares: keys from the environment, the HTTP client, the repr.

Each provider keeps its own keyword-only constructor (that is its public API); inside
it, the key comes from :func:`required_api_key` or :func:`env`, the transport
arguments are packed into :class:`HTTPSettings` (which builds the
:class:`~fantasy._http.HTTPClient`), and :class:`ProviderBase` gives ``name``,
``base_url`` and a repr that never shows a key or a header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

import httpx

from fantasy._credentials import CredentialRefresh
from fantasy._http import (
    DEFAULT_STREAM_IDLE_TIMEOUT,
    ErrorParser,
    HTTPClient,
    default_error_parser,
)
from fantasy._provider_cache import read_env
from fantasy.errors import InvalidArgumentError

__all__ = ["HTTPSettings", "ProviderBase", "bearer", "env", "required_api_key", "vertex_url"]


def env(*names: str) -> str | None:
    """The value of the first environment variable of ``names`` that is set and not empty.

    Read through :func:`fantasy._provider_cache.read_env`, so that a provider cached by
    ``fantasy.language_model`` is rebuilt when one of these variables changes.
    """
    for name in names:
        value = read_env(name)
        if value:
            return value
    return None


def required_api_key(api_key: str | None, variable: str | tuple[str, ...], provider: str) -> str:
    """``api_key`` when given, else the first of ``variable`` that is set.

    Raises:
        InvalidArgumentError: No key at all; the message names the variables to set.
    """
    names = (variable,) if isinstance(variable, str) else variable
    key = api_key if api_key is not None else (env(*names) or "")
    if not key:
        raise InvalidArgumentError(
            f"no {provider} API key: pass api_key= or set {' or '.join(names)}",
            argument="api_key",
        )
    return key


def bearer(token: str | None) -> dict[str, str]:
    """``{"Authorization": "Bearer <token>"}``, or no header without a token."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def vertex_url(location: str) -> str:
    """Vertex AI's root URL for ``location`` (``global`` has no region prefix)."""
    if location == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


@dataclass(frozen=True, slots=True)
class HTTPSettings:
    """The transport arguments every provider constructor takes.

    Positional in the order the constructors declare them, so a constructor packs
    them in one line: ``HTTPSettings(headers, http_client, transport, timeout,
    stream_idle_timeout)`` (mypy rejects a swapped pair).
    """

    headers: Mapping[str, str] | None = None
    http_client: httpx.AsyncClient | None = None
    transport: httpx.AsyncBaseTransport | None = None
    timeout: float | httpx.Timeout | None = None
    stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT

    def kwargs(self) -> dict[str, Any]:
        """The settings as constructor keywords (to build another provider alike)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def client(
        self,
        provider: str,
        *,
        defaults: Mapping[str, str] | None = None,
        overrides: Mapping[str, str] | None = None,
        secret: str | None = None,
        error_parser: ErrorParser = default_error_parser,
        auth: httpx.Auth | None = None,
    ) -> HTTPClient:
        """The provider's HTTP client.

        Args:
            provider: Provider name used in errors.
            defaults: Headers the user's ``headers`` may replace (usually the auth header).
            overrides: Headers sent whatever the user's ``headers`` say.
            secret: The API key, scrubbed from every error.
            error_parser: Reads the provider's error bodies.
            auth: Per-request signing (SigV4, OAuth bearer tokens).
        """
        return HTTPClient(
            provider=provider,
            headers={**(defaults or {}), **(self.headers or {}), **(overrides or {})},
            http_client=self.http_client,
            transport=self.transport,
            timeout=self.timeout,
            stream_idle_timeout=self.stream_idle_timeout,
            secrets=(secret,) if secret else (),
            error_parser=error_parser,
            auth=auth,
        )


class ProviderBase:
    """``name``, ``base_url``, a repr without keys or headers, and closing, for providers.

    Subclasses set ``_name``, ``_base_url`` and ``_client`` in their constructor and
    list in ``_repr_fields`` the properties their repr shows.

    Without an injected ``http_client``, a provider owns long-lived
    ``httpx.AsyncClient`` s per event loop (:mod:`fantasy._pool`), shared by all its
    models (connections are kept alive and reused). ``await provider.aclose()`` or
    ``async with provider:`` closes them; ``provider.close()`` / ``with provider:``
    closes those the sync API uses. Clients left open close when their event loop
    shuts down (``asyncio.run``). An injected ``http_client`` is never closed: you own it.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("name", "base_url")
    _name: str
    _base_url: str
    _client: HTTPClient

    @property
    def name(self) -> str:
        """Provider name, as reported by its models and errors."""
        return self._name

    @property
    def base_url(self) -> str:
        """The API root URL."""
        return self._base_url

    def __repr__(self) -> str:
        shown = ", ".join(f"{field}={getattr(self, field)!r}" for field in self._repr_fields)
        return f"{type(self).__name__}({shown})"

    @property
    def on_auth_error(self) -> CredentialRefresh | None:
        """Called once when a request fails authentication (401/403), to refresh credentials.

        ``provider.on_auth_error = callback``: the callback gets the
        :class:`~fantasy.errors.AuthenticationError` and returns the headers to send from
        then on (``{"Authorization": "Bearer <new token>"}``), or ``None`` to let the
        error stand; sync or async. The failed request is then sent once more.
        """
        return self._client.on_auth_error

    @on_auth_error.setter
    def on_auth_error(self, callback: CredentialRefresh | None) -> None:
        for client in self._http_clients():
            client.on_auth_error = callback

    def _http_clients(self) -> tuple[HTTPClient, ...]:
        """The HTTP clients this provider sends with (a delegate's included)."""
        return (self._client,)

    async def aclose(self) -> None:
        """Close the connections this provider owns on the running event loop."""
        for client in self._http_clients():
            await client.aclose()

    def close(self) -> None:
        """Close the connections the sync API (``generate_sync``, ...) opened."""
        from fantasy._sync import run_sync

        run_sync(self.aclose())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
