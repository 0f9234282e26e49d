"""OpenAICompatProvider: optional auth, extra body, reasoning_content in and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy.content import ReasoningContent, TextContent, ToolCallContent
from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    Message,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    system_message,
    tool_message,
    user_message,
)
from fantasy.model import Call
from fantasy.providers.openai.chat import StreamDecoder, decode_response
from fantasy.providers.openai.chat.convert import build_body
from fantasy.providers.openaicompat import CompatHooks, OpenAICompatOptions, OpenAICompatProvider
from fantasy.usage import FinishReason

FIXTURES = Path(__file__).parent / "fixtures"
COMPLETION = {
    "id": "x1",
    "model": "grok-3-mini-high",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "reasoning_content": "Think first.",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "weather",
                            "arguments": '{"location":"Florence, Italy"}',
                        },
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 288,
        "completion_tokens": 27,
        "total_tokens": 665,
        "completion_tokens_details": {"reasoning_tokens": 350},
    },
}


def transport_for(seen: list[httpx.Request], response: httpx.Response) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return response

    return httpx.MockTransport(handle)


CALL = Call(prompt=(user_message("hi"),), max_output_tokens=4000)


@pytest.mark.anyio
async def test_no_auth_header_without_key_and_extra_body() -> None:
    seen: list[httpx.Request] = []
    provider = OpenAICompatProvider(
        base_url="http://localhost:8080/v1/",
        extra_body={"top_k": 20, "chat_template_kwargs": {"enable_thinking": True}},
        transport=transport_for(seen, httpx.Response(200, json=COMPLETION)),
    )
    model = provider.language_model("openai/gpt-oss-20b")
    assert model.default_object_mode == "tool"
    call = CALL.replace(
        provider_options={
            "openai-compat": OpenAICompatOptions(reasoning_effort="high", extra_body={"top_k": 40})
        }
    )
    response = await model.generate(call)
    request = seen[0]
    assert str(request.url) == "http://localhost:8080/v1/chat/completions"
    assert "authorization" not in request.headers
    assert json.loads(request.content) == {
        "model": "openai/gpt-oss-20b",
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": 4000,
        "reasoning_effort": "high",
        "top_k": 40,
        "chat_template_kwargs": {"enable_thinking": True},
    }
    assert model.provider == "openai-compat"
    assert [type(c) for c in response.content] == [ReasoningContent, ToolCallContent]
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.usage.output_tokens == 377


@pytest.mark.anyio
async def test_bearer_key_when_given() -> None:
    seen: list[httpx.Request] = []
    key = "xai-0123456789abcdefghij"
    provider = OpenAICompatProvider(
        base_url="https://api.x.ai/v1",
        api_key=key,
        transport=transport_for(seen, httpx.Response(200, json=COMPLETION)),
    )
    await provider.language_model("grok-4-fast").generate(CALL)
    assert seen[0].headers["authorization"] == f"Bearer {key}"
    assert json.loads(seen[0].content)["max_tokens"] == 4000
    assert key not in repr(provider)


def test_base_url_required() -> None:
    with pytest.raises(InvalidArgumentError):
        OpenAICompatProvider(base_url=" ")


def test_openai_namespace_is_not_read() -> None:
    call = CALL.replace(provider_options={"openai": {"reasoning_effort": "high"}})
    body, _ = build_body(call, "grok-3-mini", stream=False, hooks=CompatHooks())
    assert "reasoning_effort" not in body


def test_replay_adds_reasoning_content_and_content() -> None:
    prompt = (
        system_message("sys"),
        user_message("weather?"),
        Message(
            role="assistant",
            content=(
                ReasoningPart(text="The user "),
                ReasoningPart(text="wants weather."),
                TextPart(text="Checking."),
                ToolCallPart(
                    tool_call_id="call_1", tool_name="weather", input='{"location":"Florence"}'
                ),
            ),
        ),
        tool_message([ToolResultPart(tool_call_id="call_1", output=TextOutput(text="40 C"))]),
        Message(role="assistant", content=(ReasoningPart(text="Only thinking."),)),
    )
    body, warnings = build_body(
        Call(prompt=prompt), "grok-3-mini", stream=False, hooks=CompatHooks()
    )
    assert warnings == []
    assert body["messages"][2] == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"location":"Florence"}'},
            }
        ],
        "reasoning_content": "The user wants weather.",
    }
    assert body["messages"][3] == {"role": "tool", "tool_call_id": "call_1", "content": "40 C"}
    assert body["messages"][4] == {"role": "assistant", "reasoning_content": "Only thinking."}


def test_response_reasoning_field_variants() -> None:
    data: dict[str, Any] = json.loads(json.dumps(COMPLETION))
    message = data["choices"][0]["message"]
    del message["reasoning_content"]
    message["reasoning"] = "Via reasoning."
    message["content"] = "Done."
    del message["tool_calls"]
    data["choices"][0]["finish_reason"] = "stop"
    response = decode_response(data, hooks=CompatHooks(), provider="openai-compat")
    assert response.content == (ReasoningContent(text="Via reasoning."), TextContent(text="Done."))
    assert response.finish_reason is FinishReason.STOP


def decode_fixture(name: str) -> list[stream.StreamPart]:
    decoder = StreamDecoder(hooks=CompatHooks(), provider="openai-compat")
    parts: list[stream.StreamPart] = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        parts.extend(decoder.feed(line))
    parts.extend(decoder.finish())
    return parts


def test_stream_reasoning_content_then_tool_call() -> None:
    parts = decode_fixture("reasoning_content.jsonl")
    assert [p.type for p in parts] == [
        "response-metadata",
        "reasoning-start",
        "reasoning-delta",
        "reasoning-delta",
        "reasoning-end",
        "tool-input-start",
        "tool-input-delta",
        "tool-input-end",
        "tool-call",
        "finish",
    ]
    accumulator = stream.StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    response = accumulator.response()
    assert response.content[0] == ReasoningContent(text="The user wants weather.")
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.usage.reasoning_tokens == 30
    assert response.usage.output_tokens == 40


def test_stream_reasoning_field_then_text() -> None:
    parts = decode_fixture("reasoning_then_text.jsonl")
    kinds = [p.type for p in parts]
    assert kinds.index("reasoning-end") < kinds.index("text-start")
    accumulator = stream.StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    assert accumulator.response().content == (
        ReasoningContent(text="Thinking more."),
        TextContent(text="Olá!"),
    )
