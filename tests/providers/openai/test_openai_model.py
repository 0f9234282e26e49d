"""OpenAIProvider / ChatModel over httpx.MockTransport: URLs, headers, errors, streams."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy.errors import (
    AuthenticationError,
    ContextTooLargeError,
    InvalidArgumentError,
    ProviderError,
    RateLimitError,
)
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.openai import OpenAIProvider
from fantasy.usage import FinishReason

KEY = "sk-test-0123456789abcdefghijklmnop"

COMPLETION = {
    "id": "chatcmpl-1",
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Oi!"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
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


def provider_with(
    handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any
) -> tuple[OpenAIProvider, Recorder]:
    recorder = Recorder(handler)
    provider = OpenAIProvider(api_key=KEY, transport=httpx.MockTransport(recorder), **kwargs)
    return provider, recorder


def sse(*chunks: dict[str, Any] | str) -> httpx.Response:
    lines = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks]
    return httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content="".join(lines).encode()
    )


CALL = Call(prompt=(user_message("Say hi"),), max_output_tokens=100)


@pytest.mark.anyio
async def test_generate_sends_request_and_decodes() -> None:
    provider, recorder = provider_with(
        lambda _: httpx.Response(200, json=COMPLETION, headers={"x-request-id": "req-1"}),
        organization="org-1",
        project="proj-1",
        headers={"X-Extra": "1"},
    )
    model = provider.language_model("gpt-4o")
    response = await model.generate(CALL.replace(headers={"X-Call": "2"}, user_agent="my-agent/1"))
    request = recorder.requests[0]
    assert str(request.url) == "https://api.openai.com/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["openai-organization"] == "org-1"
    assert request.headers["openai-project"] == "proj-1"
    assert request.headers["x-extra"] == "1"
    assert request.headers["x-call"] == "2"
    assert request.headers["user-agent"] == "my-agent/1"
    assert recorder.body == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "Say hi"}],
        "max_tokens": 100,
    }
    assert response.text == "Oi!"
    assert response.finish_reason is FinishReason.STOP
    assert response.usage.total_tokens == 7
    assert response.info.headers["x-request-id"] == "req-1"
    assert model.provider == "openai"
    assert model.model_id == "gpt-4o"
    assert model.default_object_mode == "json"


@pytest.mark.anyio
async def test_generate_returns_warnings() -> None:
    provider, _ = provider_with(lambda _: httpx.Response(200, json=COMPLETION))
    response = await provider.language_model("gpt-4o").generate(CALL.replace(top_k=3))
    assert [w.setting for w in response.warnings] == ["top_k"]


@pytest.mark.anyio
async def test_custom_base_url() -> None:
    provider, recorder = provider_with(
        lambda _: httpx.Response(200, json=COMPLETION), base_url="https://proxy.test/v1/"
    )
    await provider.language_model("gpt-4o").generate(CALL)
    assert str(recorder.requests[0].url) == "https://proxy.test/v1/chat/completions"


@pytest.mark.anyio
async def test_stream_yields_parts_in_order() -> None:
    chunks = [
        {
            "id": "c1",
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}],
        },
        {"id": "c1", "model": "gpt-4o", "choices": [{"index": 0, "delta": {"content": "Oi"}}]},
        {
            "id": "c1",
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        },
        {
            "id": "c1",
            "model": "gpt-4o",
            "choices": [],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
        },
        "[DONE]",
    ]
    provider, recorder = provider_with(lambda _: sse(*chunks))
    parts = [p async for p in provider.language_model("gpt-4o").stream(CALL.replace(top_k=1))]
    assert [p.type for p in parts] == [
        "warnings",
        "response-metadata",
        "text-start",
        "text-delta",
        "text-end",
        "finish",
    ]
    assert recorder.body["stream"] is True
    assert recorder.body["stream_options"] == {"include_usage": True}
    assert recorder.requests[0].headers["accept"] == "text/event-stream"
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.usage.total_tokens == 4


@pytest.mark.anyio
async def test_stream_in_band_error_ends_with_error_part() -> None:
    provider, _ = provider_with(
        lambda _: sse({"error": {"message": "boom", "type": "server_error"}}, "[DONE]")
    )
    parts = [p async for p in provider.language_model("gpt-4o").stream(CALL)]
    assert [p.type for p in parts] == ["error"]


@pytest.mark.anyio
async def test_stream_cut_short_raises_incomplete() -> None:
    from fantasy.errors import IncompleteStreamError

    provider, _ = provider_with(
        lambda _: sse({"id": "c", "choices": [{"index": 0, "delta": {"content": "Oi"}}]})
    )
    with pytest.raises(IncompleteStreamError):
        async for _ in provider.language_model("gpt-4o").stream(CALL):
            pass


def error_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(status, json=body, headers=headers or {})


@pytest.mark.anyio
async def test_401_is_authentication_error_without_key() -> None:
    body = {
        "error": {
            "message": f"Incorrect API key provided: {KEY}",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    provider, _ = provider_with(error_response(401, body))
    with pytest.raises(AuthenticationError) as info:
        await provider.language_model("gpt-4o").generate(CALL)
    error = info.value
    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert KEY not in error.response_body
    assert error.code == "invalid_api_key"
    assert error.status_code == 401
    assert not error.is_retryable


@pytest.mark.anyio
async def test_429_is_rate_limit_with_retry_after() -> None:
    body = {
        "error": {
            "message": "Rate limit reached",
            "type": "requests",
            "code": "rate_limit_exceeded",
        }
    }
    provider, _ = provider_with(error_response(429, body, {"retry-after": "2"}))
    with pytest.raises(RateLimitError) as info:
        await provider.language_model("gpt-4o").generate(CALL)
    assert info.value.retry_after == 2.0
    assert info.value.is_retryable


@pytest.mark.anyio
async def test_500_is_retryable_provider_error() -> None:
    provider, _ = provider_with(
        error_response(500, {"error": {"message": "oops", "type": "server_error"}})
    )
    with pytest.raises(ProviderError) as info:
        async for _ in provider.language_model("gpt-4o").stream(CALL):
            pass
    assert info.value.is_retryable
    assert info.value.status_code == 500


@pytest.mark.anyio
async def test_context_length_exceeded() -> None:
    body = {
        "error": {
            "message": "This model's maximum context length is 128000 tokens. However, your "
            "messages resulted in 130001 tokens. Please reduce the length of the messages.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
    provider, _ = provider_with(error_response(400, body))
    with pytest.raises(ContextTooLargeError) as info:
        await provider.language_model("gpt-4o").generate(CALL)
    assert (info.value.used_tokens, info.value.max_tokens) == (130001, 128000)


@pytest.mark.anyio
async def test_400_error_mentions_param() -> None:
    body = {
        "error": {
            "message": "Invalid value.",
            "type": "invalid_request_error",
            "param": "messages[1].content",
            "code": None,
        }
    }
    provider, _ = provider_with(error_response(400, body))
    with pytest.raises(ProviderError, match=r"messages\[1\]\.content") as info:
        await provider.language_model("gpt-4o").generate(CALL)
    assert info.value.code == "invalid_request_error"


def test_repr_hides_key_and_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = OpenAIProvider(api_key=KEY)
    assert KEY not in repr(provider)
    assert KEY not in repr(provider.language_model("gpt-4o"))
    assert provider.name == "openai"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-123")
    assert OpenAIProvider().name == "openai"
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(InvalidArgumentError, match="OPENAI_API_KEY"):
        OpenAIProvider()


def test_responses_api_model_url() -> None:
    from fantasy.providers.openai.responses import ResponsesModel

    provider = OpenAIProvider(api_key=KEY, use_responses_api=True)
    model = provider.language_model("gpt-4o")
    assert isinstance(model, ResponsesModel)
    assert model.url == "https://api.openai.com/v1/responses"


def test_registry_builds_provider() -> None:
    from fantasy.provider import get_provider

    provider = get_provider("openai", api_key=KEY)
    assert provider.name == "openai"
