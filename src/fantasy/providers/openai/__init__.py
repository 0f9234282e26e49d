"""OpenAI: the Chat Completions API and the Responses API.

Example::

    from fantasy.providers.openai import OpenAIProvider

    model = OpenAIProvider().language_model("gpt-4o")  # key from OPENAI_API_KEY
    responses = OpenAIProvider(use_responses_api=True).language_model("gpt-5")

Call options go under ``provider_options={"openai": OpenAIOptions(...)}`` (or a dict).
OpenAI's built-in web search (Responses API only) is :func:`web_search_tool`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT
from fantasy.providers._base import HTTPSettings, bearer, env, required_api_key
from fantasy.providers.openai._provider import (
    RESPONSES_ONLY_MODELS,
    DualAPIProvider,
    UseResponsesAPI,
    is_responses_model,
)
from fantasy.providers.openai.chat import ChatHooks, ChatModel
from fantasy.providers.openai.responses import ResponsesModel, web_search_tool

if TYPE_CHECKING:
    from fantasy.providers.openai.options import (
        OpenAIChatMetadata,
        OpenAIOptions,
        OpenAIResponsesItemMetadata,
        OpenAIResponsesReasoningMetadata,
    )

# The option models load pydantic: they are imported when first named, not with the provider.
_OPTIONS = frozenset(
    {
        "OpenAIChatMetadata",
        "OpenAIOptions",
        "OpenAIResponsesItemMetadata",
        "OpenAIResponsesReasoningMetadata",
    }
)


def __getattr__(name: str) -> Any:
    if name in _OPTIONS:
        from fantasy.providers.openai import options

        return getattr(options, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RESPONSES_ONLY_MODELS",
    "ChatHooks",
    "ChatModel",
    "OpenAIChatMetadata",
    "OpenAIOptions",
    "OpenAIProvider",
    "OpenAIResponsesItemMetadata",
    "OpenAIResponsesReasoningMetadata",
    "ResponsesModel",
    "UseResponsesAPI",
    "is_responses_model",
    "responses_provider",
    "web_search_tool",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIProvider(DualAPIProvider):
    """Builds OpenAI models.

    Args:
        api_key: API key (default: ``OPENAI_API_KEY``).
        base_url: API root (default ``OPENAI_BASE_URL``, else ``https://api.openai.com/v1``).
        organization: Sent as ``OpenAI-Organization``.
        project: Sent as ``OpenAI-Project``.
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to send requests with (caller owns it).
        transport: An httpx transport for a client fantasy creates.
        timeout: Request timeout in seconds.
        stream_idle_timeout: Seconds without stream data before a stream fails.
        name: Provider name reported by models and errors.
        use_responses_api: Which models are served through the Responses API
            (``/responses``) instead of Chat Completions: all (``True``), none
            (``False``), those a predicate accepts (e.g. :func:`is_responses_model`) or
            the ids in a collection.
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
        use_responses_api: UseResponsesAPI = False,
    ) -> None:
        key = required_api_key(api_key, "OPENAI_API_KEY", "OpenAI")
        auth_headers = bearer(key)
        if organization:
            auth_headers["OpenAI-Organization"] = organization
        if project:
            auth_headers["OpenAI-Project"] = project
        self._set_routing(use_responses_api)
        settings = HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout)
        self._connect(
            name,
            base_url or env("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            settings,
            auth_headers=auth_headers,
            api_key=key,
        )


def responses_provider(**settings: Any) -> OpenAIProvider:
    """An :class:`OpenAIProvider` whose models use the Responses API.

    The registry's ``"openai-responses"`` entry, so that
    ``fantasy.language_model("openai-responses:gpt-5")`` works.
    """
    return OpenAIProvider(**{**settings, "use_responses_api": True})
