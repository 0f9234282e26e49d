"""Agent streaming: events, parity with generate, errors, retries and cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _fakes import HangingStreamModel, calls_response, text_answer, weather_tool

from fantasy import stream
from fantasy.agent import Agent, AgentEvent, StepFinish, StepStart
from fantasy.agent_tools import AgentTool, ToolContext
from fantasy.content import ReasoningContent, TextContent
from fantasy.errors import (
    AuthenticationError,
    IncompleteStreamError,
    ProviderError,
    RateLimitError,
)
from fantasy.response import Response
from fantasy.retry import Retry, RetryPolicy
from fantasy.testing.models import ScriptedModel, response_to_parts, split_words
from fantasy.usage import FinishReason, Usage

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(initial_delay=0, jitter=False)


def script() -> list[Any]:
    reasoning = ReasoningContent(
        text="thinking", provider_metadata={"anthropic": {"signature": "x"}}
    )
    first = calls_response(
        ("weather", '{"location": "Florence"}'), text="Let me check", reasoning=reasoning
    )
    return [first, text_answer("It is 40 C in Florence")]


async def test_event_order_of_a_two_step_stream() -> None:
    events = Agent(ScriptedModel(script()), tools=[weather_tool()]).stream("x")
    kinds = [event.type async for event in events]
    assert kinds == [
        "step-start",
        "reasoning-start", "reasoning-delta", "reasoning-end",
        "text-start", "text-delta", "text-end",
        "tool-input-start", "tool-input-delta", "tool-input-end", "tool-call",
        "finish",
        "tool-result",
        "step-finish",
        "step-start",
        "text-start", "text-delta", "text-end",
        "finish",
        "step-finish",
    ]  # fmt: skip
    result = await events.result()
    assert result.text == "It is 40 C in Florence"


async def test_generate_and_stream_parity_on_same_parts() -> None:
    chunked = [response_to_parts(response, chunker=split_words) for response in script()]
    generated = await Agent(ScriptedModel(chunked), tools=[weather_tool()]).generate("x")
    streamed_model = ScriptedModel(chunked)
    streamed = await Agent(streamed_model, tools=[weather_tool()]).stream("x").result()
    assert streamed == generated
    assert [s.messages for s in streamed.steps] == [s.messages for s in generated.steps]
    assert streamed.total_usage == generated.total_usage
    # and the follow-up request is the same in both modes
    assert streamed_model.calls[1].prompt[-2:] == generated.steps[0].messages


async def test_tool_result_and_step_finish_events_carry_data() -> None:
    events = Agent(ScriptedModel(script()), tools=[weather_tool()]).stream("x")
    collected: list[AgentEvent] = [event async for event in events]
    [tool_result] = [e for e in collected if isinstance(e, stream.ToolResult)]
    assert tool_result.tool_call_id == "call_1" and not tool_result.provider_executed
    finishes = [e for e in collected if isinstance(e, StepFinish)]
    assert [f.step_number for f in finishes] == [0, 1]
    assert finishes[0].step.tool_results[0].result == tool_result.result
    assert isinstance(collected[0], StepStart)


async def test_in_band_error_part_raises_after_retries() -> None:
    error = ProviderError("overloaded", provider="p", retryable=True)
    broken = [stream.TextStart("0"), stream.TextDelta("0", "par"), stream.Error(error)]
    model = ScriptedModel([broken, broken, broken])
    events = Agent(model, retry=FAST).stream("x")
    with pytest.raises(type(error)) as info:
        await events.result()
    assert info.value is error
    assert info.value.attempts == (error, error, error)


async def test_non_retryable_error_part_raises_itself() -> None:
    error = ProviderError("bad request", provider="p", status_code=400)
    model = ScriptedModel([[stream.Error(error)]])
    with pytest.raises(ProviderError) as info:
        await Agent(model, retry=FAST).stream("x").result()
    assert info.value is error
    assert len(model.calls) == 1


async def test_stream_retry_emits_retry_event_and_drops_partial_parts() -> None:
    partial = [stream.TextStart("0"), stream.TextDelta("0", "garbage ")]
    incomplete = [*partial, stream.Error(IncompleteStreamError(provider="p"))]
    retries: list[Retry] = []
    model = ScriptedModel([incomplete, text_answer("clean")])
    events = Agent(model, retry=FAST, on_retry=retries.append).stream("x")
    kinds = [event.type async for event in events]
    assert kinds.index("retry") == 3  # step-start, text-start, text-delta, retry
    result = await events.result()
    assert result.text == "clean"
    assert [r.attempt for r in retries] == [1]
    assert isinstance(retries[0].error, IncompleteStreamError)


async def test_generate_retries_raised_errors_but_never_reruns_tools() -> None:
    ran: list[str] = []

    def tool_run(data: dict[str, Any], ctx: ToolContext) -> str:
        ran.append(ctx.tool_call_id)
        return "ok"

    tool = AgentTool("t", "x", {"type": "object"}, tool_run)
    limited = RateLimitError("slow", provider="p", status_code=429, retry_after=0)
    model = ScriptedModel(
        [
            calls_response(("t", "{}")),
            limited,
            RateLimitError("again", status_code=429, retry_after=0),
            text_answer("ok"),
        ]
    )
    result = await Agent(model, tools=[tool], retry=FAST).generate("x")
    assert result.text == "ok"
    assert ran == ["call_1"]
    assert len(model.calls) == 4


async def test_model_errors_propagate_typed() -> None:
    model = ScriptedModel([AuthenticationError("bad key", provider="p", status_code=401)])
    with pytest.raises(AuthenticationError):
        await Agent(model).generate("x")
    model = ScriptedModel([AuthenticationError("bad key", provider="p", status_code=401)])
    with pytest.raises(AuthenticationError):
        await Agent(model).stream("x").result()


async def test_consumer_break_and_close_stops_model_stream_and_tools() -> None:
    model = HangingStreamModel()
    ran: list[str] = []
    tool = AgentTool("weather", "x", {"type": "object"}, lambda data, ctx: ran.append("x"))
    async with Agent(model, tools=[tool]).stream("x") as events:
        async for event in events:
            if isinstance(event, stream.TextDelta):
                break
    await asyncio.wait_for(model.closed.wait(), 30)
    assert ran == []


async def test_cancelling_the_consumer_task_cancels_model_stream() -> None:
    model = HangingStreamModel()
    ran: list[str] = []
    tool = AgentTool("weather", "x", {"type": "object"}, lambda data, ctx: ran.append("x"))
    got_tool_call = asyncio.Event()

    async def consume() -> None:
        async for event in Agent(model, tools=[tool]).stream("x"):
            if event.type == "tool-call":
                got_tool_call.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_tool_call.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert model.closed.is_set()
    assert ran == []


async def test_cancelling_during_tool_execution_cancels_tools() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow(data: dict[str, Any], ctx: ToolContext) -> str:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "late"  # pragma: no cover

    tool = AgentTool("slow", "x", {"type": "object"}, slow)
    model = ScriptedModel([calls_response(("slow", "{}")), text_answer("never")])
    task = asyncio.create_task(Agent(model, tools=[tool]).generate("x"))
    await asyncio.wait_for(started.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()
    assert len(model.calls) == 1


async def test_retry_event_is_also_yielded_in_generate_mode_stream_of_events() -> None:
    # generate() uses the same loop; its events are not exposed, but on_retry fires.
    retries: list[Retry] = []
    model = ScriptedModel([IncompleteStreamError(provider="p"), text_answer("ok")])
    result = await Agent(model, retry=FAST, on_retry=retries.append).generate("x")
    assert result.text == "ok" and len(retries) == 1


async def test_stream_of_empty_text_block_and_usage() -> None:
    parts = [
        stream.TextStart("0"),
        stream.TextEnd("0"),
        stream.TextStart("1"),
        stream.TextDelta("1", "hi"),
        stream.TextEnd("1"),
        stream.Finish(FinishReason.STOP, Usage.of(input_tokens=2, output_tokens=1)),
    ]
    result = await Agent(ScriptedModel([parts])).stream("x").result()
    assert result.steps[0].content == (TextContent(text="hi"),)
    assert result.total_usage.total_tokens == 3
    assert isinstance(result.response, Response)
