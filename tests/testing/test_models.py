"""ScriptedModel, TestModel, TestProvider and response_to_parts."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from fantasy import stream
from fantasy.content import (
    FileContent,
    ReasoningContent,
    SourceContent,
    TextContent,
    ToolCallContent,
    ToolResultContent,
)
from fantasy.errors import ProviderError, RateLimitError
from fantasy.messages import (
    ErrorOutput,
    Message,
    TextOutput,
    ToolCallPart,
    ToolResultPart,
    assistant_message,
    tool_message,
    user_message,
)
from fantasy.model import Call, ResponseFormat
from fantasy.provider import language_model
from fantasy.response import Response, ResponseInfo
from fantasy.testing.models import (
    ScriptedModel,
    ScriptExhaustedError,
    TestModel,
    TestProvider,
    example_value,
    response_to_parts,
    split_words,
    text_response,
    tool_call_response,
)
from fantasy.tools import FunctionTool, ProviderDefinedTool, SpecificToolChoice
from fantasy.usage import CallWarning, FinishReason, Usage

pytestmark = pytest.mark.anyio

WEATHER = FunctionTool(
    name="weather",
    description="Weather for a place.",
    input_schema={
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
)
CALCULATOR = FunctionTool(
    name="calculator",
    input_schema={
        "type": "object",
        "properties": {"expression": {"type": "string"}},
        "required": ["expression"],
    },
)
# A pydantic-style schema: $defs/$ref, Optional as anyOf with null, nested arrays.
BOOKING = FunctionTool(
    name="book",
    input_schema={
        "$defs": {
            "Guest": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 12},
                    "age": {"type": "integer", "minimum": 18, "maximum": 120},
                    "email": {"anyOf": [{"type": "null"}, {"type": "string", "format": "email"}]},
                },
                "required": ["name", "age"],
            }
        },
        "type": "object",
        "properties": {
            "guests": {"type": "array", "items": {"$ref": "#/$defs/Guest"}, "minItems": 2},
            "nights": {"type": "integer", "exclusiveMinimum": 3, "multipleOf": 2},
            "price": {"type": "number", "maximum": 1.0},
            "breakfast": {"type": "boolean"},
            "notes": {"type": ["string", "null"], "maxLength": 3},
            "kind": {"const": "hotel"},
            "when": {"type": "string", "format": "date"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
            "meta": {"type": "object"},
        },
        "required": ["guests", "nights", "kind"],
    },
)


def call_with(*messages: Message, **settings: Any) -> Call:
    return Call(prompt=messages, **settings)


async def collect(model: Any, call: Call) -> list[stream.StreamPart]:
    return [part async for part in model.stream(call)]


def accumulate(parts: list[stream.StreamPart]) -> Response:
    accumulator = stream.StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    return accumulator.response()


def rich_response() -> Response:
    return Response(
        content=(
            ReasoningContent(text="", provider_metadata={"anthropic": {"signature": "s0"}}),
            ReasoningContent(text="Let me think about it.", provider_metadata={"x": {"id": "r"}}),
            TextContent(text="Hello there, friend.", provider_metadata={"openai": {"id": "t"}}),
            ToolCallContent(
                tool_call_id="call_9",
                tool_name="weather",
                input='{"location":  "Florence"}',
                provider_metadata={"google": {"thought_signature": "abc"}},
            ),
            ToolCallContent(
                tool_call_id="srv_1", tool_name="web_search", input="{}", provider_executed=True
            ),
            ToolResultContent(
                tool_call_id="srv_1",
                tool_name="web_search",
                result=TextOutput(text="results"),
                provider_executed=True,
            ),
            SourceContent(id="s1", url="https://example.com", title="Example"),
            FileContent(media_type="image/png", data=b"\x89PNG"),
            TextContent(text="Second block."),
        ),
        finish_reason=FinishReason.TOOL_CALLS,
        raw_finish_reason="tool_use",
        usage=Usage.of(input_tokens=10, output_tokens=5, reasoning_tokens=2),
        warnings=(CallWarning.unsupported("top_k"),),
        provider_metadata={"anthropic": {"container": "c1"}},
        info=ResponseInfo(id="resp_1", model_id="m-1"),
    )


# --- response_to_parts -----------------------------------------------------------------


@pytest.mark.parametrize("chunker", [None, split_words])
def test_response_to_parts_round_trips_through_the_accumulator(chunker: Any) -> None:
    response = rich_response()
    assert accumulate(response_to_parts(response, chunker=chunker)) == response


def test_response_to_parts_follows_the_stream_order_rules() -> None:
    parts = response_to_parts(rich_response(), chunker=split_words)
    kinds = [part.type for part in parts]
    assert kinds[:2] == ["warnings", "response-metadata"]
    assert kinds[-1] == "finish"
    assert kinds.count("finish") == 1
    for index, part in enumerate(parts):
        if isinstance(part, stream.ToolCall):
            assert parts[index - 1] == stream.ToolInputEnd(part.tool_call_id)
    deltas = [p.delta for p in parts if isinstance(p, stream.TextDelta) and p.id == "2"]
    assert deltas == ["Hello ", "there, ", "friend."]
    ends = [p for p in parts if isinstance(p, stream.ReasoningEnd)]
    assert ends[0].provider_metadata == {"anthropic": {"signature": "s0"}}


def test_response_to_parts_of_an_empty_response_is_just_finish() -> None:
    assert response_to_parts(Response()) == [
        stream.Finish(finish_reason=FinishReason.UNKNOWN, usage=Usage(), provider_metadata={})
    ]


@pytest.mark.parametrize("text", ["", "one", "  lead and trail  ", "a\n\nb\tc", "x  y"])
def test_split_words_joins_back(text: str) -> None:
    assert "".join(split_words(text)) == text


# --- ScriptedModel ---------------------------------------------------------------------


async def test_scripted_generate_and_stream_are_equivalent() -> None:
    response = rich_response()
    model = ScriptedModel([response, response, response_to_parts(response)])
    first = await model.generate(call_with(user_message("a")))
    second = accumulate(await collect(model, call_with(user_message("b"))))
    third = await model.generate(call_with(user_message("c")))
    assert first == second == third == response
    assert [c.prompt[0].text for c in model.calls] == ["a", "b", "c"]
    assert model.remaining == 0


async def test_scripted_stream_yields_scripted_parts_verbatim() -> None:
    parts = [
        stream.TextStart("0"),
        stream.TextDelta("0", "hi"),
        stream.TextEnd("0"),
        stream.Finish(finish_reason=FinishReason.STOP, usage=Usage()),
    ]
    model = ScriptedModel([parts])
    assert await collect(model, call_with(user_message("x"))) == parts


async def test_scripted_text_shorthand_and_helpers() -> None:
    model = ScriptedModel(["plain", tool_call_response("weather", {"location": "Rome"})])
    assert await model.generate(call_with()) == text_response("plain")
    response = await model.generate(call_with())
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.tool_calls[0].input == '{"location": "Rome"}'


async def test_scripted_exception_items_are_raised_at_their_call() -> None:
    model = ScriptedModel([RateLimitError("slow down", retry_after=1.0), "ok"])
    with pytest.raises(RateLimitError, match="slow down"):
        await model.generate(call_with())
    assert (await model.generate(call_with())).text == "ok"
    assert len(model.calls) == 2

    streaming = ScriptedModel([ProviderError("boom", retryable=True)])
    with pytest.raises(ProviderError, match="boom"):
        await collect(streaming, call_with())


async def test_scripted_generate_raises_the_error_part() -> None:
    error = ProviderError("overloaded", provider="test", retryable=True)
    parts = [stream.TextStart("0"), stream.TextDelta("0", "par"), stream.Error(error)]
    model = ScriptedModel([parts, parts])
    with pytest.raises(ProviderError) as raised:
        await model.generate(call_with())
    assert raised.value is error
    assert (await collect(model, call_with()))[-1] == stream.Error(error)


async def test_scripted_model_running_out_raises_a_clear_error() -> None:
    model = ScriptedModel(["only one"])
    await model.generate(call_with())
    with pytest.raises(ScriptExhaustedError, match=r"call #2 but its script has only 1 item"):
        await model.generate(call_with())
    with pytest.raises(ScriptExhaustedError):
        await collect(model, call_with())


def test_scripted_model_sync_api_and_identity() -> None:
    model = ScriptedModel(["sync"], provider="fake", model_id="m")
    assert (model.provider, model.model_id) == ("fake", "m")
    assert model.generate_sync(call_with()).text == "sync"


# --- TestModel -------------------------------------------------------------------------


def validate_calls(response: Response, tools: list[FunctionTool]) -> None:
    by_name = {tool.name: tool for tool in tools}
    assert [call.tool_name for call in response.tool_calls] == [tool.name for tool in tools]
    for call in response.tool_calls:
        jsonschema.Draft202012Validator(by_name[call.tool_name].input_schema).validate(
            json.loads(call.input)
        )


def results_for(response: Response, outputs: dict[str, str]) -> tuple[Message, Message]:
    calls = response.tool_calls
    assistant = assistant_message(
        *(
            ToolCallPart(tool_call_id=c.tool_call_id, tool_name=c.tool_name, input=c.input)
            for c in calls
        )
    )
    results = tool_message(
        ToolResultPart(
            tool_call_id=c.tool_call_id,
            tool_name=c.tool_name,
            output=TextOutput(text=outputs[c.tool_name])
            if c.tool_name in outputs
            else ErrorOutput(error="failed"),
        )
        for c in calls
    )
    return assistant, results


async def test_test_model_calls_each_tool_once_with_schema_valid_arguments() -> None:
    tools = [WEATHER, CALCULATOR, BOOKING]
    model = TestModel()
    question = user_message("What's the weather in Florence? Also compute (2 + 3) * 4.")
    first = await model.generate(call_with(question, tools=tuple(tools)))
    assert first.finish_reason is FinishReason.TOOL_CALLS
    validate_calls(first, tools)
    arguments = [json.loads(call.input) for call in first.tool_calls]
    assert arguments[0] == {"location": "Florence", "unit": "celsius"}
    assert arguments[1] == {"expression": "(2 + 3) * 4"}
    assert [call.tool_call_id for call in first.tool_calls] == ["call_1", "call_2", "call_3"]

    assistant, results = results_for(first, {"weather": "40 C", "calculator": "20"})
    second = await model.generate(call_with(question, assistant, results, tools=tuple(tools)))
    assert second.finish_reason is FinishReason.STOP
    assert second.text == "weather: 40 C; calculator: 20; book: error: failed"
    assert len(model.calls) == 2


async def test_test_model_starts_again_after_a_new_user_message() -> None:
    model = TestModel(tool_call_id_prefix="t")
    question = user_message("Weather in Oslo?")
    first = model.respond(call_with(question, tools=(WEATHER,)))
    assistant, results = results_for(first, {"weather": "cold"})
    follow_up = user_message("And in Bergen?")
    call = call_with(question, assistant, results, assistant_message("cold"), follow_up)
    third = model.respond(call.replace(tools=(WEATHER,)))
    assert third.tool_calls[0].tool_call_id == "t2"
    assert json.loads(third.tool_calls[0].input)["location"] == "Bergen"


async def test_test_model_without_tools_echoes_or_answers_its_text() -> None:
    call = call_with(user_message("hello   there"))
    assert (await TestModel().generate(call)).text == "echo: hello   there"
    fixed = await TestModel(text="Fixed answer.").generate(call)
    assert (fixed.text, fixed.finish_reason) == ("Fixed answer.", FinishReason.STOP)
    assert fixed.usage == Usage(input_tokens=2, output_tokens=2, total_tokens=4)


async def test_test_model_honours_tool_choice() -> None:
    tools = (WEATHER, CALCULATOR, ProviderDefinedTool(id="anthropic.web_search", name="web"))
    question = user_message("hi")
    none = TestModel().respond(call_with(question, tools=tools, tool_choice="none"))
    assert none.text == "echo: hi"
    only = TestModel().respond(
        call_with(question, tools=tools, tool_choice=SpecificToolChoice("calculator"))
    )
    assert [c.tool_name for c in only.tool_calls] == ["calculator"]
    assert json.loads(only.tool_calls[0].input) == {"expression": "1 + 1"}
    auto = TestModel().respond(call_with(question, tools=tools))
    assert [c.tool_name for c in auto.tool_calls] == ["weather", "calculator"]


async def test_test_model_answers_a_response_format_with_valid_json() -> None:
    schema = BOOKING.input_schema
    call = call_with(user_message("book it"), response_format=ResponseFormat(schema=schema))
    jsonschema.Draft202012Validator(schema).validate(json.loads(TestModel().respond(call).text))


async def test_test_model_streams_word_by_word_and_matches_generate() -> None:
    model = TestModel(text="The answer is forty two.")
    call = call_with(user_message("question"), tools=(WEATHER,))
    parts = await collect(model, call)
    assert accumulate(parts) == model.respond(call)
    text_call = call_with(user_message("question"))
    parts = await collect(model, text_call)
    assert [p.delta for p in parts if isinstance(p, stream.TextDelta)] == [
        "The ",
        "answer ",
        "is ",
        "forty ",
        "two.",
    ]
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.usage.output_tokens == 5
    assert accumulate(parts) == await model.generate(text_call)


async def test_test_model_delay_still_streams_everything() -> None:
    model = TestModel(text="a b", delay=0.001)
    parts = await collect(model, call_with(user_message("x")))
    assert accumulate(parts).text == "a b"


def test_test_provider_through_the_registry() -> None:
    model = language_model("test:my-model", api_key="ignored")
    assert isinstance(model, TestModel)
    assert (model.provider, model.model_id) == ("test", "my-model")
    provider = TestProvider(base_url="x")
    assert provider.name == "test"
    assert provider.language_model("m").model_id == "m"


# --- example_value ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {},
        True,
        {"type": "string", "minLength": 10, "maxLength": 12},
        {"type": "integer", "minimum": 5, "maximum": 9},
        {"type": "integer", "exclusiveMaximum": 0},
        {"type": "number", "exclusiveMinimum": 2},
        {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "boolean"}]},
        {"type": "array", "items": {"type": "number"}, "minItems": 3},
        {"enum": ["b", "a"]},
        {"oneOf": [{"type": "null"}, {"type": "integer"}]},
        {"allOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]}]},
        {"type": "object", "required": ["untyped"]},
        {"type": "string", "format": "date-time"},
        {"type": "null"},
        BOOKING.input_schema,
        {
            "$defs": {
                "Node": {
                    "type": "object",
                    "properties": {
                        "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}
                    },
                }
            },
            "$ref": "#/$defs/Node",
        },
    ],
)
def test_example_value_is_valid(schema: Any) -> None:
    value = example_value(schema)
    jsonschema.Draft202012Validator(schema).validate(value)
    assert example_value(schema) == value  # deterministic


def test_example_value_uses_prompt_hints() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    assert example_value(schema, prompt="Trains to New York today") == {"city": "New York"}
    assert example_value(schema) == {"city": "Paris"}
    expr = {"type": "object", "properties": {"expression": {"type": "string"}}}
    assert example_value(expr, prompt="what is 12.5 / 5, please") == {"expression": "12.5 / 5"}


async def test_test_model_drives_an_agent_with_typed_tools() -> None:
    from fantasy._demo_tools import demo_tools, weather
    from fantasy.agent import Agent

    agent = Agent(TestModel(), tools=demo_tools())
    result = await agent.generate("What's the weather in Florence? And 6 * 7?")
    assert result.text == f"weather: {weather('Florence')}; calculator: 42"
    assert [step.finish_reason for step in result.steps] == [
        FinishReason.TOOL_CALLS,
        FinishReason.STOP,
    ]
    assert not any(call.invalid for call in result.steps[0].tool_calls)


def test_test_model_answers_text_mode_objects() -> None:
    from fantasy.object import ObjectCall, generate_object_sync

    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    call = ObjectCall(prompt=[user_message("a person")], schema=schema, mode="text")
    response = generate_object_sync(TestModel(), call)
    assert isinstance(response.object, dict)
    assert isinstance(response.object["name"], str)
