"""Gateway ``reasoning_details`` (OpenRouter, Vercel) on malformed input: typed errors only.

The gateway hooks (:mod:`fantasy.providers.openai.chat.reasoning_details`) read
reasoning details from whole responses and stream deltas; every model family's replay
format is exercised through the model id prefix.
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
)

from fantasy.content import ReasoningContent
from fantasy.errors import InvalidResponseError
from fantasy.providers.openai.chat.decode import StreamDecoder, decode_response
from fantasy.providers.openai.chat.hooks import ChatHooks
from fantasy.providers.openrouter.hooks import OpenRouterHooks
from fantasy.providers.vercel.hooks import VercelHooks
from fantasy.response import Response

GATEWAYS: dict[str, tuple[str, ChatHooks]] = {
    "openrouter-anthropic": ("openrouter", OpenRouterHooks("anthropic/claude-sonnet-4")),
    "openrouter-openai": ("openrouter", OpenRouterHooks("openai/gpt-5")),
    "vercel-google": ("vercel", VercelHooks("google/gemini-3-pro-preview")),
    "vercel-other": ("vercel", VercelHooks("xai/grok-4")),
}

DETAILS: list[dict[str, Any]] = [
    {
        "type": "reasoning.text",
        "text": "Think",
        "signature": "sig",
        "format": "anthropic-claude-v1",
        "index": 0,
    },
    {"type": "reasoning.summary", "summary": "Sum", "format": "openai-responses-v1", "index": 1},
    {
        "type": "reasoning.encrypted",
        "data": "enc",
        "id": "rs_1",
        "format": "openai-responses-v1",
        "index": 1,
    },
]

COMPLETION: dict[str, Any] = {
    "id": "gen-1",
    "model": "m",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Done",
                "reasoning": "Think",
                "reasoning_details": DETAILS,
            },
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 5,
        "completion_tokens": 3,
        "total_tokens": 10,
        "prompt_tokens_details": {"cached_tokens": 1, "cache_write_tokens": 2},
        "completion_tokens_details": {"reasoning_tokens": 2},
        "cache_creation_input_tokens": 2,
    },
}

NAMED_SHAPES: list[tuple[str, Any]] = [
    ("details is a string", {"choices": [{"message": {"reasoning_details": "x"}}]}),
    ("details are junk", {"choices": [{"message": {"reasoning_details": [None, 5, "x"]}}]}),
    (
        "detail fields of the wrong type",
        {
            "choices": [
                {
                    "message": {
                        "reasoning_details": [
                            {"type": 5, "text": 5, "format": [], "index": {}, "signature": 1},
                            {"type": "reasoning.summary", "summary": None, "index": [1]},
                            {"type": "reasoning.encrypted", "data": 5, "id": []},
                        ]
                    }
                }
            ]
        },
    ),
    ("reasoning is a number", {"choices": [{"message": {"reasoning": 5}}]}),
    ("usage details are junk", {**COMPLETION, "usage": {"prompt_tokens_details": 5}}),
    (
        "negative and huge counts",
        {**COMPLETION, "usage": {"prompt_tokens": -5, "completion_tokens": 10**30}},
    ),
]


def _decode(provider: str, hooks: ChatHooks) -> Any:
    def decode(data: Any) -> Response:
        return decode_response(data, hooks=hooks, provider=provider)

    return decode


def harness(provider: str, hooks: ChatHooks) -> StreamHarness:
    return StreamHarness(
        provider=provider,
        new=lambda: StreamDecoder(hooks=hooks, provider=provider),
        feed=lambda decoder, text: decoder.feed(text),
        finish=lambda decoder: decoder.finish(),
        stop=lambda decoder: decoder.done,
    )


def is_finish_signal(text: str) -> bool:
    return any(c.get("finish_reason") for c in json.loads(text).get("choices") or [])


STREAMS = [
    "openrouter/fixtures/anthropic_thinking.jsonl",
    "openrouter/fixtures/encrypted_after_tool_call.jsonl",
    "openrouter/fixtures/grok_summary_encrypted.jsonl",
    "vercel/fixtures/anthropic_signature.jsonl",
    "vercel/fixtures/gemini_text_tool_encrypted.jsonl",
    "vercel/fixtures/gpt5_summary_encrypted.jsonl",
]

GATEWAY_IDS = list(GATEWAYS)


@pytest.mark.parametrize("gateway", GATEWAY_IDS)
def test_named_wrong_shapes(gateway: str) -> None:
    provider, hooks = GATEWAYS[gateway]
    outcomes = {o.label: o for o in parse_all(_decode(provider, hooks), NAMED_SHAPES, provider)}
    junk = outcomes["details are junk"].response
    assert junk is not None and not junk.content
    typed = outcomes["detail fields of the wrong type"].response
    assert typed is not None
    assert all(isinstance(item, ReasoningContent) for item in typed.content)


@pytest.mark.parametrize("gateway", GATEWAY_IDS)
def test_every_field_mutated(gateway: str) -> None:
    provider, hooks = GATEWAYS[gateway]
    cases = mutations(COMPLETION, seed=13, limit=350)
    assert len(cases) >= 300
    parse_all(_decode(provider, hooks), cases, provider)


@pytest.mark.parametrize("gateway", GATEWAY_IDS)
def test_bad_event_texts(gateway: str) -> None:
    provider, hooks = GATEWAYS[gateway]
    outcomes = run_all(harness(provider, hooks), bad_event_cases(load_events(STREAMS[0])))
    for outcome in outcomes:
        if "not json" in outcome.label:
            assert isinstance(outcome.error, InvalidResponseError), outcome.label


@pytest.mark.parametrize("fixture", STREAMS)
def test_stream_cut_after_every_event_is_incomplete(fixture: str) -> None:
    provider, hooks = GATEWAYS["vercel-google"]
    events = load_events(fixture)
    assert check_truncations(harness(provider, hooks), events, is_finish_signal) == len(events)


@pytest.mark.parametrize("fixture", STREAMS)
def test_stream_mutations(fixture: str) -> None:
    events = load_events(fixture)
    for provider, hooks in GATEWAYS.values():
        run_all(harness(provider, hooks), stream_mutations(events, seed=17, limit=50))


def test_details_in_impossible_places() -> None:
    chunks = [
        {"choices": [{"delta": {"reasoning_details": [{"type": "reasoning.encrypted"}]}}]},
        {"choices": [{"delta": {"content": "text closes reasoning"}}]},
        {
            "choices": [
                {"delta": {"reasoning_details": [{"type": "reasoning.summary", "index": 0}]}}
            ]
        },
        {"choices": [{"delta": {"reasoning_details": 5}}]},
        {"choices": [{"delta": {"reasoning_details": [{"type": "reasoning.text", "text": 5}]}}]},
        {"choices": [{"delta": {}, "finish_reason": "stop"}]},
    ]
    for provider, hooks in GATEWAYS.values():
        (outcome,) = run_all(harness(provider, hooks), [("odd", [json.dumps(c) for c in chunks])])
        assert outcome.error is None and outcome.finished
