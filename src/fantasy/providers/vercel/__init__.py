"""Vercel AI Gateway: models of many providers behind one Chat Completions endpoint.

Example::

    from fantasy.providers.vercel import VercelProvider

    model = VercelProvider().language_model("anthropic/claude-sonnet-4")
    # key from AI_GATEWAY_API_KEY

Call options go under ``provider_options={"vercel": VercelOptions(...)}`` (or a dict),
e.g. ``{"vercel": {"reasoning": {"enabled": True}}}``. Reasoning comes back as reasoning
items carrying :class:`VercelReasoningMetadata` (and, for Anthropic models, the
``anthropic`` signature) and is replayed as ``reasoning_details``. Structured objects
are produced in tool mode, which the routed models support widely.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT
from fantasy.errors import InvalidArgumentError
from fantasy.providers._base import HTTPSettings, bearer, required_api_key
from fantasy.providers.openai._provider import OpenAIStyleProvider
from fantasy.providers.openai.chat import ChatModel
from fantasy.providers.vercel.hooks import VercelHooks
from fantasy.providers.vercel.options import (
    VercelOptions,
    VercelReasoning,
    VercelReasoningMetadata,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "VercelHooks",
    "VercelOptions",
    "VercelProvider",
    "VercelReasoning",
    "VercelReasoningMetadata",
]

DEFAULT_BASE_URL = "https://ai-gateway.vercel.sh/v1"
API_KEY_ENV = "AI_GATEWAY_API_KEY"


class VercelProvider(OpenAIStyleProvider):
    """Builds Vercel AI Gateway models.

    Args:
        api_key: API key (default: ``AI_GATEWAY_API_KEY``).
        base_url: API root, ``https://ai-gateway.vercel.sh/v1`` by default.
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to send requests with (caller owns it).
        transport: An httpx transport for a client fantasy creates.
        timeout: Request timeout in seconds.
        stream_idle_timeout: Seconds without stream data before a stream fails.
        name: Provider name reported by models and errors.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        name: str = "vercel",
    ) -> None:
        key = required_api_key(api_key, API_KEY_ENV, "Vercel AI Gateway")
        settings = HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout)
        self._connect(
            name, base_url or DEFAULT_BASE_URL, settings, auth_headers=bearer(key), api_key=key
        )

    def language_model(self, model_id: str) -> ChatModel:
        """The model ``model_id`` (``<family>/<model>``, e.g. ``anthropic/claude-sonnet-4``)."""
        if not model_id:
            raise InvalidArgumentError("model_id is required", argument="model_id")
        return self._chat_model(model_id, VercelHooks(model_id), object_mode="tool")
