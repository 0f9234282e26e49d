"""The idle timeout measures bytes received, for every dialect (real sockets).

One large event trickling in (a piece every few hundredths of a second, longer in
total than the idle timeout) is not idle; a stream that stops sending is.
"""

from __future__ import annotations

import asyncio

import pytest
from _dialects import DIALECTS, TEXT
from _server import LoopbackServer, Plan

from fantasy.errors import StreamIdleTimeoutError
from fantasy.messages import Message, TextPart
from fantasy.model import Call

CALL = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])
BIG = "x" * 4000
IDLE = 1.0  # seconds; the pieces below arrive 10x more often (a loaded machine's margin)


def pieces(body: bytes, count: int) -> tuple[bytes, ...]:
    size = -(-len(body) // count)
    return tuple(body[i : i + size] for i in range(0, len(body), size))


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_a_large_event_arriving_slowly_is_not_idle(name: str) -> None:
    dialect = DIALECTS[name]
    body = b"".join(dialect.stream_body(BIG))
    plan = Plan(content_type=dialect.content_type, chunks=pieces(body, 16), pause=IDLE / 10)
    async with (
        LoopbackServer(lambda request: plan) as server,
        dialect.provider(server.url, stream_idle_timeout=IDLE) as provider,
    ):
        parts = [part async for part in dialect.model(provider).stream(CALL)]
    assert "".join(p.delta for p in parts if p.type == "text-delta") == BIG  # type: ignore[union-attr]
    assert parts[-1].type == "finish"


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_a_stream_that_stops_sending_is_idle(name: str) -> None:
    dialect = DIALECTS[name]
    plan = Plan(
        content_type=dialect.content_type, chunks=tuple(dialect.stream_body(TEXT)[:3]), end="stall"
    )
    async with (
        LoopbackServer(lambda request: plan) as server,
        dialect.provider(server.url, stream_idle_timeout=IDLE) as provider,
    ):
        with pytest.raises(StreamIdleTimeoutError) as caught:
            async for _ in dialect.model(provider).stream(CALL):
                pass
        assert caught.value.is_retryable
        await server.wait_open(0)


@pytest.mark.anyio
async def test_a_slow_consumer_is_not_idle() -> None:
    dialect = DIALECTS["chat"]
    plan = Plan(content_type=dialect.content_type, chunks=tuple(dialect.stream_body(TEXT)))
    async with (
        LoopbackServer(lambda request: plan) as server,
        dialect.provider(server.url, stream_idle_timeout=IDLE / 2) as provider,
    ):
        parts = []
        async for part in dialect.model(provider).stream(CALL):
            parts.append(part)
            if len(parts) <= 2:
                await asyncio.sleep(IDLE)  # twice the idle timeout, spent by the consumer
    assert parts[-1].type == "finish"


@pytest.mark.anyio
async def test_the_wait_for_the_answer_is_not_idle() -> None:
    """Headers later than the idle timeout: the request timeout governs that wait."""
    body = b"".join(DIALECTS["chat"].stream_body(TEXT))

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
        await reader.readexactly(length)
        await asyncio.sleep(IDLE)  # twice the idle timeout before the first byte
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    try:
        async with DIALECTS["chat"].provider(
            f"http://{host}:{port}", stream_idle_timeout=IDLE / 2
        ) as provider:
            parts = [part async for part in DIALECTS["chat"].model(provider).stream(CALL)]
        assert parts[-1].type == "finish"
    finally:
        server.close()
        await server.wait_closed()
