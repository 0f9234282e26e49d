"""The Google providers over HTTP (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy.content import ReasoningContent, ToolCallContent
from fantasy.errors import AuthenticationError, InvalidArgumentError, RateLimitError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.google import GoogleProvider, GoogleVertexProvider
from fantasy.stream import StreamAccumulator
from fantasy.tools import FunctionTool
from fantasy.usage import FinishReason

KEY = "AIzaTestKey-0123456789abcdefghij"
BASE = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
VERTEX = (
    "https://us-east5-aiplatform.googleapis.com/v1beta1/projects/proj/locations/us-east5"
    "/publishers/google/models/gemini-2.5-flash"
)
ADD = FunctionTool(
    name="add",
    description="Add two numbers",
    input_schema={"type": "object", "properties": {"a": {"type": "integer"}}},
)


class Recorder:
    """A MockTransport handler answering with fixed responses and keeping requests."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))


def _sse(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": "text/event-stream"})


@pytest.mark.anyio
async def test_generate_url_header_and_body(load_json: Callable[[str], Any]) -> None:
    recorder = Recorder(
        httpx.Response(200, json=load_json("no_usage.json"), headers={"x-request": "r1"})
    )
    async with recorder.client() as client:
        model = GoogleProvider(api_key=KEY, http_client=client).language_model("gemini-2.5-flash")
        response = await model.generate(Call(prompt=(user_message("hi"),), max_output_tokens=10))
    (request,) = recorder.requests
    assert str(request.url) == f"{BASE}:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert KEY not in str(request.url)
    assert json.loads(request.content) == {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"maxOutputTokens": 10},
    }
    assert response.text == "Hello there."
    assert response.info.headers["x-request"] == "r1"
    assert response.info.model_id == "gemini-test"


@pytest.mark.anyio
async def test_stream_with_crlf_events(
    sse_body: Callable[[str], bytes], counter_ids: Callable[[], str]
) -> None:
    recorder = Recorder(_sse(sse_body("signed_calls_stream.jsonl")))
    async with recorder.client() as client:
        provider = GoogleProvider(
            api_key=KEY, http_client=client, tool_call_id_generator=counter_ids
        )
        model = provider.language_model("gemini-2.5-flash")
        accumulator = StreamAccumulator()
        async for part in model.stream(Call(prompt=(user_message("2+3?"),), tools=(ADD,))):
            accumulator.add(part)
    assert str(recorder.requests[0].url) == f"{BASE}:streamGenerateContent?alt=sse"
    response = accumulator.response()
    assert isinstance(response.content[0], ReasoningContent)
    assert [c.tool_call_id for c in response.content if isinstance(c, ToolCallContent)] == [
        "1",
        "2",
    ]
    assert response.finish_reason == FinishReason.TOOL_CALLS


@pytest.mark.anyio
async def test_stream_yields_warnings_first(sse_body: Callable[[str], bytes]) -> None:
    recorder = Recorder(_sse(sse_body("crlf_text_stream.jsonl")))
    schema = {"type": "object", "properties": {"when": {"type": "string", "format": "uri"}}}
    async with recorder.client() as client:
        model = GoogleProvider(api_key=KEY, http_client=client).language_model("gemini-2.5-flash")
        call = Call(
            prompt=(user_message("q"),), tools=(FunctionTool(name="t", input_schema=schema),)
        )
        parts = [part async for part in model.stream(call)]
    assert isinstance(parts[0], stream.Warnings)
    assert isinstance(parts[-1], stream.Finish)


@pytest.mark.anyio
async def test_stream_in_band_error_ends_the_stream(sse_body: Callable[[str], bytes]) -> None:
    recorder = Recorder(_sse(sse_body("error_stream.jsonl")))
    async with recorder.client() as client:
        model = GoogleProvider(api_key=KEY, http_client=client).language_model("gemini-2.5-flash")
        parts = [part async for part in model.stream(Call(prompt=(user_message("q"),)))]
    assert isinstance(parts[-1], stream.Error)
    assert not any(isinstance(part, stream.Finish) for part in parts)


