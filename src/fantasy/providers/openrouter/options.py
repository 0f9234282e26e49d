"""Typed OpenRouter options and metadata (namespace ``"openrouter"``).

Pass options per call as ``provider_options={"openrouter": OpenRouterOptions(...)}`` or
as a plain dict of the same fields, e.g. ``{"openrouter": {"reasoning": {"effort": "high"}}}``.
Only the fields that are set reach the request.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fantasy.options import ProviderData
from fantasy.providers.openai.chat.reasoning_details import (
    GatewayReasoning,
    GatewayReasoningMetadata,
)
from fantasy.providers.openai.options import OpenAIChatMetadata

__all__ = [
    "OpenRouterMetadata",
    "OpenRouterOptions",
    "OpenRouterReasoning",
    "OpenRouterReasoningMetadata",
]


class OpenRouterReasoning(GatewayReasoning):
    """OpenRouter's ``reasoning`` object: ``enabled``, ``effort``, ``max_tokens``, ``exclude``.

    Set ``effort`` or ``max_tokens``, not both.
    """


class OpenRouterOptions(ProviderData):
    """OpenRouter call options.

    Attributes:
        reasoning: Reasoning settings, sent as ``reasoning``.
        include_usage: Ask for the detailed ``usage`` accounting (``usage.include``);
            on unless set to ``False``.
        models: Fallback models tried in order when the first fails.
        provider: Provider routing preferences (``order``, ``only``, ``sort``, ...).
        transforms: Prompt transforms, e.g. ``["middle-out"]``.
        parallel_tool_calls: Whether the model may call several tools at once.
        user: A stable end-user id.
        extra_body: Keys merged into the request body last.
    """

    type_id: ClassVar[str] = "openrouter.options"

    reasoning: OpenRouterReasoning | None = None
    include_usage: bool | None = None
    models: list[str] | None = None
    provider: dict[str, Any] | None = None
    transforms: list[str] | None = None
    parallel_tool_calls: bool | None = None
    user: str | None = None
    extra_body: dict[str, Any] | None = None


class OpenRouterReasoningMetadata(GatewayReasoningMetadata):
    """Replay data of a reasoning item received through OpenRouter."""

    type_id: ClassVar[str] = "openrouter.reasoning_metadata"


class OpenRouterMetadata(OpenAIChatMetadata):
    """What an OpenRouter answer says beyond content and usage (key ``"openrouter"``).

    On whole responses and on the stream's ``Finish`` part; only the fields OpenRouter
    sent are set. The Chat Completions fields (``logprobs``, prediction token counts)
    are inherited.

    Attributes:
        cost: What the call cost, in credits (``usage.cost``).
        cost_details: The cost breakdown (``usage.cost_details``, e.g.
            ``upstream_inference_cost`` for bring-your-own-key calls).
        is_byok: Whether the call ran on your own provider key (``usage.is_byok``).
        provider: The upstream provider that served the call (``"Anthropic"``, ...).
        native_finish_reason: The upstream provider's own finish reason.
    """

    type_id: ClassVar[str] = "openrouter.metadata"

    cost: float | None = None
    cost_details: dict[str, Any] | None = None
    is_byok: bool | None = None
    provider: str | None = None
    native_finish_reason: str | None = None
