"""Every provider model over ``httpx.MockTransport`` with bodies that are not what it expects.

``generate`` goes through :meth:`fantasy._http.HTTPClient.post_json`: a 200 whose body is
HTML, empty, truncated or otherwise not the provider's JSON is an
``InvalidResponseError``; an error status with any body is a ``ProviderError`` carrying
the status. ``stream`` gets the same treatment. Errors are typed and the API key (echoed
in every odd body) is never in an error's message, repr, URL, headers, body or raw text.
Vertex AI models are built with ``skip_auth`` and have no key to leak.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fantasy.errors import (
    AuthenticationError,
    ContextTooLargeError,
    FantasyError,
    IncompleteStreamError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
)
from fantasy.messages import user_message
from fantasy.model import Call, LanguageModel
from fantasy.providers.anthropic import AnthropicProvider, AnthropicVertexProvider
from fantasy.providers.azure import AzureProvider
from fantasy.providers.google import GoogleProvider, GoogleVertexProvider
from fantasy.providers.openai import OpenAIProvider
from fantasy.providers.openaicompat import OpenAICompatProvider
from fantasy.providers.openrouter import OpenRouterProvider
from fantasy.providers.vercel import VercelProvider

KEY = "test-secret-0123456789abcdef"
CALL = Call(prompt=(user_message("hi"),))

Transport = httpx.MockTransport
Build = Callable[[Transport], LanguageModel]


def _bedrock(transport: Transport) -> LanguageModel:
    pytest.importorskip("botocore", reason="Bedrock needs the bedrock extra (botocore)")
    from fantasy.providers.bedrock import BedrockProvider

    provider = BedrockProvider(api_key=KEY, transport=transport)
    return provider.language_model("us.anthropic.claude-haiku-4-5-20251001-v1:0")


KEYLESS = frozenset({"anthropic-vertex", "google-vertex"})
MODELS: dict[str, Build] = {
    "openai-chat": lambda t: OpenAIProvider(api_key=KEY, transport=t).language_model("gpt-4o"),
    "openai-responses": lambda t: OpenAIProvider(
        api_key=KEY, transport=t, use_responses_api=True
    ).language_model("gpt-5"),
    "azure": lambda t: AzureProvider(
        base_url="https://r.openai.azure.com", api_key=KEY, transport=t
    ).language_model("gpt-4o"),
    "openaicompat": lambda t: OpenAICompatProvider(
        base_url="https://llm.example/v1", api_key=KEY, transport=t
    ).language_model("m"),
    "openrouter": lambda t: OpenRouterProvider(api_key=KEY, transport=t).language_model(
        "anthropic/claude-sonnet-4"
    ),
    "vercel": lambda t: VercelProvider(api_key=KEY, transport=t).language_model("openai/gpt-5"),
    "anthropic": lambda t: AnthropicProvider(api_key=KEY, transport=t).language_model(
        "claude-sonnet-4-5"
    ),
    "anthropic-vertex": lambda t: AnthropicVertexProvider(
        project="p", location="us-east5", skip_auth=True, transport=t
    ).language_model("claude-sonnet-4-5@20250929"),
    "bedrock": _bedrock,
    "google": lambda t: GoogleProvider(api_key=KEY, transport=t).language_model("gemini-2.5-flash"),
    "google-vertex": lambda t: GoogleVertexProvider(
        project="p", location="us-central1", skip_auth=True, transport=t
    ).language_model("gemini-2.5-flash"),
}

HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

OK_BODIES: list[tuple[str, str, bytes]] = [
    ("html", "text/html", HTML),
    ("empty", "application/json", b""),
    ("truncated json", "application/json", b'{"id": "x", "content": [{"type": "te'),
    ("nested too deep", "application/json", b"[" * 100_000),
    ("not utf-8", "application/json", b"\xff\xfe\x00{garbage"),
    ("bogus charset", "application/json; charset=bogus-8", b'{"x": 1'),
    ("null", "application/json", b"null"),
    ("a list", "application/json", b"[1, 2]"),
    ("a string", "application/json", b'"x"'),
]

ERROR_BODIES: list[tuple[str, bytes]] = [
    ("html", HTML),
    ("empty", b""),
    ("garbage", b"\x00\xff not json"),
    ("nested too deep", b"[" * 100_000),
    (
        "huge numbers",
        b'{"error": {"message": "maximum context length is '
        + b"9" * 5000
        + b' tokens, you sent 7 tokens (key: %KEY%)"}}',
    ),
    ("nested error too deep", b'{"error": ' + b"[" * 100_000),
]
STATUSES = [400, 401, 413, 429, 503]


def with_key(body: bytes) -> bytes:
    """``body`` echoing the API key (at ``%KEY%``, else at its end)."""
    marker = b"%KEY%"
    return body.replace(marker, KEY.encode()) if marker in body else body + KEY.encode()


def transport(status: int, content_type: str, body: bytes) -> Transport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    return httpx.MockTransport(handler)


def assert_no_key(error: BaseException) -> None:
    if getattr(error, "provider", "") in KEYLESS:
        return
    assert KEY not in f"{error} {error!r}"
    if isinstance(error, ProviderError):
        exposed = [error.message, error.url, error.response_body, str(error.response_headers)]
        assert all(KEY not in text for text in exposed), exposed
    if isinstance(error, InvalidResponseError):
        assert KEY not in error.raw


async def generate_error(build: Build, status: int, content_type: str, body: bytes) -> Any:
    model = build(transport(status, content_type, body))
    with pytest.raises(FantasyError) as caught:
        await model.generate(CALL)
    assert_no_key(caught.value)
    return caught.value


async def stream_error(build: Build, status: int, content_type: str, body: bytes) -> Any:
    model = build(transport(status, content_type, body))
    parts: list[Any] = []
    with pytest.raises(FantasyError) as caught:
        async for part in model.stream(CALL):
            parts.append(part)
    assert not any(part.type == "finish" for part in parts)
    assert_no_key(caught.value)
    return caught.value


@pytest.mark.anyio
@pytest.mark.parametrize("name", MODELS)
async def test_generate_with_a_200_that_is_not_the_answer(name: str) -> None:
    for label, content_type, body in OK_BODIES:
        error = await generate_error(MODELS[name], 200, content_type, with_key(body))
        assert isinstance(error, InvalidResponseError), (label, error)
        assert error.raw, label
        assert error.provider == MODELS[name](transport(200, "", b"")).provider, label


@pytest.mark.anyio
@pytest.mark.parametrize("name", MODELS)
async def test_generate_with_error_statuses_and_odd_bodies(name: str) -> None:
    for status in STATUSES:
        for label, body in ERROR_BODIES:
            error = await generate_error(MODELS[name], status, "text/html", with_key(body))
            assert isinstance(error, ProviderError), (status, label)
            assert error.status_code == status, (status, label)
            if status in (401, 403):
                assert isinstance(error, AuthenticationError)
            if status == 429:
                assert isinstance(error, RateLimitError) and error.is_retryable
            if status >= 500:
                assert error.is_retryable
            if status in (400, 413) and label == "huge numbers":
                assert isinstance(error, ContextTooLargeError), error
                assert error.used_tokens is None


@pytest.mark.anyio
@pytest.mark.parametrize("name", MODELS)
async def test_stream_with_bodies_that_are_not_the_stream(name: str) -> None:
    build = MODELS[name]
    bedrock = name == "bedrock"
    html = await stream_error(build, 200, "text/html", with_key(HTML))
    assert isinstance(html, InvalidResponseError | IncompleteStreamError), html
    stream_type = "application/vnd.amazon.eventstream" if bedrock else "text/event-stream"
    empty = await stream_error(build, 200, stream_type, b"")
    assert isinstance(empty, IncompleteStreamError), empty
    assert empty.is_retryable
    if not bedrock:
        garbage = await stream_error(build, 200, "text/event-stream", b"data: <html>\n\n")
        assert isinstance(garbage, InvalidResponseError), garbage
        assert garbage.raw == "<html>"
        cut = await stream_error(build, 200, "text/event-stream", b'data: {"a"')
        assert isinstance(cut, InvalidResponseError | IncompleteStreamError), cut
    for status in (400, 429, 503):
        error = await stream_error(build, status, "text/html", with_key(HTML))
        assert isinstance(error, ProviderError) and error.status_code == status
