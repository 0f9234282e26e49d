"""Each provider's embedding requests and answers, on fixtures of our own (httpx mock
transports): URL, auth, body fields, batching limits, decoding, errors and redaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from fantasy.embedding import BaseEmbeddingModel, EmbedRequest
from fantasy.errors import AuthenticationError, InvalidResponseError, ProviderError, RateLimitError
from fantasy.retry import RetryPolicy

pytestmark = pytest.mark.anyio

KEY = "sk-embed-secret-key-0123456789"
NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0, jitter=False)


def openai_answer(body: dict[str, Any]) -> dict[str, Any]:
    values = body["input"]
    data = [
        {"object": "embedding", "index": i, "embedding": [float(i), 0.5]}
        for i in range(len(values))
    ]
    data.reverse()  # servers may answer out of order: the index decides
    return {"object": "list", "data": data, "usage": {"prompt_tokens": 7, "total_tokens": 7}}


def gemini_answer(body: dict[str, Any]) -> dict[str, Any]:
    return {"embeddings": [{"values": [float(i), 0.5]} for i in range(len(body["requests"]))]}


def vertex_answer(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "predictions": [
            {"embeddings": {"values": [float(i), 0.5], "statistics": {"token_count": 3}}}
            for i in range(len(body["instances"]))
        ]
    }


def cohere_answer(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "x",
        "embeddings": {"float": [[float(i), 0.5] for i in range(len(body["texts"]))]},
    }


def titan_answer(body: dict[str, Any]) -> dict[str, Any]:
    return {"embedding": [0.0, 0.5], "inputTextTokenCount": 4}


@dataclass
class Case:
    name: str
    build: Callable[[httpx.AsyncBaseTransport], BaseEmbeddingModel]
    url: str
    auth: tuple[str, str]
    answer: Callable[[dict[str, Any]], dict[str, Any]]
    body: dict[str, Any]
    per_request: int
    tokens: int | None
    headers: dict[str, str] = field(default_factory=dict)


def _openai(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.openai import OpenAIProvider

    return OpenAIProvider(api_key=KEY, transport=t).embedding_model("text-embedding-3-small")


def _azure(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.azure import AzureProvider

    provider = AzureProvider(base_url="res", api_key=KEY, api_version="2025-01-01", transport=t)
    return provider.embedding_model("my-embedding-deployment")


def _compat(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.openaicompat import OpenAICompatProvider

    provider = OpenAICompatProvider(base_url="http://127.0.0.1:11434/v1", api_key=KEY, transport=t)
    return provider.embedding_model("nomic-embed-text")


def _mistral(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.mistral import MistralProvider

    return MistralProvider(api_key=KEY, transport=t).embedding_model("mistral-embed")


def _voyage(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.voyage import VoyageProvider

    return VoyageProvider(api_key=KEY, transport=t).embedding_model("voyage-3.5")


def _gemini(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.google import GoogleProvider

    return GoogleProvider(api_key=KEY, transport=t).embedding_model("gemini-embedding-001")


def _vertex(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.google import GoogleVertexProvider

    provider = GoogleVertexProvider(
        project="p1", location="us-central1", skip_auth=True, transport=t
    )
    return provider.embedding_model("text-embedding-005")


def _cohere(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.bedrock import BedrockProvider

    provider = BedrockProvider(region="eu-west-1", api_key=KEY, transport=t)
    return provider.embedding_model("eu.cohere.embed-v4:0")


def _titan(t: httpx.AsyncBaseTransport) -> BaseEmbeddingModel:
    from fantasy.providers.bedrock import BedrockProvider

    provider = BedrockProvider(region="us-east-1", api_key=KEY, transport=t)
    return provider.embedding_model("amazon.titan-embed-text-v2:0")


BEARER = ("authorization", f"Bearer {KEY}")
CASES = [
    Case(
        "openai",
        _openai,
        "https://api.openai.com/v1/embeddings",
        BEARER,
        openai_answer,
        {
            "model": "text-embedding-3-small",
            "input": ["a", "b"],
            "encoding_format": "float",
            "dimensions": 2,
        },
        2048,
        7,
    ),
    Case(
        "azure",
        _azure,
        "https://res.openai.azure.com/openai/v1/embeddings?api-version=2025-01-01",
        ("api-key", KEY),
        openai_answer,
        {
            "model": "my-embedding-deployment",
            "input": ["a", "b"],
            "encoding_format": "float",
            "dimensions": 2,
        },
        2048,
        7,
    ),
    Case(
        "openai-compat",
        _compat,
        "http://127.0.0.1:11434/v1/embeddings",
        BEARER,
        openai_answer,
        {
            "model": "nomic-embed-text",
            "input": ["a", "b"],
            "encoding_format": "float",
            "dimensions": 2,
        },
        2048,
        7,
    ),
    Case(
        "mistral",
        _mistral,
        "https://api.mistral.ai/v1/embeddings",
        BEARER,
        openai_answer,
        {"model": "mistral-embed", "input": ["a", "b"], "output_dimension": 2},
        128,
        7,
    ),
    Case(
        "voyage",
        _voyage,
        "https://api.voyageai.com/v1/embeddings",
        BEARER,
        openai_answer,
        {
            "model": "voyage-3.5",
            "input": ["a", "b"],
            "output_dimension": 2,
            "input_type": "document",
        },
        128,
        7,
    ),
    Case(
        "google",
        _gemini,
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents",
        ("x-goog-api-key", KEY),
        gemini_answer,
        {
            "requests": [
                {
                    "model": "models/gemini-embedding-001",
                    "content": {"parts": [{"text": v}]},
                    "taskType": "RETRIEVAL_DOCUMENT",
                    "outputDimensionality": 2,
                }
                for v in ("a", "b")
            ]
        },
        100,
        None,
    ),
    Case(
        "google-vertex",
        _vertex,
        "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/p1/locations/us-central1/"
        "publishers/google/models/text-embedding-005:predict",
        ("authorization", "Bearer dummy-token"),
        vertex_answer,
        {
            "instances": [{"content": v, "task_type": "RETRIEVAL_DOCUMENT"} for v in ("a", "b")],
            "parameters": {"outputDimensionality": 2},
        },
        250,
        6,
    ),
    Case(
        "bedrock-cohere",
        _cohere,
        "https://bedrock-runtime.eu-west-1.amazonaws.com/model/eu.cohere.embed-v4%3A0/invoke",
        BEARER,
        cohere_answer,
        {
            "texts": ["a", "b"],
            "input_type": "search_document",
            "embedding_types": ["float"],
            "output_dimension": 2,
        },
        96,
        11,
        {"X-Amzn-Bedrock-Input-Token-Count": "11"},
    ),
]


def recorder(case: Case) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json=case.answer(json.loads(request.content)), headers=case.headers
        )

    return seen, httpx.MockTransport(handle)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_request_and_answer(case: Case) -> None:
    seen, transport = recorder(case)
    model = case.build(transport)
    result = await model.embed(["a", "b"], dimensions=2, task_type="document")
    request = seen[0]
    assert str(request.url) == case.url
    assert request.headers[case.auth[0]] == case.auth[1]
    assert json.loads(request.content) == case.body
    assert result.vectors == ((0.0, 0.5), (1.0, 0.5))
    assert result.usage.input_tokens == case.tokens
    assert model.max_inputs_per_call == case.per_request
    assert result.provider and result.model_id


async def test_titan_sends_one_text_per_request_and_sums_tokens() -> None:
    seen: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=titan_answer(seen[-1]))

    model = _titan(httpx.MockTransport(handle))
    result = await model.embed(["x", "y", "z"], dimensions=2, task_type="query")
    assert [body["inputText"] for body in sorted(seen, key=lambda b: b["inputText"])] == [
        "x",
        "y",
        "z",
    ]
    assert all(body["dimensions"] == 2 for body in seen)
    assert result.usage.input_tokens == 12 and result.requests == 3
    assert [w.setting for w in result.warnings] == ["task_type"]


def test_bedrock_family_must_be_known() -> None:
    from fantasy.errors import InvalidArgumentError
    from fantasy.providers.bedrock import BedrockProvider

    provider = BedrockProvider(
        api_key=KEY, transport=httpx.MockTransport(lambda r: httpx.Response(500))
    )
    with pytest.raises(InvalidArgumentError, match="family"):
        provider.embedding_model("arn:aws:bedrock:us-east-1:1:provisioned-model/abc")
    assert provider.embedding_model("arn:aws:bedrock:x", family="cohere").family == "cohere"


async def test_openai_without_task_types_warns_and_extra_body_is_merged() -> None:
    case = CASES[0]
    seen, transport = recorder(case)
    result = await case.build(transport).embed(
        ["a"], task_type="query", provider_options={"openai": {"user": "u-1"}}
    )
    assert json.loads(seen[0].content)["user"] == "u-1"
    assert [w.setting for w in result.warnings] == ["task_type"]


async def test_vertex_serves_gemini_embedding_models_one_text_per_request() -> None:
    from fantasy.providers.google import GoogleVertexProvider

    seen: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=vertex_answer(seen[-1]))

    provider = GoogleVertexProvider(
        project="p", skip_auth=True, transport=httpx.MockTransport(handle)
    )
    result = await provider.embedding_model("gemini-embedding-001").embed(["a", "b", "c"])
    assert len(seen) == 3 and all(len(body["instances"]) == 1 for body in seen)
    assert result.usage.input_tokens == 9


async def test_large_inputs_are_batched_per_provider_limit() -> None:
    seen: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(len(body["requests"]))
        return httpx.Response(200, json=gemini_answer(body))

    model = _gemini(httpx.MockTransport(handle))
    result = await model.embed([f"t{i}" for i in range(250)])
    assert sorted(seen) == [50, 100, 100] and len(result) == 250


async def test_429_is_retried_then_succeeds() -> None:
    calls = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return httpx.Response(
                429,
                json={"error": {"message": "slow", "type": "rate_limit"}},
                headers={"retry-after": "0"},
            )
        return httpx.Response(200, json=openai_answer(json.loads(request.content)))

    model = _openai(httpx.MockTransport(handle))
    result = await model.embed(["a"], retry=NO_WAIT)
    assert calls == 2 and len(result) == 1


async def test_errors_are_typed_and_never_show_the_key() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": f"bad key {KEY}"}})

    model = _openai(httpx.MockTransport(handle))
    with pytest.raises(AuthenticationError) as caught:
        await model.embed(["a"])
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)

    model = _openai(
        httpx.MockTransport(lambda r: httpx.Response(429, json={"error": {"message": "x"}}))
    )
    with pytest.raises(RateLimitError):
        await model.embed(["a"], retry=RetryPolicy(max_retries=0))


@pytest.mark.parametrize(
    "answer",
    [
        {"data": "nope"},
        {"data": [{"index": 0, "embedding": ["x"]}]},
        {"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [1.0]}]},
        {"data": [{"index": 5, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": [True]}]},
        [],
    ],
)
async def test_malformed_openai_answers_are_invalid_responses(answer: Any) -> None:
    model = _openai(httpx.MockTransport(lambda r: httpx.Response(200, json=answer)))
    with pytest.raises(InvalidResponseError):
        await model.embed(["a"])


async def test_in_band_error_body_is_a_provider_error() -> None:
    answer = {"error": {"message": "overloaded", "type": "server_error"}}
    model = _openai(httpx.MockTransport(lambda r: httpx.Response(200, json=answer)))
    with pytest.raises(ProviderError) as caught:
        await model.embed(["a"], retry=RetryPolicy(max_retries=0))
    assert caught.value.is_retryable


@pytest.mark.parametrize(
    ("build", "answer"),
    [
        (_gemini, {"embeddings": [{"values": []}]}),
        (_vertex, {"predictions": [{"embeddings": "x"}]}),
        (_cohere, {"embeddings": {"int8": [[1]]}}),
        (_titan, {"embedding": None}),
    ],
)
async def test_malformed_other_answers_are_invalid_responses(build: Any, answer: Any) -> None:
    model = build(httpx.MockTransport(lambda r: httpx.Response(200, json=answer)))
    with pytest.raises(InvalidResponseError):
        await model.embed(["a"])


def test_request_defaults() -> None:
    assert EmbedRequest(values=("a",)).dimensions is None
