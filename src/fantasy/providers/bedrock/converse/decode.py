"""Bedrock Converse answers → fantasy responses and stream parts (pure).

A whole answer is ``{"output": {"message": {"content": [...]}}, "stopReason", "usage",
"metrics", "trace", "additionalModelResponseFields"}``. A stream is a sequence of
events, each ``(event type, payload)``: ``messageStart``, ``contentBlockStart`` (tool
use), ``contentBlockDelta`` (text, tool input JSON, reasoning text / signature /
redacted content), ``contentBlockStop``, ``messageStop`` (stop reason) and
``metadata`` (usage, metrics, trace). :class:`StreamDecoder` checks their order: a
second ``messageStart``, a delta for a block of another kind, anything after
``metadata`` or a stream without ``messageStop`` is a typed error, never a silent merge.

Usage follows fantasy's invariant: ``inputTokens`` excludes cache reads and writes on
Converse, so both are added to ``input_tokens``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fantasy import stream
from fantasy.content import Content, ReasoningContent, TextContent, ToolCallContent
from fantasy.errors import IncompleteResponseError, IncompleteStreamError, InvalidResponseError
from fantasy.providers._decode import EventDecoder
from fantasy.providers._json import invalid
from fantasy.providers.bedrock._eventstream import exception_error
from fantasy.providers.bedrock.converse.options import (
    PROVIDER_KEY,
    BedrockReasoningMetadata,
    BedrockResponseMetadata,
)
from fantasy.response import Response, ResponseInfo
from fantasy.stream import StreamPart
from fantasy.usage import CallWarning, FinishReason, Usage

__all__ = [
    "StreamDecoder",
    "decode_response",
    "in_band_error",
    "map_finish_reason",
    "usage_of",
]

_FINISH = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "tool_use": FinishReason.TOOL_CALLS,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "guardrail_intervened": FinishReason.CONTENT_FILTER,
    "content_filtered": FinishReason.CONTENT_FILTER,
}


def map_finish_reason(reason: str) -> FinishReason:
    """Converse's ``stopReason`` as a fantasy finish reason (unknown values: ``other``)."""
    return _FINISH.get(reason, FinishReason.OTHER if reason else FinishReason.UNKNOWN)


