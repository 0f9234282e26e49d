"""FallbackModel across providers: OpenAI Chat failing over to Anthropic, over MockTransport.

The fixtures (tests/providers/fallback_fixtures) are our own: an OpenAI stream cut after
two deltas, an Anthropic text stream, an Anthropic tool call and an OpenAI text answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import fantasy
from fantasy import stream
from fantasy.agent import StepFinish, StepStart
from fantasy.fallback import FallbackModel, answered_by
from fantasy.providers.anthropic import AnthropicProvider
from fantasy.providers.openai import OpenAIProvider
from fantasy.retry import RetryPolicy

FIXTURES = Path(__file__).parent / "fallback_fixtures"
OPENAI_KEY = "sk-test-fallback-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test-fallback-0123456789"
Handler = Callable[[httpx.Request], httpx.Response]


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def openai_sse(name: str) -> bytes:
    lines = (FIXTURES / name).read_text().splitlines()
    return "".join(f"data: {line}\n\n" for line in lines if line.strip()).encode()


def anthropic_sse(name: str) -> bytes:
    out = []
    for line in (FIXTURES / name).read_text().splitlines():
        if line.strip():
            out.append(f"event: {json.loads(line)['type']}\ndata: {line}\n\n")
    return "".join(out).encode()


class Server:
    """A scripted HTTP server: one handler per request, in order; records the requests."""

    def __init__(self, *responses: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self._responses: Iterator[Handler] = iter(responses)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return next(self._responses)(request)

    def body(self, index: int) -> Any:
        return json.loads(self.requests[index].content)


def status(code: int, **headers: str) -> Handler:
    body = {"error": {"message": f"status {code}", "type": "server_error"}}
    return lambda _: httpx.Response(code, json=body, headers=headers)


def sse(content: bytes) -> Handler:
    return lambda _: httpx.Response(
        200, content=content, headers={"content-type": "text/event-stream"}
    )


def ok(data: Any) -> Handler:
    return lambda _: httpx.Response(200, json=data)


def models(openai: Server, anthropic: Server, retry: RetryPolicy) -> FallbackModel:
    gpt = OpenAIProvider(api_key=OPENAI_KEY, transport=httpx.MockTransport(openai))
    claude = AnthropicProvider(api_key=ANTHROPIC_KEY, transport=httpx.MockTransport(anthropic))
    return FallbackModel(
        gpt.language_model("gpt-test"), claude.language_model("claude-test"), retry=retry
    )


@pytest.mark.anyio
async def test_generate_retries_openai_then_answers_from_anthropic() -> None:
    openai = Server(status(503), status(503))
    anthropic = Server(ok(fixture_json("anthropic_tool_use.json")))
    model = models(openai, anthropic, RetryPolicy(max_retries=1, initial_delay=0))
    response = await model.generate(fantasy.Call(prompt=[fantasy.user_message("corgi?")]))
    assert len(openai.requests) == 2 and len(anthropic.requests) == 1
    assert response.tool_calls[0].tool_name == "lookup"
    meta = answered_by(response.provider_metadata)
    assert meta is not None and (meta.provider, meta.model_id) == ("anthropic", "claude-test")
    assert "status 503" in meta.failed[0]
    assert OPENAI_KEY not in json.dumps(response.to_dict())


@pytest.mark.anyio
async def test_agent_stream_cut_mid_body_switches_provider_with_a_retry_event() -> None:
    openai = Server(sse(openai_sse("openai_cut.jsonl")))
    anthropic = Server(sse(anthropic_sse("anthropic_text.jsonl")))
    agent = fantasy.Agent(models(openai, anthropic, RetryPolicy(max_retries=0)))
    printed: list[str] = []  # the printing recipe of the guide: one entry per part
    async with agent.stream("Say hello") as events:
        async for event in events:
            if isinstance(event, StepStart | StepFinish):
                continue
            if isinstance(event, stream.Retry):
                del printed[len(printed) - event.discarded :]
                continue
            printed.append(event.delta if isinstance(event, stream.TextDelta) else "")
        result = await events.result()
    assert "".join(printed) == result.text == "Hello from Claude."
    assert len(openai.requests) == len(anthropic.requests) == 1
    meta = answered_by(result.steps[0].provider_metadata)
    assert meta is not None and meta.index == 1


def test_agent_with_a_tool_mixes_providers_step_by_step() -> None:
    openai = Server(status(429, **{"retry-after": "0"}), ok(fixture_json("openai_text.json")))
    anthropic = Server(ok(fixture_json("anthropic_tool_use.json")))

    @fantasy.tool
    def lookup(term: str) -> str:
        """Look a term up."""
        return f"{term}: a small dog"

    agent = fantasy.Agent(models(openai, anthropic, RetryPolicy(max_retries=0)), tools=[lookup])
    result = agent.generate_sync("What is a corgi?")
    assert result.text == "A corgi is a small dog."
    assert [answered_by(step.provider_metadata).provider for step in result.steps] == [  # type: ignore[union-attr]
        "anthropic",
        "openai",
    ]
    # Step 2 went to OpenAI with Anthropic's tool call and the tool result, in its dialect.
    messages = openai.body(1)["messages"]
    assert messages[1]["tool_calls"][0]["id"] == "toolu_f1"
    assert messages[2] == {
        "role": "tool",
        "tool_call_id": "toolu_f1",
        "content": "corgi: a small dog",
    }
