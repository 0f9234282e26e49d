"""Typed Vercel AI Gateway options and metadata (namespace ``"vercel"``).

Pass options per call as ``provider_options={"vercel": VercelOptions(...)}`` or as a
plain dict of the same fields, e.g. ``{"vercel": {"reasoning": {"enabled": True}}}``.
Only the fields that are set reach the request.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fantasy.options import ProviderData
from fantasy.providers.openai.chat.reasoning_details import (
    GatewayReasoning,
    GatewayReasoningMetadata,
)

__all__ = ["VercelOptions", "VercelReasoning", "VercelReasoningMetadata"]


class VercelReasoning(GatewayReasoning):
    """The gateway's ``reasoning`` object: ``enabled``, ``effort``, ``max_tokens``, ``exclude``."""


class VercelOptions(ProviderData):
    """Vercel AI Gateway call options.

    Attributes:
        reasoning: Reasoning settings, sent as ``reasoning``.
        provider_options: Sent as ``providerOptions``, e.g.
            ``{"gateway": {"order": ["vertex", "anthropic"]}}`` for provider routing.
        parallel_tool_calls: Whether the model may call several tools at once.
        user: A stable end-user id.
        extra_body: Keys merged into the request body last.
    """

    type_id: ClassVar[str] = "vercel.options"

    reasoning: VercelReasoning | None = None
    provider_options: dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    user: str | None = None
    extra_body: dict[str, Any] | None = None


class VercelReasoningMetadata(GatewayReasoningMetadata):
    """Replay data of a reasoning item received through the Vercel AI Gateway."""

    type_id: ClassVar[str] = "vercel.reasoning_metadata"
