"""What the providers on OpenAI's HTTP APIs share (OpenAI, Azure, compatible servers, gateways).

One HTTP client with OpenAI's error bodies, and models whose URL is the API root plus
the endpoint path plus a query string (Azure's ``?api-version=``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from fantasy.errors import InvalidArgumentError
from fantasy.model import ObjectMode
from fantasy.providers._base import HTTPSettings, ProviderBase
from fantasy.providers.openai._errors import parse_error
from fantasy.providers.openai.chat import ChatHooks, ChatModel
from fantasy.providers.openai.responses import ResponsesModel
from fantasy.retry import RetryPolicy

if TYPE_CHECKING:
    from fantasy.providers.openai.embed import OpenAIEmbeddingModel

__all__ = [
    "RESPONSES_ONLY_MODELS",
    "DualAPIProvider",
    "OpenAIStyleProvider",
    "UseResponsesAPI",
    "is_responses_model",
]

UseResponsesAPI: TypeAlias = bool | Callable[[str], bool] | Collection[str]
"""Which models a provider serves through the Responses API: all (``True``), none
(``False``), those a predicate accepts, or those named in a collection."""

RESPONSES_ONLY_MODELS = (
    "o1-pro",
    "o3-pro",
    "gpt-5-pro",
    "gpt-5-codex",
    "gpt-5.1-codex",
    "codex-mini",
    "o3-deep-research",
    "o4-mini-deep-research",
    "computer-use-preview",
)
"""Model families OpenAI documents as available only on the Responses API (the one table)."""


def is_responses_model(model_id: str) -> bool:
    """Whether ``model_id`` is a model OpenAI serves only on the Responses API.

    Matches :data:`RESPONSES_ONLY_MODELS` by prefix of the last path segment (dated
    snapshots and ``openai/...`` ids included). Pass it as ``use_responses_api=`` to
    route those models to ``/responses`` and the rest to Chat Completions.
    """
    name = model_id.rsplit("/", 1)[-1].lower()
    return name.startswith(RESPONSES_ONLY_MODELS)


def _route(choice: UseResponsesAPI) -> Callable[[str], bool]:
    if isinstance(choice, bool):
        return lambda _model_id: choice
    if callable(choice):
        return lambda model_id: bool(choice(model_id))
    if isinstance(choice, str | bytes | Mapping) or not isinstance(choice, Collection):
        raise InvalidArgumentError(
            "use_responses_api must be a bool, a predicate or a collection of model ids",
            argument="use_responses_api",
        )
    names = frozenset(choice)
    return lambda model_id: model_id in names


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

    _routes_to_responses: Callable[[str], bool] | None = None

    def _set_routing(self, use_responses_api: UseResponsesAPI) -> None:
        """Decide, per model id, between Chat Completions and the Responses API."""
        self._routes_to_responses = _route(use_responses_api)

    def _uses_responses(self, model_id: str) -> bool:
        route = self._routes_to_responses
        return route is not None and route(model_id)

    def _responses_model(
        self,
        model_id: str,
        *,
        options_key: str = "openai",
        object_mode: ObjectMode = "json",
        extra_body: Mapping[str, Any] | None = None,
    ) -> ResponsesModel:
        return ResponsesModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/responses{self._query}",
            options_key=options_key,
            object_mode=object_mode,
            extra_body=extra_body,
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
        # Loaded here: a provider asked for chat models does not pay for embeddings.
        from fantasy.providers.openai.embed import OpenAIEmbeddingModel

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
    """OpenAI and Azure: Chat Completions, or the Responses API per ``use_responses_api``."""

    def language_model(self, model_id: str) -> ChatModel | ResponsesModel:
        """The model (or Azure deployment) ``model_id``.

        A Responses API model when the provider's ``use_responses_api`` selects
        ``model_id`` (``True``, a predicate such as :func:`is_responses_model`, or a
        collection of ids), else a Chat Completions model.
        """
        if self._uses_responses(model_id):
            return self.responses_model(model_id)
        return self.chat_model(model_id)

    def chat_model(self, model_id: str) -> ChatModel:
        """The Chat Completions model ``model_id`` (whatever ``use_responses_api`` says)."""
        return self._chat_model(model_id, ChatHooks())

    def responses_model(self, model_id: str) -> ResponsesModel:
        """The Responses API model ``model_id`` (whatever ``use_responses_api`` says)."""
        return self._responses_model(model_id)
