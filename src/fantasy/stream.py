"""Stream parts: what ``LanguageModel.stream`` yields, and their accumulator.

Order rules every provider follows:

* :class:`Warnings` comes first when the call has warnings.
* Text, reasoning and tool input arrive as ``*Start`` / ``*Delta`` / ``*End`` triples
  sharing an ``id``; blocks of different kinds may interleave.
* A :class:`ToolCall` follows the ``ToolInputEnd`` of the same id and carries the
  complete raw input text.
* :class:`Finish` is the last part of a successful stream. A stream that fails yields
  :class:`Error` (in-band provider errors) or raises (transport and decode errors).
* :class:`Retry` appears only in the streams of models that retry or switch models by
  themselves (:class:`~fantasy.fallback.FallbackModel`) and in agent streams: every part
  delivered since the start (or the previous ``Retry``) is void, and a new attempt
  follows from scratch. :class:`StreamAccumulator` starts over when it sees one.

Use the classes module-qualified: ``stream.TextDelta``, ``stream.Finish``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, assert_never

from fantasy.content import (
    Content,
    FileContent,
    ReasoningContent,
    SourceContent,
    TextContent,
    ToolCallContent,
    ToolResultContent,
)
from fantasy.messages import ToolResultOutput
from fantasy.response import Response, ResponseInfo
from fantasy.usage import CallWarning, FinishReason, Usage

__all__ = [
    "Error",
    "File",
    "Finish",
    "ReasoningDelta",
    "ReasoningEnd",
    "ReasoningStart",
    "ResponseMetadata",
    "Retry",
    "Source",
    "StreamAccumulator",
    "StreamPart",
    "TextDelta",
    "TextEnd",
    "TextStart",
    "ToolCall",
    "ToolInputDelta",
    "ToolInputEnd",
    "ToolInputStart",
    "ToolResult",
    "Warnings",
]


class _EmptyMapping(Mapping[str, Any]):
    """An immutable, hashable empty mapping: the default of metadata fields."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"


_EMPTY: Mapping[str, Any] = _EmptyMapping()


@dataclass(frozen=True, slots=True)
class Warnings:
    """Settings the provider could not honour. First part of the stream."""

    warnings: tuple[CallWarning, ...]
    type: Literal["warnings"] = "warnings"


@dataclass(frozen=True, slots=True)
class ResponseMetadata:
    """Response id and served model id, as soon as the provider says them."""

    id: str = ""
    model_id: str = ""
    type: Literal["response-metadata"] = "response-metadata"


@dataclass(frozen=True, slots=True)
class TextStart:
    """A text block begins."""

    id: str
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["text-start"] = "text-start"


@dataclass(frozen=True, slots=True)
class TextDelta:
    """More text for block ``id``."""

    id: str
    delta: str
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["text-delta"] = "text-delta"


@dataclass(frozen=True, slots=True)
class TextEnd:
    """Text block ``id`` is complete."""

    id: str
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["text-end"] = "text-end"


@dataclass(frozen=True, slots=True)
class ReasoningStart:
    """A reasoning block begins."""

    id: str
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["reasoning-start"] = "reasoning-start"


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """More reasoning text (or replay data in ``provider_metadata``) for block ``id``."""

    id: str
    delta: str
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["reasoning-delta"] = "reasoning-delta"


@dataclass(frozen=True, slots=True)
class ReasoningEnd:
    """Reasoning block ``id`` is complete; metadata here (signatures) completes it."""

    id: str
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["reasoning-end"] = "reasoning-end"


@dataclass(frozen=True, slots=True)
class ToolInputStart:
    """The model begins the input of tool call ``id``."""

    id: str
    tool_name: str
    provider_executed: bool = False
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["tool-input-start"] = "tool-input-start"


@dataclass(frozen=True, slots=True)
class ToolInputDelta:
    """A fragment of the raw JSON input of tool call ``id``."""

    id: str
    delta: str
    type: Literal["tool-input-delta"] = "tool-input-delta"


