"""Anthropic Messages decoders on malformed input: typed errors only, nothing finishes silently.

The stream harness reads events like the model's loop does: it stops at an in-band
error only, so events after ``message_stop`` are fed too (and must change nothing).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from _malformed_kit import Outcome, load_events, run_all
from _malformed_suite import DecoderSuite, ImpossibleOrderTests, decoder_variant

from fantasy import stream
from fantasy.errors import IncompleteStreamError
from fantasy.providers.anthropic.decode import StreamDecoder, decode_response

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


def is_finish_signal(text: str) -> bool:
    return json.loads(text).get("type") in ("message_stop", "error")


STREAMS = [
    "anthropic/fixtures/thinking_redacted.jsonl",
    "anthropic/fixtures/parallel_tools.jsonl",
    "anthropic/fixtures/web_search.jsonl",
    "anthropic/fixtures/usage_revised.jsonl",
    "anthropic/fixtures/overloaded.jsonl",
]


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
    (
        "two messages spliced, indices not repeated",
        [
            START,
            TEXT_START,
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}},
            START,
            {**TEXT_START, "index": 1},
        ],
    ),
    ("message_start twice in a row", [START, START]),
]


def check_named(outcomes: Mapping[str, Outcome]) -> None:
    null_usage = outcomes["usage is null"].response
    assert null_usage is not None and null_usage.usage.input_tokens == 0


# The model returns at an in-band error: the stream stops at ``failed``.
VARIANT = decoder_variant(decode_response, StreamDecoder, provider=PROVIDER, stop="failed")

SUITE = DecoderSuite(
    variants={"anthropic": VARIANT},
    document=MESSAGE,
    mutation_seed=23,
    mutation_limit=900,
    min_mutations=400,
    named=NAMED_SHAPES,
    named_expect={
        "content is a string": "invalid",
        "text is a number": "invalid",
        "text is missing": "invalid",
        "thinking is a list": "invalid",
        "tool_use id is a number": "invalid",
        "stop_reason is a list": "invalid",
        "stop_reason is a number": "invalid",
        "error event of junk": "provider-error",
    },
    named_check=check_named,
    streams=STREAMS,
    is_finish_signal=is_finish_signal,
    stream_seed=29,
    stream_limit=300,
    impossible=IMPOSSIBLE,
    impossible_expect={
        "delta for a block never started": "invalid",
        "stop for an unknown block": "invalid",
        "block started twice": "invalid",
        "index is a string": "invalid",
        "index is infinite": "invalid",
        "index is a float": "invalid",
        "index is true": "invalid",
        "text delta is a number": "invalid",
        "partial json is null": "invalid",
        "message is a string": "invalid",
        "stop reason is a list": "invalid",
        "finish twice": "finished",
        "error of junk": "error-part",
        "two messages spliced, indices not repeated": "invalid",
        "message_start twice in a row": "invalid",
    },
)


class TestAnthropicDecoders(ImpossibleOrderTests):
    suite = SUITE


def test_cut_stream_keeps_what_arrived() -> None:
    events = load_events("anthropic/fixtures/thinking_redacted.jsonl")[:-1]
    (outcome,) = run_all(VARIANT.harness(), [("no message_stop", events)])
    assert isinstance(outcome.error, IncompleteStreamError)
    assert outcome.error.is_retryable
    assert any(isinstance(part, stream.TextDelta) for part in outcome.parts)
