"""The one place that talks HTTP: JSON posts, SSE streams and byte streams.

Providers build a :class:`HTTPClient` from their settings (base URL, headers, an
injected ``httpx.AsyncClient`` or transport) and call :meth:`HTTPClient.post_json`,
:meth:`HTTPClient.stream_sse` or :meth:`HTTPClient.stream_bytes`. Error statuses become
typed errors (:func:`error_from_response`), a stalled stream raises
:class:`~fantasy.errors.StreamIdleTimeoutError`, and secrets never reach an error.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from fantasy._idle import IdleWatchdog
from fantasy._version import __version__
from fantasy.errors import (
    AuthenticationError,
    ContextTooLargeError,
    InvalidArgumentError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
    StreamIdleTimeoutError,
    redact,
    register_secret,
)

__all__ = [
    "USER_AGENT",
    "ErrorInfo",
    "HTTPClient",
    "dumps",
    "error_from_response",
    "parse_retry_after",
]

USER_AGENT = f"fantasy-python/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=30.0)
DEFAULT_STREAM_IDLE_TIMEOUT = 300.0

T = TypeVar("T")

logger = logging.getLogger("fantasy")


def dumps(body: Any) -> bytes:
    """Serialize a request body compactly (UTF-8, no ASCII escaping)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What a provider's error body says: message and error code/type."""

    message: str
    code: str = ""


ErrorParser = Callable[[str], ErrorInfo | None]


