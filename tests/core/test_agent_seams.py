"""The run object's seams: one place for every model call, one for every tool execution."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest
from _fakes import calls_response, text_answer, weather_tool

from fantasy import stream
from fantasy._validation import ValidatedCall
from fantasy.agent import Agent, AgentRun, ModelRequest, StopReason, ToolContext, ToolResponse
from fantasy.model import Call
from fantasy.response import Response
from fantasy.testing.models import ScriptedModel

pytestmark = pytest.mark.anyio


def script() -> list[Any]:
    return [
        calls_response(("weather", '{"location": "Oslo"}'), ("weather", '{"location": "Rome"}')),
        text_answer("both 40 C"),
    ]


class CountingRun(AgentRun):
    requests: ClassVar[list[int]] = []
    executed: ClassVar[list[str]] = []

    def request(self, plan: Any) -> ModelRequest:
        type(self).requests.append(plan.number)
        return super().request(plan)

    async def execute_tool(self, checked: ValidatedCall, context: ToolContext) -> ToolResponse:
        type(self).executed.append(context.tool_call_id)
        return await super().execute_tool(checked, context)


class CountingAgent(Agent):
    run_type = CountingRun


@pytest.mark.parametrize("streaming", [False, True])
async def test_every_model_call_and_tool_goes_through_the_seams(streaming: bool) -> None:
    CountingRun.requests.clear()
    CountingRun.executed.clear()
    agent = CountingAgent(ScriptedModel(script()), tools=[weather_tool()])
    if streaming:
        events = agent.stream("weather?")
        result = await events.result()
    else:
        result = await agent.generate("weather?")
    assert CountingRun.requests == [0, 1]
    assert CountingRun.executed == ["call_1", "call_2"]
    assert result.text == "both 40 C"
    assert result.stop_reason is StopReason.FINISHED


class ReplayRun(AgentRun):
    """A wrapper that answers a step from a recording, without calling the model."""

    recorded = calls_response(("weather", '{"location": "Oslo"}'))

    def request(self, plan: Any) -> ModelRequest:
        if plan.number == 0:
            return ModelRequest.completed(plan, self.recorded)
        return super().request(plan)


async def test_a_wrapper_can_replay_a_recorded_step() -> None:
    model = ScriptedModel([text_answer("done")])

    class ReplayAgent(Agent):
        run_type = ReplayRun

    result = await ReplayAgent(model, tools=[weather_tool()]).generate("weather?")
    assert len(model.calls) == 1  # the first step came from the recording
    assert [step.text for step in result.steps] == ["", "done"]


class FrameModel(ScriptedModel):
    """Records how many frames lie between its stream and the consumer, per part."""

    depths: list[int]

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        self.depths = []
        async for part in super().stream(call):
            frame = inspect.currentframe()
            depth = 0
            while frame is not None and frame.f_code.co_name != "consumer":
                frame = frame.f_back
                depth += 1
            self.depths.append(depth)
            yield part


async def test_a_part_reaches_the_caller_in_few_hops() -> None:
    model = FrameModel([text_answer("hello there")])
    agent = Agent(model)

    async def consumer() -> Response:
        events = agent.stream("hi")
        async for _ in events:
            pass
        return (await events.result()).response

    assert (await consumer()).content
    # this generator's frame, the request, the loop, then the consumer: at most 3 hops
    assert model.depths
    assert max(model.depths) <= 3
