"""Prompts, answers and tool data as the GenAI conventions' JSON (recorded on opt-in only).

``gen_ai.input.messages`` / ``gen_ai.output.messages`` hold a list of
``{"role", "parts": [...]}`` objects whose parts are ``{"type": "text", "content"}``,
``{"type": "tool_call", "id", "name", "arguments"}``, ``{"type": "tool_call_response",
"id", "response"}``, ``{"type": "reasoning", "content"}`` or ``{"type": "blob",
"mime_type", "modality"}`` (file bytes are never recorded, only their type). System
messages go to ``gen_ai.system_instructions``. Pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fantasy.content import Content, ReasoningContent, TextContent, ToolCallContent
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    Message,
    MessagePart,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)

__all__ = [
    "dumps",
    "input_messages",
    "output_messages",
    "system_instructions",
    "tool_output",
    "tool_response",
]


def dumps(value: Any) -> str:
    """Compact JSON (attributes are strings)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _arguments(raw: str) -> Any:
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        return raw


def tool_output(output: Any) -> str:
    """A tool result's text (media: its type only)."""
    if isinstance(output, TextOutput):
        return output.text
    if isinstance(output, ErrorOutput):
        return output.error
    if isinstance(output, MediaOutput):
        return output.text or f"<{output.media_type}>"
    return str(output)


def _modality(media_type: str) -> str:
    top = media_type.split("/", 1)[0]
    return top if top in ("image", "audio", "video") else "document"


def _part(part: MessagePart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "content": part.text}
    if isinstance(part, ReasoningPart):
        return {"type": "reasoning", "content": part.text}
    if isinstance(part, ToolCallPart):
        return {
            "type": "tool_call",
            "id": part.tool_call_id,
            "name": part.tool_name,
            "arguments": _arguments(part.input),
        }
    if isinstance(part, ToolResultPart):
        return {
            "type": "tool_call_response",
            "id": part.tool_call_id,
            "response": tool_output(part.output),
        }
    assert isinstance(part, FilePart)
    return {"type": "blob", "mime_type": part.media_type, "modality": _modality(part.media_type)}


def system_instructions(prompt: Sequence[Message]) -> list[dict[str, Any]]:
    """The system messages' text parts."""
    return [_part(part) for m in prompt if m.role == "system" for part in m.content]


def input_messages(prompt: Sequence[Message]) -> list[dict[str, Any]]:
    """Every non-system message with its parts."""
    return [
        {"role": m.role, "parts": [_part(part) for part in m.content]}
        for m in prompt
        if m.role != "system"
    ]


def _content_part(item: Content) -> dict[str, Any] | None:
    if isinstance(item, TextContent):
        return {"type": "text", "content": item.text}
    if isinstance(item, ReasoningContent):
        return {"type": "reasoning", "content": item.text}
    if isinstance(item, ToolCallContent):
        return {
            "type": "tool_call",
            "id": item.tool_call_id,
            "name": item.tool_name,
            "arguments": _arguments(item.input),
        }
    return None


def output_messages(content: Sequence[Content], finish_reason: str) -> list[dict[str, Any]]:
    """The answer as one assistant message with its finish reason."""
    parts = [p for p in (_content_part(item) for item in content) if p is not None]
    return [{"role": "assistant", "parts": parts, "finish_reason": finish_reason}]


def tool_response(response: Any) -> str:
    """What a tool returned (a ``ToolResponse``): its text, error or media type."""
    if getattr(response, "error", None):
        return str(response.error)
    media = getattr(response, "media_type", "") or ""
    text = getattr(response, "text", None) or getattr(response, "content", None)
    if isinstance(text, str) and text:
        return text
    return f"<{media}>" if media else ""
