"""Regression tests from the core review: edge cases that used to misbehave."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from _fakes import sse_events

from fantasy._http import HTTPClient
from fantasy._object_parse import parse_json_text
from fantasy._validation import validate_tool_call
from fantasy.agent import Agent, StepResult
from fantasy.agent_tools import AgentTool, ToolContext
from fantasy.content import ToolCallContent
from fantasy.errors import FantasyError, InvalidArgumentError, is_retryable
from fantasy.testing.models import ScriptedModel

_DEEP = '{"a":' * 5000 + "1" + "}" * 5000


def _echo(data: dict[str, Any], ctx: ToolContext) -> str:
    return "ok"


@pytest.mark.anyio
async def test_deeply_nested_tool_input_is_an_invalid_call_not_a_crash() -> None:
    tool = AgentTool("t", "a tool", {"type": "object"}, _echo)
    call = ToolCallContent(tool_call_id="c1", tool_name="t", input=_DEEP)

    checked = await validate_tool_call(call, [tool])

    assert checked.call.invalid
    assert checked.tool is None
    assert "t" in checked.call.validation_error


def test_deeply_nested_object_text_is_a_parse_error_not_a_crash() -> None:
    value, error = parse_json_text("[" * 100_000 + "]" * 100_000)
    assert value is None
    assert error


def test_stop_sequences_given_as_a_string_is_an_error() -> None:
    model = ScriptedModel(["hi"])
    with pytest.raises(InvalidArgumentError, match="stop_sequences"):
        Agent(model, stop_sequences="END")
    agent = Agent(model)
    with pytest.raises(InvalidArgumentError, match="stop_sequences"):
        agent.generate_sync("x", stop_sequences="END")


def test_generate_sync_from_a_sync_callback_fails_clearly_instead_of_deadlocking() -> None:
    inner = Agent(ScriptedModel(["inner"]))
    seen: list[BaseException] = []

    def on_step_finish(step: StepResult) -> None:
        try:
            inner.generate_sync("nested")
        except FantasyError as error:
            seen.append(error)
            raise

    outer = Agent(ScriptedModel(["outer"]), on_step_finish=on_step_finish)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            outer.generate_sync("x")
        except FantasyError as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)  # a deadlock never ends; a loaded machine may be slow
    assert not thread.is_alive(), "generate_sync deadlocked"
    assert seen and "async" in str(seen[0])
    assert outcome == seen


def test_stream_sync_from_the_sync_loop_fails_clearly() -> None:
    inner = Agent(ScriptedModel(["inner"]))

    async def nested() -> str:
        with inner.stream_sync("nested") as events:
            return events.result().text

    from fantasy._sync import run_sync

    result: list[BaseException] = []

    def run() -> None:
        try:
            run_sync(nested())
        except FantasyError as error:
            result.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)  # a deadlock never ends; a loaded machine may be slow
    assert not thread.is_alive(), "stream_sync deadlocked"
    assert len(result) == 1


def test_generate_sync_inside_another_running_loop_works() -> None:
    agent = Agent(ScriptedModel(["hi"]))

    async def notebook_cell() -> str:
        return agent.generate_sync("x").text

    assert asyncio.run(notebook_cell()) == "hi"


@pytest.mark.anyio
@pytest.mark.parametrize("url", ["api.example.com/v1/chat", "ftp://example.com/v1"])
async def test_url_without_http_scheme_is_a_non_retryable_argument_error(url: str) -> None:
    client = HTTPClient(provider="x")  # httpx's own transport rejects it before connecting
    with pytest.raises(InvalidArgumentError) as caught:
        await client.post_json(url, {})
    assert not is_retryable(caught.value)
    with pytest.raises(InvalidArgumentError):
        async for _ in sse_events(client, url, {}):
            pass


@pytest.mark.anyio
async def test_malformed_url_is_an_argument_error() -> None:
    client = HTTPClient(
        provider="x", transport=httpx.MockTransport(lambda r: httpx.Response(200, json={}))
    )
    with pytest.raises(InvalidArgumentError):
        await client.post_json("http://[::1", {})
