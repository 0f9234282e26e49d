"""Anthropic Claude: the Messages API directly and on Google Vertex AI.

::

    from fantasy.providers.anthropic import AnthropicProvider

    model = AnthropicProvider().language_model("claude-sonnet-4-20250514")

Provider options go under ``"anthropic"`` (:class:`AnthropicProviderOptions`): extended
thinking, effort, parallel tool use, reasoning replay and cache breakpoints. Reasoning
items carry :class:`AnthropicReasoningMetadata` (signatures) for replay. Server tools:
:func:`web_search_tool` and :func:`computer_use_tool`. For Claude on Amazon Bedrock see
:mod:`fantasy.providers.bedrock`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT
from fantasy.errors import InvalidArgumentError
from fantasy.providers._base import HTTPSettings, env, required_api_key
from fantasy.providers.anthropic._provider import ClaudeAPIProvider
from fantasy.providers.anthropic._tools import WEB_SEARCH_TOOL_ID, web_search_tool
from fantasy.providers.anthropic._wire import ANTHROPIC_VERSION
from fantasy.providers.anthropic.cache import cache_last_messages, mark_cache_control
from fantasy.providers.anthropic.computer import (
    COMPUTER_20250124,
    COMPUTER_20251124,
    COMPUTER_TOOL_ID,
    ComputerAction,
    ComputerTool,
    computer_use_tool,
    parse_computer_action,
)
from fantasy.providers.anthropic.endpoint import (
    DEFAULT_BASE_URL,
    AnthropicEndpoint,
    VertexEndpoint,
    api_root,
)
from fantasy.providers.anthropic.model import AnthropicLanguageModel
from fantasy.providers.anthropic.options import (
    AnthropicCacheControl,
    AnthropicProviderOptions,
    AnthropicReasoningMetadata,
    AnthropicResponseMetadata,
    AnthropicServerToolResultMetadata,
    AnthropicTextMetadata,
    AnthropicThinking,
)

__all__ = [
    "COMPUTER_20250124",
    "COMPUTER_20251124",
    "COMPUTER_TOOL_ID",
    "WEB_SEARCH_TOOL_ID",
    "AnthropicCacheControl",
    "AnthropicLanguageModel",
    "AnthropicProvider",
    "AnthropicProviderOptions",
    "AnthropicReasoningMetadata",
    "AnthropicResponseMetadata",
    "AnthropicServerToolResultMetadata",
    "AnthropicTextMetadata",
    "AnthropicThinking",
    "AnthropicVertexProvider",
    "ComputerAction",
    "ComputerTool",
    "cache_last_messages",
    "computer_use_tool",
    "mark_cache_control",
    "parse_computer_action",
    "web_search_tool",
]


class AnthropicProvider(ClaudeAPIProvider):
    """Builds Claude models on the Anthropic API.

    Args:
        api_key: API key (default ``ANTHROPIC_API_KEY``), sent as ``x-api-key``.
        base_url: The API host as in Anthropic's SDK (default ``ANTHROPIC_BASE_URL``, else
            ``https://api.anthropic.com``); ``/v1`` is appended unless the URL ends with it,
            so ``https://api.anthropic.com/v1`` works too.
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to use (you keep ownership).
        transport: A transport for the client this provider creates.
        timeout: Request timeout of the client this provider creates.
        stream_idle_timeout: Seconds without stream data before failing.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("base_url",)

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
    ) -> None:
        key = required_api_key(api_key, "ANTHROPIC_API_KEY", "Anthropic")
        base_url = base_url or env("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        self._connect(
            AnthropicEndpoint(base_url=api_root(base_url)),
            HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout),
            defaults={"anthropic-version": ANTHROPIC_VERSION},
            overrides={"x-api-key": key} if key else None,
            api_key=key,
        )


class AnthropicVertexProvider(ClaudeAPIProvider):
    """Builds Claude models on Google Vertex AI (``rawPredict`` / ``streamRawPredict``).

    Args:
        project: Google Cloud project (default ``GOOGLE_CLOUD_PROJECT`` or
            ``ANTHROPIC_VERTEX_PROJECT_ID``).
        location: Region such as ``us-east5``, or ``global`` (default
            ``GOOGLE_CLOUD_LOCATION`` or ``CLOUD_ML_REGION``).
        skip_auth: Send ``Bearer dummy-token`` and look no credentials up.
        credentials: ``google.auth`` credentials (default: application-default
            credentials; needs ``pip install 'fantasy[vertex]'``).
        base_url: Override ``https://{location}-aiplatform.googleapis.com/v1``.
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to use (you keep ownership).
        transport: A transport for the client this provider creates.
        timeout: Request timeout of the client this provider creates.
        stream_idle_timeout: Seconds without stream data before failing.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("project", "location")

    def __init__(
        self,
        *,
        project: str | None = None,
        location: str | None = None,
        skip_auth: bool = False,
        credentials: Any = None,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> None:
        from fantasy.providers._auth import GoogleBearerAuth

        project = project or env("GOOGLE_CLOUD_PROJECT", "ANTHROPIC_VERTEX_PROJECT_ID")
        location = location or env("GOOGLE_CLOUD_LOCATION", "CLOUD_ML_REGION")
        if not project:
            raise InvalidArgumentError("Vertex AI needs a project", argument="project")
        if not location:
            raise InvalidArgumentError("Vertex AI needs a location", argument="location")
        self.project = project
        self.location = location
        self._connect(
            VertexEndpoint(project=project, location=location, base_url=base_url),
            HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout),
            auth=GoogleBearerAuth(skip_auth, credentials=credentials),
        )
