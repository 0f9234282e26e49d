"""The result of one non-streaming (or fully accumulated) model call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fantasy import _serde
from fantasy._serde import meta
from fantasy.content import (
    Content,
    ReasoningContent,
    SourceContent,
    ToolCallContent,
    ToolResultContent,
    reasoning_text,
    text_of,
    tool_calls_of,
)
from fantasy.usage import CallWarning, FinishReason, Usage

if TYPE_CHECKING:
    from fantasy.cost import Cost

__all__ = ["Response", "ResponseInfo"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseInfo:
    """What the provider said about its response: id, served model, HTTP headers.

    ``provider`` names the provider that answered (set on the responses of agent runs;
    :attr:`Response.cost` uses it to find the price).
    """

    id: str = ""
    model_id: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    provider: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """Content, finish reason, usage and warnings of one model call."""

    content: tuple[Content, ...] = field(default=(), metadata=meta("content"))
    finish_reason: FinishReason = FinishReason.UNKNOWN
    raw_finish_reason: str = ""
    usage: Usage = field(default_factory=Usage)
    warnings: tuple[CallWarning, ...] = ()
    provider_metadata: Mapping[str, Any] = field(default_factory=dict, metadata=meta("provider"))
    info: ResponseInfo = field(default_factory=ResponseInfo)

    @property
    def text(self) -> str:
        """The whole answer: every text item, in order, joined without separators.

        A provider may split one answer into several text items (Anthropic text blocks
        around citations or tool calls); they concatenate into what the model wrote.
        """
        return text_of(self.content)

    @property
    def reasoning(self) -> str:
        """All reasoning text."""
        return reasoning_text(self.content)

    @property
    def tool_calls(self) -> list[ToolCallContent]:
        """The tool calls, in order."""
        return tool_calls_of(self.content)

    @property
    def reasoning_items(self) -> list[ReasoningContent]:
        """The reasoning items, in order."""
        return [c for c in self.content if isinstance(c, ReasoningContent)]

    @property
    def sources(self) -> list[SourceContent]:
        """The citations, in order."""
        return [c for c in self.content if isinstance(c, SourceContent)]

    @property
    def tool_results(self) -> list[ToolResultContent]:
        """The (provider-executed) tool results, in order."""
        return [c for c in self.content if isinstance(c, ToolResultContent)]

    @property
    def cost(self) -> Cost | None:
        """What the call cost (see :func:`fantasy.cost.cost_of`); ``None`` when unknown."""
        from fantasy.cost import cost_of

        return cost_of(self)

    def to_dict(self, *, go_json: bool = False) -> dict[str, Any]:
        """Serialize to JSON-ready data (``go_json``: content items as Go's envelopes)."""
        data = _serde.encode(self, go_json=go_json)
        data["usage"] = self.usage.to_dict()
        data["warnings"] = [w.to_dict() for w in self.warnings]
        data["info"] = {
            "id": self.info.id,
            "model_id": self.info.model_id,
            "headers": dict(self.info.headers),
        }
        if self.info.provider:
            data["info"]["provider"] = self.info.provider
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Response:
        """Inverse of :meth:`to_dict`; reads fantasy's form and Fantasy Go's alike."""
        body = dict(data)
        usage = Usage.from_dict(body.pop("usage", {}))
        warnings = tuple(CallWarning.from_dict(w) for w in body.pop("warnings", []))
        info = ResponseInfo(**body.pop("info", {}))
        fields = _serde.decode_fields(cls, body)
        fields["finish_reason"] = FinishReason(fields.get("finish_reason", "unknown"))
        return cls(usage=usage, warnings=warnings, info=info, **fields)
