"""The typed errors of MCP requests.

They are raised inside the tool, so the usual tool-error rules apply: the model sees
the message and the run goes on.
"""

from __future__ import annotations

from fantasy.errors import FantasyError, redact

__all__ = ["MCPConnectionError", "MCPResponseError", "MCPServerError", "MCPTimeoutError"]


class MCPServerError(FantasyError):
    """An MCP server could not answer a request (its message has secrets redacted).

    Attributes:
        server: The server's display name (command or URL, never a header).
    """

    def __init__(self, message: str, *, server: str = "") -> None:
        text = f"MCP server {server}: {message}" if server else message
        super().__init__(redact(text))  # no credential ever shows in an error
        self.server = server


class MCPConnectionError(MCPServerError):
    """The connection could not be opened, or it closed (the server exited or crashed)."""


class MCPTimeoutError(MCPServerError):
    """The server did not answer within the timeout."""


class MCPResponseError(MCPServerError):
    """The server answered with something that is not a valid MCP result."""
