"""AzureProvider: URL normalisation, api-key header, api-version, streams."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy.errors import AuthenticationError, InvalidArgumentError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.azure import AzureProvider, normalize_base_url
from fantasy.providers.openai.chat import ChatHooks, StreamDecoder
from fantasy.usage import FinishReason

KEY = "azure-key-0123456789abcdef"
FIXTURES = Path(__file__).parent / "fixtures"
COMPLETION = {
    "id": "chatcmpl-1",
    "model": "gpt-5-mini",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Olá"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://res.openai.azure.com", "https://res.openai.azure.com/openai/v1"),
        ("https://res.openai.azure.com/", "https://res.openai.azure.com/openai/v1"),
        ("https://res.openai.azure.com/openai", "https://res.openai.azure.com/openai/v1"),
        ("https://res.openai.azure.com/openai/v1", "https://res.openai.azure.com/openai/v1"),
        ("https://res.openai.azure.com/openai/v1/", "https://res.openai.azure.com/openai/v1"),
        ("res", "https://res.openai.azure.com/openai/v1"),
        ("res.openai.azure.com", "https://res.openai.azure.com/openai/v1"),
        (
            "https://res.cognitiveservices.azure.com",
            "https://res.cognitiveservices.azure.com/openai/v1",
        ),
        ("http://localhost:8000/custom", "http://localhost:8000/custom"),
        ("http://localhost:8000", "http://localhost:8000/openai/v1"),
        ("https://gw.example.com/azure/openai/v1", "https://gw.example.com/azure/openai/v1"),
        # AI Foundry: the resource URL and a project URL reach the resource's /openai/v1
        ("https://res.services.ai.azure.com", "https://res.services.ai.azure.com/openai/v1"),
        (
            "https://res.services.ai.azure.com/api/projects/my-project",
            "https://res.services.ai.azure.com/openai/v1",
        ),
        (
            "https://res.services.ai.azure.com/api/projects/my-project/",
            "https://res.services.ai.azure.com/openai/v1",
        ),
        ("res.services.ai.azure.com/api/projects/p", "https://res.services.ai.azure.com/openai/v1"),
        # endpoint URLs copied from the portal, any path and query
        (
            "https://res.cognitiveservices.azure.com/openai/deployments/gpt-4o/chat/completions"
            "?api-version=2025-01-01-preview",
            "https://res.cognitiveservices.azure.com/openai/v1",
        ),
        (
            "https://res.openai.azure.com/openai/v1/chat/completions",
            "https://res.openai.azure.com/openai/v1",
        ),
        ("https://RES.OpenAI.Azure.com/openai", "https://RES.OpenAI.Azure.com/openai/v1"),
    ],
)
def test_normalize_base_url(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


def test_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    with pytest.raises(InvalidArgumentError, match="base_url"):
        AzureProvider(api_key=KEY)
    with pytest.raises(InvalidArgumentError, match="AZURE_OPENAI_API_KEY"):
        AzureProvider(base_url="res")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://env.openai.azure.com")
    provider = AzureProvider()
    assert provider.base_url == "https://env.openai.azure.com/openai/v1"
    assert KEY not in repr(provider)


def recorder(handler: Any) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        response: httpx.Response = handler(request)
        return response

    return seen, httpx.MockTransport(handle)


CALL = Call(prompt=(user_message("Say hi"),), max_output_tokens=4000)


@pytest.mark.anyio
async def test_generate_url_headers_and_body() -> None:
    seen, transport = recorder(lambda _: httpx.Response(200, json=COMPLETION))
    provider = AzureProvider(
        base_url="https://fantasy-playground-resource.openai.azure.com",
        api_key=KEY,
        transport=transport,
    )
    response = await provider.language_model("gpt-5-mini").generate(
        CALL.replace(provider_options={"openai": {"reasoning_effort": "high"}})
    )
    request = seen[0]
    assert str(request.url) == (
        "https://fantasy-playground-resource.openai.azure.com/openai/v1/chat/completions"
    )
    assert request.headers["api-key"] == KEY
    assert "authorization" not in request.headers
    assert json.loads(request.content) == {
        "model": "gpt-5-mini",
        "messages": [{"role": "user", "content": "Say hi"}],
        "max_completion_tokens": 4000,
        "reasoning_effort": "high",
    }
    assert response.text == "Olá"
    assert provider.language_model("gpt-5-mini").provider == "azure"


@pytest.mark.anyio
async def test_api_version_query() -> None:
    seen, transport = recorder(lambda _: httpx.Response(200, json=COMPLETION))
    provider = AzureProvider(
        base_url="res", api_key=KEY, api_version="2025-04-01-preview", transport=transport
    )
    await provider.language_model("gpt-4o").generate(CALL)
    assert str(seen[0].url) == (
        "https://res.openai.azure.com/openai/v1/chat/completions?api-version=2025-04-01-preview"
    )


@pytest.mark.anyio
async def test_401_hides_key() -> None:
    body = {
        "error": {"code": "401", "message": f"Access denied due to invalid subscription key {KEY}."}
    }
    _, transport = recorder(lambda _: httpx.Response(401, json=body))
    provider = AzureProvider(base_url="res", api_key=KEY, transport=transport)
    with pytest.raises(AuthenticationError) as info:
        await provider.language_model("gpt-4o").generate(CALL)
    assert KEY not in str(info.value)
    assert KEY not in info.value.response_body


def test_empty_choices_first_chunk() -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="azure")
    parts: list[stream.StreamPart] = []
    for line in (FIXTURES / "empty_choices_first.jsonl").read_text().splitlines():
        parts.extend(decoder.feed(line))
    parts.extend(decoder.finish())
    assert [p.type for p in parts] == [
        "response-metadata",
        "text-start",
        "text-delta",
        "text-end",
        "finish",
    ]
    metadata = parts[0]
    assert isinstance(metadata, stream.ResponseMetadata)
    assert metadata.id == "chatcmpl-az1"
    finish = parts[-1]
    assert isinstance(finish, stream.Finish)
    assert finish.finish_reason is FinishReason.STOP
    assert finish.usage.reasoning_tokens == 128
    assert finish.usage.output_tokens == 140


def test_responses_api_model_url() -> None:
    from fantasy.providers.openai.responses import ResponsesModel

    provider = AzureProvider(base_url="res", api_key=KEY, use_responses_api=True)
    model = provider.language_model("gpt-5-mini")
    assert isinstance(model, ResponsesModel)
    assert model.url == "https://res.openai.azure.com/openai/v1/responses"
