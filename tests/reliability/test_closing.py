"""Every dialect closes its HTTP response at once: after aclose(), an error, a cancellation.

Real sockets on 127.0.0.1: the server sends the first events of an answer and then
stalls with the connection open, so the only way the connection closes is the client
closing it. The garbage collector is off during each test, so nothing is left to it.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator

import pytest
from _dialects import DIALECTS, TEXT, Dialect
from _server import LoopbackServer, Plan

import fantasy
from fantasy import stream
from fantasy.errors import InvalidResponseError
from fantasy.messages import Message, TextPart
from fantasy.model import Call

CALL = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])


@pytest.fixture(autouse=True)
def no_garbage_collector() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def stalling(dialect: Dialect, extra: bytes = b"") -> Plan:
    """The answer's events up to the first text delta (plus ``extra``), then silence."""
    chunks = dialect.stream_body(TEXT)[:3]
    return Plan(content_type=dialect.content_type, chunks=(*chunks, extra), end="stall")


async def first_text(parts: AsyncIterator[stream.StreamPart]) -> None:
    async for part in parts:
        if isinstance(part, stream.TextDelta):
            return
    raise AssertionError("no text delta")


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_aclose_closes_the_connection_at_once(name: str) -> None:
    dialect = DIALECTS[name]
    async with (
        LoopbackServer(lambda request: stalling(dialect)) as server,
        dialect.provider(server.url) as provider,
    ):
        parts = dialect.model(provider).stream(CALL)
        await first_text(parts)
        assert server.open == 1
        await parts.aclose()  # type: ignore[attr-defined]
        await server.wait_open(0)


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_a_rejected_event_closes_the_connection_at_once(name: str) -> None:
    dialect = DIALECTS[name]
    async with (
        LoopbackServer(lambda request: stalling(dialect, dialect.bad_event)) as server,
        dialect.provider(server.url) as provider,
    ):
        parts = dialect.model(provider).stream(CALL)
        with pytest.raises(InvalidResponseError):
            async for _ in parts:
                pass
        await server.wait_open(0)


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_cancelling_the_consumer_closes_the_connection_at_once(name: str) -> None:
    dialect = DIALECTS[name]
    async with (
        LoopbackServer(lambda request: stalling(dialect)) as server,
        dialect.provider(server.url) as provider,
    ):
        started = asyncio.Event()

        async def consume() -> None:
            async for part in dialect.model(provider).stream(CALL):
                if isinstance(part, stream.TextDelta):
                    started.set()

        task = asyncio.create_task(consume())
        async with asyncio.timeout(10):
            await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await server.wait_open(0)


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_agent_stream_with_a_rejected_event_closes_the_connection(name: str) -> None:
    dialect = DIALECTS[name]
    async with (
        LoopbackServer(lambda request: stalling(dialect, dialect.bad_event)) as server,
        dialect.provider(server.url) as provider,
    ):
        agent = fantasy.Agent(dialect.model(provider))
        events = agent.stream("hi")
        with pytest.raises(InvalidResponseError):
            async for _ in events:
                pass
        await server.wait_open(0)
