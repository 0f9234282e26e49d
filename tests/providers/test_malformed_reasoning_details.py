"""Gateway ``reasoning_details`` (OpenRouter, Vercel) on malformed input: typed errors only.

The gateway hooks (:mod:`fantasy.providers.openai.chat.reasoning_details`) read
reasoning details from whole responses and stream deltas; every model family's replay
format is exercised through the model id prefix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from _malformed_kit import Outcome
from _malformed_suite import DecoderSuite, ImpossibleOrderTests, Variant, decoder_variant

from fantasy.content import ReasoningContent
from fantasy.providers.openai.chat.decode import StreamDecoder, decode_response
from fantasy.providers.openai.chat.hooks import ChatHooks
from fantasy.providers.openrouter.hooks import OpenRouterHooks
from fantasy.providers.vercel.hooks import VercelHooks

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


def gateway(provider: str, hooks: ChatHooks) -> Variant:
    return decoder_variant(
        decode_response, StreamDecoder, provider=provider, stop="done", hooks=hooks
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

IMPOSSIBLE: list[tuple[str, list[Any]]] = [
    (
        "details in impossible places",
        [
            {"choices": [{"delta": {"reasoning_details": [{"type": "reasoning.encrypted"}]}}]},
            {"choices": [{"delta": {"content": "text closes reasoning"}}]},
            {
                "choices": [
                    {"delta": {"reasoning_details": [{"type": "reasoning.summary", "index": 0}]}}
                ]
            },
            {"choices": [{"delta": {"reasoning_details": 5}}]},
            {
                "choices": [
                    {"delta": {"reasoning_details": [{"type": "reasoning.text", "text": 5}]}}
                ]
            },
            {"choices": [{"delta": {}, "finish_reason": "stop"}]},
        ],
    ),
]


def check_named(outcomes: Mapping[str, Outcome]) -> None:
    typed = outcomes["detail fields of the wrong type"].response
    assert typed is not None
    assert all(isinstance(item, ReasoningContent) for item in typed.content)


SUITE = DecoderSuite(
    variants={
        "openrouter-anthropic": gateway("openrouter", OpenRouterHooks("anthropic/claude-sonnet-4")),
        "openrouter-openai": gateway("openrouter", OpenRouterHooks("openai/gpt-5")),
        "vercel-google": gateway("vercel", VercelHooks("google/gemini-3-pro-preview")),
        "vercel-other": gateway("vercel", VercelHooks("xai/grok-4")),
    },
    document=COMPLETION,
    mutation_seed=13,
    mutation_limit=350,
    min_mutations=300,
    named=NAMED_SHAPES,
    named_expect={"details are junk": "empty"},
    named_check=check_named,
    streams=STREAMS,
    is_finish_signal=is_finish_signal,
    stream_seed=17,
    stream_limit=50,
    truncated="vercel-google",
    impossible=IMPOSSIBLE,
    impossible_expect={"details in impossible places": "finished"},
)


class TestGatewayDecoders(ImpossibleOrderTests):
    suite = SUITE
