"""Chat Completions decoding: whole responses and SSE fixtures of our own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fantasy import stream
from fantasy.content import ReasoningContent, SourceContent, TextContent, ToolCallContent
from fantasy.errors import (
    ContextTooLargeError,
    IncompleteStreamError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
)
from fantasy.providers.openai.chat import ChatHooks, StreamDecoder, decode_response
from fantasy.providers.openai.options import OpenAIChatMetadata
from fantasy.usage import FinishReason, Usage

FIXTURES = Path(__file__).parent / "fixtures"


def feed_all(name: str, hooks: ChatHooks | None = None) -> list[stream.StreamPart]:
    decoder = StreamDecoder(hooks=hooks or ChatHooks(), provider="openai")
    parts: list[stream.StreamPart] = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        parts.extend(decoder.feed(line))
        if decoder.done:
            break
    parts.extend(decoder.finish())
    return parts


def accumulate(parts: list[stream.StreamPart]) -> stream.StreamAccumulator:
    accumulator = stream.StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    return accumulator


def types(parts: list[stream.StreamPart]) -> list[str]:
    return [part.type for part in parts]


# --- streams ---------------------------------------------------------------------------------


def test_parallel_tool_calls_complete_in_index_order() -> None:
    parts = feed_all("parallel_tool_calls.jsonl")
    calls = [p for p in parts if isinstance(p, stream.ToolCall)]
    assert [(c.tool_call_id, c.tool_name, c.input) for c in calls] == [
        ("call_a", "add", '{"a": 2, "b": 3}'),
        ("call_m", "multiply", '{"a": 2, "b": 3}'),
    ]
    assert types(parts)[0] == "response-metadata"
    starts = [p for p in parts if isinstance(p, stream.ToolInputStart)]
    assert [s.id for s in starts] == ["call_a", "call_m"]
    deltas = "".join(
        p.delta for p in parts if isinstance(p, stream.ToolInputDelta) and p.id == "call_a"
    )
    assert deltas == '{"a": 2, "b": 3}'
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.finish_reason is FinishReason.TOOL_CALLS
    assert finish.usage == Usage(
        input_tokens=50, output_tokens=20, total_tokens=70, reasoning_tokens=5, cache_read_tokens=10
    )
    assert types(parts).count("finish") == 1


def test_arguments_split_mid_escape_are_joined_verbatim() -> None:
    parts = feed_all("fragmented_arguments.jsonl")
    call = next(p for p in parts if isinstance(p, stream.ToolCall))
    assert call.input == '{"location": "Flor\\"ence, Italy"}'
    assert json.loads(call.input) == {"location": 'Flor"ence, Italy'}
    # the empty first content delta opened no text block
    assert "text-start" not in types(parts)
    end_index = types(parts).index("tool-input-end")
    assert types(parts)[end_index + 1] == "tool-call"


def test_stream_with_finish_reason_but_no_done_is_complete() -> None:
    parts = feed_all("no_done_with_finish.jsonl")
    response = accumulate(parts).response()
    assert response.text == "Hello"
    assert response.finish_reason is FinishReason.STOP
    assert response.usage.total_tokens == 5
    assert types(parts)[-2:] == ["text-end", "finish"]


def test_stream_without_done_or_finish_reason_raises_incomplete() -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="openai")
    for line in (FIXTURES / "no_done_no_finish.jsonl").read_text().splitlines():
        decoder.feed(line)
    with pytest.raises(IncompleteStreamError) as info:
        decoder.finish()
    assert info.value.is_retryable


def test_in_band_error_yields_error_part_and_ends() -> None:
    parts = feed_all("inband_error.jsonl")
    assert types(parts)[-1] == "error"
    assert "finish" not in types(parts)
    error = parts[-1]
    assert isinstance(error, stream.Error)
    assert isinstance(error.error, ProviderError)
    assert error.error.is_retryable
    assert "overloaded" in str(error.error)


def test_in_band_errors_map_to_specific_types() -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="openai")
    [part] = decoder.feed(
        json.dumps({"error": {"message": "slow down", "type": "rate_limit_exceeded"}})
    )
    assert isinstance(part, stream.Error)
    assert isinstance(part.error, RateLimitError)
    decoder = StreamDecoder(hooks=ChatHooks(), provider="openai")
    message = (
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 130000 tokens."
    )
    [part] = decoder.feed(
        json.dumps({"error": {"message": message, "code": "context_length_exceeded"}})
    )
    assert isinstance(part, stream.Error)
    assert isinstance(part.error, ContextTooLargeError)
    assert (part.error.used_tokens, part.error.max_tokens) == (130000, 128000)
    assert not part.error.is_retryable


def test_empty_arguments_become_empty_object() -> None:
    parts = feed_all("empty_arguments.jsonl")
    call = next(p for p in parts if isinstance(p, stream.ToolCall))
    assert call.input == "{}"
    assert call.tool_name == "current_time"


def test_usage_only_in_last_chunk_and_empty_deltas_change_nothing() -> None:
    parts = feed_all("usage_last_chunk.jsonl")
    response = accumulate(parts).response()
    assert response.content == (TextContent(text="Olá!"),)
    assert response.usage.input_tokens == 50
    assert response.usage.cache_read_tokens == 10
    assert types(parts).count("text-start") == 1
    assert types(parts).count("text-delta") == 2
    assert response.info.id == "chatcmpl-t1"
    assert response.info.model_id == "gpt-test"


def test_tool_calls_force_tool_calls_finish_reason() -> None:
    parts = feed_all("text_then_tool.jsonl")
    response = accumulate(parts).response()
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.raw_finish_reason == "stop"
    assert [type(c) for c in response.content] == [TextContent, ToolCallContent]


def test_malformed_chunk_raises_invalid_response_with_raw() -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="openai")
    with pytest.raises(InvalidResponseError) as info:
        decoder.feed('{"choices": [')
    assert info.value.raw == '{"choices": ['
    with pytest.raises(InvalidResponseError):
        decoder.feed("[1, 2]")


def test_blank_data_is_ignored_and_nothing_after_done() -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="openai")
    assert decoder.feed("  ") == []
    parts = decoder.feed("[DONE]")
    assert types(parts) == ["finish"]
    assert decoder.done
    assert decoder.feed('{"choices":[{"index":0,"delta":{"content":"late"}}]}') == []
    assert decoder.finish() == []


def test_stream_logprobs_and_annotations() -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="openai")
    chunk = {
        "id": "c1",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "content": "Tokyo",
                    "annotations": [
                        {
                            "type": "url_citation",
                            "url_citation": {"url": "https://x.test", "title": "X"},
                        }
                    ],
                },
                "logprobs": {"content": [{"token": "Tokyo", "logprob": -0.1}]},
                "finish_reason": "stop",
            }
        ],
    }
    parts = decoder.feed(json.dumps(chunk)) + decoder.feed("[DONE]")
    source = next(p for p in parts if isinstance(p, stream.Source))
    assert (source.url, source.title) == ("https://x.test", "X")
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    metadata = finish.provider_metadata["openai"]
    assert isinstance(metadata, OpenAIChatMetadata)
    assert metadata.logprobs == [{"token": "Tokyo", "logprob": -0.1}]


def test_other_choices_are_ignored() -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="openai")
    chunk = {"choices": [{"index": 1, "delta": {"content": "second"}}]}
    assert decoder.feed(json.dumps(chunk)) == []


# --- whole responses -------------------------------------------------------------------------


def completion(message: dict[str, Any], finish: str = "stop", **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, **extra}],
        "usage": {
            "prompt_tokens": 61,
            "completion_tokens": 16,
            "total_tokens": 77,
            "prompt_tokens_details": {"cached_tokens": 32},
            "completion_tokens_details": {"reasoning_tokens": 8},
        },
    }


def test_decode_text_response() -> None:
    data = completion({"role": "assistant", "content": "Oi!", "refusal": None})
    response = decode_response(data, hooks=ChatHooks(), provider="openai")
    assert response.content == (TextContent(text="Oi!"),)
    assert response.finish_reason is FinishReason.STOP
    assert response.usage == Usage(
        input_tokens=61, output_tokens=16, total_tokens=77, reasoning_tokens=8, cache_read_tokens=32
    )
    assert response.info.id == "chatcmpl-1"
    assert response.info.model_id == "gpt-4o-2024-08-06"
    assert response.provider_metadata == {}


def test_decode_tool_calls_keep_arguments_verbatim() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"b":3,"a":2}'},
            },
            {"id": "call_2", "type": "function", "function": {"name": "now", "arguments": ""}},
        ],
    }
    response = decode_response(
        completion(message, "tool_calls"), hooks=ChatHooks(), provider="openai"
    )
    assert [c.input for c in response.tool_calls] == ['{"b":3,"a":2}', "{}"]
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert not any(isinstance(c, TextContent) for c in response.content)


def test_decode_tool_calls_with_stop_reason_report_tool_calls() -> None:
    message = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "w", "arguments": "{}"}}
        ],
    }
    response = decode_response(completion(message, "stop"), hooks=ChatHooks(), provider="openai")
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.raw_finish_reason == "stop"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("stop", FinishReason.STOP),
        ("length", FinishReason.LENGTH),
        ("content_filter", FinishReason.CONTENT_FILTER),
        ("tool_calls", FinishReason.TOOL_CALLS),
        ("function_call", FinishReason.TOOL_CALLS),
        ("something_new", FinishReason.OTHER),
        ("", FinishReason.UNKNOWN),
    ],
)
def test_finish_reason_map(raw: str, expected: FinishReason) -> None:
    assert ChatHooks().map_finish_reason(raw) is expected


def test_decode_annotations_logprobs_and_prediction_metadata() -> None:
    message = {
        "role": "assistant",
        "content": "Tokyo has 14 million people.",
        "annotations": [
            {"type": "url_citation", "url_citation": {"url": "https://stat.test", "title": "Stats"}}
        ],
    }
    data = completion(message, logprobs={"content": [{"token": "Tokyo", "logprob": -0.5}]})
    data["usage"]["completion_tokens_details"]["accepted_prediction_tokens"] = 3
    response = decode_response(data, hooks=ChatHooks(), provider="openai")
    source = response.content[1]
    assert isinstance(source, SourceContent)
    assert (source.url, source.title) == ("https://stat.test", "Stats")
    metadata = response.provider_metadata["openai"]
    assert isinstance(metadata, OpenAIChatMetadata)
    assert metadata.logprobs == [{"token": "Tokyo", "logprob": -0.5}]
    assert metadata.accepted_prediction_tokens == 3
    assert metadata.rejected_prediction_tokens is None


def test_decode_rejects_malformed_and_error_bodies() -> None:
    with pytest.raises(InvalidResponseError):
        decode_response([1], hooks=ChatHooks(), provider="openai")
    with pytest.raises(InvalidResponseError):
        decode_response({"id": "x"}, hooks=ChatHooks(), provider="openai")
    with pytest.raises(ProviderError, match="bad things"):
        decode_response({"error": {"message": "bad things"}}, hooks=ChatHooks(), provider="openai")


def test_default_hooks_read_reasoning_fields() -> None:
    # OpenAI sends none, but models served on the same API (DeepSeek on Azure) do.
    message = {"role": "assistant", "content": "hi", "reasoning_content": "hmm"}
    response = decode_response(completion(message), hooks=ChatHooks(), provider="openai")
    assert [type(c) for c in response.content] == [ReasoningContent, TextContent]


def test_usage_counts_reasoning_outside_completion_tokens() -> None:
    # Some servers report total = prompt + completion + reasoning.
    usage = ChatHooks().usage(
        {
            "prompt_tokens": 288,
            "completion_tokens": 27,
            "total_tokens": 665,
            "completion_tokens_details": {"reasoning_tokens": 350},
        }
    )
    assert usage.output_tokens == 377
    assert usage.total_tokens == 665
    assert ChatHooks().usage({}) == Usage()