@dataclass(frozen=True, slots=True)
class ToolInputEnd:
    """The input of tool call ``id`` is complete."""

    id: str
    type: Literal["tool-input-end"] = "tool-input-end"


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call with its raw JSON input."""

    tool_call_id: str
    tool_name: str
    input: str
    provider_executed: bool = False
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["tool-call"] = "tool-call"


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool result: provider-executed in a model stream, or from the agent."""

    tool_call_id: str
    tool_name: str
    result: ToolResultOutput
    provider_executed: bool = False
    client_metadata: Mapping[str, Any] = _EMPTY
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["tool-result"] = "tool-result"


@dataclass(frozen=True, slots=True)
class Source:
    """A citation."""

    source_type: Literal["url", "document"] = "url"
    id: str = ""
    url: str = ""
    title: str = ""
    media_type: str = ""
    filename: str = ""
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["source"] = "source"


@dataclass(frozen=True, slots=True)
class File:
    """A file the model produced."""

    media_type: str
    data: bytes
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["file"] = "file"


@dataclass(frozen=True, slots=True)
class Finish:
    """The call finished: reason, usage and response-level provider metadata."""

    finish_reason: FinishReason
    usage: Usage
    raw_finish_reason: str = ""
    provider_metadata: Mapping[str, Any] = _EMPTY
    type: Literal["finish"] = "finish"


@dataclass(frozen=True, slots=True)
class Error:
    """An in-band error from the provider; the stream ends after it."""

    error: BaseException
    type: Literal["error"] = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class Retry:
    """A failed attempt is about to be retried, or another model takes over.

    An agent stream yields one before each retry of a step's model call; a model that
    retries or falls back by itself (:class:`~fantasy.fallback.FallbackModel`) yields
    one in its own stream. Either way the parts delivered since the start (of the step,
    in an agent stream) or since the previous ``Retry`` are void: what follows is a new
    attempt, and the result is built from it alone.

    Attributes:
        attempt: The number of the retry about to start (1 = first retry).
        error: Why the previous attempt failed.
        delay: Seconds waited before the retry.
        discarded: How many parts of the failed attempt had already been delivered (in
            an agent stream: every part since the step's ``StepStart`` or the previous
            ``Retry``). They are void: the step is rebuilt from the new attempt alone.
        model: ``"provider:model_id"`` of the model making the new attempt when a
            fallback switched models; empty when the same model is retried.
    """

    attempt: int
    error: BaseException
    delay: float
    discarded: int = 0
    model: str = ""
    type: Literal["retry"] = "retry"


StreamPart: TypeAlias = (
    Warnings
    | ResponseMetadata
    | TextStart
    | TextDelta
    | TextEnd
    | ReasoningStart
    | ReasoningDelta
    | ReasoningEnd
    | ToolInputStart
    | ToolInputDelta
    | ToolInputEnd
    | ToolCall
    | ToolResult
    | Source
    | File
    | Finish
    | Error
    | Retry
)


@dataclass(slots=True)
class _Block:
    kind: Literal["text", "reasoning"]
    chunks: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


