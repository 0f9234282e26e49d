"""OpenRouter reasoning_details: items read per family, stream splitting, replay per family."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fantasy import stream
from fantasy.content import Content, ReasoningContent, TextContent, ToolCallContent
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
from fantasy.providers.anthropic.options import AnthropicReasoningMetadata
from fantasy.providers.openai.chat import StreamDecoder, decode_response
from fantasy.providers.openai.chat.convert import build_body
from fantasy.providers.openrouter import OpenRouterHooks, OpenRouterReasoningMetadata
from fantasy.response import Response
from fantasy.stream import StreamAccumulator
from fantasy.usage import FinishReason

FIXTURES = Path(__file__).parent / "fixtures"
ANTHROPIC = "anthropic/claude-haiku-4.5"
GROK = "x-ai/grok-4.1-fast"
GEMINI = "google/gemini-3.1-flash-lite-preview"
GPT = "openai/gpt-5.4-nano"
CALL_ARGS = '{"location": "Rome"}'


def completion(message: dict[str, Any], finish: str = "tool_calls") -> dict[str, Any]:
    return {
        "id": "gen-1",
        "model": "m",
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def tool_call(call_id: str = "call_1") -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "weather", "arguments": CALL_ARGS},
    }


def decode(model_id: str, message: dict[str, Any]) -> Response:
    return decode_response(
        completion(message), hooks=OpenRouterHooks(model_id), provider="openrouter"
    )


def decode_stream(model_id: str, fixture: str) -> Response:
    decoder = StreamDecoder(hooks=OpenRouterHooks(model_id), provider="openrouter")
    accumulator = StreamAccumulator()
    for line in (FIXTURES / fixture).read_text(encoding="utf-8").splitlines():
        for part in decoder.feed(line):
            accumulator.add(part)
    for part in decoder.feed("[DONE]"):
        accumulator.add(part)
    return accumulator.response()


def assistant_of(content: Sequence[Content]) -> Message:
    """The step's assistant message, built the way the agent builds it."""
    parts: list[Any] = []
    for item in content:
        if isinstance(item, ReasoningContent):
            parts.append(ReasoningPart(text=item.text, provider_options=item.provider_metadata))
        elif isinstance(item, TextContent):
            parts.append(TextPart(text=item.text, provider_options=item.provider_metadata))
        elif isinstance(item, ToolCallContent):
            parts.append(
                ToolCallPart(
                    tool_call_id=item.tool_call_id, tool_name=item.tool_name, input=item.input
                )
            )
    return Message(role="assistant", content=tuple(parts))


def replayed(model_id: str, assistant: Message) -> dict[str, Any]:
    """The wire form of ``assistant`` in a follow-up request."""
    prompt = (system_message("sys"), user_message("weather?"), assistant)
    body, _ = build_body(
        Call(prompt=prompt), model_id, stream=False, hooks=OpenRouterHooks(model_id)
    )
    message: dict[str, Any] = body["messages"][2]
    return message


# --- reading whole responses -----------------------------------------------------------


def test_anthropic_detail_carries_signature_for_both_namespaces() -> None:
    detail = {
        "type": "reasoning.text",
        "text": "Call the tool.",
        "signature": "sig-1",
        "format": "anthropic-claude-v1",
        "index": 0,
    }
    response = decode(
        ANTHROPIC,
        {
            "role": "assistant",
            "content": None,
            "reasoning": "Call the tool.",
            "reasoning_details": [detail],
            "tool_calls": [tool_call()],
        },
    )
    reasoning, call = response.content
    assert isinstance(reasoning, ReasoningContent) and isinstance(call, ToolCallContent)
    assert reasoning.text == "Call the tool."
    meta = reasoning.provider_metadata["openrouter"]
    assert isinstance(meta, OpenRouterReasoningMetadata)
    assert (meta.format, meta.signature) == ("anthropic-claude-v1", "sig-1")
    assert reasoning.provider_metadata["anthropic"] == AnthropicReasoningMetadata(signature="sig-1")
    assert response.finish_reason is FinishReason.TOOL_CALLS


