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


ARGUMENTS = {"a": 2, "b": 3}  # the arguments of the ``add`` tool call below


def tool_call_json(name: str, *, finished: bool = True) -> dict[str, Any]:
    """A whole answer of dialect ``name`` holding one ``add`` call (with or without its finish)."""
    arguments = json.dumps(ARGUMENTS)
    if name == "chat":
        function = {"name": "add", "arguments": arguments}
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": function}],
        }
        finish = "tool_calls" if finished else None
        return {
            "id": "c1",
            "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        }
    if name == "responses":
        call = {
            "type": "function_call",
            "id": "fc1",
            "call_id": "call_1",
            "name": "add",
            "arguments": arguments,
        }
        status = "completed" if finished else "in_progress"
        return {"id": "r1", "model": "m", "status": status, "output": [call]}
    if name == "gemini":
        parts = [{"functionCall": {"id": "call_1", "name": "add", "args": ARGUMENTS}}]
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
        if finished:
            candidate["finishReason"] = "STOP"
        return {"candidates": [candidate], "modelVersion": "m"}
    if name == "converse":
        use = {"toolUse": {"toolUseId": "call_1", "name": "add", "input": ARGUMENTS}}
        return {
            "output": {"message": {"role": "assistant", "content": [use]}},
            "stopReason": "tool_use" if finished else None,
        }
    call = {"type": "tool_use", "id": "call_1", "name": "add", "input": ARGUMENTS}
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [call],
        "stop_reason": "tool_use" if finished else None,
    }


def _anthropic_tool_events() -> list[dict[str, Any]]:
    block = {"type": "tool_use", "id": "call_1", "name": "add", "input": {}}
    delta = {"type": "input_json_delta", "partial_json": json.dumps(ARGUMENTS)}
    return [
        {
            "type": "message_start",
            "message": {"id": "msg_1", "model": "m", "usage": {"input_tokens": 1}},
        },
        {"type": "content_block_start", "index": 0, "content_block": block},
        {"type": "content_block_delta", "index": 0, "delta": delta},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
        {"type": "message_stop"},
    ]


def tool_call_stream(name: str) -> list[bytes]:
    """The streamed body of dialect ``name`` holding one finished ``add`` call."""
    arguments = json.dumps(ARGUMENTS)
    if name == "chat":
        opened = {
            "index": 0,
            "id": "call_1",
            "type": "function",
            "function": {"name": "add", "arguments": ""},
        }
        rest = {"index": 0, "function": {"arguments": arguments}}
        return sse(
            [
                {
                    "id": "c1",
                    "model": "m",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": fin}],
                }
                for delta, fin in (
                    ({"role": "assistant", "tool_calls": [opened]}, None),
                    ({"tool_calls": [rest]}, None),
                    ({}, "tool_calls"),
                )
            ]
            + ["[DONE]"]
        )
    if name == "responses":
        item = {"type": "function_call", "id": "fc1", "call_id": "call_1", "name": "add"}
        done = {**item, "arguments": arguments}
        response = {"id": "r1", "model": "m", "status": "completed", "output": [done]}
        return sse(
            [
                {
                    "type": "response.created",
                    "response": {"id": "r1", "model": "m", "status": "in_progress"},
                },
                {
                    "type": "response.output_item.added",
                    "output_index": 0,
                    "item": {**item, "arguments": ""},
                },
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": "fc1",
                    "output_index": 0,
                    "delta": arguments,
                },
                {"type": "response.output_item.done", "output_index": 0, "item": done},
                {"type": "response.completed", "response": response},
            ],
            named=True,
        )
    if name == "gemini":
        return sse([tool_call_json("gemini")])
    if name == "converse":
        start = {"toolUse": {"toolUseId": "call_1", "name": "add"}}
        return converse_frames(
            [
                ("messageStart", {"role": "assistant"}),
                ("contentBlockStart", {"contentBlockIndex": 0, "start": start}),
                (
                    "contentBlockDelta",
                    {"contentBlockIndex": 0, "delta": {"toolUse": {"input": arguments}}},
                ),
                ("contentBlockStop", {"contentBlockIndex": 0}),
                ("messageStop", {"stopReason": "tool_use"}),
            ]
        )
    if name == "bedrock":
        return bedrock_frames(_anthropic_tool_events())
    return sse(_anthropic_tool_events(), named=True)


# How many leading events of ``Dialect.stream_body`` deliver some text but no finish signal.
TEXT_BEFORE_FINISH = {
    "chat": 1,
    "responses": 3,
    "anthropic": 3,
    "gemini": 1,
    "bedrock": 3,
    "converse": 2,
}


def wants_stream(request: Any) -> bool:
    """Whether a request to the loopback server asks for a streamed answer (any dialect)."""
    return bool(json.loads(request.body or b"{}").get("stream")) or "stream" in request.path.lower()


def answer(dialect: Dialect, request: Any, text: str = TEXT) -> Any:
    """The loopback server's ``Plan`` of a whole answer ``text``, streamed if asked to be."""
    from _server import Plan

    if wants_stream(request):
        return Plan(content_type=dialect.content_type, chunks=tuple(dialect.stream_body(text)))
    return Plan(
        content_type="application/json", chunks=(json.dumps(dialect.json_body(text)).encode(),)
    )
