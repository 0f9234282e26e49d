"""The five wire dialects as the loopback server speaks them: models, bodies, bad events.

Each :class:`Dialect` builds a model with the provider's default settings (no injected
client) against a base URL, and knows the bytes of a streamed and of a whole answer
whose text is ``TEXT``, and of a malformed event.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fantasy.model import LanguageModel
from fantasy.providers._base import ProviderBase

KEY = "sk-loopback-reliability-key-0123456789"
TEXT = "Hello, world"
SSE = "text/event-stream"
EVENT_STREAM = "application/vnd.amazon.eventstream"


def sse(events: list[Any], *, named: bool = False) -> list[bytes]:
    out = []
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event)
        name = f"event: {event['type']}\n" if named and isinstance(event, dict) else ""
        out.append(f"{name}data: {data}\n\n".encode())
    return out


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (
        bytes([len(raw_name)]) + raw_name + b"\x07" + struct.pack(">H", len(raw_value)) + raw_value
    )


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message (prelude, headers, payload, CRCs)."""
    encoded = b"".join(_header(k, v) for k, v in headers.items())
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def bedrock_frames(events: list[dict[str, Any]]) -> list[bytes]:
    headers = {
        ":event-type": "chunk",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return [
        frame(
            headers,
            json.dumps({"bytes": base64.b64encode(json.dumps(e).encode()).decode()}).encode(),
        )
        for e in events
    ]


def _chat_events(text: str) -> list[Any]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "c1",
            "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    half = len(text) // 2
    return [
        chunk({"role": "assistant", "content": text[:half]}),
        chunk({"content": text[half:]}),
        chunk({}, "stop"),
        "[DONE]",
    ]


def _responses_events(text: str) -> list[Any]:
    item = {"type": "message", "id": "m1", "role": "assistant", "content": []}
    done = {**item, "content": [{"type": "output_text", "text": text, "annotations": []}]}
    response = {
        "id": "r1",
        "model": "m",
        "status": "completed",
        "output": [done],
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    half = len(text) // 2
    return [
        {
            "type": "response.created",
            "response": {"id": "r1", "model": "m", "status": "in_progress"},
        },
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.output_text.delta", "item_id": "m1", "delta": text[:half]},
        {"type": "response.output_text.delta", "item_id": "m1", "delta": text[half:]},
        {"type": "response.output_item.done", "output_index": 0, "item": done},
        {"type": "response.completed", "response": response},
    ]


def _anthropic_events(text: str) -> list[dict[str, Any]]:
    half = len(text) // 2
    return [
        {
            "type": "message_start",
            "message": {"id": "msg_1", "model": "m", "usage": {"input_tokens": 1}},
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": text[:half]},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": text[half:]},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 2},
        },
        {"type": "message_stop"},
    ]


def _gemini_events(text: str) -> list[dict[str, Any]]:
    half = len(text) // 2

    def chunk(piece: str, **extra: Any) -> dict[str, Any]:
        candidate = {"content": {"role": "model", "parts": [{"text": piece}]}, **extra}
        return {"candidates": [candidate], "modelVersion": "m", "responseId": "r1"}

    usage = {"promptTokenCount": 1, "candidatesTokenCount": 2, "totalTokenCount": 3}
    return [chunk(text[:half]), {**chunk(text[half:], finishReason="STOP"), "usageMetadata": usage}]


def converse_frames(events: list[tuple[str, dict[str, Any]]]) -> list[bytes]:
    """Converse stream events: the frame's ``:event-type`` names the event, JSON payload."""
    return [
        frame(
            {":event-type": name, ":content-type": "application/json", ":message-type": "event"},
            json.dumps(payload).encode(),
        )
        for name, payload in events
    ]


def _converse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    half = len(text) // 2
    return [
        ("messageStart", {"role": "assistant"}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text[:half]}}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text[half:]}}),
        ("contentBlockStop", {"contentBlockIndex": 0}),
        ("messageStop", {"stopReason": "end_turn"}),
        ("metadata", {"usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}}),
    ]


def _converse_json(text: str) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
    }


def _anthropic_json(text: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }


def _chat_json(text: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {
        "id": "c1",
        "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }


def _responses_json(text: str) -> dict[str, Any]:
    return _responses_events(text)[-1]["response"]  # type: ignore[no-any-return]


def _gemini_json(text: str) -> dict[str, Any]:
    candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
    return {"candidates": [candidate], "modelVersion": "m", "responseId": "r1"}


@dataclass(frozen=True)
class Dialect:
    name: str
    provider: Callable[[str], ProviderBase]  # base URL -> provider (default settings)
    model_id: str
    stream_body: Callable[[str], list[bytes]]  # text -> body chunks, one event each
    json_body: Callable[[str], dict[str, Any]]
    bad_event: bytes  # an event the decoder rejects
    content_type: str = SSE

    def model(self, provider: ProviderBase) -> LanguageModel:
        return provider.language_model(self.model_id)  # type: ignore[attr-defined,no-any-return]


def _openai(url: str, **kwargs: Any) -> ProviderBase:
    from fantasy.providers.openai import OpenAIProvider

    return OpenAIProvider(api_key=KEY, base_url=f"{url}/v1", **kwargs)


def _anthropic(url: str, **kwargs: Any) -> ProviderBase:
    from fantasy.providers.anthropic import AnthropicProvider

    return AnthropicProvider(api_key=KEY, base_url=f"{url}/v1", **kwargs)


def _google(url: str, **kwargs: Any) -> ProviderBase:
    from fantasy.providers.google import GoogleProvider

    return GoogleProvider(api_key=KEY, base_url=url, **kwargs)


def _bedrock(url: str, **kwargs: Any) -> ProviderBase:
    from fantasy.providers.bedrock import BedrockProvider

    return BedrockProvider(api_key=KEY, region="us-east-1", base_url=url, **kwargs)


BAD_SSE = b"data: {not json\n\n"
BAD_FRAME = b"\x00\x00\x00\x20\x00\x00\x00\x00" + b"\x00" * 24  # wrong prelude checksum

DIALECTS = {
    d.name: d
    for d in (
        Dialect("chat", _openai, "gpt-4o", lambda t: sse(_chat_events(t)), _chat_json, BAD_SSE),
        Dialect(
            "responses",
            lambda url, **kw: _openai(url, use_responses_api=True, **kw),
            "gpt-4o",
            lambda t: sse(_responses_events(t), named=True),
            _responses_json,
            BAD_SSE,
        ),
        Dialect(
            "anthropic",
            _anthropic,
            "claude-sonnet-4-5",
            lambda t: sse(_anthropic_events(t), named=True),
            _anthropic_json,
            BAD_SSE,
        ),
        Dialect(
            "gemini",
            _google,
            "gemini-2.5-flash",
            lambda t: sse(_gemini_events(t)),
            _gemini_json,
            BAD_SSE,
        ),
        Dialect(
            "bedrock",
            _bedrock,
            "anthropic.claude-sonnet-4-5-v1:0",
            lambda t: bedrock_frames(_anthropic_events(t)),
            _anthropic_json,
            BAD_FRAME,
            EVENT_STREAM,
        ),
        Dialect(
            "converse",
            _bedrock,
            "amazon.nova-pro-v1:0",
            lambda t: converse_frames(_converse_events(t)),
            _converse_json,
            BAD_FRAME,
            EVENT_STREAM,
        ),
    )
}
