"""What the providers on OpenAI's HTTP APIs share (OpenAI, Azure, compatible servers, gateways).

One HTTP client with OpenAI's error bodies, and models whose URL is the API root plus
the endpoint path plus a query string (Azure's ``?api-version=``).
"""

from __future__ import annotations

from fantasy.model import ObjectMode
from fantasy.providers._base import HTTPSettings, ProviderBase
from fantasy.providers.openai._errors import parse_error
from fantasy.providers.openai.chat import ChatHooks, ChatModel
from fantasy.providers.openai.embed import OpenAIEmbeddingModel
from fantasy.providers.openai.responses import ResponsesModel
from fantasy.retry import RetryPolicy

__all__ = ["DualAPIProvider", "OpenAIStyleProvider"]


class OpenAIStyleProvider(ProviderBase):
    """Base of the providers that serve Chat Completions models."""

    _query: str = ""

    def _connect(
        self,
        name: str,
        base_url: str,
        settings: HTTPSettings,
        *,
        auth_headers: dict[str, str],
        api_key: str | None,
    ) -> None:
        """Set the name, the API root and the client (``auth_headers`` under the user's)."""
        self._name = name
        self._base_url = base_url.rstrip("/")
        self._client = settings.client(
            name, defaults=auth_headers, secret=api_key, error_parser=parse_error
        )

    def _chat_model(
        self, model_id: str, hooks: ChatHooks, object_mode: ObjectMode = "json"
    ) -> ChatModel:
        return ChatModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/chat/completions{self._query}",
            hooks=hooks,
            object_mode=object_mode,
        )

    def embedding_model(
        self,
        model_id: str,
        *,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> OpenAIEmbeddingModel:
        """The embedding model (or Azure deployment) ``model_id`` at ``<root>/embeddings``.

        Extra body fields go under ``provider_options={"<provider name>": {...}}`` (or
        ``"openai"``), e.g. ``{"openai": {"user": "u-1"}}``.
        """
        namespaces = tuple(dict.fromkeys((self._name, "openai")))
        return OpenAIEmbeddingModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/embeddings{self._query}",
            namespaces=namespaces,
            max_inputs_per_call=max_inputs_per_call,
            max_parallel_calls=max_parallel_calls,
            retry=retry,
        )


class DualAPIProvider(OpenAIStyleProvider):
    """OpenAI and Azure: Chat Completions, or the Responses API with ``use_responses_api``."""

    _use_responses_api: bool = False

    def language_model(self, model_id: str) -> ChatModel | ResponsesModel:
        """The model (or Azure deployment) ``model_id``.

        A Responses API model when the provider was built with ``use_responses_api=True``,
        else a Chat Completions model.
        """
        if self._use_responses_api:
            return self.responses_model(model_id)
        return self.chat_model(model_id)

    def chat_model(self, model_id: str) -> ChatModel:
        """The Chat Completions model ``model_id`` (whatever ``use_responses_api`` says)."""
        return self._chat_model(model_id, ChatHooks())

    def responses_model(self, model_id: str) -> ResponsesModel:
        """The Responses API model ``model_id`` (whatever ``use_responses_api`` says)."""
        return ResponsesModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/responses{self._query}",
        )
