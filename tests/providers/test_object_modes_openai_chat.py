"""Object modes on OpenAI Chat Completions: the request each mode sends, the object back."""

from __future__ import annotations

import json
from typing import Any

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

from fantasy.providers.openai import OpenAIProvider
from fantasy.providers.openai.chat import ChatModel
from fantasy.usage import FinishReason

USAGE = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}


def completion(message: dict[str, Any], finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": finish_reason,
            }
        ],
        "usage": USAGE,
    }


TEXT_ANSWER = completion({"content": ALICE_JSON})
TOOL_ANSWER = completion(
    {
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "Person", "arguments": ALICE_JSON},
            }
        ],
    },
    "tool_calls",
)


def chat_model(recorder: Recorder) -> ChatModel:
    model = OpenAIProvider(api_key=KEY, transport=recorder.transport).language_model("gpt-4o")
    assert isinstance(model, ChatModel)
    return model


def assert_json_request(body: dict[str, Any]) -> None:
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Person",
            "description": DESCRIPTION,
            "strict": True,
            "schema": CLOSED_PERSON,
        },
    }
    assert "tools" not in body
    assert "tool_choice" not in body
    assert [m["role"] for m in body["messages"]] == ["user"]


@pytest.mark.anyio
async def test_json_mode_sends_a_strict_response_format() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await chat_model(recorder).generate_object(person_call("json"))
    assert_json_request(recorder.body)
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP
    assert response.warnings == ()


@pytest.mark.anyio
async def test_tool_mode_forces_one_function_tool() -> None:
    recorder = answer(TOOL_ANSWER)
    response = await chat_model(recorder).generate_object(person_call("tool"))
    body = recorder.body
    (tool,) = body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "Person"
    assert tool["function"]["description"] == DESCRIPTION
    assert tool["function"]["parameters"] == PERSON
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert "response_format" not in body
    assert response.object == ALICE
    assert response.raw_text == ALICE_JSON
    assert response.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_text_mode_sends_the_schema_in_a_system_message() -> None:
    recorder = answer(completion({"content": "```json\n" + ALICE_JSON + "\n```"}))
    response = await chat_model(recorder).generate_object(person_call("text"))
    body = recorder.body
    system, user = body["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith(INSTRUCTION)
    assert user["role"] == "user"
    assert "tools" not in body
    assert "response_format" not in body
    assert response.object == ALICE


@pytest.mark.anyio
async def test_auto_mode_is_json() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await chat_model(recorder).generate_object(person_call("auto"))
    assert_json_request(recorder.body)
    assert response.object == ALICE


@pytest.mark.anyio
async def test_stream_object_yields_partials_then_the_object() -> None:
    chunk = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "model": "gpt-4o"}
    events: list[dict[str, Any] | str] = [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
        *(
            {**chunk, "choices": [{"index": 0, "delta": {"content": piece}}]}
            for piece in ALICE_PIECES
        ),
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {**chunk, "choices": [], "usage": USAGE},
        "[DONE]",
    ]
    recorder = sse(events)
    object_stream = chat_model(recorder).stream_object(person_call("json"))
    objects, parts = await run_stream(object_stream)
    body = recorder.body
    assert body["stream"] is True
    assert_json_request(body)
    assert_partials_then_final(objects, parts)
    result = await object_stream.result()
    assert result.object == ALICE
    assert json.loads(result.raw_text) == ALICE
    assert result.usage.total_tokens == 21
