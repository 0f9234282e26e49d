"""Object modes on Claude (Anthropic API, Bedrock, Vertex): requests sent, objects back."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest
from _object_modes_kit import (
    ALICE,
    ALICE_JSON,
    ALICE_PIECES,
    CLOSED_PERSON,
    DESCRIPTION,
    INSTRUCTION,
    KEY,
    PERSON,
    Recorder,
    answer,
    assert_partials_then_final,
    person_call,
    run_stream,
    sse,
)

from fantasy.object import ObjectCall
from fantasy.providers.anthropic import (
    AnthropicLanguageModel,
    AnthropicProvider,
    AnthropicVertexProvider,
)
from fantasy.providers.bedrock import BedrockProvider
from fantasy.usage import FinishReason

SUPPORTED = "claude-sonnet-4-5-20250929"
UNSUPPORTED = "claude-sonnet-4-20250514"
USAGE = {"input_tokens": 12, "output_tokens": 9}
TOOL_CHOICE = {"type": "tool", "name": "Person", "disable_parallel_tool_use": False}


def message(*content: dict[str, Any], stop_reason: str = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": SUPPORTED,
        "content": list(content),
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": USAGE,
    }


TEXT_ANSWER = message({"type": "text", "text": ALICE_JSON})
TOOL_ANSWER = message(
    {"type": "tool_use", "id": "toolu_1", "name": "Person", "input": ALICE},
    stop_reason="tool_use",
)


def claude(recorder: Recorder, model_id: str = SUPPORTED) -> AnthropicLanguageModel:
    provider = AnthropicProvider(api_key=KEY, transport=recorder.transport)
    return provider.language_model(model_id)


def assert_tool_request(body: dict[str, Any]) -> None:
    assert body["tools"] == [{"name": "Person", "description": DESCRIPTION, "input_schema": PERSON}]
    assert body["tool_choice"] == TOOL_CHOICE
    assert "output_config" not in body
    assert "system" not in body


def assert_fallback_request(body: dict[str, Any]) -> None:
    """No output_config: the schema travels in the system prompt instead."""
    assert "output_config" not in body
    (system,) = body["system"]
    assert system["text"].startswith(INSTRUCTION)
    assert "tools" not in body


# --- json ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_json_mode_sends_output_config_format() -> None:
    recorder = answer(TEXT_ANSWER)
    model = claude(recorder)
    assert model.supports_json_schema()
    response = await model.generate_object(person_call("json"))
    request = recorder.requests[0]
    assert str(request.url) == "https://api.anthropic.com/v1/messages"
    assert "anthropic-beta" not in request.headers
    body = recorder.body
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": CLOSED_PERSON}}
    assert "output_format" not in body
    assert "tools" not in body
    assert "tool_choice" not in body
    assert "system" not in body
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP
    assert response.warnings == ()


@pytest.mark.anyio
async def test_json_mode_keeps_effort_next_to_the_format() -> None:
    recorder = answer(TEXT_ANSWER)
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
    recorder = answer(message({"type": "text", "text": json.dumps(book)}))
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
    recorder = answer(message({"type": "text", "text": "Sure:\n```json\n" + ALICE_JSON + "\n```"}))
    model = claude(recorder, UNSUPPORTED)
    assert not model.supports_json_schema()
    response = await model.generate_object(person_call("json"))
    assert_fallback_request(recorder.body)
    assert response.object == ALICE
    (warning,) = response.warnings
    assert warning.type == "unsupported-setting"
    assert warning.setting == "response_format"


# --- tool, text, auto ---------------------------------------------------------------


@pytest.mark.anyio
async def test_tool_mode_forces_one_tool() -> None:
    recorder = answer(TOOL_ANSWER)
    response = await claude(recorder).generate_object(person_call("tool"))
    assert_tool_request(recorder.body)
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_text_mode_sends_the_schema_as_system_prompt() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await claude(recorder).generate_object(person_call("text"))
    assert_fallback_request(recorder.body)
    assert [m["role"] for m in recorder.body["messages"]] == ["user"]
    assert response.object == ALICE
    assert response.warnings == ()


@pytest.mark.anyio
@pytest.mark.parametrize("model_id", [SUPPORTED, UNSUPPORTED])
async def test_auto_mode_is_tool_on_every_model(model_id: str) -> None:
    recorder = answer(TOOL_ANSWER)
    response = await claude(recorder, model_id).generate_object(person_call("auto"))
    assert_tool_request(recorder.body)
    assert response.object == ALICE


# --- streams --------------------------------------------------------------------------


def claude_stream(*blocks: list[dict[str, Any]], stop_reason: str) -> list[dict[str, Any] | str]:
    start = {k: v for k, v in message(stop_reason="").items() if k != "stop_reason"}
    events: list[dict[str, Any] | str] = [
        {"type": "message_start", "message": {**start, "content": [], "stop_reason": None}}
    ]
    for block in blocks:
        events.extend(block)
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": 9},
        }
    )
    events.append({"type": "message_stop"})
    return events


def block(start: dict[str, Any], deltas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "content_block_start", "index": 0, "content_block": start},
        *({"type": "content_block_delta", "index": 0, "delta": d} for d in deltas),
        {"type": "content_block_stop", "index": 0},
    ]


@pytest.mark.anyio
async def test_stream_object_in_tool_mode_yields_partials_then_the_object() -> None:
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": "Person", "input": {}}
    deltas = [{"type": "input_json_delta", "partial_json": p} for p in ALICE_PIECES]
    recorder = sse(claude_stream(block(tool_use, deltas), stop_reason="tool_use"), named=True)
    object_stream = claude(recorder).stream_object(person_call("auto"))
    objects, parts = await run_stream(object_stream)
    assert recorder.body["stream"] is True
    assert_tool_request(recorder.body)
    assert_partials_then_final(objects, parts)
    assert (await object_stream.result()).finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_stream_object_in_json_mode_yields_partials_then_the_object() -> None:
    deltas = [{"type": "text_delta", "text": p} for p in ALICE_PIECES]
    text = {"type": "text", "text": ""}
    recorder = sse(claude_stream(block(text, deltas), stop_reason="end_turn"), named=True)
    object_stream = claude(recorder).stream_object(person_call("json"))
    objects, parts = await run_stream(object_stream)
    assert recorder.body["output_config"]["format"]["type"] == "json_schema"
    assert_partials_then_final(objects, parts)
    assert (await object_stream.result()).raw_text == ALICE_JSON


# --- Bedrock and Vertex -----------------------------------------------------------------


@pytest.mark.anyio
async def test_bedrock_json_mode_sends_output_config_on_documented_models() -> None:
    recorder = answer(TEXT_ANSWER)
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
    recorder = answer(TEXT_ANSWER)
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
    assert_fallback_request(body)
    assert response.object == ALICE
    assert [w.setting for w in response.warnings] == ["response_format"]
