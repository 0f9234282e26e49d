"""Responses API decoders on malformed input: typed errors only, nothing finishes silently."""

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
from fantasy.providers.openai.responses.decode import StreamDecoder, decode_response
from fantasy.response import Response

PROVIDER = "openai"

RESPONSE: dict[str, Any] = {
    "id": "resp_1",
    "model": "gpt-test",
    "status": "incomplete",
    "incomplete_details": {"reason": "max_output_tokens"},
    "output": [
        {
            "type": "reasoning",
            "id": "rs_1",
            "encrypted_content": "enc",
            "summary": [{"type": "summary_text", "text": "Plan"}],
            "content": [{"type": "reasoning_text", "text": "raw"}],
        },
        {
            "type": "message",
            "id": "msg_1",
            "content": [
                {
                    "type": "output_text",
                    "text": "Hi",
                    "annotations": [
                        {"type": "url_citation", "url": "https://a.example", "title": "A"},
                        {"type": "file_citation", "file_id": "f1", "filename": "a.txt"},
                    ],
                },
                {"type": "refusal", "refusal": "no"},
            ],
        },
        {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f", "arguments": "{}"},
        {
            "type": "web_search_call",
            "id": "ws_1",
            "status": "completed",
            "action": {"type": "search", "query": "q", "sources": [{"url": "https://b.example"}]},
        },
    ],
    "usage": {
        "input_tokens": 3,
        "output_tokens": 4,
        "total_tokens": 7,
        "input_tokens_details": {"cached_tokens": 1},
        "output_tokens_details": {"reasoning_tokens": 2},
    },
}

NAMED_SHAPES: list[tuple[str, Any]] = [
    ("output is a string", {**RESPONSE, "output": "x"}),
    ("output is missing", {"id": "r"}),
    ("output items are junk", {**RESPONSE, "output": [None, 5, "x", []]}),
    ("message content is null", {**RESPONSE, "output": [{"type": "message", "content": None}]}),
    ("message content is a number", {**RESPONSE, "output": [{"type": "message", "content": 5}]}),
    (
        "annotations is a number",
        {**RESPONSE, "output": [{"type": "message", "content": [{"annotations": 5}]}]},
    ),
    ("summary is true", {**RESPONSE, "output": [{"type": "reasoning", "summary": True}]}),
    ("reasoning content is 5", {**RESPONSE, "output": [{"type": "reasoning", "content": 5}]}),
    ("arguments is a number", {**RESPONSE, "output": [{"type": "function_call", "arguments": 5}]}),
    ("action is a list", {**RESPONSE, "output": [{"type": "web_search_call", "action": [1]}]}),
    ("usage is null", {**RESPONSE, "usage": None}),
    ("status is a list", {**RESPONSE, "status": ["completed"]}),
    ("error object", {**RESPONSE, "error": {"code": "server_error", "message": "boom"}}),
    ("error code is a superscript digit", {"error": {"code": "\u00b2", "message": "m"}}),
]


def decode(data: Any) -> Response:
    return decode_response(data, provider=PROVIDER)


def harness() -> StreamHarness:
    return StreamHarness(
        provider=PROVIDER,
        new=lambda: StreamDecoder(provider=PROVIDER),
        feed=lambda decoder, text: decoder.feed(text),
        finish=lambda decoder: decoder.finish(),
        stop=lambda decoder: decoder.done,
    )


_END_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})


def is_finish_signal(text: str) -> bool:
    return json.loads(text).get("type") in _END_EVENTS


STREAMS = [
    "openai/fixtures/responses_text.jsonl",
    "openai/fixtures/responses_reasoning.jsonl",
    "openai/fixtures/responses_function_calls.jsonl",
    "openai/fixtures/responses_web_search.jsonl",
    "openai/fixtures/responses_incomplete.jsonl",
    "openai/fixtures/responses_error.jsonl",
    "openai/fixtures/responses_failed.jsonl",
]


# --- whole responses ---------------------------------------------------------------------


def test_whole_response_of_wrong_shape_is_a_typed_error() -> None:
    for outcome in parse_all(decode, top_level_cases(), PROVIDER):
        assert isinstance(outcome.error, InvalidResponseError), outcome.label


def test_named_wrong_shapes() -> None:
    outcomes = {o.label: o for o in parse_all(decode, NAMED_SHAPES, PROVIDER)}
    for label in ("output is a string", "message content is a number", "summary is true"):
        assert isinstance(outcomes[label].error, InvalidResponseError), label
    assert isinstance(outcomes["error object"].error, ProviderError)
    null_content = outcomes["message content is null"].response
    assert null_content is not None and null_content.content == ()


def test_every_field_mutated() -> None:
    cases = mutations(RESPONSE, seed=3, limit=900)
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
    run_all(harness(), stream_mutations(load_events(fixture), seed=5, limit=300))


IMPOSSIBLE: list[tuple[str, list[Any]]] = [
    ("delta for an item never added", [{"type": "response.output_text.delta", "delta": 5}]),
    (
        "done for an item never added, then completed",
        [
            {"type": "response.output_item.done", "item": {"type": "message", "content": 5}},
            {"type": "response.completed", "response": {"status": "completed"}},
        ],
    ),
    ("item is a string", [{"type": "response.output_item.added", "item": "x"}]),
    (
        "summary of junk",
        [{"type": "response.output_item.done", "item": {"type": "reasoning", "summary": 5}}],
    ),
    ("completed with junk usage", [{"type": "response.completed", "response": {"usage": 5}}]),
    ("failed with junk error", [{"type": "response.failed", "response": {"error": "x"}}]),
    ("error without fields", [{"type": "error"}]),
    ("arguments for an unknown call", [{"type": "response.function_call_arguments.delta"}]),
]


def test_impossible_orders_and_types() -> None:
    cases = [(label, [json.dumps(e) for e in events]) for label, events in IMPOSSIBLE]
    outcomes = {o.label: o for o in run_all(harness(), cases)}
    assert isinstance(
        outcomes["done for an item never added, then completed"].error, InvalidResponseError
    )
    assert isinstance(outcomes["delta for an item never added"].error, IncompleteStreamError)
    assert isinstance(outcomes["failed with junk error"].parts[-1], stream.Error)
    assert isinstance(outcomes["error without fields"].parts[-1], stream.Error)
