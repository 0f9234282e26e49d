"""fantasy.mcp against real MCP servers (tests/mcp/server.py) over stdio, HTTP and SSE."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from conftest import HTTPServer, stdio

from fantasy import Agent, ErrorOutput, MediaOutput, TextOutput
from fantasy.agent import AgentResult
from fantasy.content import ToolResultContent
from fantasy.mcp import (
    MCPConnectionError,
    MCPProgress,
    MCPServer,
    MCPServerStdio,
    MCPServerStreamableHTTP,
    MCPTimeoutError,
)
from fantasy.testing import ScriptedModel, text_response, tool_call_response

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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


async def test_stdio_lists_tools_once_per_connection() -> None:
    async with stdio() as server:
        first = await server.tools()
        assert await server.tools() is first
        names = {t.name for t in first}
        assert {"echo", "add", "image", "audio", "fail", "slow", "crash", "poem"} <= names
        add = next(t for t in first if t.name == "add")
        assert add.description == "Add two integers."
        assert add.input_schema["type"] == "object"
        assert add.input_schema["required"] == ["a", "b"]


async def test_stdio_results_map_to_tool_results() -> None:
    async with stdio() as server:
        result = await run_tools(
            server,
            ("echo", {"text": "hello"}),
            ("image", {"caption": "a dot"}),
            ("audio", {}),
            ("resource", {}),
            ("weather", {"city": "Rome"}),
            ("fail", {"message": "no luck"}),
        )
    echo, image, audio, resource, weather, fail = results(result)
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
    assert weather.client_metadata["mcp"]["structured_content"] == {"city": "Rome", "celsius": 21.5}
    assert isinstance(fail.result, ErrorOutput)
    assert "no luck" in fail.result.error
    assert result.text == "done"  # an error result does not end the run


async def test_prefix_and_filter_avoid_clashes() -> None:
    async with (
        stdio(prefix="a", tool_filter={"echo"}) as first,
        stdio(prefix="b", tool_filter=lambda name: name in {"echo", "add"}) as second,
    ):
        agent = Agent(script(("a_echo", {"text": "x"}), ("b_add", {"a": 2, "b": 3})), tools=[first, second])
        result = await agent.generate("go")
        assert [t.name for t in await first.tools()] == ["a_echo"]
        assert sorted(t.name for t in await second.tools()) == ["b_add", "b_echo"]
    echo, add = results(result)
    assert echo.result == TextOutput(text="x")
    assert add.result == TextOutput(text="5")


async def test_without_async_with_the_run_opens_and_closes_the_connection() -> None:
    server = stdio()
    agent = Agent(script(("echo", {"text": "one"})), tools=[server])
    result = await agent.generate("go")
    assert results(result)[0].result == TextOutput(text="one")
    assert not server.is_open
    with pytest.raises(MCPConnectionError, match="not connected"):
        await server.call_tool("echo", {"text": "x"})


async def test_an_open_server_stays_open_across_runs() -> None:
    async with stdio() as server:
        for word in ("one", "two"):
            agent = Agent(script(("echo", {"text": word})), tools=[server])
            result = await agent.generate("go")
            assert results(result)[0].result == TextOutput(text=word)
            assert server.is_open


async def test_streamed_and_sync_runs_use_mcp_tools() -> None:
    server = stdio()
    agent = Agent(script(("echo", {"text": "streamed"})), tools=[server])
    async with agent.stream("go") as events:
        result = await events.result()
    assert results(result)[0].result == TextOutput(text="streamed")
    sync_agent = Agent(script(("echo", {"text": "sync"})), tools=[server])
    result = await asyncio.to_thread(sync_agent.generate_sync, "go")
    assert results(result)[0].result == TextOutput(text="sync")
    assert not server.is_open


async def test_progress_reaches_the_callback_and_timeouts_are_per_call() -> None:
    seen: list[MCPProgress] = []
    async with stdio(on_progress=seen.append, timeout=30) as server:
        result = await run_tools(server, ("slow", {"seconds": 0.2}))
        assert results(result)[0].result == TextOutput(text="slept 0.2s")
        assert [p.progress for p in seen] == [1, 2, 3, 4]
        assert seen[0].total == 4
        assert seen[0].message == "step 1"
        assert seen[0].tool_name == "slow"
        assert seen[0].tool_call_id == "call_0"
    async with stdio(timeout=0.5) as server:
        started = time.monotonic()
        with pytest.raises(MCPTimeoutError, match="within 0.5 s"):
            await server.call_tool("slow", {"seconds": 30})
        assert time.monotonic() - started < 20
        response = await server.call_tool("echo", {"text": "still here"})
        assert response.text == "still here"


async def test_a_crashed_server_gives_a_tool_error_and_the_run_goes_on() -> None:
    server = stdio()
    agent = Agent(script(("crash", {}), ("echo", {"text": "after"})), tools=[server])
    result = await agent.generate("go")
    crash, after = results(result)
    assert isinstance(crash.result, ErrorOutput)
    assert "connection closed" in crash.result.error
    assert isinstance(after.result, ErrorOutput)
    assert "connection" in after.result.error
    assert result.text == "done"


async def test_garbage_on_stdout_gives_a_typed_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fantasy")
    async with stdio() as server:
        with pytest.raises(MCPConnectionError):
            await server.call_tool("garbage")
    assert "sent invalid data" in caplog.text


async def test_sampling_is_served_by_the_named_model() -> None:
    poet = ScriptedModel(["roses are red"], model_id="poet-1")
    async with stdio(sampling_model=poet) as server:
        response = await server.call_tool("poem", {"topic": "the sea"})
    assert response.text == "poet-1: roses are red"
    (call,) = poet.calls
    assert call.max_output_tokens == 50
    assert [m.role for m in call.prompt] == ["system", "user"]
    assert call.prompt[0].text == "You are a poet."
    assert call.prompt[1].text == "A poem about the sea"


async def test_without_a_sampling_model_sampling_fails_as_a_tool_error() -> None:
    async with stdio() as server:
        result = await run_tools(server, ("poem", {"topic": "x"}))
    assert isinstance(results(result)[0].result, ErrorOutput)


async def test_tool_list_is_refreshed_after_a_change() -> None:
    async with stdio() as server:
        assert "extra" not in {t.name for t in await server.tools()}
        await server.call_tool("grow")
        deadline = time.monotonic() + 30
        names: set[str] = set()
        while time.monotonic() < deadline:
            names = {t.name for t in await server.tools()}
            if "extra" in names:
                break
            await asyncio.sleep(0.05)
        assert "extra" in names
        assert (await server.call_tool("extra")).text == "extra!"


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
    async with http_server.streamable(on_progress=seen.append, timeout=0.5) as server:
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
    assert isinstance(echo.result, ErrorOutput)
    assert result.text == "done"
    assert not server.is_open


async def test_http_server_that_is_not_there(fresh_http_server: Any) -> None:
    process = fresh_http_server("http")
    process.stop()
    server = MCPServerStreamableHTTP(f"{process.base}/mcp", connect_timeout=20)
    with pytest.raises(MCPConnectionError, match="could not connect"):
        async with server:
            pass


async def test_legacy_sse_transport(fresh_http_server: Any) -> None:
    process = fresh_http_server("sse")
    async with process.sse() as server:
        assert (await server.call_tool("echo", {"text": "sse"})).text == "sse"
        image = await server.call_tool("image")
        assert image.media is not None and image.media.startswith(PNG_MAGIC)
