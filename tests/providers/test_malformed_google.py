"""Gemini decoders on malformed input: typed errors only, nothing finishes silently."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _malformed_kit import (
    PROVIDERS_DIR,
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
from fantasy.providers.google.decode import StreamDecoder, decode_response
from fantasy.response import Response

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


def decode(data: Any) -> Response:
    return decode_response(data, provider=PROVIDER, id_generator=lambda: "call-x")


def harness() -> StreamHarness:
    return StreamHarness(
        provider=PROVIDER,
        new=lambda: StreamDecoder(provider=PROVIDER, id_generator=lambda: "call-x"),
        feed=lambda decoder, text: decoder.feed(text),
        finish=lambda decoder: decoder.finish(),
        stop=lambda decoder: decoder.failed,
        finish_after_stop=False,  # the model returns at an in-band error
    )


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


# --- whole responses ---------------------------------------------------------------------


def test_whole_response_of_wrong_shape_is_a_typed_error() -> None:
    for outcome in parse_all(decode, top_level_cases(), PROVIDER):
        if outcome.label == "document {}":  # no candidates: an empty answer
            assert outcome.response is not None
            assert outcome.response.finish_reason == "unknown"
        else:
            assert isinstance(outcome.error, InvalidResponseError), outcome.label


def test_named_wrong_shapes() -> None:
    outcomes = {o.label: o for o in parse_all(decode, NAMED_SHAPES, PROVIDER)}
    for label in (
        "call without name",
        "call args is a list",
        "inline data of junk",
        "inline data not base64",
    ):
        assert isinstance(outcomes[label].error, InvalidResponseError), label
    assert isinstance(outcomes["error object"].error, ProviderError)
    assert isinstance(outcomes["error is null"].error, ProviderError)
    empty = outcomes["candidates is [{}]"].response
    assert empty is not None and empty.content == ()
    junk = outcomes["safety ratings of junk"].response
    assert junk is not None and junk.finish_reason == "stop"


def test_every_field_mutated() -> None:
    cases = mutations(RESPONSE, seed=31, limit=900)
    assert len(cases) >= 400
    parse_all(decode, cases, PROVIDER)


@pytest.mark.parametrize("name", WHOLE)
def test_recorded_shapes_mutated(name: str) -> None:
    data = json.loads((PROVIDERS_DIR / "google" / "fixtures" / name).read_text(encoding="utf-8"))
    parse_all(decode, mutations(data, seed=37, limit=200), PROVIDER)


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
    run_all(harness(), stream_mutations(load_events(fixture), seed=41, limit=300))


def test_unfinished_stream_is_incomplete() -> None:
    (outcome,) = run_all(harness(), [("no finish", load_events(STREAMS[1])[:-1])])
    assert isinstance(outcome.error, IncompleteStreamError)
    assert any(isinstance(part, stream.TextDelta) for part in outcome.parts)


def test_error_inside_a_chunk_keeps_the_chunk() -> None:
    chunk = json.dumps({"candidates": [{"content": {"parts": [{"functionCall": {"args": 1}}]}}]})
    with pytest.raises(InvalidResponseError) as caught:
        StreamDecoder(provider="google-vertex").feed(chunk)
    assert caught.value.raw == chunk
    assert caught.value.provider == "google-vertex"
