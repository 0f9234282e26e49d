"""One live MCP session, owned by a background task.

The ``mcp`` client keeps anyio task groups open for as long as it is connected, and
those must be entered and exited by one task; a crash of the transport cancels
whatever runs inside them. So the client is entered by a task of its own, which lives
until :meth:`Connection.stop`. Requests are made from the callers' tasks and raced
against the connection closing and against their timeout, so a server that exits,
crashes, hangs or answers garbage gives a typed error, never a hang. All waits are
bounded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import mcp_types as types
from mcp import Client
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from fantasy.mcp._errors import (
    MCPConnectionError,
    MCPResponseError,
    MCPServerError,
    MCPTimeoutError,
)

__all__ = ["Connection"]

_log = logging.getLogger("fantasy")
_T = TypeVar("_T")
_STOP_TIMEOUT = 10.0


def _describe(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup) and error.exceptions:
        return _describe(error.exceptions[0])
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _typed(error: Exception, name: str, what: str, cause: BaseException | None) -> MCPServerError:
    """The typed error for a failed request (``cause``: why the connection ended, if known)."""
    if isinstance(error, MCPServerError):
        return error
    if isinstance(error, MCPError):
        if error.code == types.CONNECTION_CLOSED:
            reason = f" ({_describe(cause)})" if cause is not None else ""
            message = f"the connection closed during {what}{reason}"
            return MCPConnectionError(message, server=name)
        if error.code == types.REQUEST_TIMEOUT:
            return MCPTimeoutError(f"{what} timed out", server=name)
        return MCPServerError(f"{what} failed: {error.message} (code {error.code})", server=name)
    if isinstance(error, ValidationError):
        return MCPResponseError(f"invalid answer to {what}: {error}", server=name)
    if isinstance(error, OSError | EOFError):
        return MCPConnectionError(f"{what} failed: {_describe(error)}", server=name)
    return MCPServerError(f"{what} failed: {_describe(error)}", server=name)


class Connection:
    """A connected ``mcp.Client`` and the task that owns it.

    Args:
        client: The (not yet entered) client.
        name: The server's display name, for errors.
        on_list_changed: Called when the server says its tool list changed.
    """

    def __init__(self, client: Client, name: str, on_list_changed: Callable[[], None]) -> None:
        self.client = client
        self.name = name
        self._on_list_changed = on_list_changed
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._closed = asyncio.Event()
        self._failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def handle_message(self, message: Any) -> None:
        """The client's message handler: list changes and transport faults."""
        if isinstance(message, types.ToolListChangedNotification):
            self._on_list_changed()
        elif isinstance(message, Exception):
            _log.warning("MCP server %s sent invalid data: %s", self.name, _describe(message))
            self._failure = message

    @property
    def closed(self) -> bool:
        """Whether the session has ended."""
        return self._closed.is_set()

    async def start(self, seconds: float | None) -> None:
        """Connect (and negotiate) within ``seconds``.

        Raises:
            MCPConnectionError: The server could not be started or reached in time.
        """
        self._task = asyncio.create_task(self._own(), name=f"fantasy MCP {self.name}")
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait({self._task, ready}, timeout=seconds, return_when="FIRST_COMPLETED")
        finally:
            ready.cancel()
        if self._ready.is_set() and not self.closed:
            return
        reason = _describe(self._failure) if self._failure else f"no answer within {seconds} s"
        await self.stop()
        raise MCPConnectionError(f"could not connect: {reason}", server=self.name)

    async def _own(self) -> None:
        try:
            async with self.client as client:
                self._ready.set()
                watcher = asyncio.create_task(self._watch(client))
                try:
                    await self._stop.wait()
                finally:
                    watcher.cancel()
                    await asyncio.wait({watcher})
        except Exception as error:  # noqa: BLE001 - a dead connection is reported to callers
            self._failure = self._failure or error
            _log.debug("MCP server %s: connection ended: %s", self.name, _describe(error))
        finally:
            self._closed.set()

    async def _watch(self, client: Client) -> None:
        """Keep a list-changed subscription open (2026 protocol; older ones notify anyway)."""
        capability = client.server_capabilities.tools
        if capability is None or not capability.list_changed:
            return
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                async for _ in subscription:
                    self._on_list_changed()
        except Exception as error:  # noqa: BLE001 - best effort: notifications still arrive
            _log.debug("MCP server %s: no list-changed stream: %s", self.name, _describe(error))

    async def stop(self) -> None:
        """End the session (bounded: the owner task is cancelled if it lingers)."""
        task = self._task
        if task is None:
            return
        self._stop.set()
        _, pending = await asyncio.wait({task}, timeout=_STOP_TIMEOUT)
        if pending:
            task.cancel()
            await asyncio.wait({task}, timeout=_STOP_TIMEOUT)

    async def request(
        self, what: str, send: Callable[[Client], Awaitable[_T]], seconds: float | None
    ) -> _T:
        """Run one request; its typed error on failure.

        Raises:
            MCPConnectionError: The connection is closed, or closed during the request.
            MCPTimeoutError: No answer within ``seconds``.
            MCPResponseError: The answer is not a valid MCP result.
            MCPServerError: The server answered with an error.
        """
        if self.closed:
            raise self._closed_error(what)
        call = asyncio.ensure_future(send(self.client))
        closed = asyncio.ensure_future(self._closed.wait())
        try:
            await asyncio.wait({call, closed}, timeout=seconds, return_when="FIRST_COMPLETED")
        finally:
            closed.cancel()
            if not call.done():
                call.cancel()
                await asyncio.wait({call}, timeout=_STOP_TIMEOUT)
        if call.done() and not call.cancelled():
            error = call.exception()
            if error is None:
                return call.result()
            if isinstance(error, MCPError) and error.code == types.CONNECTION_CLOSED:
                # The transport has ended (a stdio client stays entered after its process
                # exits): end the session, and let the owner task record why (bounded).
                self._stop.set()
                ended = asyncio.ensure_future(self._closed.wait())
                await asyncio.wait({ended}, timeout=_STOP_TIMEOUT)
                ended.cancel()
            if isinstance(error, Exception):
                raise _typed(error, self.name, what, self._failure) from error
            raise error
        if self.closed:
            raise self._closed_error(what)
        raise MCPTimeoutError(f"no answer to {what} within {seconds} s", server=self.name)

    def _closed_error(self, what: str) -> MCPConnectionError:
        reason = f" ({_describe(self._failure)})" if self._failure else ""
        return MCPConnectionError(
            f"the connection is closed{reason}; {what} failed", server=self.name
        )
