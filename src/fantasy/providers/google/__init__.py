"""Google Gemini on the Gemini API (:class:`GoogleProvider`) and Vertex AI.

:class:`GoogleVertexProvider` serves Gemini models on Vertex AI.

Example::

    from fantasy.providers.google import GoogleProvider

    model = GoogleProvider().language_model("gemini-2.5-flash")  # key from GEMINI_API_KEY

Thinking is set through provider options::

    call = Call(prompt=..., provider_options={"google": {"thinking_config": {
        "thinking_budget": 1024, "include_thoughts": True}}})

On Vertex AI, model ids naming Claude (``claude-...``, ``anthropic...``) are served by
the Anthropic provider in Vertex mode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT, HTTPClient
from fantasy.errors import InvalidArgumentError
from fantasy.model import LanguageModel
from fantasy.providers._auth import GoogleBearerAuth
from fantasy.providers._base import HTTPSettings, ProviderBase, env, required_api_key, vertex_url
from fantasy.providers.google._errors import parse_error
from fantasy.providers.google.decode import new_tool_call_id
from fantasy.providers.google.embed import GoogleEmbeddingModel
from fantasy.providers.google.model import GoogleLanguageModel
from fantasy.providers.google.options import (
    GoogleProviderOptions,
    GoogleReasoningMetadata,
    GoogleResponseMetadata,
    SafetySetting,
    ThinkingConfig,
)
from fantasy.retry import RetryPolicy

if TYPE_CHECKING:
    from fantasy.providers.anthropic import AnthropicVertexProvider

__all__ = [
    "GoogleLanguageModel",
    "GoogleProvider",
    "GoogleProviderOptions",
    "GoogleReasoningMetadata",
    "GoogleResponseMetadata",
    "GoogleVertexProvider",
    "SafetySetting",
    "ThinkingConfig",
]

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"


def _model_path(model_id: str, default_collection: str) -> str:
    """``models/<id>`` unless the id already names a resource (``tunedModels/x``)."""
    if not model_id:
        raise InvalidArgumentError("a model id is required", argument="model_id")
    return model_id if "/" in model_id else f"{default_collection}/{model_id}"


class _GeminiProvider(ProviderBase):
    """What both Gemini providers share: the client and how a model URL is built."""

    _repr_fields: ClassVar[tuple[str, ...]] = ("base_url",)
    _vertex: ClassVar[bool] = False

    def _connect(
        self,
        name: str,
        base_url: str,
        api_version: str,
        tool_call_id_generator: Callable[[], str] | None,
        client: HTTPClient,
    ) -> None:
        self._name = name
        self._base_url = base_url.rstrip("/")
        self._api_version = api_version.strip("/")
        self._ids = tool_call_id_generator or new_tool_call_id
        self._client = client

    def _model(self, model_id: str, path: str) -> GoogleLanguageModel:
        return GoogleLanguageModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/{self._api_version}/{path}",
            vertex=self._vertex,
            tool_call_id_generator=self._ids,
        )

    def _embedder(
        self, model_id: str, path: str, action: str, options: dict[str, Any]
    ) -> GoogleEmbeddingModel:
        return GoogleEmbeddingModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/{self._api_version}/{path}:{action}",
            model_path=path,
            vertex=self._vertex,
            **options,
        )


class GoogleProvider(_GeminiProvider):
    """The Gemini API (``generativelanguage.googleapis.com``), authenticated by API key.

    Args:
        api_key: Gemini API key; ``GEMINI_API_KEY`` or ``GOOGLE_API_KEY`` when not given.
            Sent in the ``x-goog-api-key`` header, never in URLs, reprs or errors.
        base_url: API root (``https://generativelanguage.googleapis.com``).
        api_version: API version path segment (``v1beta``).
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to send requests with (you keep ownership).
        transport: An ``httpx.AsyncBaseTransport`` for the client this provider creates.
        timeout: Request timeout of the client this provider creates.
        stream_idle_timeout: Seconds without stream data before a stream fails.
        tool_call_id_generator: Makes ids for function calls Gemini sends without one
            (Gemini 2.5); ids Gemini sends (Gemini 3) are kept.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        api_version: str = "v1beta",
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        tool_call_id_generator: Callable[[], str] | None = None,
    ) -> None:
        key = required_api_key(api_key, ("GEMINI_API_KEY", "GOOGLE_API_KEY"), "Gemini")
        settings = HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout)
        client = settings.client(
            "google",
            defaults={"x-goog-api-key": key} if key else None,
            secret=key,
            error_parser=parse_error,
        )
        self._connect(
            "google", base_url or GEMINI_BASE_URL, api_version, tool_call_id_generator, client
        )

    def language_model(self, model_id: str) -> GoogleLanguageModel:
        """The Gemini model ``model_id`` (e.g. ``"gemini-2.5-flash"``)."""
        return self._model(model_id, _model_path(model_id, "models"))

    def embedding_model(
        self,
        model_id: str,
        *,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> GoogleEmbeddingModel:
        """The embedding model ``model_id`` (``batchEmbedContents``, 100 values a request)."""
        options = {
            "max_inputs_per_call": max_inputs_per_call,
            "max_parallel_calls": max_parallel_calls,
            "retry": retry,
        }
        path = _model_path(model_id, "models")
        return self._embedder(model_id, path, "batchEmbedContents", options)


class GoogleVertexProvider(_GeminiProvider):
    """Gemini (and, by delegation, Claude) models on Vertex AI, authenticated by OAuth.

    Args:
        project: Google Cloud project; ``GOOGLE_CLOUD_PROJECT`` when not given.
        location: Region such as ``us-east5``, or ``global``; ``GOOGLE_CLOUD_LOCATION``
            when not given, else ``global``.
        skip_auth: Send ``Authorization: Bearer dummy-token`` instead of real
            credentials (tests, proxies that authenticate themselves).
        credentials: google-auth credentials; application-default credentials when
            ``None``. Needs the ``vertex`` extra (google-auth).
        base_url: Endpoint root; ``https://{location}-aiplatform.googleapis.com`` (or
            ``https://aiplatform.googleapis.com`` for ``global``) by default.
        api_version: API version path segment (``v1beta1``).
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to send requests with (you keep ownership).
        transport: An ``httpx.AsyncBaseTransport`` for the client this provider creates.
        timeout: Request timeout of the client this provider creates.
        stream_idle_timeout: Seconds without stream data before a stream fails.
        tool_call_id_generator: Makes ids for function calls (Vertex sends none).
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("project", "location")
    _vertex: ClassVar[bool] = True

    def __init__(
        self,
        *,
        project: str | None = None,
        location: str | None = None,
        skip_auth: bool = False,
        credentials: Any = None,
        base_url: str | None = None,
        api_version: str = "v1beta1",
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        tool_call_id_generator: Callable[[], str] | None = None,
    ) -> None:
        self._project = project or env("GOOGLE_CLOUD_PROJECT") or ""
        if not self._project:
            raise InvalidArgumentError(
                "Vertex AI needs a project (argument or GOOGLE_CLOUD_PROJECT)", argument="project"
            )
        self._location = location or env("GOOGLE_CLOUD_LOCATION") or "global"
        self._skip_auth = skip_auth
        self._credentials = credentials
        self._settings = HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout)
        self._anthropic: AnthropicVertexProvider | None = None
        client = self._settings.client(
            "google-vertex",
            error_parser=parse_error,
            auth=GoogleBearerAuth(skip_auth, credentials=credentials),
        )
        base_url = base_url or vertex_url(self._location)
        self._connect("google-vertex", base_url, api_version, tool_call_id_generator, client)

    @property
    def project(self) -> str:
        """The Google Cloud project."""
        return self._project

    @property
    def location(self) -> str:
        """The Vertex AI location."""
        return self._location

    def _http_clients(self) -> tuple[HTTPClient, ...]:
        delegate = self._anthropic._http_clients() if self._anthropic is not None else ()
        return (self._client, *delegate)

    def language_model(self, model_id: str) -> LanguageModel:
        """The model ``model_id``: Gemini here, Claude through the Anthropic provider."""
        lowered = model_id.lower()
        if "claude" in lowered or "anthropic" in lowered:
            return self._anthropic_provider().language_model(model_id)
        return self._model(model_id, self._resource(model_id))

    def embedding_model(
        self,
        model_id: str,
        *,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> GoogleEmbeddingModel:
        """The embedding model ``model_id`` through Vertex AI's ``predict``."""
        options = {
            "max_inputs_per_call": max_inputs_per_call,
            "max_parallel_calls": max_parallel_calls,
            "retry": retry,
        }
        return self._embedder(model_id, self._resource(model_id), "predict", options)

    def _resource(self, model_id: str) -> str:
        if model_id.startswith("projects/"):
            return model_id
        return f"projects/{self._project}/locations/{self._location}/" + _model_path(
            model_id, "publishers/google/models"
        )

    def _anthropic_provider(self) -> AnthropicVertexProvider:
        if self._anthropic is None:
            # Imported on first use: Gemini users never load the Anthropic package.
            from fantasy.providers.anthropic import AnthropicVertexProvider

            self._anthropic = AnthropicVertexProvider(
                project=self._project,
                location=self._location,
                skip_auth=self._skip_auth,
                credentials=self._credentials,
                **self._settings.kwargs(),
            )
        return self._anthropic
