"""Anthropic responses → fantasy content: full responses and the event stream (pure).

:func:`decode_response` reads a complete Messages response; :class:`StreamDecoder`
reads the stream events one at a time (each event's JSON text, whatever carried it:
SSE for the direct API and Vertex, AWS event-stream frames for Bedrock).

Malformed input (not an object, a missing key, a value of the wrong type, a delta for
a block never started) raises :class:`~fantasy.errors.InvalidResponseError` keeping
the offending response or event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fantasy import stream
from fantasy.content import (
    Content,
    ReasoningContent,
    SourceContent,
    TextContent,
    ToolCallContent,
    ToolResultContent,
)
from fantasy.errors import IncompleteResponseError, IncompleteStreamError, InvalidResponseError
from fantasy.messages import ErrorOutput, TextOutput, ToolResultOutput
from fantasy.providers._decode import EventDecoder
from fantasy.providers._json import invalid, wire_errors
from fantasy.providers.anthropic._errors import error_from_event
from fantasy.providers.anthropic._wire import Block
from fantasy.providers.anthropic.options import (
    PROVIDER_KEY,
    AnthropicReasoningMetadata,
    AnthropicResponseMetadata,
    AnthropicServerToolResultMetadata,
    AnthropicTextMetadata,
)
from fantasy.response import Response, ResponseInfo
from fantasy.usage import CallWarning, FinishReason, Usage

__all__ = ["StreamDecoder", "decode_response", "finish_reason", "usage_of"]

_FINISH_REASONS = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "refusal": FinishReason.CONTENT_FILTER,
    "pause_turn": FinishReason.OTHER,
}
_SERVER_CALLS = frozenset({"server_tool_use", "mcp_tool_use"})


def finish_reason(raw: str | None, *, client_tool_calls: bool) -> FinishReason:
    """Map a ``stop_reason``; a stop with client tool calls is reported as tool calls."""
    reason = _FINISH_REASONS.get(raw or "", FinishReason.UNKNOWN if not raw else FinishReason.OTHER)
    if client_tool_calls and reason == FinishReason.STOP:
        return FinishReason.TOOL_CALLS
    return reason


def _count(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_of(usage: Mapping[str, Any]) -> Usage:
    """Usage from Anthropic counts; cache reads and writes are added to the input."""
    created = _count(usage, "cache_creation_input_tokens")
    read = _count(usage, "cache_read_input_tokens")
    return Usage.of(
        input_tokens=_count(usage, "input_tokens") + created + read,
        output_tokens=_count(usage, "output_tokens"),
        cache_creation_tokens=created,
        cache_read_tokens=read,
    )


def _response_metadata(stop_sequence: Any, usage: Mapping[str, Any]) -> dict[str, Any]:
    metadata = AnthropicResponseMetadata(
        stop_sequence=stop_sequence if isinstance(stop_sequence, str) else None,
        usage=dict(usage) if usage else None,
    )
    return {PROVIDER_KEY: metadata}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _string(fields: Mapping[str, Any], key: str) -> str:
    """``fields[key]``, which must be a string."""
    value = fields[key]
    if not isinstance(value, str):
        raise TypeError(f"{key!r} is not a string: {value!r}")
    return value


def _optional_string(fields: Mapping[str, Any], key: str) -> str:
    """``fields[key]`` when it is a string, ``""`` when missing or null."""
    return _string(fields, key) if fields.get(key) is not None else ""


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value if item is not None]
    return value


# --- blocks shared by both decoders -------------------------------------------------


def _reasoning_metadata(signature: str | None, redacted: str | None) -> dict[str, Any]:
    if not signature and not redacted:
        return {}
    return {
        PROVIDER_KEY: AnthropicReasoningMetadata(
            signature=signature or None, redacted_data=redacted or None
        )
    }


def _text_metadata(citations: list[dict[str, Any]]) -> dict[str, Any]:
    return {PROVIDER_KEY: AnthropicTextMetadata(citations=citations)} if citations else {}


def _result_output(block: Block) -> ToolResultOutput:
    content = block.get("content")
    if isinstance(content, dict) and str(content.get("type", "")).endswith("_error"):
        return ErrorOutput(error=str(content.get("error_code") or content.get("type")))
    if isinstance(content, list) and all(
        isinstance(item, dict) and item.get("type") == "web_search_result" for item in content
    ):
        summary = [
            {k: item[k] for k in ("title", "url", "page_age") if item.get(k) is not None}
            for item in content
        ]
        return TextOutput(text=_dumps(summary))
    return TextOutput(text=_dumps(content))


@dataclass(frozen=True, slots=True)
class _ServerResult:
    result: ToolResultContent
    sources: list[SourceContent]


def _server_result(block: Block, tool_names: Mapping[str, str]) -> _ServerResult:
    call_id = _string(block, "tool_use_id")
    kind = _string(block, "type")
    replay = _without_nulls({k: v for k, v in block.items() if k != "caller"})
    result = ToolResultContent(
        tool_call_id=call_id,
        tool_name=tool_names.get(call_id) or kind.removesuffix("_tool_result"),
        result=_result_output(block),
        provider_executed=True,
        provider_metadata={PROVIDER_KEY: AnthropicServerToolResultMetadata(block=replay)},
    )
    sources: list[SourceContent] = []
    content = block.get("content")
    if isinstance(content, list):
        for position, item in enumerate(content):
            if isinstance(item, dict) and item.get("url"):
                sources.append(
                    SourceContent(
                        source_type="url",
                        id=f"{call_id}_{position}",
                        url=str(item["url"]),
                        title=str(item.get("title") or ""),
                    )
                )
    return _ServerResult(result, sources)


def _is_server_result(kind: str) -> bool:
    return kind.endswith("_tool_result")


# --- full responses -------------------------------------------------------------------


def _content_of(blocks: list[Block]) -> list[Content]:
    content: list[Content] = []
    tool_names: dict[str, str] = {}
    for block in blocks:
        kind = str(block.get("type"))
        if kind == "text":
            citations = [c for c in block.get("citations") or [] if isinstance(c, dict)]
            content.append(
                TextContent(
                    text=_string(block, "text"), provider_metadata=_text_metadata(citations)
                )
            )
        elif kind in ("thinking", "redacted_thinking"):
            metadata = _reasoning_metadata(
                _optional_string(block, "signature"), _optional_string(block, "data")
            )
            content.append(
                ReasoningContent(
                    text=_optional_string(block, "thinking"), provider_metadata=metadata
                )
            )
        elif kind == "tool_use" or kind in _SERVER_CALLS:
            call_id, name = _string(block, "id"), _string(block, "name")
            tool_names[call_id] = name
            content.append(
                ToolCallContent(
                    tool_call_id=call_id,
                    tool_name=name,
                    input=_dumps(block.get("input") or {}),
                    provider_executed=kind != "tool_use",
                )
            )
        elif _is_server_result(kind):
            server = _server_result(block, tool_names)
            content.append(server.result)
            content.extend(server.sources)
    return content


def decode_response(
    data: Any,
    *,
    provider: str = "anthropic",
    warnings: tuple[CallWarning, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Decode a complete Messages response.

    Raises:
        ProviderError: The response is an ``error`` object.
        InvalidResponseError: The JSON is not a Messages response (raw kept).
    """
    if not isinstance(data, dict):
        raise invalid("response is not a JSON object", data, provider)
    with wire_errors(data, provider=provider, what="Messages response"):
        # In-band errors with status 200, as the stream's error event carries them:
        # {"type": "error", "error": {...}}, or the bare {"error": {...}} some proxies send.
        if data.get("type") == "error" or (
            "content" not in data and isinstance(data.get("error"), dict)
        ):
            raise error_from_event(provider, data.get("error"))
        return _decode_message(data, warnings, dict(headers or {}))


