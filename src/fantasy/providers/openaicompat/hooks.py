"""Hooks of OpenAI-compatible servers: ``reasoning_content`` in and out, extra body keys.

Servers such as xAI, Groq, DeepSeek, vLLM and llama.cpp return the model's reasoning as
``message.reasoning_content`` (or ``reasoning``) and its stream deltas; it becomes
:class:`~fantasy.content.ReasoningContent`. On replay, an assistant message whose step
had reasoning gets ``reasoning_content`` = the joined reasoning text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fantasy.content import Content, ReasoningContent
from fantasy.messages import Message, ReasoningPart
from fantasy.options import get_provider_data
from fantasy.providers.openai.chat.hooks import ChatHooks, ChatStreamHooks
from fantasy.providers.openaicompat.options import OpenAICompatOptions
from fantasy.usage import CallWarning

if TYPE_CHECKING:
    from fantasy.model import Call
    from fantasy.providers._blocks import BlockTracker
    from fantasy.stream import StreamPart

__all__ = ["CompatHooks", "reasoning_of"]


def reasoning_of(fields: Mapping[str, Any]) -> str:
    """The reasoning text of a message or delta (``reasoning_content``, else ``reasoning``)."""
    for key in ("reasoning_content", "reasoning"):
        value = fields.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


class CompatHooks(ChatHooks):
    """Chat hooks of a generic OpenAI-compatible server.

    Args:
        extra_body: Keys merged into every request body (before per-call ``extra_body``).
    """

    options_key = "openai-compat"
    metadata_key = "openai-compat"

    def __init__(self, extra_body: Mapping[str, Any] | None = None) -> None:
        self.extra_body = dict(extra_body or {})

    def prepare_body(self, body: dict[str, Any], call: Call) -> list[CallWarning]:
        """Apply :class:`OpenAICompatOptions`, then merge the extra body keys."""
        options = get_provider_data(call.provider_options, self.options_key, OpenAICompatOptions)
        body.update(self.extra_body)
        if options is None:
            return []
        for name in ("reasoning_effort", "user", "parallel_tool_calls"):
            value = getattr(options, name)
            if value is not None:
                body[name] = value
        body.update(options.extra_body or {})
        return []

    def message_extras(self, message: Message, converted: dict[str, Any]) -> None:
        """Replay an assistant step's reasoning as ``reasoning_content``."""
        if message.role != "assistant":
            return
        text = "".join(part.text for part in message.content if isinstance(part, ReasoningPart))
        if text:
            converted["reasoning_content"] = text

    def response_extras(
        self, choice: Mapping[str, Any], message: Mapping[str, Any]
    ) -> list[Content]:
        """The message's reasoning as one reasoning item."""
        text = reasoning_of(message)
        return [ReasoningContent(text=text)] if text else []

    def open_stream(self) -> ChatStreamHooks:
        """Reasoning deltas (``reasoning_content`` / ``reasoning``) as a reasoning block."""
        return _CompatStream(self)


class _CompatStream(ChatStreamHooks):
    def delta(self, delta: Mapping[str, Any], blocks: BlockTracker, out: list[StreamPart]) -> None:
        blocks.reasoning(out, reasoning_of(delta))
