"""fantasy.mcp against real MCP servers (tests/mcp/server.py) over stdio, HTTP and SSE."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the 'mcp' extra is not installed (pip install 'fantasy[mcp]')")

from _mcp_servers import HTTPServer, stdio

from fantasy import Agent, ErrorOutput, MediaOutput, TextOutput, tool
from fantasy.agent import AgentResult
from fantasy.content import ToolResultContent
from fantasy.errors import InvalidArgumentError
from fantasy.mcp import (
    MCPConnectionError,
    MCPProgress,
    MCPResponseError,
    MCPServer,
    MCPServerStdio,
    MCPServerStreamableHTTP,
    MCPTimeoutError,
)
from fantasy.testing import ScriptedModel, text_response, tool_call_response

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@tool
def echo_tool(text: str) -> str:
    """A local tool named like a server's."""
    return text


echo_tool = echo_tool.__class__(
    "echo", echo_tool.description, echo_tool.input_schema, echo_tool.run
)


def script(*calls: tuple[str, dict[str, Any]], answer: str = "done") -> ScriptedModel:
    responses = [
        tool_call_response(name, arguments, tool_call_id=f"call_{index}")
        for index, (name, arguments) in enumerate(calls)
    ]
    return ScriptedModel([*responses, text_response(answer)])


def results(result: AgentResult) -> list[ToolResultContent]:
    return [
        item
        for step in result.steps
        for item in step.content
        if isinstance(item, ToolResultContent)
    ]


async def run_tools(server: MCPServer, *calls: tuple[str, dict[str, Any]]) -> AgentResult:
    agent = Agent(script(*calls), tools=[server])
    return await agent.generate("go")


# --- stdio ------------------------------------------------------------------------------
# Each test starts as few server processes as it can: a start costs about a second.


async def test_stdio_server_tools_results_progress_sampling_and_changes() -> None:
    seen: list[MCPProgress] = []
    poet = ScriptedModel(["roses are red"], model_id="poet-1")
    async with stdio(on_progress=seen.append, sampling_model=poet, timeout=30) as server:
        # listed once per connection
        first = await server.tools()
        assert await server.tools() is first
        names = {t.name for t in first}
        assert {"echo", "add", "image", "audio", "fail", "slow", "crash", "poem"} <= names
        add = next(t for t in first if t.name == "add")
        assert add.description == "Add two integers."
        assert add.input_schema["type"] == "object"
        assert add.input_schema["required"] == ["a", "b"]

        # every kind of result, through an agent run (the connection stays open)
        result = await run_tools(
            server,
            ("echo", {"text": "hello"}),
            ("image", {"caption": "a dot"}),
            ("audio", {}),
            ("resource", {}),
            ("weather", {"city": "Rome"}),
            ("fail", {"message": "no luck"}),
            ("slow", {"seconds": 0.2}),
        )
        assert server.is_open
        echo, image, audio, resource, weather, fail, slow = results(result)
        assert echo.result == TextOutput(text="hello")
        assert isinstance(image.result, MediaOutput)
        assert image.result.media_type == "image/png"
        assert image.result.data.startswith(PNG_MAGIC)
        assert image.result.text == "a dot"
        assert isinstance(audio.result, MediaOutput)
        assert audio.result.media_type == "audio/wav"
        assert audio.result.data.startswith(b"RIFF")
        assert resource.result == TextOutput(text="the notes")
        assert isinstance(weather.result, TextOutput)
        assert '"celsius": 21.5' in weather.result.text
        structured = weather.client_metadata["mcp"]["structured_content"]
        assert structured == {"city": "Rome", "celsius": 21.5}
        assert isinstance(fail.result, ErrorOutput)
        assert "no luck" in fail.result.error
        assert slow.result == TextOutput(text="slept 0.2s")
        assert result.text == "done"  # an error result does not end the run

        # progress notifications reach the callback
        assert [p.progress for p in seen] == [1, 2, 3, 4]
        assert (seen[0].total, seen[0].message) == (4, "step 1")
        assert (seen[0].tool_name, seen[0].tool_call_id) == ("slow", "call_6")

        # per-call timeout: the call fails, the connection lives on
        started = time.monotonic()
        with pytest.raises(MCPTimeoutError, match=r"within 0\.5 s"):
            await server.call_tool("slow", {"seconds": 30}, timeout=0.5)
        assert time.monotonic() - started < 20
        assert (await server.call_tool("echo", {"text": "still here"})).text == "still here"

        # sampling is served by the named model
        response = await server.call_tool("poem", {"topic": "the sea"})
        assert response.text == "poet-1: roses are red"
        (call,) = poet.calls
        assert call.max_output_tokens == 50
        assert [m.role for m in call.prompt] == ["system", "user"]
        assert call.prompt[0].text == "You are a poet."
        assert call.prompt[1].text == "A poem about the sea"

        # the tool list is listed again after the server announces a change
        assert "extra" not in names
        await server.call_tool("grow")
        deadline = time.monotonic() + 30
        while "extra" not in names and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            names = {t.name for t in await server.tools()}
        assert "extra" in names
        assert (await server.call_tool("extra")).text == "extra!"