def test_details_group_by_format_and_index() -> None:
    fmt = "xai-responses-v1"
    response = decode(
        GROK,
        {
            "role": "assistant",
            "content": "Oi!",
            "reasoning": "ignored when details exist",
            "reasoning_details": [
                {"type": "reasoning.summary", "summary": "Plan.", "format": fmt, "index": 0},
                {"type": "reasoning.encrypted", "data": "blob", "format": fmt, "index": 1},
            ],
        },
    )
    first, second, text = response.content
    assert isinstance(first, ReasoningContent) and isinstance(second, ReasoningContent)
    assert (first.text, second.text) == ("Plan.", "")
    assert first.provider_metadata["openrouter"].summaries == ["Plan."]
    assert second.provider_metadata["openrouter"].data == "blob"
    assert isinstance(text, TextContent)


def test_summaries_of_one_group_join_with_newlines() -> None:
    fmt = "openai-responses-v1"
    details = [
        {"type": "reasoning.summary", "summary": "One.", "format": fmt, "index": 0},
        {"type": "reasoning.summary", "summary": "Two.", "format": fmt, "index": 0},
        {"type": "reasoning.encrypted", "data": "enc", "id": "rs_1", "format": fmt, "index": 0},
    ]
    response = decode(GPT, {"role": "assistant", "content": "x", "reasoning_details": details})
    (reasoning, _text) = response.content
    assert isinstance(reasoning, ReasoningContent)
    assert reasoning.text == "One.\nTwo."
    meta = reasoning.provider_metadata["openrouter"]
    assert (meta.summaries, meta.data, meta.id) == (["One.", "Two."], "enc", "rs_1")
    assert "anthropic" not in reasoning.provider_metadata


def test_plain_reasoning_without_details_becomes_an_item() -> None:
    response = decode(GROK, {"role": "assistant", "content": "x", "reasoning": "Hmm."})
    assert response.content[0] == ReasoningContent(text="Hmm.")


# --- streams ----------------------------------------------------------------------------


def test_stream_collects_text_and_a_late_signature_into_one_item() -> None:
    response = decode_stream(ANTHROPIC, "anthropic_thinking.jsonl")
    reasoning, call = response.content
    assert isinstance(reasoning, ReasoningContent) and isinstance(call, ToolCallContent)
    assert reasoning.text == "Need the weather."
    assert reasoning.provider_metadata["anthropic"].signature == "sig-abc"
    assert reasoning.provider_metadata["openrouter"].signature == "sig-abc"
    assert call.input == CALL_ARGS
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.usage.reasoning_tokens == 8


def test_stream_reasoning_end_carries_the_collected_metadata() -> None:
    decoder = StreamDecoder(hooks=OpenRouterHooks(ANTHROPIC), provider="openrouter")
    parts = []
    for line in (FIXTURES / "anthropic_thinking.jsonl").read_text().splitlines():
        parts += decoder.feed(line)
    ends = [p for p in parts if isinstance(p, stream.ReasoningEnd)]
    assert len(ends) == 1
    assert ends[0].provider_metadata["anthropic"].signature == "sig-abc"


def test_encrypted_detail_after_tool_call_starts_a_new_item() -> None:
    response = decode_stream(GEMINI, "encrypted_after_tool_call.jsonl")
    first, second = response.reasoning_items
    assert [call.tool_call_id for call in response.tool_calls] == ["tool_weather_1"]
    assert first.text == "Look it up."
    assert (second.text, second.provider_metadata["openrouter"].data) == ("", "enc-after")
    # The last reasoning part is the one replayed: no text entry, the blob without id.
    assert replayed(GEMINI, assistant_of(response.content))["reasoning_details"] == [
        {
            "type": "reasoning.encrypted",
            "format": "google-gemini-v1",
            "data": "enc-after",
            "index": 0,
        }
    ]


def test_stream_summary_and_encrypted_form_one_item_replayed_as_text() -> None:
    response = decode_stream(GROK, "grok_summary_encrypted.jsonl")
    reasoning, text = response.content
    assert isinstance(reasoning, ReasoningContent) and isinstance(text, TextContent)
    meta = reasoning.provider_metadata["openrouter"]
    assert (meta.summaries, meta.data, meta.id) == (["First thought."], "enc-grok", "rs_g1")
    message = replayed(GROK, assistant_of(response.content))
    assert message["reasoning_details"] == [
        {"type": "reasoning.text", "format": "unknown", "text": "First thought.", "index": 0}
    ]
    assert message["content"] == "Oi!"
    assert "reasoning" not in message


# --- replay -------------------------------------------------------------------------------


def reasoning_part(text: str, **meta: Any) -> ReasoningPart:
    return ReasoningPart(
        text=text, provider_options={"openrouter": OpenRouterReasoningMetadata(**meta)}
    )


