"""MCP servers as agent toolsets: stdio subprocesses, streamable HTTP and legacy SSE."""

from __future__ import annotations

import asyncio
import logging
import shlex
import sys
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO, TypedDict, Unpack
from urllib.parse import urlsplit, urlunsplit

import httpx2
import mcp_types as types
from mcp import Client, StdioServerParameters, stdio_client
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from fantasy._agent_settings import fire
from fantasy._version import __version__
from fantasy.agent_tools import AgentTool, AnyTool, ToolContext, ToolResponse
from fantasy.errors import InvalidArgumentError, register_secret
from fantasy.mcp._connection import Connection
from fantasy.mcp._errors import MCPConnectionError, MCPResponseError
from fantasy.mcp._results import tool_response
from fantasy.mcp._sampling import sampling_callback
from fantasy.model import LanguageModel
from fantasy.schema import normalize_tool_schema
from fantasy.toolset import Toolset

__all__ = [
    "MCPOptions",
    "MCPProgress",
    "MCPServer",
    "MCPServerSSE",
    "MCPServerStdio",
    "MCPServerStreamableHTTP",
]

_log = logging.getLogger("fantasy")

DEFAULT_TIMEOUT = 60.0
"""Seconds a tool call (or a tool listing) may take before it fails, by default."""
DEFAULT_CONNECT_TIMEOUT = 30.0
_MAX_PAGES = 100
_HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)

