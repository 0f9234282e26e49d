"""Retry-After per dialect: honoured when within the policy's cap, never slept past it.

Real sockets on 127.0.0.1. Each dialect's server answers 429 (with its own rate-limit
body) twice and then the answer: once asking for 50 ms (``retry-after-ms``), then for an
hour (``retry-after: 3600``). The agent's ``Retry`` events carry the waits: the 50 ms
as asked, the hour replaced by the policy's backoff (``max_retry_after`` caps what is
honoured), so the run ends in moments. A persistent 429 gives up as a
``RateLimitError`` that still says what the server asked for.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _dialects import DIALECTS, TEXT, answer
from _server import LoopbackServer, Plan, Request

import fantasy
from fantasy.errors import RateLimitError
from fantasy.retry import Retry, RetryPolicy

POLICY = RetryPolicy(max_retries=3, initial_delay=0.01, jitter=False, max_retry_after=60.0)

RATE_LIMITED: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "chat": ({"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}, {}),
    "responses": ({"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}, {}),
    "anthropic": (
        {"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limited"}},
        {},
    ),
    "gemini": (
        {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}},
        {},
    ),
    "bedrock": ({"message": "Too many requests"}, {"x-amzn-ErrorType": "ThrottlingException"}),
    "converse": ({"message": "Too many requests"}, {"x-amzn-ErrorType": "ThrottlingException"}),
}


def limited(name: str, wait: dict[str, str]) -> Plan:
    body, headers = RATE_LIMITED[name]
    return Plan(
        status=429,
        content_type="application/json",
        chunks=(json.dumps(body).encode(),),
        headers={**headers, **wait},
    )


async def run(agent: fantasy.Agent[object, str], streaming: bool) -> str:
    if not streaming:
        return (await agent.generate("hi")).text
    async with agent.stream("hi") as events:
        return (await events.result()).text


@pytest.mark.anyio
@pytest.mark.timeout(60)  # an honoured hour would be killed here
@pytest.mark.parametrize("streaming", [False, True], ids=["generate", "stream"])
@pytest.mark.parametrize("name", DIALECTS)
async def test_retry_after_is_honoured_and_capped(name: str, streaming: bool) -> None:
    dialect = DIALECTS[name]
    plans = [
        limited(name, {"retry-after-ms": "50"}),
        limited(name, {"retry-after": "3600"}),
    ]

    def handler(request: Request) -> Plan:
        return plans.pop(0) if plans else answer(dialect, request)

    retries: list[Retry] = []
    async with (
        LoopbackServer(handler) as server,
        dialect.provider(server.url) as provider,
    ):
        agent = fantasy.Agent(dialect.model(provider), retry=POLICY, on_retry=retries.append)
        assert await run(agent, streaming) == TEXT
        assert len(server.requests) == 3
    assert [type(retry.error) for retry in retries] == [RateLimitError, RateLimitError]
    assert [retry.error.retry_after for retry in retries] == [0.05, 3600]  # type: ignore[attr-defined]
    assert [retry.delay for retry in retries] == [0.05, POLICY.backoff(2)]


@pytest.mark.anyio
@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", DIALECTS)
async def test_a_persistent_rate_limit_gives_up_as_a_rate_limit_error(name: str) -> None:
    dialect = DIALECTS[name]
    async with (
        LoopbackServer(lambda request: limited(name, {"retry-after": "3600"})) as server,
        dialect.provider(server.url) as provider,
    ):
        agent = fantasy.Agent(dialect.model(provider), retry=POLICY)
        with pytest.raises(RateLimitError) as caught:
            await agent.generate("hi")
        assert caught.value.retry_after == 3600
        assert len(caught.value.attempts) == POLICY.max_retries + 1
        assert len(server.requests) == POLICY.max_retries + 1
