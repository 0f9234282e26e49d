"""ResponsesModel over httpx.MockTransport: URLs, bodies, streams, errors (OpenAI and Azure)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy.errors import IncompleteStreamError, ProviderError, RateLimitError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.azure import AzureProvider
from fantasy.providers.openai import OpenAIProvider, ResponsesModel
from fantasy.usage import FinishReason

KEY = "sk-test-0123456789abcdefghijklmnop"
FIXTURES = Path(__file__).with_name("fixtures")

RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "model": "gpt-4o-2024-08-06",
    "error": None,
    "incomplete_details": None,
    "output": [
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Oi!", "annotations": []}],
        }
    ],
    "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7},
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


def sse_from(fixture: str) -> httpx.Response:
    chunks = []
    for line in (FIXTURES / fixture).read_text(encoding="utf-8").splitlines():
        if line.strip():
            chunks.append(f"event: {json.loads(line)['type']}\ndata: {line}\n\n")
    return httpx.Response(
        200, content="".join(chunks).encode(), headers={"content-type": "text/event-stream"}
    )


def openai_model(
    handler: Callable[[httpx.Request], httpx.Response], model_id: str = "gpt-4o"
) -> tuple[ResponsesModel, Recorder]:
    recorder = Recorder(handler)
    provider = OpenAIProvider(
        api_key=KEY, transport=httpx.MockTransport(recorder), use_responses_api=True
    )
    model = provider.language_model(model_id)
    assert isinstance(model, ResponsesModel)
    return model, recorder


async def collect(model: ResponsesModel, call: Call) -> list[stream.StreamPart]:
    return [part async for part in model.stream(call)]


@pytest.mark.anyio
async def test_generate_posts_to_responses() -> None:
    model, recorder = openai_model(lambda _: httpx.Response(200, json=RESPONSE))
    response = await model.generate(Call(prompt=[user_message("Hi")], max_output_tokens=50))
    request = recorder.requests[0]
    assert str(request.url) == "https://api.openai.com/v1/responses"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert recorder.body == {
        "model": "gpt-4o",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
        "store": False,
        "max_output_tokens": 50,
    }
    assert response.text == "Oi!"
    assert response.finish_reason is FinishReason.STOP
    assert response.usage.total_tokens == 7
    assert response.info.id == "resp_1"
    assert response.info.headers["content-type"] == "application/json"
    assert model.provider == "openai" and model.model_id == "gpt-4o"


@pytest.mark.anyio
async def test_stream_yields_warnings_then_parts() -> None:
    model, recorder = openai_model(lambda _: sse_from("responses_text.jsonl"))
    parts = await collect(model, Call(prompt=[user_message("Hi")], seed=3))
    assert recorder.body["stream"] is True
    assert "seed" not in recorder.body
    assert isinstance(parts[0], stream.Warnings)
    assert parts[0].warnings[0].setting == "seed"
    assert isinstance(parts[1], stream.ResponseMetadata)
    text = "".join(p.delta for p in parts if isinstance(p, stream.TextDelta))
    assert text == "Olá, mundo!"
    assert isinstance(parts[-1], stream.Finish)


@pytest.mark.anyio
async def test_stream_cut_short_raises_incomplete() -> None:
    model, _ = openai_model(lambda _: sse_from("responses_cut.jsonl"))
    with pytest.raises(IncompleteStreamError):
        await collect(model, Call(prompt=[user_message("Hi")]))


@pytest.mark.anyio
async def test_stream_error_event_is_the_last_part() -> None:
    model, _ = openai_model(lambda _: sse_from("responses_error.jsonl"))
    parts = await collect(model, Call(prompt=[user_message("Hi")]))
    assert isinstance(parts[-1], stream.Error)
    assert isinstance(parts[-1].error, ProviderError) and parts[-1].error.is_retryable


@pytest.mark.anyio
async def test_generate_via_stream_accumulates_reasoning() -> None:
    model, _ = openai_model(lambda _: sse_from("responses_reasoning.jsonl"), "gpt-5")
    response = await model.generate_via_stream(Call(prompt=[user_message("Hi")]))
    assert response.reasoning_items[0].provider_metadata["openai"].encrypted_content
    assert response.text == "It is 40 C."


@pytest.mark.anyio
async def test_http_errors_are_typed_and_keyless() -> None:
    error_body = {"error": {"message": f"Slow down {KEY}", "type": "rate_limit_exceeded"}}
    model, _ = openai_model(
        lambda _: httpx.Response(429, json=error_body, headers={"retry-after": "2"})
    )
    with pytest.raises(RateLimitError) as caught:
        await model.generate(Call(prompt=[user_message("Hi")]))
    assert caught.value.retry_after == 2
    assert KEY not in str(caught.value) and KEY not in caught.value.response_body


@pytest.mark.anyio
async def test_azure_responses_url_and_key_header() -> None:
    recorder = Recorder(lambda _: httpx.Response(200, json=RESPONSE))
    provider = AzureProvider(
        base_url="https://res.openai.azure.com",
        api_key=KEY,
        transport=httpx.MockTransport(recorder),
        use_responses_api=True,
    )
    model = provider.language_model("gpt-5-mini")
    assert isinstance(model, ResponsesModel)
    await model.generate(Call(prompt=[user_message("Hi")]))
    request = recorder.requests[0]
    assert str(request.url) == "https://res.openai.azure.com/openai/v1/responses"
    assert request.headers["api-key"] == KEY
    assert model.provider == "azure"


def test_providers_still_build_chat_models_by_default() -> None:
    from fantasy.providers.openai import ChatModel

    provider = OpenAIProvider(api_key=KEY)
    assert isinstance(provider.language_model("gpt-4o"), ChatModel)
    assert isinstance(provider.responses_model("gpt-4o"), ResponsesModel)
    responses = OpenAIProvider(api_key=KEY, use_responses_api=True)
    assert isinstance(responses.chat_model("gpt-4o"), ChatModel)
    assert KEY not in repr(responses.language_model("gpt-4o"))
