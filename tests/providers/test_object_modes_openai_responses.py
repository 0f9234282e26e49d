"""Object modes on the OpenAI Responses API: the request each mode sends, the object back."""

from __future__ import annotations

from typing import Any

import pytest
from _object_modes_kit import (
    ALICE,
    ALICE_JSON,
    ALICE_PIECES,
    CLOSED_PERSON,
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

from fantasy.providers.openai import OpenAIProvider, ResponsesModel
from fantasy.usage import FinishReason

USAGE = {"input_tokens": 12, "output_tokens": 9, "total_tokens": 21}


def response_with(*output: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-4o-2024-08-06",
        "output": list(output),
        "usage": USAGE,
    }


def message(text: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


TEXT_ANSWER = response_with(message(ALICE_JSON))
TOOL_ANSWER = response_with(
    {
        "id": "fc_1",
        "type": "function_call",
        "status": "completed",
        "call_id": "call_1",
        "name": "Person",
        "arguments": ALICE_JSON,
    }
)


def responses_model(recorder: Recorder) -> ResponsesModel:
    provider = OpenAIProvider(api_key=KEY, transport=recorder.transport, use_responses_api=True)
    model = provider.language_model("gpt-4o")
    assert isinstance(model, ResponsesModel)
    return model


def assert_json_request(body: dict[str, Any]) -> None:
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "Person", "schema": CLOSED_PERSON}
    }
    assert "tools" not in body
    assert "tool_choice" not in body
    assert [item["role"] for item in body["input"]] == ["user"]


@pytest.mark.anyio
async def test_json_mode_sends_text_format() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await responses_model(recorder).generate_object(person_call("json"))
    assert_json_request(recorder.body)
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_tool_mode_forces_one_function_tool() -> None:
    recorder = answer(TOOL_ANSWER)
    response = await responses_model(recorder).generate_object(person_call("tool"))
    body = recorder.body
    (tool,) = body["tools"]
    assert tool["type"] == "function"
    assert tool["name"] == "Person"
    assert tool["parameters"] == PERSON
    assert body["tool_choice"] == {"type": "function", "name": "Person"}
    assert "text" not in body
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_text_mode_sends_the_schema_in_a_system_item() -> None:
    recorder = answer(response_with(message("Here it is: " + ALICE_JSON)))
    response = await responses_model(recorder).generate_object(person_call("text"))
    body = recorder.body
    system, user = body["input"]
    assert system["role"] == "system"
    assert system["content"].startswith(INSTRUCTION)
    assert user["role"] == "user"
    assert "tools" not in body
    assert "text" not in body
    assert response.object == ALICE


@pytest.mark.anyio
async def test_auto_mode_is_json() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await responses_model(recorder).generate_object(person_call("auto"))
    assert_json_request(recorder.body)
    assert response.object == ALICE


@pytest.mark.anyio
async def test_stream_object_yields_partials_then_the_object() -> None:
    created = {"id": "resp_2", "object": "response", "status": "in_progress", "model": "gpt-4o"}
    where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    events: list[dict[str, Any] | str] = [
        {"type": "response.created", "response": {**created, "output": []}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"id": "msg_1", "type": "message", "role": "assistant", "content": []},
        },
        *({"type": "response.output_text.delta", **where, "delta": p} for p in ALICE_PIECES),
        {"type": "response.output_text.done", **where, "text": ALICE_JSON},
        {"type": "response.output_item.done", "output_index": 0, "item": message(ALICE_JSON)},
        {
            "type": "response.completed",
            "response": {**created, "status": "completed", "output": [], "usage": USAGE},
        },
    ]
    recorder = sse(events, named=True)
    object_stream = responses_model(recorder).stream_object(person_call("json"))
    objects, parts = await run_stream(object_stream)
    assert recorder.body["stream"] is True
    assert_json_request(recorder.body)
    assert_partials_then_final(objects, parts)
    assert (await object_stream.result()).usage.total_tokens == 21
