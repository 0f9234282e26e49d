"""Prompt caching for agents: mark the stable prefix and the newest messages.

:func:`mark_cache_control` is the pure rule; :func:`cache_last_messages` is the
prepare-step hook that applies it before every agent step. The rule:

1. every message's provider options are cleared;
2. the last system message before the first non-system message is marked (index 0
   when the list does not start with a system message);
3. the last two messages are marked.

A mark is ``{"anthropic": AnthropicProviderOptions(cache_control={"type": "ephemeral"})}``
on the message; Anthropic renders it on the message's last block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fantasy.messages import Message
from fantasy.providers.anthropic.options import (
    PROVIDER_KEY,
    AnthropicCacheControl,
    AnthropicProviderOptions,
)

if TYPE_CHECKING:
    from fantasy.agent import PrepareStepContext, PrepareStepResult

__all__ = ["CACHE_MARK", "cache_last_messages", "mark_cache_control"]

CACHE_MARK = AnthropicProviderOptions(cache_control=AnthropicCacheControl())
"""The message-level option that asks for an ephemeral cache breakpoint."""


def _marked_indices(messages: Sequence[Message]) -> set[int]:
    count = len(messages)
    if count == 0:
        return set()
    first_other = next((i for i, m in enumerate(messages) if m.role != "system"), count)
    marked = {first_other - 1 if first_other > 0 else 0}
    marked.update(range(max(count - 2, 0), count))
    return marked


def mark_cache_control(messages: Sequence[Message]) -> list[Message]:
    """A copy of ``messages`` with cleared provider options and cache marks set."""
    marked = _marked_indices(messages)
    return [
        message.replace(provider_options={PROVIDER_KEY: CACHE_MARK} if i in marked else {})
        for i, message in enumerate(messages)
    ]


def cache_last_messages(ctx: PrepareStepContext) -> PrepareStepResult:
    """Prepare-step hook for agents: the step's messages with Anthropic cache marks.

    Use it as ``Agent(..., prepare_step=cache_last_messages)``.
    """
    from fantasy.agent import PrepareStepResult

    return PrepareStepResult(messages=mark_cache_control(ctx.messages))
