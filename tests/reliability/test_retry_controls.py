"""Retry and time controls of plain model calls and agent steps (real sockets).

``with_retry(model, policy)`` retries plain calls like an agent retries a step;
``RetryPolicy.retry_if`` widens or narrows what is retried; ``timeout`` bounds each
attempt of a whole answer and ``deadline`` the whole call; an agent's ``deadline``
option bounds a whole run, identically in ``generate``, ``stream`` and their sync twins;
``retry=None`` means no retries.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from _dialects import DIALECTS, TEXT
from _server import LoopbackServer, Plan, Request

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
from fantasy.object import ObjectCall
from fantasy.retry import RetryPolicy
from fantasy.testing import TestModel

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
        assert len(caught.value.attempts) == 2
        assert len(server.requests) <= 2  # fewer only if a loaded machine took 2 s to send


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
        assert len(server.requests) <= 1  # the stalled one (none if sending took longer)


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


def stalled_answer(request: Request) -> Plan:
    """Every request stalls: a stream after its first events, a whole answer at once."""
    if json.loads(request.body).get("stream"):
        return Plan(chunks=tuple(DIALECT.stream_body(TEXT)[:1]), end="stall")
    return STALL


async def run_agent(agent: fantasy.Agent[object, str], mode: str) -> str:
    if mode == "generate":
        return (await agent.generate("hi")).text
    if mode == "stream":
        async with agent.stream("hi") as events:
            async for _ in events:
                pass
            return (await events.result()).text
    if mode == "generate_sync":
        return (await asyncio.to_thread(agent.generate_sync, "hi")).text

    def stream_sync() -> str:
        with agent.stream_sync("hi") as events:
            for _ in events:
                pass
            return events.result().text

    return await asyncio.to_thread(stream_sync)


MODES = ["generate", "stream", "generate_sync", "stream_sync"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_an_agent_run_deadline_ends_a_stalled_run_with_a_typed_error(mode: str) -> None:
    errors: list[BaseException] = []
    async with (
        LoopbackServer(stalled_answer) as server,
        DIALECT.provider(server.url) as provider,
    ):
        agent = fantasy.Agent(DIALECT.model(provider), deadline=1.0, on_error=errors.append)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(DeadlineExceededError, match=r"deadline of 1s") as caught:
            await run_agent(agent, mode)
        assert loop.time() - started < 30  # a second, with a loaded machine's margin
        assert not caught.value.is_retryable
        assert errors == [caught.value]  # on_error is told, as for any error ending a run
        assert len(server.requests) <= 1  # (none when a loaded machine took a second to send)
        await server.wait_open(0)  # the stalled request's connection was closed at once
        if mode.endswith("sync"):
            await asyncio.to_thread(provider.close)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["generate", "stream"])
async def test_an_agent_run_deadline_bounds_its_tools_and_retry_waits(mode: str) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    @fantasy.tool
    async def hang(city: str) -> str:
        """Never answers."""
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()
        return city

    agent = fantasy.Agent(TestModel(), tools=[hang], deadline=1.0)
    with pytest.raises(DeadlineExceededError):
        await run_agent(agent, mode)
    assert cancelled.is_set() == started.is_set()  # the running tool was cancelled
    async with (
        LoopbackServer(lambda request: UNAVAILABLE) as server,
        DIALECT.provider(server.url) as provider,
    ):
        slow = RetryPolicy(initial_delay=60.0, jitter=False, max_retries=5)
        agent = fantasy.Agent(DIALECT.model(provider), retry=slow, deadline=1.0)
        with pytest.raises(DeadlineExceededError):
            await run_agent(agent, mode)  # within the test's timeout: the wait was cut
        assert len(server.requests) <= 1  # never a second attempt after the 60 s wait


@pytest.mark.anyio
async def test_a_run_within_its_deadline_is_unaffected_and_the_deadline_is_per_call() -> None:
    agent = fantasy.Agent(TestModel(text="done"), deadline=60.0)
    assert (await agent.generate("hi")).text == "done"
    async with agent.stream("hi") as events:
        assert (await events.result()).text == "done"
    assert (await agent.generate("hi", deadline=None)).text == "done"
    with pytest.raises(InvalidArgumentError):
        fantasy.Agent(TestModel(), deadline=0)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["generate", "stream"])
async def test_retry_none_means_no_retries(mode: str) -> None:
    async with (
        LoopbackServer(answers(UNAVAILABLE, OK)) as server,
        DIALECT.provider(server.url) as provider,
    ):
        agent = fantasy.Agent(DIALECT.model(provider), retry=None)
        with pytest.raises(ProviderError) as caught:
            await run_agent(agent, mode)
        assert caught.value.status_code == 503
        assert len(server.requests) == 1
    with pytest.raises(InvalidArgumentError, match="RetryPolicy or None"):
        fantasy.Agent(TestModel(), retry=3)  # type: ignore[typeddict-item]


OBJECT = Plan(
    content_type="application/json",
    chunks=(json.dumps(DIALECT.json_body('{"city": "Rome"}')).encode(),),
)


@pytest.mark.anyio
async def test_a_policy_set_on_the_provider_retries_every_model_it_builds() -> None:
    async with (
        LoopbackServer(answers(UNAVAILABLE, OK)) as server,
        with_retry(DIALECT.provider(server.url), fast()) as provider,
    ):
        assert provider.name == "openai"
        model = provider.language_model(DIALECT.model_id)
        assert (await model.generate(CALL)).text == TEXT
        assert len(server.requests) == 2
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    object_call = ObjectCall(prompt=CALL.prompt, schema=schema)
    async with (
        LoopbackServer(answers(UNAVAILABLE, OBJECT)) as server,
        with_retry(DIALECT.provider(server.url), fast()) as provider,
    ):
        answer = await provider.language_model(DIALECT.model_id).generate_object(object_call)
        assert answer.object == {"city": "Rome"}
        assert len(server.requests) == 2
    with pytest.raises(InvalidArgumentError):
        with_retry(object(), fast())  # type: ignore[call-overload]


@pytest.mark.anyio
async def test_an_agent_around_a_retried_model_leaves_retrying_to_it_with_retry_none() -> None:
    async with (
        LoopbackServer(lambda request: UNAVAILABLE) as server,
        DIALECT.provider(server.url) as provider,
    ):
        model = with_retry(DIALECT.model(provider), fast(max_retries=2))
        agent = fantasy.Agent(model, retry=None)
        with pytest.raises(ProviderError) as caught:
            await agent.generate("hi")
        assert len(caught.value.attempts) == 3
        assert len(server.requests) == 3  # the model's policy only


@pytest.mark.anyio
async def test_a_policy_deadline_ends_a_running_stream() -> None:
    async with (
        LoopbackServer(stalled_answer) as server,
        DIALECT.provider(server.url) as provider,
    ):
        model = with_retry(DIALECT.model(provider), fast(deadline=1.0))
        with pytest.raises(DeadlineExceededError):
            async for _ in model.stream(CALL):
                pass
        agent = fantasy.Agent(DIALECT.model(provider), retry=fast(deadline=1.0))
        with pytest.raises(DeadlineExceededError):
            async with agent.stream("hi") as events:
                await events.result()
        assert len(server.requests) <= 2  # one attempt each, never retried
        await server.wait_open(0)  # both stalled streams were closed
