"""Responses API answers → fantasy values (pure; no I/O).

:func:`decode_response` reads a whole JSON response; :class:`StreamDecoder` reads the
events of a streamed one (``event:`` + ``data:`` SSE lines; the event kind is read from
the data's ``type``). Stream blocks are keyed by output item: a ``message`` item is one
text block (id = item id), a ``reasoning`` item one reasoning block (id = item id, its
summary parts separated by a blank line), a ``function_call`` one tool input (id =
``call_id``).

The stream ends at ``response.completed`` / ``response.incomplete`` (a ``Finish``
part), or at ``response.failed`` / ``error`` (a ``stream.Error`` part, retryable per the
error code). A stream that closes before any of these raises
:class:`~fantasy.errors.IncompleteStreamError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fantasy import stream
from fantasy.content import Content, SourceContent, ToolCallContent
from fantasy.errors import IncompleteResponseError, IncompleteStreamError
from fantasy.providers._decode import EventDecoder
from fantasy.providers._json import invalid, wire_errors
from fantasy.providers._toolcalls import new_tool_call_id
from fantasy.providers.openai._errors import error_from_payload
from fantasy.providers.openai.responses._items import (
    SUMMARY_SEPARATOR,
    WEB_SEARCH_TOOL_NAME,
    arguments_of,
    as_dict,
    finish_reason_of,
    item_content,
    item_metadata,
    message_text,
    reasoning_metadata,
    reasoning_text,
    source_of,
    sources_of_message,
    text_of,
    usage_from_responses,
    web_search_input,
    web_search_result,
)
from fantasy.response import Response, ResponseInfo
from fantasy.stream import StreamPart

__all__ = ["StreamDecoder", "decode_response", "usage_from_responses"]


# --- whole responses -------------------------------------------------------------------------


def decode_response(data: Any, *, provider: str) -> Response:
    """A whole Responses API JSON answer as a :class:`Response`.

    Raises:
        ProviderError: The response carries an ``error`` (status ``failed``).
        InvalidResponseError: The JSON is not a response object.
    """
    if not isinstance(data, dict):
        raise invalid("response is not a JSON object", data, provider)
    with wire_errors(data, provider=provider, what="response"):
        if isinstance(data.get("error"), dict) and data["error"]:
            raise error_from_payload({"error": data["error"]}, provider=provider)
        return _decode_output(data, provider)


_UNFINISHED = frozenset({"in_progress", "queued"})


def _decode_output(data: dict[str, Any], provider: str) -> Response:
    status = data.get("status")
    if status in _UNFINISHED:
        # A background or interrupted response: its output (tool calls included) is
        # not final; the caller may retry (or poll) instead of running it.
        raise IncompleteResponseError(f"response is still {status}", provider=provider)
    output = data.get("output")
    if not isinstance(output, list):
        raise invalid("response has no output list", data, provider)
    content: list[Content] = []
    for item in output:
        if isinstance(item, dict):
            content.extend(item_content(item))
    has_calls = any(
        isinstance(item, ToolCallContent) and not item.provider_executed for item in content
    )
    finish_reason, raw_reason = finish_reason_of(data, has_calls)
    return Response(
        content=tuple(content),
        finish_reason=finish_reason,
        raw_finish_reason=raw_reason,
        usage=usage_from_responses(as_dict(data.get("usage"))),
        info=ResponseInfo(id=text_of(data.get("id")), model_id=text_of(data.get("model"))),
    )


# --- streams -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Block:
    """An open text or reasoning block: its id, whether text or annotations arrived."""

    id: str
    saw_text: bool = False
    saw_sources: bool = False


@dataclass(slots=True)
class _Call:
    """An open tool input (function call or web search) of one output item."""

    call_id: str
    name: str
    provider_executed: bool = False
    chunks: list[str] = field(default_factory=list)


def _source_part(source: SourceContent) -> StreamPart:
    return stream.Source(
        source_type=source.source_type,
        id=source.id,
        url=source.url,
        title=source.title,
        media_type=source.media_type,
        filename=source.filename,
    )


Handler = Callable[[dict[str, Any]], list[StreamPart]]
Key = str


class StreamDecoder(EventDecoder):
    """Decodes the events of one streamed Responses API answer.

    Call :meth:`feed` with each event's data (and its SSE event name) and
    :meth:`finish` once the connection closes. Stop feeding after :attr:`done`.
    """

    def __init__(self, *, provider: str) -> None:
        super().__init__(provider=provider)
        self._metadata_sent = False
        self._has_client_calls = False
        self._text: dict[Key, _Block] = {}
        self._reasoning: dict[Key, _Block] = {}
        self._calls: dict[Key, _Call] = {}
        self._ids: dict[str, Key] = {}
        self._indices: dict[int, Key] = {}
        self._handlers: dict[str, Handler] = {
            "response.created": self._on_metadata,
            "response.in_progress": self._on_metadata,
            "response.output_item.added": self._on_item_added,
            "response.output_item.done": self._on_item_done,
            "response.output_text.delta": self._on_text_delta,
            "response.refusal.delta": self._on_text_delta,
            "response.output_text.annotation.added": self._on_annotation,
            "response.reasoning_summary_part.added": self._on_summary_part,
            "response.reasoning_summary_text.delta": self._on_reasoning_delta,
            "response.reasoning_text.delta": self._on_reasoning_delta,
            "response.function_call_arguments.delta": self._on_arguments_delta,
            "response.completed": self._on_finished,
            "response.incomplete": self._on_finished,
            "response.failed": self._on_failed,
            "error": self._on_error,
        }

    def _key(self, payload: Mapping[str, Any], item_id: str) -> Key:
        """The output item an event belongs to, which must not change with its id.

        Some servers send a new item id on every event, so an unknown id is matched by
        ``output_index`` (stable) to the item first seen there; a known id wins.
        """
        known = self._ids.get(item_id) if item_id else None
        if known is not None:
            return known
        index = payload.get("output_index")
        if not isinstance(index, int) or isinstance(index, bool):
            return item_id
        key = self._indices.setdefault(index, item_id or f"output-{index}")
        if item_id:
            self._ids[item_id] = key
        return key

    def _on_event(self, payload: dict[str, Any], event: str) -> list[StreamPart]:
        kind = text_of(payload.get("type")) or event
        handler = self._handlers.get(kind)
        return handler(payload) if handler is not None else []

    def finish(self) -> list[StreamPart]:
        """Parts due at the end of the connection; raises if the stream was cut short."""
        if self.done:
            return []
        raise IncompleteStreamError(provider=self.provider)

    # --- response-level events --------------------------------------------------------------

    def _on_metadata(self, payload: dict[str, Any]) -> list[StreamPart]:
        if self._metadata_sent:
            return []
        response = as_dict(payload.get("response"))
        response_id, model = text_of(response.get("id")), text_of(response.get("model"))
        if not response_id and not model:
            return []
        self._metadata_sent = True
        return [stream.ResponseMetadata(id=response_id, model_id=model)]

    def _on_finished(self, payload: dict[str, Any]) -> list[StreamPart]:
        response = as_dict(payload.get("response"))
        parts = [*self._on_metadata(payload), *self._close_all()]
        finish_reason, raw_reason = finish_reason_of(response, self._has_client_calls)
        self._finished = True
        parts.append(
            stream.Finish(
                finish_reason=finish_reason,
                usage=usage_from_responses(as_dict(response.get("usage"))),
                raw_finish_reason=raw_reason,
            )
        )
        return parts

    def _on_failed(self, payload: dict[str, Any]) -> list[StreamPart]:
        self._failed = True
        error = as_dict(as_dict(payload.get("response")).get("error"))
        error = error or {"message": "response failed", "code": "failed"}
        return [stream.Error(error_from_payload({"error": error}, provider=self.provider))]

    def _on_error(self, payload: dict[str, Any]) -> list[StreamPart]:
        self._failed = True
        return [stream.Error(error_from_payload(payload, provider=self.provider))]

    # --- output items ------------------------------------------------------------------------

    def _on_item_added(self, payload: dict[str, Any]) -> list[StreamPart]:
        item = as_dict(payload.get("item"))
        kind, item_id = item.get("type"), text_of(item.get("id"))
        key = self._key(payload, item_id)
        if kind == "message":
            return self._open_text(key, item_id)
        if kind == "reasoning":
            return self._open_reasoning(key, item)
        if kind == "function_call":
            call = self._open_call(key, item)
            arguments = text_of(item.get("arguments"))
            if not arguments:
                return [self._input_start(call)]
            call.chunks.append(arguments)
            return [
                self._input_start(call),
                stream.ToolInputDelta(id=call.call_id, delta=arguments),
            ]
        if kind == "web_search_call":
            return [self._input_start(self._open_call(key, item))]
        return []

    def _on_item_done(self, payload: dict[str, Any]) -> list[StreamPart]:
        item = as_dict(payload.get("item"))
        kind, item_id = item.get("type"), text_of(item.get("id"))
        key = self._key(payload, item_id)
        if kind == "message":
            return self._message_done(key, item)
        if kind == "reasoning":
            return self._reasoning_done(key, item)
        if kind == "function_call":
            return self._function_call_done(key, item)
        if kind == "web_search_call":
            return self._web_search_done(key, item)
        return []

    # --- text ------------------------------------------------------------------------------------

    def _open_text(self, key: Key, item_id: str) -> list[StreamPart]:
        block = self._text[key] = _Block(id=item_id or str(key))
        return [stream.TextStart(id=block.id)]

    def _text_block(self, key: Key, item_id: str, parts: list[StreamPart]) -> _Block:
        block = self._text.get(key)
        if block is None:
            parts.extend(self._open_text(key, item_id))
            block = self._text[key]
        return block

    def _on_text_delta(self, payload: dict[str, Any]) -> list[StreamPart]:
        delta = text_of(payload.get("delta"))
        if not delta:
            return []
        item_id = text_of(payload.get("item_id"))
        parts: list[StreamPart] = []
        block = self._text_block(self._key(payload, item_id), item_id, parts)
        block.saw_text = True
        parts.append(stream.TextDelta(id=block.id, delta=delta))
        return parts

    def _on_annotation(self, payload: dict[str, Any]) -> list[StreamPart]:
        source = source_of(as_dict(payload.get("annotation")))
        if source is None:
            return []
        parts: list[StreamPart] = []
        item_id = text_of(payload.get("item_id"))
        self._text_block(self._key(payload, item_id), item_id, parts).saw_sources = True
        parts.append(_source_part(source))
        return parts

    def _message_done(self, key: Key, item: dict[str, Any]) -> list[StreamPart]:
        parts: list[StreamPart] = []
        block = self._text_block(key, text_of(item.get("id")), parts)
        del self._text[key]
        text = "" if block.saw_text else message_text(item)
        if text:
            parts.append(stream.TextDelta(id=block.id, delta=text))
        parts.append(stream.TextEnd(id=block.id))
        if not block.saw_sources:
            parts.extend(_source_part(source) for source in sources_of_message(item))
        return parts

    # --- reasoning ----------------------------------------------------------------------------

    def _open_reasoning(self, key: Key, item: dict[str, Any]) -> list[StreamPart]:
        block = self._reasoning[key] = _Block(id=text_of(item.get("id")) or str(key))
        return [stream.ReasoningStart(id=block.id, provider_metadata=reasoning_metadata(item))]

    def _reasoning_block(self, key: Key, item_id: str, parts: list[StreamPart]) -> _Block:
        block = self._reasoning.get(key)
        if block is None:
            parts.extend(self._open_reasoning(key, {"id": item_id}))
            block = self._reasoning[key]
        return block

    def _on_summary_part(self, payload: dict[str, Any]) -> list[StreamPart]:
        item_id = text_of(payload.get("item_id"))
        parts: list[StreamPart] = []
        block = self._reasoning_block(self._key(payload, item_id), item_id, parts)
        if block.saw_text:
            parts.append(stream.ReasoningDelta(id=block.id, delta=SUMMARY_SEPARATOR))
        return parts

    def _on_reasoning_delta(self, payload: dict[str, Any]) -> list[StreamPart]:
        delta = text_of(payload.get("delta"))
        if not delta:
            return []
        item_id = text_of(payload.get("item_id"))
        parts: list[StreamPart] = []
        block = self._reasoning_block(self._key(payload, item_id), item_id, parts)
        block.saw_text = True
        parts.append(stream.ReasoningDelta(id=block.id, delta=delta))
        return parts

    def _reasoning_done(self, key: Key, item: dict[str, Any]) -> list[StreamPart]:
        parts: list[StreamPart] = []
        block = self._reasoning_block(key, text_of(item.get("id")), parts)
        del self._reasoning[key]
        text = "" if block.saw_text else reasoning_text(item)
        if text:
            parts.append(stream.ReasoningDelta(id=block.id, delta=text))
        parts.append(stream.ReasoningEnd(id=block.id, provider_metadata=reasoning_metadata(item)))
        return parts

    # --- tool calls ------------------------------------------------------------------------------

    def _open_call(self, key: Key, item: dict[str, Any]) -> _Call:
        if item.get("type") == "web_search_call":
            call = _Call(
                call_id=text_of(item.get("id")) or new_tool_call_id(),
                name=WEB_SEARCH_TOOL_NAME,
                provider_executed=True,
            )
        else:
            call = _Call(
                call_id=text_of(item.get("call_id")) or new_tool_call_id(),
                name=text_of(item.get("name")),
            )
        self._calls[key] = call
        return call

    @staticmethod
    def _input_start(call: _Call) -> StreamPart:
        return stream.ToolInputStart(
            id=call.call_id, tool_name=call.name, provider_executed=call.provider_executed
        )

    def _call_for(self, key: Key, item: dict[str, Any], parts: list[StreamPart]) -> _Call:
        call = self._calls.pop(key, None)
        if call is None:
            call = self._open_call(key, item)
            del self._calls[key]
            parts.append(self._input_start(call))
        return call

    def _on_arguments_delta(self, payload: dict[str, Any]) -> list[StreamPart]:
        call = self._calls.get(self._key(payload, text_of(payload.get("item_id"))))
        delta = text_of(payload.get("delta"))
        if call is None or not delta:
            return []
        call.chunks.append(delta)
        return [stream.ToolInputDelta(id=call.call_id, delta=delta)]

    def _function_call_done(self, key: Key, item: dict[str, Any]) -> list[StreamPart]:
        parts: list[StreamPart] = []
        call = self._call_for(key, item, parts)
        if "arguments" in item:
            arguments = arguments_of(item.get("arguments"))
        else:
            arguments = arguments_of("".join(call.chunks))
        if not call.chunks and arguments != "{}":
            parts.append(stream.ToolInputDelta(id=call.call_id, delta=arguments))
        self._has_client_calls = True
        parts.append(stream.ToolInputEnd(id=call.call_id))
        parts.append(
            stream.ToolCall(tool_call_id=call.call_id, tool_name=call.name, input=arguments)
        )
        return parts

    def _web_search_done(self, key: Key, item: dict[str, Any]) -> list[StreamPart]:
        parts: list[StreamPart] = []
        call = self._call_for(key, item, parts)
        arguments = web_search_input(item)
        metadata = item_metadata(item)
        parts.append(stream.ToolInputDelta(id=call.call_id, delta=arguments))
        parts.append(stream.ToolInputEnd(id=call.call_id))
        parts.append(
            stream.ToolCall(
                tool_call_id=call.call_id,
                tool_name=call.name,
                input=arguments,
                provider_executed=True,
                provider_metadata=metadata,
            )
        )
        parts.append(
            stream.ToolResult(
                tool_call_id=call.call_id,
                tool_name=call.name,
                result=web_search_result(item),
                provider_executed=True,
                provider_metadata=metadata,
            )
        )
        return parts

    # --- end -------------------------------------------------------------------------------------

    def _close_all(self) -> list[StreamPart]:
        """Close blocks and tool inputs the provider left open before finishing."""
        parts: list[StreamPart] = [stream.TextEnd(id=block.id) for block in self._text.values()]
        parts += [stream.ReasoningEnd(id=block.id) for block in self._reasoning.values()]
        self._text.clear()
        self._reasoning.clear()
        for key, call in list(self._calls.items()):
            if call.provider_executed:
                parts.extend(self._web_search_done(key, {"id": call.call_id}))
            else:
                parts.extend(self._function_call_done(key, {"type": "function_call"}))
        return parts