def default_error_parser(body: str) -> ErrorInfo | None:
    """Read ``{"error": {"message", "type"|"code"}}`` / ``{"message"}`` / ``[{...}]`` bodies."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, list) and data:
        data = data[0]
    if not isinstance(data, dict):
        return None
    error = data.get("error", data)
    if isinstance(error, str):
        return ErrorInfo(message=error, code=str(data.get("code") or ""))
    if not isinstance(error, dict):
        return None
    message = error.get("message") or data.get("message") or ""
    code = error.get("code") or error.get("type") or error.get("status") or ""
    return ErrorInfo(message=str(message), code=str(code)) if message else None


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after-ms")
    if value:
        try:
            return max(float(value) / 1000.0, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


_CONTEXT_PATTERNS = (
    # OpenAI: "maximum context length is 128000 tokens. However, your messages resulted in
    # 130000 tokens"
    re.compile(r"maximum context length is (?P<max>\d+) tokens.*?(?P<used>\d+) tokens", re.S),
    # Anthropic: "prompt is too long: 210000 tokens > 200000 maximum"
    re.compile(r"prompt is too long: (?P<used>\d+) tokens > (?P<max>\d+)"),
    # Gemini: "input token count (1200000) exceeds the maximum number of tokens allowed (1048576)"
    re.compile(r"input token count \(?(?P<used>\d+)\)? exceeds the maximum.*?\(?(?P<max>\d+)\)?"),
)
_CONTEXT_CODES = frozenset({"context_length_exceeded", "string_above_max_length"})
_CONTEXT_WORDS = ("context length", "context window", "prompt is too long", "too many tokens")


def _context_error(message: str, code: str) -> tuple[int | None, int | None] | None:
    for pattern in _CONTEXT_PATTERNS:
        match = pattern.search(message)
        if match and len(match["used"]) <= 18 and len(match["max"]) <= 18:
            return int(match["used"]), int(match["max"])
    lowered = message.lower()
    if code in _CONTEXT_CODES or any(word in lowered for word in _CONTEXT_WORDS):
        return None, None
    return None


def error_from_response(
    *,
    provider: str,
    status_code: int,
    url: str,
    headers: Mapping[str, str],
    body: str,
    secrets: tuple[str, ...] = (),
    parser: ErrorParser = default_error_parser,
) -> ProviderError:
    """Map an error status and body to the most specific :class:`ProviderError`."""
    info = parser(body) or ErrorInfo(message=body.strip()[:500] or f"HTTP {status_code}")
    common: dict[str, Any] = {
        "provider": provider,
        "status_code": status_code,
        "url": url,
        "response_headers": dict(headers),
        "response_body": body,
        "code": info.code,
    }
    message = info.message
    for secret in secrets:
        if secret:
            message = message.replace(secret, "[REDACTED]")
            common["response_body"] = common["response_body"].replace(secret, "[REDACTED]")
            common["url"] = common["url"].replace(secret, "[REDACTED]")
    if status_code in (401, 403):
        return AuthenticationError(message, **common)
    if status_code == 429:
        return RateLimitError(message, retry_after=parse_retry_after(headers), **common)
    if status_code in (400, 413, 422):
        context = _context_error(message, info.code)
        if context is not None:
            used, maximum = context
            return ContextTooLargeError(message, used_tokens=used, max_tokens=maximum, **common)
    return ProviderError(message, **common)


class HTTPClient:
    """Sends a provider's requests on an injected or owned ``httpx.AsyncClient``.

    Args:
        provider: Provider name used in errors.
        headers: Headers on every request (auth included); merged under per-call headers.
        http_client: An ``httpx.AsyncClient`` to use (the caller keeps ownership).
        transport: An ``httpx.AsyncBaseTransport`` for a client this object creates.
        timeout: Request timeout of a client this object creates.
        stream_idle_timeout: Seconds without stream data before failing (``None``: never).
        secrets: Strings (API keys) scrubbed from every error.
        error_parser: Reads the provider's error body.
        auth: An ``httpx.Auth`` (SigV4, OAuth bearer tokens) applied per request.
    """

    def __init__(
        self,
        *,
        provider: str,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        secrets: tuple[str, ...] = (),
        error_parser: ErrorParser = default_error_parser,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.provider = provider
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._client = http_client
        self._transport = transport
        self._timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self.stream_idle_timeout = stream_idle_timeout
        self.secrets = tuple(s for s in secrets if s)
        for secret in self.secrets:
            register_secret(secret)
        self.error_parser = error_parser
        self.auth = auth

    def __repr__(self) -> str:
        return f"HTTPClient(provider={self.provider!r})"

    @asynccontextmanager
    async def _client_scope(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._client is not None:
            yield self._client
            return
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as client:
            yield client

    def _headers(self, extra: Mapping[str, str] | None, user_agent: str | None) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        headers.update(self.headers)
        headers.update(extra or {})
        if user_agent:
            headers["User-Agent"] = user_agent
        return headers

    async def _raise_for_status(self, response: httpx.Response) -> None:
        # URL only (never headers or bodies), with known keys and key-shaped values masked.
        logger.debug(
            "%s POST %s -> %d",
            self.provider,
            redact(str(response.request.url), self.secrets),
            response.status_code,
        )
        if response.status_code < 400:
            return
        body = (await response.aread()).decode("utf-8", errors="replace")
        raise error_from_response(
            provider=self.provider,
            status_code=response.status_code,
            url=str(response.request.url),
            headers=response.headers,
            body=body,
            secrets=self.secrets,
            parser=self.error_parser,
        )

    def _url_error(self, error: Exception, url: str) -> InvalidArgumentError:
        # A bad URL (no http(s) scheme, malformed) is a setting to fix, not a transient
        # transport failure: never retried.
        return InvalidArgumentError(
            redact(f"[{self.provider}] invalid request URL {url!r}: {error}", self.secrets),
            argument="base_url",
        )

    def _transport_error(self, error: httpx.TransportError, url: str) -> ProviderError:
        return ProviderError(
            f"{type(error).__name__}: {error}", provider=self.provider, url=url, retryable=True
        )

    async def post_json(
        self,
        url: str,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
    ) -> tuple[Any, httpx.Headers]:
        """POST ``body`` as JSON; return the decoded JSON answer and response headers."""
        try:
            async with self._client_scope() as client:
                response = await client.post(
                    url,
                    content=dumps(body),
                    headers=self._headers(headers, user_agent),
                    auth=self.auth or httpx.USE_CLIENT_DEFAULT,
                )
                await self._raise_for_status(response)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise self._url_error(error, url) from error
        except httpx.TransportError as error:
            raise self._transport_error(error, url) from error
        text = response.text
        try:
            return json.loads(text), response.headers
        except (ValueError, RecursionError) as error:
            raise InvalidResponseError(
                f"response is not valid JSON: {error}",
                provider=self.provider,
                status_code=response.status_code,
                url=url,
                raw=redact(text[:10000], self.secrets),
            ) from error

    async def _read_all(self, items: AsyncIterator[T]) -> AsyncGenerator[T, None]:
        """Yield ``items``, failing with StreamIdleTimeoutError when one takes too long."""
        if self.stream_idle_timeout is None:
            async for item in items:
                yield item
            return
        watchdog = IdleWatchdog(self.stream_idle_timeout)
        try:
            while True:
                watchdog.waiting()
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    return
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if not watchdog.expired or task is None:
                        raise
                    if task.uncancel() > watchdog.cancelling_before:
                        raise  # cancelled from outside too: that cancellation wins
                    raise StreamIdleTimeoutError(
                        f"no stream data for {self.stream_idle_timeout:g}s",
                        provider=self.provider,
                    ) from None
                watchdog.received()
                yield item
        finally:
            watchdog.close()

    async def _stream(
        self,
        url: str,
        body: Any,
        headers: Mapping[str, str] | None,
        user_agent: str | None,
        decode: Callable[[httpx.Response], AsyncIterator[T]],
    ) -> AsyncIterator[T]:
        try:
            async with (
                self._client_scope() as client,
                client.stream(
                    "POST",
                    url,
                    content=dumps(body) if body is not None else b"",
                    headers=self._headers(headers, user_agent),
                    auth=self.auth or httpx.USE_CLIENT_DEFAULT,
                ) as response,
            ):
                await self._raise_for_status(response)
                async with aclosing(self._read_all(decode(response))) as items:
                    async for item in items:
                        yield item
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise self._url_error(error, url) from error
        except httpx.TransportError as error:
            raise self._transport_error(error, url) from error

    def stream_sse(
        self,
        url: str,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
    ) -> AsyncIterator[tuple[str, str]]:
        """POST ``body`` and yield the ``(event, data)`` pairs of the SSE response."""
        merged = {"Accept": "text/event-stream", **(headers or {})}
        return self._stream(url, body, merged, user_agent, self._sse_events)

    async def _sse_events(self, response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
        from httpx_sse import SSEError

        from fantasy._sse import iter_sse

        try:
            async for event in iter_sse(response):
                yield event
        except SSEError as error:
            raise InvalidResponseError(
                str(error), provider=self.provider, url=str(response.request.url)
            ) from error

    def stream_bytes(
        self,
        url: str,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
    ) -> AsyncIterator[bytes]:
        """POST ``body`` and yield the raw response body chunks (binary event streams)."""
        return self._stream(url, body, headers, user_agent, _raw_bytes)


async def _raw_bytes(response: httpx.Response) -> AsyncIterator[bytes]:
    # aiter_bytes (not aiter_raw): undoes any content-encoding and works on eager bodies.
    async for chunk in response.aiter_bytes():
        yield chunk
