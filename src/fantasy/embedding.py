"""Embedding models: text in, vectors out, for every provider behind one protocol.

:class:`EmbeddingModel` is what callers use (``embed`` and ``embed_one``, async with
``_sync`` twins); providers subclass :class:`BaseEmbeddingModel` and implement one
request (:meth:`BaseEmbeddingModel.embed_batch`). The base class splits the values into
batches no larger than the provider accepts, sends them with bounded concurrency under
the same :class:`~fantasy.retry.RetryPolicy` as language models, puts the vectors back
in input order and checks that every vector has the same, requested dimension.

:func:`cosine_similarity` and :func:`top_k` cover the search every user writes next.

Example::

    model = fantasy.embedding_model("openai:text-embedding-3-small")
    result = await model.embed(["first text", "second text"], dimensions=256)
    best = fantasy.top_k(await model.embed_one("query"), result.vectors, k=1)
"""

from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from fantasy.errors import InvalidArgumentError, InvalidResponseError
from fantasy.retry import RetryPolicy, retry_call
from fantasy.usage import CallWarning

__all__ = [
    "BaseEmbeddingModel",
    "EmbedRequest",
    "EmbeddingModel",
    "EmbeddingUsage",
    "Embeddings",
    "Match",
    "TaskType",
    "cosine_similarity",
    "top_k",
]

TaskType = Literal[
    "query", "document", "similarity", "classification", "clustering", "question-answering"
]
"""What the vectors are for; providers that tune embeddings per task map it to their name."""

Vector = Sequence[float]


@dataclass(frozen=True, slots=True)
class EmbeddingUsage:
    """Input tokens of one embedding request, or of several summed (``None``: not reported)."""

    input_tokens: int | None = None

    def __add__(self, other: EmbeddingUsage) -> EmbeddingUsage:
        if not isinstance(other, EmbeddingUsage):
            return NotImplemented
        # Unknown stays unknown: a partial sum would be a wrong number.
        if self.input_tokens is None or other.input_tokens is None:
            return EmbeddingUsage(None)
        return EmbeddingUsage(self.input_tokens + other.input_tokens)

    def __str__(self) -> str:
        return f"{self.input_tokens if self.input_tokens is not None else '?'} input tokens"


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbedRequest:
    """One provider request: the values of one batch and the call's settings."""

    values: tuple[str, ...]
    dimensions: int | None = None
    task_type: TaskType | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    user_agent: str | None = None
    provider_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Embeddings:
    """The vectors of ``values``, in input order (``vectors[i]`` embeds ``values[i]``).

    Attributes:
        values: The embedded texts.
        vectors: One vector per value.
        usage: Tokens the provider counted (summed over batches).
        provider: Provider name.
        model_id: The embedding model.
        warnings: Settings the provider could not honour.
        provider_metadata: Extra data the provider returned, by provider name.
        requests: How many HTTP requests the call made (batches, retries excluded).
    """

    values: tuple[str, ...]
    vectors: tuple[tuple[float, ...], ...]
    usage: EmbeddingUsage = EmbeddingUsage()
    provider: str = ""
    model_id: str = ""
    warnings: tuple[CallWarning, ...] = ()
    provider_metadata: Mapping[str, Any] = field(default_factory=dict)
    requests: int = 0

    @property
    def dimensions(self) -> int:
        """The length of the vectors (0 when there are none)."""
        return len(self.vectors[0]) if self.vectors else 0

    def __len__(self) -> int:
        return len(self.vectors)

    def __getitem__(self, index: int) -> tuple[float, ...]:
        return self.vectors[index]


