"""Chat Completions responses → fantasy values (pure; no I/O).

:func:`decode_response` reads a whole JSON response; :class:`StreamDecoder` reads the
``data:`` strings of a streamed response one at a time. Both ask a
:class:`~fantasy.providers.openai.chat.hooks.ChatHooks` for what differs between
variants (reasoning fields, usage shapes, finish reasons, metadata).

A refusal (``message.refusal`` / ``delta.refusal``) is reported as text when the
message has no other text. ``url_citation`` annotations become sources.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fantasy import stream
from fantasy.content import Content, SourceContent, TextContent, ToolCallContent
from fantasy.errors import IncompleteStreamError
from fantasy.providers._decode import EventDecoder
from fantasy.providers._json import invalid, wire_errors
from fantasy.providers._toolcalls import ToolCallAccumulator, new_tool_call_id
from fantasy.providers.openai._errors import error_from_payload
from fantasy.response import Response, ResponseInfo
from fantasy.stream import StreamPart
from fantasy.usage import FinishReason

if TYPE_CHECKING:
    from fantasy.providers.openai.chat.hooks import ChatHooks

__all__ = ["StreamDecoder", "StreamState", "decode_response", "final_finish_reason"]

_OVERRIDABLE = (FinishReason.STOP, FinishReason.OTHER, FinishReason.UNKNOWN)


def final_finish_reason(mapped: FinishReason, has_tool_calls: bool) -> FinishReason:
    """``tool-calls`` whenever the answer holds tool calls, unless cut short.

    ``length`` and ``content-filter`` are kept: a call cut off there is incomplete and
    must not be run as if the model had finished it.
    """
    if has_tool_calls and mapped in _OVERRIDABLE:
        return FinishReason.TOOL_CALLS
    return mapped


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def source_of(annotation: Mapping[str, Any]) -> SourceContent | None:
    """A ``url_citation`` annotation as a source, or ``None`` for other kinds."""
    if annotation.get("type") != "url_citation":
        return None
    citation = _dict(annotation.get("url_citation")) or dict(annotation)
    url = citation.get("url")
    if not isinstance(url, str) or not url:
        return None
    title = citation.get("title")
    return SourceContent(
        source_type="url",
        id=f"source-{uuid.uuid4().hex[:12]}",
        url=url,
        title=title if isinstance(title, str) else "",
    )


# --- whole responses -------------------------------------------------------------------------


def decode_response(data: Any, *, hooks: ChatHooks, provider: str) -> Response:
    """A whole Chat Completions JSON response as a :class:`Response`.

    Raises:
        ProviderError: The response is an ``{"error": ...}`` object.
        InvalidResponseError: The JSON is not a chat completion (raw kept).
    """
    if not isinstance(data, dict):
        raise invalid("chat completion is not a JSON object", data, provider)
    with wire_errors(data, provider=provider, what="chat completion"):
        if data.get("error"):
            raise error_from_payload(data, provider=provider)
        return _decode_completion(data, hooks, provider)


def _decode_completion(data: dict[str, Any], hooks: ChatHooks, provider: str) -> Response:
    choices = data.get("choices")
    if not isinstance(choices, list):
        raise invalid("chat completion has no choices list", data, provider)
    choice = _dict(choices[0]) if choices else {}
    message = _dict(choice.get("message"))
    content = [*hooks.response_extras(choice, message), *_message_content(message)]
    raw_finish = choice.get("finish_reason")
    raw_finish = raw_finish if isinstance(raw_finish, str) else ""
    has_calls = any(isinstance(item, ToolCallContent) for item in content)
    return Response(
        content=tuple(content),
        finish_reason=final_finish_reason(hooks.map_finish_reason(raw_finish), has_calls),
        raw_finish_reason=raw_finish,
        usage=hooks.usage(_dict(data.get("usage"))),
        provider_metadata=hooks.response_metadata(data, choice),
        info=ResponseInfo(id=str(data.get("id") or ""), model_id=str(data.get("model") or "")),
    )


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # some servers send content as a list of text parts
        return "".join(str(item.get("text") or "") for item in value if isinstance(item, dict))
    return ""


def _message_content(message: Mapping[str, Any]) -> list[Content]:
    content: list[Content] = []
    text = _text_of(message.get("content")) or _text_of(message.get("refusal"))
    if text:
        content.append(TextContent(text=text))
    for call in message.get("tool_calls") or ():
        if isinstance(call, dict):
            content.append(_tool_call(call))
    for annotation in message.get("annotations") or ():
        source = source_of(annotation) if isinstance(annotation, dict) else None
        if source is not None:
            content.append(source)
    return content


def _tool_call(call: Mapping[str, Any]) -> ToolCallContent:
    function = _dict(call.get("function"))
    arguments = function.get("arguments")
    if isinstance(arguments, dict | list):  # a few servers send parsed arguments
        arguments = json.dumps(arguments, ensure_ascii=False)
    arguments = arguments if isinstance(arguments, str) and arguments.strip() else "{}"
    return ToolCallContent(
        tool_call_id=str(call.get("id") or "") or new_tool_call_id(),
        tool_name=str(function.get("name") or ""),
        input=arguments,
    )


# --- streams ----------------------------------------------------------------------------------


class StreamState:
    """What a stream decoder knows so far; hooks read it and open blocks through it.

    Attributes:
        chunk: The chunk being decoded.
        choice: The choice being decoded (``{}`` for chunks without choices).
        tool_calls: The tool-call accumulator.
        raw_usage: The last ``usage`` object seen.
        raw_finish_reason: The finish reason, once seen.
        logprobs: Collected ``logprobs.content`` entries.
        extras: Free space for hooks to keep their own state.

    Args:
        on_reasoning_end: Called whenever a reasoning block closes; the metadata it
            returns completes the block's ``ReasoningEnd`` (see
            :meth:`ChatHooks.reasoning_end_metadata`).
    """

    def __init__(
        self,
        on_reasoning_end: Callable[[StreamState], Mapping[str, Any] | None] | None = None,
    ) -> None:
        self._on_reasoning_end = on_reasoning_end
        self.chunk: dict[str, Any] = {}
        self.choice: dict[str, Any] = {}
        self.tool_calls = ToolCallAccumulator()
        self.raw_usage: dict[str, Any] = {}
        self.raw_finish_reason = ""
        self.logprobs: list[Any] = []
        self.extras: dict[str, Any] = {}
        self._text_id = ""
        self._reasoning_id = ""
        self._blocks = 0

    def _next_id(self, kind: str) -> str:
        self._blocks += 1
        return f"{kind}-{self._blocks}"

    def text_delta(self, text: str) -> list[StreamPart]:
        """Append text (opening a text block, closing reasoning); empty text is a no-op."""
        if not text:
            return []
        parts = self.end_reasoning()
        if not self._text_id:
            self._text_id = self._next_id("text")
            parts.append(stream.TextStart(id=self._text_id))
        parts.append(stream.TextDelta(id=self._text_id, delta=text))
        return parts

    def reasoning_delta(
        self, text: str, provider_metadata: Mapping[str, Any] | None = None
    ) -> list[StreamPart]:
        """Append reasoning (opening a reasoning block, closing text).

        Empty text with no metadata is a no-op; empty text with metadata is kept.
        """
        if not text and not provider_metadata:
            return []
        parts = self.end_text()
        if not self._reasoning_id:
            self._reasoning_id = self._next_id("reasoning")
            parts.append(stream.ReasoningStart(id=self._reasoning_id))
        if provider_metadata:
            parts.append(
                stream.ReasoningDelta(
                    id=self._reasoning_id, delta=text, provider_metadata=dict(provider_metadata)
                )
            )
        else:
            parts.append(stream.ReasoningDelta(id=self._reasoning_id, delta=text))
        return parts

    def end_text(self) -> list[StreamPart]:
        """Close the open text block, if any."""
        if not self._text_id:
            return []
        block, self._text_id = self._text_id, ""
        return [stream.TextEnd(id=block)]

    def end_reasoning(self, provider_metadata: Mapping[str, Any] | None = None) -> list[StreamPart]:
        """Close the open reasoning block, if any (``provider_metadata`` completes it).

        Metadata from the ``on_reasoning_end`` callback is merged under
        ``provider_metadata`` (which wins on equal keys).
        """
        if not self._reasoning_id:
            return []
        block, self._reasoning_id = self._reasoning_id, ""
        collected = self._on_reasoning_end(self) if self._on_reasoning_end is not None else None
        metadata = {**(collected or {}), **(provider_metadata or {})}
        if metadata:
            return [stream.ReasoningEnd(id=block, provider_metadata=metadata)]
        return [stream.ReasoningEnd(id=block)]

    @property
    def reasoning_open(self) -> bool:
        """Whether a reasoning block is open."""
        return bool(self._reasoning_id)

    def close_all(self) -> list[StreamPart]:
        """Close open blocks and complete pending tool calls."""
        return [*self.end_reasoning(), *self.end_text(), *self.tool_calls.flush()]


class StreamDecoder(EventDecoder):
    """Decodes the ``data:`` strings of one streamed chat completion.

    Call :meth:`feed` with each event's data (``[DONE]`` ends the stream) and
    :meth:`finish` once the connection closes. Stop feeding after :attr:`done`.
    """

    _what = "stream chunk"

    def __init__(self, *, hooks: ChatHooks, provider: str) -> None:
        super().__init__(provider=provider)
        self.hooks = hooks
        self.state = StreamState(on_reasoning_end=hooks.reasoning_end_metadata)
        self._metadata_sent = False

    def _on_done_marker(self) -> list[StreamPart]:
        return self._complete()

    def _on_event(self, chunk: dict[str, Any], event: str) -> list[StreamPart]:
        if chunk.get("error"):
            self._failed = True
            return [stream.Error(error_from_payload(chunk, provider=self.provider))]
        return self._chunk(chunk)

    def finish(self) -> list[StreamPart]:
        """Parts due at the end of the connection; raises if the stream was cut short."""
        if self.done:
            return []
        if not self.state.raw_finish_reason:
            raise IncompleteStreamError(provider=self.provider)
        return self._complete()

    def _chunk(self, chunk: dict[str, Any]) -> list[StreamPart]:
        state = self.state
        state.chunk = chunk
        state.choice = {}
        parts = self._response_metadata(chunk)
        usage = chunk.get("usage")
        if isinstance(usage, dict) and usage:
            state.raw_usage = usage
        choices = chunk.get("choices")
        if not choices:
            parts.extend(self.hooks.stream_extras({}, state))
        for choice in choices or ():
            if isinstance(choice, dict) and choice.get("index", 0) in (0, None):
                parts.extend(self._choice(choice))
        return parts

    def _response_metadata(self, chunk: Mapping[str, Any]) -> list[StreamPart]:
        if self._metadata_sent:
            return []
        response_id = chunk.get("id")
        model = chunk.get("model")
        if not response_id and not model:
            return []
        self._metadata_sent = True
        return [stream.ResponseMetadata(id=str(response_id or ""), model_id=str(model or ""))]

    def _choice(self, choice: dict[str, Any]) -> list[StreamPart]:
        state = self.state
        state.choice = choice
        delta = _dict(choice.get("delta"))
        parts = self.hooks.stream_extras(delta, state)
        parts += state.text_delta(_text_of(delta.get("content")) or _text_of(delta.get("refusal")))
        for entry in delta.get("tool_calls") or ():
            if isinstance(entry, dict):
                parts += state.end_reasoning()
                parts += state.tool_calls.add(entry)
        parts += self._sources(delta)
        logprobs = _dict(choice.get("logprobs")).get("content")
        if isinstance(logprobs, list):
            state.logprobs.extend(entry for entry in logprobs if isinstance(entry, dict))
        finish_reason = choice.get("finish_reason")
        if isinstance(finish_reason, str) and finish_reason:
            state.raw_finish_reason = finish_reason
            parts += state.close_all()
        return parts

    def _sources(self, delta: Mapping[str, Any]) -> list[StreamPart]:
        parts: list[StreamPart] = []
        for annotation in delta.get("annotations") or ():
            source = source_of(annotation) if isinstance(annotation, dict) else None
            if source is not None:
                parts.append(
                    stream.Source(
                        source_type="url", id=source.id, url=source.url, title=source.title
                    )
                )
        return parts

    def _complete(self) -> list[StreamPart]:
        self._finished = True
        state = self.state
        has_calls = state.tool_calls.saw_calls
        parts = state.close_all()
        raw = state.raw_finish_reason
        parts.append(
            stream.Finish(
                finish_reason=final_finish_reason(self.hooks.map_finish_reason(raw), has_calls),
                usage=self.hooks.usage(state.raw_usage),
                raw_finish_reason=raw,
                provider_metadata=self.hooks.stream_metadata(state),
            )
        )
        return parts