ToolFilter = Callable[[str], bool] | Collection[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class MCPProgress:
    """A progress notification of a running MCP tool call.

    Attributes:
        server: The server's name.
        tool_name: The tool's name as the agent knows it (with the prefix).
        tool_call_id: The model's id of the call.
        progress: How far along the tool is (increases with every notification).
        total: The total, when the server knows it.
        message: A line about the current step, when the server sent one.
    """

    server: str
    tool_name: str
    tool_call_id: str
    progress: float
    total: float | None = None
    message: str | None = None


class MCPOptions(TypedDict, total=False):
    """The options every transport takes (see :class:`MCPServer`)."""

    prefix: str
    tool_filter: ToolFilter | None
    timeout: float | None
    connect_timeout: float | None
    sampling_model: LanguageModel | None
    on_progress: Callable[[MCPProgress], object] | None
    parallel: bool


def _accepts(tool_filter: ToolFilter | None) -> Callable[[str], bool]:
    if tool_filter is None:
        return lambda name: True
    if callable(tool_filter):
        return tool_filter
    if isinstance(tool_filter, str):
        raise InvalidArgumentError(
            "tool_filter takes names, not one string", argument="tool_filter"
        )
    names = frozenset(tool_filter)
    return names.__contains__


class MCPServer(Toolset):
    """An MCP server whose tools an agent can call; the transports subclass it.

    Put it in an agent's ``tools=[...]``. Its tools are listed when a run starts (once per
    connection; again after the server says its tool list changed). Use ``async with`` to
    keep one connection across runs; otherwise each run opens it and closes it at the end.

    Args:
        name: Display name for errors and progress (default: the command or the URL).
        prefix: Prepended to each tool name as ``"<prefix>_<name>"`` to avoid clashes.
        tool_filter: Which of the server's tools to offer: a collection of names or a
            predicate on the name (the server's name, without the prefix).
        timeout: Seconds one call may take (``None``: no limit); past it the call fails
            with :class:`~fantasy.mcp.MCPTimeoutError` and is cancelled on the server.
        connect_timeout: Seconds to start and reach the server.
        sampling_model: A fantasy model that answers the server's sampling requests
            (none: sampling is not offered).
        on_progress: Called (sync or async) with each :class:`MCPProgress` of a call.
        parallel: Whether the agent may run calls of these tools concurrently.
    """

    def __init__(
        self,
        *,
        name: str,
        prefix: str = "",
        tool_filter: ToolFilter | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT,
        sampling_model: LanguageModel | None = None,
        on_progress: Callable[[MCPProgress], object] | None = None,
        parallel: bool = False,
    ) -> None:
        self.name = name
        self.prefix = prefix
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.sampling_model = sampling_model
        self.on_progress = on_progress
        self.parallel = parallel
        self._accepts = _accepts(tool_filter)
        self._connection: Connection | None = None
        self._tools: tuple[AgentTool, ...] | None = None
        self._reconnecting: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def _transport(self) -> Any:
        """What ``mcp.Client`` connects to (a transport context manager)."""
        raise NotImplementedError

    def _stale(self) -> None:
        self._tools = None

    async def open(self) -> None:
        """Connect to the server (the first ``async with`` calls it)."""
        self._tools = None
        client = Client(
            self._transport(),
            sampling_callback=(
                None if self.sampling_model is None else sampling_callback(self.sampling_model)
            ),
            client_info=types.Implementation(name="fantasy", version=__version__),
            cache=None,
        )
        connection = Connection(client, self.name, self._stale)
        client.message_handler = connection.handle_message
        await connection.start(self.connect_timeout)
        self._connection = connection

    async def close(self) -> None:
        """Disconnect (the last ``async with`` to exit calls it)."""
        connection, self._connection, self._tools = self._connection, None, None
        if connection is not None:
            await connection.stop()

    def _live(self) -> Connection:
        if self._connection is None:
            raise MCPConnectionError(
                "not connected: use `async with server:` or put it in an agent's tools",
                server=self.name,
            )
        return self._connection

    async def list_tools(self) -> list[types.Tool]:
        """The server's tools, as MCP describes them (every page, no filter)."""
        connection = self._live()
        tools: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):

            async def page(client: Client, cursor: str | None = cursor) -> types.ListToolsResult:
                return await client.list_tools(cursor=cursor)

            result = await connection.request("tools/list", page, self.timeout)
            tools.extend(result.tools)
            cursor = result.next_cursor
            if cursor is None:
                return tools
        raise MCPResponseError(f"tools/list did not end after {_MAX_PAGES} pages", server=self.name)

    async def tools(self) -> Sequence[AnyTool]:
        """The agent tools of this server (listed once per connection, or after a change).

        A connection that has ended since (the server exited or crashed) is opened
        again first, so the next run after a crash starts on a fresh connection.
        """
        connection = self._live()
        if connection.closed:
            await self._reconnect(connection)
        if self._tools is None:
            listed = await self.list_tools()
            self._tools = tuple(self._agent_tool(t) for t in listed if self._accepts(t.name))
        return self._tools

    async def _reconnect(self, dead: Connection) -> None:
        if self._reconnecting is None:
            self._reconnecting = asyncio.Lock()
        async with self._reconnecting:
            if self._connection is dead:  # not replaced by a concurrent run meanwhile
                _log.info("MCP server %s: the connection ended; connecting again", self.name)
                await dead.stop()
                await self.open()

    def _agent_tool(self, tool: types.Tool) -> AgentTool:
        name = f"{self.prefix}_{tool.name}" if self.prefix else tool.name

        async def run(arguments: dict[str, Any], ctx: ToolContext) -> ToolResponse:
            return await self.call_tool(
                tool.name, arguments, tool_call_id=ctx.tool_call_id, agent_name=name
            )

        try:
            return AgentTool(
                name,
                tool.description or tool.title or "",
                normalize_tool_schema(tool.input_schema),
                run,
                parallel=self.parallel,
            )
        except InvalidArgumentError as error:
            raise MCPResponseError(
                f"tool {tool.name!r} has an unusable input schema ({error}); "
                "leave it out with tool_filter",
                server=self.name,
            ) from error

    async def call_tool(
        self,
        tool_name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        tool_call_id: str = "",
        agent_name: str = "",
        timeout: float | Literal["default"] | None = "default",  # noqa: ASYNC109 - per call
    ) -> ToolResponse:
        """Call one of the server's tools (by its MCP name) and convert the result.

        Args:
            tool_name: The tool's MCP name (without the prefix).
            arguments: Its input.
            tool_call_id: The model's id of the call (passed to ``on_progress``).
            agent_name: The name the agent knows the tool by (passed to ``on_progress``).
            timeout: Seconds for this call (default: the server's ``timeout``).

        Raises:
            MCPConnectionError: Not connected, or the connection closed during the call.
            MCPTimeoutError: No answer within ``timeout``.
            MCPResponseError: The answer is not a valid MCP result.
            MCPServerError: The server answered with a protocol error (unknown tool...).
        """
        progress = self._progress(agent_name or tool_name, tool_call_id)

        async def send(client: Client) -> types.CallToolResult:
            return await client.call_tool(
                tool_name, dict(arguments or {}), progress_callback=progress
            )

        seconds = self.timeout if timeout == "default" else timeout
        result = await self._live().request(f"tool {tool_name!r}", send, seconds)
        return tool_response(result)

    def _progress(self, tool_name: str, tool_call_id: str) -> Any:
        callback = self.on_progress
        if callback is None:
            return None

        async def report(progress: float, total: float | None, message: str | None) -> None:
            event = MCPProgress(
                server=self.name,
                tool_name=tool_name,
                tool_call_id=tool_call_id,
                progress=progress,
                total=total,
                message=message,
            )
            await fire(callback, event)

        return report