def call_part() -> ToolCallPart:
    return ToolCallPart(tool_call_id="call_1", tool_name="weather", input=CALL_ARGS)


def test_anthropic_replay_has_signature_and_top_level_reasoning() -> None:
    part = ReasoningPart(
        text="Think.", provider_options={"anthropic": AnthropicReasoningMetadata(signature="s1")}
    )
    message = replayed(ANTHROPIC, Message(role="assistant", content=(part, call_part())))
    assert message == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "weather", "arguments": CALL_ARGS},
            }
        ],
        "reasoning_details": [
            {
                "type": "reasoning.text",
                "format": "anthropic-claude-v1",
                "text": "Think.",
                "signature": "s1",
                "index": 0,
            }
        ],
        "reasoning": "Think.",
    }


def test_anthropic_part_without_signature_or_text_is_not_replayed() -> None:
    parts = (reasoning_part("Unsigned."), reasoning_part("", signature="s"), call_part())
    message = replayed(ANTHROPIC, Message(role="assistant", content=parts))
    assert "reasoning_details" not in message and "reasoning" not in message


def test_google_replay_always_ends_with_an_encrypted_entry() -> None:
    message = replayed(
        GEMINI, Message(role="assistant", content=(reasoning_part("Plan."), call_part()))
    )
    assert message["reasoning_details"] == [
        {"type": "reasoning.text", "format": "google-gemini-v1", "text": "Plan.", "index": 0},
        {"type": "reasoning.encrypted", "format": "google-gemini-v1", "index": 0},
    ]
    signed = reasoning_part("", data="sig", id="tool_weather_1")
    message = replayed(GEMINI, Message(role="assistant", content=(signed, call_part())))
    assert message["reasoning_details"] == [
        {
            "type": "reasoning.encrypted",
            "format": "google-gemini-v1",
            "data": "sig",
            "id": "tool_weather_1",
            "index": 0,
        }
    ]


def test_openai_replay_has_summaries_then_encrypted() -> None:
    part = reasoning_part("A\nB", summaries=["A", "", "B"], data="enc", id="rs_1")
    message = replayed(GPT, Message(role="assistant", content=(part, call_part())))
    fmt = "openai-responses-v1"
    assert message["reasoning_details"] == [
        {"type": "reasoning.summary", "format": fmt, "summary": "A", "index": 0},
        {"type": "reasoning.summary", "format": fmt, "summary": "B", "index": 2},
        {"type": "reasoning.encrypted", "format": fmt, "data": "enc", "id": "rs_1", "index": 0},
    ]
    bare = replayed(GPT, Message(role="assistant", content=(ReasoningPart(text=""), call_part())))
    assert "reasoning_details" not in bare


def test_other_families_replay_text_and_drop_empty_text() -> None:
    parts = (reasoning_part("First."), reasoning_part("", data="blob"), call_part())
    message = replayed(GROK, Message(role="assistant", content=parts))
    assert message["reasoning_details"] == [
        {"type": "reasoning.text", "format": "unknown", "index": 0}
    ]


def test_only_assistant_messages_get_reasoning_and_tool_messages_stay_plain() -> None:
    prompt = (
        user_message("weather?"),
        Message(role="assistant", content=(reasoning_part("x"), call_part())),
        tool_message([ToolResultPart(tool_call_id="call_1", output=TextOutput(text="40 C"))]),
    )
    body, _ = build_body(Call(prompt=prompt), GROK, stream=False, hooks=OpenRouterHooks(GROK))
    assert body["messages"][2] == {"role": "tool", "tool_call_id": "call_1", "content": "40 C"}
    assert body["messages"][0] == {"role": "user", "content": "weather?"}


# --- usage --------------------------------------------------------------------------------


def test_usage_reports_cache_writes_and_reads() -> None:
    usage = OpenRouterHooks(ANTHROPIC).usage(
        {
            "prompt_tokens": 1000,
            "completion_tokens": 50,
            "total_tokens": 1050,
            "prompt_tokens_details": {"cached_tokens": 600, "cache_write_tokens": 300},
            "completion_tokens_details": {"reasoning_tokens": 20},
        }
    )
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (1000, 50, 1050)
    assert (usage.cache_read_tokens, usage.cache_creation_tokens) == (600, 300)
    assert usage.reasoning_tokens == 20