async def test_prefix_and_filter_avoid_clashes(http_server: HTTPServer) -> None:
    async with (
        stdio(prefix="a", tool_filter={"echo"}) as first,
        http_server.streamable(
            prefix="b", tool_filter=lambda name: name in {"echo", "add"}
        ) as second,
    ):
        model = script(("a_echo", {"text": "x"}), ("b_add", {"a": 2, "b": 3}))
        result = await Agent(model, tools=[first, second]).generate("go")
        assert [t.name for t in await first.tools()] == ["a_echo"]
        assert sorted(t.name for t in await second.tools()) == ["b_add", "b_echo"]
    echo, add = results(result)
    assert echo.result == TextOutput(text="x")
    assert add.result == TextOutput(text="5")
    with pytest.raises(InvalidArgumentError, match="duplicate tool name"):
        async with stdio(tool_filter={"echo"}) as clash:
            await Agent(script(), tools=[echo_tool, clash]).generate("go")


async def test_without_async_with_each_run_opens_and_closes_the_connection() -> None:
    server = stdio()
    agent = Agent(script(("echo", {"text": "streamed"})), tools=[server])
    async with agent.stream("go") as events:
        result = await events.result()
    assert results(result)[0].result == TextOutput(text="streamed")
    assert not server.is_open
    with pytest.raises(MCPConnectionError, match="not connected"):
        await server.call_tool("echo", {"text": "x"})
    sync_agent = Agent(script(("echo", {"text": "sync"})), tools=[server])
    result = await asyncio.to_thread(sync_agent.generate_sync, "go")
    assert results(result)[0].result == TextOutput(text="sync")
    assert not server.is_open


async def test_a_crashed_server_gives_a_tool_error_and_the_run_goes_on() -> None:
    server = stdio()  # no sampling model: the poem tool's sampling request fails
    calls = [("poem", {"topic": "x"}), ("crash", {}), ("echo", {"text": "after"})]
    async with server:
        result = await Agent(script(*calls), tools=[server]).generate("go")
        poem, crash, after = results(result)
        assert isinstance(poem.result, ErrorOutput)
        assert isinstance(crash.result, ErrorOutput)
        assert crash.result.error.startswith("MCPConnectionError: MCP server")
        assert "connection closed during tool 'crash'" in crash.result.error
        assert isinstance(crash.exception, MCPConnectionError)  # kept for the caller
        assert isinstance(after.result, ErrorOutput)
        assert isinstance(after.exception, MCPConnectionError)
        assert result.text == "done"
        # the next run starts on a new connection
        result = await Agent(script(("echo", {"text": "again"})), tools=[server]).generate("go")
        assert results(result)[0].result == TextOutput(text="again")
    assert not server.is_open