class StreamAccumulator:
    """Builds a :class:`Response` from stream parts, in content order.

    Text and reasoning blocks take their place at their first part; deltas are
    collected in lists and joined once (no quadratic string building). Text blocks
    that end up empty are dropped; reasoning blocks are kept even when empty, since
    their metadata may be needed for replay.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything: a :class:`Retry` voids the parts before it."""
        self._items: list[_Block | Content] = []
        self._blocks: dict[tuple[str, str], _Block] = {}
        self.warnings: list[CallWarning] = []
        self.finish: Finish | None = None
        self.error: BaseException | None = None
        self.info = ResponseInfo()

    def _block(self, kind: Literal["text", "reasoning"], block_id: str) -> _Block:
        block = self._blocks.get((kind, block_id))
        if block is None:
            block = _Block(kind)
            self._blocks[(kind, block_id)] = block
            self._items.append(block)
        return block

    def _close(self, kind: Literal["text", "reasoning"], block_id: str) -> None:
        # A later block may reuse the id (providers number blocks per message).
        self._blocks.pop((kind, block_id), None)

    def add(self, part: StreamPart) -> None:
        """Fold one part into the response being built."""
        # Speed: deltas are nearly every part of a stream; test them first, by type.
        if type(part) is TextDelta:
            block = self._blocks.get(("text", part.id)) or self._block("text", part.id)
            if part.delta:
                block.chunks.append(part.delta)
            metadata = part.provider_metadata
            if metadata is not _EMPTY and metadata:  # not bool(_EMPTY): a Python call
                block.metadata.update(metadata)
            return
        if type(part) is ToolInputDelta:
            return  # the complete input arrives in the ToolCall part
        self._add_other(part)

    def _add_other(self, part: StreamPart) -> None:
        match part:
            case TextStart() | TextDelta() | TextEnd():
                self._add_block("text", part)
            case ReasoningStart() | ReasoningDelta() | ReasoningEnd():
                self._add_block("reasoning", part)
            case ToolCall() | ToolResult() | Source() | File():
                self._items.append(_to_content(part))
            case Warnings():
                self.warnings.extend(part.warnings)
            case ResponseMetadata():
                self.info = ResponseInfo(
                    id=part.id or self.info.id, model_id=part.model_id or self.info.model_id
                )
            case Finish():
                self.finish = part
            case Error():
                self.error = part.error
            case ToolInputStart() | ToolInputDelta() | ToolInputEnd():
                pass  # the complete input arrives in the ToolCall part
            case Retry():
                self.reset()
            case _:
                assert_never(part)

    def _add_block(
        self,
        kind: Literal["text", "reasoning"],
        part: TextStart | TextDelta | TextEnd | ReasoningStart | ReasoningDelta | ReasoningEnd,
    ) -> None:
        block = self._block(kind, part.id)
        if isinstance(part, TextDelta | ReasoningDelta) and part.delta:
            block.chunks.append(part.delta)
        if part.provider_metadata:
            block.metadata.update(part.provider_metadata)
        if isinstance(part, TextEnd | ReasoningEnd):
            self._close(kind, part.id)

    def content(self) -> tuple[Content, ...]:
        """The content accumulated so far."""
        out: list[Content] = []
        for item in self._items:
            if isinstance(item, _Block):
                text = "".join(item.chunks)
                if item.kind == "text":
                    if text:
                        out.append(TextContent(text=text, provider_metadata=dict(item.metadata)))
                else:
                    out.append(ReasoningContent(text=text, provider_metadata=dict(item.metadata)))
            else:
                out.append(item)
        return tuple(out)

    def response(self) -> Response:
        """The accumulated response (finish reason ``unknown`` if no Finish came).

        Raises:
            BaseException: The error of an :class:`Error` part that was added: a stream
                that failed in band has no response (its parts stay in :meth:`content`).
        """
        if self.error is not None:
            raise self.error
        finish = self.finish
        return Response(
            content=self.content(),
            finish_reason=finish.finish_reason if finish else FinishReason.UNKNOWN,
            raw_finish_reason=finish.raw_finish_reason if finish else "",
            usage=finish.usage if finish else Usage(),
            warnings=tuple(self.warnings),
            provider_metadata=dict(finish.provider_metadata) if finish else {},
            info=self.info,
        )


def _to_content(part: ToolCall | ToolResult | Source | File) -> Content:
    """The content item a complete-item stream part stands for."""
    match part:
        case ToolCall():
            return ToolCallContent(
                tool_call_id=part.tool_call_id,
                tool_name=part.tool_name,
                input=part.input,
                provider_executed=part.provider_executed,
                provider_metadata=part.provider_metadata,
            )
        case ToolResult():
            return ToolResultContent(
                tool_call_id=part.tool_call_id,
                tool_name=part.tool_name,
                result=part.result,
                provider_executed=part.provider_executed,
                client_metadata=part.client_metadata,
                provider_metadata=part.provider_metadata,
            )
        case Source():
            return SourceContent(
                source_type=part.source_type,
                id=part.id,
                url=part.url,
                title=part.title,
                media_type=part.media_type,
                filename=part.filename,
                provider_metadata=part.provider_metadata,
            )
        case File():
            return FileContent(
                media_type=part.media_type, data=part.data, provider_metadata=part.provider_metadata
            )
        case _:
            assert_never(part)
