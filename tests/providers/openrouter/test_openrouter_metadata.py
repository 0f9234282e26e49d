"""OpenRouter's cost, upstream provider and native finish reason as typed metadata."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fantasy.options import dump_provider_map, load_provider_map
from fantasy.providers.openai.chat import StreamDecoder, decode_response
from fantasy.providers.openrouter import OpenRouterMetadata
from fantasy.providers.openrouter.hooks import OpenRouterHooks
from fantasy.stream import Finish

USAGE = {
    "prompt_tokens": 194,
    "completion_tokens": 2,
    "total_tokens": 196,
    "cost": 0.95,
    "cost_details": {"upstream_inference_cost": 19},
    "is_byok": False,
}

# (name, response fields, choice fields, expected metadata or None)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], OpenRouterMetadata | None]] = [
    (
        "everything",
        {"provider": "Anthropic", "usage": USAGE},
        {"native_finish_reason": "end_turn"},
        OpenRouterMetadata(
            cost=0.95,
            cost_details={"upstream_inference_cost": 19},
            is_byok=False,
            provider="Anthropic",
            native_finish_reason="end_turn",
        ),
    ),
    ("cost only", {"usage": {"cost": 0}}, {}, OpenRouterMetadata(cost=0)),
    ("nothing", {"usage": {"prompt_tokens": 1}}, {}, None),
    (
        "junk is ignored",
        {"provider": 5, "usage": {"cost": "0.1", "cost_details": [], "is_byok": "no"}},
        {"native_finish_reason": 3},
        None,
    ),
    (
        "logprobs are kept",
        {"provider": "OpenAI", "usage": {}},
        {"logprobs": {"content": [{"token": "a", "logprob": -1.0}]}},
        OpenRouterMetadata(provider="OpenAI", logprobs=[{"token": "a", "logprob": -1.0}]),
    ),
]


def completion(response: dict[str, Any], choice: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "gen-1",
        "model": "anthropic/claude-sonnet-4.5",
        **response,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hi"},
                "finish_reason": "stop",
                **choice,
            }
        ],
    }


def chunks(response: dict[str, Any], choice: dict[str, Any]) -> list[str]:
    """The same answer as a stream: provider on every chunk, usage on the last."""
    head = {"id": "gen-1", "model": "m", **{k: v for k, v in response.items() if k != "usage"}}
    return [
        json.dumps({**head, "choices": [{"index": 0, "delta": {"content": "Hi"}}]}),
        json.dumps(
            {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop", **choice}]}
        ),
        json.dumps({**head, "choices": [], "usage": response.get("usage", {})}),
        "[DONE]",
    ]


@pytest.mark.parametrize(
    ("response", "choice", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_metadata_on_responses_and_stream_finish(
    response: dict[str, Any], choice: dict[str, Any], expected: OpenRouterMetadata | None
) -> None:
    hooks = OpenRouterHooks("anthropic/claude-sonnet-4.5")
    whole = decode_response(completion(response, choice), hooks=hooks, provider="openrouter")
    assert whole.provider_metadata.get("openrouter") == expected
    decoder = StreamDecoder(hooks=hooks, provider="openrouter")
    parts = [part for data in chunks(response, choice) for part in decoder.feed(data)]
    [finish] = [part for part in parts if isinstance(part, Finish)]
    assert finish.provider_metadata.get("openrouter") == expected


def test_metadata_round_trips_through_json() -> None:
    metadata = {"openrouter": OpenRouterMetadata(cost=0.5, provider="Groq")}
    loaded = load_provider_map(json.loads(json.dumps(dump_provider_map(metadata))))
    assert loaded == metadata
