"""Embedding core: batching in order, bounded concurrency, retries, checks, sync twins,
similarity helpers, the deterministic test model and the registry."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import fantasy
from fantasy.embedding import (
    BaseEmbeddingModel,
    EmbeddingModel,
    Embeddings,
    EmbeddingUsage,
    EmbedRequest,
    cosine_similarity,
    top_k,
)
from fantasy.errors import InvalidArgumentError, InvalidResponseError, RateLimitError, attempts_of
from fantasy.retry import RetryPolicy
from fantasy.testing import TestEmbeddingModel
from fantasy.usage import CallWarning

pytestmark = pytest.mark.anyio

NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0, jitter=False)

Batch = tuple[list[list[float]], EmbeddingUsage, list[CallWarning], dict[str, Any]]


class Scripted(BaseEmbeddingModel):
    """Embeds value ``"v<n>"`` as ``[n, 1]`` after an optional delay; fails on demand."""

    def __init__(self, *, size: int, failures: list[Exception] | None = None, **kw: Any) -> None:
        super().__init__(provider="scripted", model_id="m", max_inputs_per_call=size, **kw)
        self.failures = list(failures or [])
        self.requests: list[EmbedRequest] = []
        self.in_flight = 0
        self.peak = 0
        self.vectors: Any = None

    async def embed_batch(self, request: EmbedRequest) -> Batch:
        self.requests.append(request)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.01 * (len(self.requests) % 3))  # batches finish out of order
            if self.failures:
                raise self.failures.pop(0)
            vectors = self.vectors or [[float(value[1:]), 1.0] for value in request.values]
            return vectors, EmbeddingUsage(len(request.values)), [], {"scripted": {"n": 1}}
        finally:
            self.in_flight -= 1


async def test_batches_are_split_by_the_limit_and_reassembled_in_input_order() -> None:
    model = Scripted(size=3, max_parallel_calls=2)
    values = [f"v{n}" for n in range(10)]
    result = await model.embed(values)
    assert [len(r.values) for r in model.requests] == [3, 3, 3, 1]
    assert [vector[0] for vector in result.vectors] == list(range(10))
    assert result.values == tuple(values)
    assert result.usage == EmbeddingUsage(10)
    assert result.requests == 4
    assert result.dimensions == 2
    assert model.peak <= 2  # the concurrency bound holds
    assert result.provider_metadata == {"scripted": {"n": 1}}


async def test_a_rate_limit_is_retried_and_the_batch_succeeds() -> None:
    model = Scripted(size=10, failures=[RateLimitError("slow down", status_code=429)])
    result = await model.embed(["v1", "v2"], retry=NO_WAIT)
    assert len(model.requests) == 2  # one failed attempt, one retry
    assert [v[0] for v in result.vectors] == [1, 2]


async def test_persistent_failure_raises_after_the_policy_and_cancels_other_batches() -> None:
    errors: list[Exception] = [RateLimitError("no", status_code=429) for _ in range(3)]
    model = Scripted(size=1, failures=errors, retry=NO_WAIT, max_parallel_calls=1)
    with pytest.raises(RateLimitError) as caught:
        await model.embed(["v1", "v2", "v3"])
    assert attempts_of(caught.value) == tuple(errors)


async def test_dimension_mismatch_is_reported_clearly() -> None:
    model = Scripted(size=5)
    with pytest.raises(InvalidResponseError, match="asked for 3 dimensions, got 2"):
        await model.embed(["v1"], dimensions=3)
    model.vectors = [[1.0, 2.0], [1.0]]
    with pytest.raises(InvalidResponseError, match="different dimensions"):
        await model.embed(["v1", "v2"])


async def test_wrong_vector_count_and_empty_vectors_are_invalid_responses() -> None:
    model = Scripted(size=5)
    model.vectors = [[1.0, 2.0]]
    with pytest.raises(InvalidResponseError, match="expected 2 vectors, got 1"):
        await model.embed(["v1", "v2"])
    model.vectors = [[]]
    with pytest.raises(InvalidResponseError, match="empty"):
        await model.embed(["v1"])


@pytest.mark.parametrize(
    ("values", "message"),
    [("one string", "list of strings"), (["ok", 3], r"values\[1\] is int")],
)
async def test_bad_values_are_rejected_before_any_request(values: Any, message: str) -> None:
    model = Scripted(size=5)
    with pytest.raises(InvalidArgumentError, match=message):
        await model.embed(values)
    assert model.requests == []


async def test_bad_settings_are_rejected() -> None:
    with pytest.raises(InvalidArgumentError):
        await Scripted(size=5).embed(["v1"], dimensions=0)
    with pytest.raises(InvalidArgumentError):
        Scripted(size=0)
    with pytest.raises(InvalidArgumentError):
        Scripted(size=1, max_parallel_calls=0)


async def test_no_values_makes_no_request() -> None:
    model = Scripted(size=5)
    result = await model.embed([])
    assert result.vectors == () and model.requests == [] and result.usage.input_tokens is None


async def test_unknown_usage_stays_unknown_when_summed() -> None:
    assert EmbeddingUsage(3) + EmbeddingUsage(4) == EmbeddingUsage(7)
    assert EmbeddingUsage(3) + EmbeddingUsage() == EmbeddingUsage()
    assert str(EmbeddingUsage(5)) == "5 input tokens"


def test_sync_twins_use_the_same_path() -> None:
    model = Scripted(size=2)
    assert [v[0] for v in model.embed_sync(["v1", "v2", "v3"]).vectors] == [1, 2, 3]
    assert model.embed_one_sync("v7") == (7.0, 1.0)


def test_cosine_similarity_and_top_k() -> None:
    assert cosine_similarity([1, 0], [1, 0]) == pytest.approx(1.0)
    assert cosine_similarity([1, 0], [0, 1]) == pytest.approx(0.0)
    assert cosine_similarity([1, 0], [-1, 0]) == pytest.approx(-1.0)
    assert cosine_similarity([0, 0], [1, 1]) == 0.0
    with pytest.raises(InvalidArgumentError):
        cosine_similarity([1, 2], [1])
    matches = top_k([1, 0], [[0, 1], [1, 0.1], [1, 0], [-1, 0]], k=2)
    assert [m.index for m in matches] == [2, 1]
    assert top_k([1, 0], [[1, 0], [1, 0]], k=5)[0].index == 0  # ties keep input order
    with pytest.raises(InvalidArgumentError):
        top_k([1, 0], [[1, 0]], k=-1)


async def test_test_embedding_model_is_deterministic_and_ranks_shared_words_closer() -> None:
    model = TestEmbeddingModel(dimensions=32, max_inputs_per_call=2)
    docs = ["the cat sat on the mat", "stock prices fell sharply", "a cat and a dog"]
    result = await model.embed(docs, task_type="document")
    again = await TestEmbeddingModel(dimensions=32).embed(docs)
    assert result.vectors == again.vectors
    assert len(model.requests) == 2
    query = await model.embed_one("cat")
    assert top_k(query, result, k=1)[0].index in (0, 2)
    assert top_k(query, result, k=3)[-1].index == 1
    assert all(abs(sum(x * x for x in v) - 1) < 1e-9 for v in result.vectors)
    assert (await model.embed(["x"], dimensions=8)).dimensions == 8


async def test_registry_resolves_embedding_models() -> None:
    model = fantasy.embedding_model("test:my-embedder")
    assert isinstance(model, EmbeddingModel)
    assert model.model_id == "my-embedder"
    assert isinstance(await model.embed(["a"]), Embeddings)
    with pytest.raises(InvalidArgumentError, match="provider:model"):
        fantasy.embedding_model("nothing")
    with pytest.raises(InvalidArgumentError, match="unknown provider"):
        fantasy.embedding_model("nope:model")


def test_voyage_has_no_language_models() -> None:
    provider = fantasy.get_provider("voyage", api_key="voyage-test-key-123")
    with pytest.raises(InvalidArgumentError, match="embedding models only"):
        provider.language_model("voyage-3")
