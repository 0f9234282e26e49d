"""Hooks of OpenAI-compatible servers: ``reasoning_content`` in and out, extra body keys.

Servers such as xAI, Groq, DeepSeek, vLLM and llama.cpp return the model's reasoning as
``message.reasoning_content`` (or ``reasoning``) and its stream deltas, Mistral as
``thinking`` content chunks; both become :class:`~fantasy.content.ReasoningContent`
(read by the shared dialect). On replay, an assistant message whose step had reasoning
gets it back in the form it came in: thinking chunks, or ``reasoning_content`` = the
joined reasoning text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fantasy.messages import Message, ReasoningPart
from fantasy.options import get_provider_data
from fantasy.providers.openai.chat.decode import THINKING_CHUNKS
from fantasy.providers.openai.chat.hooks import ChatHooks, reasoning_of
from fantasy.providers.openai.options import ChatReasoningMetadata
from fantasy.providers.openaicompat.options import OpenAICompatOptions
from fantasy.usage import CallWarning

if TYPE_CHECKING:
    from fantasy.model import Call

__all__ = ["CompatHooks", "reasoning_of"]  # reasoning_of: kept here for existing imports


class CompatHooks(ChatHooks):
    """Chat hooks of a generic OpenAI-compatible server.

    Args:
        extra_body: Keys merged into every request body (before per-call ``extra_body``).
    """

    options_key = "openai-compat"
    metadata_key = "openai-compat"
    thinking_chunks: bool = False
    """Replay all reasoning as ``thinking`` content chunks (servers that take no
    ``reasoning_content``, such as Mistral)."""

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
        """Replay an assistant step's reasoning the way the server sent it.

        Reasoning that came as ``thinking`` content chunks (or any reasoning, when
        :attr:`thinking_chunks` is set) goes back as thinking chunks before the text;
        other reasoning as ``reasoning_content`` = the joined reasoning text.
        """
        if message.role != "assistant":
            return
        reasoning = [part for part in message.content if isinstance(part, ReasoningPart)]
        if not reasoning:
            return
        if self.thinking_chunks or any(self._came_as_chunks(part) for part in reasoning):
            chunks: list[dict[str, Any]] = [
                {"type": "thinking", "thinking": [{"type": "text", "text": part.text}]}
                for part in reasoning
                if part.text
            ]
            text = converted.get("content")
            if isinstance(text, str) and text:
                chunks.append({"type": "text", "text": text})
            if chunks:
                converted["content"] = chunks
            return
        text = "".join(part.text for part in reasoning)
        if text:
            converted["reasoning_content"] = text

    def _came_as_chunks(self, part: ReasoningPart) -> bool:
        metadata = get_provider_data(
            part.provider_options, self.metadata_key, ChatReasoningMetadata
        )
        return metadata is not None and metadata.form == THINKING_CHUNKS
