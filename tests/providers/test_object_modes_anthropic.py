"""Object modes on Claude beyond the shared table: older models, nested schemas, clouds.

The json, tool, text and auto requests and the streams on the Anthropic API are checked
for every dialect in ``test_object_modes.py`` (the Claude dialect is ``ANTHROPIC`` in
``_object_modes_claude.py``).
"""

from __future__ import annotations

import json

import pydantic
import pytest
from _object_modes_claude import (
    CLAUDE_TEXT,
    CLAUDE_TOOL,
    UNSUPPORTED,
    claude,
    claude_fallback_request,
    claude_message,
    claude_tool_request,
)
from _object_modes_kit import ALICE, ALICE_JSON, CLOSED_PERSON, answer, person_call

from fantasy.object import ObjectCall
from fantasy.providers.anthropic import AnthropicVertexProvider
from fantasy.providers.bedrock import BedrockProvider


@pytest.mark.anyio
async def test_json_mode_keeps_effort_next_to_the_format() -> None:
    recorder = answer(CLAUDE_TEXT)
    call = person_call("json", provider_options={"anthropic": {"effort": "low"}})
    await claude(recorder, "claude-opus-4-5").generate_object(call)
    assert recorder.body["output_config"] == {
        "effort": "low",
        "format": {"type": "json_schema", "schema": CLOSED_PERSON},
    }


class Author(pydantic.BaseModel):
    name: str
    born: int = pydantic.Field(ge=0)


class Book(pydantic.BaseModel):
    title: str = pydantic.Field(max_length=200)
    author: Author
    genres: list[str] = pydantic.Field(min_length=1)


@pytest.mark.anyio
async def test_json_mode_closes_nested_objects_and_moves_unsupported_bounds() -> None:
    book = {"title": "Dune", "author": {"name": "Frank Herbert", "born": 1920}, "genres": ["sf"]}
    recorder = answer(claude_message({"type": "text", "text": json.dumps(book)}))
    call: ObjectCall[Book] = ObjectCall(prompt=person_call("json").prompt, schema=Book, mode="json")
    response = await claude(recorder).generate_object(call)
    schema = recorder.body["output_config"]["format"]["schema"]
    assert schema["additionalProperties"] is False
    author = schema["properties"]["author"]
    assert author["additionalProperties"] is False
    assert "minimum" not in author["properties"]["born"]
    assert author["properties"]["born"]["description"] == "minimum: 0"
    assert "maxLength" not in schema["properties"]["title"]
    assert schema["properties"]["genres"]["minItems"] == 1
    assert response.object == Book.model_validate(book)


@pytest.mark.anyio
async def test_json_mode_on_an_older_model_falls_back_to_the_instruction() -> None:
    recorder = answer(
        claude_message({"type": "text", "text": "Sure:\n```json\n" + ALICE_JSON + "\n```"})
    )
    model = claude(recorder, UNSUPPORTED)
    assert not model.supports_json_schema()
    response = await model.generate_object(person_call("json"))
    claude_fallback_request(recorder.body)
    assert response.object == ALICE
    (warning,) = response.warnings
    assert warning.type == "unsupported-setting"
    assert warning.setting == "response_format"


@pytest.mark.anyio
async def test_auto_mode_is_tool_on_an_older_model() -> None:
    recorder = answer(CLAUDE_TOOL)
    response = await claude(recorder, UNSUPPORTED).generate_object(person_call("auto"))
    claude_tool_request(recorder.body)
    assert response.object == ALICE


# --- Bedrock and Vertex -----------------------------------------------------------------


@pytest.mark.anyio
async def test_bedrock_json_mode_sends_output_config_on_documented_models() -> None:
    recorder = answer(CLAUDE_TEXT)
    provider = BedrockProvider(region="us-east-1", skip_auth=True, transport=recorder.transport)
    model = provider.language_model("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    response = await model.generate_object(person_call("json"))
    assert str(recorder.requests[0].url) == (
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
        "us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke"
    )
    body = recorder.body
    assert body["anthropic_version"] == "bedrock-2023-05-31"
    assert "model" not in body
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": CLOSED_PERSON}}
    assert "system" not in body
    assert response.object == ALICE
    assert response.warnings == ()


@pytest.mark.anyio
async def test_vertex_json_mode_warns_and_falls_back_to_the_instruction() -> None:
    recorder = answer(CLAUDE_TEXT)
    provider = AnthropicVertexProvider(
        project="proj", location="us-east5", skip_auth=True, transport=recorder.transport
    )
    model = provider.language_model("claude-sonnet-4-5@20250929")
    assert not model.supports_json_schema()
    response = await model.generate_object(person_call("json"))
    assert str(recorder.requests[0].url).endswith(
        "/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"
    )
    body = recorder.body
    assert body["anthropic_version"] == "vertex-2023-10-16"
    claude_fallback_request(body)
    assert response.object == ALICE
    assert [w.setting for w in response.warnings] == ["response_format"]
