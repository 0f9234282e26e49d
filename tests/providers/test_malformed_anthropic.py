"""Anthropic Messages decoders on malformed input: typed errors only, nothing finishes silently.

The stream harness reads events like the model's loop does: it stops at an in-band
error only, so events after ``message_stop`` are fed too (and must change nothing).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _malformed_kit import (
    StreamHarness,
    bad_event_cases,
    check_truncations,
    load_events,
    mutations,
    parse_all,
    run_all,
    stream_mutations,
    top_level_cases,
)

from fantasy import stream
from fantasy.errors import IncompleteStreamError, InvalidResponseError, ProviderError
from fantasy.providers.anthropic.decode import StreamDecoder, decode_response
from fantasy.response import Response

PROVIDER = "anthropic"

MESSAGE: dict[str, Any] = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [
        {"type": "thinking", "thinking": "Hmm", "signature": "sig"},
        {"type": "redacted_thinking", "data": "blob"},
        {
            "type": "text",
            "text": "Hi",
            "citations": [{"type": "web_search_result_location", "url": "https://a.example"}],
        },
        {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}},
        {"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {"query": "q"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srv_1",
            "content": [
                {"type": "web_search_result", "url": "https://b.example", "title": "B"},
            ],
        },
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srv_1",
            "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"},
        },
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 5,
        "output_tokens": 7,
        "cache_creation_input_tokens": 1,
        "cache_read_input_tokens": 2,
    },
}

NAMED_SHAPES: list[tuple[str, Any]] = [
    ("content is a string", {**MESSAGE, "content": "x"}),
    ("content is [null]", {**MESSAGE, "content": [None]}),
    ("content is [{}]", {**MESSAGE, "content": [{}]}),
    ("text is a number", {**MESSAGE, "content": [{"type": "text", "text": 5}]}),
    ("text is missing", {**MESSAGE, "content": [{"type": "text"}]}),
    ("thinking is a list", {**MESSAGE, "content": [{"type": "thinking", "thinking": ["x"]}]}),
    ("signature is a number", {**MESSAGE, "content": [{"type": "thinking", "signature": 5}]}),
    ("tool_use without id", {**MESSAGE, "content": [{"type": "tool_use", "name": "f"}]}),
    (
        "tool_use id is a number",
        {**MESSAGE, "content": [{"type": "tool_use", "id": 1, "name": "f"}]},
    ),
    ("result without tool_use_id", {**MESSAGE, "content": [{"type": "web_search_tool_result"}]}),
    ("stop_reason is a list", {**MESSAGE, "stop_reason": ["end_turn"]}),
    ("stop_reason is a number", {**MESSAGE, "stop_reason": 5}),
    ("usage is null", {**MESSAGE, "usage": None}),
    ("usage counts are strings", {**MESSAGE, "usage": {"input_tokens": "5"}}),
    ("error event", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
    ("error event of junk", {"type": "error", "error": 5}),
]


def decode(data: Any) -> Response:
    return decode_response(data, provider=PROVIDER)


def harness() -> StreamHarness:
    return StreamHarness(
        provider=PROVIDER,
        new=lambda: StreamDecoder(provider=PROVIDER),
        feed=lambda decoder, text: decoder.feed(text),
        finish=lambda decoder: decoder.finish(),
        stop=lambda decoder: decoder.failed,
        finish_after_stop=False,  # the model returns at an in-band error
    )


def is_finish_signal(text: str) -> bool:
    return json.loads(text).get("type") in ("message_stop", "error")


STREAMS = [
    "anthropic/fixtures/thinking_redacted.jsonl",
    "anthropic/fixtures/parallel_tools.jsonl",
    "anthropic/fixtures/web_search.jsonl",
    "anthropic/fixtures/usage_revised.jsonl",
    "anthropic/fixtures/overloaded.jsonl",
]


# --- whole responses ---------------------------------------------------------------------


def test_whole_response_of_wrong_shape_is_a_typed_error() -> None:
    for outcome in parse_all(decode, top_level_cases(), PROVIDER):
        assert isinstance(outcome.error, InvalidResponseError), outcome.label


def test_named_wrong_shapes() -> None:
    outcomes = {o.label: o for o in parse_all(decode, NAMED_SHAPES, PROVIDER)}
    for label in (
        "content is a string",
        "text is a number",
        "text is missing",
        "thinking is a list",
        "tool_use id is a number",
        "stop_reason is a list",
        "stop_reason is a number",
    ):
        assert isinstance(outcomes[label].error, InvalidResponseError), label
    assert isinstance(outcomes["error event of junk"].error, ProviderError)
    null_usage = outcomes["usage is null"].response
    assert null_usage is not None and null_usage.usage.input_tokens == 0


def test_every_field_mutated() -> None:
    cases = mutations(MESSAGE, seed=23, limit=900)
    assert len(cases) >= 400
    parse_all(decode, cases, PROVIDER)


# --- streams -----------------------------------------------------------------------------


def test_bad_event_texts() -> None:
    outcomes = run_all(harness(), bad_event_cases(load_events(STREAMS[0])))
    for outcome in outcomes:
        if "[[[" in outcome.label or "not json" in outcome.label:
            assert isinstance(outcome.error, InvalidResponseError), outcome.label


@pytest.mark.parametrize("fixture", STREAMS)
def test_stream_cut_after_every_event_is_incomplete(fixture: str) -> None:
    events = load_events(fixture)
    assert check_truncations(harness(), events, is_finish_signal) == len(events)


@pytest.mark.parametrize("fixture", STREAMS)
def test_stream_mutations(fixture: str) -> None:
    run_all(harness(), stream_mutations(load_events(fixture), seed=29, limit=300))


START = {"type": "message_start", "message": {"id": "m", "model": "c", "usage": {}}}
TEXT_START = {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}
STOP = {"type": "message_stop"}

IMPOSSIBLE: list[tuple[str, list[Any]]] = [
    (
        "delta for a block never started",
        [START, {"type": "content_block_delta", "index": 4, "delta": {"type": "text_delta"}}],
    ),
    ("stop for an unknown block", [START, {"type": "content_block_stop", "index": 9}]),
    ("block started twice", [START, TEXT_START, TEXT_START]),
    ("index is a string", [START, {**TEXT_START, "index": "x"}]),
    ("index is infinite", [START, {**TEXT_START, "index": float("inf")}]),
    ("index is a float", [START, {**TEXT_START, "index": 0.5}]),
    ("index is true", [START, {**TEXT_START, "index": True}]),
    (
        "text delta is a number",
        [
            START,
            TEXT_START,
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}},
        ],
    ),
    (
        "partial json is null",
        [
            START,
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": "t", "name": "f"},
            },
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": None},
            },
        ],
    ),
    ("message is a string", [{"type": "message_start", "message": "x"}]),
    ("stop reason is a list", [START, {"type": "message_delta", "delta": {"stop_reason": [1]}}]),
    ("finish twice", [START, STOP, STOP, TEXT_START]),
    ("error of junk", [START, {"type": "error", "error": [1]}]),
]


def test_impossible_orders_and_types() -> None:
    cases = [(label, [json.dumps(e) for e in events]) for label, events in IMPOSSIBLE]
    outcomes = {o.label: o for o in run_all(harness(), cases)}
    for label in (
        "delta for a block never started",
        "stop for an unknown block",
        "block started twice",
        "index is a string",
        "index is infinite",
        "index is a float",
        "index is true",
        "text delta is a number",
        "partial json is null",
        "message is a string",
        "stop reason is a list",
    ):
        assert isinstance(outcomes[label].error, InvalidResponseError), label
    twice = outcomes["finish twice"]
    assert twice.error is None and isinstance(twice.parts[-1], stream.Finish)
    assert isinstance(outcomes["error of junk"].parts[-1], stream.Error)


def test_cut_stream_keeps_what_arrived() -> None:
    events = load_events("anthropic/fixtures/thinking_redacted.jsonl")[:-1]
    (outcome,) = run_all(harness(), [("no message_stop", events)])
    assert isinstance(outcome.error, IncompleteStreamError)
    assert outcome.error.is_retryable
    assert any(isinstance(part, stream.TextDelta) for part in outcome.parts)
