"""Typed tools: @tool, AgentTool.from_function, input validation, results."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import pytest
from _fakes import calls_response, text_answer
from pydantic import BaseModel, Field, field_validator

from fantasy.agent import Agent
from fantasy.agent_tools import (
    AgentTool,
    ToolContext,
    ToolResponse,
    run_tool,
    to_tool_response,
    tool,
)
from fantasy.errors import InvalidArgumentError
from fantasy.messages import ErrorOutput, MediaOutput, TextOutput
from fantasy.testing.models import ScriptedModel
from fantasy.tools import FunctionTool

pytestmark = pytest.mark.anyio


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Item(BaseModel):
    name: str
    quantity: int = 1


@tool
def order(items: list[Item], color: Color = Color.RED, rush: bool = False) -> str:
    """Place an order.

    Args:
        items: What to order.
        color: Wrapping color.
    """
    return f"{[(i.name, i.quantity) for i in items]} {color.value} {rush}"


@tool(
    name="greet",
    description="Say hello",
    parallel=True,
    provider_options={"openai": {"strict": True}},
)
async def greeting(
    ctx: ToolContext, name: Annotated[str, "who"], style: Literal["warm", "cold"] = "warm"
) -> str:
    return f"{style} hello {name} ({ctx.tool_call_id})"


def context(call_id: str = "c1") -> ToolContext:
    return ToolContext(tool_call_id=call_id, tool_name="t")


def test_decorator_builds_agent_tools() -> None:
    assert isinstance(order, AgentTool)
    assert order.name == "order"
    assert order.description == "Place an order."
    assert not order.parallel
    schema = order.input_schema
    assert schema["required"] == ["items"]
    assert schema["properties"]["items"]["description"] == "What to order."
    assert schema["properties"]["items"]["items"]["required"] == ["name"]
    assert schema["properties"]["color"]["enum"] == ["red", "blue"]

    assert greeting.name == "greet" and greeting.description == "Say hello" and greeting.parallel
    assert greeting.definition == FunctionTool(
        name="greet",
        description="Say hello",
        input_schema=greeting.input_schema,
        provider_options={"openai": {"strict": True}},
    )
    assert set(greeting.input_schema["properties"]) == {"name", "style"}
    assert greeting.input_schema["properties"]["name"]["description"] == "who"


async def test_input_is_validated_and_converted_by_pydantic() -> None:
    response = await run_tool(order.run, {"items": [{"name": "pen"}], "color": "blue"}, context())
    assert response.text == "[('pen', 1)] blue False"
    response = await run_tool(greeting.run, {"name": "Ana"}, context("c7"))
    assert response.text == "warm hello Ana (c7)"


async def test_validation_errors_raise_clear_messages() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await run_tool(order.run, {"items": [{"quantity": "many"}]}, context())
    message = str(info.value)
    assert "invalid input for tool 'order'" in message
    assert "items.0.name" in message and "items.0.quantity" in message


async def test_validation_errors_become_error_output_in_the_agent() -> None:
    # The JSON schema accepts a string; pydantic's conversion to int then fails.
    @tool
    def double(n: int) -> int:
        """Double n."""
        return n * 2

    model = ScriptedModel(
        [calls_response(("double", '{"n": 2}'), ("double", '{"n": 2.5}')), text_answer("4")]
    )
    result = await Agent(model, tools=[double]).generate("x")
    first, second = (r.result for r in result.steps[0].tool_results)
    assert first == TextOutput(text="4")
    assert isinstance(second, ErrorOutput)
    # jsonschema's "integer" rejects 2.5 before the tool runs
    assert result.steps[0].tool_calls[1].invalid


async def test_constraints_are_in_the_schema_and_enforced() -> None:
    @tool
    def pick(n: Annotated[int, Field(gt=0, lt=10)]) -> str:
        """Pick n."""
        return str(n)

    assert pick.input_schema["properties"]["n"]["exclusiveMinimum"] == 0
    with pytest.raises(InvalidArgumentError):
        await run_tool(pick.run, {"n": 0}, context())


class Word(BaseModel):
    text: str

    @field_validator("text")
    @classmethod
    def one_word(cls, value: str) -> str:
        if " " in value:
            raise ValueError("one word only")
        return value


async def test_pydantic_only_validation_failure_is_error_output_in_the_agent() -> None:
    @tool
    def define(word: Word) -> str:
        """Define a word."""
        return f"{word.text}: a word"

    model = ScriptedModel(
        [calls_response(("define", '{"word": {"text": "two words"}}')), text_answer("sorry")]
    )
    result = await Agent(model, tools=[define]).generate("x")
    assert not result.steps[0].tool_calls[0].invalid  # the JSON schema accepted it
    output = result.steps[0].tool_results[0].result
    assert isinstance(output, ErrorOutput)
    assert "one word only" in output.error and "word.text" in output.error


async def test_sync_tool_runs_in_a_worker_thread() -> None:
    import threading

    main = threading.get_ident()

    @tool
    def where() -> bool:
        """Whether this runs off the main thread."""
        return threading.get_ident() != main

    assert (await run_tool(where.run, {}, context())).text == "true"


def test_raw_agent_tool_checks_its_schema() -> None:
    with pytest.raises(InvalidArgumentError):
        AgentTool("bad", "x", {"type": "nonsense"}, lambda data, ctx: "")
    with pytest.raises(InvalidArgumentError):
        AgentTool("", "x", {"type": "object"}, lambda data, ctx: "")


def test_to_tool_response_conversions() -> None:
    assert to_tool_response("hi") == ToolResponse(text="hi")
    assert to_tool_response(None) == ToolResponse()
    assert to_tool_response([1, "a"]).text == '[1,"a"]'
    assert to_tool_response(Item(name="x")).text == '{"name":"x","quantity":1}'
    assert to_tool_response(TextOutput(text="t")).output() == TextOutput(text="t")
    media = MediaOutput(data=b"1", media_type="image/png", text="c")
    assert to_tool_response(media).output() == media
    assert ToolResponse(text="x", error="bad").output() == ErrorOutput(error="bad")
    with pytest.raises(InvalidArgumentError):
        to_tool_response(object())
    with pytest.raises(InvalidArgumentError):
        ToolResponse(media=b"1")


async def test_async_callable_object_and_awaitable_returns() -> None:
    class Runner:
        async def __call__(self, data: dict[str, Any], ctx: ToolContext) -> str:
            return "async object"

    assert (await run_tool(Runner(), {}, context())).text == "async object"

    async def later() -> str:
        return "awaited"

    assert (await run_tool(lambda data, ctx: later(), {}, context())).text == "awaited"
