"""Typed OpenAI provider options and provider metadata (namespace ``"openai"``).

Pass options per call (or per message) as ``provider_options={"openai": OpenAIOptions(...)}``
or as a plain dict of the same fields. Only the fields that are set reach the request.
Azure reads the same namespace.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fantasy.options import ProviderData

__all__ = ["OpenAIChatMetadata", "OpenAIOptions"]


class OpenAIOptions(ProviderData):
    """Chat Completions options.

    Attributes:
        reasoning_effort: ``"minimal"``, ``"low"``, ``"medium"``, ``"high"`` (reasoning models).
        parallel_tool_calls: Whether the model may call several tools at once.
        user: End-user id (deprecated by OpenAI in favour of ``safety_identifier``).
        service_tier: ``"auto"``, ``"default"``, ``"flex"``, ``"priority"``.
        store: Whether OpenAI stores the completion.
        metadata: Key/value tags stored with the completion.
        prompt_cache_key: Groups requests for prompt caching.
        safety_identifier: Stable hashed end-user id for abuse detection.
        logit_bias: Token id (as a string) → bias from -100 to 100.
        logprobs: Return log probabilities of the output tokens.
        top_logprobs: How many alternatives per token (0-20); implies ``logprobs``.
        max_completion_tokens: Overrides the call's max output tokens.
        text_verbosity: ``"low"``, ``"medium"``, ``"high"`` (sent as ``verbosity``).
        prediction: Predicted output, e.g. ``{"type": "content", "content": "..."}``.
    """

    type_id: ClassVar[str] = "openai.options"

    reasoning_effort: str | None = None
    parallel_tool_calls: bool | None = None
    user: str | None = None
    service_tier: str | None = None
    store: bool | None = None
    metadata: dict[str, str] | None = None
    prompt_cache_key: str | None = None
    safety_identifier: str | None = None
    logit_bias: dict[str, int] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    max_completion_tokens: int | None = None
    text_verbosity: str | None = None
    prediction: dict[str, Any] | None = None


class OpenAIChatMetadata(ProviderData):
    """What a Chat Completions response says beyond content and usage.

    Attributes:
        logprobs: The ``logprobs.content`` entries, when log probabilities were asked for.
        accepted_prediction_tokens: Predicted-output tokens that appeared in the answer.
        rejected_prediction_tokens: Predicted-output tokens that did not.
    """

    type_id: ClassVar[str] = "openai.chat_metadata"

    logprobs: list[dict[str, Any]] | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None
