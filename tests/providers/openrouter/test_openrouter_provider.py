"""OpenRouterProvider over httpx.MockTransport: URL, headers, body keys, body quirks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy.errors import InvalidArgumentError, ProviderError, RateLimitError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.options import dump_provider_map, load_provider_map
from fantasy.provider import get_provider
from fantasy.providers.openrouter import (
    OpenRouterOptions,
    OpenRouterProvider,
    OpenRouterReasoning,
    OpenRouterReasoningMetadata,
)
from fantasy.stream import StreamAccumulator
from fantasy.tools import FunctionTool
from fantasy.usage import FinishReason

KEY = "sk-or-v1-0123456789abcdefghijklmnop"
FIXTURES = Path(__file__).parent / "fixtures"
COMPLETION = {
    "id": "gen-1",
    "model": "anthropic/claude-4.5-haiku",
    "provider": "Amazon Bedrock",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "Oi!", "reasoning": None},
        }
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13, "cost": 0.1},
}
CALL = Call(prompt=(user_message("Say hi"),), max_output_tokens=4000)


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


def provider_with(response: httpx.Response, **kwargs: Any) -> tuple[OpenRouterProvider, Recorder]:
    recorder = Recorder(lambda _request: response)
    provider = OpenRouterProvider(api_key=KEY, transport=httpx.MockTransport(recorder), **kwargs)
    return provider, recorder


def padded_json(data: Any) -> httpx.Response:
    """A JSON body behind keep-alive padding, as OpenRouter sends while it waits."""
    body = "\n         \n\n         \n" + json.dumps(data)
    return httpx.Response(200, headers={"content-type": "application/json"}, content=body.encode())


def sse_from_fixture(name: str, comments: bool = True) -> httpx.Response:
    """An SSE body from a fixture (one chunk per line) with OpenRouter's comment lines."""
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    events = [": OPENROUTER PROCESSING\n\n"] if comments else []
    for index, line in enumerate(lines):
        events.append(f"data: {line}\n\n")
        if comments and index == 1:
            events.append(": OPENROUTER PROCESSING\n\n")
    events.append("data: [DONE]\n\n")
    return httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content="".join(events).encode()
    )


@pytest.mark.anyio
async def test_generate_sends_usage_and_parses_padded_json() -> None:
    provider, recorder = provider_with(
        padded_json(COMPLETION), app_name="My App", referer="https://example.com"
    )
    model = provider.language_model("anthropic/claude-haiku-4.5")
    response = await model.generate(CALL)
    request = recorder.requests[0]
    assert str(request.url) == "https://openrouter.ai/api/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-title"] == "My App"
    assert request.headers["http-referer"] == "https://example.com"
    assert recorder.body == {
        "model": "anthropic/claude-haiku-4.5",
        "messages": [{"role": "user", "content": "Say hi"}],
        "max_tokens": 4000,
        "usage": {"include": True},
    }
    assert response.text == "Oi!"
    assert response.finish_reason is FinishReason.STOP
    assert response.usage.total_tokens == 13
    assert model.provider == "openrouter"
    assert model.default_object_mode == "tool"


@pytest.mark.anyio
async def test_stream_sends_usage_and_skips_comment_lines() -> None:
    provider, recorder = provider_with(sse_from_fixture("grok_summary_encrypted.jsonl"))
    model = provider.language_model("x-ai/grok-4.1-fast")
    accumulator = StreamAccumulator()
    parts = [part async for part in model.stream(CALL)]
    for part in parts:
        accumulator.add(part)
    assert recorder.body == {
        "model": "x-ai/grok-4.1-fast",
        "messages": [{"role": "user", "content": "Say hi"}],
        "max_tokens": 4000,
        "stream": True,
        "stream_options": {"include_usage": True},
        "usage": {"include": True},
    }
    assert isinstance(parts[-1], stream.Finish)
    response = accumulator.response()
    assert response.text == "Oi!"
    assert response.reasoning == "First thought."
    assert response.usage.reasoning_tokens == 8


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("model_id", "key"),
    [
        ("openai/gpt-5.4-nano", "max_completion_tokens"),
        ("openai/o4-mini", "max_completion_tokens"),
        ("openai/gpt-4o", "max_tokens"),
        ("anthropic/claude-haiku-4.5", "max_tokens"),
        ("x-ai/grok-4.1-fast", "max_tokens"),
    ],
)
async def test_token_limit_key_follows_model_family(model_id: str, key: str) -> None:
    provider, recorder = provider_with(padded_json(COMPLETION))
    await provider.language_model(model_id).generate(CALL)
    assert recorder.body[key] == 4000
    assert {"max_tokens", "max_completion_tokens"} & set(recorder.body) == {key}


