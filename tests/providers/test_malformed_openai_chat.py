"""Chat Completions decoders on malformed input: typed errors only, nothing finishes silently.

Covers :func:`fantasy.providers.openai.chat.decode.decode_response` and its
``StreamDecoder`` with OpenAI's hooks and the OpenAI-compatible hooks (the gateway
hooks have their own file, ``test_malformed_reasoning_details.py``).
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
from fantasy.providers.openai.chat.decode import StreamDecoder, decode_response
from fantasy.providers.openai.chat.hooks import ChatHooks
from fantasy.providers.openaicompat.hooks import CompatHooks
from fantasy.response import Response

PROVIDER = "openai"
HOOKS: dict[str, ChatHooks] = {"openai": ChatHooks(), "compat": CompatHooks()}

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


def _decode(hooks: ChatHooks) -> Any:
    def decode(data: Any) -> Response:
        return decode_response(data, hooks=hooks, provider=PROVIDER)

    return decode


def harness(hooks: ChatHooks) -> StreamHarness:
    return StreamHarness(
        provider=PROVIDER,
        new=lambda: StreamDecoder(hooks=hooks, provider=PROVIDER),
        feed=lambda decoder, text: decoder.feed(text),
        finish=lambda decoder: decoder.finish(),
        stop=lambda decoder: decoder.done,
    )


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


# --- whole responses ---------------------------------------------------------------------


@pytest.mark.parametrize("hooks", HOOKS.values(), ids=HOOKS.keys())
def test_whole_response_of_wrong_shape_is_a_typed_error(hooks: ChatHooks) -> None:
    outcomes = parse_all(_decode(hooks), top_level_cases(), PROVIDER)
    for outcome in outcomes:
        assert isinstance(outcome.error, InvalidResponseError), outcome.label


@pytest.mark.parametrize("hooks", HOOKS.values(), ids=HOOKS.keys())
def test_named_wrong_shapes(hooks: ChatHooks) -> None:
    outcomes = {o.label: o for o in parse_all(_decode(hooks), NAMED_SHAPES, PROVIDER)}
    assert isinstance(outcomes["choices is a string"].error, InvalidResponseError)
    assert isinstance(outcomes["tool_calls is a number"].error, InvalidResponseError)
    assert isinstance(outcomes["error code has 5000 digits"].error, ProviderError)
    empty = outcomes["choices is empty"].response
    assert empty is not None and empty.content == ()


@pytest.mark.parametrize("hooks", HOOKS.values(), ids=HOOKS.keys())
def test_every_field_mutated(hooks: ChatHooks) -> None:
    cases = mutations(COMPLETION, seed=7, limit=700)
    assert len(cases) >= 300
    parse_all(_decode(hooks), cases, PROVIDER)


def test_malformed_field_error_keeps_the_response_and_its_cause() -> None:
    data = {**COMPLETION, "choices": [{"message": {"tool_calls": 5}}]}
    with pytest.raises(InvalidResponseError) as caught:
        decode_response(data, hooks=ChatHooks(), provider="azure")
    assert caught.value.provider == "azure"
    assert json.loads(caught.value.raw) == data
    assert isinstance(caught.value.__cause__, TypeError)


# --- streams -----------------------------------------------------------------------------


@pytest.mark.parametrize("hooks", HOOKS.values(), ids=HOOKS.keys())
def test_bad_event_texts(hooks: ChatHooks) -> None:
    events = load_events(STREAMS[0])
    outcomes = run_all(harness(hooks), bad_event_cases(events))
    for outcome in outcomes:
        if "[[[" in outcome.label or "not json" in outcome.label:
            assert isinstance(outcome.error, InvalidResponseError), outcome.label


@pytest.mark.parametrize("fixture", STREAMS)
def test_stream_cut_after_every_event_is_incomplete(fixture: str) -> None:
    events = load_events(fixture)
    assert check_truncations(harness(HOOKS["compat"]), events, is_finish_signal) == len(events)


@pytest.mark.parametrize("fixture", STREAMS)
def test_stream_mutations(fixture: str) -> None:
    events = load_events(fixture)
    for hooks in HOOKS.values():
        run_all(harness(hooks), stream_mutations(events, seed=11, limit=250))


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


@pytest.mark.parametrize("hooks", HOOKS.values(), ids=HOOKS.keys())
def test_impossible_orders_and_types(hooks: ChatHooks) -> None:
    cases = [(label, [json.dumps(c) for c in chunks]) for label, chunks in IMPOSSIBLE]
    outcomes = {o.label: o for o in run_all(harness(hooks), cases)}
    assert isinstance(outcomes["choices is a number"].error, InvalidResponseError)
    assert isinstance(outcomes["logprobs of junk"].error, IncompleteStreamError)
    error_part = outcomes["error code has 5000 digits"].parts[-1]
    assert isinstance(error_part, stream.Error)
