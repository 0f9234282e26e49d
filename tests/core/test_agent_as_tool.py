"""Agents as tools: results, usage roll-up, forwarded events, cancellation, errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

import fantasy
from fantasy import stream
from fantasy.agent import Agent, AgentResult, StepFinish, StepStart, ToolEvent
from fantasy.errors import ProviderError, ToolExecutionError
from fantasy.messages import ErrorOutput, TextOutput
from fantasy.model import Call
from fantasy.testing import ScriptedModel, text_response, tool_call_response
from fantasy.usage import Usage

NO_RETRY = fantasy.RetryPolicy(max_retries=0)


def usage(tokens: int) -> Usage:
    return Usage(input_tokens=tokens, output_tokens=tokens, total_tokens=2 * tokens)


def ask(tool: str, prompt: str, call_id: str = "call_1", tokens: int = 1) -> Any:
    return tool_call_response(tool, {"prompt": prompt}, tool_call_id=call_id, usage=usage(tokens))


def researcher(*script: Any, **options: Any) -> Agent:
    return Agent(ScriptedModel(list(script), model_id="sub"), retry=NO_RETRY, **options)


def parent(sub: Agent, *script: Any, **as_tool: Any) -> tuple[Agent, ScriptedModel]:
    model = ScriptedModel(list(script), model_id="parent")
    tool = sub.as_tool("research", "Researches a question.", **as_tool)
    return Agent(model, tools=[tool], retry=NO_RETRY), model


def test_the_tool_definition() -> None:
    tool = researcher().as_tool("research", "Researches a question.")
    assert isinstance(tool, fantasy.AgentTool)
    assert tool.definition.input_schema["required"] == ["prompt"]
    assert tool.description == "Researches a question."


@pytest.mark.anyio
async def test_result_and_usage_roll_up() -> None:
    sub = researcher(text_response("Corgis are small dogs.", usage=usage(10)))
    agent, model = parent(
        sub, ask("research", "What is a corgi?"), text_response("Done.", usage=usage(2))
    )
    result = await agent.generate("Tell me about corgis")
    tool_result = result.steps[0].tool_results[0]
    assert tool_result.result == TextOutput(text="Corgis are small dogs.")
    assert sub.model.calls[0].prompt[-1].text == "What is a corgi?"  # type: ignore[attr-defined]
    assert result.steps[0].tool_usage == usage(10)
    assert result.steps[1].tool_usage == Usage()
    assert result.total_usage == usage(1) + usage(10) + usage(2)
    again = AgentResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert len(model.calls) == 2


@pytest.mark.anyio
async def test_nested_agents_roll_up_all_the_way() -> None:
    inner = researcher(text_response("leaf", usage=usage(100)))
    middle = Agent(
        ScriptedModel([ask("leaf", "go", tokens=10), text_response("mid", usage=usage(10))]),
        tools=[inner.as_tool("leaf", "The leaf agent.")],
    )
    agent, _ = parent(middle, ask("research", "go"), text_response("top"))
    result = await agent.generate("Hi")
    assert result.steps[0].tool_usage == usage(100) + usage(10) + usage(10)
    assert result.total_usage == usage(1) + usage(120) + Usage()


@pytest.mark.anyio
async def test_streaming_forwards_wrapped_events_in_order() -> None:
    sub = researcher(text_response("Sub answer"))
    agent, _ = parent(sub, ask("research", "q"), "Done.")
    events = []
    async with agent.stream("Hi") as run:
        async for event in run:
            events.append(event)
        result = await run.result()
    kinds = [type(e).__name__ for e in events]
    first_forward = kinds.index("ToolEvent")
    assert kinds[first_forward - 1] == "Finish"  # after the parent's model parts
    forwarded = [e for e in events if isinstance(e, ToolEvent)]
    assert {(e.tool_call_id, e.tool_name) for e in forwarded} == {("call_1", "research")}
    inner = [e.event for e in forwarded]
    assert isinstance(inner[0], StepStart) and isinstance(inner[-1], StepFinish)
    assert "".join(e.delta for e in inner if isinstance(e, stream.TextDelta)) == "Sub answer"
    # Then the parent's tool result and step finish: nothing forwarded after them.
    after = events[kinds.index("ToolResult") :]
    assert not any(isinstance(e, ToolEvent) for e in after)
    assert result.text == "Done."


@pytest.mark.anyio
async def test_forwarding_can_be_turned_off_and_generate_forwards_nothing() -> None:
    agent, _ = parent(researcher("x"), ask("research", "q"), "Done.", forward_events=False)
    async with agent.stream("Hi") as run:
        events = [event async for event in run]
    assert not any(isinstance(e, ToolEvent) for e in events)
    seen: list[Any] = []
    agent, _ = parent(researcher("x"), ask("research", "q"), "Done.")
    await agent.generate("Hi", on_part=seen.append)
    assert seen == []


def test_sync_twins() -> None:
    agent, _ = parent(researcher("Sub"), ask("research", "q"), "Done.")
    assert agent.generate_sync("Hi").steps[0].tool_results[0].result == TextOutput(text="Sub")
    agent, _ = parent(researcher("Sub"), ask("research", "q"), "Done.")
    with agent.stream_sync("Hi") as events:
        forwarded = [e for e in events if isinstance(e, ToolEvent)]
    assert forwarded and isinstance(forwarded[0].event, StepStart)


@pytest.mark.anyio
async def test_parallel_sub_agents_forward_with_their_call_ids() -> None:
    first = researcher(text_response("one"))
    second = researcher(text_response("two"))
    calls = (
        tool_call_response("a", {"prompt": "1"}, tool_call_id="c1").content
        + tool_call_response("b", {"prompt": "2"}, tool_call_id="c2").content
    )
    step = fantasy.Response(content=calls, finish_reason=fantasy.FinishReason.TOOL_CALLS)
    agent = Agent(
        ScriptedModel([step, "Done."]),
        tools=[
            first.as_tool("a", "First.", parallel=True),
            second.as_tool("b", "Second.", parallel=True),
        ],
    )
    async with agent.stream("Hi") as run:
        events = [event async for event in run]
        result = await run.result()
    by_call: dict[str, str] = {}
    for event in events:
        if isinstance(event, ToolEvent) and isinstance(event.event, stream.TextDelta):
            by_call[event.tool_call_id] = by_call.get(event.tool_call_id, "") + event.event.delta
    assert by_call == {"c1": "one", "c2": "two"}
    assert [r.result for r in result.steps[0].tool_results] == [
        TextOutput(text="one"),
        TextOutput(text="two"),
    ]


# --- errors ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_failing_sub_agent_is_a_tool_error_and_its_usage_still_counts() -> None:
    @fantasy.tool
    def lookup(term: str) -> str:
        """Look a term up."""
        return "found"

    broken = ProviderError("bad request", status_code=400)
    sub = Agent(
        ScriptedModel([tool_call_response("lookup", {"term": "x"}, usage=usage(7)), broken]),
        tools=[lookup],
        retry=NO_RETRY,
    )
    agent, model = parent(sub, ask("research", "q"), "Sorry.")
    result = await agent.generate("Hi")
    error = result.steps[0].tool_results[0].result
    assert isinstance(error, ErrorOutput) and "bad request" in error.error
    assert result.steps[0].tool_usage == usage(7)  # the step that finished before the error
    assert len(model.calls) == 2  # the parent's model saw the error and answered


@pytest.mark.anyio
async def test_tool_execution_error_in_a_sub_agent_aborts_the_parent() -> None:
    @fantasy.tool
    def explode() -> str:
        """Abort everything."""
        raise ToolExecutionError("disk on fire")

    sub = Agent(ScriptedModel([tool_call_response("explode", {})]), tools=[explode])
    agent, model = parent(sub, ask("research", "q"), "never")
    with pytest.raises(ToolExecutionError, match="disk on fire"):
        await agent.generate("Hi")
    assert len(model.calls) == 1


# --- cancellation ----------------------------------------------------------------------


class Hanging(ScriptedModel):
    """Streams one delta, then waits forever; records that its stream was closed."""

    def __init__(self) -> None:
        super().__init__([], model_id="hanging")
        self.started = asyncio.Event()
        self.closed = False

    async def generate(self, call: Call) -> fantasy.Response:
        self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.closed = True
        raise AssertionError("unreachable")

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        try:
            yield stream.TextStart("0")
            yield stream.TextDelta("0", "thinking...")
            self.started.set()
            await asyncio.Event().wait()
        finally:
            self.closed = True


@pytest.mark.anyio
async def test_closing_the_parent_stream_closes_the_sub_agents_model_stream() -> None:
    hanging = Hanging()
    agent, _ = parent(Agent(hanging), ask("research", "q"))
    async with agent.stream("Hi") as run:
        async for event in run:
            if isinstance(event, ToolEvent) and isinstance(event.event, stream.TextDelta):
                break
    assert hanging.closed


@pytest.mark.anyio
async def test_cancelling_a_generate_run_cancels_the_sub_agent() -> None:
    hanging = Hanging()
    agent, _ = parent(Agent(hanging), ask("research", "q"))
    task = asyncio.create_task(agent.generate("Hi"))
    await asyncio.wait_for(hanging.started.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert hanging.closed


# --- deps, typed output, approval ------------------------------------------------------


@pytest.mark.anyio
async def test_deps_from_the_parent_and_typed_output_as_json() -> None:
    import pydantic

    class Finding(pydantic.BaseModel):
        answer: str

    seen: list[Any] = []

    @fantasy.tool
    def where(ctx: fantasy.ToolContext[str]) -> str:
        """Where the sub-agent runs."""
        seen.append(ctx.deps)
        return "here"

    sub: Agent[str, Finding] = Agent(
        ScriptedModel(
            [tool_call_response("where", {}), tool_call_response("Finding", {"answer": "x"})]
        ),
        tools=[where],
        output_type=Finding,
    )
    tool = sub.as_tool("research", "Researches.", deps=lambda ctx: f"{ctx.deps}/sub")
    model = ScriptedModel([ask("research", "q"), "Done."])
    result = await Agent(model, tools=[tool]).generate("Hi", deps="parent")
    assert seen == ["parent/sub"]
    assert result.steps[0].tool_results[0].result == TextOutput(text='{"answer":"x"}')


@pytest.mark.anyio
async def test_a_sub_agent_cannot_pause_its_parent() -> None:
    @fantasy.tool(needs_approval=True)
    def delete() -> str:
        """Delete everything."""
        return "deleted"

    sub = Agent(ScriptedModel([tool_call_response("delete", {})]), tools=[delete])
    agent, _ = parent(sub, ask("research", "q"), "I could not.")
    result = await agent.generate("Hi")
    error = result.steps[0].tool_results[0].result
    assert isinstance(error, ErrorOutput) and "cannot pause its parent" in error.error