@pytest.mark.anyio
async def test_http_errors_are_typed_and_never_show_the_key() -> None:
    body = {
        "error": {"code": 403, "message": f"API key {KEY} not valid", "status": "PERMISSION_DENIED"}
    }
    recorder = Recorder(
        httpx.Response(403, json=body),
        httpx.Response(
            429,
            json={"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}},
            headers={"retry-after": "3"},
        ),
    )
    async with recorder.client() as client:
        model = GoogleProvider(api_key=KEY, http_client=client).language_model("gemini-2.5-flash")
        call = Call(prompt=(user_message("q"),))
        with pytest.raises(AuthenticationError) as auth:
            await model.generate(call)
        with pytest.raises(RateLimitError) as limited:
            await model.generate(call)
    error = auth.value
    assert KEY not in str(error) and KEY not in repr(error) and KEY not in error.response_body
    assert error.code == "PERMISSION_DENIED"
    assert limited.value.retry_after == 3
    assert limited.value.is_retryable


def test_key_from_environment_and_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    provider = GoogleProvider()
    assert KEY not in repr(provider)
    assert provider._client.headers["x-goog-api-key"] == KEY
    model = provider.language_model("gemini-2.5-flash")
    assert KEY not in repr(model)
    assert model.provider == "google"
    assert model.default_object_mode == "json"


def test_model_paths() -> None:
    provider = GoogleProvider(api_key=KEY, base_url="https://proxy.example/")
    model = provider.language_model("tunedModels/mine")
    assert model.generate_url == "https://proxy.example/v1beta/tunedModels/mine:generateContent"
    with pytest.raises(InvalidArgumentError):
        provider.language_model("")


@pytest.mark.anyio
async def test_vertex_url_skip_auth_and_no_ids(counter_ids: Callable[[], str]) -> None:
    answer = {
        "candidates": [
            {
                "content": {"parts": [{"functionCall": {"name": "add", "args": {"a": 1}}}]},
                "finishReason": "STOP",
            }
        ]
    }
    recorder = Recorder(httpx.Response(200, json=answer))
    async with recorder.client() as client:
        provider = GoogleVertexProvider(
            project="proj",
            location="us-east5",
            skip_auth=True,
            http_client=client,
            tool_call_id_generator=counter_ids,
        )
        model = provider.language_model("gemini-2.5-flash")
        response = await model.generate(Call(prompt=(user_message("q"),), tools=(ADD,)))
    (request,) = recorder.requests
    assert str(request.url) == f"{VERTEX}:generateContent"
    assert request.headers["Authorization"] == "Bearer dummy-token"
    assert response.tool_calls[0].tool_call_id == "1"
    assert model.provider == "google-vertex"


def test_vertex_global_location_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "envproj")
    monkeypatch.delenv("GOOGLE_CLOUD_LOCATION", raising=False)
    provider = GoogleVertexProvider(skip_auth=True)
    model = provider.language_model("gemini-2.5-pro")
    assert model.stream_url == (  # type: ignore[attr-defined]
        "https://aiplatform.googleapis.com/v1beta1/projects/envproj/locations/global"
        "/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    )
    assert repr(provider) == "GoogleVertexProvider(project='envproj', location='global')"


def test_vertex_needs_a_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    with pytest.raises(InvalidArgumentError, match="project"):
        GoogleVertexProvider(location="us-east5", skip_auth=True)


def test_vertex_oauth_uses_given_credentials() -> None:
    class Credentials:
        valid = False
        token = None
        refreshed = 0

        def refresh(self, request: Any) -> None:
            self.refreshed += 1
            self.valid = True
            self.token = "ya29.token"

    credentials = Credentials()
    provider = GoogleVertexProvider(project="p", location="us-east5", credentials=credentials)
    auth = provider._client.auth
    assert auth is not None
    request = httpx.Request("POST", "https://example.invalid")
    signed = next(auth.sync_auth_flow(request))
    assert signed.headers["Authorization"] == "Bearer ya29.token"
    next(auth.sync_auth_flow(httpx.Request("POST", "https://example.invalid")))
    assert credentials.refreshed == 1


def test_vertex_claude_models_are_delegated() -> None:
    anthropic = pytest.importorskip(
        "fantasy.providers.anthropic",
        reason="Claude-on-Vertex delegation needs the anthropic provider",
    )
    if not hasattr(anthropic, "AnthropicVertexProvider"):
        pytest.skip("AnthropicVertexProvider is not available yet")
    provider = GoogleVertexProvider(project="p", location="us-east5", skip_auth=True)
    model = provider.language_model("claude-3-7-sonnet@20250219")
    assert type(model).__module__.startswith("fantasy.providers.anthropic")
