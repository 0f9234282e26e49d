"""Typed provider options and metadata of the Anthropic family (direct, Vertex, Bedrock).

Options and metadata live under the ``"anthropic"`` key of ``provider_options`` /
``provider_metadata`` for all three endpoints::

    call = Call(prompt=..., provider_options={"anthropic": {"thinking": {"budget_tokens": 4000}}})

A plain dict with the same fields is accepted everywhere a model is.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, PositiveInt

from fantasy.options import ProviderData

__all__ = [
    "PROVIDER_KEY",
    "AnthropicCacheControl",
    "AnthropicProviderOptions",
    "AnthropicReasoningMetadata",
    "AnthropicResponseMetadata",
    "AnthropicServerToolResultMetadata",
    "AnthropicTextMetadata",
    "AnthropicThinking",
    "Effort",
]

PROVIDER_KEY = "anthropic"
"""The key of Anthropic options and metadata in provider maps."""

Effort = Literal["low", "medium", "high", "xhigh", "max"]


class AnthropicCacheControl(ProviderData):
    """A prompt-cache breakpoint (``{"type": "ephemeral"}``, optionally with a TTL)."""

    type: Literal["ephemeral"] = "ephemeral"
    ttl: Literal["5m", "1h"] | None = None


class AnthropicThinking(ProviderData):
    """Extended thinking.

    ``{"budget_tokens": N}`` enables thinking with a token budget; ``{"type": "adaptive"}``
    lets the model decide (newer models); ``{"type": "disabled"}`` turns it off. On the
    models that only take adaptive thinking a budget becomes ``{"type": "adaptive"}``
    (see :mod:`fantasy.providers.anthropic._thinking`).
    """

    type: Literal["enabled", "adaptive", "disabled"] = "enabled"
    budget_tokens: PositiveInt | None = None


class AnthropicProviderOptions(ProviderData):
    """Options of a call, a message, a part or a tool.

    Attributes:
        thinking: Extended thinking settings (call level).
        effort: Output effort (``output_config.effort``, call level).
        send_reasoning: Replay reasoning parts to the model (default ``True``).
        disable_parallel_tool_use: At most one tool call per response.
        cache_control: Cache breakpoint on a message (rendered on its last block),
            a part or a tool.
        thinking_display: ``"summarized"`` or ``"omitted"``: whether thinking text comes
            back (sent as ``thinking.display`` when thinking is on). Unset, the API's
            default applies: ``"omitted"`` on the adaptive-only models (Opus 4.7 and
            later, Mythos), ``"summarized"`` elsewhere.
        extra_body: Keys merged into the request body last (call level), for API
            fields fantasy does not know yet.
    """

    type_id: ClassVar[str] = "anthropic.options"

    thinking: AnthropicThinking | None = None
    effort: Effort | None = None
    send_reasoning: bool | None = None
    disable_parallel_tool_use: bool | None = None
    cache_control: AnthropicCacheControl | None = None
    thinking_display: Literal["summarized", "omitted"] | None = None
    extra_body: dict[str, Any] | None = None


class AnthropicReasoningMetadata(ProviderData):
    """Replay data of a thinking block: its signature, or the redacted block's data."""

    type_id: ClassVar[str] = "anthropic.reasoning_metadata"

    signature: str | None = None
    redacted_data: str | None = None


class AnthropicTextMetadata(ProviderData):
    """Citations the model attached to a text block (raw citation objects)."""

    type_id: ClassVar[str] = "anthropic.text_metadata"

    citations: list[dict[str, Any]] = Field(default_factory=list)


class AnthropicServerToolResultMetadata(ProviderData):
    """The raw block of a provider-executed tool result, replayed verbatim.

    ``block`` is the result block as received (for example a ``web_search_tool_result``),
    without response-only fields and without null values.
    """

    type_id: ClassVar[str] = "anthropic.server_tool_result"

    block: dict[str, Any]


class AnthropicResponseMetadata(ProviderData):
    """Response-level details: the matched stop sequence and the raw usage object."""

    type_id: ClassVar[str] = "anthropic.response_metadata"

    stop_sequence: str | None = None
    usage: dict[str, Any] | None = None
