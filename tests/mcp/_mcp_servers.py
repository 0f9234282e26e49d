"""Real MCP servers for the tests: tests/mcp/server.py over stdio and over HTTP.

A module of its own, not the conftest: test modules import it by name, and every
directory's conftest is named ``conftest`` (which one is imported depends on the order
pytest collects the directories in).

The HTTP servers get an already-listening socket on 127.0.0.1 (a free port chosen by
the kernel), so there is no port race; every process started here is stopped.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the 'mcp' extra is not installed (pip install 'fantasy[mcp]')")

from fantasy.mcp import MCPServerSSE, MCPServerStdio, MCPServerStreamableHTTP

SERVER = Path(__file__).with_name("server.py")


def stdio(**options: Any) -> MCPServerStdio:
    """The test server as a stdio subprocess."""
    return MCPServerStdio(sys.executable, [str(SERVER), "stdio"], **options)


@dataclass
class HTTPServer:
    """A test server process listening on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    base: str

    def streamable(self, **options: Any) -> MCPServerStreamableHTTP:
        return MCPServerStreamableHTTP(f"{self.base}/mcp", **options)

    def sse(self, **options: Any) -> MCPServerSSE:
        return MCPServerSSE(f"{self.base}/sse", **options)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def start_http(transport: str = "http") -> HTTPServer:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, str(SERVER), transport, "--fd", str(listener.fileno())],
            pass_fds=[listener.fileno()],
        )
    return HTTPServer(process, f"http://127.0.0.1:{port}")
