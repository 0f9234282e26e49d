"""Typed Gemini provider options and provider metadata.

Options are read from ``provider_options["google"]`` (a :class:`GoogleProviderOptions`
or a plain dict with the same fields) on the Gemini API and on Vertex AI alike::

    {"google": {"thinking_config": {"thinking_budget": 1024, "include_thoughts": True}}}

Responses carry :class:`GoogleReasoningMetadata` on reasoning items (the thought
signature to send back) and :class:`GoogleResponseMetadata` on the response.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fantasy.options import ProviderData

__all__ = [
    "PROVIDER_KEY",
    "GoogleProviderOptions",
    "GoogleReasoningMetadata",
    "GoogleResponseMetadata",
    "SafetySetting",
    "ThinkingConfig",
]

PROVIDER_KEY = "google"
"""The key of Gemini options and metadata in ``provider_options`` / ``provider_metadata``."""


class ThinkingConfig(ProviderData):
    """How much the model thinks, and whether its thoughts are returned.

    Attributes:
        thinking_budget: Token budget for thinking (Gemini 2.5). ``0`` disables thinking
            where the model allows it, ``-1`` lets the model decide. Positive budgets
            below 128 are raised to 128, the smallest budget the models accept.
        include_thoughts: Return thought summaries as reasoning content.
        thinking_level: Thinking level of Gemini 3 models (``"LOW"``, ``"HIGH"``, ...).
    """

    thinking_budget: int | None = None
    include_thoughts: bool | None = None
    thinking_level: str | None = None


class SafetySetting(ProviderData):
    """One safety setting.

    Example: ``category="HARM_CATEGORY_HARASSMENT"``, ``threshold="BLOCK_NONE"``.
    """

    category: str
    threshold: str


class GoogleProviderOptions(ProviderData):
    """Call options of Gemini models (``provider_options["google"]``).

    Attributes:
        thinking_config: Thinking budget/level and whether thoughts are returned.
        safety_settings: Safety thresholds per harm category.
        cached_content: Name of a cached content to use (``"cachedContents/..."``).
        response_modalities: Output modalities, e.g. ``["TEXT", "IMAGE"]``.
        labels: Billing labels (Vertex AI only).
        stream_function_call_arguments: Stream each function call's arguments in
            pieces (``partialArgs``), decoded into tool-input deltas (Vertex AI only;
            sent as ``toolConfig.functionCallingConfig.streamFunctionCallArguments``).
        extra_body: Keys merged into the request body last, for API fields fantasy
            does not know yet; an object value (``generationConfig``, ``toolConfig``)
            is merged key by key into the one fantasy built.
    """

    type_id: ClassVar[str] = "google.options"

    thinking_config: ThinkingConfig | None = None
    safety_settings: list[SafetySetting] | None = None
    cached_content: str | None = None
    response_modalities: list[str] | None = None
    labels: dict[str, str] | None = None
    stream_function_call_arguments: bool | None = None
    extra_body: dict[str, Any] | None = None


class GoogleReasoningMetadata(ProviderData):
    """Replay data of a reasoning item: the thought signature Gemini returned.

    On replay the signature is attached, as ``thoughtSignature``, to the first part
    sent after the reasoning item; the thought text itself is never sent back.
    """

    type_id: ClassVar[str] = "google.reasoning_metadata"

    signature: str = ""


class GoogleResponseMetadata(ProviderData):
    """Response-level details Gemini reports (only the ones present are set)."""

    type_id: ClassVar[str] = "google.response_metadata"

    grounding_metadata: dict[str, Any] | None = None
    safety_ratings: list[dict[str, Any]] | None = None
    prompt_feedback: dict[str, Any] | None = None
    finish_message: str | None = None
    usage_metadata: dict[str, Any] | None = None
