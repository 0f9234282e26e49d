"""Gemini responses and stream chunks → content, usage and finish reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fantasy import stream
from fantasy.content import ReasoningContent, SourceContent, TextContent, ToolCallContent
from fantasy.errors import IncompleteStreamError, InvalidResponseError, ProviderError
from fantasy.providers.google import GoogleReasoningMetadata, GoogleResponseMetadata
from fantasy.providers.google.decode import (
    StreamDecoder,
    decode_response,
    finish_reason_of,
    usage_of,
)
from fantasy.response import Response
from fantasy.stream import StreamAccumulator, StreamPart
from fantasy.usage import FinishReason, Usage


def _decode_stream(events: list[str], ids: Callable[[], str]) -> tuple[list[StreamPart], Response]:
    decoder = StreamDecoder(id_generator=ids)
    parts: list[StreamPart] = []
    for event in events:
        parts.extend(decoder.feed(event))
    parts.extend(decoder.finish())
    accumulator = StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    return parts, accumulator.response()


def _signature(item: Any) -> str:
    metadata = item.provider_metadata["google"]
    assert isinstance(metadata, GoogleReasoningMetadata)
    return metadata.signature


def test_text_stream(
    sse_events: Callable[[str], list[str]], counter_ids: Callable[[], str]
) -> None:
    parts, response = _decode_stream(sse_events("crlf_text_stream.jsonl"), counter_ids)
    assert [type(part).__name__ for part in parts] == [
        "ResponseMetadata",
        "TextStart",
        "TextDelta",
        "TextDelta",
        "TextEnd",
        "Finish",
    ]
    assert response.content == (TextContent(text="Olá!"),)
    assert response.finish_reason == FinishReason.STOP
    assert response.raw_finish_reason == "STOP"
    assert response.usage == Usage(input_tokens=7, output_tokens=2, total_tokens=9)
    assert response.info.id == "resp-1"
    assert response.info.model_id == "gemini-test"


def test_signed_call_then_unsigned_call(
    sse_events: Callable[[str], list[str]], counter_ids: Callable[[], str]
) -> None:
    _, response = _decode_stream(sse_events("signed_calls_stream.jsonl"), counter_ids)
    reasoning, first, second = response.content
    assert isinstance(reasoning, ReasoningContent)
    assert reasoning.text == "Planning the lookup."
    assert _signature(reasoning) == "c2lnLW9uZQ=="
    assert first == ToolCallContent(tool_call_id="1", tool_name="add", input='{"a":2,"b":3}')
    assert second == ToolCallContent(tool_call_id="2", tool_name="multiply", input='{"b":3,"a":2}')
    assert response.finish_reason == FinishReason.TOOL_CALLS
    assert response.usage == Usage(
        input_tokens=20, output_tokens=15, total_tokens=35, reasoning_tokens=5
    )


def test_trailing_signature_on_empty_text_makes_empty_reasoning(
    sse_events: Callable[[str], list[str]], counter_ids: Callable[[], str]
) -> None:
    _, response = _decode_stream(sse_events("text_signature_stream.jsonl"), counter_ids)
    text, reasoning = response.content
    assert text == TextContent(text="It is 40 C.")
    assert isinstance(reasoning, ReasoningContent)
    assert reasoning.text == ""
    assert _signature(reasoning) == "dGFpbA=="
    assert response.finish_reason == FinishReason.STOP


def test_stream_without_finish_reason_is_incomplete(
    sse_events: Callable[[str], list[str]], counter_ids: Callable[[], str]
) -> None:
    with pytest.raises(IncompleteStreamError) as caught:
        _decode_stream(sse_events("unfinished_stream.jsonl"), counter_ids)
    assert caught.value.is_retryable


def test_in_band_error(
    sse_events: Callable[[str], list[str]], counter_ids: Callable[[], str]
) -> None:
    decoder = StreamDecoder(id_generator=counter_ids)
    first, second = sse_events("error_stream.jsonl")
    assert decoder.feed(first)
    (part,) = decoder.feed(second)
    assert isinstance(part, stream.Error)
    assert isinstance(part.error, ProviderError)
    assert part.error.is_retryable
    assert part.error.code == "UNAVAILABLE"
    assert decoder.failed


def test_malformed_chunk_keeps_raw() -> None:
    with pytest.raises(InvalidResponseError) as caught:
        StreamDecoder().feed("{not json")
    assert caught.value.raw == "{not json"


def test_parallel_calls_with_own_ids(load_json: Callable[[str], Any]) -> None:
    response = decode_response(load_json("parallel_calls.json"), id_generator=lambda: "unused")
    reasoning, first, second = response.content
    assert isinstance(reasoning, ReasoningContent)
    assert reasoning.text == ""
    assert _signature(reasoning) == "Zmlyc3Q="
    assert isinstance(first, ToolCallContent)
    assert isinstance(second, ToolCallContent)
    assert (first.tool_call_id, first.input) == ("abc12345", '{"location":"Florence"}')
    assert (second.tool_call_id, second.input) == ("def67890", '{"location":"Rome"}')
    assert response.finish_reason == FinishReason.TOOL_CALLS
    assert response.usage == Usage(
        input_tokens=40,
        output_tokens=42,
        total_tokens=82,
        reasoning_tokens=30,
        cache_read_tokens=8,
    )


def test_response_without_usage(load_json: Callable[[str], Any]) -> None:
    response = decode_response(load_json("no_usage.json"))
    assert response.text == "Hello there."
    assert response.usage == Usage()
    assert response.finish_reason == FinishReason.STOP


def test_safety_blocked_candidate(load_json: Callable[[str], Any]) -> None:
    response = decode_response(load_json("safety_blocked.json"))
    assert response.content == ()
    assert response.finish_reason == FinishReason.CONTENT_FILTER
    assert response.raw_finish_reason == "SAFETY"
    metadata = response.provider_metadata["google"]
    assert isinstance(metadata, GoogleResponseMetadata)
    assert metadata.safety_ratings is not None
    assert metadata.safety_ratings[0]["blocked"] is True


def test_blocked_prompt(load_json: Callable[[str], Any]) -> None:
    response = decode_response(load_json("prompt_blocked.json"))
    assert response.finish_reason == FinishReason.CONTENT_FILTER
    assert response.raw_finish_reason == "PROHIBITED_CONTENT"
    assert response.usage.input_tokens == 9


def test_grounding_sources(load_json: Callable[[str], Any]) -> None:
    response = decode_response(load_json("grounded.json"))
    assert response.sources == [
        SourceContent(id="source-1", url="https://example.org/tokyo", title="example.org"),
        SourceContent(id="source-2", url="https://stats.example.jp/", title="stats.example.jp"),
    ]
    assert response.usage.input_tokens == 60  # prompt + tool-use prompt tokens
    assert response.usage.total_tokens == 69


def test_inline_data_becomes_a_file() -> None:
    data = {
        "candidates": [
            {
                "content": {"parts": [{"inlineData": {"mimeType": "image/png", "data": "aGk="}}]},
                "finishReason": "STOP",
            }
        ]
    }
    response = decode_response(data)
    (item,) = response.content
    assert item.type == "file"
    assert item.data == b"hi"  # type: ignore[union-attr]


def test_error_response_raises() -> None:
    with pytest.raises(ProviderError, match="bad things"):
        decode_response({"error": {"code": 400, "message": "bad things", "status": "INVALID"}})


def test_function_call_without_name_is_invalid() -> None:
    data = {"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}}]}
    with pytest.raises(InvalidResponseError):
        decode_response(data)


@pytest.mark.parametrize(
    ("raw", "tools", "expected"),
    [
        ("STOP", False, FinishReason.STOP),
        ("STOP", True, FinishReason.TOOL_CALLS),
        ("MAX_TOKENS", True, FinishReason.LENGTH),
        ("SAFETY", False, FinishReason.CONTENT_FILTER),
        ("RECITATION", False, FinishReason.CONTENT_FILTER),
        ("BLOCKLIST", False, FinishReason.CONTENT_FILTER),
        ("PROHIBITED_CONTENT", False, FinishReason.CONTENT_FILTER),
        ("SPII", False, FinishReason.CONTENT_FILTER),
        ("MALFORMED_FUNCTION_CALL", False, FinishReason.ERROR),
        ("LANGUAGE", False, FinishReason.OTHER),
        ("OTHER", False, FinishReason.OTHER),
        ("", False, FinishReason.UNKNOWN),
    ],
)
def test_finish_reasons(raw: str, tools: bool, expected: FinishReason) -> None:
    assert finish_reason_of(raw, has_tool_calls=tools) == expected


def test_usage_missing_counts_are_zero() -> None:
    assert usage_of({"promptTokenCount": 3}) == Usage(input_tokens=3, total_tokens=3)
