"""What the Claude providers share (Anthropic API, Vertex AI, Amazon Bedrock).

Each has one :class:`~fantasy.providers.anthropic.endpoint.AnthropicEndpoint` that names
the provider and its API root, one HTTP client, and serves
:class:`~fantasy.providers.anthropic.model.AnthropicLanguageModel` models.
"""

from __future__ import annotations

import httpx

from fantasy.providers._base import HTTPSettings, ProviderBase
from fantasy.providers.anthropic.endpoint import AnthropicEndpoint
from fantasy.providers.anthropic.model import AnthropicLanguageModel

__all__ = ["ClaudeAPIProvider", "ClaudeProvider"]


class ClaudeProvider(ProviderBase):
    """Base of the Claude providers: the client and Claude models on the provider's endpoint."""

    _endpoint: AnthropicEndpoint

    def _connect(
        self,
        endpoint: AnthropicEndpoint,
        settings: HTTPSettings,
        *,
        defaults: dict[str, str] | None = None,
        overrides: dict[str, str] | None = None,
        api_key: str | None = None,
        auth: httpx.Auth | None = None,
    ) -> None:
        """Set the endpoint and the client; the name is the endpoint's provider name."""
        self._endpoint = endpoint
        self._name = endpoint.provider_name
        self._base_url = endpoint.base_url
        self._client = settings.client(
            endpoint.provider_name,
            defaults=defaults,
            overrides=overrides,
            secret=api_key,
            auth=auth,
        )

    def claude_model(self, model_id: str) -> AnthropicLanguageModel:
        """The Claude model ``model_id`` (the Anthropic Messages body on this endpoint).

        For example ``claude-sonnet-4-5`` on the Anthropic API,
        ``claude-3-7-sonnet@20250219`` on Vertex AI and
        ``us.anthropic.claude-sonnet-4-5-20250929-v1:0`` on Bedrock.
        """
        return AnthropicLanguageModel(
            model_id=model_id, endpoint=self._endpoint, client=self._client
        )


class ClaudeAPIProvider(ClaudeProvider):
    """A provider whose every model is a Claude model (the Anthropic API, Vertex AI)."""

    def language_model(self, model_id: str) -> AnthropicLanguageModel:
        """The Claude model ``model_id`` (see :meth:`claude_model`)."""
        return self.claude_model(model_id)
