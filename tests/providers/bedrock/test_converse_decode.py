"""Converse answers and stream events → responses and parts; event order checked;
frames split at every byte boundary; the whole stream through the provider."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from _frames import event, exception

from fantasy import stream
from fantasy.content import ReasoningContent, TextContent, ToolCallContent
from fantasy.errors import (
    IncompleteResponseError,
    IncompleteStreamError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
)
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.bedrock.converse.decode import (
    StreamDecoder,
    decode_response,
    map_finish_reason,
    usage_of,
)
from fantasy.providers.bedrock.converse.model import ConverseFraming
from fantasy.providers.bedrock.converse.options import BedrockReasoningMetadata
from fantasy.stream import StreamAccumulator
from fantasy.tools import FunctionTool
from fantasy.usage import FinishReason, Usage

pytest.importorskip("botocore", reason="Bedrock streams need the bedrock extra (botocore)")

ANSWER: dict[str, Any] = {
    "output": {
        "message": {
            "role": "assistant",
            "content": [
                {"reasoningContent": {"reasoningText": {"text": "think", "signature": "sig1"}}},
                {"reasoningContent": {"redactedContent": "cmVk"}},
                {"text": "Let me check."},
                {"toolUse": {"toolUseId": "tu1", "name": "weather", "input": {"city": "Oslo"}}},
            ],
        }
    },
    "stopReason": "tool_use",
    "usage": {
        "inputTokens": 10,
        "outputTokens": 5,
        "totalTokens": 45,
        "cacheReadInputTokens": 20,
        "cacheWriteInputTokens": 10,
    },
    "metrics": {"latencyMs": 321},
    "additionalModelResponseFields": {"stop_sequence": None},
}


def test_whole_answer() -> None:
    response = decode_response(ANSWER, provider="bedrock", headers={"x-amzn-requestid": "r1"})
    assert response.content[0] == ReasoningContent(
        text="think", provider_metadata={"bedrock": BedrockReasoningMetadata(signature="sig1")}
    )
    assert response.content[1].provider_metadata["bedrock"].redacted_content == "cmVk"
    assert response.content[2] == TextContent(text="Let me check.")
    assert response.content[3] == ToolCallContent(
        tool_call_id="tu1", tool_name="weather", input='{"city":"Oslo"}'
    )
    assert response.finish_reason == FinishReason.TOOL_CALLS
    assert response.usage == Usage(
        input_tokens=40,
        output_tokens=5,
        total_tokens=45,
        cache_read_tokens=20,
        cache_creation_tokens=10,
    )
    metadata = response.provider_metadata["bedrock"]
    assert metadata.latency_ms == 321 and metadata.usage["totalTokens"] == 45
    assert response.info.headers["x-amzn-requestid"] == "r1"
    from fantasy.response import Response

    assert Response.from_dict(json.loads(json.dumps(response.to_dict()))) == response


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("end_turn", FinishReason.STOP),
        ("stop_sequence", FinishReason.STOP),
        ("tool_use", FinishReason.TOOL_CALLS),
        ("max_tokens", FinishReason.LENGTH),
        ("model_context_window_exceeded", FinishReason.LENGTH),
        ("guardrail_intervened", FinishReason.CONTENT_FILTER),
        ("content_filtered", FinishReason.CONTENT_FILTER),
        ("something_new", FinishReason.OTHER),
        ("", FinishReason.UNKNOWN),
    ],
)
def test_every_stop_reason(reason: str, expected: FinishReason) -> None:
    assert map_finish_reason(reason) == expected


def test_usage_without_counts() -> None:
    assert usage_of(None) == Usage()
    assert usage_of({"inputTokens": 3, "outputTokens": True}).input_tokens == 3


def test_in_band_errors_and_missing_stop_reason() -> None:
    with pytest.raises(RateLimitError) as caught:
        decode_response(
            {"message": "Too many tokens"},
            provider="bedrock",
            headers={"x-amzn-errortype": "ThrottlingException:http://internal"},
        )
    assert caught.value.is_retryable
    with pytest.raises(ProviderError) as failed:
        decode_response({"__type": "ModelStreamErrorException", "message": "x"}, provider="bedrock")
    assert failed.value.is_retryable
    without = {**ANSWER, "stopReason": None}
    with pytest.raises(IncompleteResponseError) as incomplete:
        decode_response(without, provider="bedrock")
    assert incomplete.value.is_retryable


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"output": {}},
        {"output": {"message": {"content": [{"text": 3}]}}, "stopReason": "end_turn"},
        {
            "output": {"message": {"content": [{"toolUse": {"name": "x"}}]}},
            "stopReason": "end_turn",
        },
        {"output": {"message": {"content": [{"reasoningContent": {}}]}}, "stopReason": "end_turn"},
        {"output": {"message": {"content": ["x"]}}, "stopReason": "end_turn"},
    ],
)
def test_malformed_answers(data: Any) -> None:
    with pytest.raises(InvalidResponseError):
        decode_response(data, provider="bedrock")


EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("messageStart", {"role": "assistant"}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Hm"}}}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "m."}}}),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "s1"}}},
    ),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "Olá 👋 "}}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "there"}}),
    ("contentBlockStop", {"contentBlockIndex": 1}),
    (
        "contentBlockStart",
        {"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "t9", "name": "weather"}}},
    ),
    ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": '{"city":'}}}),
    ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": '"Oslo"}'}}}),
    ("contentBlockStop", {"contentBlockIndex": 2}),
    ("messageStop", {"stopReason": "tool_use"}),
    (
        "metadata",
        {
            "usage": {"inputTokens": 7, "outputTokens": 9, "totalTokens": 16},
            "metrics": {"latencyMs": 5},
        },
    ),
]


def decode_all(events: list[tuple[str, dict[str, Any]]]) -> list[stream.StreamPart]:
    decoder = StreamDecoder(provider="bedrock")
    out: list[stream.StreamPart] = []
    for name, payload in events:
        out.extend(decoder.feed(json.dumps(payload), name))
    if not decoder.done:
        out.extend(decoder.finish())
    return out


def check_response(parts: list[stream.StreamPart]) -> None:
    accumulator = StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    response = accumulator.response()
    assert response.reasoning == "Hmm."
    assert response.reasoning_items[0].provider_metadata["bedrock"].signature == "s1"
    assert response.text == "Olá 👋 there"
    assert response.tool_calls[0].input == '{"city":"Oslo"}'
    assert response.finish_reason == FinishReason.TOOL_CALLS
    assert response.usage.total_tokens == 16
    assert response.provider_metadata["bedrock"].latency_ms == 5


def test_stream_events_to_parts() -> None:
    parts = decode_all(EVENTS)
    kinds = [p.type for p in parts]
    assert kinds == [
        "response-metadata",
        "reasoning-start",
        "reasoning-delta",
        "reasoning-delta",
        "reasoning-end",
        "text-start",
        "text-delta",
        "text-delta",
        "text-end",
        "tool-input-start",
        "tool-input-delta",
        "tool-input-delta",
        "tool-input-end",
        "tool-call",
        "finish",
    ]
    check_response(parts)


def test_redacted_reasoning_and_unclosed_blocks_at_message_stop() -> None:
    events = [
        ("messageStart", {"role": "assistant"}),
        (
            "contentBlockDelta",
            {"contentBlockIndex": 0, "delta": {"reasoningContent": {"redactedContent": "eA=="}}},
        ),
        ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "hi"}}),
        ("messageStop", {"stopReason": "end_turn"}),
    ]
    parts = decode_all(events)  # no contentBlockStop, no metadata
    end = next(p for p in parts if isinstance(p, stream.ReasoningEnd))
    assert end.provider_metadata["bedrock"].redacted_content == "eA=="
    assert isinstance(parts[-1], stream.Finish) and parts[-1].usage == Usage()


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([("messageStart", {}), ("messageStart", {})], "second messageStart"),
        (
            [
                ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "a"}}),
                (
                    "contentBlockDelta",
                    {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "b"}}},
                ),
            ],
            "reasoning delta for text block",
        ),
        (
            [
                (
                    "contentBlockDelta",
                    {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{}"}}},
                )
            ],
            "not a tool use",
        ),
        (
            [
                ("messageStop", {"stopReason": "end_turn"}),
                ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "late"}}),
            ],
            "after messageStop",
        ),
        ([("metadata", {})], "metadata before messageStop"),
        (
            [("contentBlockDelta", {"contentBlockIndex": -1, "delta": {"text": "a"}})],
            "contentBlockIndex",
        ),
        ([("contentBlockDelta", {"contentBlockIndex": 0})], "no delta"),
    ],
)
def test_bad_event_order_is_an_invalid_response(events: Any, message: str) -> None:
    decoder = StreamDecoder(provider="bedrock")
    with pytest.raises(InvalidResponseError, match=message):
        for name, payload in events:
            decoder.feed(json.dumps(payload), name)


def test_stream_without_message_stop_is_incomplete() -> None:
    decoder = StreamDecoder(provider="bedrock")
    decoder.feed(
        json.dumps({"contentBlockIndex": 0, "delta": {"text": "cut"}}), "contentBlockDelta"
    )
    with pytest.raises(IncompleteStreamError):
        decoder.finish()


STREAM = b"".join(event(name, payload) for name, payload in EVENTS)


def test_frames_split_at_every_byte_boundary() -> None:
    expected = [(name, payload) for name, payload in EVENTS]
    for split in range(1, len(STREAM)):
        frames = ConverseFraming()
        out = frames.feed(STREAM[:split]) + frames.feed(STREAM[split:])
        frames.close()
        assert [(name, json.loads(data)) for name, data in out] == expected, split


def test_exception_frames_and_bad_payloads() -> None:
    frames = ConverseFraming()
    assert frames.feed(exception("throttlingException", "slow")) == []
    assert isinstance(frames.failure, RateLimitError) and frames.failure.is_retryable
    decoder = StreamDecoder(provider="bedrock")
    with pytest.raises(InvalidResponseError):
        decoder.feed("{nope", "contentBlockDelta")


class Chunked(httpx.AsyncByteStream):
    def __init__(self, content: bytes, size: int) -> None:
        self.content, self.size = content, size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.content), self.size):
            yield self.content[start : start + self.size]


WEATHER = FunctionTool(name="weather", description="w", input_schema={"type": "object"})


def provider(handler: Any, **settings: Any) -> Any:
    from fantasy.providers.bedrock import BedrockProvider

    return BedrockProvider(
        region="eu-central-1",
        api_key="bedrock-test-key-0123456789",
        transport=httpx.MockTransport(handler),
        **settings,
    )


@pytest.mark.anyio
async def test_whole_stream_through_the_provider() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            stream=Chunked(STREAM, 5),
            headers={"content-type": "application/vnd.amazon.eventstream"},
        )

    model = provider(handle).language_model("us.amazon.nova-pro-v1:0")
    parts = [p async for p in model.stream(Call(prompt=[user_message("hi")], tools=(WEATHER,)))]
    check_response(parts)
    request = seen[0]
    assert str(request.url) == (
        "https://bedrock-runtime.eu-central-1.amazonaws.com/model/us.amazon.nova-pro-v1%3A0/converse-stream"
    )
    assert request.headers["authorization"] == "Bearer bedrock-test-key-0123456789"
    assert json.loads(request.content)["toolConfig"]["tools"][0]["toolSpec"]["name"] == "weather"


@pytest.mark.anyio
async def test_stream_exception_frame_is_an_error_part() -> None:
    body = event(*EVENTS[0]) + exception("modelStreamErrorException", "boom")

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Chunked(body, 3))

    model = provider(handle).language_model("meta.llama3-70b-instruct-v1:0")
    parts = [p async for p in model.stream(Call(prompt=[user_message("hi")]))]
    assert isinstance(parts[-1], stream.Error) and parts[-1].error.is_retryable


@pytest.mark.anyio
async def test_generate_and_routing() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        if request.url.path.endswith("/invoke"):
            return httpx.Response(
                200,
                json={
                    "id": "m",
                    "content": [{"type": "text", "text": "claude"}],
                    "stop_reason": "end_turn",
                    "usage": {},
                },
            )
        return httpx.Response(200, json=ANSWER)

    p = provider(handle)
    response = await p.language_model(
        "arn:aws:bedrock:us-east-1:1:inference-profile/global.mistral.x"
    ).generate(Call(prompt=[user_message("hi")]))
    assert response.tool_calls[0].tool_name == "weather"
    claude = await p.language_model("global.anthropic.claude-sonnet-4-5-v1:0").generate(
        Call(prompt=[user_message("hi")])
    )
    assert claude.text == "claude"
    await (
        provider(handle, api="converse")
        .language_model("anthropic.claude-3")
        .generate(Call(prompt=[user_message("x")]))
    )
    assert seen[0].endswith("inference-profile%2Fglobal.mistral.x/converse")
    assert seen[1].endswith("/invoke") and seen[2].endswith("/converse")


def test_api_setting_is_checked() -> None:
    from fantasy.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError):
        provider(lambda r: httpx.Response(500), api="nope")
    assert (
        provider(lambda r: httpx.Response(500), structured_outputs=lambda m: "nova" in m)
        .language_model("amazon.nova-lite-v1:0")
        .supports_json_schema()
    )
