"""Connections are reused: one long-lived client per provider and event loop.

Real sockets on 127.0.0.1; the server counts the TCP connections it accepted.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from _dialects import DIALECTS, TEXT
from _server import LoopbackServer, Plan, Request

import fantasy
from fantasy.errors import ProviderError
from fantasy.messages import Message, TextPart
from fantasy.model import Call

CALL = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])


def answering(name: str):  # type: ignore[no-untyped-def]
    dialect = DIALECTS[name]

    def handler(request: Request) -> Plan:
        if json.loads(request.body).get("stream") or b"stream" in request.path.encode().lower():
            return Plan(content_type=dialect.content_type, chunks=tuple(dialect.stream_body(TEXT)))
        body = json.dumps(dialect.json_body(TEXT)).encode()
        return Plan(content_type="application/json", chunks=(body,))

    return handler


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_sequential_streams_and_calls_share_one_connection(name: str) -> None:
    dialect = DIALECTS[name]
    async with (
        LoopbackServer(answering(name)) as server,
        dialect.provider(server.url) as provider,
    ):
        model = dialect.model(provider)
        for _ in range(5):
            texts = [p.delta async for p in model.stream(CALL) if p.type == "text-delta"]  # type: ignore[union-attr]
            assert "".join(texts) == TEXT
        for _ in range(3):
            assert (await model.generate(CALL)).text == TEXT
        assert len(server.requests) == 8
        assert server.accepted == 1, f"{server.accepted} connections for 8 requests"
        await provider.aclose()
        await server.wait_open(0)  # aclose() on the provider closed the kept-alive one


@pytest.mark.anyio
async def test_a_consumer_that_stops_at_finish_still_returns_the_connection() -> None:
    dialect = DIALECTS["chat"]
    async with (
        LoopbackServer(answering("chat")) as server,
        dialect.provider(server.url) as provider,
    ):
        model = dialect.model(provider)
        for _ in range(3):
            parts = model.stream(CALL)
            async for part in parts:
                if part.type == "finish":
                    break
            await parts.aclose()  # type: ignore[attr-defined]
        assert server.accepted == 1


def test_sync_twins_and_several_event_loops_each_get_a_client() -> None:
    dialect = DIALECTS["chat"]

    async def serve_and_call() -> tuple[int, int]:
        async with LoopbackServer(answering("chat")) as server:
            provider = dialect.provider(server.url)
            model = dialect.model(provider)
            for _ in range(2):  # two separate event loops, none closed explicitly
                await asyncio.to_thread(lambda: asyncio.run(model.generate(CALL)))
            with provider:  # the sync API runs on its own loop; close() closes that client
                for _ in range(2):
                    assert (await asyncio.to_thread(model.generate_sync, CALL)).text == TEXT
            await server.wait_open(0)  # every client closed: by its loop or by close()
            return server.accepted, len(server.requests)

    accepted, requests = asyncio.run(serve_and_call())
    assert requests == 4
    assert accepted == 3  # one per event loop, and the sync loop's two calls shared one


@pytest.mark.anyio
async def test_timeout_applies_to_an_injected_client_per_request() -> None:
    dialect = DIALECTS["chat"]
    stalled = Plan(content_type="application/json", end="stall")
    async with (
        LoopbackServer(lambda request: stalled) as server,
        httpx.AsyncClient(timeout=60.0) as client,
    ):
        provider = dialect.provider(server.url, http_client=client, timeout=0.3)  # type: ignore[call-arg]
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ProviderError) as caught:
            await dialect.model(provider).generate(CALL)
        assert caught.value.is_retryable
        assert loop.time() - started < 30  # the provider's 0.3 s, not the client's 60 s


@pytest.mark.anyio
async def test_agent_runs_without_a_client_reuse_connections() -> None:
    dialect = DIALECTS["anthropic"]
    async with (
        LoopbackServer(answering("anthropic")) as server,
        dialect.provider(server.url) as provider,
    ):
        agent = fantasy.Agent(dialect.model(provider))
        results = await asyncio.gather(*(agent.generate("hi") for _ in range(20)))
        assert {result.text for result in results} == {TEXT}
        assert server.accepted <= 20
        before = server.accepted
        for _ in range(5):
            await agent.generate("hi")
        assert server.accepted == before  # kept alive and reused


@pytest.mark.anyio
async def test_requests_beyond_the_pool_wait_at_the_gate_bounded_by_the_pool_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fantasy import _pool

    monkeypatch.setattr(_pool, "DEFAULT_LIMITS", httpx.Limits(max_connections=2))
    dialect = DIALECTS["chat"]
    stalled = Plan(chunks=tuple(dialect.stream_body(TEXT)[:1]), end="stall")
    timeout = httpx.Timeout(30.0, pool=0.3)
    async with (
        LoopbackServer(lambda request: stalled) as server,
        dialect.provider(server.url, timeout=timeout) as provider,
    ):
        model = dialect.model(provider)
        streams = [model.stream(CALL) for _ in range(2)]
        for parts in streams:
            await anext(parts)  # type: ignore[call-overload]
        assert server.open == 2
        with pytest.raises(ProviderError, match="no free connection") as caught:
            await model.generate(CALL)
        assert caught.value.is_retryable
        assert len(server.requests) == 2  # the third never reached the pool
        for parts in streams:
            await parts.aclose()  # type: ignore[attr-defined]
        await server.wait_open(0)