class MCPServerStdio(MCPServer):
    """An MCP server run as a subprocess, spoken to over its stdin and stdout.

    Args:
        command: The executable.
        args: Its arguments.
        env: Environment variables, added to the small safe set the ``mcp`` package
            passes on (``HOME``, ``PATH``, ...); the rest of yours is not inherited.
        cwd: Its working directory.
        errlog: Where its stderr goes (default: this process's stderr).
        **options: See :class:`MCPServer`.
    """

    def __init__(
        self,
        command: str,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        errlog: TextIO | None = None,
        name: str | None = None,
        **options: Unpack[MCPOptions],
    ) -> None:
        super().__init__(name=name or shlex.join([command, *args]), **options)
        self.parameters = StdioServerParameters(
            command=command, args=list(args), env=dict(env) if env is not None else None, cwd=cwd
        )
        self.errlog = errlog

    def _transport(self) -> Any:
        return stdio_client(self.parameters, errlog=self.errlog or sys.stderr)


def _display_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


_SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie", "session")


def _secret_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """A copy of ``headers``; credential values are scrubbed from every fantasy error."""
    out = dict(headers or {})
    for name, value in out.items():
        if any(word in name.lower() for word in _SECRET_HEADER_WORDS):
            register_secret(value)
            register_secret(value.split(" ", 1)[-1])  # the token of "Bearer <token>"
    return out


class MCPServerStreamableHTTP(MCPServer):
    """An MCP server reached over streamable HTTP.

    Args:
        url: The endpoint, e.g. ``"http://127.0.0.1:8000/mcp"``.
        headers: Headers of every request (authorization...); never shown in errors.
        http_client: An ``httpx2.AsyncClient`` of your own (auth, proxies, TLS); you
            open and close it. ``headers`` are then ignored.
        **options: See :class:`MCPServer`.
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
        name: str | None = None,
        **options: Unpack[MCPOptions],
    ) -> None:
        super().__init__(name=name or _display_url(url), **options)
        self.url = url
        self._headers = _secret_headers(headers)
        self._http_client = http_client

    def _transport(self) -> Any:
        return self._streams()

    @asynccontextmanager
    async def _streams(self) -> AsyncIterator[Any]:
        if self._http_client is not None:
            async with streamable_http_client(self.url, http_client=self._http_client) as streams:
                yield streams
            return
        async with (
            httpx2.AsyncClient(headers=self._headers, timeout=_HTTP_TIMEOUT) as http,
            streamable_http_client(self.url, http_client=http) as streams,
        ):
            yield streams


class MCPServerSSE(MCPServer):
    """An MCP server reached over the legacy HTTP+SSE transport (superseded by streamable HTTP).

    Args:
        url: The SSE endpoint, e.g. ``"http://127.0.0.1:8000/sse"``.
        headers: Headers of every request; never shown in errors.
        **options: See :class:`MCPServer`.
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        name: str | None = None,
        **options: Unpack[MCPOptions],
    ) -> None:
        super().__init__(name=name or _display_url(url), **options)
        self.url = url
        self._headers = _secret_headers(headers)

    def _transport(self) -> Any:
        return sse_client(self.url, headers=self._headers or None)
