"""Converting between httpx objects and recorded interactions (private)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx

from fantasy.testing._cassette_model import (
    Body,
    Headers,
    Interaction,
    RecordedRequest,
    RecordedResponse,
)
from fantasy.testing._cassette_scrub import Scrubber, secrets_from_headers
from fantasy.testing._cassette_yaml import status_text

DEFAULT_CHUNK_SIZE = 4096
"""Replayed bodies are streamed in chunks of this many bytes."""

# Bodies are stored (and served) decoded, so framing/encoding headers must not be replayed.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "content-encoding"})
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class ReplayStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An in-memory response body served in fixed-size chunks, for sync and async clients."""

    def __init__(self, content: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE) -> None:
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        self._content = content
        self._chunk_size = chunk_size

    def _chunks(self) -> Iterator[bytes]:
        for start in range(0, len(self._content), self._chunk_size):
            yield self._content[start : start + self._chunk_size]

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks():
            yield chunk


def go_duration(nanoseconds: int) -> str:
    """Format a duration like Go's `time.Duration.String` (`896.93675ms`, `1.5s`, `2m3s`)."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    value = abs(nanoseconds)
    if value < 1_000:
        return f"{sign}{value}ns"
    if value < 1_000_000:
        return f"{sign}{_fraction(value, 1_000)}µs"
    if value < 1_000_000_000:
        return f"{sign}{_fraction(value, 1_000_000)}ms"
    seconds = _fraction(value % 60_000_000_000, 1_000_000_000) + "s"
    minutes = value // 60_000_000_000
    if minutes == 0:
        return sign + seconds
    hours, minutes = divmod(minutes, 60)
    prefix = f"{hours}h" if hours else ""
    return f"{sign}{prefix}{minutes}m{seconds}"


def _fraction(value: int, unit: int) -> str:
    whole, rest = divmod(value, unit)
    if rest == 0:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}.{rest:0{digits}d}".rstrip("0")


def decode_body(content: bytes) -> Body:
    """Return `content` as text when it is valid UTF-8, else unchanged bytes."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content


def _go_proto(http_version: str) -> str:
    if http_version in {"HTTP/2", "HTTP/2.0"}:
        return "HTTP/2.0"
    if http_version.startswith("HTTP/"):
        return http_version
    return "HTTP/1.1"


def _form(url: str, content_type: str, body: Body) -> Headers:
    form: Headers = {}
    sources = [urlsplit(url).query]
    if content_type.startswith(_FORM_CONTENT_TYPE) and isinstance(body, str):
        sources.append(body)
    for source in sources:
        for name, values in parse_qs(source, keep_blank_values=True).items():
            form.setdefault(name, []).extend(values)
    return form


def record_interaction(
    request: httpx.Request,
    response: httpx.Response,
    content: bytes,
    *,
    duration_ns: int,
    scrubber: Scrubber,
) -> Interaction:
    """Build a scrubbed interaction from a completed exchange.

    Args:
        request: The sent request (its body already read).
        response: The received response (headers and status are used).
        content: The full, decoded response body.
        duration_ns: How long the exchange took.
        scrubber: Removes secrets; the request's credential headers are added to it.

    Returns:
        An interaction with `index`/`id` 0 (the cassette renumbers it).
    """
    scrubber = scrubber.with_secrets(secrets_from_headers(request.headers.multi_items()))
    request_body = scrubber.body(decode_body(request.content))
    url = scrubber.url(str(request.url))
    response_headers = response.headers
    content_encoding = response_headers.get("content-encoding", "").strip().lower()
    uncompressed = content_encoding not in {"", "identity"}
    content_length = -1
    declared = response_headers.get("content-length", "").strip()
    if not uncompressed and declared.isdigit():
        content_length = int(declared)
    chunked = "chunked" in response_headers.get("transfer-encoding", "").lower()
    reason = response.reason_phrase
    status = f"{response.status_code} {reason}" if reason else status_text(response.status_code)
    return Interaction(
        index=0,
        id=0,
        request=RecordedRequest(
            method=request.method,
            url=url,
            body=request_body,
            headers=scrubber.request_headers_of(request.headers.multi_items()),
            form=_form(url, request.headers.get("content-type", ""), request_body),
            host=scrubber.text(request.headers.get("host", request.url.netloc.decode("ascii"))),
            content_length=len(request.content),
        ),
        response=RecordedResponse(
            code=response.status_code,
            status=status,
            body=scrubber.body(decode_body(content)),
            headers=scrubber.response_headers_of(response_headers.multi_items()),
            proto=_go_proto(response.http_version),
            content_length=content_length,
            transfer_encoding=["chunked"] if chunked else [],
            uncompressed=uncompressed,
            duration=go_duration(duration_ns),
        ),
    )


def _extensions(proto: str, status: str) -> dict[str, object]:
    http_version = b"HTTP/2" if proto.startswith("HTTP/2") else proto.encode("ascii", "replace")
    _, _, reason = status.partition(" ")
    return {"http_version": http_version, "reason_phrase": reason.encode("ascii", "replace")}


def replay_response(
    recorded: RecordedResponse, request: httpx.Request, *, chunk_size: int
) -> httpx.Response:
    """Build a streaming httpx response from a recorded response."""
    headers = [
        (name, value)
        for name, values in recorded.headers.items()
        if name.lower() not in _FRAMING_HEADERS
        for value in values
    ]
    body = recorded.body.encode("utf-8") if isinstance(recorded.body, str) else recorded.body
    return httpx.Response(
        recorded.code,
        headers=headers,
        stream=ReplayStream(body, chunk_size),
        request=request,
        extensions=_extensions(recorded.proto, recorded.status),
    )


def live_response(
    response: httpx.Response, content: bytes, request: httpx.Request, *, chunk_size: int
) -> httpx.Response:
    """Rebuild a fully read upstream response so the caller can stream its decoded body."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in _FRAMING_HEADERS
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        stream=ReplayStream(content, chunk_size),
        request=request,
        extensions={
            "http_version": response.http_version.encode("ascii", "replace"),
            "reason_phrase": response.reason_phrase.encode("ascii", "replace"),
        },
    )
