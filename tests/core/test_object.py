"""generate_object: the call each mode builds, parsing, repair, validation, typed results."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pydantic
import pytest
from typing_extensions import TypedDict

from fantasy.content import TextContent, ToolCallContent
from fantasy.errors import InvalidArgumentError, NoObjectGeneratedError
from fantasy.messages import system_message, user_message
from fantasy.model import ResponseFormat
from fantasy.object import (
    TEXT_INSTRUCTION,
    ObjectCall,
    ObjectResponse,
    generate_object,
    generate_object_sync,
    generate_typed,
    parse_json_text,
)
from fantasy.response import Response
from fantasy.testing.models import ScriptedModel, TestModel, text_response, tool_call_response
from fantasy.tools import FunctionTool, SpecificToolChoice
from fantasy.usage import CallWarning, FinishReason, Usage

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "The person's name"},
        "age": {"type": "integer", "description": "The person's age"},
        "city": {"type": "string", "description": "The city where the person lives"},
    },
    "required": ["name", "age", "city"],
}
ALICE = {"name": "Alice", "age": 30, "city": "Paris"}
USAGE = Usage.of(input_tokens=10, output_tokens=5)


def person_call(**changes: Any) -> ObjectCall[Any]:
    call: ObjectCall[Any] = ObjectCall(
        prompt=[user_message("Generate a person named Alice.")],
        schema=PERSON,
        schema_name="Person",
        schema_description="A person with name, age, and city",
        max_output_tokens=4000,
    )
    return call.replace(**changes)


def text_model(text: str, **kwargs: Any) -> ScriptedModel:
    return ScriptedModel([text_response(text, usage=USAGE)], **kwargs)


class ToolModel(ScriptedModel):
    default_object_mode = "tool"


class Person(pydantic.BaseModel):
    name: str
    age: int
    city: str


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Movie(TypedDict):
    title: str
    year: int


# --- the call each mode builds ---------------------------------------------------------


@pytest.mark.anyio
async def test_json_mode_sends_response_format_and_nothing_else() -> None:
    model = text_model(json.dumps(ALICE))
    response = await generate_object(model, person_call(temperature=0.5, seed=7))
    (call,) = model.calls
    assert call.response_format == ResponseFormat(
        schema=PERSON, name="Person", description="A person with name, age, and city"
    )
    assert call.tools == ()
    assert call.tool_choice is None
    assert [m.role for m in call.prompt] == ["user"]
    assert call.max_output_tokens == 4000
    assert call.temperature == 0.5
    assert call.seed == 7
    assert response.object == ALICE
    assert response.raw_text == json.dumps(ALICE)
    assert response.usage == USAGE
    assert response.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_tool_mode_forces_one_tool_named_after_the_schema() -> None:
    model = ScriptedModel([tool_call_response("Person", ALICE, usage=USAGE)])
    response = await generate_object(model, person_call(mode="tool"))
    (call,) = model.calls
    assert call.tools == (
        FunctionTool(
            name="Person", description="A person with name, age, and city", input_schema=PERSON
        ),
    )
    assert call.tool_choice == SpecificToolChoice("Person")
    assert call.response_format is None
    assert [m.role for m in call.prompt] == ["user"]
    assert call.max_output_tokens == 4000
    assert response.object == ALICE
    assert response.raw_text == json.dumps(ALICE)
    # The forced tool call is the answer: the object's finish reason is "stop".
    assert response.finish_reason == FinishReason.STOP
    assert response.raw_finish_reason == "tool_calls"


@pytest.mark.anyio
async def test_tool_mode_without_a_name_uses_json() -> None:
    model = ScriptedModel([tool_call_response("json", ALICE)])
    await generate_object(model, person_call(mode="tool", schema_name=""))
    assert model.calls[0].tool_choice == SpecificToolChoice("json")
    assert [t.name for t in model.calls[0].tools] == ["json"]


@pytest.mark.anyio
async def test_auto_mode_follows_the_model_default() -> None:
    json_model = text_model(json.dumps(ALICE))
    await generate_object(json_model, person_call())
    assert json_model.calls[0].response_format is not None
    tool_model = ToolModel([tool_call_response("Person", ALICE)])
    await generate_object(tool_model, person_call())
    assert tool_model.calls[0].tool_choice == SpecificToolChoice("Person")


@pytest.mark.anyio
async def test_text_mode_puts_the_schema_in_a_system_instruction() -> None:
    model = text_model("```json\n" + json.dumps(ALICE) + "\n```")
    call = person_call(mode="text", prompt=[system_message("Be brief."), user_message("Go")])
    response = await generate_object(model, call)
    (sent,) = model.calls
    assert [m.role for m in sent.prompt] == ["system", "system", "user"]
    assert sent.prompt[0].text == "Be brief."
    instruction = sent.prompt[1].text
    assert instruction.startswith(TEXT_INSTRUCTION + json.dumps(PERSON))
    assert sent.response_format is None
    assert sent.tools == ()
    assert response.object == ALICE


@pytest.mark.anyio
async def test_model_generate_object_delegates() -> None:
    model = text_model(json.dumps(ALICE))
    response = await model.generate_object(person_call())
    assert isinstance(response, ObjectResponse)
    assert response.object == ALICE


@pytest.mark.anyio
async def test_response_carries_warnings_metadata_and_response() -> None:
    underlying = Response(
        content=(TextContent(text=json.dumps(ALICE)),),
        finish_reason=FinishReason.STOP,
        usage=USAGE,
        warnings=(CallWarning.unsupported("top_k"),),
        provider_metadata={"openai": {"x": 1}},
    )
    response = await generate_object(ScriptedModel([underlying]), person_call())
    assert response.warnings == (CallWarning.unsupported("top_k"),)
    assert response.provider_metadata == {"openai": {"x": 1}}
    assert response.response is underlying


# --- parsing and repair ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('Here you go:\n```\n{"a": [1, 2]}\n```\nEnjoy!', {"a": [1, 2]}),
        ('{"a": 1,}', {"a": 1}),
        ('{"a": "tru', {"a": "tru"}),
        ('Sure! {"a": [1, 2', {"a": [1, 2]}),
        ('"text"', "text"),
    ],
)
def test_parse_json_text_repairs(text: str, expected: Any) -> None:
    assert parse_json_text(text) == (expected, "")


@pytest.mark.parametrize("text", ["", "   ", "no json here"])
def test_parse_json_text_fails_without_json(text: str) -> None:
    value, error = parse_json_text(text)
    assert value is None
    assert error


@pytest.mark.anyio
async def test_truncated_object_is_repaired() -> None:
    truncated = '{"name": "Alice", "age": 30, "city": "Par'
    response = await generate_object(text_model(truncated), person_call())
    assert response.object == {"name": "Alice", "age": 30, "city": "Par"}
    assert response.raw_text == truncated


@pytest.mark.anyio
async def test_fenced_json_with_trailing_comma() -> None:
    text = '```json\n{"name": "Alice", "age": 30, "city": "Paris",}\n```'
    response = await generate_object(text_model(text), person_call())
    assert response.object == ALICE


@pytest.mark.anyio
async def test_schema_violation_raises_no_object_generated() -> None:
    raw = '{"name": "Alice", "age": "thirty", "city": "Paris"}'
    with pytest.raises(NoObjectGeneratedError) as caught:
        await generate_object(text_model(raw), person_call())
    error = caught.value
    assert error.raw_text == raw
    assert error.parse_error == ""
    assert "$.age" in error.validation_error
    assert "integer" in error.validation_error
    assert error.usage == USAGE
    assert error.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_unparseable_answer_raises_with_parse_error() -> None:
    with pytest.raises(NoObjectGeneratedError) as caught:
        await generate_object(text_model("I cannot help with that."), person_call())
    assert caught.value.parse_error
    assert caught.value.validation_error == ""
    assert caught.value.raw_text == "I cannot help with that."


@pytest.mark.anyio
async def test_same_error_in_tool_mode() -> None:
    model = ScriptedModel([tool_call_response("Person", {"name": "Alice"}, usage=USAGE)])
    with pytest.raises(NoObjectGeneratedError) as caught:
        await generate_object(model, person_call(mode="tool"))
    assert caught.value.raw_text == '{"name": "Alice"}'
    assert "required" in caught.value.validation_error
    assert caught.value.usage == USAGE


@pytest.mark.anyio
async def test_length_finish_reason_is_mentioned() -> None:
    cut = Response(
        content=(TextContent(text='{"name": "Al'),),
        finish_reason=FinishReason.LENGTH,
        usage=USAGE,
    )
    with pytest.raises(NoObjectGeneratedError, match="length") as caught:
        await generate_object(ScriptedModel([cut]), person_call())
    assert caught.value.finish_reason == FinishReason.LENGTH


@pytest.mark.anyio
async def test_repair_hook_fixes_the_answer() -> None:
    seen: list[tuple[str, str]] = []

    def repair(raw: str, error: NoObjectGeneratedError) -> str | None:
        seen.append((raw, error.validation_error))
        return raw.replace('"thirty"', "30")

    raw = '{"name": "Alice", "age": "thirty", "city": "Paris"}'
    response = await generate_object(text_model(raw), person_call(repair=repair))
    assert response.object == ALICE
    assert response.raw_text == raw
    assert seen and seen[0][0] == raw and "integer" in seen[0][1]


@pytest.mark.anyio
async def test_async_repair_hook() -> None:
    async def repair(raw: str, error: NoObjectGeneratedError) -> str | None:
        return json.dumps(ALICE)

    response = await generate_object(text_model("nonsense"), person_call(repair=repair))
    assert response.object == ALICE


@pytest.mark.anyio
async def test_repair_hook_giving_up_or_failing_raises() -> None:
    with pytest.raises(NoObjectGeneratedError) as caught:
        await generate_object(text_model("nonsense"), person_call(repair=lambda raw, e: None))
    assert caught.value.raw_text == "nonsense"
    with pytest.raises(NoObjectGeneratedError, match="after repair") as caught:
        await generate_object(
            text_model("nonsense"), person_call(repair=lambda raw, e: '{"name": 1}')
        )
    assert caught.value.raw_text == "nonsense"
    assert caught.value.validation_error
    assert isinstance(caught.value.__cause__, NoObjectGeneratedError)


# --- Python types ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_pydantic_model_gives_an_instance() -> None:
    model = text_model(json.dumps(ALICE))
    call: ObjectCall[Person] = ObjectCall(prompt=[user_message("Alice")], schema=Person)
    response = await generate_object(model, call)
    assert response.object == Person(name="Alice", age=30, city="Paris")
    sent = model.calls[0].response_format
    assert sent is not None and sent.name == "Person"
    assert sent.schema == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "city": {"type": "string"},
        },
        "required": ["name", "age", "city"],
    }


@pytest.mark.anyio
async def test_pydantic_validation_error_is_reported() -> None:
    call: ObjectCall[Person] = ObjectCall(prompt=[user_message("Alice")], schema=Person)
    with pytest.raises(NoObjectGeneratedError) as caught:
        await generate_object(text_model('{"name": "Alice"}'), call)
    assert "age" in caught.value.validation_error


@pytest.mark.anyio
async def test_dataclass_and_typed_dict() -> None:
    point: ObjectCall[Point] = ObjectCall(prompt=[user_message("p")], schema=Point)
    response = await generate_object(text_model('{"x": 1, "y": 2}'), point)
    assert response.object == Point(1, 2)
    movie: ObjectCall[Movie] = ObjectCall(prompt=[user_message("m")], schema=Movie, mode="tool")
    model = ScriptedModel([tool_call_response("Movie", {"title": "Up", "year": 2009})])
    result = await generate_object(model, movie)
    assert result.object == {"title": "Up", "year": 2009}
    assert model.calls[0].tool_choice == SpecificToolChoice("Movie")


@pytest.mark.anyio
async def test_list_type_is_wrapped_in_an_object_and_unwrapped() -> None:
    people = [ALICE, {"name": "Bob", "age": 4, "city": "Oslo"}]
    model = ScriptedModel([tool_call_response("json", {"value": people})])
    call: ObjectCall[list[Person]] = ObjectCall(
        prompt=[user_message("two people")], schema=list[Person], mode="tool"
    )
    response = await generate_object(model, call)
    assert response.object == [Person(**p) for p in people]
    schema = model.calls[0].tools[0]
    assert isinstance(schema, FunctionTool)
    assert schema.input_schema["type"] == "object"
    assert schema.input_schema["properties"]["value"]["type"] == "array"
    assert schema.input_schema["required"] == ["value"]


@pytest.mark.anyio
async def test_wrapped_schema_accepts_a_bare_value_too() -> None:
    call: ObjectCall[list[int]] = ObjectCall(prompt=[user_message("n")], schema=list[int])
    response = await generate_object(text_model("[1, 2, 3]"), call)
    assert response.object == [1, 2, 3]


@pytest.mark.anyio
async def test_union_of_models() -> None:
    class Cat(pydantic.BaseModel):
        kind: str = "cat"
        lives: int

    class Dog(pydantic.BaseModel):
        kind: str = "dog"
        bark: str

    call: ObjectCall[Cat | Dog] = ObjectCall(prompt=[user_message("pet")], schema=Cat | Dog)
    response = await generate_object(text_model('{"value": {"bark": "woof"}}'), call)
    assert response.object == Dog(bark="woof")


def test_recursive_type_keeps_its_definitions() -> None:
    class Node(pydantic.BaseModel):
        label: str
        children: list[Node] = []

    from fantasy._object_schema import resolve_target

    target = resolve_target(Node)
    assert target.name == "Node"
    assert "$defs" in target.schema
    assert target.schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert "title" not in json.dumps(target.schema).replace('"label"', "")


def test_bad_arguments_raise_at_once() -> None:
    model = text_model("{}")
    with pytest.raises(InvalidArgumentError, match="mode"):
        person_call(mode="yaml")
    with pytest.raises(InvalidArgumentError, match="schema"):
        model.stream_object(person_call(schema={"type": 12}))
    with pytest.raises(InvalidArgumentError, match="schema"):
        model.stream_object(person_call(schema=object()))
    assert model.calls == []


# --- helpers and sync ------------------------------------------------------------------


@pytest.mark.anyio
async def test_generate_typed() -> None:
    model = text_model(json.dumps(ALICE))
    person = await generate_typed(model, "Alice please", Person, max_output_tokens=100)
    assert person == Person(name="Alice", age=30, city="Paris")
    assert model.calls[0].prompt[0].text == "Alice please"
    assert model.calls[0].max_output_tokens == 100


def test_generate_object_sync() -> None:
    response = generate_object_sync(text_model(json.dumps(ALICE)), person_call())
    assert response.object == ALICE


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["json", "tool"])
async def test_native_modes_round_trip_with_the_test_model(mode: str) -> None:
    model = TestModel()
    response = await generate_object(model, person_call(mode=mode))
    assert set(response.object) == {"name", "age", "city"}


@pytest.mark.anyio
async def test_tool_mode_falls_back_to_another_call_or_text() -> None:
    other = Response(
        content=(ToolCallContent(tool_call_id="c", tool_name="other", input=json.dumps(ALICE)),),
        finish_reason=FinishReason.TOOL_CALLS,
    )
    response = await generate_object(ScriptedModel([other]), person_call(mode="tool"))
    assert response.object == ALICE
    response = await generate_object(text_model(json.dumps(ALICE)), person_call(mode="tool"))
    assert response.object == ALICE
