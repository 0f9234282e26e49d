"""Gemini embeddings: the Gemini API's ``batchEmbedContents`` and Vertex AI's ``predict``.

Both take a task type (``RETRIEVAL_QUERY``, ``RETRIEVAL_DOCUMENT``, ...) and an output
dimensionality. The Gemini API answers ``{"embeddings": [{"values": [...]}]}`` without
token counts; Vertex answers ``{"predictions": [{"embeddings": {"values", "statistics":
{"token_count"}}}]}``. Conversion is pure; :class:`GoogleEmbeddingModel` sends requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fantasy._http import HTTPClient
from fantasy.embedding import BaseEmbeddingModel, EmbeddingUsage, EmbedRequest, option_body
from fantasy.providers._embed_wire import count_of, vector_of
from fantasy.providers._json import invalid
from fantasy.retry import RetryPolicy
from fantasy.usage import CallWarning

__all__ = [
    "GoogleEmbeddingModel",
    "TASK_TYPES",
    "build_gemini_body",
    "build_vertex_body",
    "decode_gemini",
    "decode_vertex",
    "vertex_max_inputs",
]

TASK_TYPES: Mapping[str, str] = {
    "query": "RETRIEVAL_QUERY",
    "document": "RETRIEVAL_DOCUMENT",
    "similarity": "SEMANTIC_SIMILARITY",
    "classification": "CLASSIFICATION",
    "clustering": "CLUSTERING",
    "question-answering": "QUESTION_ANSWERING",
}
"""fantasy task types → Google's ``taskType`` values."""

GEMINI_MAX_INPUTS = 100  # batchEmbedContents takes at most 100 requests.
VERTEX_MAX_INPUTS = 250  # predict: 250 instances for the text-embedding models.


def vertex_max_inputs(model_id: str) -> int:
    """Instances per ``predict`` request: Vertex serves Gemini embedding models one text each."""
    return 1 if model_id.rsplit("/", 1)[-1].startswith("gemini-embedding") else VERTEX_MAX_INPUTS


def build_gemini_body(model_path: str, request: EmbedRequest) -> dict[str, Any]:
    """The ``batchEmbedContents`` body: one embed request per value, same settings each."""
    settings: dict[str, Any] = {}
    if request.task_type is not None:
        settings["taskType"] = TASK_TYPES[request.task_type]
    if request.dimensions is not None:
        settings["outputDimensionality"] = request.dimensions
    settings.update(option_body(request, "google"))
    return {
        "requests": [
            {"model": model_path, "content": {"parts": [{"text": value}]}, **settings}
            for value in request.values
        ]
    }


def build_vertex_body(request: EmbedRequest) -> dict[str, Any]:
    """The ``predict`` body: ``instances`` with ``content`` (and ``task_type``), ``parameters``."""
    instance: dict[str, Any] = {}
    if request.task_type is not None:
        instance["task_type"] = TASK_TYPES[request.task_type]
    parameters: dict[str, Any] = {}
    if request.dimensions is not None:
        parameters["outputDimensionality"] = request.dimensions
    parameters.update(option_body(request, "google-vertex", "google"))
    body: dict[str, Any] = {
        "instances": [{"content": value, **instance} for value in request.values]
    }
    if parameters:
        body["parameters"] = parameters
    return body


def decode_gemini(data: Any, provider: str) -> tuple[list[list[float]], EmbeddingUsage]:
    """The vectors of a ``batchEmbedContents`` answer (no token counts are returned)."""
    items = data.get("embeddings") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise invalid("embeddings answer has no embeddings list", data, provider)
    vectors = []
    for index, item in enumerate(items):
        values = item.get("values") if isinstance(item, Mapping) else None
        vectors.append(vector_of(values, provider, f"embeddings[{index}].values"))
    return vectors, EmbeddingUsage()


def decode_vertex(data: Any, provider: str) -> tuple[list[list[float]], EmbeddingUsage]:
    """The vectors of a ``predict`` answer and the summed ``token_count`` statistics."""
    items = data.get("predictions") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise invalid("predict answer has no predictions list", data, provider)
    vectors: list[list[float]] = []
    tokens: int | None = 0
    for index, item in enumerate(items):
        embedding = item.get("embeddings") if isinstance(item, Mapping) else None
        if not isinstance(embedding, Mapping):
            raise invalid(f"predictions[{index}] has no embeddings object", item, provider)
        vectors.append(vector_of(embedding.get("values"), provider, f"predictions[{index}]"))
        count = count_of(embedding.get("statistics"), "token_count")
        tokens = None if count is None or tokens is None else tokens + count
    return vectors, EmbeddingUsage(tokens if vectors else None)


class GoogleEmbeddingModel(BaseEmbeddingModel):
    """A Gemini embedding model on the Gemini API or on Vertex AI.

    Args:
        provider: Provider name.
        model_id: The model id (e.g. ``gemini-embedding-001``, ``text-embedding-005``).
        client: The provider's HTTP client.
        url: The ``...:batchEmbedContents`` or ``...:predict`` URL.
        model_path: The model's resource path (``models/<id>``), sent in each request.
        vertex: Speak Vertex AI's ``predict`` instead of the Gemini API.
        max_inputs_per_call: Values per request (default: 100; on Vertex 250, or 1 for
            Gemini embedding models, which Vertex serves one text per request).
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
        model_path: str,
        vertex: bool,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        default = vertex_max_inputs(model_id) if vertex else GEMINI_MAX_INPUTS
        super().__init__(
            provider=provider,
            model_id=model_id,
            max_inputs_per_call=max_inputs_per_call or default,
            max_parallel_calls=max_parallel_calls,
            retry=retry,
        )
        self._client = client
        self._url = url
        self._model_path = model_path
        self._vertex = vertex

    @property
    def url(self) -> str:
        """The endpoint URL."""
        return self._url

    async def embed_batch(
        self, request: EmbedRequest
    ) -> tuple[list[list[float]], EmbeddingUsage, list[CallWarning], dict[str, Any]]:
        """POST one batch and decode it."""
        if self._vertex:
            body = build_vertex_body(request)
        else:
            body = build_gemini_body(self._model_path, request)
        data, _ = await self._client.post_json(
            self._url, body, headers=request.headers, user_agent=request.user_agent
        )
        decode = decode_vertex if self._vertex else decode_gemini
        vectors, usage = decode(data, self._provider)
        return vectors, usage, [], {}
