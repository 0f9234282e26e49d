"""Usage limits (typed errors carrying the run so far) and why a loop stopped."""

from __future__ import annotations

from typing import Any

import pytest
from _fakes import calls_response, text_answer, weather_tool

from fantasy.agent import Agent, StopReason, ToolResponse, UsageLimitExceeded, UsageLimits
from fantasy.agent_tools import AgentTool
from fantasy.errors import InvalidArgumentError
from fantasy.stop import has_tool_call
from fantasy.testing.models import ScriptedModel
from fantasy.usage import Usage

pytestmark = pytest.mark.anyio
STEP_USAGE = Usage.of(input_tokens=10, output_tokens=5)


def looping(count: int = 4) -> ScriptedModel:
    return ScriptedModel(
        [
            *(
                calls_response(("weather", '{"location": "x"}', f"c{i}"), usage=STEP_USAGE)
                for i in range(count)
            ),
            text_answer("done", STEP_USAGE),
        ]
    )


async def run(agent: Agent[Any, Any], mode: str, **options: Any) -> Any:
    if mode == "generate":
        return await agent.generate("go", **options)
    if mode == "sync":
        return agent.generate_sync("go", **options)
    events = agent.stream("go", **options)
    return await events.result()


modes = pytest.mark.parametrize("mode", ["generate", "stream", "sync"])


@modes
async def test_the_request_limit_is_checked_before_the_call(mode: str) -> None:
    model = looping()
    agent = Agent(model, tools=[weather_tool()], usage_limits=UsageLimits(requests=2))
    with pytest.raises(UsageLimitExceeded) as info:
        await run(agent, mode)
    assert len(model.calls) == 2  # the third request was never sent
    error = info.value
    assert error.limit == "requests"
    assert error.requests == 2
    assert error.usage == STEP_USAGE + STEP_USAGE
    assert len(error.result.steps) == 2
    assert error.result.steps[-1].tool_results  # the finished steps are whole


@modes
async def test_token_limits_stop_after_the_response_that_went_over(mode: str) -> None:
    ran: list[dict[str, Any]] = []
    model = looping()
    agent = Agent(model, tools=[weather_tool(ran)])
    with pytest.raises(UsageLimitExceeded) as info:
        await run(agent, mode, usage_limits=UsageLimits(total_tokens=20))
    assert info.value.limit == "total_tokens"
    assert info.value.usage.total_tokens == 30
    assert len(model.calls) == 2
    assert len(ran) == 1  # the tools of the step that went over did not run
    assert len(info.value.result.steps) == 2
    assert info.value.result.steps[-1].tool_results == []


@pytest.mark.parametrize(("name", "limit"), [("input_tokens", 15), ("output_tokens", 9)])
async def test_input_and_output_token_limits(name: str, limit: int) -> None:
    agent = Agent(looping(), tools=[weather_tool()], usage_limits=UsageLimits(**{name: limit}))
    with pytest.raises(UsageLimitExceeded, match=name):
        await agent.generate("go")


@modes
async def test_the_tool_call_limit_runs_none_of_the_calls_that_go_over(mode: str) -> None:
    ran: list[dict[str, Any]] = []
    model = ScriptedModel(
        [
            calls_response(("weather", '{"location": "a"}')),
            calls_response(
                ("weather", '{"location": "b"}', "x"), ("weather", '{"location": "c"}', "y")
            ),
        ]
    )
    agent = Agent(model, tools=[weather_tool(ran)], usage_limits=UsageLimits(tool_calls=2))
    with pytest.raises(UsageLimitExceeded) as info:
        await run(agent, mode)
    assert info.value.limit == "tool_calls"
    assert info.value.tool_calls == 1
    assert ran == [{"location": "a"}]


async def test_a_per_run_limit_replaces_the_agents() -> None:
    agent = Agent(looping(), tools=[weather_tool()], usage_limits=UsageLimits(requests=1))
    result = await agent.generate("go", usage_limits=UsageLimits(requests=10))
    assert result.text == "done"


def test_negative_limits_are_rejected() -> None:
    with pytest.raises(InvalidArgumentError, match=r"usage_limits\.requests"):
        UsageLimits(requests=-1)


@modes
async def test_the_step_cap_is_the_stop_reason(mode: str) -> None:
    result = await run(Agent(looping(), tools=[weather_tool()], max_steps=2), mode)
    assert len(result.steps) == 2
    assert result.stop_reason is StopReason.STEP_CAP
    assert result.to_dict()["stop_reason"] == "step-cap"


@modes
async def test_every_stop_reason(mode: str) -> None:
    finished = await run(Agent(looping(1), tools=[weather_tool()]), mode)
    assert finished.stop_reason is StopReason.FINISHED
    condition = Agent(looping(), tools=[weather_tool()], stop_when=[has_tool_call("weather")])
    assert (await run(condition, mode)).stop_reason is StopReason.STOP_CONDITION
    stopper = AgentTool(
        "weather", "w", {"type": "object"}, lambda data, ctx: ToolResponse(text="x", stop_turn=True)
    )
    turn = await run(Agent(looping(), tools=[stopper]), mode)
    assert turn.stop_reason is StopReason.STOP_TURN
    assert len(turn.steps) == 1
