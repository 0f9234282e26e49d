"""Dependencies of a run (``deps=``) and the run context code called in a run sees."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from fantasy.agent import (
    Agent,
    ModelRetry,
    PrepareStepContext,
    RunContext,
    ToolContext,
    tool,
)
from fantasy.testing import ScriptedModel, tool_call_response
from fantasy.usage import Usage

pytestmark = pytest.mark.anyio


@dataclass
class Db:
    name: str


class Answer(BaseModel):
    text: str


def script() -> ScriptedModel:
    usage = Usage.of(input_tokens=10, output_tokens=5)
    return ScriptedModel(
        [
            tool_call_response("lookup", {"key": "a"}, usage=usage),
            tool_call_response("lookup", {"key": "b"}, tool_call_id="call_2", usage=usage),
            tool_call_response("Answer", {"text": "done"}, tool_call_id="call_3", usage=usage),
        ]
    )


@pytest.mark.parametrize("streaming", [False, True])
async def test_deps_reach_tools_hooks_validators_and_the_system_prompt(streaming: bool) -> None:
    seen: dict[str, list[Any]] = {"tool": [], "prepare": [], "validator": [], "system": []}

    @tool
    def lookup(ctx: ToolContext[Db], key: str) -> str:
        """Look up a key."""
        seen["tool"].append((ctx.deps, ctx.step_number, ctx.usage.input_tokens, ctx.retry))
        if key == "a":
            raise ModelRetry("no such key")
        return key

    def prepare(ctx: PrepareStepContext[Db]) -> None:
        seen["prepare"].append((ctx.deps.name, ctx.step_number, len(ctx.messages)))

    def validate(ctx: RunContext[Db], value: Answer) -> Answer:
        seen["validator"].append((ctx.deps.name, ctx.step_number, ctx.usage.input_tokens))
        return value

    async def system(ctx: RunContext[Db]) -> str:
        seen["system"].append(ctx.deps.name)
        return f"You serve {ctx.deps.name}."

    model = script()
    agent = Agent(
        model,
        system_prompt=system,
        tools=[lookup],
        deps_type=Db,
        output_type=Answer,
        output_mode="tool",
        output_validators=[validate],
        prepare_step=prepare,
    )
    db = Db("shop")
    if streaming:
        events = agent.stream("go", deps=db)
        result = await events.result()
    else:
        result = await agent.generate("go", deps=db)
    assert result.output == Answer(text="done")
    assert seen["system"] == ["shop"]
    assert model.calls[0].prompt[0].text == "You serve shop."
    assert seen["prepare"] == [("shop", 0, 2), ("shop", 1, 4), ("shop", 2, 6)]
    # usage so far (the step's own call included), and the tool's failures so far
    assert seen["tool"] == [(db, 0, 10, 0), (db, 1, 20, 1)]
    assert seen["validator"] == [("shop", 2, 30)]


def test_the_typed_user_file_runs() -> None:
    path = Path(__file__).parents[1] / "typing_cases" / "agent_typed_user.py"
    spec = importlib.util.spec_from_file_location("agent_typed_user", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]

    report = asyncio.run(module.main())
    assert type(report).__name__ == "Report"
