"""Azure OpenAI: Chat Completions or the Responses API on an Azure resource (``/openai/v1``).

Example::

    from fantasy.providers.azure import AzureProvider

    provider = AzureProvider(base_url="https://my-resource.openai.azure.com")
    model = provider.language_model("gpt-5-mini")  # key from AZURE_OPENAI_API_KEY

The key goes in the ``api-key`` header. Call options use the ``"openai"`` namespace
(:class:`~fantasy.providers.openai.OpenAIOptions`). ``use_responses_api=True`` serves
models through ``.../openai/v1/responses`` instead of ``.../chat/completions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT
from fantasy.errors import InvalidArgumentError
from fantasy.providers._base import HTTPSettings, env, required_api_key
from fantasy.providers.openai._provider import DualAPIProvider, UseResponsesAPI

__all__ = ["AzureProvider", "normalize_base_url", "responses_provider"]

_API_PATH = "/openai/v1"
# Hosts of Azure OpenAI and AI Foundry resources: their OpenAI API lives at /openai/v1.
_AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")


def normalize_base_url(base_url: str) -> str:
    """The ``.../openai/v1`` API root of an Azure resource.

    Accepts every URL form Azure hands out, with or without a path:

    * a resource URL: ``https://x.openai.azure.com``,
      ``https://x.cognitiveservices.azure.com``, ``https://x.services.ai.azure.com``;
    * an AI Foundry project URL (``https://x.services.ai.azure.com/api/projects/p``),
      which is served by its resource's ``/openai/v1``;
    * an endpoint URL copied from the portal (``.../openai/deployments/d/chat/
      completions?api-version=...``, ``.../openai/v1/chat/completions``): on an Azure
      host every path leads to ``/openai/v1``;
    * a host without scheme, or a bare resource name (``x`` →
      ``https://x.openai.azure.com/openai/v1``).

    On other hosts (a gateway, a custom domain) a path is kept as given; no path gets
    ``/openai/v1``.
    """
    url = base_url.strip().rstrip("/")
    if not url:
        raise InvalidArgumentError("Azure base URL is empty", argument="base_url")
    if "://" not in url:
        url = f"https://{url}" if "." in url else f"https://{url}.openai.azure.com"
    parts = urlsplit(url)
    if not parts.netloc:
        raise InvalidArgumentError(f"invalid Azure base URL {base_url!r}", argument="base_url")
    path = parts.path.rstrip("/")
    host = (parts.hostname or "").lower()
    if host.endswith(_AZURE_HOSTS) or path in ("", "/openai"):
        path = _API_PATH
    return f"{parts.scheme}://{parts.netloc}{path}"


class AzureProvider(DualAPIProvider):
    """Builds Azure OpenAI models.

    Args:
        base_url: Resource URL or name (default: ``AZURE_OPENAI_ENDPOINT``), normalised
            by :func:`normalize_base_url`.
        api_key: API key sent as ``api-key`` (default: ``AZURE_OPENAI_API_KEY``).
        api_version: Adds ``?api-version=`` to every request when given.
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
        base_url: str | None = None,
        api_key: str | None = None,
        api_version: str | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        name: str = "azure",
        use_responses_api: UseResponsesAPI = False,
    ) -> None:
        url = base_url or env("AZURE_OPENAI_ENDPOINT") or ""
        if not url:
            raise InvalidArgumentError(
                "no Azure base URL: pass base_url= or set AZURE_OPENAI_ENDPOINT",
                argument="base_url",
            )
        key = required_api_key(api_key, "AZURE_OPENAI_API_KEY", "Azure")
        self._query = f"?{urlencode({'api-version': api_version})}" if api_version else ""
        self._set_routing(use_responses_api)
        settings = HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout)
        self._connect(
            name, normalize_base_url(url), settings, auth_headers={"api-key": key}, api_key=key
        )


def responses_provider(**settings: Any) -> AzureProvider:
    """An :class:`AzureProvider` whose models use the Responses API (``"azure-responses"``)."""
    return AzureProvider(**{**settings, "use_responses_api": True})
