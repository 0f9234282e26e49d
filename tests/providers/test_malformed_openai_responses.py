"""Responses API decoders on malformed input: typed errors only, nothing finishes silently."""

from __future__ import annotations

import json
from typing import Any

from _malformed_suite import DecoderSuite, ImpossibleOrderTests, decoder_variant

from fantasy.providers.openai.responses.decode import StreamDecoder, decode_response

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


SUITE = DecoderSuite(
    variants={
        "responses": decoder_variant(decode_response, StreamDecoder, provider=PROVIDER, stop="done")
    },
    document=RESPONSE,
    mutation_seed=3,
    mutation_limit=900,
    min_mutations=400,
    named=NAMED_SHAPES,
    named_expect={
        "output is a string": "invalid",
        "message content is a number": "invalid",
        "summary is true": "invalid",
        "error object": "provider-error",
        "message content is null": "empty",
    },
    streams=STREAMS,
    is_finish_signal=is_finish_signal,
    stream_seed=5,
    stream_limit=300,
    impossible=IMPOSSIBLE,
    impossible_expect={
        "done for an item never added, then completed": "invalid",
        "delta for an item never added": "incomplete",
        "failed with junk error": "error-part",
        "error without fields": "error-part",
    },
)


class TestResponsesDecoders(ImpossibleOrderTests):
    suite = SUITE
