"""OpenAI: the Chat Completions API and the Responses API.

Example::

    from fantasy.providers.openai import OpenAIProvider

    model = OpenAIProvider().language_model("gpt-4o")  # key from OPENAI_API_KEY
    responses = OpenAIProvider(use_responses_api=True).language_model("gpt-5")

Call options go under ``provider_options={"openai": OpenAIOptions(...)}`` (or a dict).
OpenAI's built-in web search (Responses API only) is :func:`web_search_tool`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT, HTTPClient
from fantasy.errors import InvalidArgumentError
from fantasy.providers.openai._errors import parse_error
from fantasy.providers.openai.chat import ChatHooks, ChatModel
from fantasy.providers.openai.options import (
    OpenAIChatMetadata,
    OpenAIOptions,
    OpenAIResponsesItemMetadata,
    OpenAIResponsesReasoningMetadata,
)
from fantasy.providers.openai.responses import ResponsesModel, web_search_tool

__all__ = [
    "ChatHooks",
    "ChatModel",
    "OpenAIChatMetadata",
    "OpenAIOptions",
    "OpenAIProvider",
    "OpenAIResponsesItemMetadata",
    "OpenAIResponsesReasoningMetadata",
    "ResponsesModel",
    "web_search_tool",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def _api_key(api_key: str | None, variable: str, provider: str) -> str:
    key = api_key if api_key is not None else os.environ.get(variable, "")
    if not key:
        raise InvalidArgumentError(
            f"no {provider} API key: pass api_key= or set {variable}", argument="api_key"
        )
    return key


class OpenAIProvider:
    """Builds OpenAI models.

    Args:
        api_key: API key (default: ``OPENAI_API_KEY``).
        base_url: API root, ``https://api.openai.com/v1`` by default.
        organization: Sent as ``OpenAI-Organization``.
        project: Sent as ``OpenAI-Project``.
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to send requests with (caller owns it).
        transport: An httpx transport for a client fantasy creates.
        timeout: Request timeout in seconds.
        stream_idle_timeout: Seconds without stream data before a stream fails.
        name: Provider name reported by models and errors.
        use_responses_api: Serve models through the Responses API (``/responses``)
            instead of Chat Completions.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        name: str = "openai",
        use_responses_api: bool = False,
    ) -> None:
        key = _api_key(api_key, "OPENAI_API_KEY", "OpenAI")
        self._name = name
        self._use_responses_api = use_responses_api
        self._base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        all_headers = {"Authorization": f"Bearer {key}"}
        if organization:
            all_headers["OpenAI-Organization"] = organization
        if project:
            all_headers["OpenAI-Project"] = project
        all_headers.update(headers or {})
        self._client = HTTPClient(
            provider=name,
            headers=all_headers,
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
        return f"OpenAIProvider(name={self._name!r}, base_url={self._base_url!r})"

    def language_model(self, model_id: str) -> ChatModel | ResponsesModel:
        """The model ``model_id``.

        A Responses API model when the provider was built with ``use_responses_api=True``,
        else a Chat Completions model.
        """
        if self._use_responses_api:
            return self.responses_model(model_id)
        return self.chat_model(model_id)

    def chat_model(self, model_id: str) -> ChatModel:
        """The Chat Completions model ``model_id`` (whatever ``use_responses_api`` says)."""
        return ChatModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/chat/completions",
            hooks=ChatHooks(),
        )

    def responses_model(self, model_id: str) -> ResponsesModel:
        """The Responses API model ``model_id`` (whatever ``use_responses_api`` says)."""
        return ResponsesModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/responses",
        )
