"""The one place that talks HTTP: JSON posts and the one stream driver.

Providers build a :class:`HTTPClient` from their settings (base URL, headers, an
injected ``httpx.AsyncClient`` or transport) and call :meth:`HTTPClient.post_json` or
:meth:`HTTPClient.stream_parts` (bytes → :class:`Framing` → events →
:class:`PartDecoder` → stream parts). Error statuses become typed errors
(:func:`error_from_response`), a stalled stream raises
:class:`~fantasy.errors.StreamIdleTimeoutError`, and secrets never reach an error.

Connections: without an injected client, an :class:`HTTPClient` owns long-lived
``httpx.AsyncClient`` s per event loop (:mod:`fantasy._pool`), closed by
:meth:`HTTPClient.aclose` or, at the latest, when its event loop shuts down.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx

from fantasy import stream
from fantasy._client_loop import check_loop
from fantasy._credentials import CredentialRefresh, adopt, refreshed_headers
from fantasy._http_body import body_of, drain, release
from fantasy._http_errors import body_excerpt, content_type, context_error, transport_error
from fantasy._idle import IdleWatchdog
from fantasy._pool import DEFAULT_LIMITS, ClientPool
from fantasy._sse import SSEFraming
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
from fantasy.stream import StreamPart

T = TypeVar("T")

__all__ = [
    "DEFAULT_LIMITS",
    "USER_AGENT",
    "ErrorInfo",
    "Framing",
    "HTTPClient",
    "PartDecoder",
    "dumps",
    "error_from_response",
    "parse_retry_after",
]

USER_AGENT = f"fantasy-python/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=30.0)
DEFAULT_STREAM_IDLE_TIMEOUT = 300.0

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
    excerpt = body_excerpt(body, content_type(headers))
    info = parser(body) or ErrorInfo(message=f"response from {redact(url, secrets)} is {excerpt}")
    common: dict[str, Any] = {
        "provider": provider,
        "status_code": status_code,
        "url": url,
        "response_headers": dict(headers),
        "response_body": body,
        "code": info.code,
    }
    # One rule for every scrub (fantasy.errors.redact): values shorter than
    # MIN_SECRET_LENGTH are placeholders ("ollama", "k"), never cut out of messages.
    message = redact(info.message, secrets)
    common["response_body"] = redact(common["response_body"], secrets)
    common["url"] = redact(common["url"], secrets)
    if status_code in (401, 403):
        return AuthenticationError(message, **common)
    if status_code == 429:
        return RateLimitError(message, retry_after=parse_retry_after(headers), **common)
    if status_code in (400, 413, 422):
        context = context_error(message, info.code)
        if context is not None:
            used, maximum = context
            return ContextTooLargeError(message, used_tokens=used, max_tokens=maximum, **common)
    return ProviderError(message, **common)


class PartDecoder(Protocol):
    """The decoder contract of every dialect: events in, typed stream parts out.

    ``feed`` takes one event's data and its event name (``""`` when the framing has
    none); ``done`` turns true at the stream's finish signal or an in-band error (the
    driver stops feeding then); ``finish`` runs once when the body ended without
    ``done`` and raises :class:`~fantasy.errors.IncompleteStreamError` when the answer
    is incomplete.
    """

    @property
    def done(self) -> bool:
        """Whether the stream ended (finish signal or in-band error)."""
        ...

    def feed(self, data: str, event: str) -> list[StreamPart]:
        """Decode one event."""
        ...

    def finish(self) -> list[StreamPart]:
        """Parts due at the end of the body; raises if the answer is incomplete."""
        ...


class Framing(Protocol):
    """How a streamed body's bytes become ``(event, data)`` pairs (incremental, pure).

    ``media_type`` is the ``Content-Type`` the response must have (``""``: any);
    ``failure`` is an error the framing itself carried in-band (AWS exception frames),
    after which the driver yields it as a :class:`~fantasy.stream.Error` and stops;
    ``close`` runs at the end of the body and raises when it ended inside a frame.
    """

    @property
    def media_type(self) -> str:
        """The expected response ``Content-Type``."""
        ...

    @property
    def failure(self) -> ProviderError | None:
        """An in-band error carried by the framing, once seen."""
        ...

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """Add body bytes; return the events they complete."""
        ...

    def close(self) -> None:
        """The body ended."""
        ...


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

    Attributes:
        on_auth_error: Called once when a request fails authentication (401/403); the
            headers it returns replace the client's and the request is sent once more
            (see :mod:`fantasy._credentials`).
    """

    on_auth_error: CredentialRefresh | None = None

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
        # An explicit timeout applies per request, to an injected client too.
        self._request_timeout: Any = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout
        self._pool = ClientPool(
            provider=provider, transport=transport, timeout=httpx.Timeout(self._timeout)
        )
        self.stream_idle_timeout = stream_idle_timeout
        self.secrets = tuple(s for s in secrets if s)
        for secret in self.secrets:
            register_secret(secret)
        self.error_parser = error_parser
        self.auth = auth

    def __repr__(self) -> str:
        return f"HTTPClient(provider={self.provider!r})"

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[httpx.AsyncClient]:
        """The client to send with (held until the answer is read): injected or owned."""
        if self._client is not None:
            check_loop(self._client, self.provider)
            yield self._client
            return
        async with self._pool.slot() as client:
            yield client

    async def aclose(self) -> None:
        """Close the client this object owns on the running loop (never an injected one).

        A later request opens a new one. Clients owned on other event loops close when
        their loop shuts down.
        """
        await self._pool.aclose()

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

    async def _with_refresh(self, send: Callable[[], Awaitable[T]]) -> T:
        """``send()``, and after an authentication error once more with refreshed headers."""
        try:
            return await send()
        except AuthenticationError as error:
            new = await refreshed_headers(self.on_auth_error, error)
            if new is None:
                raise
        self.secrets += adopt(new, self.headers)
        return await send()

    def _url_error(self, error: Exception, url: str) -> InvalidArgumentError:
        # A bad URL (no http(s) scheme, malformed) is a setting to fix, not a transient
        # transport failure: never retried.
        return InvalidArgumentError(
            redact(f"[{self.provider}] invalid request URL {url!r}: {error}", self.secrets),
            argument="base_url",
        )

    def _transport_error(self, error: httpx.TransportError, url: str) -> ProviderError:
        return transport_error(self.provider, error, redact(url, self.secrets))

    async def post_json(
        self,
        url: str,
        body: Any,
        *,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
    ) -> tuple[Any, httpx.Headers]:
        """POST ``body`` as JSON; return the decoded JSON answer and response headers."""

        async def send() -> httpx.Response:
            async with self._slot() as client:
                response = await client.post(
                    url,
                    content=dumps(body),
                    headers=self._headers(headers, user_agent),
                    auth=self.auth or httpx.USE_CLIENT_DEFAULT,
                    timeout=self._request_timeout,
                )
                await self._raise_for_status(response)
                return response

        try:
            response = await self._with_refresh(send)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise self._url_error(error, url) from error
        except httpx.TransportError as error:
            raise self._transport_error(error, url) from error
        text = response.text
        try:
            return json.loads(text), response.headers
        except (ValueError, RecursionError) as error:
            raise InvalidResponseError(
                f"expected JSON from {redact(url, self.secrets)}, got "
                f"{body_excerpt(text, response.headers.get('content-type', ''))} ({error})",
                provider=self.provider,
                status_code=response.status_code,
                url=url,
                raw=redact(text[:10000], self.secrets),
            ) from error

    async def _open(
        self,
        client: httpx.AsyncClient,
        url: str,
        body: Any,
        headers: Mapping[str, str] | None,
        user_agent: str | None,
    ) -> httpx.Response:
        """Send the request for a streamed answer; its status is checked, its body unread."""
        try:
            request = client.build_request(
                "POST",
                url,
                content=dumps(body) if body is not None else b"",
                headers=self._headers(headers, user_agent),
                timeout=self._request_timeout,
            )
            response = await client.send(
                request, stream=True, auth=self.auth or httpx.USE_CLIENT_DEFAULT
            )
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise self._url_error(error, url) from error
        except httpx.TransportError as error:
            raise self._transport_error(error, url) from error
        try:
            await self._raise_for_status(response)
        except BaseException:
            await response.aclose()
            raise
        return response

    def stream_parts(
        self,
        url: str,
        body: Any,
        decoder: PartDecoder,
        *,
        framing: Framing | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
        first: tuple[StreamPart, ...] = (),
    ) -> AsyncGenerator[StreamPart, None]:
        """POST ``body`` and yield the parts ``decoder`` makes of the streamed answer.

        The one stream driver of every dialect. It owns the HTTP response: it reads the
        body's bytes under the idle watchdog (armed per read, so one large event arriving
        slowly never trips it), cuts them into events with ``framing`` (server-sent
        events by default), feeds each event to ``decoder``, and stops at
        :attr:`PartDecoder.done` or at the end of the body (then ``decoder.finish()``).
        The response is closed in one ``finally``: at the end, after ``aclose()``, on an
        error or a cancellation. A finished stream's last bytes are drained first
        (bounded in time and size) so that its connection goes back to the pool.

        Args:
            url: The endpoint URL.
            body: The JSON request body.
            decoder: The dialect's decoder of this one answer.
            framing: How the body's bytes become events (default: server-sent events).
            headers: Per-request headers (``Accept`` defaults to the framing's media type).
            user_agent: Replaces the ``User-Agent`` header.
            first: Parts yielded before the request is sent (the call's warnings).
        """
        framing = framing if framing is not None else SSEFraming()
        merged = {"Accept": framing.media_type, **(headers or {})}
        return self._drive(url, body, decoder, framing, merged, user_agent, first)

    async def _drive(  # noqa: PLR0912 - one loop, no helper coroutine per read (speed)
        self,
        url: str,
        body: Any,
        decoder: PartDecoder,
        framing: Framing,
        headers: Mapping[str, str],
        user_agent: str | None,
        first: tuple[StreamPart, ...],
    ) -> AsyncGenerator[StreamPart, None]:
        for part in first:
            yield part
        async with self._slot() as client:
            response = await self._with_refresh(
                lambda: self._open(client, url, body, headers, user_agent)
            )
            watched, idle_reads = self._idle_setup(response)
            watchdog = IdleWatchdog(watched)
            chunks = body_of(response)
            try:
                await self._check_media_type(response, framing.media_type)
                read = chunks.__anext__
                frame = framing.feed
                decode = decoder.feed
                while True:
                    # The idle watchdog, inline (speed: no coroutine per read).
                    watchdog.waiting()
                    try:
                        chunk = await read()
                    except StopAsyncIteration:
                        break
                    except asyncio.CancelledError:
                        self._idle_timeout(watchdog, url)
                        raise
                    finally:
                        watchdog.received()
                    for event, data in frame(chunk):
                        parts = decode(data, event)
                        if decoder.done:
                            # Drain before the last parts: a consumer that stops at Finish
                            # must not keep the connection out of the pool.
                            await drain(chunks)
                            for part in parts:
                                yield part
                            return
                        for part in parts:
                            yield part
                    if framing.failure is not None:
                        yield stream.Error(framing.failure)
                        return
                framing.close()
                for part in decoder.finish():
                    yield part
            except httpx.TransportError as error:
                if idle_reads and isinstance(error, httpx.ReadTimeout):
                    raise self._idle_error(url) from error
                raise self._transport_error(error, url) from error
            finally:
                watchdog.close()
                await release(chunks, response)

    def _idle_setup(self, response: httpx.Response) -> tuple[float | None, bool]:
        """The watchdog's timeout for this stream, and whether a read timeout means idle.

        Speed: on httpx's own transport every socket read already waits under httpx's
        ``read`` timeout, which httpcore takes from the request when the body starts to
        be read. For a client fantasy owns there, the stream idle timeout becomes that
        read timeout once the headers are in (the wait for the answer keeps the request
        timeout), and no watchdog runs: its bookkeeping per read was ~2 µs per chunk,
        ~7% of ``Agent.stream`` (benchmarks/profile_stream.py). An injected client or
        transport (aiohttp, a test transport) may not time reads out: the watchdog stays.
        """
        idle = self.stream_idle_timeout
        if idle is None or self._client is not None or self._transport is not None:
            return idle, False
        timeouts = response.request.extensions.get("timeout")
        if not isinstance(timeouts, dict):
            return idle, False
        read = timeouts.get("read")
        if read is not None and read <= idle:
            return None, False  # the request's read timeout comes first, as before
        timeouts["read"] = idle
        return None, True

    def _idle_error(self, url: str) -> StreamIdleTimeoutError:
        return StreamIdleTimeoutError(
            f"no stream data for {self.stream_idle_timeout:g}s ({url})",
            provider=self.provider,
            url=url,
        )

    def _idle_timeout(self, watchdog: IdleWatchdog, url: str) -> None:
        """Raise :class:`StreamIdleTimeoutError` when ``watchdog`` cancelled the read.

        Returns when the cancellation came from elsewhere (the caller re-raises it).
        """
        task = asyncio.current_task()
        if not watchdog.expired or task is None:
            return
        if task.uncancel() > watchdog.cancelling_before:
            return  # cancelled from outside too: that cancellation wins
        raise self._idle_error(url) from None

    async def _check_media_type(self, response: httpx.Response, expected: str) -> None:
        # A 200 answer that is not the stream asked for (an HTML page from a proxy, a
        # JSON error body) is reported as what it is, not as a framing error.
        content_type = response.headers.get("content-type", "")
        if not expected or not content_type or expected in content_type.lower():
            return
        head = (await response.aread())[:2000].decode("utf-8", errors="replace")
        where = redact(str(response.request.url), self.secrets)
        raise InvalidResponseError(
            f"expected a {expected} stream from {where}, got {content_type!r}: "
            f"{body_excerpt(head, content_type)}",
            provider=self.provider,
            status_code=response.status_code,
            url=redact(str(response.request.url), self.secrets),
            raw=redact(head, self.secrets),
        )
