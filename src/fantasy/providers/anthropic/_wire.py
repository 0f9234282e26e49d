"""Wire shapes of the Anthropic Messages API: only the fields fantasy sends or reads.

Content blocks are plain dicts (``Block``): their shape depends on ``type`` and a few
of them gain ``cache_control`` after they are built.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypeAlias, TypedDict

__all__ = [
    "ANTHROPIC_VERSION",
    "Block",
    "MessageParam",
    "ResponseMessage",
    "UsageWire",
]

ANTHROPIC_VERSION = "2023-06-01"
"""The ``anthropic-version`` header of the direct API."""

Block: TypeAlias = dict[str, Any]
"""One content block: ``{"type": "text", "text": ...}``, ``{"type": "tool_use", ...}``, ..."""


class MessageParam(TypedDict):
    """A request message: user content is always a list of blocks."""

    role: Literal["user", "assistant"]
    content: list[Block]


class UsageWire(TypedDict, total=False):
    """Token counts as reported in ``message_start`` / ``message_delta`` / full responses."""

    input_tokens: int | None
    output_tokens: int | None
    cache_creation_input_tokens: int | None
    cache_read_input_tokens: int | None


class ResponseMessage(TypedDict):
    """A complete (non-streaming) response, or ``message_start.message``."""

    id: str
    model: str
    content: list[Block]
    stop_reason: NotRequired[str | None]
    stop_sequence: NotRequired[str | None]
    usage: NotRequired[UsageWire]
