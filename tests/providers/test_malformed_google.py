"""Gemini decoders on malformed input: typed errors only, nothing finishes silently."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from _malformed_kit import PROVIDERS_DIR, Outcome, load_events, mutations, parse_all, run_all
from _malformed_suite import DecoderSuite, DecoderTests, decoder_variant

from fantasy import stream
from fantasy.errors import IncompleteStreamError, InvalidResponseError
from fantasy.providers.google.decode import StreamDecoder, decode_response

PROVIDER = "google"

RESPONSE: dict[str, Any] = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [
                    {"text": "Plan", "thought": True, "thoughtSignature": "c2ln"},
                    {"text": "Hi"},
                    {"functionCall": {"id": "c1", "name": "f", "args": {"a": 1}}},
                    {"inlineData": {"mimeType": "image/png", "data": "aGk="}},
                ],
            },
            "finishReason": "STOP",
            "finishMessage": "done",
            "safetyRatings": [{"category": "HARM", "probability": "LOW"}],
            "groundingMetadata": {"groundingChunks": [{"web": {"uri": "https://a.example"}}]},
        }
    ],
    "promptFeedback": {"safetyRatings": []},
    "usageMetadata": {
        "promptTokenCount": 3,
        "candidatesTokenCount": 4,
        "thoughtsTokenCount": 1,
        "totalTokenCount": 8,
        "cachedContentTokenCount": 1,
    },
    "responseId": "r1",
    "modelVersion": "gemini-test",
}

NAMED_SHAPES: list[tuple[str, Any]] = [
    ("candidates is a string", {**RESPONSE, "candidates": "x"}),
    ("candidates is [{}]", {**RESPONSE, "candidates": [{}]}),
    ("candidates is [null]", {**RESPONSE, "candidates": [None]}),
    ("parts is a number", {"candidates": [{"content": {"parts": 5}, "finishReason": "STOP"}]}),
    ("part is null", {"candidates": [{"content": {"parts": [None]}}]}),
    ("text is a number", {"candidates": [{"content": {"parts": [{"text": 5}]}}]}),
    ("call without name", {"candidates": [{"content": {"parts": [{"functionCall": {}}]}}]}),
    (
        "call args is a list",
        {"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": [1]}}]}}]},
    ),
    (
        "inline data of junk",
        {"candidates": [{"content": {"parts": [{"inlineData": {"data": 5}}]}}]},
    ),
    (
        "inline data not base64",
        {
            "candidates": [
                {"content": {"parts": [{"inlineData": {"mimeType": "a/b", "data": "@"}}]}}
            ]
        },
    ),
    (
        "safety ratings of junk",
        {"candidates": [{"safetyRatings": [None, 5], "finishReason": "STOP"}]},
    ),
    ("usage counts are booleans", {**RESPONSE, "usageMetadata": {"promptTokenCount": True}}),
    ("error object", {"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}}),
    ("error is null", {"error": None}),
]


def is_finish_signal(text: str) -> bool:
    chunk = json.loads(text)
    candidates = chunk.get("candidates") or [{}]
    return "error" in chunk or bool(candidates[0].get("finishReason"))


STREAMS = [
    "google/fixtures/signed_calls_stream.jsonl",
    "google/fixtures/text_signature_stream.jsonl",
    "google/fixtures/crlf_text_stream.jsonl",
    "google/fixtures/error_stream.jsonl",
]
WHOLE = ["grounded.json", "parallel_calls.json", "prompt_blocked.json", "safety_blocked.json"]


def check_named(outcomes: Mapping[str, Outcome]) -> None:
    junk = outcomes["safety ratings of junk"].response
    assert junk is not None and junk.finish_reason == "stop"


VARIANT = decoder_variant(
    decode_response,
    StreamDecoder,
    provider=PROVIDER,
    stop="failed",  # the model returns at an in-band error
    id_generator=lambda: "call-x",
)

SUITE = DecoderSuite(
    variants={"google": VARIANT},
    document=RESPONSE,
    mutation_seed=31,
    mutation_limit=900,
    min_mutations=400,
    named=NAMED_SHAPES,
    named_expect={
        "call without name": "invalid",
        "call args is a list": "invalid",
        "inline data of junk": "invalid",
        "inline data not base64": "invalid",
        "error object": "provider-error",
        "error is null": "provider-error",
        "candidates is [{}]": "incomplete",  # no finishReason: not finished
    },
    named_check=check_named,
    empty_document_answers=True,  # no candidates: an empty answer
    streams=STREAMS,
    is_finish_signal=is_finish_signal,
    stream_seed=41,
    stream_limit=300,
)


class TestGoogleDecoders(DecoderTests):
    suite = SUITE


@pytest.mark.parametrize("name", WHOLE)
def test_recorded_shapes_mutated(name: str) -> None:
    data = json.loads((PROVIDERS_DIR / "google" / "fixtures" / name).read_text(encoding="utf-8"))
    parse_all(VARIANT.decode, mutations(data, seed=37, limit=200), PROVIDER)


def test_unfinished_stream_is_incomplete() -> None:
    (outcome,) = run_all(VARIANT.harness(), [("no finish", load_events(STREAMS[1])[:-1])])
    assert isinstance(outcome.error, IncompleteStreamError)
    assert any(isinstance(part, stream.TextDelta) for part in outcome.parts)


def test_error_inside_a_chunk_keeps_the_chunk() -> None:
    chunk = json.dumps({"candidates": [{"content": {"parts": [{"functionCall": {"args": 1}}]}}]})
    with pytest.raises(InvalidResponseError) as caught:
        StreamDecoder(provider="google-vertex").feed(chunk)
    assert caught.value.raw == chunk
    assert caught.value.provider == "google-vertex"
