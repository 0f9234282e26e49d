"""The OpenAI embeddings dialect (``POST <root>/embeddings``) and the servers that share it.

OpenAI, Azure, any OpenAI-compatible server (Ollama, vLLM, llama.cpp, gateways),
Mistral and Voyage all take ``{"model", "input": [...]}`` and answer
``{"data": [{"index", "embedding"}], "usage": {...}}``; they differ in the names of the
dimension and task fields, which an :class:`EmbedFlavor` holds. :func:`build_body` and
:func:`decode_embeddings` are pure; :class:`OpenAIEmbeddingModel` sends the requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fantasy._http import HTTPClient
from fantasy.embedding import (
    BaseEmbeddingModel,
    EmbeddingUsage,
    EmbedRequest,
    TaskType,
    option_body,
)
from fantasy.providers._embed_wire import count_of, vector_of
from fantasy.providers._json import invalid
from fantasy.providers.openai._errors import error_from_payload
from fantasy.retry import RetryPolicy
from fantasy.usage import CallWarning

__all__ = [
    "MISTRAL",
    "OPENAI",
    "VOYAGE",
    "EmbedFlavor",
    "OpenAIEmbeddingModel",
    "build_body",
    "decode_embeddings",
]


@dataclass(frozen=True, slots=True)
class EmbedFlavor:
    """How one server names the optional fields of the shared embeddings body.

    Attributes:
        dimensions_key: Field for the output size (``None``: not supported, warned).
        task_key: Field for the task type (``None``: not supported, warned).
        task_values: Task type → the server's value for it.
        encoding_format: Sent as ``encoding_format`` when not empty.
        max_inputs: Documented maximum of values per request.
    """

    dimensions_key: str | None = "dimensions"
    task_key: str | None = None
    task_values: Mapping[str, str] = field(default_factory=dict)
    encoding_format: str = "float"
    max_inputs: int = 2048


OPENAI = EmbedFlavor()
"""OpenAI, Azure and OpenAI-compatible servers (2,048 inputs per request)."""

# Mistral's /v1/embeddings names the size ``output_dimension`` and returns floats by
# default; it documents a token limit per request, not a list length, so batches stay small.
MISTRAL = EmbedFlavor(dimensions_key="output_dimension", encoding_format="", max_inputs=128)
"""Mistral's ``/v1/embeddings``."""

# Voyage's /v1/embeddings: ``input_type`` query/document, ``output_dimension``; the list
# limit has been 128 and later 1,000 inputs (with a token cap): 128 is safe for every model.
VOYAGE = EmbedFlavor(
    dimensions_key="output_dimension",
    task_key="input_type",
    task_values={"query": "query", "document": "document"},
    encoding_format="",
    max_inputs=128,
)
"""Voyage AI's ``/v1/embeddings``."""


def build_body(
    model_id: str, request: EmbedRequest, flavor: EmbedFlavor, namespaces: tuple[str, ...]
) -> tuple[dict[str, Any], list[CallWarning]]:
    """The request body for one batch, and warnings for settings the server lacks.

    Keys under ``provider_options[<namespace>]`` are merged into the body last, so a
    new API field needs no release.
    """
    body: dict[str, Any] = {"model": model_id, "input": list(request.values)}
    if flavor.encoding_format:
        body["encoding_format"] = flavor.encoding_format
    warnings: list[CallWarning] = []
    if request.dimensions is not None:
        if flavor.dimensions_key:
            body[flavor.dimensions_key] = request.dimensions
        else:
            warnings.append(CallWarning.unsupported("dimensions"))
    if request.task_type is not None:
        value = flavor.task_values.get(request.task_type)
        if flavor.task_key and value:
            body[flavor.task_key] = value
        else:
            warnings.append(_task_warning(request.task_type))
    body.update(option_body(request, *namespaces))
    return body, warnings


def _task_warning(task_type: TaskType) -> CallWarning:
    return CallWarning.unsupported(
        "task_type", f"this model has no {task_type!r} task type; embedded without one"
    )


def decode_embeddings(data: Any, provider: str) -> tuple[list[list[float]], EmbeddingUsage]:
    """The vectors of an answer in input order (by ``index``), and its usage.

    Raises:
        ProviderError: The answer is an in-band ``{"error": ...}`` body.
        InvalidResponseError: Any other shape than ``{"data": [{"embedding": [...]}]}``.
    """
    if isinstance(data, Mapping) and "error" in data and "data" not in data:
        raise error_from_payload(data, provider=provider)
    items = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise invalid("embeddings answer has no data list", data, provider)
    indexed: dict[int, list[float]] = {}
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise invalid(f"data[{position}] is not an object", item, provider)
        index = item.get("index", position)
        if isinstance(index, bool) or not isinstance(index, int) or index in indexed:
            raise invalid(f"data[{position}] has a bad or repeated index", item, provider)
        indexed[index] = vector_of(item.get("embedding"), provider, f"data[{position}].embedding")
    if sorted(indexed) != list(range(len(indexed))):
        raise invalid("embedding indexes are not 0..n-1", sorted(indexed), provider)
    usage = data.get("usage")
    tokens = count_of(usage, "prompt_tokens", "total_tokens")
    return [indexed[i] for i in range(len(indexed))], EmbeddingUsage(tokens)


class OpenAIEmbeddingModel(BaseEmbeddingModel):
    """An embedding model behind an OpenAI-style ``/embeddings`` URL.

    Args:
        provider: Provider name reported in results and errors.
        model_id: Sent as ``model``.
        client: The provider's HTTP client.
        url: The full endpoint URL (query string included).
        flavor: Field names of this server (:data:`OPENAI`, :data:`MISTRAL`, :data:`VOYAGE`).
        namespaces: ``provider_options`` keys whose mappings are merged into the body.
        max_inputs_per_call: Values per request (default: the flavor's maximum).
        max_parallel_calls: Requests in flight at once for one ``embed`` call.
        retry: Retry policy of each request.
    """

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        client: HTTPClient,
        url: str,
        flavor: EmbedFlavor = OPENAI,
        namespaces: tuple[str, ...] = ("openai",),
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            provider=provider,
            model_id=model_id,
            max_inputs_per_call=max_inputs_per_call or flavor.max_inputs,
            max_parallel_calls=max_parallel_calls,
            retry=retry,
        )
        self._client = client
        self._url = url
        self._flavor = flavor
        self._namespaces = namespaces

    @property
    def url(self) -> str:
        """The endpoint URL."""
        return self._url

    async def embed_batch(
        self, request: EmbedRequest
    ) -> tuple[list[list[float]], EmbeddingUsage, list[CallWarning], dict[str, Any]]:
        """POST one batch and decode it."""
        body, warnings = build_body(self._model_id, request, self._flavor, self._namespaces)
        data, _ = await self._client.post_json(
            self._url, body, headers=request.headers, user_agent=request.user_agent
        )
        vectors, usage = decode_embeddings(data, self._provider)
        return vectors, usage, warnings, {}
