"""OpenRouter's additions to the Chat Completions dialect.

Every request asks for usage accounting (``"usage": {"include": true}``); call options
(:class:`OpenRouterOptions`) add ``reasoning``, routing and fallbacks. Reasoning and
cache breakpoints are handled by the shared gateway hooks
(:mod:`fantasy.providers.openai.chat.reasoning_details`). What the answer says about
cost (``usage.cost``, ``usage.cost_details``), the upstream ``provider`` and its
``native_finish_reason`` becomes :class:`OpenRouterMetadata`, on whole responses and on
the stream's ``Finish``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from fantasy.options import get_provider_data
from fantasy.providers.openai.chat.reasoning_details import (
    GatewayHooks,
    GatewayReasoningMetadata,
    GatewayStream,
)
from fantasy.providers.openrouter.options import (
    OpenRouterMetadata,
    OpenRouterOptions,
    OpenRouterReasoningMetadata,
)
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

    def response_metadata(
        self, response: Mapping[str, Any], choice: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The Chat Completions metadata plus cost, upstream provider and finish reason."""
        base = super().response_metadata(response, choice)
        usage = response.get("usage")
        return self._openrouter_metadata(
            base,
            usage if isinstance(usage, Mapping) else {},
            response.get("provider"),
            choice.get("native_finish_reason"),
        )

    def open_stream(self) -> OpenRouterStream:
        """Gateway stream hooks that also keep the upstream provider and finish reason."""
        return OpenRouterStream(self)

    def _openrouter_metadata(
        self, base: dict[str, Any], usage: Mapping[str, Any], provider: Any, native: Any
    ) -> dict[str, Any]:
        cost = usage.get("cost")
        details = usage.get("cost_details")
        byok = usage.get("is_byok")
        fields: dict[str, Any] = {
            "cost": cost if isinstance(cost, int | float) and not isinstance(cost, bool) else None,
            "cost_details": dict(details) if isinstance(details, Mapping) and details else None,
            "is_byok": byok if isinstance(byok, bool) else None,
            "provider": provider if isinstance(provider, str) and provider else None,
            "native_finish_reason": native if isinstance(native, str) and native else None,
        }
        if all(value is None for value in fields.values()):
            return base
        inherited = base.get(self.metadata_key)
        if inherited is not None:
            fields.update(inherited.model_dump(exclude_none=True))
        return {**base, self.metadata_key: OpenRouterMetadata(**fields)}


class OpenRouterStream(GatewayStream):
    """Per-stream hooks of OpenRouter: the upstream provider and its finish reason."""

    hooks: OpenRouterHooks

    def __init__(self, hooks: OpenRouterHooks) -> None:
        super().__init__(hooks)
        self.provider: Any = None
        self.native_finish_reason: Any = None

    def chunk(self, chunk: Mapping[str, Any]) -> None:
        """Keep the upstream ``provider`` and the choice's ``native_finish_reason``."""
        provider = chunk.get("provider")
        if provider:
            self.provider = provider
        for choice in chunk.get("choices") or ():
            if isinstance(choice, dict) and choice.get("native_finish_reason"):
                self.native_finish_reason = choice["native_finish_reason"]

    def finish_metadata(self, logprobs: list[Any], usage: Mapping[str, Any]) -> dict[str, Any]:
        """The Chat Completions metadata plus cost, upstream provider and finish reason."""
        base = super().finish_metadata(logprobs, usage)
        return self.hooks._openrouter_metadata(
            base, usage, self.provider, self.native_finish_reason
        )
