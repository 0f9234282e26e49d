"""Typed options of OpenAI-compatible servers (namespace ``"openai-compat"``).

Pass them per call as ``provider_options={"openai-compat": OpenAICompatOptions(...)}``
or as a plain dict of the same fields.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fantasy.options import ProviderData

__all__ = ["OpenAICompatOptions"]


class OpenAICompatOptions(ProviderData):
    """Options most OpenAI-compatible servers understand.

    Attributes:
        reasoning_effort: Sent as ``reasoning_effort`` (``"low"``, ``"medium"``, ``"high"``...).
        user: End-user id, sent as ``user``.
        parallel_tool_calls: Whether the model may call several tools at once.
        extra_body: Server-specific keys merged into the request body last.
    """

    type_id: ClassVar[str] = "openaicompat.options"

    reasoning_effort: str | None = None
    user: str | None = None
    parallel_tool_calls: bool | None = None
    extra_body: dict[str, Any] | None = None
