"""Vercel reasoning_details: stream splitting, signatures, summaries and their replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fantasy.content import ReasoningContent, TextContent, ToolCallContent
from fantasy.messages import Message, ReasoningPart, ToolCallPart, system_message, user_message
from fantasy.model import Call
from fantasy.providers.openai.chat import StreamDecoder, decode_response
from fantasy.providers.openai.chat.convert import build_body
from fantasy.providers.vercel import VercelHooks, VercelReasoningMetadata
from fantasy.response import Response
from fantasy.stream import StreamAccumulator

FIXTURES = Path(__file__).parent / "fixtures"
GEMINI = "google/gemini-3-pro-preview"
GPT = "openai/gpt-5"
CLAUDE = "anthropic/claude-sonnet-4"


def decode_stream(model_id: str, fixture: str) -> Response:
    decoder = StreamDecoder(hooks=VercelHooks(model_id), provider="vercel")
    accumulator = StreamAccumulator()
    lines = (FIXTURES / fixture).read_text(encoding="utf-8").splitlines()
    for line in [*lines, "[DONE]"]:
        for part in decoder.feed(line):
            accumulator.add(part)
    return accumulator.response()


def follow_up(model_id: str, response: Response) -> dict[str, Any]:
    """The replayed assistant message of ``response`` (reasoning parts keep their metadata)."""
    parts: list[Any] = []
    for item in response.content:
        if isinstance(item, ReasoningContent):
            parts.append(ReasoningPart(text=item.text, provider_options=item.provider_metadata))
        elif isinstance(item, ToolCallContent):
            parts.append(
                ToolCallPart(
                    tool_call_id=item.tool_call_id, tool_name=item.tool_name, input=item.input
                )
            )
    prompt = (
        system_message("s"),
        user_message("u"),
        Message(role="assistant", content=tuple(parts)),
    )
    body, _ = build_body(Call(prompt=prompt), model_id, stream=True, hooks=VercelHooks(model_id))
    message: dict[str, Any] = body["messages"][2]
    return message


def test_gemini_encrypted_after_tool_call_is_the_replayed_part() -> None:
    response = decode_stream(GEMINI, "gemini_text_tool_encrypted.jsonl")
    first, second = response.reasoning_items
    assert first.text == "Checking the tool."
    assert second.text == ""
    assert second.provider_metadata["vercel"] == VercelReasoningMetadata(
        format="google-gemini-v1", data="enc-gemini"
    )
    assert response.usage.output_tokens == 45  # reasoning reported outside completion
    assert response.usage.total_tokens == 65
    assert follow_up(GEMINI, response)["reasoning_details"] == [
        {
            "type": "reasoning.encrypted",
            "format": "google-gemini-v1",
            "data": "enc-gemini",
            "index": 0,
        }
    ]


def test_gpt5_summaries_by_index_and_encrypted_blob() -> None:
    response = decode_stream(GPT, "gpt5_summary_encrypted.jsonl")
    (reasoning,) = response.reasoning_items
    assert reasoning.text == "**Plan** call it\nSecond"
    meta = reasoning.provider_metadata["vercel"]
    assert meta.summaries == ["**Plan** call it", "Second"]
    assert (meta.data, meta.id) == ("enc-gpt", "rs_v1")
    fmt = "openai-responses-v1"
    assert follow_up(GPT, response)["reasoning_details"] == [
        {"type": "reasoning.summary", "format": fmt, "summary": "**Plan** call it", "index": 0},
        {"type": "reasoning.summary", "format": fmt, "summary": "Second", "index": 1},
        {
            "type": "reasoning.encrypted",
            "format": fmt,
            "data": "enc-gpt",
            "id": "rs_v1",
            "index": 0,
        },
    ]


def test_anthropic_signature_in_the_last_detail() -> None:
    response = decode_stream(CLAUDE, "anthropic_signature.jsonl")
    reasoning, text = response.content
    assert isinstance(reasoning, ReasoningContent) and isinstance(text, TextContent)
    assert reasoning.text == "Think hard."
    assert reasoning.provider_metadata["anthropic"].signature == "sig-vercel"
    message = follow_up(CLAUDE, response)
    assert message["reasoning"] == "Think hard."
    assert message["reasoning_details"][0]["signature"] == "sig-vercel"


def test_gemini_text_only_response_replays_text_and_bare_encrypted_entry() -> None:
    data = {
        "id": "gen_1",
        "model": GEMINI,
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "reasoning": "Plan.",
                    "reasoning_details": [
                        {
                            "type": "reasoning.text",
                            "text": "Plan.",
                            "format": "google-gemini-v1",
                            "index": 0,
                        }
                    ],
                    "tool_calls": [
                        {
                            "id": "AbCdEf0123456789",
                            "type": "function",
                            "function": {"name": "weather", "arguments": '{"b":3,"a":2}'},
                        }
                    ],
                    "provider_metadata": {"gateway": {"cost": "0.1"}},
                },
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
    }
    response = decode_response(data, hooks=VercelHooks(GEMINI), provider="vercel")
    message = follow_up(GEMINI, response)
    assert message["reasoning_details"] == [
        {"type": "reasoning.text", "format": "google-gemini-v1", "text": "Plan.", "index": 0},
        {"type": "reasoning.encrypted", "format": "google-gemini-v1", "index": 0},
    ]
    assert message["tool_calls"][0]["function"]["arguments"] == '{"b":3,"a":2}'
    assert "reasoning" not in message
