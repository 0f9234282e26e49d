"""provider_options keys no provider owns give a CallWarning naming the right key."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.options import ALIASES, NAMESPACES, namespace_warnings
from fantasy.providers.anthropic import AnthropicProvider
from fantasy.providers.google import GoogleProvider
from fantasy.providers.openaicompat import OpenAICompatProvider

pytestmark = pytest.mark.anyio

CHAT = {
    "id": "c1",
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
}
CLAUDE = {
    "id": "m1",
    "type": "message",
    "role": "assistant",
    "model": "claude",
    "content": [{"type": "text", "text": "hi"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 1, "output_tokens": 1},
}
GEMINI = {
    "candidates": [
        {"content": {"role": "model", "parts": [{"text": "hi"}]}, "finishReason": "STOP"}
    ]
}


def recorder(answer: dict[str, Any], bodies: list[dict[str, Any]]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=answer)

    return httpx.MockTransport(handle)


def call(options: dict[str, Any]) -> Call:
    return Call(prompt=[user_message("Hi")], provider_options=options)


async def test_an_unknown_key_warns_with_the_likely_key_on_every_provider() -> None:
    bodies: list[dict[str, Any]] = []
    models = [
        OpenAICompatProvider(base_url="http://x/v1", transport=recorder(CHAT, bodies)),
        AnthropicProvider(api_key="sk-ant-test-key-123", transport=recorder(CLAUDE, bodies)),
        GoogleProvider(api_key="test-google-key-123", transport=recorder(GEMINI, bodies)),
    ]
    for provider in models:
        model = provider.language_model("m")
        response = await model.generate(call({"anthropc": {"x": 1}}))
        messages = [w.message for w in response.warnings]
        assert messages == [
            "provider_options key 'anthropc' belongs to no provider and was ignored; "
            "did you mean 'anthropic'?"
        ], provider
        assert response.warnings[0].setting == "provider_options['anthropc']"
        parts = model.stream(call({"anthropc": {}}))
        first = await anext(aiter(parts))  # the Warnings part comes before the request
        await parts.aclose()  # type: ignore[attr-defined]
        assert isinstance(first, stream.Warnings)
        assert first.warnings[0].setting == "provider_options['anthropc']"


async def test_a_registry_name_is_accepted_as_an_alias_of_its_namespace() -> None:
    bodies: list[dict[str, Any]] = []
    provider = OpenAICompatProvider(base_url="http://x/v1", transport=recorder(CHAT, bodies))
    response = await provider.language_model("m").generate(call({"openaicompat": {"user": "u-1"}}))
    assert response.warnings == ()
    assert bodies[0]["user"] == "u-1"


def test_known_keys_and_other_providers_keys_do_not_warn() -> None:
    # A call may carry options for several providers (a FallbackModel's models).
    options = {name: {} for name in (*NAMESPACES, *ALIASES, "test")}
    assert namespace_warnings(options) == []
    assert namespace_warnings({}) == []
    unknown = namespace_warnings({"zzz": {}})[0].message
    assert unknown.endswith("known keys: " + ", ".join(sorted(NAMESPACES)))
