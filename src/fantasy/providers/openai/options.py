"""Typed OpenAI provider options and provider metadata (namespace ``"openai"``).

Pass options per call (or per message) as ``provider_options={"openai": OpenAIOptions(...)}``
or as a plain dict of the same fields. Only the fields that are set reach the request.
Azure reads the same namespace. One options model serves both APIs: a field the
chosen API cannot send (:data:`RESPONSES_ONLY_OPTIONS` on Chat Completions,
:data:`CHAT_ONLY_OPTIONS` on the Responses API) becomes a call warning.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from fantasy.options import ProviderData

__all__ = [
    "CHAT_ONLY_OPTIONS",
    "ChatReasoningMetadata",
    "ImageDetail",
    "OpenAIFileOptions",
    "RESPONSES_ONLY_OPTIONS",
    "OpenAIChatMetadata",
    "OpenAIOptions",
    "OpenAIResponsesItemMetadata",
    "OpenAIResponsesReasoningMetadata",
]


class OpenAIOptions(ProviderData):
    """Chat Completions and Responses API options.

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
        prediction: Predicted output, e.g. ``{"type": "content", "content": "..."}``
            (Chat Completions only).
        include: Extra output data (Responses only), e.g. ``["reasoning.encrypted_content"]``.
        reasoning_summary: ``"auto"``, ``"concise"`` or ``"detailed"`` (Responses only).
        previous_response_id: Continue from a stored response (Responses only).
        truncation: ``"auto"`` or ``"disabled"`` (Responses only).
        instructions: A system/developer message inserted by the API (Responses only).
        max_tool_calls: At most this many built-in tool calls (Responses only).

    ``logit_bias`` and ``prediction`` are Chat Completions only; ``store`` defaults to
    ``false`` on the Responses API.
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
    include: list[str] | None = None
    reasoning_summary: str | None = None
    previous_response_id: str | None = None
    truncation: str | None = None
    instructions: str | None = None
    max_tool_calls: int | None = None


RESPONSES_ONLY_OPTIONS = (
    "include",
    "reasoning_summary",
    "previous_response_id",
    "truncation",
    "instructions",
    "max_tool_calls",
)
"""Fields of :class:`OpenAIOptions` that only the Responses API can send."""

CHAT_ONLY_OPTIONS = ("logit_bias", "prediction")
"""Fields of :class:`OpenAIOptions` that only the Chat Completions API can send."""


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


ImageDetail = Literal["low", "high", "auto"]
"""How closely an OpenAI model looks at an image (``detail`` on the wire)."""


class OpenAIFileOptions(ProviderData):
    """Options of one file part, under the provider's options key.

    ``FilePart(..., provider_options={"openai": {"image_detail": "low"}})`` (the key is
    ``"openai-compat"``, ``"openrouter"`` or ``"vercel"`` on those providers; Azure
    reads ``"openai"``).

    Attributes:
        image_detail: ``"low"``, ``"high"`` or ``"auto"``: sent as the image's
            ``detail`` (Chat Completions ``image_url.detail``, Responses
            ``input_image.detail``). Ignored, with no effect, on files that are not images.
    """

    type_id: ClassVar[str] = "openai.file_options"

    image_detail: ImageDetail | None = None


class ChatReasoningMetadata(ProviderData):
    """How a Chat Completions server sent a reasoning item, so it is replayed alike.

    Reported under the provider's metadata key (``"openai-compat"``, ``"openai"``, ...)
    of a reasoning content item that came as typed ``thinking`` content chunks
    (Mistral's form) rather than a ``reasoning_content`` field.

    Attributes:
        form: ``"thinking-chunks"``: the reasoning was a ``{"type": "thinking"}`` chunk
            of the message's ``content`` list.
    """

    type_id: ClassVar[str] = "openai.chat_reasoning"

    form: str = "thinking-chunks"


class OpenAIResponsesReasoningMetadata(ProviderData):
    """One reasoning item of a Responses API answer.

    Reported as the ``"openai"`` provider metadata of a reasoning content item.
    Reasoning items are not sent back to the API (the Responses dialect replays none).

    Attributes:
        item_id: The reasoning item's id (``rs_...``).
        encrypted_content: The encrypted reasoning, when the call asked for it with
            ``include=["reasoning.encrypted_content"]``.
        summary: The reasoning summary texts, one per summary part.
    """

    type_id: ClassVar[str] = "openai.responses_reasoning"

    item_id: str = ""
    encrypted_content: str | None = None
    summary: list[str] = Field(default_factory=list)


class OpenAIResponsesItemMetadata(ProviderData):
    """The output item behind a content item of a Responses API answer.

    Set on provider-executed tool calls and results (web search); with ``store=true``
    they are sent back as an ``item_reference`` to this id.

    Attributes:
        item_id: The output item's id (``ws_...``).
    """

    type_id: ClassVar[str] = "openai.responses_item"

    item_id: str = ""
