"""The Claude dialect of the object-mode tests (Anthropic Messages API), and its pieces.

``ANTHROPIC`` joins the shared table in ``_object_modes_dialects.py``; the builders and
request checks here also serve the Claude-only tests in ``test_object_modes_anthropic.py``.
"""

from __future__ import annotations

from typing import Any

import httpx
from _object_modes_kit import (
    ALICE,
    ALICE_JSON,
    ALICE_PIECES,
    CLOSED_PERSON,
    DESCRIPTION,
    INSTRUCTION,
    KEY,
    PERSON,
    Dialect,
    Recorder,
    StreamCase,
    roles,
)

from fantasy.providers.anthropic import AnthropicLanguageModel, AnthropicProvider

SUPPORTED = "claude-sonnet-4-5-20250929"
"""A Claude model that takes ``output_config`` formats."""
UNSUPPORTED = "claude-sonnet-4-20250514"
"""A Claude model that does not: json mode falls back to the instruction."""
TOOL_CHOICE = {"type": "tool", "name": "Person", "disable_parallel_tool_use": False}


def claude_message(*content: dict[str, Any], stop_reason: str = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": SUPPORTED,
        "content": list(content),
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 9},
    }


CLAUDE_TEXT = claude_message({"type": "text", "text": ALICE_JSON})
CLAUDE_TOOL = claude_message(
    {"type": "tool_use", "id": "toolu_1", "name": "Person", "input": ALICE},
    stop_reason="tool_use",
)


def claude(recorder: Recorder, model_id: str = SUPPORTED) -> AnthropicLanguageModel:
    provider = AnthropicProvider(api_key=KEY, transport=recorder.transport)
    return provider.language_model(model_id)


def claude_supported(recorder: Recorder) -> AnthropicLanguageModel:
    model = claude(recorder)
    assert model.supports_json_schema()
    return model


def claude_stream(start: dict[str, Any], deltas: list[dict[str, Any]], stop_reason: str) -> Any:
    """One content block (``start``, ``deltas``) in a whole Messages stream."""
    message = {k: v for k, v in CLAUDE_TEXT.items() if k != "stop_reason"}
    return [
        {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}},
        {"type": "content_block_start", "index": 0, "content_block": start},
        *({"type": "content_block_delta", "index": 0, "delta": d} for d in deltas),
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": 9},
        },
        {"type": "message_stop"},
    ]


def claude_json_request(body: dict[str, Any]) -> None:
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": CLOSED_PERSON}}
    assert "output_format" not in body
    assert "tools" not in body
    assert "tool_choice" not in body
    assert "system" not in body


def claude_tool_request(body: dict[str, Any]) -> None:
    assert body["tools"] == [{"name": "Person", "description": DESCRIPTION, "input_schema": PERSON}]
    assert body["tool_choice"] == TOOL_CHOICE
    assert "output_config" not in body
    assert "system" not in body


def claude_fallback_request(body: dict[str, Any]) -> None:
    """No output_config: the schema travels in the system prompt instead."""
    assert "output_config" not in body
    (system,) = body["system"]
    assert system["text"].startswith(INSTRUCTION)
    assert "tools" not in body


def claude_request(request: httpx.Request, body: dict[str, Any]) -> None:
    assert "anthropic-beta" not in request.headers
    assert roles(body["messages"]) == ["user"]


ANTHROPIC = Dialect(
    name="anthropic",
    build=claude_supported,
    url="https://api.anthropic.com/v1/messages",
    auto="tool",
    answers={"json": CLAUDE_TEXT, "tool": CLAUDE_TOOL, "text": CLAUDE_TEXT},
    requests={
        "json": claude_json_request,
        "tool": claude_tool_request,
        "text": claude_fallback_request,
    },
    every_request=claude_request,
    verbatim_arguments=False,
    streams=[
        StreamCase(
            mode="auto",
            events=claude_stream(
                {"type": "tool_use", "id": "toolu_1", "name": "Person", "input": {}},
                [{"type": "input_json_delta", "partial_json": p} for p in ALICE_PIECES],
                "tool_use",
            ),
            named=True,
        ),
        StreamCase(
            mode="json",
            events=claude_stream(
                {"type": "text", "text": ""},
                [{"type": "text_delta", "text": p} for p in ALICE_PIECES],
                "end_turn",
            ),
            named=True,
        ),
    ],
)
