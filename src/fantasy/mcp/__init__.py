"""MCP (Model Context Protocol) servers as agent tools, with the official ``mcp`` package.

::

    from fantasy.mcp import MCPServerStdio

    files = MCPServerStdio("uvx", ["mcp-server-filesystem", "."], prefix="fs")
    agent = Agent(model, tools=[files])
    result = await agent.generate("What is in README.md?")

Servers are :class:`~fantasy.toolset.Toolset` objects: an agent lists their tools when
a run starts and calls them like its other tools. Results map to tool results (text,
images and audio as media, ``isError`` as an error result); a server that exits,
crashes, hangs or answers garbage fails the call with a typed :class:`MCPServerError`,
which goes back to the model under the usual tool-error rules. Install with
``pip install 'fantasy[mcp]'``.
"""

from __future__ import annotations

try:
    import mcp as _mcp  # noqa: F401 - fail here, clearly, when the extra is missing
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("fantasy.mcp needs the 'mcp' package: pip install 'fantasy[mcp]'") from error

from fantasy.mcp._errors import (
    MCPConnectionError,
    MCPResponseError,
    MCPServerError,
    MCPTimeoutError,
)
from fantasy.mcp._results import tool_response
from fantasy.mcp._server import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    MCPOptions,
    MCPProgress,
    MCPServer,
    MCPServerSSE,
    MCPServerStdio,
    MCPServerStreamableHTTP,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "MCPConnectionError",
    "MCPOptions",
    "MCPProgress",
    "MCPResponseError",
    "MCPServer",
    "MCPServerError",
    "MCPServerSSE",
    "MCPServerStdio",
    "MCPServerStreamableHTTP",
    "MCPTimeoutError",
    "tool_response",
]
