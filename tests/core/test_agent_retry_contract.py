"""The contract of a ``Retry`` event in an agent stream: exactly which parts are void."""

from __future__ import annotations

from typing import Any

import pytest
from _fakes import calls_response, weather_tool

from fantasy import stream
from fantasy.agent import Agent, StepFinish, StepStart
from fantasy.errors import ProviderError
from fantasy.retry import Retry, RetryPolicy
from fantasy.testing.models import ScriptedModel, response_to_parts, split_words, text_response

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(initial_delay=0, jitter=False, max_retries=3)


def overloaded() -> ProviderError:
    return ProviderError("overloaded", provider="anthropic", status_code=529)


def cut(text: str, after: int) -> list[stream.StreamPart]:
    """The first ``after`` parts of a streamed ``text`` answer, then an in-band error."""
    parts = response_to_parts(text_response(text), chunker=split_words)[:after]
    return [*parts, stream.Error(overloaded())]


async def collect(agent: Agent[Any, Any]) -> tuple[list[Any], Any]:
    events = agent.stream("go")
    seen = [event async for event in events]
    return seen, await events.result()


def void_since_last_boundary(seen: list[Any], index: int) -> int:
    """The model parts between the last StepStart/Retry before ``index`` and ``index``."""
    start = max(i for i in range(index) if isinstance(seen[i], StepStart | Retry))
    return index - start - 1


async def test_discarded_counts_every_part_since_the_step_start_or_previous_retry() -> None:
    model = ScriptedModel(
        [
            calls_response(("weather", '{"location": "x"}')),
            cut("Partial answer that will fail", 4),
            cut("Second try also fails", 2),
            "Hello from the final attempt",
        ]
    )
    seen, result = await collect(Agent(model, tools=[weather_tool()], retry=FAST))
    retries = [(i, e) for i, e in enumerate(seen) if isinstance(e, Retry)]
    assert [r.discarded for _, r in retries] == [4, 2]
    for index, retry in retries:
        assert retry.discarded == void_since_last_boundary(seen, index)
    # the step and the result are built from the last attempt alone
    assert result.text == "Hello from the final attempt"
    assert result.steps[-1].text == "Hello from the final attempt"
    # the first step (its tool results included) is untouched by the later retries
    assert result.steps[0].tool_results
    assert [type(e).__name__ for e in seen].count("StepFinish") == 2


async def test_the_delivered_text_minus_the_void_parts_is_the_answer() -> None:
    model = ScriptedModel([cut("Partial answer", 3), "Hello there"])
    seen, result = await collect(Agent(model, retry=FAST))
    printed: list[stream.StreamPart | Retry] = []
    for event in seen:
        if isinstance(event, Retry):
            del printed[len(printed) - event.discarded :]
        elif not isinstance(event, StepStart | StepFinish):
            printed.append(event)
    text = "".join(p.delta for p in printed if isinstance(p, stream.TextDelta))
    assert text == result.text == "Hello there"


async def test_a_failure_before_any_part_discards_nothing() -> None:
    model = ScriptedModel([overloaded(), "ok"])
    seen, _ = await collect(Agent(model, retry=FAST))
    (retry,) = [e for e in seen if isinstance(e, Retry)]
    assert retry.discarded == 0
    assert seen.index(retry) == 1  # right after StepStart
