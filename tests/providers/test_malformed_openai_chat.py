"""Chat Completions decoders on malformed input: typed errors only, nothing finishes silently.

Covers :func:`fantasy.providers.openai.chat.decode.decode_response` and its
``StreamDecoder`` with OpenAI's hooks and the OpenAI-compatible hooks (the gateway
hooks have their own file, ``test_malformed_reasoning_details.py``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _malformed_suite import DecoderSuite, ImpossibleOrderTests, decoder_variant

from fantasy.errors import InvalidResponseError
from fantasy.providers.openai.chat.decode import StreamDecoder, decode_response
from fantasy.providers.openai.chat.hooks import ChatHooks
from fantasy.providers.openaicompat.hooks import CompatHooks

PROVIDER = "openai"

COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": "gpt-test",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hello",
                "refusal": None,
                "reasoning_content": "thinking",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city":"Rome"}'},
                    }
                ],
                "annotations": [
                    {"type": "url_citation", "url_citation": {"url": "https://a.example"}}
                ],
            },
            "logprobs": {"content": [{"token": "Hello", "logprob": -0.1}]},
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 2},
        "completion_tokens_details": {"reasoning_tokens": 1, "accepted_prediction_tokens": 1},
    },
}

NAMED_SHAPES: list[tuple[str, Any]] = [
    ("choices is a string", {**COMPLETION, "choices": "x"}),
    ("choices is an object", {**COMPLETION, "choices": {"0": {}}}),
    ("choices is empty", {**COMPLETION, "choices": []}),
    ("choice is null", {**COMPLETION, "choices": [None]}),
    ("choice is empty", {**COMPLETION, "choices": [{}]}),
    ("message is a number", {**COMPLETION, "choices": [{"message": 5}]}),
    ("content is a number", {**COMPLETION, "choices": [{"message": {"content": 5}}]}),
    ("content parts are junk", {**COMPLETION, "choices": [{"message": {"content": [5, None]}}]}),
    ("tool_calls is [null]", {**COMPLETION, "choices": [{"message": {"tool_calls": [None]}}]}),
    ("tool_calls is a number", {**COMPLETION, "choices": [{"message": {"tool_calls": 5}}]}),
    (
        "function is a list",
        {**COMPLETION, "choices": [{"message": {"tool_calls": [{"function": []}]}}]},
    ),
    ("annotations is a number", {**COMPLETION, "choices": [{"message": {"annotations": 5}}]}),
    ("logprobs content is a number", {**COMPLETION, "choices": [{"logprobs": {"content": 5}}]}),
    ("logprobs entries are junk", {**COMPLETION, "choices": [{"logprobs": {"content": [1, "x"]}}]}),
    ("usage is null", {**COMPLETION, "usage": None}),
    ("usage is a list", {**COMPLETION, "usage": [1]}),
    ("usage counts are strings", {**COMPLETION, "usage": {"prompt_tokens": "10"}}),
    ("finish_reason is a list", {**COMPLETION, "choices": [{"finish_reason": ["stop"]}]}),
    ("error is a number", {"error": 5}),
    ("error code is a superscript digit", {"error": {"message": "m", "code": "\u00b2"}}),
    ("error code has 5000 digits", {"error": {"message": "m", "code": "9" * 5000}}),
    (
        "context numbers have 5000 digits",
        {
            "error": {
                "message": f"maximum context length is {'9' * 5000} tokens, you sent 7 tokens",
                "code": "context_length_exceeded",
            }
        },
    ),
]


def is_finish_signal(text: str) -> bool:
    """A chunk carrying a finish reason, ``[DONE]`` or an in-band error."""
    if text.strip() == "[DONE]":
        return True
    chunk = json.loads(text)
    choices = chunk.get("choices") or []
    return bool(chunk.get("error")) or any(c.get("finish_reason") for c in choices)


STREAMS = [
    "openai/fixtures/text_then_tool.jsonl",
    "openai/fixtures/parallel_tool_calls.jsonl",
    "openai/fixtures/fragmented_arguments.jsonl",
    "openai/fixtures/usage_last_chunk.jsonl",
    "openai/fixtures/inband_error.jsonl",
    "openaicompat/fixtures/reasoning_then_text.jsonl",
]


IMPOSSIBLE: list[tuple[str, list[Any]]] = [
    ("choices is a number", [{"choices": 5}]),
    ("delta tool_calls is a number", [{"choices": [{"delta": {"tool_calls": 5}}]}]),
    ("delta annotations is a number", [{"choices": [{"delta": {"annotations": 5}}]}]),
    (
        "arguments for a call never started",
        [
            {
                "choices": [
                    {"delta": {"tool_calls": [{"index": 3, "function": {"arguments": "{"}}]}}
                ]
            },
            {"choices": [{"delta": {}, "finish_reason": "tool_calls"}]},
        ],
    ),
    ("finish before anything", [{"choices": [{"delta": {}, "finish_reason": "stop"}]}]),
    ("logprobs of junk", [{"choices": [{"delta": {}, "logprobs": {"content": [1, None]}}]}]),
    ("usage of junk then finish", [{"usage": [1]}, {"choices": [{"finish_reason": "stop"}]}]),
    ("error is a string", [{"error": "boom"}]),
    ("error code has 5000 digits", [{"error": {"message": "m", "code": "5" * 5000}}]),
]


SUITE = DecoderSuite(
    variants={
        name: decoder_variant(
            decode_response, StreamDecoder, provider=PROVIDER, stop="done", hooks=hooks
        )
        for name, hooks in (("openai", ChatHooks()), ("compat", CompatHooks()))
    },
    document=COMPLETION,
    mutation_seed=7,
    mutation_limit=700,
    min_mutations=300,
    named=NAMED_SHAPES,
    named_expect={
        "choices is a string": "invalid",
        "tool_calls is a number": "invalid",
        "error code has 5000 digits": "provider-error",
        "choices is empty": "empty",
    },
    streams=STREAMS,
    is_finish_signal=is_finish_signal,
    stream_seed=11,
    stream_limit=250,
    truncated="compat",
    impossible=IMPOSSIBLE,
    impossible_expect={
        "choices is a number": "invalid",
        "logprobs of junk": "incomplete",
        "error code has 5000 digits": "error-part",
    },
)


class TestChatDecoders(ImpossibleOrderTests):
    suite = SUITE


def test_malformed_field_error_keeps_the_response_and_its_cause() -> None:
    data = {**COMPLETION, "choices": [{"message": {"tool_calls": 5}}]}
    with pytest.raises(InvalidResponseError) as caught:
        decode_response(data, hooks=ChatHooks(), provider="azure")
    assert caught.value.provider == "azure"
    assert json.loads(caught.value.raw) == data
    assert isinstance(caught.value.__cause__, TypeError)
