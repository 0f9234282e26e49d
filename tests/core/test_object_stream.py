"""stream_object: partial objects, the final object, finish and error parts, sync twins."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pydantic
import pytest

from fantasy import stream
from fantasy.content import TextContent, ToolCallContent
from fantasy.errors import IncompleteStreamError, NoObjectGeneratedError, ProviderError
from fantasy.messages import user_message
from fantasy.model import BaseLanguageModel, Call
from fantasy.object import (
    ObjectCall,
    ObjectPart,
    ObjectResponse,
    ObjectStream,
    stream_object,
    stream_object_sync,
)
from fantasy.response import Response
from fantasy.testing.models import ScriptedModel, response_to_parts
from fantasy.usage import FinishReason, Usage

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "city": {"type": "string"},
    },
    "required": ["name", "age", "city"],
}
BOOK: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "author": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "nationality": {"type": "string"}},
            "required": ["name", "nationality"],
        },
        "genres": {"type": "array", "items": {"type": "string"}},
        "published_year": {"type": "integer"},
    },
    "required": ["title", "author", "genres", "published_year"],
}
ALICE = {"name": "Alice", "age": 30, "city": "Paris"}
RINGS = {
    "title": "The Lord of the Rings",
    "author": {"name": "J.R.R. Tolkien", "nationality": "British"},
    "genres": ["fantasy", "adventure"],
    "published_year": 1954,
}
USAGE = Usage.of(input_tokens=10, output_tokens=5)


def chars(text: str) -> list[str]:
    return list(text)


def text_parts(text: str, chunker: Any = chars) -> list[stream.StreamPart]:
    response = Response(
        content=(TextContent(text=text),), finish_reason=FinishReason.STOP, usage=USAGE
    )
    return response_to_parts(response, chunker=chunker)


def tool_parts(name: str, raw: str, chunker: Any = chars) -> list[stream.StreamPart]:
    response = Response(
        content=(ToolCallContent(tool_call_id="call_1", tool_name=name, input=raw),),
        finish_reason=FinishReason.TOOL_CALLS,
        raw_finish_reason="tool_use",
        usage=USAGE,
    )
    return response_to_parts(response, chunker=chunker)


def object_call(schema: Any = PERSON, **changes: Any) -> ObjectCall[Any]:
    call: ObjectCall[Any] = ObjectCall(
        prompt=[user_message("go")], schema=schema, schema_name="Person", max_output_tokens=4000
    )
    return call.replace(**changes)


async def collect(object_stream: ObjectStream[Any]) -> list[Any]:
    return [part async for part in object_stream]


def objects(parts: Iterable[Any]) -> list[ObjectPart]:
    return [part for part in parts if isinstance(part, ObjectPart)]


def assert_growing(partials: list[Any]) -> None:
    """No partial repeats the one before it."""
    for before, after in itertools.pairwise(partials):
        assert before != after


# --- JSON / text mode ------------------------------------------------------------------


@pytest.mark.anyio
async def test_text_deltas_stream_partial_objects_then_the_final_one() -> None:
    model = ScriptedModel([text_parts(json.dumps(RINGS))])
    parts = await collect(model.stream_object(object_call(BOOK)))
    object_parts = objects(parts)
    partials = [p.object for p in object_parts if p.partial]
    assert len(partials) > 20
    assert_growing(partials)
    assert partials[0] == {}
    assert {"title": "The Lord of the Rings"} in partials
    assert {"title": "The Lord of the Rings", "author": {}} in partials
    assert partials[-1] == RINGS
    final = object_parts[-1]
    assert final == ObjectPart(RINGS, partial=False)
    # Finish comes last, after the final object, with the model's usage.
    assert isinstance(parts[-1], stream.Finish)
    assert parts[-2] is final
    assert parts[-1].usage == USAGE
    assert parts[-1].finish_reason == FinishReason.STOP
    # Text deltas pass through.
    text = "".join(p.delta for p in parts if isinstance(p, stream.TextDelta))
    assert text == json.dumps(RINGS)


@pytest.mark.anyio
async def test_numbers_appear_only_when_complete() -> None:
    model = ScriptedModel([text_parts(json.dumps(ALICE))])
    partials = [p async for p in model.stream_object(object_call()).partial_objects()]
    ages = {p.get("age") for p in partials if "age" in p}
    assert ages == {30}


@pytest.mark.anyio
async def test_partial_objects_can_be_read_after_the_stream() -> None:
    model = ScriptedModel([text_parts(json.dumps(RINGS))])
    live: list[Any] = []
    parts = []
    async for part in model.stream_object(object_call(BOOK)):
        parts.append(part)
        if isinstance(part, ObjectPart) and len(parts) % 2:
            live.append((part, json.dumps(part.object)))
    # Reading a partial later gives the value it had when emitted.
    for part, dumped in live:
        assert json.dumps(part.object) == dumped
    later = [json.dumps(p.object) for p in objects(parts)]
    assert len(set(later)) == len(later) - 1  # only the final repeats the last partial


@pytest.mark.anyio
async def test_result_and_partial_objects() -> None:
    model = ScriptedModel([text_parts("```json\n" + json.dumps(ALICE) + "\n```", list)])
    object_stream = stream_object(model, object_call(mode="text"))
    partials = [p async for p in object_stream.partial_objects()]
    assert partials[0] == {}
    assert partials[-1] == ALICE
    result = await object_stream.result()
    assert isinstance(result, ObjectResponse)
    assert result.object == ALICE
    assert result.raw_text.startswith("```json")
    assert result.usage == USAGE
    assert result.response.text == result.raw_text
    system = model.calls[0].prompt[0]
    assert system.role == "system"


@pytest.mark.anyio
async def test_result_alone_consumes_the_stream() -> None:
    model = ScriptedModel([text_parts(json.dumps(ALICE))])
    result = await model.stream_object(object_call()).result()
    assert result.object == ALICE
    assert result.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_typed_stream_gives_an_instance_at_the_end() -> None:
    class Person(pydantic.BaseModel):
        name: str
        age: int
        city: str

    model = ScriptedModel([text_parts(json.dumps(ALICE))])
    call: ObjectCall[Person] = ObjectCall(prompt=[user_message("go")], schema=Person)
    parts = await collect(model.stream_object(call))
    object_parts = objects(parts)
    assert all(isinstance(p.object, dict) for p in object_parts[:-1])
    assert object_parts[-1].object == Person(**ALICE)
    assert not object_parts[-1].partial


@pytest.mark.anyio
async def test_wrapped_list_streams_unwrapped_partials() -> None:
    items = [{"name": "a", "age": 1, "city": "x"}, {"name": "b", "age": 2, "city": "y"}]
    model = ScriptedModel([text_parts(json.dumps({"value": items}))])
    call: ObjectCall[Any] = ObjectCall(
        prompt=[user_message("go")], schema={"type": "array", "items": PERSON}
    )
    parts = await collect(model.stream_object(call))
    values = [p.object for p in objects(parts)]
    assert values[0] == []
    assert all(isinstance(v, list) for v in values)
    assert values[-1] == items


# --- tool mode -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_tool_input_deltas_stream_partial_objects() -> None:
    model = ScriptedModel([tool_parts("Person", json.dumps(ALICE))])
    parts = await collect(model.stream_object(object_call(mode="tool")))
    object_parts = objects(parts)
    partials = [p.object for p in object_parts if p.partial]
    assert partials[0] == {}
    assert {"name": "Al"} in partials
    assert partials[-1] == ALICE
    assert_growing(partials)
    assert object_parts[-1] == ObjectPart(ALICE, partial=False)
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.finish_reason == FinishReason.STOP
    assert finish.raw_finish_reason == "tool_use"
    assert not any(isinstance(p, stream.TextDelta) for p in parts)
    call = model.calls[0]
    assert [t.name for t in call.tools] == ["Person"]


@pytest.mark.anyio
async def test_tool_call_without_deltas_gives_one_object_part() -> None:
    model = ScriptedModel([tool_parts("Person", json.dumps(ALICE), chunker=lambda s: [])])
    object_stream = model.stream_object(object_call(mode="tool"))
    parts = await collect(object_stream)
    assert objects(parts) == [ObjectPart(ALICE, partial=False)]
    result = await object_stream.result()
    assert result.raw_text == json.dumps(ALICE)
    assert result.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_other_tool_input_is_not_parsed_as_the_object() -> None:
    parts_in = [
        *tool_parts("other", '{"x": 1}')[:-1],
        *tool_parts("Person", json.dumps(ALICE)),
    ]
    model = ScriptedModel([parts_in])
    parts = await collect(model.stream_object(object_call(mode="tool")))
    assert all("x" not in p.object for p in objects(parts))
    assert objects(parts)[-1].object == ALICE


# --- errors ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_no_valid_object_ends_with_an_error_part() -> None:
    model = ScriptedModel([text_parts('{"name": "Alice"}')])
    object_stream = model.stream_object(object_call())
    parts = await collect(object_stream)
    assert isinstance(parts[-1], stream.Error)
    error = parts[-1].error
    assert isinstance(error, NoObjectGeneratedError)
    assert error.raw_text == '{"name": "Alice"}'
    assert "required" in error.validation_error
    assert error.usage == USAGE
    assert not any(isinstance(p, stream.Finish) for p in parts)
    assert all(p.partial for p in objects(parts))
    with pytest.raises(NoObjectGeneratedError):
        await object_stream.result()


@pytest.mark.anyio
async def test_repair_hook_runs_at_the_end_of_a_stream() -> None:
    model = ScriptedModel([text_parts('{"name": "Alice", "age": "30", "city": "Paris"}')])
    call = object_call(repair=lambda raw, error: raw.replace('"30"', "30"))
    parts = await collect(model.stream_object(call))
    assert objects(parts)[-1] == ObjectPart(ALICE, partial=False)
    assert isinstance(parts[-1], stream.Finish)


@pytest.mark.anyio
async def test_in_band_error_is_passed_through_and_raised_by_result() -> None:
    failure = ProviderError("overloaded", provider="test")
    model = ScriptedModel(
        [[stream.TextStart("0"), stream.TextDelta("0", '{"na'), stream.Error(failure)]]
    )
    object_stream = model.stream_object(object_call())
    parts = await collect(object_stream)
    assert isinstance(parts[-1], stream.Error)
    assert parts[-1].error is failure
    assert not objects(parts) or all(p.partial for p in objects(parts))
    with pytest.raises(ProviderError):
        await object_stream.result()


class FailingModel(BaseLanguageModel):
    def __init__(self) -> None:
        super().__init__(provider="test", model_id="failing")
        self.closed = False

    async def generate(self, call: Call) -> Response:
        raise NotImplementedError

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        try:
            yield stream.TextStart("0")
            yield stream.TextDelta("0", '{"name": "Al')
            yield stream.TextDelta("0", 'ice", ')
            raise IncompleteStreamError()
        finally:
            self.closed = True


@pytest.mark.anyio
async def test_stream_exception_propagates_and_result_raises_it() -> None:
    model = FailingModel()
    object_stream = model.stream_object(object_call())
    seen: list[Any] = []
    with pytest.raises(IncompleteStreamError):
        async for part in object_stream:
            seen.append(part)
    assert objects(seen)[-1].object == {"name": "Alice"}
    with pytest.raises(IncompleteStreamError):
        await object_stream.result()
    assert model.closed


@pytest.mark.anyio
async def test_closing_early_closes_the_model_stream() -> None:
    model = FailingModel()
    object_stream = model.stream_object(object_call())
    async with object_stream:
        async for part in object_stream:
            if isinstance(part, ObjectPart):
                break
    assert model.closed
    with pytest.raises(RuntimeError, match="closed"):
        await object_stream.result()


# --- sync ------------------------------------------------------------------------------


def test_stream_object_sync() -> None:
    model = ScriptedModel([text_parts(json.dumps(RINGS))])
    with stream_object_sync(model, object_call(BOOK)) as object_stream:
        parts = list(object_stream)
        assert objects(parts)[-1] == ObjectPart(RINGS, partial=False)
        assert isinstance(parts[-1], stream.Finish)
        assert object_stream.result().object == RINGS


def test_stream_object_sync_partial_objects_and_errors() -> None:
    model = ScriptedModel([text_parts(json.dumps(ALICE)), text_parts("nope")])
    object_stream = stream_object_sync(model, object_call())
    partials = list(object_stream.partial_objects())
    assert partials[-1] == ALICE
    assert object_stream.result().object == ALICE
    failing = stream_object_sync(model, object_call())
    with pytest.raises(NoObjectGeneratedError):
        failing.result()
