"""Vercel AI Gateway's additions to the Chat Completions dialect.

Call options (:class:`VercelOptions`) add ``reasoning`` and gateway routing
(``providerOptions``). The gateway's ``provider_metadata`` deltas are not content and
are ignored. Reasoning and cache breakpoints are handled by the shared gateway hooks
(:mod:`fantasy.providers.openai.chat.reasoning_details`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from fantasy.options import get_provider_data
from fantasy.providers.openai.chat.reasoning_details import (
    GatewayHooks,
    GatewayReasoningMetadata,
)
from fantasy.providers.vercel.options import VercelOptions, VercelReasoningMetadata
from fantasy.usage import CallWarning

if TYPE_CHECKING:
    from fantasy.model import Call

__all__ = ["VercelHooks"]


class VercelHooks(GatewayHooks):
    """Chat hooks of one Vercel AI Gateway model."""

    options_key = "vercel"
    metadata_key = "vercel"
    metadata_class: ClassVar[type[GatewayReasoningMetadata]] = VercelReasoningMetadata

    def prepare_body(self, body: dict[str, Any], call: Call) -> list[CallWarning]:
        """Add the :class:`VercelOptions` that are set."""
        options = get_provider_data(call.provider_options, self.options_key, VercelOptions)
        if options is None:
            return []
        if options.reasoning is not None:
            reasoning = options.reasoning.to_dict()
            if reasoning:
                body["reasoning"] = reasoning
        if options.provider_options:
            body["providerOptions"] = options.provider_options
        if options.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = options.parallel_tool_calls
        if options.user:
            body["user"] = options.user
        body.update(options.extra_body or {})
        return []
