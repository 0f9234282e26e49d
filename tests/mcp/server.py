"""A small MCP server for the tests and the example, written with the ``mcp`` server API.

Run it as ``python server.py stdio`` (over stdin/stdout) or ``python server.py http --fd N``
(streamable HTTP on an already-listening socket handed over by the parent, so no port race).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import socket
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer, Resolve, Sample
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import (
    AudioContent,
    CreateMessageResult,
    EmbeddedResource,
    ImageContent,
    SamplingMessage,
    TextContent,
    TextResourceContents,
)
from pydantic import BaseModel

# A 1x1 transparent PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
SOUND = b"RIFF\x00\x00\x00\x00WAVEfmt "

server = MCPServer("fantasy-test-server")
# The protocol pipe: while serving stdio, the mcp package points fd 1 at stderr.
_PROTOCOL_FD = os.dup(1)


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool()
def add(a: int, b: int, note: str | None = None) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def image(caption: str = "a pixel") -> list[Any]:
    """Return a tiny PNG image with a caption."""
    data = base64.b64encode(PIXEL).decode()
    return [
        TextContent(type="text", text=caption),
        ImageContent(type="image", data=data, mime_type="image/png"),
    ]


@server.tool()
def audio() -> AudioContent:
    """Return a short sound."""
    return AudioContent(type="audio", data=base64.b64encode(SOUND).decode(), mime_type="audio/wav")


@server.tool()
def resource() -> EmbeddedResource:
    """Return an embedded text resource."""
    contents = TextResourceContents(
        uri="file:///notes.txt", mime_type="text/plain", text="the notes"
    )
    return EmbeddedResource(type="resource", resource=contents)


class Weather(BaseModel):
    city: str
    celsius: float


@server.tool()
def weather(city: str) -> Weather:
    """Structured weather for a city."""
    return Weather(city=city, celsius=21.5)


@server.tool()
def fail(message: str = "it broke") -> str:
    """Always fails with an error result."""
    raise ToolError(message)


@server.tool()
async def slow(seconds: float, ctx: Context) -> str:
    """Sleep, reporting progress, then answer."""
    steps = 4
    for step in range(steps):
        await ctx.report_progress(step + 1, steps, f"step {step + 1}")
        await asyncio.sleep(seconds / steps)
    return f"slept {seconds}s"


@server.tool()
def crash() -> str:
    """The server process exits in the middle of the call."""
    os._exit(3)


@server.tool()
def garbage() -> str:
    """Write a line that is not JSON-RPC to stdout, then exit (stdio only)."""
    os.write(_PROTOCOL_FD, b"this is not JSON\n")
    os._exit(4)


@server.tool()
async def bogus(ctx: Context) -> str:
    """Answer this call with a result of the wrong shape (stdio only), then the real one."""
    request_id: int | str = int(ctx.request_id) if ctx.request_id.isdigit() else ctx.request_id
    answer = {"jsonrpc": "2.0", "id": request_id, "result": {"content": "not a list"}}
    os.write(_PROTOCOL_FD, (json.dumps(answer) + "\n").encode())
    await asyncio.sleep(2)
    return "too late"


def _poem_request(topic: str) -> Sample:
    message = SamplingMessage(
        role="user", content=TextContent(type="text", text=f"A poem about {topic}")
    )
    return Sample([message], max_tokens=50, system_prompt="You are a poet.")


@server.tool()
async def poem(topic: str, draft: Annotated[CreateMessageResult, Resolve(_poem_request)]) -> str:
    """Ask the client's model for a poem (server-initiated sampling)."""
    content = draft.content
    text = content.text if isinstance(content, TextContent) else "?"
    return f"{draft.model}: {text}"


@server.tool()
async def grow(ctx: Context) -> str:
    """Add a new tool `extra` and announce that the tool list changed."""

    def extra() -> str:
        """A tool added at run time."""
        return "extra!"

    server.add_tool(extra, name="extra")
    await ctx.notify_tools_changed()
    session = getattr(ctx.request_context, "session", None)
    send = getattr(session, "send_tool_list_changed", None)
    if send is not None:
        with contextlib.suppress(Exception):  # modern sessions have no back-channel
            await send()
    return "grown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("transport", choices=["stdio", "http", "sse"])
    parser.add_argument("--fd", type=int, default=-1)
    options = parser.parse_args()
    if options.transport == "stdio":
        server.run("stdio")
        return
    import uvicorn

    app = server.streamable_http_app() if options.transport == "http" else server.sse_app()
    sock = socket.socket(fileno=options.fd)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


if __name__ == "__main__":
    main()
