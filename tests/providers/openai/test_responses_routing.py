"""Responses API routing per model, on OpenAI, Azure and OpenAI-compatible servers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.azure import AzureProvider
from fantasy.providers.openai import (
    ChatModel,
    OpenAIProvider,
    ResponsesModel,
    is_responses_model,
)
from fantasy.providers.openaicompat import OpenAICompatProvider

KEY = "sk-test-0123456789"

# (use_responses_api, model id, served by the Responses API?)
ROUTES: list[tuple[Any, str, bool]] = [
    (False, "gpt-5", False),
    (True, "gpt-4o", True),
    (is_responses_model, "gpt-5-pro", True),
    (is_responses_model, "o3-pro-2025-06-10", True),
    (is_responses_model, "openai/gpt-5-codex", True),
    (is_responses_model, "gpt-5", False),
    (is_responses_model, "gpt-4o-mini", False),
    ({"my-deployment"}, "my-deployment", True),
    (["a", "b"], "c", False),
    (lambda model_id: model_id.endswith("-r"), "x-r", True),
]


@pytest.mark.parametrize(("route", "model_id", "responses"), ROUTES)
def test_openai_and_azure_route_per_model(route: Any, model_id: str, responses: bool) -> None:
    for provider in (
        OpenAIProvider(api_key=KEY, use_responses_api=route),
        AzureProvider(api_key=KEY, base_url="res", use_responses_api=route),
    ):
        model = provider.language_model(model_id)
        assert isinstance(model, ResponsesModel if responses else ChatModel)
        path = "/responses" if responses else "/chat/completions"
        assert model.url.endswith(path)


@pytest.mark.parametrize("bad", ["gpt-5", 3, {"gpt-5": True}])
def test_bad_route_is_a_typed_error(bad: Any) -> None:
    with pytest.raises(InvalidArgumentError):
        OpenAIProvider(api_key=KEY, use_responses_api=bad)


RESPONSE = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "model": "qwen3",
    "output": [
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Hi there", "annotations": []}],
        }
    ],
    "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
}


@pytest.mark.anyio
async def test_compat_server_speaks_the_responses_api() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=RESPONSE)

    provider = OpenAICompatProvider(
        base_url="http://127.0.0.1:1234/v1",
        extra_body={"top_k": 20},
        use_responses_api=True,
        transport=httpx.MockTransport(handle),
    )
    model = provider.language_model("qwen3")
    assert isinstance(model, ResponsesModel)
    call = Call(
        prompt=(user_message("hi"),), provider_options={"openai": {"reasoning_effort": "low"}}
    )
    response = await model.generate(call)
    assert response.text == "Hi there"
    assert str(seen[0].url) == "http://127.0.0.1:1234/v1/responses"
    body = json.loads(seen[0].content)
    assert body["top_k"] == 20
    assert body["reasoning"] == {"effort": "low"}
    assert isinstance(provider.chat_model("qwen3"), ChatModel)
    assert isinstance(OpenAICompatProvider(base_url="http://x/v1").language_model("m"), ChatModel)