def _decode_message(
    data: dict[str, Any], warnings: tuple[CallWarning, ...], headers: dict[str, str]
) -> Response:
    blocks = data.get("content")
    if not isinstance(blocks, list):
        raise InvalidResponseError("response has no content list")
    content = _content_of(blocks)
    raw_usage = data.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    raw_reason = _optional_string(data, "stop_reason")
    if not raw_reason:
        # Only message_start of a stream has stop_reason null; a whole answer without
        # one is unfinished, and its tool calls must not run as if it were final.
        raise IncompleteResponseError("Messages response has no stop_reason")
    client_calls = any(isinstance(c, ToolCallContent) and not c.provider_executed for c in content)
    return Response(
        content=tuple(content),
        finish_reason=finish_reason(raw_reason, client_tool_calls=client_calls),
        raw_finish_reason=raw_reason,
        usage=usage_of(usage),
        warnings=warnings,
        provider_metadata=_response_metadata(data.get("stop_sequence"), usage),
        info=ResponseInfo(
            id=str(data.get("id") or ""),
            model_id=str(data.get("model") or ""),
            headers=headers,
        ),
    )


# --- streams --------------------------------------------------------------------------


@dataclass(slots=True)
class _Open:
    """A content block being streamed."""

    kind: str  # "text", "reasoning", "tool" or "ignored"
    id: str
    name: str = ""
    provider_executed: bool = False
    chunks: list[str] = field(default_factory=list)
    initial_input: str = ""
    signature: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)


