"""Typed options and metadata of the Bedrock Converse API (key ``"bedrock"``).

Call options::

    call = Call(prompt=..., provider_options={"bedrock": {
        "additional_model_request_fields": {"top_k": 40},
        "guardrail": {"identifier": "gr-1", "version": "1", "trace": "enabled"},
    }})

A message, a part or a tool takes ``{"bedrock": {"cache_point": True}}`` to put a cache
point after it. Reasoning content carries :class:`BedrockReasoningMetadata` (its
signature, or the redacted bytes) so that it can be replayed on the next turn.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from fantasy.options import ProviderData

__all__ = [
    "PROVIDER_KEY",
    "BedrockConverseOptions",
    "BedrockGuardrail",
    "BedrockReasoningMetadata",
    "BedrockResponseMetadata",
]

PROVIDER_KEY = "bedrock"
"""The key of Converse options and metadata in provider maps."""


class BedrockGuardrail(ProviderData):
    """``guardrailConfig``: the guardrail to apply, and whether to return its trace."""

    identifier: str
    version: str
    trace: Literal["enabled", "disabled", "enabled_full"] | None = None
    stream_processing_mode: Literal["sync", "async"] | None = None


class BedrockConverseOptions(ProviderData):
    """Options of a Converse call, a message, a part or a tool.

    Attributes:
        additional_model_request_fields: Model-specific settings sent as
            ``additionalModelRequestFields`` (``top_k``, Claude's ``thinking``, Nova's
            ``reasoningConfig``, ...), call level.
        additional_model_response_field_paths: JSON pointers of model-specific response
            fields to return (``additionalModelResponseFieldPaths``).
        guardrail: Guardrail configuration (``guardrailConfig``).
        performance_latency: ``performanceConfig.latency`` (``standard`` / ``optimized``).
        request_metadata: Key/value tags for invocation logs (``requestMetadata``).
        send_reasoning: Replay reasoning content to the model (default ``True``).
        cache_point: On a message, part or tool: add a cache point after it.
    """

    type_id: ClassVar[str] = "bedrock.converse_options"

    additional_model_request_fields: dict[str, Any] | None = None
    additional_model_response_field_paths: list[str] | None = None
    guardrail: BedrockGuardrail | None = None
    performance_latency: Literal["standard", "optimized"] | None = None
    request_metadata: dict[str, str] | None = None
    send_reasoning: bool | None = None
    cache_point: bool | None = None


class BedrockReasoningMetadata(ProviderData):
    """Replay data of reasoning content: the text's signature, or redacted content (base64)."""

    type_id: ClassVar[str] = "bedrock.reasoning_metadata"

    signature: str | None = None
    redacted_content: str | None = None


class BedrockResponseMetadata(ProviderData):
    """Response details: latency, guardrail trace, model-specific fields, raw usage."""

    type_id: ClassVar[str] = "bedrock.response_metadata"

    latency_ms: int | None = None
    trace: dict[str, Any] | None = None
    additional_model_response_fields: dict[str, Any] | None = None
    usage: dict[str, Any] = Field(default_factory=dict)
