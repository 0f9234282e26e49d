"""Structured objects on Converse: tool mode (the default) and native JSON output."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from _frames import event

from fantasy.messages import user_message
from fantasy.object import ObjectCall

pytest.importorskip("botocore", reason="Bedrock streams need the bedrock extra (botocore)")
pytestmark = pytest.mark.anyio

PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
ALICE = {"name": "Alice", "age": 30}


def call(mode: Any = "auto") -> ObjectCall[Any]:
    return ObjectCall(
        prompt=[user_message("Invent Alice, 30.")], schema=PERSON, schema_name="Person", mode=mode
    )


def answer(*content: dict[str, Any], reason: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": list(content)}},
        "stopReason": reason,
        "usage": {"inputTokens": 5, "outputTokens": 7, "totalTokens": 12},
    }


class Chunked(httpx.AsyncByteStream):
    def __init__(self, content: bytes) -> None:
        self.content = content

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.content), 4):
            yield self.content[start : start + 4]


def model(handler: Any, **settings: Any) -> Any:
    from fantasy.providers.bedrock import BedrockProvider

    provider = BedrockProvider(
        api_key="bedrock-key-0123456789", transport=httpx.MockTransport(handler), **settings
    )
    return provider.language_model("amazon.nova-pro-v1:0")


async def test_tool_mode_is_the_default_and_forces_the_tool() -> None:
    bodies: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        use = {"toolUse": {"toolUseId": "t", "name": "Person", "input": ALICE}}
        return httpx.Response(200, json=answer(use, reason="tool_use"))

    response = await model(handle).generate_object(call())
    assert response.object == ALICE
    config = bodies[0]["toolConfig"]
    assert config["toolChoice"] == {"tool": {"name": "Person"}}
    assert config["tools"][0]["toolSpec"]["name"] == "Person"
    assert "outputConfig" not in bodies[0]


async def test_json_mode_uses_output_config_where_the_model_supports_it() -> None:
    bodies: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=answer({"text": json.dumps(ALICE)}))

    response = await model(handle, structured_outputs=True).generate_object(call())
    assert response.object == ALICE
    schema = json.loads(
        bodies[0]["outputConfig"]["textFormat"]["structure"]["jsonSchema"]["schema"]
    )
    assert schema["properties"] == PERSON["properties"]
    assert "toolConfig" not in bodies[0]


async def test_stream_object_in_tool_mode() -> None:
    pieces = ['{"name": "Al', 'ice", "age"', ": 30}"]
    frames = [
        event("messageStart", {"role": "assistant"}),
        event(
            "contentBlockStart",
            {"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "t", "name": "Person"}}},
        ),
        *[
            event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": p}}})
            for p in pieces
        ],
        event("contentBlockStop", {"contentBlockIndex": 0}),
        event("messageStop", {"stopReason": "tool_use"}),
        event("metadata", {"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}}),
    ]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Chunked(b"".join(frames)))

    object_stream = model(handle).stream_object(call("tool"))
    partials = [p async for p in object_stream.partial_objects()]
    result = await object_stream.result()
    assert result.object == ALICE
    assert partials[-1] == ALICE and {"name": "Al"} in partials
