"""Chat Completions responses → fantasy values (pure; no I/O).

:func:`decode_response` reads a whole JSON response; :class:`StreamDecoder` reads the
``data:`` strings of a streamed response one at a time. Both ask a
:class:`~fantasy.providers.openai.chat.hooks.ChatHooks` for what differs between
variants (reasoning fields, usage shapes, finish reasons, metadata).

A refusal (``message.refusal`` / ``delta.refusal``) is reported as text when the
message has no other text. ``content`` given as a list of typed chunks is read in
order: ``text`` chunks are text, ``thinking`` chunks (Mistral's reasoning models) are
reasoning, marked with :class:`~fantasy.providers.openai.options.ChatReasoningMetadata`
so that they are replayed as thinking chunks. ``url_citation`` annotations become sources.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fantasy import stream
from fantasy.content import (
    Content,
    ReasoningContent,
    SourceContent,
    TextContent,
    ToolCallContent,
)
from fantasy.errors import IncompleteStreamError
from fantasy.providers._blocks import BlockTracker
from fantasy.providers._decode import EventDecoder
from fantasy.providers._json import invalid, wire_errors
from fantasy.providers._toolcalls import ToolCallAccumulator, new_tool_call_id
from fantasy.providers.openai._errors import error_from_payload
from fantasy.providers.openai.chat.hooks import ChatStreamHooks
from fantasy.response import Response, ResponseInfo
from fantasy.stream import StreamPart
from fantasy.usage import FinishReason

if TYPE_CHECKING:
    from fantasy.providers.openai.chat.hooks import ChatHooks

__all__ = [
    "THINKING_CHUNKS",
    "StreamDecoder",
    "content_chunks",
    "decode_response",
    "final_finish_reason",
    "thinking_metadata",
]

THINKING_CHUNKS = "thinking-chunks"
""":attr:`ChatReasoningMetadata.form` of reasoning sent as ``thinking`` content chunks."""

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
    content = [
        *hooks.response_extras(choice, message),
        *_message_content(message, hooks.metadata_key),
    ]
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
    if isinstance(value, list):
        return "".join(text for thinking, text in content_chunks(value) if not thinking)
    return ""


def _thinking_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    texts = (item.get("text") if isinstance(item, dict) else item for item in value)
    return "".join(text for text in texts if isinstance(text, str))


def content_chunks(value: Any) -> list[tuple[bool, str]]:
    """A ``content`` value as ``(is_reasoning, text)`` pieces, in order.

    ``content`` is a string, or a list of typed chunks: ``{"type": "text", "text": ...}``
    (a missing type counts as text) and ``{"type": "thinking", "thinking": [text
    chunks]}`` (Mistral's reasoning). Other chunk types carry no text and are skipped.
    """
    if isinstance(value, str):
        return [(False, value)] if value else []
    pieces: list[tuple[bool, str]] = []
    for item in value if isinstance(value, list) else ():
        if isinstance(item, str):
            pieces.append((False, item))
            continue
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "thinking":
            pieces.append((True, _thinking_text(item.get("thinking"))))
        elif kind in (None, "text") and isinstance(item.get("text"), str):
            pieces.append((False, item["text"]))
    return [(thinking, text) for thinking, text in pieces if text]


def thinking_metadata(metadata_key: str) -> dict[str, Any]:
    """The metadata that marks reasoning received as ``thinking`` content chunks."""
    from fantasy.providers.openai.options import ChatReasoningMetadata  # pydantic: on first use

    return {metadata_key: ChatReasoningMetadata(form=THINKING_CHUNKS)}


def _message_content(message: Mapping[str, Any], metadata_key: str) -> list[Content]:
    content: list[Content] = []
    raw = message.get("content")
    pieces = content_chunks(raw) if isinstance(raw, list) else []
    if any(thinking for thinking, _ in pieces):
        content.extend(_ordered(pieces, metadata_key))
    else:
        text = _text_of(raw) or _text_of(message.get("refusal"))
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


def _ordered(pieces: list[tuple[bool, str]], metadata_key: str) -> list[Content]:
    """Reasoning and text items in content order, adjacent pieces of one kind joined."""
    items: list[Content] = []
    start = 0
    for end in range(1, len(pieces) + 1):
        if end < len(pieces) and pieces[end][0] == pieces[start][0]:
            continue
        text = "".join(piece for _, piece in pieces[start:end])
        if pieces[start][0]:
            items.append(
                ReasoningContent(text=text, provider_metadata=thinking_metadata(metadata_key))
            )
        else:
            items.append(TextContent(text=text))
        start = end
    return items


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


class StreamDecoder(EventDecoder):
    """Decodes the ``data:`` strings of one streamed chat completion.

    Call :meth:`feed` with each event's data (``[DONE]`` ends the stream) and
    :meth:`finish` once the connection closes. Stop feeding after :attr:`done`.

    Attributes:
        stream_hooks: The variant's per-stream hooks (``hooks.open_stream()``).
        blocks: The open text / reasoning block.
        tool_calls: The tool-call accumulator.
        raw_usage: The last ``usage`` object seen.
        raw_finish_reason: The finish reason, once seen.
        logprobs: Collected ``logprobs.content`` entries.
    """

    _what = "stream chunk"

    def __init__(self, *, hooks: ChatHooks, provider: str) -> None:
        super().__init__(provider=provider)
        self.hooks = hooks
        self.stream_hooks = hooks.open_stream()
        self.blocks = BlockTracker(ends=self.stream_hooks)
        self.tool_calls = ToolCallAccumulator()
        self.raw_usage: dict[str, Any] = {}
        self.raw_finish_reason = ""
        self.logprobs: list[Any] = []
        self._metadata_sent = False
        # Speed: the default hooks read nothing per chunk, and nothing from a delta
        # without reasoning fields; then the fast path of _on_event skips them.
        hooks_type = type(self.stream_hooks)
        self._chunk_hook = (
            None if hooks_type.chunk is ChatStreamHooks.chunk else (self.stream_hooks.chunk)
        )
        self._plain_deltas = hooks_type.delta is ChatStreamHooks.delta

    def _on_done_marker(self) -> list[StreamPart]:
        return self._complete()

    def _on_event(self, chunk: dict[str, Any], event: str) -> list[StreamPart]:
        if chunk.get("error"):
            self._failed = True
            return [stream.Error(error_from_payload(chunk, provider=self.provider))]
        parts: list[StreamPart] = []
        if not self._metadata_sent:
            self._response_metadata(chunk, parts)
        if self._chunk_hook is not None:
            self._chunk_hook(chunk)
        usage = chunk.get("usage")
        if usage and isinstance(usage, dict):
            self.raw_usage = usage
        choices = chunk.get("choices")
        if type(choices) is list and len(choices) == 1 and self._plain(choices[0], parts):
            return parts
        for choice in choices or ():
            if isinstance(choice, dict) and choice.get("index", 0) in (0, None):
                self._choice(choice, parts)
        return parts

    def _plain(self, choice: Any, parts: list[StreamPart]) -> bool:
        """The fast path of the common chunks; ``False`` when ``_choice`` must read it.

        Speed: most chunks of a stream are one choice whose delta is one text fragment
        (``{"content": "..."}``) or one tool-argument fragment
        (``{"tool_calls": [{"index": 0, "function": {"arguments": "..."}}]}``), with no
        finish reason and no logprobs; they take a few dictionary lookups here instead
        of every check of ``_choice`` (benchmarks/profile_stream.py, "+ decoder").
        """
        if (
            type(choice) is not dict
            or choice.get("finish_reason") is not None
            or choice.get("logprobs") is not None
            or choice.get("index", 0) not in (0, None)
            or not self._plain_deltas
        ):
            return False
        delta = choice.get("delta")
        if type(delta) is not dict or len(delta) != 1:
            return False
        content = delta.get("content")
        if type(content) is str:
            self.blocks.text(parts, content)
            return True
        calls = delta.get("tool_calls")
        if type(calls) is list and len(calls) == 1 and type(calls[0]) is dict:
            fragment = self.tool_calls.fragment(calls[0])
            if fragment is not None:
                self.blocks.end_reasoning(parts)
                parts.append(fragment)
                return True
        return False

    def finish(self) -> list[StreamPart]:
        """Parts due at the end of the connection; raises if the stream was cut short."""
        if self.done:
            return []
        if not self.raw_finish_reason:
            raise IncompleteStreamError(provider=self.provider)
        return self._complete()

    def _response_metadata(self, chunk: Mapping[str, Any], parts: list[StreamPart]) -> None:
        response_id = chunk.get("id")
        model = chunk.get("model")
        if response_id or model:
            self._metadata_sent = True
            parts.append(
                stream.ResponseMetadata(id=str(response_id or ""), model_id=str(model or ""))
            )

    def _choice(self, choice: dict[str, Any], parts: list[StreamPart]) -> None:
        delta = choice.get("delta")
        delta = delta if isinstance(delta, dict) else {}
        self.stream_hooks.delta(delta, self.blocks, parts)
        content = delta.get("content")
        # Speed: a plain string is the common delta; lists and refusals are rare.
        if type(content) is str:
            self.blocks.text(parts, content or _text_of(delta.get("refusal")))
        elif isinstance(content, list):  # typed chunks: text and (Mistral) thinking
            self._chunks(content, parts)
        else:
            self.blocks.text(parts, _text_of(delta.get("refusal")))
        calls = delta.get("tool_calls")
        if calls:
            for entry in calls:
                if isinstance(entry, dict):
                    self.blocks.end_reasoning(parts)
                    parts += self.tool_calls.add(entry)
        if "annotations" in delta:
            self._sources(delta, parts)
        logprobs = choice.get("logprobs")
        if logprobs:
            entries = _dict(logprobs).get("content")
            if isinstance(entries, list):
                self.logprobs.extend(entry for entry in entries if isinstance(entry, dict))
        finish_reason = choice.get("finish_reason")
        if finish_reason and isinstance(finish_reason, str):
            self.raw_finish_reason = finish_reason
            self._close_all(parts)

    def _chunks(self, content: list[Any], parts: list[StreamPart]) -> None:
        blocks = self.blocks
        for thinking, text in content_chunks(content):
            if not thinking:
                blocks.text(parts, text)
                continue
            fresh = blocks.open_kind != "reasoning"
            metadata = thinking_metadata(self.hooks.metadata_key) if fresh else None
            blocks.reasoning(parts, text, metadata)

    def _sources(self, delta: Mapping[str, Any], parts: list[StreamPart]) -> None:
        for annotation in delta.get("annotations") or ():
            source = source_of(annotation) if isinstance(annotation, dict) else None
            if source is not None:
                parts.append(
                    stream.Source(
                        source_type="url", id=source.id, url=source.url, title=source.title
                    )
                )

    def _close_all(self, parts: list[StreamPart]) -> None:
        """Close open blocks and complete pending tool calls."""
        self.blocks.end_reasoning(parts)
        self.blocks.end_text(parts)
        parts += self.tool_calls.flush()

    def _complete(self) -> list[StreamPart]:
        self._finished = True
        has_calls = self.tool_calls.saw_calls
        parts: list[StreamPart] = []
        self._close_all(parts)
        raw = self.raw_finish_reason
        parts.append(
            stream.Finish(
                finish_reason=final_finish_reason(self.hooks.map_finish_reason(raw), has_calls),
                usage=self.hooks.usage(self.raw_usage),
                raw_finish_reason=raw,
                provider_metadata=self.stream_hooks.finish_metadata(self.logprobs, self.raw_usage),
            )
        )
        return parts
