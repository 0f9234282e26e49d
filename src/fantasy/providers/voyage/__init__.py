"""Voyage AI embeddings (``https://api.voyageai.com/v1/embeddings``).

Example::

    from fantasy.providers.voyage import VoyageProvider

    embedder = VoyageProvider().embedding_model("voyage-3.5")  # key from VOYAGE_API_KEY
    result = await embedder.embed(["a text"], task_type="document", dimensions=512)

``task_type`` ``"query"`` / ``"document"`` is sent as ``input_type``; extra body fields
(``truncation``, ``output_dtype``) go under ``provider_options={"voyage": {...}}``.
Voyage serves no chat models: :meth:`VoyageProvider.language_model` raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, NoReturn

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT
from fantasy.errors import InvalidArgumentError
from fantasy.providers._base import HTTPSettings, ProviderBase, bearer, required_api_key
from fantasy.providers.openai._errors import parse_error
from fantasy.providers.openai.embed import VOYAGE, OpenAIEmbeddingModel
from fantasy.retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "VoyageProvider"]

DEFAULT_BASE_URL = "https://api.voyageai.com/v1"


class VoyageProvider(ProviderBase):
    """Builds Voyage AI embedding models.

    Args:
        api_key: API key (default: ``VOYAGE_API_KEY``).
        base_url: API root, ``https://api.voyageai.com/v1`` by default.
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to send requests with (caller owns it).
        transport: An httpx transport for a client fantasy creates.
        timeout: Request timeout in seconds.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("name", "base_url")

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> None:
        key = required_api_key(api_key, "VOYAGE_API_KEY", "Voyage")
        settings = HTTPSettings(
            headers, http_client, transport, timeout, DEFAULT_STREAM_IDLE_TIMEOUT
        )
        self._name = "voyage"
        self._base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._client = settings.client(
            "voyage", defaults=bearer(key), secret=key, error_parser=parse_error
        )

    def language_model(self, model_id: str) -> NoReturn:
        """Voyage has no chat models.

        Raises:
            InvalidArgumentError: Always.
        """
        raise InvalidArgumentError(
            "Voyage AI serves embedding models only: use embedding_model()", argument="model_id"
        )

    def embedding_model(
        self,
        model_id: str,
        *,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> OpenAIEmbeddingModel:
        """The embedding model ``model_id`` (e.g. ``"voyage-3.5"``)."""
        return OpenAIEmbeddingModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/embeddings",
            flavor=VOYAGE,
            namespaces=("voyage",),
            max_inputs_per_call=max_inputs_per_call,
            max_parallel_calls=max_parallel_calls,
            retry=retry,
        )
