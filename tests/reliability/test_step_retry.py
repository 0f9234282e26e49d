"""A stream cut after some text is never complete; an agent retries that step once, cleanly.

Real sockets on 127.0.0.1, every dialect. (a) A plain ``model.stream`` whose answer
delivered some text and was then cut mid-event (the socket reset) or ended without its
finish signal raises a retryable fantasy error, never a clean ``Finish``. (b) An agent
with one tool: step one asks for the tool, the tool runs, step two's answer delivers
text and is cut; the agent retries step two alone (a ``Retry`` part in the stream) and
finishes with the answer: the tool ran once, each step is recorded once, and nothing of
the failed attempt is in the result.
"""

from __future__ import annotations

import json

import pytest
from _dialects import (
    DIALECTS,
    TEXT,
    TEXT_BEFORE_FINISH,
    Dialect,
    answer,
    tool_call_json,
    tool_call_stream,
    wants_stream,
)
from _server import LoopbackServer, Plan, Request

import fantasy
from fantasy import stream
from fantasy.errors import FantasyError, is_retryable
from fantasy.messages import Message, TextPart
from fantasy.model import Call
from fantasy.retry import RetryPolicy

CALL = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])
POLICY = RetryPolicy(initial_delay=0.01, jitter=False)  # the default policy, small backoff
SUM = "sum is 5"  # the tool's result; its presence in a request marks step two


def failed_stream(dialect: Dialect, how: str) -> Plan:
    """Some text of the answer, then a cut inside the next event or a clean end without finish."""
    body = dialect.stream_body(TEXT)
    sent = body[: TEXT_BEFORE_FINISH[dialect.name]]
    if how == "no-finish":
        return Plan(content_type=dialect.content_type, chunks=tuple(sent))
    cut = body[len(sent)][: len(body[len(sent)]) // 2]
    return Plan(content_type=dialect.content_type, chunks=(*sent, cut), end="reset")


@pytest.mark.anyio
@pytest.mark.timeout(60)
@pytest.mark.parametrize("how", ["cut-mid-event", "no-finish"])
@pytest.mark.parametrize("name", DIALECTS)
async def test_a_stream_that_failed_after_text_is_never_complete(name: str, how: str) -> None:
    dialect = DIALECTS[name]
    parts: list[stream.StreamPart] = []
    async with (
        LoopbackServer(lambda request: failed_stream(dialect, how)) as server,
        dialect.provider(server.url) as provider,
    ):
        with pytest.raises(FantasyError) as caught:
            async for part in dialect.model(provider).stream(CALL):
                parts.append(part)
    assert is_retryable(caught.value), repr(caught.value)
    text = "".join(p.delta for p in parts if isinstance(p, stream.TextDelta))
    assert text and TEXT.startswith(text) and text != TEXT
    assert not any(isinstance(p, stream.Finish) for p in parts)


def agent_server(dialect: Dialect) -> tuple[LoopbackServer, list[int]]:
    """Step one: the tool call; step two: first a failed answer, then the whole one."""
    attempts = [0]

    def handler(request: Request) -> Plan:
        streamed = wants_stream(request)
        if SUM.encode() not in request.body:
            if streamed:
                return Plan(
                    content_type=dialect.content_type, chunks=tuple(tool_call_stream(dialect.name))
                )
            return Plan(
                content_type="application/json",
                chunks=(json.dumps(tool_call_json(dialect.name)).encode(),),
            )
        attempts[0] += 1
        if attempts[0] > 1:
            return answer(dialect, request)
        if streamed:
            return failed_stream(dialect, "cut-mid-event")
        whole = json.dumps(dialect.json_body(TEXT)).encode()
        return Plan(
            content_type="application/json", chunks=(whole[: len(whole) // 2],), end="reset"
        )

    return LoopbackServer(handler), attempts


@pytest.mark.anyio
@pytest.mark.timeout(60)
@pytest.mark.parametrize("streaming", [False, True], ids=["generate", "stream"])
@pytest.mark.parametrize("name", DIALECTS)
async def test_an_agent_retries_a_cut_step_without_repeating_the_tool(
    name: str, streaming: bool
) -> None:
    dialect = DIALECTS[name]
    runs: list[tuple[int, int]] = []

    @fantasy.tool
    def add(a: int, b: int) -> str:
        """Add two numbers."""
        runs.append((a, b))
        return f"{SUM[:-1]}{a + b}"

    server, attempts = agent_server(dialect)
    parts: list[object] = []
    async with server, dialect.provider(server.url) as provider:
        agent = fantasy.Agent(dialect.model(provider), tools=[add], retry=POLICY)
        if streaming:
            async with agent.stream("add 2 and 3") as events:
                async for part in events:
                    parts.append(part)
                result = await events.result()
        else:
            result = await agent.generate("add 2 and 3")
        assert len(server.requests) == 3
    assert runs == [(2, 3)]
    assert attempts == [2]
    assert len(result.steps) == 2
    assert [len(step.tool_calls) for step in result.steps] == [1, 0]
    assert [len(step.tool_results) for step in result.steps] == [1, 0]
    assert [step.text for step in result.steps] == ["", TEXT]
    assert result.text == TEXT
    assert [m.role for m in result.messages][-3:] == ["assistant", "tool", "assistant"]
    if streaming:
        retries = [p for p in parts if isinstance(p, stream.Retry)]
        assert len(retries) == 1 and is_retryable(retries[0].error)
        after = parts[parts.index(retries[0]) + 1 :]
        assert "".join(p.delta for p in after if isinstance(p, stream.TextDelta)) == TEXT
