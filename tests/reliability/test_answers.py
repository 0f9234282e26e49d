"""Whole (non-streamed) answers: in-band errors are typed, unfinished answers never pass.

Real sockets on 127.0.0.1. Each dialect's JSON path recognises the in-band error
bodies its stream path recognises (status 200, the body is the error), and an answer
with tool calls but no finish signal is decided per the API's rules: Chat Completions
runs the calls (its finish reason is optional in compatible servers), the others raise
a retryable ``IncompleteResponseError`` so the agent retries instead of running a tool
of an unfinished answer and stopping with no text.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _dialects import DIALECTS, TEXT, tool_call_json
from _server import LoopbackServer, Plan, Request

import fantasy
from fantasy.errors import IncompleteResponseError, InvalidResponseError, ProviderError
from fantasy.messages import Message, TextPart
from fantasy.model import Call
from fantasy.retry import RetryPolicy

CALL = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])
FAST = RetryPolicy(max_retries=2, initial_delay=0.01, jitter=False)

IN_BAND: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "chat": ({"error": {"message": "overloaded", "type": "server_error"}}, {}),
    "responses": (
        {
            "id": "r1",
            "status": "failed",
            "error": {"message": "overloaded", "code": "server_error"},
        },
        {},
    ),
    "anthropic": (
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        {},
    ),
    "gemini": ({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}, {}),
    "bedrock": (
        {"message": "Model is overloaded"},
        {"x-amzn-ErrorType": "ServiceUnavailableException:http://internal"},
    ),
    "converse": (
        {"message": "Model is overloaded"},
        {"x-amzn-ErrorType": "ServiceUnavailableException:http://internal"},
    ),
}


def json_plan(body: dict[str, Any], headers: dict[str, str] | None = None) -> Plan:
    return Plan(
        content_type="application/json", chunks=(json.dumps(body).encode(),), headers=headers or {}
    )


def sequence(*plans: Plan):  # type: ignore[no-untyped-def]
    """A handler answering with ``plans`` in order (the last one repeats)."""
    queue = list(plans)

    def handler(request: Request) -> Plan:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_in_band_error_body_is_a_typed_retryable_error(name: str) -> None:
    dialect = DIALECTS[name]
    body, headers = IN_BAND[name]
    good = json_plan(dialect.json_body(TEXT))
    async with (
        LoopbackServer(sequence(json_plan(body, headers), good)) as server,
        dialect.provider(server.url) as provider,
    ):
        model = dialect.model(provider)
        with pytest.raises(ProviderError) as caught:
            await model.generate(CALL)
        assert not isinstance(caught.value, InvalidResponseError), caught.value
        assert caught.value.is_retryable, caught.value
        result = await fantasy.Agent(model, retry=FAST).generate("hi")
        assert result.text == TEXT


@pytest.mark.anyio
@pytest.mark.parametrize("name", DIALECTS)
async def test_tool_call_answer_without_finish_reason_never_ends_silently(name: str) -> None:
    dialect = DIALECTS[name]
    runs: list[tuple[int, int]] = []

    @fantasy.tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        runs.append((a, b))
        return a + b

    answers = [json_plan(tool_call_json(name, finished=False))]
    if name != "chat":  # the retried request gets the finished answer
        answers.append(json_plan(tool_call_json(name)))
    answers.append(json_plan(dialect.json_body(TEXT)))
    async with (
        LoopbackServer(sequence(*answers)) as server,
        dialect.provider(server.url) as provider,
    ):
        model = dialect.model(provider)
        if name != "chat":
            with pytest.raises(IncompleteResponseError) as caught:
                await model.generate(CALL)
            assert caught.value.is_retryable
            server.handler = sequence(*answers)
        result = await fantasy.Agent(model, tools=[add], retry=FAST).generate("add 2 and 3")
    assert runs == [(2, 3)]  # the tool ran once, for the finished answer only
    assert result.text == TEXT
