"""Tool exceptions: what the model sees, what the caller keeps, logging, raise mode,
ModelRetry, and fantasy's own usage errors (always the caller's)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from _fakes import calls_response, text_answer

from fantasy.agent import Agent, AgentResult, ModelRetry, ToolContext
from fantasy.agent_tools import AgentTool
from fantasy.errors import UsageError
from fantasy.messages import ErrorOutput
from fantasy.testing.models import ScriptedModel

pytestmark = pytest.mark.anyio
OBJECT = {"type": "object"}


def lookup(data: dict[str, Any], ctx: ToolContext) -> str:
    return {"town": "Rome"}["city"]  # KeyError('city')


def model() -> ScriptedModel:
    return ScriptedModel([calls_response(("lookup", "{}", "c1")), text_answer("sorry")])


async def run(agent: Agent[Any, Any], mode: str) -> AgentResult:
    if mode == "generate":
        return await agent.generate("x")
    if mode == "sync":
        return agent.generate_sync("x")
    events = agent.stream("x")
    async for _ in events:
        pass
    return await events.result()


modes = pytest.mark.parametrize("mode", ["generate", "stream", "sync"])


@modes
async def test_the_model_sees_the_type_and_the_caller_keeps_the_exception(mode: str) -> None:
    agent = Agent(model(), tools=[AgentTool("lookup", "l", OBJECT, lookup)])
    result = await run(agent, mode)
    (tool_result,) = result.steps[0].tool_results
    assert tool_result.result == ErrorOutput(error="KeyError: 'city'")
    assert isinstance(tool_result.exception, KeyError)
    assert tool_result.exception.__traceback__ is not None
    # what is sent is the text only
    sent = agent.model.calls[1].prompt[-1].content[0]  # type: ignore[attr-defined]
    assert sent.output == ErrorOutput(error="KeyError: 'city'")
    # not serialised, and it does not change equality
    data = result.to_dict()
    assert "exception" not in data["steps"][0]["response"]["content"][-1]
    assert AgentResult.from_dict(data) == result


@modes
async def test_a_tool_exception_is_logged_once_with_its_traceback(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    agent = Agent(model(), tools=[AgentTool("lookup", "l", OBJECT, lookup)])
    with caplog.at_level(logging.WARNING, logger="fantasy"):
        await run(agent, mode)
    records = [r for r in caplog.records if r.name.startswith("fantasy")]
    assert len(records) == 1
    (record,) = records
    assert record.levelno == logging.WARNING
    assert "lookup" in record.getMessage()
    assert "KeyError: 'city'" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError


@modes
async def test_raise_mode_ends_the_run_with_the_tools_exception(mode: str) -> None:
    errors: list[BaseException] = []
    agent = Agent(
        model(),
        tools=[AgentTool("lookup", "l", OBJECT, lookup)],
        tool_errors="raise",
        on_error=errors.append,
    )
    with pytest.raises(KeyError) as info:
        await run(agent, mode)
    assert any("lookup" in note for note in info.value.__notes__)
    assert errors == [info.value]
    assert len(agent.model.calls) == 1  # type: ignore[attr-defined]


@modes
@pytest.mark.parametrize("tool_errors", ["model", "raise"])
async def test_model_retry_goes_to_the_model_and_never_raises(
    mode: str, tool_errors: str, caplog: pytest.LogCaptureFixture
) -> None:
    def picky(data: dict[str, Any], ctx: ToolContext) -> str:
        raise ModelRetry("Use an English city name.")

    agent = Agent(model(), tools=[AgentTool("lookup", "l", OBJECT, picky)], tool_errors=tool_errors)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="fantasy"):
        result = await run(agent, mode)
    (tool_result,) = result.steps[0].tool_results
    assert tool_result.result == ErrorOutput(error="Use an English city name.")
    assert isinstance(tool_result.exception, ModelRetry)
    assert result.text == "sorry"
    assert not [r for r in caplog.records if r.name.startswith("fantasy")]


@pytest.mark.parametrize("tool_errors", ["model", "raise"])
async def test_bad_input_conversion_goes_back_to_the_model(tool_errors: str) -> None:
    from fantasy.agent import tool

    @tool
    def double(n: int) -> str:
        """Double."""
        return str(n * 2)

    # a raw schema that accepts anything lets "x" reach pydantic's conversion to int
    raw = AgentTool("double", "d", OBJECT, double.run)
    scripted = ScriptedModel([calls_response(("double", '{"n": "x"}')), text_answer("ok")])
    result = await Agent(scripted, tools=[raw], tool_errors=tool_errors).generate("x")  # type: ignore[arg-type]
    (tool_result,) = result.steps[0].tool_results
    assert isinstance(tool_result.result, ErrorOutput)
    assert "invalid input for tool 'double'" in tool_result.result.error


@pytest.mark.parametrize("streaming", [False, True])
def test_fantasys_own_usage_errors_reach_the_caller(streaming: bool) -> None:
    inner = Agent(ScriptedModel(["inner"]))

    async def nested(data: dict[str, Any], ctx: ToolContext) -> str:
        # a blocking call on fantasy's own loop: a programming error, not a tool failure
        return inner.generate_sync("hi").text

    agent = Agent(model(), tools=[AgentTool("lookup", "l", OBJECT, nested)])
    with pytest.raises(UsageError, match="blocking"):
        if streaming:
            agent.stream_sync("x").result()
        else:
            agent.generate_sync("x")
