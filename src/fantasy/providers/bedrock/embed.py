"""Embedding models on Amazon Bedrock (``InvokeModel``): Amazon Titan and Cohere Embed.

Bedrock's InvokeModel body is each model family's own, so the family decides the shape:

* Titan text embeddings take one text per request, ``{"inputText", "dimensions",
  "normalize"}``, and answer ``{"embedding": [...], "inputTextTokenCount"}``.
* Cohere Embed takes up to 96 texts, ``{"texts", "input_type", "embedding_types"}``, and
  answers ``{"embeddings": [[...]]}`` or, by type, ``{"embeddings": {"float": [[...]]}}``.

The family is read from the model id (``amazon.titan-embed-...``, ``cohere.embed-...``,
with or without a cross-region prefix or an ARN around it) or given as ``family=``.
Bedrock reports input tokens in the ``X-Amzn-Bedrock-Input-Token-Count`` header.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from fantasy._http import HTTPClient
from fantasy.embedding import BaseEmbeddingModel, EmbeddingUsage, EmbedRequest, option_body
from fantasy.errors import InvalidArgumentError
from fantasy.providers._embed_wire import count_of, vector_of
from fantasy.providers._json import invalid
from fantasy.retry import RetryPolicy
from fantasy.usage import CallWarning

__all__ = [
    "BedrockEmbeddingModel",
    "EmbeddingFamily",
    "build_body",
    "decode_body",
    "family_of",
]

EmbeddingFamily = Literal["titan", "cohere"]

_MAX_INPUTS: Mapping[str, int] = {"titan": 1, "cohere": 96}
_COHERE_TASKS: Mapping[str, str] = {
    "query": "search_query",
    "document": "search_document",
    "classification": "classification",
    "clustering": "clustering",
}
_TOKEN_HEADER = "x-amzn-bedrock-input-token-count"


def family_of(model_id: str) -> EmbeddingFamily:
    """The body family of a Bedrock embedding model id.

    Raises:
        InvalidArgumentError: The id names neither family (pass ``family=``).
    """
    lowered = model_id.lower()
    if "titan-embed" in lowered:
        return "titan"
    if "cohere.embed" in lowered:
        return "cohere"
    raise InvalidArgumentError(
        f"cannot tell the embedding family of Bedrock model {model_id!r}: pass "
        "family='titan' or family='cohere'",
        argument="family",
    )


def build_body(
    family: EmbeddingFamily, request: EmbedRequest
) -> tuple[dict[str, Any], list[CallWarning]]:
    """The InvokeModel body of one batch for ``family``, and its warnings."""
    warnings: list[CallWarning] = []
    body: dict[str, Any]
    if family == "titan":
        body = {"inputText": request.values[0]}
        if request.dimensions is not None:
            body["dimensions"] = request.dimensions
        if request.task_type is not None:
            warnings.append(CallWarning.unsupported("task_type", "Titan has no task types"))
    else:
        task = _COHERE_TASKS.get(request.task_type or "document")
        if task is None:
            warnings.append(
                CallWarning.unsupported(
                    "task_type", f"Cohere has no {request.task_type!r} input type"
                )
            )
            task = "search_document"
        body = {"texts": list(request.values), "input_type": task, "embedding_types": ["float"]}
        if request.dimensions is not None:
            body["output_dimension"] = request.dimensions
    body.update(option_body(request, "bedrock"))
    return body, warnings


def decode_body(
    family: EmbeddingFamily, data: Any, provider: str
) -> tuple[list[list[float]], int | None]:
    """The vectors of an InvokeModel answer and the token count its body reports."""
    if not isinstance(data, Mapping):
        raise invalid("embedding answer is not an object", data, provider)
    if family == "titan":
        return [vector_of(data.get("embedding"), provider, "embedding")], count_of(
            data, "inputTextTokenCount"
        )
    embeddings = data.get("embeddings")
    if isinstance(embeddings, Mapping):
        embeddings = embeddings.get("float")
    if not isinstance(embeddings, list):
        raise invalid("Cohere answer has no float embeddings", data, provider)
    return [
        vector_of(vector, provider, f"embeddings[{index}]")
        for index, vector in enumerate(embeddings)
    ], None


class BedrockEmbeddingModel(BaseEmbeddingModel):
    """A Titan or Cohere embedding model on Bedrock.

    Args:
        provider: Provider name.
        model_id: Model id, inference profile or ARN.
        client: The provider's HTTP client (SigV4 or bearer key).
        base_url: The Bedrock runtime root.
        family: Body family; read from ``model_id`` when not given.
        max_inputs_per_call: Values per request (Titan 1, Cohere 96).
        max_parallel_calls: Requests in flight at once for one ``embed`` call.
        retry: Retry policy of each request.
    """

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        client: HTTPClient,
        base_url: str,
        family: EmbeddingFamily | None = None,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._family: EmbeddingFamily = family or family_of(model_id)
        if self._family not in _MAX_INPUTS:
            raise InvalidArgumentError("must be 'titan' or 'cohere'", argument="family")
        super().__init__(
            provider=provider,
            model_id=model_id,
            max_inputs_per_call=max_inputs_per_call or _MAX_INPUTS[self._family],
            max_parallel_calls=max_parallel_calls,
            retry=retry,
        )
        if self._family == "titan" and self.max_inputs_per_call != 1:
            raise InvalidArgumentError("Titan embeds one text per request", argument="family")
        self._client = client
        self._url = f"{base_url.rstrip('/')}/model/{quote(model_id, safe='')}/invoke"

    @property
    def family(self) -> EmbeddingFamily:
        """The body family (``"titan"`` or ``"cohere"``)."""
        return self._family

    @property
    def url(self) -> str:
        """The InvokeModel URL (the id fully escaped)."""
        return self._url

    async def embed_batch(
        self, request: EmbedRequest
    ) -> tuple[list[list[float]], EmbeddingUsage, list[CallWarning], dict[str, Any]]:
        """POST one batch and decode it."""
        body, warnings = build_body(self._family, request)
        data, headers = await self._client.post_json(
            self._url, body, headers=request.headers, user_agent=request.user_agent
        )
        vectors, tokens = decode_body(self._family, data, self._provider)
        header = headers.get(_TOKEN_HEADER, "")
        if header.isdigit():
            tokens = int(header)
        return vectors, EmbeddingUsage(tokens), warnings, {}