@runtime_checkable
class EmbeddingModel(Protocol):
    """What callers need from an embedding model."""

    @property
    def provider(self) -> str:
        """Provider name, e.g. ``"openai"``."""
        ...

    @property
    def model_id(self) -> str:
        """The model id sent to the provider."""
        ...

    async def embed(
        self,
        values: Sequence[str],
        *,
        dimensions: int | None = None,
        task_type: TaskType | None = None,
        headers: Mapping[str, str] | None = None,
        provider_options: Mapping[str, Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Embeddings:
        """Embed ``values``; the vectors come back in input order."""
        ...

    async def embed_one(
        self,
        value: str,
        *,
        dimensions: int | None = None,
        task_type: TaskType | None = None,
    ) -> tuple[float, ...]:
        """The vector of one value."""
        ...


@dataclass(frozen=True, slots=True)
class _Batch:
    vectors: tuple[tuple[float, ...], ...]
    usage: EmbeddingUsage
    warnings: tuple[CallWarning, ...]
    metadata: Mapping[str, Any]


class BaseEmbeddingModel(ABC):
    """Base of provider embedding models: batching, concurrency, retries, checks, sync API.

    Subclasses implement :meth:`embed_batch` (one request of at most
    ``max_inputs_per_call`` values) and set ``max_inputs_per_call`` to the provider's limit.

    Args:
        provider: Provider name reported in results and errors.
        model_id: The model id sent to the provider.
        max_inputs_per_call: Values per request (default: the provider's documented maximum).
        max_parallel_calls: Requests in flight at once for one ``embed`` call.
        retry: Retry policy for each request (default: :class:`RetryPolicy`'s defaults).
    """

    max_inputs_per_call: int = 2048
    max_parallel_calls: int = 4

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not model_id:
            raise InvalidArgumentError("a model id is required", argument="model_id")
        self._provider = provider
        self._model_id = model_id
        if max_inputs_per_call is not None:
            if max_inputs_per_call < 1:
                raise InvalidArgumentError("must be >= 1", argument="max_inputs_per_call")
            self.max_inputs_per_call = max_inputs_per_call
        if max_parallel_calls is not None:
            if max_parallel_calls < 1:
                raise InvalidArgumentError("must be >= 1", argument="max_parallel_calls")
            self.max_parallel_calls = max_parallel_calls
        self.retry = retry if retry is not None else RetryPolicy()

    @property
    def provider(self) -> str:
        """Provider name, e.g. ``"openai"``."""
        return self._provider

    @property
    def model_id(self) -> str:
        """The model id sent to the provider."""
        return self._model_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self._provider!r}, model_id={self._model_id!r})"

    @abstractmethod
    async def embed_batch(
        self, request: EmbedRequest
    ) -> tuple[list[list[float]], EmbeddingUsage, list[CallWarning], dict[str, Any]]:
        """Send one request; return its vectors (in order), usage, warnings and metadata."""

    async def embed(
        self,
        values: Sequence[str],
        *,
        dimensions: int | None = None,
        task_type: TaskType | None = None,
        headers: Mapping[str, str] | None = None,
        provider_options: Mapping[str, Any] | None = None,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
    ) -> Embeddings:
        """Embed ``values`` (any number: they are sent in batches); vectors in input order.

        Raises:
            InvalidArgumentError: ``values`` is a string or holds a non-string, or
                ``dimensions`` is not positive.
            InvalidResponseError: The provider returned a wrong number of vectors, an
                empty vector, or vectors of different (or not the requested) dimensions.
            ProviderError: The provider failed (after the retry policy's retries).
        """
        texts = _texts(values)
        if dimensions is not None and (isinstance(dimensions, bool) or dimensions < 1):
            raise InvalidArgumentError("must be a positive integer", argument="dimensions")
        if not texts:
            return Embeddings(
                values=(), vectors=(), provider=self._provider, model_id=self._model_id
            )
        size = self.max_inputs_per_call
        requests = [
            EmbedRequest(
                values=texts[start : start + size],
                dimensions=dimensions,
                task_type=task_type,
                headers=dict(headers or {}),
                user_agent=user_agent,
                provider_options=dict(provider_options or {}),
            )
            for start in range(0, len(texts), size)
        ]
        batches = await self._send_all(requests, retry or self.retry)
        return self._assemble(texts, batches, dimensions)

    async def _send_all(self, requests: list[EmbedRequest], policy: RetryPolicy) -> list[_Batch]:
        room = asyncio.Semaphore(self.max_parallel_calls)

        async def send(request: EmbedRequest) -> _Batch:
            async with room:
                vectors, usage, warnings, metadata = await retry_call(
                    policy, lambda: self.embed_batch(request)
                )
            return _Batch(
                self._checked(vectors, len(request.values)), usage, tuple(warnings), metadata
            )

        if len(requests) == 1:
            return [await send(requests[0])]
        # A TaskGroup cancels the other batches as soon as one fails for good; the
        # caller gets that batch's error itself, not an exception group.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(send(request)) for request in requests]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    def _checked(self, vectors: list[list[float]], expected: int) -> tuple[tuple[float, ...], ...]:
        if len(vectors) != expected:
            raise self._invalid(f"expected {expected} vectors, got {len(vectors)}")
        out = []
        for index, vector in enumerate(vectors):
            if not vector:
                raise self._invalid(f"vector {index} is empty")
            out.append(tuple(float(number) for number in vector))
        return tuple(out)

    def _assemble(
        self, texts: tuple[str, ...], batches: list[_Batch], dimensions: int | None
    ) -> Embeddings:
        vectors = tuple(vector for batch in batches for vector in batch.vectors)
        sizes = {len(vector) for vector in vectors}
        if len(sizes) > 1:
            raise self._invalid(f"vectors of different dimensions: {sorted(sizes)}")
        if dimensions is not None and sizes != {dimensions}:
            raise self._invalid(f"asked for {dimensions} dimensions, got {sizes.pop()}")
        usage = batches[0].usage
        metadata: dict[str, Any] = {}
        for batch in batches:
            metadata.update(batch.metadata)
        for batch in batches[1:]:
            usage = usage + batch.usage
        warnings = tuple(dict.fromkeys(w for batch in batches for w in batch.warnings))
        return Embeddings(
            values=texts,
            vectors=vectors,
            usage=usage,
            provider=self._provider,
            model_id=self._model_id,
            warnings=warnings,
            provider_metadata=metadata,
            requests=len(batches),
        )

    def _invalid(self, message: str) -> InvalidResponseError:
        return InvalidResponseError(message, provider=self._provider)

    async def embed_one(
        self,
        value: str,
        *,
        dimensions: int | None = None,
        task_type: TaskType | None = None,
    ) -> tuple[float, ...]:
        """The vector of one value."""
        result = await self.embed([value], dimensions=dimensions, task_type=task_type)
        return result.vectors[0]

    def embed_sync(
        self,
        values: Sequence[str],
        *,
        dimensions: int | None = None,
        task_type: TaskType | None = None,
        headers: Mapping[str, str] | None = None,
        provider_options: Mapping[str, Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Embeddings:
        """Blocking :meth:`embed`."""
        from fantasy._sync import run_sync

        return run_sync(
            self.embed(
                values,
                dimensions=dimensions,
                task_type=task_type,
                headers=headers,
                provider_options=provider_options,
                retry=retry,
            )
        )

    def embed_one_sync(
        self, value: str, *, dimensions: int | None = None, task_type: TaskType | None = None
    ) -> tuple[float, ...]:
        """Blocking :meth:`embed_one`."""
        from fantasy._sync import run_sync

        return run_sync(self.embed_one(value, dimensions=dimensions, task_type=task_type))


def _texts(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)):
        raise InvalidArgumentError(
            "values must be a list of strings (use embed_one for a single string)",
            argument="values",
        )
    texts = tuple(values)
    for index, value in enumerate(texts):
        if not isinstance(value, str):
            raise InvalidArgumentError(
                f"values[{index}] is {type(value).__name__}, not str", argument="values"
            )
    return texts


def option_body(request: EmbedRequest, *names: str) -> dict[str, Any]:
    """Extra body keys the caller put under ``provider_options[name]`` for any of ``names``."""
    extra: dict[str, Any] = {}
    for name in names:
        value = request.provider_options.get(name)
        if isinstance(value, Mapping):
            extra.update(value)
        elif value is not None:
            raise InvalidArgumentError(
                f"provider_options[{name!r}] must be a mapping of request fields",
                argument="provider_options",
            )
    return extra


def cosine_similarity(a: Vector, b: Vector) -> float:
    """The cosine of the angle between ``a`` and ``b`` (``0.0`` when either is all zeros).

    Raises:
        InvalidArgumentError: The vectors differ in length or are empty.
    """
    if len(a) != len(b) or not a:
        raise InvalidArgumentError(
            f"vectors must be non-empty and of equal length ({len(a)} vs {len(b)})",
            argument="vectors",
        )
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norm if norm else 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """One hit of :func:`top_k`: the candidate's index and its similarity to the query."""

    index: int
    score: float


def top_k(query: Vector, candidates: Sequence[Vector] | Embeddings, k: int = 5) -> list[Match]:
    """The ``k`` candidates most similar to ``query`` (cosine), best first; ties keep order.

    Raises:
        InvalidArgumentError: ``k`` is negative, or a candidate's length differs from the query's.
    """
    if k < 0:
        raise InvalidArgumentError("must be >= 0", argument="k")
    vectors = candidates.vectors if isinstance(candidates, Embeddings) else candidates
    scored = [
        Match(index, cosine_similarity(query, vector)) for index, vector in enumerate(vectors)
    ]
    scored.sort(key=lambda match: -match.score)
    return scored[:k]
