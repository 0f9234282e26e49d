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

import os
from collections.abc import Mapping

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT, HTTPClient
from fantasy.errors import InvalidArgumentError
from fantasy.providers.openai._errors import parse_error
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


class VercelProvider:
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
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
        if not key:
            raise InvalidArgumentError(
                f"no Vercel AI Gateway API key: pass api_key= or set {API_KEY_ENV}",
                argument="api_key",
            )
        self._name = name
        self._base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._client = HTTPClient(
            provider=name,
            headers={"Authorization": f"Bearer {key}", **(headers or {})},
            http_client=http_client,
            transport=transport,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            secrets=(key,),
            error_parser=parse_error,
        )

    @property
    def name(self) -> str:
        """Provider name."""
        return self._name

    @property
    def base_url(self) -> str:
        """The API root URL."""
        return self._base_url

    def __repr__(self) -> str:
        return f"VercelProvider(name={self._name!r}, base_url={self._base_url!r})"

    def language_model(self, model_id: str) -> ChatModel:
        """The model ``model_id`` (``<family>/<model>``, e.g. ``anthropic/claude-sonnet-4``)."""
        if not model_id:
            raise InvalidArgumentError("model_id is required", argument="model_id")
        return ChatModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/chat/completions",
            hooks=VercelHooks(model_id),
            object_mode="tool",
        )
