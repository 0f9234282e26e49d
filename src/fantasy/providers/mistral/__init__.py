"""Mistral AI (``https://api.mistral.ai/v1``): chat models and embeddings.

Example::

    from fantasy.providers.mistral import MistralProvider

    provider = MistralProvider()  # key from MISTRAL_API_KEY
    model = provider.language_model("mistral-large-latest")
    embedder = provider.embedding_model("mistral-embed")

Chat goes through the OpenAI-compatible Chat Completions dialect (options under
``"openai-compat"``); reasoning models' ``thinking`` content chunks are read as
reasoning and replayed as thinking chunks (:class:`MistralHooks`). Embeddings go
through Mistral's ``/embeddings`` (the size is sent as ``output_dimension``; extra body
fields under ``provider_options={"mistral": {...}}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT
from fantasy.providers._base import required_api_key
from fantasy.providers.openai.embed import MISTRAL, OpenAIEmbeddingModel
from fantasy.providers.openaicompat import CompatHooks, OpenAICompatProvider
from fantasy.retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "MistralHooks", "MistralProvider"]

DEFAULT_BASE_URL = "https://api.mistral.ai/v1"


class MistralHooks(CompatHooks):
    """Compatible-server hooks that replay reasoning as Mistral's ``thinking`` chunks.

    Mistral takes no ``reasoning_content`` field: an assistant step's reasoning goes
    back as ``{"type": "thinking", "thinking": [{"type": "text", ...}]}`` content chunks
    before its text, the form its reasoning models answer in.
    """

    thinking_chunks = True


class MistralProvider(OpenAICompatProvider):
    """Builds Mistral chat and embedding models.

    Args:
        api_key: API key (default: ``MISTRAL_API_KEY``).
        base_url: API root, ``https://api.mistral.ai/v1`` by default.
        headers: Extra headers on every request.
        extra_body: Keys merged into every chat request body.
        http_client: An ``httpx.AsyncClient`` to send requests with (caller owns it).
        transport: An httpx transport for a client fantasy creates.
        timeout: Request timeout in seconds.
        stream_idle_timeout: Seconds without stream data before a stream fails.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> None:
        key = required_api_key(api_key, "MISTRAL_API_KEY", "Mistral")
        super().__init__(
            base_url=base_url or DEFAULT_BASE_URL,
            api_key=key,
            headers=headers,
            extra_body=extra_body,
            http_client=http_client,
            transport=transport,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            name="mistral",
            hooks=MistralHooks(extra_body),
        )

    def embedding_model(
        self,
        model_id: str,
        *,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> OpenAIEmbeddingModel:
        """The embedding model ``model_id`` (e.g. ``"mistral-embed"``, ``"codestral-embed"``)."""
        return OpenAIEmbeddingModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/embeddings",
            flavor=MISTRAL,
            namespaces=("mistral",),
            max_inputs_per_call=max_inputs_per_call,
            max_parallel_calls=max_parallel_calls,
            retry=retry,
        )
