"""Server-sent events from an httpx response, decoded by the ``httpx-sse`` library.

Comment lines (``: OPENROUTER PROCESSING``) are skipped by the library; CRLF and LF
line endings are both accepted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

__all__ = ["iter_sse"]


async def iter_sse(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """Yield ``(event, data)`` for each event of a streaming response body.

    Raises:
        httpx_sse.SSEError: the response is not ``text/event-stream``.
    """
    from httpx_sse import EventSource

    async for event in EventSource(response).aiter_sse():
        yield event.event, event.data
