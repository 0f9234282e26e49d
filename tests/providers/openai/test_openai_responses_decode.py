"""Responses API answers → content: whole responses and streamed events (our fixtures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fantasy import stream
from fantasy.content import (
    ReasoningContent,
    SourceContent,
    TextContent,
    ToolCallContent,
    ToolResultContent,
)
from fantasy.errors import (
    IncompleteStreamError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
)
from fantasy.messages import TextOutput
from fantasy.options import dump_provider_map, load_provider_map
from fantasy.providers.openai import (
    OpenAIResponsesItemMetadata,
    OpenAIResponsesReasoningMetadata,
)
from fantasy.providers.openai.responses import StreamDecoder, decode_response
from fantasy.response import Response
from fantasy.usage import FinishReason, Usage

FIXTURES = Path(__file__).with_name("fixtures")

USAGE = {
    "input_tokens": 20,
    "input_tokens_details": {"cached_tokens": 8},
    "output_tokens": 30,
    "output_tokens_details": {"reasoning_tokens": 12},
    "total_tokens": 50,
}
EXPECTED_USAGE = Usage(
    input_tokens=20, output_tokens=30, total_tokens=50, reasoning_tokens=12, cache_read_tokens=8
)


def events(name: str) -> list[str]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


def decode_stream(name: str) -> tuple[list[stream.StreamPart], StreamDecoder]:
    decoder = StreamDecoder(provider="openai")
    parts: list[stream.StreamPart] = []
    for data in events(name):
        parts.extend(decoder.feed(data, json.loads(data)["type"]))
    parts.extend(decoder.finish())
    return parts, decoder


def accumulate(parts: list[stream.StreamPart]) -> Response:
    accumulator = stream.StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    return accumulator.response()


def body(output: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-test-2025",
        "output": output,
        "usage": USAGE,
        "error": None,
        "incomplete_details": None,
    }
    data.update(extra)
    return data


# --- whole responses ------------------------------------------------------------------------


def test_text_usage_and_info() -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Oi!", "annotations": []}],
    }
    response = decode_response(body([message]), provider="openai")
    assert response.content == (TextContent(text="Oi!"),)
    assert response.finish_reason is FinishReason.STOP
    assert response.raw_finish_reason == "completed"
    assert response.usage == EXPECTED_USAGE
    assert (response.info.id, response.info.model_id) == ("resp_1", "gpt-test-2025")


def test_reasoning_items_keep_summaries_and_encrypted_content() -> None:
    reasoning = {
        "id": "rs_1",
        "type": "reasoning",
        "encrypted_content": "gAAAA-enc",
        "summary": [
            {"type": "summary_text", "text": "First."},
            {"type": "summary_text", "text": "Second."},
        ],
    }
    bare = {"id": "rs_2", "type": "reasoning", "summary": [], "content": []}
    response = decode_response(body([reasoning, bare]), provider="openai")
    first, second = response.content
    assert isinstance(first, ReasoningContent) and isinstance(second, ReasoningContent)
    assert first.text == "First.\n\nSecond."
    metadata = first.provider_metadata["openai"]
    assert metadata == OpenAIResponsesReasoningMetadata(
        item_id="rs_1", encrypted_content="gAAAA-enc", summary=["First.", "Second."]
    )
    assert second.text == ""
    assert second.provider_metadata["openai"].encrypted_content is None


def test_function_calls_mean_tool_calls_even_when_completed() -> None:
    call = {
        "id": "fc_1",
        "type": "function_call",
        "status": "completed",
        "call_id": "call_1",
        "name": "weather",
        "arguments": '{"location": "Florence,Italy"}',
    }
    response = decode_response(body([call]), provider="openai")
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.raw_finish_reason == "completed"
    assert response.tool_calls == [
        ToolCallContent(
            tool_call_id="call_1", tool_name="weather", input='{"location": "Florence,Italy"}'
        )
    ]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("max_output_tokens", FinishReason.LENGTH),
        ("content_filter", FinishReason.CONTENT_FILTER),
        ("something_new", FinishReason.OTHER),
    ],
)
def test_incomplete_reasons(reason: str, expected: FinishReason) -> None:
    call = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{"}
    data = body([call], status="incomplete", incomplete_details={"reason": reason})
    response = decode_response(data, provider="openai")
    assert response.finish_reason is expected  # a cut-off call is never "tool-calls"
    assert response.raw_finish_reason == reason


def test_web_search_call_and_citations() -> None:
    search = {
        "id": "ws_1",
        "type": "web_search_call",
        "status": "completed",
        "action": {"type": "search", "query": "tokyo population"},
    }
    message = {
        "id": "msg_1",
        "type": "message",
        "content": [
            {
                "type": "output_text",
                "text": "About 14M.",
                "annotations": [
                    {"type": "url_citation", "url": "https://example.org", "title": "Ex"},
                    {"type": "url_citation", "url": "", "title": "no url"},
                ],
            }
        ],
    }
    response = decode_response(body([search, message]), provider="openai")
    call, result, text, source = response.content
    assert isinstance(call, ToolCallContent) and call.provider_executed
    assert (call.tool_call_id, call.tool_name) == ("ws_1", "web_search")
    assert json.loads(call.input) == {"type": "search", "query": "tokyo population"}
    assert call.provider_metadata["openai"] == OpenAIResponsesItemMetadata(item_id="ws_1")
    assert isinstance(result, ToolResultContent) and result.provider_executed
    assert result.result == TextOutput(text='{"status":"completed"}')
    assert text == TextContent(text="About 14M.")
    assert isinstance(source, SourceContent)
    assert (source.url, source.title) == ("https://example.org", "Ex")
    assert response.finish_reason is FinishReason.STOP  # provider-executed calls only


def test_refusal_is_text() -> None:
    message = {"type": "message", "content": [{"type": "refusal", "refusal": "I can't."}]}
    assert decode_response(body([message]), provider="openai").text == "I can't."


def test_error_body_raises_provider_error() -> None:
    data = body([], status="failed", error={"code": "server_error", "message": "boom"})
    with pytest.raises(ProviderError, match="boom") as caught:
        decode_response(data, provider="openai")
    assert caught.value.is_retryable


@pytest.mark.parametrize("data", [[1, 2], {"id": "resp_1", "status": "completed"}])
def test_malformed_response(data: Any) -> None:
    with pytest.raises(InvalidResponseError):
        decode_response(data, provider="openai")


def test_reasoning_metadata_round_trips_through_json() -> None:
    metadata = OpenAIResponsesReasoningMetadata(
        item_id="rs_1", encrypted_content="enc", summary=["a"]
    )
    dumped = dump_provider_map({"openai": metadata})
    assert dumped["openai"]["type"] == "openai.responses_reasoning"
    assert load_provider_map(json.loads(json.dumps(dumped))) == {"openai": metadata}


# --- streams -----------------------------------------------------------------------------------


def test_stream_text() -> None:
    parts, decoder = decode_stream("responses_text.jsonl")
    assert decoder.done
    assert parts[0] == stream.ResponseMetadata(id="resp_t1", model_id="gpt-test-2025")
    assert [p.delta for p in parts if isinstance(p, stream.TextDelta)] == ["Ol", "á, ", "mundo!"]
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.finish_reason is FinishReason.STOP
    assert finish.usage == EXPECTED_USAGE
    response = accumulate(parts)
    assert response.content == (TextContent(text="Olá, mundo!"),)
    assert response.info.id == "resp_t1"


def test_stream_reasoning_summary_and_encrypted_content() -> None:
    parts, _ = decode_stream("responses_reasoning.jsonl")
    start = next(p for p in parts if isinstance(p, stream.ReasoningStart))
    assert start.id == "rs_1"
    assert start.provider_metadata["openai"].encrypted_content == "gAAAA-test-encrypted"
    response = accumulate(parts)
    reasoning, text = response.content
    assert isinstance(reasoning, ReasoningContent)
    assert reasoning.text == "**Plan**\n\nCheck the weather.\n\nAnswer briefly."
    metadata = reasoning.provider_metadata["openai"]
    assert isinstance(metadata, OpenAIResponsesReasoningMetadata)
    assert metadata.item_id == "rs_1"
    assert metadata.encrypted_content == "gAAAA-test-encrypted"
    assert metadata.summary == ["**Plan**\n\nCheck the weather.", "Answer briefly."]
    assert text == TextContent(text="It is 40 C.")


def test_stream_parallel_function_calls_with_argument_deltas() -> None:
    parts, _ = decode_stream("responses_function_calls.jsonl")
    deltas = [(p.id, p.delta) for p in parts if isinstance(p, stream.ToolInputDelta)]
    assert deltas == [
        ("call_add", '{"a": 2'),
        ("call_add", ', "b": 3}'),
        ("call_mul", '{"b":3,'),
        ("call_mul", '"a":2}'),
    ]
    starts = [(p.id, p.tool_name) for p in parts if isinstance(p, stream.ToolInputStart)]
    assert starts == [("call_add", "add"), ("call_mul", "multiply")]
    calls = [p for p in parts if isinstance(p, stream.ToolCall)]
    assert [(c.tool_call_id, c.tool_name, c.input) for c in calls] == [
        ("call_add", "add", '{"a": 2, "b": 3}'),
        ("call_mul", "multiply", '{"b":3,"a":2}'),
    ]
    ends = [p.id for p in parts if isinstance(p, stream.ToolInputEnd)]
    assert ends == ["call_add", "call_mul"]
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.finish_reason is FinishReason.TOOL_CALLS
    assert finish.raw_finish_reason == "completed"


def test_stream_web_search_and_annotations() -> None:
    parts, _ = decode_stream("responses_web_search.jsonl")
    start = next(p for p in parts if isinstance(p, stream.ToolInputStart))
    assert (start.id, start.tool_name, start.provider_executed) == ("ws_1", "web_search", True)
    response = accumulate(parts)
    call, result, text, source = response.content
    assert isinstance(call, ToolCallContent) and call.provider_executed
    assert json.loads(call.input) == {"type": "search", "query": "tokyo population"}
    assert isinstance(result, ToolResultContent) and result.provider_executed
    assert result.provider_metadata["openai"].item_id == "ws_1"
    assert text == TextContent(text="Tokyo has 14M people.")
    assert isinstance(source, SourceContent) and source.url == "https://example.org/tokyo"
    # the annotation event was the only source: the done item's copy is not repeated
    assert len(response.sources) == 1
    assert response.finish_reason is FinishReason.STOP


def test_stream_error_event_ends_the_stream() -> None:
    parts, decoder = decode_stream("responses_error.jsonl")
    assert decoder.done
    error = parts[-1]
    assert isinstance(error, stream.Error)
    assert isinstance(error.error, ProviderError)
    assert error.error.is_retryable
    assert error.error.code == "server_error"
    assert "ignored" not in [p.delta for p in parts if isinstance(p, stream.TextDelta)]


def test_stream_failed_response_is_an_error_part() -> None:
    parts, _ = decode_stream("responses_failed.jsonl")
    error = parts[-1]
    assert isinstance(error, stream.Error)
    assert isinstance(error.error, RateLimitError)
    assert error.error.is_retryable


def test_stream_incomplete_is_length() -> None:
    parts, _ = decode_stream("responses_incomplete.jsonl")
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.finish_reason is FinishReason.LENGTH
    assert finish.raw_finish_reason == "max_output_tokens"
    assert accumulate(parts).text == "Cut off"


def test_stream_cut_before_completed_raises() -> None:
    decoder = StreamDecoder(provider="openai")
    for data in events("responses_cut.jsonl"):
        decoder.feed(data)
    assert not decoder.done
    with pytest.raises(IncompleteStreamError) as caught:
        decoder.finish()
    assert caught.value.is_retryable


def test_stream_malformed_event() -> None:
    decoder = StreamDecoder(provider="openai")
    with pytest.raises(InvalidResponseError) as caught:
        decoder.feed('{"type": "response.output_text.delta", ')
    assert caught.value.raw.startswith('{"type"')
    with pytest.raises(InvalidResponseError):
        decoder.feed("[1]")


def test_stream_done_items_without_deltas_still_carry_their_text() -> None:
    decoder = StreamDecoder(provider="openai")
    item = {
        "id": "msg_9",
        "type": "message",
        "content": [{"type": "output_text", "text": "whole", "annotations": []}],
    }
    parts = decoder.feed(json.dumps({"type": "response.output_item.done", "item": item}))
    parts += decoder.feed(
        json.dumps({"type": "response.completed", "response": {"status": "completed"}})
    )
    assert accumulate(parts).text == "whole"


def test_stream_unknown_events_are_ignored() -> None:
    decoder = StreamDecoder(provider="openai")
    assert decoder.feed(json.dumps({"type": "response.some_future_event", "x": 1})) == []
    assert decoder.feed("") == []


def _rotating_ids_stream() -> list[dict[str, Any]]:
    """A stream whose item ids change on every event (as some gateways send them)."""
    ids = iter(f"id_{n}" for n in range(100))

    def at(index: int, **fields: Any) -> dict[str, Any]:
        return {"output_index": index, "item_id": next(ids), **fields}

    return [
        {"type": "response.created", "response": {"id": "r", "model": "m"}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"id": next(ids), "type": "reasoning", "summary": []},
        },
        {"type": "response.reasoning_summary_part.added", **at(0)},
        {"type": "response.reasoning_summary_text.delta", **at(0, delta="Think ")},
        {"type": "response.reasoning_summary_text.delta", **at(0, delta="hard.")},
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {
                "id": next(ids),
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "Think hard."}],
            },
        },
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {"id": next(ids), "type": "message", "content": []},
        },
        {"type": "response.output_text.delta", **at(1, delta="Hel")},
        {"type": "response.output_text.delta", **at(1, delta="lo")},
        {
            "type": "response.output_item.done",
            "output_index": 1,
            "item": {
                "id": next(ids),
                "type": "message",
                "content": [{"type": "output_text", "text": "Hello"}],
            },
        },
        {
            "type": "response.output_item.added",
            "output_index": 2,
            "item": {
                "id": next(ids),
                "type": "function_call",
                "call_id": "c1",
                "name": "f",
                "arguments": "",
            },
        },
        {"type": "response.function_call_arguments.delta", **at(2, delta='{"a":')},
        {"type": "response.function_call_arguments.delta", **at(2, delta="1}")},
        {
            "type": "response.output_item.done",
            "output_index": 2,
            "item": {
                "id": next(ids),
                "type": "function_call",
                "call_id": "c1",
                "name": "f",
                "arguments": '{"a":1}',
            },
        },
        {
            "type": "response.completed",
            "response": {"id": "r", "model": "m", "status": "completed"},
        },
    ]


def test_items_are_tracked_by_output_index_when_ids_change() -> None:
    decoder = StreamDecoder(provider="copilot")
    parts: list[stream.StreamPart] = []
    for event in _rotating_ids_stream():
        parts.extend(decoder.feed(json.dumps(event), event["type"]))
    response = accumulate(parts)
    reasoning, text, call = response.content
    assert (reasoning.text, text) == ("Think hard.", TextContent(text="Hello"))  # type: ignore[union-attr]
    assert isinstance(call, ToolCallContent) and call.input == '{"a":1}'
    deltas = [p for p in parts if isinstance(p, stream.ToolInputDelta)]
    assert "".join(d.delta for d in deltas) == '{"a":1}'
    starts = [type(p).__name__ for p in parts if type(p).__name__.endswith("Start")]
    assert starts == ["ReasoningStart", "TextStart", "ToolInputStart"]
