"""Object modes on OpenRouter: the request each mode sends, the object back."""

from __future__ import annotations

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

from fantasy.providers.openai.chat import ChatModel
from fantasy.providers.openrouter import OpenRouterProvider
from fantasy.usage import FinishReason

MODEL_ID = "openai/gpt-4o"
USAGE = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}


def completion(message: dict[str, Any], finish_reason: str = "stop") -> dict[str, Any]:
    choice = {"index": 0, "message": {"role": "assistant", **message}}
    return {
        "id": "gen-1",
        "object": "chat.completion",
        "model": MODEL_ID,
        "provider": "OpenAI",
        "choices": [{**choice, "finish_reason": finish_reason}],
        "usage": USAGE,
    }


TEXT_ANSWER = completion({"content": ALICE_JSON})
TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "Person", "arguments": ""}}
TOOL_ANSWER = completion(
    {"tool_calls": [{**TOOL_CALL, "function": {"name": "Person", "arguments": ALICE_JSON}}]},
    "tool_calls",
)


def router_model(recorder: Recorder) -> ChatModel:
    return OpenRouterProvider(api_key=KEY, transport=recorder.transport).language_model(MODEL_ID)


def assert_tool_request(body: dict[str, Any]) -> None:
    (tool,) = body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "Person"
    assert tool["function"]["parameters"] == PERSON
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert "response_format" not in body
    assert body["usage"] == {"include": True}


@pytest.mark.anyio
async def test_json_mode_sends_a_strict_response_format() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await router_model(recorder).generate_object(person_call("json"))
    body = recorder.body
    assert body["model"] == MODEL_ID
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
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert response.object == ALICE


@pytest.mark.anyio
async def test_tool_mode_forces_one_function_tool() -> None:
    recorder = answer(TOOL_ANSWER)
    response = await router_model(recorder).generate_object(person_call("tool"))
    assert_tool_request(recorder.body)
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_text_mode_sends_the_schema_in_a_system_message() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await router_model(recorder).generate_object(person_call("text"))
    body = recorder.body
    system, user = body["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith(INSTRUCTION)
    assert user["role"] == "user"
    assert "tools" not in body
    assert "response_format" not in body
    assert response.object == ALICE


@pytest.mark.anyio
async def test_auto_mode_is_tool() -> None:
    recorder = answer(TOOL_ANSWER)
    response = await router_model(recorder).generate_object(person_call("auto"))
    assert_tool_request(recorder.body)
    assert response.object == ALICE


@pytest.mark.anyio
async def test_stream_object_in_tool_mode_yields_partials_then_the_object() -> None:
    chunk = {"id": "gen-2", "object": "chat.completion.chunk", "model": MODEL_ID}

    def delta(**fields: Any) -> dict[str, Any]:
        return {**chunk, "choices": [{"index": 0, "delta": fields}]}

    events: list[dict[str, Any] | str] = [
        ": OPENROUTER PROCESSING",
        delta(role="assistant", tool_calls=[{"index": 0, **TOOL_CALL}]),
        *(delta(tool_calls=[{"index": 0, "function": {"arguments": p}}]) for p in ALICE_PIECES),
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
        {**chunk, "choices": [], "usage": USAGE},
        "[DONE]",
    ]
    recorder = sse(events)
    object_stream = router_model(recorder).stream_object(person_call("auto"))
    objects, parts = await run_stream(object_stream)
    assert recorder.body["stream"] is True
    assert_tool_request(recorder.body)
    assert_partials_then_final(objects, parts)
    assert (await object_stream.result()).raw_text == ALICE_JSON
