from __future__ import annotations

import json
from pathlib import Path

import pytest

from fantasy import stream
from fantasy.content import ReasoningContent, SourceContent, TextContent, ToolResultContent
from fantasy.errors import (
    IncompleteResponseError,
    IncompleteStreamError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
)
from fantasy.messages import ErrorOutput, TextOutput
from fantasy.providers.anthropic.decode import StreamDecoder, decode_response
from fantasy.providers.anthropic.options import (
    AnthropicReasoningMetadata,
    AnthropicServerToolResultMetadata,
    AnthropicTextMetadata,
)
from fantasy.stream import StreamAccumulator
from fantasy.usage import FinishReason

FIXTURES = Path(__file__).parent / "fixtures"


def events(name: str) -> list[str]:
    return [line for line in (FIXTURES / name).read_text().splitlines() if line.strip()]


def decode_all(name: str) -> list[stream.StreamPart]:
    decoder = StreamDecoder()
    out: list[stream.StreamPart] = []
    for event in events(name):
        out.extend(decoder.feed(event))
    out.extend(decoder.finish())
    return out


def accumulate(parts: list[stream.StreamPart]):
    accumulator = StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    return accumulator.response()


def test_redacted_thinking_and_signature_after_text() -> None:
    parts = decode_all("thinking_redacted.jsonl")
    assert isinstance(parts[0], stream.ResponseMetadata)
    assert parts[0].id == "msg_1"
    assert parts[0].model_id == "claude-test"
    ends = [p for p in parts if isinstance(p, stream.ReasoningEnd)]
    assert ends[1].provider_metadata["anthropic"] == AnthropicReasoningMetadata(signature="SIG-123")
    # no empty reasoning deltas are emitted
    assert all(p.delta for p in parts if isinstance(p, stream.ReasoningDelta))
    response = accumulate(parts)
    redacted, thinking, text = response.content
    assert isinstance(redacted, ReasoningContent)
    assert redacted.text == ""
    assert redacted.provider_metadata["anthropic"].redacted_data == "REDACTED-BLOB"
    assert isinstance(thinking, ReasoningContent)
    assert thinking.text == "Let me think."
    assert thinking.provider_metadata["anthropic"].signature == "SIG-123"
    assert isinstance(text, TextContent)
    assert text.text == "Hello there"
    assert response.finish_reason == FinishReason.STOP
    assert response.usage.output_tokens == 42
    assert response.usage.input_tokens == 10


def test_parallel_tool_calls_and_empty_input() -> None:
    parts = decode_all("parallel_tools.jsonl")
    calls = [p for p in parts if isinstance(p, stream.ToolCall)]
    assert [(c.tool_call_id, c.tool_name, c.input) for c in calls] == [
        ("toolu_a", "add", '{"a": 2, "b": 3}'),
        ("toolu_b", "now", "{}"),
    ]
    starts = [p for p in parts if isinstance(p, stream.ToolInputStart)]
    assert [s.id for s in starts] == ["toolu_a", "toolu_b"]
    deltas = [p.delta for p in parts if isinstance(p, stream.ToolInputDelta)]
    assert deltas == ['{"a": 2', ', "b": 3}']  # empty fragments are not emitted
    # each ToolCall follows its ToolInputEnd
    for call in calls:
        index = parts.index(call)
        assert parts[index - 1] == stream.ToolInputEnd(call.tool_call_id)
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.finish_reason == FinishReason.TOOL_CALLS
    assert finish.usage.total_tokens == 80


def test_message_delta_revises_input_tokens() -> None:
    finish = decode_all("usage_revised.jsonl")[-1]
    assert isinstance(finish, stream.Finish)
    usage = finish.usage
    assert usage.input_tokens == 420  # 100 uncached + 20 written + 300 read
    assert usage.cache_creation_tokens == 20
    assert usage.cache_read_tokens == 300
    assert usage.output_tokens == 7
    assert usage.total_tokens == 427
    assert finish.finish_reason == FinishReason.LENGTH
    assert finish.raw_finish_reason == "max_tokens"


def test_text_in_block_start_is_emitted() -> None:
    response = accumulate(decode_all("usage_revised.jsonl"))
    assert response.text == "Hi"


def test_overloaded_error_event_is_a_retryable_error_part() -> None:
    decoder = StreamDecoder()
    parts: list[stream.StreamPart] = []
    for event in events("overloaded.jsonl"):
        parts.extend(decoder.feed(event))
    assert decoder.done
    assert decoder.finish() == []
    error = parts[-1]
    assert isinstance(error, stream.Error)
    assert isinstance(error.error, ProviderError)
    assert error.error.is_retryable
    assert error.error.code == "overloaded_error"
    assert "Overloaded" in str(error.error)


@pytest.mark.parametrize(
    ("kind", "retryable", "cls"),
    [
        ("rate_limit_error", True, RateLimitError),
        ("api_error", True, ProviderError),
        ("invalid_request_error", False, ProviderError),
    ],
)
def test_error_event_types(kind: str, retryable: bool, cls: type[ProviderError]) -> None:
    decoder = StreamDecoder()
    (part,) = decoder.feed(json.dumps({"type": "error", "error": {"type": kind, "message": "x"}}))
    assert isinstance(part, stream.Error)
    assert isinstance(part.error, cls)
    assert part.error.is_retryable is retryable


def test_stream_cut_before_message_stop_is_incomplete() -> None:
    decoder = StreamDecoder()
    for event in events("cut.jsonl"):
        decoder.feed(event)
    with pytest.raises(IncompleteStreamError) as info:
        decoder.finish()
    assert info.value.is_retryable


