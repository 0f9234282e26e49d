"""The provider protocol and the registry of provider names.

Providers are referenced by strings (``"module:Class"``) so that ``import fantasy``
loads none of them: :func:`get_provider` imports a provider module on first use, and
:func:`language_model` resolves ``"provider:model"`` strings such as
``"openai:gpt-4o"`` or ``"anthropic:claude-sonnet-4-20250514"``.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from fantasy.errors import InvalidArgumentError
from fantasy.model import LanguageModel

if TYPE_CHECKING:
    from fantasy.embedding import EmbeddingModel

__all__ = [
    "PROVIDERS",
    "clear_provider_cache",
    "EmbeddingProvider",
    "Provider",
    "embedding_model",
    "get_provider",
    "language_model",
    "provider_from_env",
    "register_provider",
]


@runtime_checkable
class Provider(Protocol):
    """Builds language models of one provider from shared settings (key, URL, client)."""

    @property
    def name(self) -> str:
        """Provider name, e.g. ``"openai"``."""
        ...

    def language_model(self, model_id: str) -> LanguageModel:
        """The model ``model_id`` of this provider."""
        ...


@runtime_checkable
class EmbeddingProvider(Protocol):
    """A provider that also builds embedding models."""

    @property
    def name(self) -> str:
        """Provider name, e.g. ``"openai"``."""
        ...

    def embedding_model(self, model_id: str) -> EmbeddingModel:
        """The embedding model ``model_id`` of this provider."""
        ...


PROVIDERS: dict[str, str] = {
    "openai": "fantasy.providers.openai:OpenAIProvider",
    "openai-responses": "fantasy.providers.openai:responses_provider",
    "azure": "fantasy.providers.azure:AzureProvider",
    "azure-responses": "fantasy.providers.azure:responses_provider",
    "openaicompat": "fantasy.providers.openaicompat:OpenAICompatProvider",
    "openai-compat": "fantasy.providers.openaicompat:OpenAICompatProvider",
    "anthropic": "fantasy.providers.anthropic:AnthropicProvider",
    "anthropic-vertex": "fantasy.providers.anthropic:AnthropicVertexProvider",
    "bedrock": "fantasy.providers.bedrock:BedrockProvider",
    "google": "fantasy.providers.google:GoogleProvider",
    "google-vertex": "fantasy.providers.google:GoogleVertexProvider",
    "openrouter": "fantasy.providers.openrouter:OpenRouterProvider",
    "vercel": "fantasy.providers.vercel:VercelProvider",
    "mistral": "fantasy.providers.mistral:MistralProvider",
    "voyage": "fantasy.providers.voyage:VoyageProvider",
    "test": "fantasy.testing.models:TestProvider",
}
"""Provider name → ``"module:factory"``. Extend with :func:`register_provider`."""

# Environment variables that select a provider for the CLI, in order of preference,
# with a default model for each.
ENV_PROVIDERS: tuple[tuple[str, str, str], ...] = (
    ("OPENAI_API_KEY", "openai", "gpt-4o-mini"),
    ("ANTHROPIC_API_KEY", "anthropic", "claude-sonnet-4-20250514"),
    ("GEMINI_API_KEY", "google", "gemini-2.5-flash"),
    ("GOOGLE_API_KEY", "google", "gemini-2.5-flash"),
    ("OPENROUTER_API_KEY", "openrouter", "openai/gpt-4o-mini"),
    ("AI_GATEWAY_API_KEY", "vercel", "openai/gpt-4o-mini"),
)


def register_provider(name: str, target: str) -> None:
    """Register ``name`` → ``"module:factory"`` (a class or a function)."""
    if ":" not in target:
        raise InvalidArgumentError("target must look like 'package.module:Factory'")
    PROVIDERS[name] = target


def get_provider(name: str, /, **settings: Any) -> Provider:
    """Build provider ``name`` with ``settings``, importing its module now.

    Every provider takes its settings as keywords (``api_key=``, ``base_url=``,
    ``http_client=``, ...); see each provider's class.

    Raises:
        InvalidArgumentError: ``name`` is not registered, or ``settings`` do not fit the
            provider (an unknown or missing setting, a value of the wrong type).
    """
    target = PROVIDERS.get(name)
    if target is None:
        known = ", ".join(sorted(PROVIDERS))
        raise InvalidArgumentError(f"unknown provider {name!r} (known: {known})")
    module_name, _, attribute = target.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    _check_settings(name, factory, settings)
    try:
        provider: Provider = factory(**settings)
    except TypeError as error:  # a setting of the wrong type, or one a wrapper passes on
        raise InvalidArgumentError(f"provider {name!r}: {error}") from error
    return provider


def _check_settings(name: str, factory: Callable[..., Any], settings: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidArgumentError` when ``settings`` cannot be passed to ``factory``."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # no introspectable signature: let the call decide
        return
    parameters = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    accepted = [p.name for p in parameters if p.kind is not inspect.Parameter.POSITIONAL_ONLY]
    unknown = [key for key in settings if key not in accepted]
    if unknown:
        raise InvalidArgumentError(
            f"provider {name!r} has no setting {', '.join(map(repr, unknown))} "
            f"(its settings: {', '.join(accepted) or 'none'})"
        )
    missing = [
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and p.name not in settings
    ]
    if missing:
        raise InvalidArgumentError(f"provider {name!r} needs {', '.join(missing)}=")


def language_model(spec: str, **settings: Any) -> LanguageModel:
    """Resolve ``"provider:model"`` into a model, e.g. ``language_model("openai:gpt-4o")``.

    ``settings`` go to the provider (see :func:`get_provider`), e.g.
    ``language_model("openaicompat:qwen3", base_url="http://127.0.0.1:11434/v1")``.

    Calls with the same provider name and settings share one provider, and so one
    connection pool: the provider is built once and reused while the environment
    variables it read (its API key, a base URL) keep their values; a changed key gives
    a new provider. Settings are compared by value (strings through a digest, so no key
    is kept in the cache's keys), objects such as ``http_client`` or ``transport`` by
    identity. The cache is thread-safe and keeps the 32 most recently used providers;
    :func:`get_provider` always builds a new one, and :func:`clear_provider_cache`
    forgets them all.

    Raises:
        InvalidArgumentError: ``spec`` is not ``"provider:model"``, names an unknown
            provider, or ``settings`` do not fit the provider.
    """
    name, model_id = _split_spec(spec)
    return _shared_provider(name, settings).language_model(model_id)


def _shared_provider(name: str, settings: Mapping[str, Any]) -> Provider:
    """The provider ``language_model``/``embedding_model`` reuse (see the docstrings)."""
    target = PROVIDERS.get(name)
    if target is None:  # the error get_provider gives; never cached
        return get_provider(name, **settings)
    from fantasy import _provider_cache

    return _provider_cache.cached_provider(
        name, target, settings, lambda: get_provider(name, **settings)
    )


def clear_provider_cache() -> None:
    """Forget the providers that :func:`language_model` and :func:`embedding_model` reuse.

    They are not closed (close a provider you own with ``await provider.aclose()``).
    """
    from fantasy import _provider_cache

    _provider_cache.clear()


def _split_spec(spec: str) -> tuple[str, str]:
    """``"provider:model"`` → ``(provider, model)``; :class:`InvalidArgumentError` otherwise."""
    if not isinstance(spec, str):
        raise InvalidArgumentError(f"expected a 'provider:model' string, got {spec!r}")
    name, sep, model_id = spec.partition(":")
    if not sep or not model_id.strip():
        raise InvalidArgumentError(f"expected 'provider:model', got {spec!r}")
    return name, model_id


def embedding_model(spec: str, **settings: Any) -> EmbeddingModel:
    """Resolve ``"provider:model"`` into an embedding model.

    For example ``embedding_model("openai:text-embedding-3-small")`` or
    ``embedding_model("google:gemini-embedding-001")``. Providers are shared with
    :func:`language_model` (same name and settings: one provider).

    Raises:
        InvalidArgumentError: The spec is malformed, the provider unknown, or the
            provider has no embedding models.
    """
    name, model_id = _split_spec(spec)
    provider = _shared_provider(name, settings)
    if not isinstance(provider, EmbeddingProvider):
        raise InvalidArgumentError(f"provider {name!r} has no embedding models")
    return provider.embedding_model(model_id)


def provider_from_env(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """The first ``(provider, default model)`` whose API key variable is set."""
    env = os.environ if environ is None else environ
    for variable, provider, model in ENV_PROVIDERS:
        if env.get(variable):
            return provider, model
    return None
