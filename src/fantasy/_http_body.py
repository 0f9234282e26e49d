"""The body of a streamed answer: its bytes as they arrive, drained and released (I/O).

:func:`body_of` gives the bytes (decoded from any ``Content-Encoding``); :func:`drain`
reads what is left of a finished stream so that its connection goes back to the pool;
:func:`release` closes the iterator and the response. Used by the one stream driver,
:meth:`fantasy._http.HTTPClient.stream_parts`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

__all__ = ["body_of", "drain", "release"]

_DRAIN_SECONDS = 1.0
_DRAIN_BYTES = 65536


def body_of(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's bytes as they arrive, decoded from any ``Content-Encoding``.

    Speed: without a content encoding the response's own byte stream is read directly;
    ``aiter_bytes`` (over ``aiter_raw``) adds two generator layers and a decoder and a
    chunker call per read (about 3-5 µs of the ~20 µs httpx spends per read in
    benchmarks/profile_stream.py).
    """
    body = response.stream
    if "content-encoding" not in response.headers and isinstance(body, httpx.AsyncByteStream):
        return body.__aiter__()
    return response.aiter_bytes()


async def release(chunks: AsyncIterator[bytes], response: httpx.Response) -> None:
    """Close the body's iterator, then the response (its connection goes back or away)."""
    try:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
    finally:
        await response.aclose()


async def drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what is left of a finished stream, so that its connection can be reused.

    Bounded: a server that keeps sending or stalls after its finish signal loses the
    connection instead (it is closed, not pooled).
    """
    left = _DRAIN_BYTES
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for chunk in chunks:
                left -= len(chunk)
                if left < 0:
                    return
    except (TimeoutError, httpx.TransportError):
        return
