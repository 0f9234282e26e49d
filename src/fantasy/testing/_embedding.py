"""A deterministic embedding model for users' tests: no network, same text → same vector.

Each word is hashed (SHA-256, stable across processes and Python versions) to a signed
position of the vector, so texts that share words point the same way and
:func:`fantasy.cosine_similarity` ranks them closer, which keeps retrieval tests
meaningful. Vectors are unit length.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any, ClassVar

from fantasy.embedding import BaseEmbeddingModel, EmbeddingUsage, EmbedRequest
from fantasy.retry import RetryPolicy
from fantasy.usage import CallWarning

__all__ = ["TestEmbeddingModel"]

_WORD = re.compile(r"\w+")


def _slot(token: str, dimensions: int) -> tuple[int, float]:
    digest = hashlib.sha256(token.encode("utf-8")).digest()
    index = int.from_bytes(digest[:8], "big") % dimensions
    return index, (1.0 if digest[8] & 1 else -1.0)


def hashed_vector(text: str, dimensions: int) -> list[float]:
    """The unit vector of ``text``: its lower-cased words hashed into ``dimensions`` slots."""
    vector = [0.0] * dimensions
    tokens = _WORD.findall(text.lower()) or [text]
    for token in tokens:
        index, sign = _slot(token, dimensions)
        vector[index] += sign
    norm = math.sqrt(sum(x * x for x in vector))
    if not norm:  # every word cancelled out: fall back to the whole text's slot
        index, sign = _slot(text, dimensions)
        vector[index], norm = sign, 1.0
    return [x / norm for x in vector]


class TestEmbeddingModel(BaseEmbeddingModel):
    """Embeds offline and deterministically; records every request it was sent.

    Args:
        model_id: Reported model id.
        dimensions: Vector length when a call asks for none.
        max_inputs_per_call: Values per (simulated) request, to test batching.

    Attributes:
        requests: The :class:`~fantasy.embedding.EmbedRequest` of each batch, in order.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    def __init__(
        self,
        model_id: str = "test-embedding",
        *,
        dimensions: int = 64,
        max_inputs_per_call: int = 16,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(
            provider="test",
            model_id=model_id,
            max_inputs_per_call=max_inputs_per_call,
            retry=retry or RetryPolicy(max_retries=0),
        )
        self.dimensions = dimensions
        self.requests: list[EmbedRequest] = []

    async def embed_batch(
        self, request: EmbedRequest
    ) -> tuple[list[list[float]], EmbeddingUsage, list[CallWarning], dict[str, Any]]:
        """Embed one batch locally; usage counts words."""
        self.requests.append(request)
        size = request.dimensions or self.dimensions
        vectors = [hashed_vector(value, size) for value in request.values]
        tokens = sum(len(_WORD.findall(value)) for value in request.values)
        return vectors, EmbeddingUsage(tokens), [], {}