def test_malformed_events_raise_invalid_response() -> None:
    decoder = StreamDecoder()
    with pytest.raises(InvalidResponseError) as info:
        decoder.feed("{not json")
    assert info.value.raw == "{not json"
    with pytest.raises(InvalidResponseError):
        decoder.feed('{"type":"content_block_delta","index":9,"delta":{"type":"text_delta"}}')
    assert decoder.feed('{"type":"some_future_event"}') == []


def test_stream_web_search_results_sources_and_citations() -> None:
    response = accumulate(decode_all("web_search.jsonl"))
    call, result, source1, source2, text = response.content
    assert call.provider_executed
    assert call.tool_name == "web_search"
    assert json.loads(call.input) == {"query": "tokyo"}
    assert isinstance(result, ToolResultContent)
    assert result.provider_executed
    assert result.tool_name == "web_search"
    assert isinstance(result.result, TextOutput)
    summary = json.loads(result.result.text)
    assert summary[0] == {
        "title": "Tokyo",
        "url": "https://example.com/tokyo",
        "page_age": "1 day ago",
    }
    block = result.provider_metadata["anthropic"]
    assert isinstance(block, AnthropicServerToolResultMetadata)
    assert "caller" not in block.block
    assert "page_age" not in block.block["content"][1]  # null dropped
    assert block.block["content"][0]["encrypted_content"] == "ENC1"
    assert isinstance(source1, SourceContent)
    assert (source1.url, source1.title) == ("https://example.com/tokyo", "Tokyo")
    assert source2.url == "https://example.com/japan"
    assert isinstance(text, TextContent)
    citations = text.provider_metadata["anthropic"]
    assert isinstance(citations, AnthropicTextMetadata)
    assert citations.citations[0]["cited_text"] == "Tokyo is big"
    assert response.finish_reason == FinishReason.STOP


FULL_RESPONSE = {
    "id": "msg_x",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [
        {"type": "thinking", "thinking": "hmm", "signature": "S1"},
        {"type": "redacted_thinking", "data": "R1"},
        {"type": "text", "text": "Let me check."},
        {
            "type": "tool_use",
            "id": "toolu_1",
            "name": "weather",
            "input": {"location": "Florence"},
            "caller": {"type": "direct"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 10,
        "cache_creation_input_tokens": 5,
        "cache_read_input_tokens": 7,
        "output_tokens": 20,
    },
}


def test_decode_full_response() -> None:
    response = decode_response(FULL_RESPONSE, headers={"request-id": "r1"})
    thinking, redacted, text, call = response.content
    assert thinking.provider_metadata["anthropic"] == AnthropicReasoningMetadata(signature="S1")
    assert redacted.provider_metadata["anthropic"] == AnthropicReasoningMetadata(redacted_data="R1")
    assert text.text == "Let me check."
    assert json.loads(call.input) == {"location": "Florence"}
    assert not call.provider_executed
    assert response.finish_reason == FinishReason.TOOL_CALLS
    assert response.usage.input_tokens == 22
    assert response.usage.cache_creation_tokens == 5
    assert response.usage.cache_read_tokens == 7
    assert response.usage.total_tokens == 42
    assert response.info.id == "msg_x"
    assert response.info.model_id == "claude-test"
    assert response.info.headers == {"request-id": "r1"}


def test_decode_server_tool_error_result() -> None:
    data = {
        "id": "m",
        "model": "c",
        "content": [
            {"type": "server_tool_use", "id": "srv", "name": "web_search", "input": {"query": "q"}},
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srv",
                "content": {
                    "type": "web_search_tool_result_error",
                    "error_code": "max_uses_exceeded",
                },
            },
        ],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    response = decode_response(data)
    result = response.tool_results[0]
    assert result.result == ErrorOutput(error="max_uses_exceeded")
    assert response.finish_reason == FinishReason.STOP  # only provider-executed calls


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("end_turn", FinishReason.STOP),
        ("stop_sequence", FinishReason.STOP),
        ("max_tokens", FinishReason.LENGTH),
        ("refusal", FinishReason.CONTENT_FILTER),
        ("pause_turn", FinishReason.OTHER),
        ("something_new", FinishReason.OTHER),
    ],
)
def test_finish_reasons(raw: str | None, reason: FinishReason) -> None:
    data = {"id": "m", "model": "c", "content": [], "stop_reason": raw, "usage": {}}
    assert decode_response(data).finish_reason == reason


def test_a_whole_answer_without_stop_reason_is_incomplete() -> None:
    call = {"type": "tool_use", "id": "t1", "name": "add", "input": {}}
    data = {"id": "m", "model": "c", "content": [call], "stop_reason": None, "usage": {}}
    with pytest.raises(IncompleteResponseError) as info:
        decode_response(data)
    assert info.value.is_retryable


def test_decode_rejects_malformed_and_error_bodies() -> None:
    with pytest.raises(InvalidResponseError):
        decode_response({"id": "m"})
    with pytest.raises(InvalidResponseError):
        decode_response({"id": "m", "content": [{"type": "text"}]})
    with pytest.raises(ProviderError) as info:
        decode_response({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})
    assert info.value.is_retryable


def test_metadata_survives_json_round_trips() -> None:
    response = accumulate(decode_all("web_search.jsonl"))
    restored = type(response).from_dict(json.loads(json.dumps(response.to_dict())))
    assert restored.content == response.content
    assert restored.provider_metadata == response.provider_metadata
    thinking = accumulate(decode_all("thinking_redacted.jsonl"))
    restored = type(thinking).from_dict(json.loads(json.dumps(thinking.to_dict())))
    assert restored.content == thinking.content
