"""json mode on a model without native JSON-schema output: the text-mode instruction too."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fantasy.messages import system_message, user_message
from fantasy.model import ResponseFormat
from fantasy.object import TEXT_INSTRUCTION, ObjectCall, ObjectPart, generate_object
from fantasy.testing.models import ScriptedModel

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
ALICE = {"name": "Alice", "age": 30}


class NoJsonModel(ScriptedModel):
    def supports_json_schema(self) -> bool:
        return False


def call(schema: Any = PERSON, **changes: Any) -> ObjectCall[Any]:
    made: ObjectCall[Any] = ObjectCall(
        prompt=[system_message("Be brief."), user_message("Alice, 30")],
        schema=schema,
        schema_name="Person",
        mode="json",
    )
    return made.replace(**changes)


def test_models_support_json_schema_by_default() -> None:
    assert ScriptedModel([]).supports_json_schema()


@pytest.mark.anyio
async def test_fallback_keeps_response_format_and_adds_the_instruction() -> None:
    model = NoJsonModel(["Here you go: " + json.dumps(ALICE)])
    response = await generate_object(model, call())
    (sent,) = model.calls
    assert sent.response_format == ResponseFormat(schema=PERSON, name="Person")
    assert [m.role for m in sent.prompt] == ["system", "system", "user"]
    assert sent.prompt[1].text == TEXT_INSTRUCTION + json.dumps(PERSON)
    assert sent.tools == ()
    assert response.object == ALICE


@pytest.mark.anyio
async def test_native_json_mode_adds_no_instruction() -> None:
    model = ScriptedModel([json.dumps(ALICE)])
    await generate_object(model, call())
    assert [m.role for m in model.calls[0].prompt] == ["system", "user"]


@pytest.mark.anyio
async def test_fallback_shows_the_unwrapped_schema_and_reads_a_bare_value() -> None:
    model = NoJsonModel(["[1, 2, 3]"])
    response = await generate_object(model, call(schema=list[int], schema_name="Numbers"))
    (sent,) = model.calls
    assert sent.prompt[1].text == TEXT_INSTRUCTION + json.dumps(
        {"items": {"type": "integer"}, "type": "array"}
    )
    assert sent.response_format is not None
    assert sent.response_format.schema is not None
    assert sent.response_format.schema["required"] == ["value"]
    assert response.object == [1, 2, 3]


@pytest.mark.anyio
async def test_fallback_streams_partial_objects_from_text_with_prose() -> None:
    model = NoJsonModel(["Sure! " + json.dumps(ALICE)])
    object_stream = model.stream_object(call())
    parts = [part async for part in object_stream]
    objects = [p for p in parts if isinstance(p, ObjectPart)]
    assert objects[-1] == ObjectPart(ALICE, partial=False)
    assert (await object_stream.result()).object == ALICE