async def test_garbage_gives_typed_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fantasy")
    async with stdio() as server:
        with pytest.raises(MCPResponseError, match="invalid answer to tool 'bogus'"):
            await server.call_tool("bogus")
        assert (await server.call_tool("echo", {"text": "fine"})).text == "fine"
        with pytest.raises(MCPConnectionError):
            await server.call_tool("garbage")
    assert "sent invalid data" in caplog.text


async def test_cancelling_a_run_mid_call_closes_the_server() -> None:
    started = asyncio.Event()
    server = stdio(on_progress=lambda progress: started.set())
    agent = Agent(script(("slow", {"seconds": 30})), tools=[server])
    run = asyncio.create_task(agent.generate("go"))
    await asyncio.wait_for(started.wait(), 60)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(run, 60)
    assert not server.is_open


async def test_a_server_that_cannot_start_is_a_connection_error() -> None:
    server = MCPServerStdio("/nonexistent/fantasy-mcp-server")
    with pytest.raises(MCPConnectionError, match="could not connect"):
        async with server:
            pass
    agent = Agent(ScriptedModel(["never"]), tools=[server])
    with pytest.raises(MCPConnectionError):
        await agent.generate("go")


# --- streamable HTTP and SSE -----------------------------------------------------------------


async def test_streamable_http_results(http_server: HTTPServer) -> None:
    server = http_server.streamable(headers={"Authorization": "Bearer secret-token"})
    assert "secret" not in repr(server) and "secret" not in server.name
    result = await run_tools(
        server, ("echo", {"text": "over http"}), ("image", {}), ("fail", {"message": "bad"})
    )
    echo, image, fail = results(result)
    assert echo.result == TextOutput(text="over http")
    assert isinstance(image.result, MediaOutput)
    assert image.result.data.startswith(PNG_MAGIC)
    assert isinstance(fail.result, ErrorOutput)
    assert "bad" in fail.result.error


async def test_streamable_http_slow_tool_with_progress(http_server: HTTPServer) -> None:
    seen: list[MCPProgress] = []
    # The server's timeout bounds every call (the listing too): long enough for a loaded
    # machine's answers, far shorter than the 30 s tool.
    async with http_server.streamable(on_progress=seen.append, timeout=3) as server:
        assert (await server.call_tool("slow", {"seconds": 0.1})).text == "slept 0.1s"
        assert [p.progress for p in seen] == [1, 2, 3, 4]
        with pytest.raises(MCPTimeoutError):
            await server.call_tool("slow", {"seconds": 30})
        assert (await server.call_tool("echo", {"text": "ok"})).text == "ok"


async def test_http_server_killed_mid_call(fresh_http_server: Any) -> None:
    process = fresh_http_server("http")
    started = asyncio.Event()
    server = process.streamable(on_progress=lambda progress: started.set(), timeout=60)
    agent = Agent(script(("slow", {"seconds": 30}), ("echo", {"text": "x"})), tools=[server])
    run = asyncio.create_task(agent.generate("go"))
    await asyncio.wait_for(started.wait(), 60)
    process.process.kill()
    began = time.monotonic()
    result = await asyncio.wait_for(run, 60)
    assert time.monotonic() - began < 30
    slow, echo = results(result)
    assert isinstance(slow.result, ErrorOutput)
    assert isinstance(slow.exception, MCPConnectionError)
    assert isinstance(echo.result, ErrorOutput)
    assert result.text == "done"
    assert not server.is_open


async def test_http_server_that_is_not_there() -> None:
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    server = MCPServerStreamableHTTP(f"http://127.0.0.1:{port}/mcp", connect_timeout=20)
    with pytest.raises(MCPConnectionError, match="could not connect"):
        async with server:
            pass


async def test_legacy_sse_transport(fresh_http_server: Any) -> None:
    process = fresh_http_server("sse")
    async with process.sse() as server:
        assert (await server.call_tool("echo", {"text": "sse"})).text == "sse"
        image = await server.call_tool("image")
        assert image.media is not None and image.media.startswith(PNG_MAGIC)
