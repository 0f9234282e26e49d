"""The MCP test servers as fixtures (the servers themselves: _mcp_servers.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("mcp", reason="the 'mcp' extra is not installed (pip install 'fantasy[mcp]')")

from _mcp_servers import HTTPServer, start_http


@pytest.fixture(scope="module")
def http_server() -> Iterator[HTTPServer]:
    server = start_http("http")
    yield server
    server.stop()


@pytest.fixture
def fresh_http_server() -> Iterator[Callable[[str], HTTPServer]]:
    """Start a private server (to kill it mid-call); stopped after the test."""
    started: list[HTTPServer] = []

    def start(transport: str = "http") -> HTTPServer:
        started.append(start_http(transport))
        return started[-1]

    yield start
    for server in started:
        server.stop()