@pytest.mark.anyio
async def test_options_from_dict_reach_the_body() -> None:
    provider, recorder = provider_with(padded_json(COMPLETION))
    call = CALL.replace(
        tools=(FunctionTool(name="weather"),),
        tool_choice="auto",
        provider_options={
            "openrouter": {
                "reasoning": {"effort": "medium"},
                "models": ["anthropic/claude-sonnet-4"],
                "provider": {"order": ["anthropic"]},
                "parallel_tool_calls": False,
                "extra_body": {"transforms": ["middle-out"]},
            }
        },
    )
    await provider.language_model("anthropic/claude-haiku-4.5").generate(call)
    body = recorder.body
    assert body["reasoning"] == {"effort": "medium"}
    assert body["usage"] == {"include": True}
    assert body["models"] == ["anthropic/claude-sonnet-4"]
    assert body["provider"] == {"order": ["anthropic"]}
    assert body["parallel_tool_calls"] is False
    assert body["transforms"] == ["middle-out"]
    assert body["tool_choice"] == "auto"


@pytest.mark.anyio
async def test_usage_accounting_can_be_turned_off_and_empty_values_are_not_sent() -> None:
    provider, recorder = provider_with(padded_json(COMPLETION))
    options = OpenRouterOptions(include_usage=False, reasoning=OpenRouterReasoning(), models=[])
    call = CALL.replace(provider_options={"openrouter": options})
    await provider.language_model("z-ai/glm-4.6").generate(call)
    assert set(recorder.body) == {"model", "messages", "max_tokens"}


@pytest.mark.anyio
async def test_unknown_option_is_a_clear_error() -> None:
    provider, _ = provider_with(padded_json(COMPLETION))
    call = CALL.replace(provider_options={"openrouter": {"reasoning_effort": "high"}})
    with pytest.raises(InvalidArgumentError):
        await provider.language_model("openai/gpt-5").generate(call)


def test_key_from_env_missing_key_and_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with pytest.raises(InvalidArgumentError, match="OPENROUTER_API_KEY"):
        OpenRouterProvider()
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    provider = OpenRouterProvider(base_url="https://proxy.example/api/v1/")
    assert provider.base_url == "https://proxy.example/api/v1"
    assert provider.name == "openrouter"
    assert KEY not in repr(provider)
    with pytest.raises(InvalidArgumentError):
        provider.language_model("")


def test_registry_builds_the_provider() -> None:
    provider = get_provider("openrouter", api_key=KEY)
    assert isinstance(provider, OpenRouterProvider)


def test_options_and_metadata_round_trip_through_json() -> None:
    values = {
        "openrouter": OpenRouterOptions(reasoning=OpenRouterReasoning(effort="high")),
        "meta": OpenRouterReasoningMetadata(format="openai-responses-v1", summaries=["a"]),
    }
    dumped = json.loads(json.dumps(dump_provider_map(values)))
    assert dumped["openrouter"]["type"] == "openrouter.options"
    assert dumped["meta"]["type"] == "openrouter.reasoning_metadata"
    assert load_provider_map(dumped) == values


@pytest.mark.anyio
async def test_in_band_stream_error_is_an_error_part() -> None:
    chunk = {
        "id": "gen-1",
        "object": "chat.completion.chunk",
        "error": {"code": 502, "message": "Provider disconnected"},
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
    }
    body = f": OPENROUTER PROCESSING\n\ndata: {json.dumps(chunk)}\n\n"
    response = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=body.encode()
    )
    provider, _ = provider_with(response)
    parts = [part async for part in provider.language_model("openai/gpt-4o").stream(CALL)]
    assert isinstance(parts[-1], stream.Error)
    error = parts[-1].error
    assert isinstance(error, ProviderError) and error.is_retryable
    assert "Provider disconnected" in str(error)


@pytest.mark.anyio
async def test_rate_limit_status_is_typed_and_key_free() -> None:
    body = {"error": {"code": 429, "message": f"slow down {KEY}"}}
    provider, _ = provider_with(httpx.Response(429, headers={"retry-after": "3"}, json=body))
    with pytest.raises(RateLimitError) as caught:
        await provider.language_model("openai/gpt-4o").generate(CALL)
    assert caught.value.retry_after == 3.0
    assert KEY not in str(caught.value)