def _count(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def usage_of(usage: Any) -> Usage:
    """Usage from Converse counts; cache reads and writes are added to the input."""
    if not isinstance(usage, Mapping):
        return Usage()
    read = _count(usage, "cacheReadInputTokens")
    written = _count(usage, "cacheWriteInputTokens")
    return Usage.of(
        input_tokens=_count(usage, "inputTokens") + read + written,
        output_tokens=_count(usage, "outputTokens"),
        cache_read_tokens=read,
        cache_creation_tokens=written,
    )


def _metadata(data: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    metrics = data.get("metrics")
    latency = metrics.get("latencyMs") if isinstance(metrics, Mapping) else None
    trace = data.get("trace")
    fields = (extra or {}).get("additionalModelResponseFields")
    if fields is None:
        fields = data.get("additionalModelResponseFields")
    usage = data.get("usage")
    metadata = BedrockResponseMetadata(
        latency_ms=latency if isinstance(latency, int) and not isinstance(latency, bool) else None,
        trace=dict(trace) if isinstance(trace, Mapping) else None,
        additional_model_response_fields=dict(fields) if isinstance(fields, Mapping) else None,
        usage=dict(usage) if isinstance(usage, Mapping) else {},
    )
    return {PROVIDER_KEY: metadata}


def _reasoning_metadata(signature: str = "", redacted: str = "") -> dict[str, Any]:
    # Always present, so that replay knows the reasoning came from Converse.
    return {
        PROVIDER_KEY: BedrockReasoningMetadata(
            signature=signature or None, redacted_content=redacted or None
        )
    }


def in_band_error(data: Mapping[str, Any], provider: str, error_type: str = "") -> Exception | None:
    """The error of a 200 answer whose body is an AWS error object instead of ``output``."""
    if "output" in data:
        return None
    message = data.get("message") or data.get("Message")
    kind = str(data.get("__type") or error_type or "").split(":", 1)[0].rsplit("#", 1)[-1]
    if not isinstance(message, str) and not kind:
        return None
    kind = kind[:1].lower() + kind[1:] if kind else "exception"
    return exception_error(provider, kind, str(message or kind))


def _string(value: Any, provider: str, where: str) -> str:
    if not isinstance(value, str):
        raise invalid(f"{where} is not a string", value, provider)
    return value


def _content(block: Any, provider: str) -> Content | None:
    if not isinstance(block, Mapping):
        raise invalid("content block is not an object", block, provider)
    if "text" in block:
        return TextContent(text=_string(block["text"], provider, "text"))
    if "toolUse" in block:
        use = block["toolUse"]
        if not isinstance(use, Mapping):
            raise invalid("toolUse is not an object", use, provider)
        tool_input = use.get("input", {})
        return ToolCallContent(
            tool_call_id=_string(use.get("toolUseId"), provider, "toolUseId"),
            tool_name=_string(use.get("name"), provider, "toolUse name"),
            input=json.dumps(tool_input, ensure_ascii=False, separators=(",", ":")),
        )
    if "reasoningContent" in block:
        return _reasoning_content(block["reasoningContent"], provider)
    return None  # citations, guard content, images: not content fantasy models yet


def _reasoning_content(reasoning: Any, provider: str) -> ReasoningContent:
    if not isinstance(reasoning, Mapping):
        raise invalid("reasoningContent is not an object", reasoning, provider)
    if "redactedContent" in reasoning:
        redacted = _string(reasoning["redactedContent"], provider, "redactedContent")
        return ReasoningContent(text="", provider_metadata=_reasoning_metadata(redacted=redacted))
    text = reasoning.get("reasoningText")
    if not isinstance(text, Mapping):
        raise invalid("reasoningContent has no reasoningText", reasoning, provider)
    signature = text.get("signature")
    return ReasoningContent(
        text=_string(text.get("text", ""), provider, "reasoning text"),
        provider_metadata=_reasoning_metadata(signature if isinstance(signature, str) else ""),
    )


def decode_response(
    data: Any,
    *,
    provider: str,
    warnings: tuple[CallWarning, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A whole Converse answer as a :class:`Response`.

    Raises:
        ProviderError: The body is an in-band AWS error (throttling is retryable).
        IncompleteResponseError: The answer has no ``stopReason`` (retryable).
        InvalidResponseError: Any other shape.
    """
    if not isinstance(data, Mapping):
        raise invalid("response is not a JSON object", data, provider)
    error = in_band_error(data, provider, (headers or {}).get("x-amzn-errortype", ""))
    if error is not None:
        raise error
    output = data.get("output")
    message = output.get("message") if isinstance(output, Mapping) else None
    blocks = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(blocks, list):
        raise invalid("response has no output.message.content list", data, provider)
    content = tuple(item for item in (_content(b, provider) for b in blocks) if item is not None)
    reason = data.get("stopReason")
    if not isinstance(reason, str) or not reason:
        raise IncompleteResponseError("Converse answer has no stopReason", provider=provider)
    return Response(
        content=content,
        finish_reason=map_finish_reason(reason),
        raw_finish_reason=reason,
        usage=usage_of(data.get("usage")),
        warnings=warnings,
        provider_metadata=_metadata(data),
        info=ResponseInfo(headers=dict(headers or {})),
    )


@dataclass(slots=True)
class _Block:
    kind: Literal["text", "reasoning", "tool"]
    id: str
    name: str = ""
    chunks: list[str] = field(default_factory=list)
    signature: str = ""
    redacted: str = ""


class StreamDecoder(EventDecoder):
    """Turns ConverseStream events into stream parts; one decoder per stream.

    ``feed(data, event)`` takes a frame's payload JSON and its ``:event-type``.

    Args:
        provider: Provider name used in errors.
    """

    _what = "Converse stream event"

    def __init__(self, *, provider: str) -> None:
        super().__init__(provider=provider)
        self._blocks: dict[int, _Block] = {}
        self._started = False
        self._stop: Mapping[str, Any] | None = None

    def _on_event(self, payload: dict[str, Any], event: str) -> list[StreamPart]:
        """The parts of one event (``event`` is the frame's ``:event-type``)."""
        if event == "messageStart":
            if self._started:
                raise self._order("a second messageStart in one stream")
            self._started = True
            return [stream.ResponseMetadata()]
        if event == "metadata":
            return self._finish_event(payload)
        if self._stop is not None:
            raise self._order(f"{event} after messageStop")
        if event == "messageStop":
            self._stop = payload
            return self._close_all()
        if event == "contentBlockStart":
            return self._start(payload)
        if event == "contentBlockDelta":
            return self._delta(payload)
        if event == "contentBlockStop":
            return self._stop_block(self._index(payload))
        return []  # event types added to the API later carry nothing fantasy models yet

    def finish(self) -> list[StreamPart]:
        """The closing parts at the end of the body (``Finish`` when no metadata came).

        Raises:
            IncompleteStreamError: The stream ended before ``messageStop``.
        """
        if self._finished:
            return []
        if self._stop is None:
            raise IncompleteStreamError(
                "Converse stream ended before messageStop", provider=self.provider
            )
        return self._finish_event({})

    def _order(self, what: str) -> InvalidResponseError:
        return InvalidResponseError(
            f"unexpected Converse event order: {what}", provider=self.provider
        )

    def _index(self, payload: Mapping[str, Any]) -> int:
        index = payload.get("contentBlockIndex", 0)
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise invalid("contentBlockIndex is not a non-negative integer", payload, self.provider)
        return index

    def _start(self, payload: Mapping[str, Any]) -> list[StreamPart]:
        index = self._index(payload)
        start = payload.get("start")
        use = start.get("toolUse") if isinstance(start, Mapping) else None
        if not isinstance(use, Mapping):
            return []
        if index in self._blocks:
            raise self._order(f"block {index} started twice")
        block = _Block(
            "tool",
            _string(use.get("toolUseId"), self.provider, "toolUseId"),
            name=_string(use.get("name"), self.provider, "toolUse name"),
        )
        self._blocks[index] = block
        return [stream.ToolInputStart(id=block.id, tool_name=block.name)]

    def _open(
        self, index: int, kind: Literal["text", "reasoning"]
    ) -> tuple[_Block, list[StreamPart]]:
        block = self._blocks.get(index)
        if block is not None:
            if block.kind != kind:
                raise self._order(f"a {kind} delta for {block.kind} block {index}")
            return block, []
        block = _Block(kind, str(index))
        self._blocks[index] = block
        start: StreamPart = (
            stream.TextStart(id=block.id) if kind == "text" else stream.ReasoningStart(id=block.id)
        )
        return block, [start]

    def _delta(self, payload: Mapping[str, Any]) -> list[StreamPart]:
        index = self._index(payload)
        delta = payload.get("delta")
        if not isinstance(delta, Mapping):
            raise invalid("contentBlockDelta has no delta object", payload, self.provider)
        if "text" in delta:
            block, out = self._open(index, "text")
            text = _string(delta["text"], self.provider, "text delta")
            out.append(stream.TextDelta(id=block.id, delta=text))
            return out
        if "toolUse" in delta:
            return self._tool_delta(index, delta["toolUse"])
        if "reasoningContent" in delta:
            return self._reasoning_delta(index, delta["reasoningContent"])
        return []  # citation deltas and later additions

    def _tool_delta(self, index: int, use: Any) -> list[StreamPart]:
        block = self._blocks.get(index)
        if block is None or block.kind != "tool":
            raise self._order(f"tool input for block {index}, which is not a tool use")
        chunk = _string(
            use.get("input") if isinstance(use, Mapping) else None, self.provider, "tool input"
        )
        block.chunks.append(chunk)
        return [stream.ToolInputDelta(id=block.id, delta=chunk)] if chunk else []

    def _reasoning_delta(self, index: int, reasoning: Any) -> list[StreamPart]:
        if not isinstance(reasoning, Mapping):
            raise invalid("reasoningContent delta is not an object", reasoning, self.provider)
        block, out = self._open(index, "reasoning")
        if "text" in reasoning:
            text = _string(reasoning["text"], self.provider, "reasoning delta")
            out.append(stream.ReasoningDelta(id=block.id, delta=text))
        if "signature" in reasoning:
            block.signature += _string(reasoning["signature"], self.provider, "signature")
        if "redactedContent" in reasoning:
            block.redacted += _string(reasoning["redactedContent"], self.provider, "redacted")
        return out

    def _stop_block(self, index: int) -> list[StreamPart]:
        block = self._blocks.pop(index, None)
        if block is None:
            return []  # a stop for a block that had no content (some models send these)
        if block.kind == "text":
            return [stream.TextEnd(id=block.id)]
        if block.kind == "reasoning":
            metadata = _reasoning_metadata(block.signature, block.redacted)
            return [stream.ReasoningEnd(id=block.id, provider_metadata=metadata)]
        arguments = "".join(block.chunks)
        return [
            stream.ToolInputEnd(id=block.id),
            stream.ToolCall(
                tool_call_id=block.id,
                tool_name=block.name,
                input=arguments if arguments.strip() else "{}",
            ),
        ]

    def _close_all(self) -> list[StreamPart]:
        out: list[StreamPart] = []
        for index in sorted(self._blocks):
            out.extend(self._stop_block(index))
        return out

    def _finish_event(self, payload: Mapping[str, Any]) -> list[StreamPart]:
        if self._stop is None:
            raise self._order("metadata before messageStop")
        self._finished = True
        reason = self._stop.get("stopReason")
        reason = reason if isinstance(reason, str) else ""
        return [
            stream.Finish(
                finish_reason=map_finish_reason(reason),
                usage=usage_of(payload.get("usage")),
                raw_finish_reason=reason,
                provider_metadata=_metadata(payload, self._stop),
            )
        ]
