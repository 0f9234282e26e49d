"""Object modes on Gemini: the request each mode sends, the object back."""

from __future__ import annotations

from typing import Any

import pytest
from _object_modes_kit import (
    ALICE,
    ALICE_JSON,
    ALICE_PIECES,
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

from fantasy.providers.google import GoogleLanguageModel, GoogleProvider
from fantasy.usage import FinishReason

USAGE = {"promptTokenCount": 12, "candidatesTokenCount": 9, "totalTokenCount": 21}


def gemini(*parts: dict[str, Any], finish: str | None = "STOP") -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": list(parts), "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": USAGE,
        "modelVersion": "gemini-2.5-flash",
        "responseId": "resp-1",
    }


TEXT_ANSWER = gemini({"text": ALICE_JSON})
TOOL_ANSWER = gemini({"functionCall": {"name": "Person", "args": ALICE}})


def gemini_model(recorder: Recorder) -> GoogleLanguageModel:
    provider = GoogleProvider(api_key=KEY, transport=recorder.transport)
    return provider.language_model("gemini-2.5-flash")


def assert_json_request(body: dict[str, Any]) -> None:
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == PERSON
    assert config["maxOutputTokens"] == 500
    assert "tools" not in body
    assert "toolConfig" not in body
    assert "systemInstruction" not in body


@pytest.mark.anyio
async def test_json_mode_sends_response_json_schema() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await gemini_model(recorder).generate_object(person_call("json"))
    assert str(recorder.requests[0].url).endswith("/models/gemini-2.5-flash:generateContent")
    assert_json_request(recorder.body)
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_tool_mode_forces_one_function_declaration() -> None:
    recorder = answer(TOOL_ANSWER)
    response = await gemini_model(recorder).generate_object(person_call("tool"))
    body = recorder.body
    (tools,) = body["tools"]
    (declaration,) = tools["functionDeclarations"]
    assert declaration["name"] == "Person"
    assert declaration["description"] == DESCRIPTION
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["Person"]}
    }
    assert "responseMimeType" not in body["generationConfig"]
    assert response.object == ALICE
    assert response.finish_reason == FinishReason.STOP


@pytest.mark.anyio
async def test_text_mode_sends_the_schema_as_system_instruction() -> None:
    recorder = answer(gemini({"text": "```json\n" + ALICE_JSON + "\n```"}))
    response = await gemini_model(recorder).generate_object(person_call("text"))
    body = recorder.body
    (part,) = body["systemInstruction"]["parts"]
    assert part["text"].startswith(INSTRUCTION)
    assert [c["role"] for c in body["contents"]] == ["user"]
    assert "tools" not in body
    assert "responseMimeType" not in body["generationConfig"]
    assert "responseJsonSchema" not in body["generationConfig"]
    assert response.object == ALICE


@pytest.mark.anyio
async def test_auto_mode_is_json() -> None:
    recorder = answer(TEXT_ANSWER)
    response = await gemini_model(recorder).generate_object(person_call("auto"))
    assert_json_request(recorder.body)
    assert response.object == ALICE


@pytest.mark.anyio
async def test_stream_object_yields_partials_then_the_object() -> None:
    events: list[dict[str, Any] | str] = [
        gemini({"text": piece}, finish=None) for piece in ALICE_PIECES
    ]
    events.append(gemini({"text": ""}))
    recorder = sse(events, sep="\r\n\r\n")
    object_stream = gemini_model(recorder).stream_object(person_call("json"))
    objects, parts = await run_stream(object_stream)
    assert str(recorder.requests[0].url).endswith(":streamGenerateContent?alt=sse")
    assert_json_request(recorder.body)
    assert_partials_then_final(objects, parts)
    result = await object_stream.result()
    assert result.raw_text == ALICE_JSON
    assert result.usage.total_tokens == 21
