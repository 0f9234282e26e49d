"""OpenRouter's additions to the Chat Completions dialect.

Every request asks for usage accounting (``"usage": {"include": true}``); call options
(:class:`OpenRouterOptions`) add ``reasoning``, routing and fallbacks. Reasoning and
cache breakpoints are handled by the shared gateway hooks
(:mod:`fantasy.providers.openai.chat.reasoning_details`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from fantasy.options import get_provider_data
from fantasy.providers.openai.chat.reasoning_details import (
    GatewayHooks,
    GatewayReasoningMetadata,
)
from fantasy.providers.openrouter.options import OpenRouterOptions, OpenRouterReasoningMetadata
from fantasy.usage import CallWarning

if TYPE_CHECKING:
    from fantasy.model import Call

__all__ = ["OpenRouterHooks"]

_PLAIN = ("models", "provider", "transforms", "parallel_tool_calls", "user")


class OpenRouterHooks(GatewayHooks):
    """Chat hooks of one OpenRouter model."""

    options_key = "openrouter"
    metadata_key = "openrouter"
    metadata_class: ClassVar[type[GatewayReasoningMetadata]] = OpenRouterReasoningMetadata

    def prepare_body(self, body: dict[str, Any], call: Call) -> list[CallWarning]:
        """Add ``usage`` accounting and the :class:`OpenRouterOptions` that are set."""
        options = get_provider_data(call.provider_options, self.options_key, OpenRouterOptions)
        if options is None:
            options = OpenRouterOptions()
        if options.include_usage is not False:
            body["usage"] = {"include": True}
        if options.reasoning is not None:
            reasoning = options.reasoning.to_dict()
            if reasoning:
                body["reasoning"] = reasoning
        for name in _PLAIN:
            value = getattr(options, name)
            if value is not None and value != [] and value != {}:
                body[name] = value
        body.update(options.extra_body or {})
        return []
