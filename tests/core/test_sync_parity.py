"""The sync entry points give exactly what the async ones give (one loop, one bridge)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from _fakes import HangingStreamModel, calls_response, text_answer, weather_tool

from fantasy import stream
from fantasy.agent import Agent, AgentResult
from fantasy.agent_tools import AgentTool
from fantasy.content import ReasoningContent
from fantasy.errors import AuthenticationError
from fantasy.testing.models import ScriptedModel


def scenario() -> list[Any]:
    reasoning = ReasoningContent(text="hmm", provider_metadata={"anthropic": {"signature": "s"}})
    return [
        calls_response(("weather", '{"location": "Oslo"}'), reasoning=reasoning, text="Checking"),
        calls_response(("weather", '{"location":"Rome"}', "c2")),
        text_answer("Oslo and Rome: 40 C"),
    ]


def agent() -> Agent:
    return Agent(ScriptedModel(scenario()), system_prompt="sys", tools=[weather_tool()])


def test_generate_sync_equals_generate() -> None:
    expected = asyncio.run(agent().generate("weather?"))
    got = agent().generate_sync("weather?")
    assert got == expected
    assert len(got.steps) == 3


def test_stream_sync_equals_stream() -> None:
    async def collect() -> tuple[list[Any], AgentResult]:
        events = agent().stream("weather?")
        kinds = [event.type async for event in events]
        return kinds, await events.result()

    expected_kinds, expected = asyncio.run(collect())
    events = agent().stream_sync("weather?")
    kinds = [event.type for event in events]
    assert kinds == expected_kinds
    assert events.result() == expected
    # and streaming equals generating
    assert expected == agent().generate_sync("weather?")


def test_stream_sync_result_consumes_the_rest() -> None:
    with agent().stream_sync("weather?") as events:
        first = next(events)
        assert first.type == "step-start"
        assert events.result().text == "Oslo and Rome: 40 C"


def test_sync_errors_are_the_same_typed_errors() -> None:
    def failing() -> Agent:
        return Agent(ScriptedModel([AuthenticationError("bad key", status_code=401)]))

    with pytest.raises(AuthenticationError):
        failing().generate_sync("x")
    events = failing().stream_sync("x")
    with pytest.raises(AuthenticationError):
        list(events)
    with pytest.raises(AuthenticationError):
        events.result()


def test_closing_a_sync_stream_closes_the_model_stream() -> None:
    model = HangingStreamModel()
    ran: list[str] = []
    tool = AgentTool("weather", "x", {"type": "object"}, lambda data, ctx: ran.append("x"))
    with Agent(model, tools=[tool]).stream_sync("x") as events:
        for event in events:
            if isinstance(event, stream.ToolCall):
                break
    deadline = time.monotonic() + 30  # bounded; generous for a loaded machine
    while not model.closed.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert model.closed.is_set()
    assert ran == []