class StreamDecoder(EventDecoder):
    """Turns Anthropic stream events into stream parts.

    Feed each event's JSON text to :meth:`feed`; call :meth:`finish` when the transport
    ends. ``done`` is true once ``message_stop`` or an ``error`` event was seen.
    """

    def __init__(self, *, provider: str = "anthropic") -> None:
        super().__init__(provider=provider)
        self._open: dict[int, _Open] = {}
        self._usage: dict[str, Any] = {}
        self._stop_reason: str | None = None
        self._stop_sequence: str | None = None
        self._client_tool_calls = False
        self._tool_names: dict[str, str] = {}
        self._started = False
        self._handlers: dict[str, Callable[[dict[str, Any]], list[stream.StreamPart]]] = {
            "message_start": self._message_start,
            "content_block_start": self._block_start,
            "content_block_delta": self._block_delta,
            "content_block_stop": self._block_stop,
            "message_delta": self._message_delta,
            "message_stop": self._message_stop,
            "error": self._error,
        }

    def _on_event(self, payload: dict[str, Any], event: str) -> list[stream.StreamPart]:
        # The payload's own type, never the SSE event name: Bedrock frames have none.
        handler = self._handlers.get(str(payload.get("type")))
        if handler is None:
            return []  # ping and event kinds added later
        return handler(payload)

    def finish(self) -> list[stream.StreamPart]:
        """Call when the transport ends; a stream without ``message_stop`` is incomplete."""
        if self.done:
            return []
        raise IncompleteStreamError(
            "Anthropic stream ended before message_stop", provider=self.provider
        )

    def _update_usage(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        for key, value in usage.items():
            if value is not None:
                self._usage[key] = value

    def _message_start(self, event: dict[str, Any]) -> list[stream.StreamPart]:
        if self._started:  # two messages spliced into one stream: never merge them
            raise ValueError("a second message_start in one stream (two messages spliced)")
        self._started = True
        message = event["message"]
        self._update_usage(message.get("usage"))
        return [
            stream.ResponseMetadata(
                id=str(message.get("id") or ""), model_id=str(message.get("model") or "")
            )
        ]

    def _message_delta(self, event: dict[str, Any]) -> list[stream.StreamPart]:
        delta = event.get("delta") or {}
        self._stop_reason = _optional_string(delta, "stop_reason") or self._stop_reason
        self._stop_sequence = _optional_string(delta, "stop_sequence") or self._stop_sequence
        self._update_usage(event.get("usage"))
        return []

    def _message_stop(self, event: dict[str, Any]) -> list[stream.StreamPart]:
        self._finished = True
        return [
            stream.Finish(
                finish_reason=finish_reason(
                    self._stop_reason, client_tool_calls=self._client_tool_calls
                ),
                usage=usage_of(self._usage),
                raw_finish_reason=self._stop_reason or "",
                provider_metadata=_response_metadata(self._stop_sequence, self._usage),
            )
        ]

    def _error(self, event: dict[str, Any]) -> list[stream.StreamPart]:
        self._failed = True
        return [stream.Error(error_from_event(self.provider, event.get("error")))]

    # content blocks

    def _block_start(self, event: dict[str, Any]) -> list[stream.StreamPart]:
        index = _index(event)
        if index in self._open:
            raise ValueError(f"content block {index} started twice")
        block: Block = event["content_block"]
        kind = str(block.get("type"))
        if kind == "text":
            return self._text_start(index, block)
        if kind in ("thinking", "redacted_thinking"):
            return self._reasoning_start(index, block)
        if kind == "tool_use" or kind in _SERVER_CALLS:
            return self._tool_start(index, block, provider_executed=kind != "tool_use")
        self._open[index] = _Open(kind="ignored", id=str(index))
        if _is_server_result(kind):
            server = _server_result(block, self._tool_names)
            return [_result_part(server.result), *(_source_part(s) for s in server.sources)]
        return []

    def _text_start(self, index: int, block: Block) -> list[stream.StreamPart]:
        state = _Open(kind="text", id=str(index))
        state.citations.extend(c for c in block.get("citations") or [] if isinstance(c, dict))
        self._open[index] = state
        parts: list[stream.StreamPart] = [stream.TextStart(state.id)]
        text = _optional_string(block, "text")
        if text:
            parts.append(stream.TextDelta(state.id, text))
        return parts

    def _reasoning_start(self, index: int, block: Block) -> list[stream.StreamPart]:
        signature = _optional_string(block, "signature")
        state = _Open(kind="reasoning", id=str(index), signature=signature)
        self._open[index] = state
        metadata = _reasoning_metadata(None, _optional_string(block, "data"))
        parts: list[stream.StreamPart] = [stream.ReasoningStart(state.id, metadata)]
        thinking = _optional_string(block, "thinking")
        if thinking:
            parts.append(stream.ReasoningDelta(state.id, thinking))
        return parts

    def _tool_start(
        self, index: int, block: Block, *, provider_executed: bool
    ) -> list[stream.StreamPart]:
        state = _Open(
            kind="tool",
            id=_string(block, "id"),
            name=_string(block, "name"),
            provider_executed=provider_executed,
            initial_input=_dumps(block["input"]) if block.get("input") else "",
        )
        self._open[index] = state
        self._tool_names[state.id] = state.name
        return [stream.ToolInputStart(state.id, state.name, provider_executed=provider_executed)]

    def _state(self, index: int) -> _Open:
        state = self._open.get(index)
        if state is None:
            raise ValueError(f"no open content block {index}")
        return state

    def _block_delta(self, event: dict[str, Any]) -> list[stream.StreamPart]:
        state = self._state(_index(event))
        delta = event["delta"]
        kind = delta.get("type")
        if kind == "text_delta":
            text = _string(delta, "text")
            return [stream.TextDelta(state.id, text)] if text else []
        if kind == "thinking_delta":
            thinking = _string(delta, "thinking")
            return [stream.ReasoningDelta(state.id, thinking)] if thinking else []
        if kind == "signature_delta":
            state.signature += _string(delta, "signature")
        elif kind == "citations_delta" and isinstance(delta.get("citation"), dict):
            state.citations.append(delta["citation"])
        elif kind == "input_json_delta":
            partial = _string(delta, "partial_json")
            if partial:
                state.chunks.append(partial)
                return [stream.ToolInputDelta(state.id, partial)]
        return []

    def _block_stop(self, event: dict[str, Any]) -> list[stream.StreamPart]:
        index = _index(event)
        state = self._state(index)
        del self._open[index]
        if state.kind == "text":
            return [stream.TextEnd(state.id, _text_metadata(state.citations))]
        if state.kind == "reasoning":
            return [stream.ReasoningEnd(state.id, _reasoning_metadata(state.signature, None))]
        if state.kind == "tool":
            return self._tool_end(state)
        return []

    def _tool_end(self, state: _Open) -> list[stream.StreamPart]:
        raw = "".join(state.chunks) or state.initial_input or "{}"
        if not state.provider_executed:
            self._client_tool_calls = True
        return [
            stream.ToolInputEnd(state.id),
            stream.ToolCall(
                tool_call_id=state.id,
                tool_name=state.name,
                input=raw,
                provider_executed=state.provider_executed,
            ),
        ]


def _index(event: Mapping[str, Any]) -> int:
    """The content block ``index`` of an event, which must be an integer."""
    index = event["index"]
    if not isinstance(index, int) or isinstance(index, bool):
        raise TypeError(f"content block index is not an integer: {index!r}")
    return index


def _result_part(result: ToolResultContent) -> stream.ToolResult:
    return stream.ToolResult(
        tool_call_id=result.tool_call_id,
        tool_name=result.tool_name,
        result=result.result,
        provider_executed=True,
        provider_metadata=result.provider_metadata,
    )


def _source_part(source: SourceContent) -> stream.Source:
    return stream.Source(
        source_type=source.source_type, id=source.id, url=source.url, title=source.title
    )
