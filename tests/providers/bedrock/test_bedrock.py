from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from _frames import exception, frame

from fantasy import stream
from fantasy.errors import (
    IncompleteStreamError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
)
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.bedrock import BedrockProvider
from fantasy.providers.bedrock._eventstream import EventStreamFraming
from fantasy.stream import StreamAccumulator
from fantasy.tools import FunctionTool

pytest.importorskip("botocore", reason="Bedrock needs the bedrock extra (botocore)")

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
EVENTS: list[dict[str, Any]] = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_bdrk_1",
            "model": "claude-haiku",
            "content": [],
            "usage": {"input_tokens": 16, "output_tokens": 1},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Olá! 👋"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}},
    {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 16}},
]


def chunk(event: dict[str, Any]) -> bytes:
    data = base64.b64encode(json.dumps(event).encode()).decode()
    payload = json.dumps({"bytes": data, "p": "abcdef"}).encode()
    headers = {
        ":event-type": "chunk",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return frame(headers, payload)


STREAM = b"".join(chunk(e) for e in EVENTS)


def test_frames_split_at_every_byte_boundary() -> None:
    expected = [("", json.dumps(e)) for e in EVENTS]
    for split in range(1, len(STREAM)):
        decoder = EventStreamFraming()
        out = decoder.feed(STREAM[:split]) + decoder.feed(STREAM[split:])
        decoder.close()
        assert out == expected, split


def test_frames_fed_byte_by_byte() -> None:
    decoder = EventStreamFraming()
    out: list[Any] = []
    for index in range(len(STREAM)):
        out.extend(decoder.feed(STREAM[index : index + 1]))
    assert len(out) == len(EVENTS)


def _failure(data: bytes) -> ProviderError | None:
    framing = EventStreamFraming()
    assert framing.feed(STREAM[: len(chunk(EVENTS[0]))] + data) == [("", json.dumps(EVENTS[0]))]
    assert framing.feed(STREAM) == []  # nothing after the failure
    return framing.failure


def test_exception_frames_become_typed_errors() -> None:
    throttled = _failure(exception("throttlingException", "Too many requests"))
    failed = _failure(exception("internalServerException", "oops"))
    invalid = _failure(exception("validationException", "bad input"))
    assert isinstance(throttled, RateLimitError)
    assert throttled.is_retryable
    assert "Too many requests" in str(throttled)
    assert isinstance(failed, ProviderError)
    assert failed.is_retryable
    assert isinstance(invalid, ProviderError)
    assert not invalid.is_retryable
    assert invalid.code == "validationException"


def test_corrupt_and_truncated_frames() -> None:
    corrupt = bytearray(chunk(EVENTS[0]))
    corrupt[-1] ^= 0xFF
    with pytest.raises(InvalidResponseError):
        EventStreamFraming().feed(bytes(corrupt))
    decoder = EventStreamFraming()
    decoder.feed(STREAM[:-3])
    with pytest.raises(IncompleteStreamError):  # cut inside a frame: retryable
        decoder.close()
    headers = {":event-type": "chunk", ":message-type": "event"}
    with pytest.raises(InvalidResponseError):
        EventStreamFraming().feed(frame(headers, b'{"nope": 1}'))


class Recorder:
    def __init__(self, content: bytes, content_type: str, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.content = content
        self.content_type = content_type
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(
            self.status,
            stream=ChunkedStream(self.content, 7),
            headers={"content-type": self.content_type},
        )


class ChunkedStream(httpx.AsyncByteStream):
    """A streamed body served in small chunks (as a network would)."""

    def __init__(self, content: bytes, size: int) -> None:
        self.content = content
        self.size = size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.content), self.size):
            yield self.content[start : start + self.size]


RESPONSE = json.dumps(
    {
        "id": "msg_bdrk_2",
        "model": "claude-haiku",
        "content": [{"type": "text", "text": "Oi"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 4, "output_tokens": 2},
    }
).encode()
WEATHER = FunctionTool(name="weather", description="w", input_schema={"type": "object"})


@pytest.mark.anyio
async def test_invoke_url_body_and_api_key() -> None:
    recorder = Recorder(RESPONSE, "application/json")
    provider = BedrockProvider(
        api_key="bedrock-secret-key", region="eu-west-1", transport=httpx.MockTransport(recorder)
    )
    assert "bedrock-secret-key" not in repr(provider)
    model = provider.language_model(MODEL)
    response = await model.generate(
        Call(
            prompt=(user_message("hi"),),
            max_output_tokens=100,
            tools=(WEATHER,),
            tool_choice="auto",
        )
    )
    assert response.text == "Oi"
    request = recorder.requests[0]
    assert str(request.url) == (
        "https://bedrock-runtime.eu-west-1.amazonaws.com/model/"
        "us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke"
    )
    assert request.headers["authorization"] == "Bearer bedrock-secret-key"
    body = json.loads(request.content)
    assert body["anthropic_version"] == "bedrock-2023-05-31"
    assert "model" not in body
    assert "stream" not in body
    assert body["tool_choice"] == {"type": "auto"}
    assert model.provider == "bedrock"


@pytest.mark.anyio
async def test_stream_decodes_event_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)
    recorder = Recorder(STREAM, "application/vnd.amazon.eventstream")
    provider = BedrockProvider(skip_auth=True, transport=httpx.MockTransport(recorder))
    accumulator = StreamAccumulator()
    async for part in provider.language_model(MODEL).stream(Call(prompt=(user_message("hi"),))):
        accumulator.add(part)
    response = accumulator.response()
    assert response.text == "Olá! 👋"
    assert response.usage.output_tokens == 9
    request = recorder.requests[0]
    assert str(request.url).endswith("v1%3A0/invoke-with-response-stream")
    assert "authorization" not in request.headers
    assert "stream" not in json.loads(request.content)


@pytest.mark.anyio
async def test_stream_exception_frame_yields_error_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)
    content = chunk(EVENTS[0]) + exception("throttlingException", "slow down")
    provider = BedrockProvider(
        skip_auth=True,
        transport=httpx.MockTransport(Recorder(content, "application/vnd.amazon.eventstream")),
    )
    parts = [
        p async for p in provider.language_model(MODEL).stream(Call(prompt=(user_message("hi"),)))
    ]
    assert isinstance(parts[-1], stream.Error)
    assert isinstance(parts[-1].error, RateLimitError)


@pytest.mark.anyio
async def test_sigv4_signing(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.credentials import Credentials

    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    recorder = Recorder(RESPONSE, "application/json")
    provider = BedrockProvider(
        credentials=Credentials("AKIDEXAMPLE", "secret-access-key", "session-token"),
        transport=httpx.MockTransport(recorder),
    )
    await provider.language_model(MODEL).generate(Call(prompt=(user_message("hi"),)))
    request = recorder.requests[0]
    assert str(request.url).startswith("https://bedrock-runtime.us-west-2.amazonaws.com/")
    authorization = request.headers["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-west-2/bedrock/aws4_request" in authorization
    assert "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token," in authorization
    assert "x-amz-date" in request.headers
    assert request.headers["x-amz-security-token"] == "session-token"


@pytest.mark.anyio
async def test_http_error_body(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)
    body = json.dumps({"message": "Too many tokens, please wait"}).encode()
    provider = BedrockProvider(
        skip_auth=True,
        transport=httpx.MockTransport(Recorder(body, "application/json", status=429)),
    )
    with pytest.raises(RateLimitError) as info:
        await provider.language_model(MODEL).generate(Call(prompt=(user_message("hi"),)))
    assert "Too many tokens" in str(info.value)
