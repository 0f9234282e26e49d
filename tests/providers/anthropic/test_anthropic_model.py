from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy.errors import (
    AuthenticationError,
    IncompleteStreamError,
    InvalidArgumentError,
    ProviderError,
    RateLimitError,
)
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers._auth import DUMMY_TOKEN, GoogleBearerAuth
from fantasy.providers.anthropic import (
    AnthropicProvider,
    AnthropicVertexProvider,
    computer_use_tool,
)

KEY = "sk-ant-test-secret-key-123456"
FIXTURES = Path(__file__).parent / "fixtures"
RESPONSE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [{"type": "text", "text": "Olá!"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 2},
}

Handler = Callable[[httpx.Request], httpx.Response]


def sse(name: str) -> bytes:
    lines = (FIXTURES / name).read_text().splitlines()
    out = []
    for line in lines:
        if line.strip():
            kind = json.loads(line)["type"]
            out.append(f"event: {kind}\ndata: {line}\n\n")
    return "".join(out).encode()


class Recorder:
    def __init__(self, respond: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._respond = respond

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._respond(request)

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def json_response(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=RESPONSE, headers={"request-id": "req_1"})


def sse_response(name: str) -> Handler:
    def respond(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=sse(name), headers={"content-type": "text/event-stream; charset=utf-8"}
        )

    return respond


def call(**kwargs: Any) -> Call:
    return Call(prompt=(user_message("hi"),), **kwargs)


async def collect(model: Any, c: Call) -> list[stream.StreamPart]:
    return [part async for part in model.stream(c)]


@pytest.mark.anyio
async def test_generate_direct_request() -> None:
    recorder = Recorder(json_response)
    provider = AnthropicProvider(api_key=KEY, transport=httpx.MockTransport(recorder))
    model = provider.language_model("claude-test")
    response = await model.generate(call(headers={"X-Extra": "1"}, user_agent="my-agent/1"))
    assert response.text == "Olá!"
    assert response.info.headers["request-id"] == "req_1"
    request = recorder.requests[0]
    assert str(request.url) == "https://api.anthropic.com/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["x-extra"] == "1"
    assert request.headers["user-agent"] == "my-agent/1"
    assert "anthropic-beta" not in request.headers
    assert recorder.body() == {
        "model": "claude-test",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    assert model.provider == "anthropic"
    assert model.default_object_mode == "tool"


@pytest.mark.anyio
async def test_stream_direct_request_and_parts() -> None:
    recorder = Recorder(sse_response("parallel_tools.jsonl"))
    model = AnthropicProvider(api_key=KEY, transport=httpx.MockTransport(recorder)).language_model(
        "claude-test"
    )
    parts = await collect(model, call(top_p=0.5, temperature=0.1))
    assert isinstance(parts[0], stream.Warnings)
    assert recorder.body()["stream"] is True
    assert recorder.requests[0].headers["accept"] == "text/event-stream"
    calls = [p for p in parts if isinstance(p, stream.ToolCall)]
    assert [c.tool_call_id for c in calls] == ["toolu_a", "toolu_b"]
    assert isinstance(parts[-1], stream.Finish)


@pytest.mark.anyio
async def test_beta_tools_use_beta_url_and_header() -> None:
    recorder = Recorder(json_response)
    model = AnthropicProvider(api_key=KEY, transport=httpx.MockTransport(recorder)).language_model(
        "claude-test"
    )
    tool = computer_use_tool("computer_20250124", 1920.0, 1080.0)
    await model.generate(call(tools=(tool,)))
    request = recorder.requests[0]
    assert str(request.url) == "https://api.anthropic.com/v1/messages?beta=true"
    assert request.headers["anthropic-beta"] == "computer-use-2025-01-24"
    assert b'"display_width_px":1920,' in request.content


@pytest.mark.anyio
async def test_in_band_overloaded_error_is_retryable_error_part() -> None:
    model = AnthropicProvider(
        api_key=KEY, transport=httpx.MockTransport(sse_response("overloaded.jsonl"))
    ).language_model("claude-test")
    parts = await collect(model, call())
    error = parts[-1]
    assert isinstance(error, stream.Error)
    assert isinstance(error.error, ProviderError)
    assert error.error.is_retryable


@pytest.mark.anyio
async def test_cut_stream_raises_incomplete() -> None:
    model = AnthropicProvider(
        api_key=KEY, transport=httpx.MockTransport(sse_response("cut.jsonl"))
    ).language_model("claude-test")
    with pytest.raises(IncompleteStreamError):
        await collect(model, call())


@pytest.mark.anyio
async def test_http_errors_are_typed_and_never_show_the_key() -> None:
    def unauthorized(request: httpx.Request) -> httpx.Response:
        body = {
            "type": "error",
            "error": {"type": "authentication_error", "message": f"invalid x-api-key {KEY}"},
        }
        return httpx.Response(401, json=body)

    provider = AnthropicProvider(api_key=KEY, transport=httpx.MockTransport(unauthorized))
    assert KEY not in repr(provider)
    model = provider.language_model("claude-test")
    assert KEY not in repr(model)
    with pytest.raises(AuthenticationError) as info:
        await model.generate(call())
    error = info.value
    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert KEY not in error.response_body
    assert error.code == "authentication_error"

    def limited(request: httpx.Request) -> httpx.Response:
        body = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
        return httpx.Response(429, json=body, headers={"retry-after": "7"})

    model = AnthropicProvider(api_key=KEY, transport=httpx.MockTransport(limited)).language_model(
        "claude-test"
    )
    with pytest.raises(RateLimitError) as limit:
        await model.generate(call())
    assert limit.value.retry_after == 7.0


def test_api_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
    provider = AnthropicProvider()
    assert provider._client.headers["x-api-key"] == "env-key"
    assert provider.name == "anthropic"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("location", "host"),
    [
        ("us-east5", "https://us-east5-aiplatform.googleapis.com"),
        ("global", "https://aiplatform.googleapis.com"),
    ],
)
async def test_vertex_requests(location: str, host: str) -> None:
    recorder = Recorder(json_response)
    provider = AnthropicVertexProvider(
        project="proj", location=location, skip_auth=True, transport=httpx.MockTransport(recorder)
    )
    model = provider.language_model("claude-3-7-sonnet@20250219")
    await model.generate(call(tools=(computer_use_tool("computer_20250124", 100, 100),)))
    request = recorder.requests[0]
    base = f"{host}/v1/projects/proj/locations/{location}/publishers/anthropic/models"
    assert str(request.url) == f"{base}/claude-3-7-sonnet@20250219:rawPredict"
    assert request.headers["authorization"] == "Bearer dummy-token"
    assert request.headers["anthropic-beta"] == "computer-use-2025-01-24"
    body = recorder.body()
    assert "model" not in body
    assert "stream" not in body
    assert body["anthropic_version"] == "vertex-2023-10-16"
    assert model.provider == "anthropic-vertex"


@pytest.mark.anyio
async def test_vertex_stream_url_and_body() -> None:
    recorder = Recorder(sse_response("thinking_redacted.jsonl"))
    provider = AnthropicVertexProvider(
        project="p", location="us-east5", skip_auth=True, transport=httpx.MockTransport(recorder)
    )
    parts = await collect(provider.language_model("claude-x@1"), call())
    assert str(recorder.requests[0].url).endswith("/models/claude-x@1:streamRawPredict")
    assert recorder.body()["stream"] is True
    assert isinstance(parts[-1], stream.Finish)


def test_vertex_needs_project_and_location(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GOOGLE_CLOUD_PROJECT",
        "ANTHROPIC_VERTEX_PROJECT_ID",
        "GOOGLE_CLOUD_LOCATION",
        "CLOUD_ML_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InvalidArgumentError):
        AnthropicVertexProvider(location="us-east5", skip_auth=True)
    with pytest.raises(InvalidArgumentError):
        AnthropicVertexProvider(project="p", skip_auth=True)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "envp")
    monkeypatch.setenv("CLOUD_ML_REGION", "europe-west1")
    provider = AnthropicVertexProvider(skip_auth=True)
    assert "envp" in repr(provider)
    assert provider.name == "anthropic-vertex"


class FakeCredentials:
    def __init__(self) -> None:
        self.valid = False
        self.token: str | None = None
        self.refreshes = 0

    def refresh(self, request: Any) -> None:
        self.refreshes += 1
        self.token = f"token-{self.refreshes}"
        self.valid = True


@pytest.mark.anyio
async def test_google_bearer_auth_refreshes_once() -> None:
    credentials = FakeCredentials()
    auth = GoogleBearerAuth(False, credentials=credentials)
    seen: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json=RESPONSE)

    async with httpx.AsyncClient(transport=httpx.MockTransport(respond), auth=auth) as client:
        await client.post("https://example.test/a")
        await client.post("https://example.test/b")
    assert seen == ["Bearer token-1", "Bearer token-1"]
    assert credentials.refreshes == 1


def test_google_bearer_auth_sync_skip() -> None:
    seen: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(respond), auth=GoogleBearerAuth(True)) as sync:
        sync.get("https://example.test/c")
    assert seen == [f"Bearer {DUMMY_TOKEN}"]
