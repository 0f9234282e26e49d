"""Toolsets in an agent's tools: entered per run (counted), tools joined, always exited."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from _fakes import weather_tool

from fantasy import Toolset
from fantasy.agent import Agent
from fantasy.agent_tools import AgentTool, AnyTool, ToolContext
from fantasy.content import ToolResultContent
from fantasy.errors import InvalidArgumentError
from fantasy.messages import TextOutput
from fantasy.testing import ScriptedModel, text_response, tool_call_response

pytestmark = pytest.mark.anyio

SCHEMA = {"type": "object", "properties": {}}


class Counting(Toolset):
    """Opens and closes a pretend connection; lists one tool per listing."""

    def __init__(self, name: str = "remote") -> None:
        self.name = name
        self.opened = 0
        self.closed = 0
        self.listed = 0

    async def open(self) -> None:
        await asyncio.sleep(0)
        self.opened += 1

    async def close(self) -> None:
        self.closed += 1

    async def tools(self) -> Sequence[AnyTool]:
        assert self.is_open
        self.listed += 1

        def run(data: dict[str, Any], ctx: ToolContext) -> str:
            return f"{self.name} answered {ctx.tool_call_id}"

        return [AgentTool(self.name, "A remote tool.", SCHEMA, run)]


def calling(name: str) -> ScriptedModel:
    return ScriptedModel([tool_call_response(name, {}), text_response("ok")])


def tool_results(result: Any) -> list[ToolResultContent]:
    return [c for s in result.steps for c in s.content if isinstance(c, ToolResultContent)]


async def test_the_run_opens_lists_and_closes_a_toolset() -> None:
    toolset = Counting()
    agent = Agent(calling("remote"), tools=[weather_tool(), toolset])
    assert agent.toolsets == (toolset,)
    assert "toolsets=" in repr(agent)
    result = await agent.generate("go")
    assert tool_results(result)[0].result == TextOutput(text="remote answered call_1")
    assert (toolset.opened, toolset.listed, toolset.closed) == (1, 1, 1)
    assert not toolset.is_open
    assert [t.name for t in agent.tools] == ["weather"]  # the agent itself is unchanged


async def test_an_entered_toolset_stays_open_across_runs() -> None:
    toolset = Counting()
    async with toolset:
        for _ in range(2):
            await Agent(calling("remote"), tools=[toolset]).generate("go")
            assert toolset.is_open
    assert (toolset.opened, toolset.closed) == (1, 1)


async def test_the_toolset_is_closed_when_the_run_fails_or_is_closed_early() -> None:
    toolset = Counting()
    failing = ScriptedModel([RuntimeError("model down")])
    with pytest.raises(RuntimeError, match="model down"):
        await Agent(failing, tools=[toolset]).generate("go")
    assert (toolset.opened, toolset.closed) == (1, 1)
    async with Agent(calling("remote"), tools=[toolset]).stream("go") as events:
        async for _ in events:
            break
    assert (toolset.opened, toolset.closed) == (2, 2)


async def test_clashing_names_are_an_error() -> None:
    agent = Agent(calling("weather"), tools=[weather_tool(), Counting("weather")])
    with pytest.raises(InvalidArgumentError, match=r"duplicate tool name.*prefix"):
        await agent.generate("go")


async def test_prepare_step_sees_the_toolset_tools() -> None:
    seen: list[list[str]] = []

    def prepare(context: Any) -> None:
        seen.append([t.name for t in context.tools])

    await Agent(calling("remote"), tools=[Counting()], prepare_step=prepare).generate("go")
    assert seen == [["remote"], ["remote"]]


def test_sync_runs_use_toolsets() -> None:
    toolset = Counting()
    result = Agent(calling("remote"), tools=[toolset]).generate_sync("go")
    assert result.text == "ok"
    assert (toolset.opened, toolset.closed) == (1, 1)
