"""VercelProvider over httpx.MockTransport: URL, auth, body keys, ignored gateway metadata."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.messages import system_message, user_message
from fantasy.model import Call
from fantasy.options import dump_provider_map, load_provider_map
from fantasy.provider import get_provider
from fantasy.providers.vercel import (
    VercelOptions,
    VercelProvider,
    VercelReasoning,
    VercelReasoningMetadata,
)
from fantasy.stream import StreamAccumulator
from fantasy.usage import FinishReason

KEY = "vck_0123456789abcdefghijklmnop"
FIXTURES = Path(__file__).parent / "fixtures"
CALL = Call(prompt=(system_message("sys"), user_message("Say hi")), max_output_tokens=4000)
COMPLETION = {
    "id": "gen_1",
    "model": "anthropic/claude-sonnet-4",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {
                "role": "assistant",
                "content": "Olá!",
                "provider_metadata": {"anthropic": {"usage": {"input_tokens": 9}}},
            },
        }
    ],
    "usage": {
        "prompt_tokens": 9,
        "completion_tokens": 3,
        "total_tokens": 12,
        "prompt_tokens_details": {"cached_tokens": 0},
        "cache_creation_input_tokens": 4,
    },
}


class Recorder:
    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)

    @property
    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.requests[-1].content)
        return data


def provider_with(response: httpx.Response) -> tuple[VercelProvider, Recorder]:
    recorder = Recorder(lambda _request: response)
    return VercelProvider(api_key=KEY, transport=httpx.MockTransport(recorder)), recorder


def sse_from_fixture(name: str) -> httpx.Response:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    body = "".join(f"data: {line}\n\n" for line in [*lines, "[DONE]"])
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


@pytest.mark.anyio
async def test_generate_sends_no_usage_field_and_ignores_gateway_metadata() -> None:
    provider, recorder = provider_with(httpx.Response(200, json=COMPLETION))
    model = provider.language_model("anthropic/claude-sonnet-4")
    response = await model.generate(CALL)
    request = recorder.requests[0]
    assert str(request.url) == "https://ai-gateway.vercel.sh/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert recorder.body == {
        "model": "anthropic/claude-sonnet-4",
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "Say hi"},
        ],
        "max_tokens": 4000,
    }
    assert response.text == "Olá!"
    assert response.provider_metadata == {}
    assert response.usage.cache_creation_tokens == 4
    assert model.provider == "vercel"


@pytest.mark.anyio
async def test_stream_ignores_provider_metadata_deltas() -> None:
    provider, recorder = provider_with(sse_from_fixture("gpt5_summary_encrypted.jsonl"))
    model = provider.language_model("openai/gpt-5")
    accumulator = StreamAccumulator()
    async for part in model.stream(CALL):
        accumulator.add(part)
    body = recorder.body
    assert body["max_completion_tokens"] == 4000 and "max_tokens" not in body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert "usage" not in body
    response = accumulator.response()
    assert [item.type for item in response.content] == ["reasoning", "tool-call"]
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.provider_metadata == {}
    assert "resp_1" not in json.dumps(response.to_dict())


@pytest.mark.anyio
async def test_options_reach_the_body() -> None:
    provider, recorder = provider_with(httpx.Response(200, json=COMPLETION))
    options = {
        "reasoning": {"enabled": True},
        "provider_options": {"gateway": {"order": ["vertex", "anthropic"]}},
        "user": "u-1",
        "extra_body": {"seed_hint": 1},
    }
    call = CALL.replace(provider_options={"vercel": options})
    await provider.language_model("anthropic/claude-sonnet-4").generate(call)
    body = recorder.body
    assert body["reasoning"] == {"enabled": True}
    assert body["providerOptions"] == {"gateway": {"order": ["vertex", "anthropic"]}}
    assert body["user"] == "u-1"
    assert body["seed_hint"] == 1
    assert "usage" not in body


@pytest.mark.anyio
async def test_openrouter_namespace_is_not_read() -> None:
    provider, recorder = provider_with(httpx.Response(200, json=COMPLETION))
    call = CALL.replace(provider_options={"openrouter": {"reasoning": {"effort": "high"}}})
    await provider.language_model("anthropic/claude-sonnet-4").generate(call)
    assert "reasoning" not in recorder.body


def test_key_from_env_missing_key_and_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AI_GATEWAY_API_KEY", raising=False)
    with pytest.raises(InvalidArgumentError, match="AI_GATEWAY_API_KEY"):
        VercelProvider()
    monkeypatch.setenv("AI_GATEWAY_API_KEY", KEY)
    provider = VercelProvider()
    assert provider.base_url == "https://ai-gateway.vercel.sh/v1"
    assert provider.name == "vercel"
    assert KEY not in repr(provider)
    assert provider.language_model("openai/gpt-5").default_object_mode == "tool"


def test_registry_and_json_round_trip() -> None:
    assert isinstance(get_provider("vercel", api_key=KEY), VercelProvider)
    values = {
        "vercel": VercelOptions(reasoning=VercelReasoning(enabled=True)),
        "meta": VercelReasoningMetadata(format="google-gemini-v1", data="blob"),
    }
    dumped = json.loads(json.dumps(dump_provider_map(values)))
    assert dumped["vercel"]["type"] == "vercel.options"
    assert dumped["meta"]["type"] == "vercel.reasoning_metadata"
    assert load_provider_map(dumped) == values
