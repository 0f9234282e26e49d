"""Conversations in Fantasy Go's JSON form (``{"type": ..., "data": {...}}`` envelopes)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from fantasy.content import ReasoningContent, TextContent, ToolCallContent
from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    Message,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from fantasy.providers.anthropic.options import AnthropicReasoningMetadata
from fantasy.response import Response
from fantasy.usage import FinishReason

PNG = b"\x89PNG\r\n\x1a\n"
B64 = base64.b64encode(PNG).decode()
SIGNED = {"anthropic": {"type": "anthropic.reasoning_metadata", "data": {"signature": "sig"}}}

# (name, message as a Go service writes it, the message it is)
GO_MESSAGES: list[tuple[str, dict[str, Any], Message]] = [
    (
        "user text and file",
        {
            "role": "user",
            "content": [
                {"type": "text", "data": {"text": "What is this?"}},
                {
                    "type": "file",
                    "data": {"media_type": "image/png", "data": B64, "filename": "a.png"},
                },
            ],
        },
        Message(
            role="user",
            content=(
                TextPart(text="What is this?"),
                FilePart(media_type="image/png", data=PNG, filename="a.png"),
            ),
        ),
    ),
    (
        "assistant reasoning with metadata and a tool call",
        {
            "role": "assistant",
            "content": [
                {"type": "reasoning", "data": {"text": "Hmm", "provider_options": SIGNED}},
                {
                    "type": "tool-call",
                    "data": {"tool_call_id": "c1", "tool_name": "weather", "input": "{}"},
                },
            ],
        },
        Message(
            role="assistant",
            content=(
                ReasoningPart(
                    text="Hmm",
                    provider_options={"anthropic": AnthropicReasoningMetadata(signature="sig")},
                ),
                ToolCallPart(tool_call_id="c1", tool_name="weather", input="{}"),
            ),
        ),
    ),
    (
        "tool results of every output kind",
        {
            "role": "tool",
            "content": [
                {
                    "type": "tool-result",
                    "data": {
                        "tool_call_id": "c1",
                        "output": {"type": "text", "data": {"text": "40 C"}},
                    },
                },
                {
                    "type": "tool-result",
                    "data": {
                        "tool_call_id": "c2",
                        "output": {"type": "error", "data": {"error": "boom"}},
                    },
                },
                {
                    "type": "tool-result",
                    "data": {
                        "tool_call_id": "c3",
                        "output": {
                            "type": "media",
                            "data": {"data": B64, "media_type": "image/png"},
                        },
                    },
                },
            ],
        },
        Message(
            role="tool",
            content=(
                ToolResultPart(tool_call_id="c1", output=TextOutput(text="40 C")),
                ToolResultPart(tool_call_id="c2", output=ErrorOutput(error="boom")),
                ToolResultPart(
                    tool_call_id="c3", output=MediaOutput(data=PNG, media_type="image/png")
                ),
            ),
        ),
    ),
]


@pytest.mark.parametrize(
    ("go", "message"), [c[1:] for c in GO_MESSAGES], ids=[c[0] for c in GO_MESSAGES]
)
def test_go_json_loads_and_round_trips(go: dict[str, Any], message: Message) -> None:
    loaded = Message.from_dict(json.loads(json.dumps(go)))
    assert loaded == message
    written = json.loads(json.dumps(message.to_dict(go_json=True)))
    assert Message.from_dict(written) == message
    for part in written["content"]:
        assert set(part) == {"type", "data"}  # every part is an envelope
    # fantasy's own form still reads, and both forms describe the same message
    assert Message.from_dict(message.to_dict()) == message
    for part in written["content"]:
        if part["type"] == "tool-result":
            assert set(part["data"]["output"]) == {"type", "data"}


def test_response_content_in_go_json() -> None:
    response = Response(
        content=(
            ReasoningContent(text="r"),
            TextContent(text="t"),
            ToolCallContent(tool_call_id="c", tool_name="f", input="{}"),
        ),
        finish_reason=FinishReason.TOOL_CALLS,
    )
    written = json.loads(json.dumps(response.to_dict(go_json=True)))
    assert [item["type"] for item in written["content"]] == ["reasoning", "text", "tool-call"]
    assert all(set(item) == {"type", "data"} for item in written["content"])
    assert Response.from_dict(written) == response


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "text", "data": {"text": "x", "unknown": 1}},
        {"type": "nope", "data": {}},
        ["text"],
    ],
)
def test_bad_envelopes_are_typed_errors(bad: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        Message.from_dict({"role": "user", "content": [bad]})
