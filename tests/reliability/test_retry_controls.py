"""Retry and time controls of plain model calls and agent steps (real sockets).

``with_retry(model, policy)`` retries plain calls like an agent retries a step;
``RetryPolicy.retry_if`` widens or narrows what is retried; ``timeout`` bounds each
attempt of a whole answer and ``deadline`` the whole call.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from _dialects import DIALECTS, TEXT
from _server import LoopbackServer, Plan

import fantasy
from fantasy import stream
from fantasy.errors import (
    AttemptTimeoutError,
    DeadlineExceededError,
    FantasyError,
    InvalidArgumentError,
    ProviderError,
)
from fantasy.fallback import with_retry
from fantasy.messages import Message, TextPart
from fantasy.model import Call
from fantasy.retry import RetryPolicy

CALL = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])
DIALECT = DIALECTS["chat"]
OK = Plan(content_type="application/json", chunks=(json.dumps(DIALECT.json_body(TEXT)).encode(),))
STALL = Plan(content_type="application/json", end="stall")
UNAVAILABLE = Plan(
    status=503, content_type="application/json", chunks=(b'{"error": {"message": "busy"}}',)
)
BAD = Plan(status=400, content_type="application/json", chunks=(b'{"error": {"message": "odd"}}',))


def fast(**kwargs: object) -> RetryPolicy:
    return RetryPolicy(initial_delay=0.01, jitter=False, **kwargs)  # type: ignore[arg-type]


def answers(*plans: Plan):  # type: ignore[no-untyped-def]
    queue = list(plans)
    return lambda request: queue.pop(0) if len(queue) > 1 else queue[0]


def final_error(error: BaseException) -> BaseException:
    """The last attempt's error, whether raised as is or wrapped by the retry driver."""
    return error.__cause__ if error.__cause__ is not None else error


@pytest.mark.anyio
async def test_plain_calls_retry_under_a_policy() -> None:
    async with (
        LoopbackServer(answers(UNAVAILABLE, OK)) as server,
        DIALECT.provider(server.url) as provider,
    ):
        model = with_retry(DIALECT.model(provider), fast())
        assert (await model.generate(CALL)).text == TEXT
        assert len(server.requests) == 2


@pytest.mark.anyio
async def test_a_stream_cut_after_its_first_part_continues_after_a_retry_part() -> None:
    body = DIALECT.stream_body(TEXT)
    cut = Plan(chunks=tuple(body[:2]), end="reset")
    whole = Plan(chunks=tuple(body))
    async with (
        LoopbackServer(answers(cut, whole)) as server,
        DIALECT.provider(server.url) as provider,
    ):
        parts = [p async for p in with_retry(DIALECT.model(provider), fast()).stream(CALL)]
    retries = [p for p in parts if isinstance(p, stream.Retry)]
    assert len(retries) == 1 and retries[0].discarded > 0
    after = parts[parts.index(retries[0]) + 1 :]
    assert "".join(p.delta for p in after if isinstance(p, stream.TextDelta)) == TEXT


@pytest.mark.anyio
async def test_retry_if_narrows_and_widens_what_is_retried() -> None:
    async with (
        LoopbackServer(answers(UNAVAILABLE, OK)) as server,
        DIALECT.provider(server.url) as provider,
    ):
        never = with_retry(DIALECT.model(provider), fast(retry_if=lambda error: False))
        with pytest.raises(ProviderError):
            await never.generate(CALL)
        assert len(server.requests) == 1
    widened = fast(retry_if=lambda e: isinstance(e, ProviderError) and e.status_code == 400)
    async with (
        LoopbackServer(answers(BAD, OK)) as server,
        DIALECT.provider(server.url) as provider,
    ):
        assert (await with_retry(DIALECT.model(provider), widened).generate(CALL)).text == TEXT
        assert len(server.requests) == 2


# Long enough for an answering attempt on a loaded machine; a stalled one always passes it.
ATTEMPT_TIMEOUT = 2.0


@pytest.mark.anyio
async def test_timeout_bounds_each_attempt_and_is_retried() -> None:
    async with (
        LoopbackServer(answers(STALL, OK)) as server,
        DIALECT.provider(server.url) as provider,
    ):
        model = with_retry(DIALECT.model(provider), fast(timeout=ATTEMPT_TIMEOUT))
        assert (await model.generate(CALL)).text == TEXT
        assert len(server.requests) == 2
    async with (
        LoopbackServer(lambda request: STALL) as server,
        DIALECT.provider(server.url) as provider,
    ):
        agent = fantasy.Agent(
            DIALECT.model(provider), retry=fast(timeout=ATTEMPT_TIMEOUT, max_retries=1)
        )
        with pytest.raises(FantasyError) as caught:
            await agent.generate("hi")
        assert isinstance(final_error(caught.value), AttemptTimeoutError)
        assert len(server.requests) == 2


@pytest.mark.anyio
async def test_deadline_bounds_the_whole_call() -> None:
    async with (
        LoopbackServer(lambda request: STALL) as server,
        DIALECT.provider(server.url) as provider,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        model = with_retry(DIALECT.model(provider), fast(deadline=0.5, max_retries=10))
        with pytest.raises(DeadlineExceededError) as caught:
            await model.generate(CALL)
        assert not caught.value.is_retryable
        assert loop.time() - started < 15  # half a second, with a loaded machine's margin
        assert len(server.requests) == 1


@pytest.mark.anyio
async def test_deadline_stops_retries_whose_wait_would_pass_it() -> None:
    async with (
        LoopbackServer(lambda request: UNAVAILABLE) as server,
        DIALECT.provider(server.url) as provider,
    ):
        # The first answer (a 503) comes well within the deadline, the retry's wait would not.
        policy = RetryPolicy(initial_delay=50.0, max_delay=50.0, jitter=False, deadline=5.0)
        with pytest.raises(DeadlineExceededError) as caught:
            await with_retry(DIALECT.model(provider), policy).generate(CALL)
        assert isinstance(caught.value.__cause__, ProviderError)
        assert len(server.requests) == 1


def test_time_controls_are_validated() -> None:
    with pytest.raises(InvalidArgumentError):
        RetryPolicy(timeout=0)
    with pytest.raises(InvalidArgumentError):
        RetryPolicy(deadline=-1)
