"""OpenRouter: hundreds of models behind one Chat Completions endpoint.

Example::

    from fantasy.providers.openrouter import OpenRouterProvider

    model = OpenRouterProvider().language_model("anthropic/claude-haiku-4.5")
    # key from OPENROUTER_API_KEY

Call options go under ``provider_options={"openrouter": OpenRouterOptions(...)}`` (or a
dict), e.g. ``{"openrouter": {"reasoning": {"effort": "medium"}}}``. Reasoning comes back
as reasoning items carrying :class:`OpenRouterReasoningMetadata` (and, for Anthropic
models, the ``anthropic`` signature) and is replayed as ``reasoning_details``.
Structured objects are produced in tool mode, which the routed models support widely.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT
from fantasy.errors import InvalidArgumentError
from fantasy.providers._base import HTTPSettings, bearer, required_api_key
from fantasy.providers.openai._provider import OpenAIStyleProvider
from fantasy.providers.openai.chat import ChatModel
from fantasy.providers.openrouter.hooks import OpenRouterHooks
from fantasy.providers.openrouter.options import (
    OpenRouterMetadata,
    OpenRouterOptions,
    OpenRouterReasoning,
    OpenRouterReasoningMetadata,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "OpenRouterHooks",
    "OpenRouterMetadata",
    "OpenRouterOptions",
    "OpenRouterProvider",
    "OpenRouterReasoning",
    "OpenRouterReasoningMetadata",
]

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
API_KEY_ENV = "OPENROUTER_API_KEY"


class OpenRouterProvider(OpenAIStyleProvider):
    """Builds OpenRouter models.

    Args:
        api_key: API key (default: ``OPENROUTER_API_KEY``).
        base_url: API root, ``https://openrouter.ai/api/v1`` by default.
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to send requests with (caller owns it).
        transport: An httpx transport for a client fantasy creates.
        timeout: Request timeout in seconds.
        stream_idle_timeout: Seconds without stream data before a stream fails.
        app_name: Your app's name, sent as ``X-Title`` (OpenRouter rankings).
        referer: Your app's URL, sent as ``HTTP-Referer`` (OpenRouter rankings).
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
        app_name: str | None = None,
        referer: str | None = None,
        name: str = "openrouter",
    ) -> None:
        key = required_api_key(api_key, API_KEY_ENV, "OpenRouter")
        auth_headers = bearer(key)
        if app_name:
            auth_headers["X-Title"] = app_name
        if referer:
            auth_headers["HTTP-Referer"] = referer
        settings = HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout)
        self._connect(
            name, base_url or DEFAULT_BASE_URL, settings, auth_headers=auth_headers, api_key=key
        )

    def language_model(self, model_id: str) -> ChatModel:
        """The model ``model_id`` (``<family>/<model>``, e.g. ``openai/gpt-5``)."""
        if not model_id:
            raise InvalidArgumentError("model_id is required", argument="model_id")
        return self._chat_model(model_id, OpenRouterHooks(model_id), object_mode="tool")
