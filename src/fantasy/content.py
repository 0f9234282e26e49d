"""Output content: what a model call produced.

A :class:`fantasy.model.Response` (and every agent step) holds a tuple of content
items in the order the model produced them. Providers attach their replay data
(signatures, encrypted reasoning, item ids) as ``provider_metadata``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from fantasy import _serde
from fantasy._serde import meta
from fantasy.messages import ToolResultOutput

__all__ = [
    "Content",
    "FileContent",
    "ReasoningContent",
    "SourceContent",
    "TextContent",
    "ToolCallContent",
    "ToolResultContent",
    "first_text",
    "reasoning_text",
    "text_of",
    "tool_calls_of",
    "tool_results_of",
]


def _metadata() -> Any:
    return field(default_factory=dict, metadata=meta("provider"))


@_serde.register("content")
@dataclass(frozen=True, slots=True, kw_only=True)
class TextContent:
    """Text the model produced (one item per text block)."""

    text: str
    provider_metadata: Mapping[str, Any] = _metadata()
    type: Literal["text"] = "text"


@_serde.register("content")
@dataclass(frozen=True, slots=True, kw_only=True)
class ReasoningContent:
    """Reasoning ("thinking") the model produced; may be empty with replay data only."""

    text: str
    provider_metadata: Mapping[str, Any] = _metadata()
    type: Literal["reasoning"] = "reasoning"


@_serde.register("content")
@dataclass(frozen=True, slots=True, kw_only=True)
class FileContent:
    """A file the model produced (for example an image)."""

    media_type: str
    data: bytes = field(metadata=meta("bytes"))
    provider_metadata: Mapping[str, Any] = _metadata()
    type: Literal["file"] = "file"


@_serde.register("content")
@dataclass(frozen=True, slots=True, kw_only=True)
class SourceContent:
    """A citation: a URL or a document the answer draws on."""

    source_type: Literal["url", "document"] = "url"
    id: str = ""
    url: str = ""
    title: str = ""
    media_type: str = ""
    filename: str = ""
    provider_metadata: Mapping[str, Any] = _metadata()
    type: Literal["source"] = "source"


@_serde.register("content")
@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallContent:
    """A tool call. ``input`` is the raw JSON text exactly as the model produced it.

    ``invalid`` is set by the agent when validation failed; ``validation_error`` says why.
    """

    tool_call_id: str
    tool_name: str
    input: str
    provider_executed: bool = False
    invalid: bool = False
    validation_error: str = ""
    provider_metadata: Mapping[str, Any] = _metadata()
    type: Literal["tool-call"] = "tool-call"


@_serde.register("content")
@dataclass(frozen=True, slots=True, kw_only=True)
class ToolResultContent:
    """The result of a tool call, run by the agent or by the provider.

    ``exception`` is the exception a client tool raised (its ``result`` is then the
    ``ErrorOutput`` the model saw). It is for the caller only: never sent, left out of
    ``to_dict`` and of comparisons.
    """

    tool_call_id: str
    tool_name: str
    result: ToolResultOutput = field(metadata=meta("output"))
    provider_executed: bool = False
    client_metadata: Mapping[str, Any] = field(default_factory=dict)
    provider_metadata: Mapping[str, Any] = _metadata()
    exception: BaseException | None = field(
        default=None, compare=False, repr=False, metadata=meta("skip")
    )
    type: Literal["tool-result"] = "tool-result"


Content: TypeAlias = (
    TextContent
    | ReasoningContent
    | FileContent
    | SourceContent
    | ToolCallContent
    | ToolResultContent
)


def first_text(content: Iterable[Content]) -> str:
    """The text of the first text item (Fantasy's ``Content.Text()``), or ``""``."""
    for item in content:
        if isinstance(item, TextContent):
            return item.text
    return ""


def text_of(content: Iterable[Content]) -> str:
    """All text items concatenated."""
    return "".join(item.text for item in content if isinstance(item, TextContent))


def reasoning_text(content: Iterable[Content]) -> str:
    """All reasoning items concatenated."""
    return "".join(item.text for item in content if isinstance(item, ReasoningContent))


def tool_calls_of(content: Iterable[Content]) -> list[ToolCallContent]:
    """The tool calls, in order."""
    return [item for item in content if isinstance(item, ToolCallContent)]


def tool_results_of(content: Iterable[Content]) -> list[ToolResultContent]:
    """The tool results, in order."""
    return [item for item in content if isinstance(item, ToolResultContent)]
