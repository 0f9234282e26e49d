"""What a running tool may hand back to its run besides its result: usage and events.

An agent used as a tool (:meth:`fantasy.agent.Agent.as_tool`) spends model usage and
produces events of its own. While a tool runs, :func:`current_scope` gives it a
:class:`ToolScope` (a context variable set around the call, so parallel tools each see
their own): :meth:`ToolScope.add_usage` rolls usage up into the parent run (its step's
``tool_usage``, the run's usage and therefore its limits), and :meth:`ToolScope.emit`
puts an event into the parent's stream, wrapped in a :class:`ToolEvent`.

Events reach the parent's stream while the tools run: :class:`ToolEvents` runs a tool
batch as a task and yields what the tools emit until the batch is done. In
non-streaming runs nothing is forwarded and the batch is awaited directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from fantasy.usage import Usage

__all__ = ["ToolEvents", "ToolScope", "current_scope", "in_scope"]

T = TypeVar("T")

_SCOPE: ContextVar[ToolScope | None] = ContextVar("fantasy_tool_scope", default=None)


class ToolScope:
    """The running tool's channel back to its run.

    Attributes:
        tool_call_id: The call being run.
        tool_name: The tool's name.
        usage: Usage the tool reported so far.
        streaming: Whether the run streams (and so forwards events).
    """

    __slots__ = ("_emit", "streaming", "tool_call_id", "tool_name", "usage")

    def __init__(
        self,
        tool_call_id: str,
        tool_name: str,
        emit: Callable[[Any], Awaitable[None]] | None,
    ) -> None:
        self.tool_call_id = tool_call_id
        self.tool_name = tool_name
        self.usage = Usage()
        self.streaming = emit is not None
        self._emit = emit

    def add_usage(self, usage: Usage) -> None:
        """Count ``usage`` (model calls the tool made) in the parent run."""
        self.usage = self.usage + usage

    async def emit(self, event: Any) -> None:
        """Forward ``event`` to the parent's stream (a no-op when the run does not stream)."""
        if self._emit is not None:
            from fantasy._agent_events import ToolEvent

            await self._emit(
                ToolEvent(tool_call_id=self.tool_call_id, tool_name=self.tool_name, event=event)
            )


def current_scope() -> ToolScope | None:
    """The scope of the tool running in this task, if any."""
    return _SCOPE.get()


async def in_scope(scope: ToolScope, work: Awaitable[T]) -> T:
    """Await ``work`` with ``scope`` as the current scope."""
    token = _SCOPE.set(scope)
    try:
        return await work
    finally:
        _SCOPE.reset(token)


class ToolEvents(Generic[T]):
    """Run one tool batch while yielding the events its tools emit (streaming runs).

    Iterate :meth:`run`, then read :attr:`result`. Closing the iteration early cancels
    the batch (and so its tools).
    """

    def __init__(self, streaming: bool) -> None:
        self._queue: asyncio.Queue[Any] | None = asyncio.Queue() if streaming else None
        self.result: T | None = None

    @property
    def emit(self) -> Callable[[Any], Awaitable[None]] | None:
        """How tools emit events (``None``: not forwarded)."""
        return None if self._queue is None else self._queue.put

    async def run(self, work: Coroutine[Any, Any, T]) -> AsyncGenerator[Any, None]:
        """Run ``work``; yield the emitted events as they come."""
        queue = self._queue
        if queue is None:
            self.result = await work
            return
        task = asyncio.ensure_future(work)
        try:
            while not task.done():
                getter = asyncio.ensure_future(queue.get())
                try:
                    await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    if not getter.done():
                        getter.cancel()
                if getter.done() and not getter.cancelled():
                    yield getter.result()
            while not queue.empty():
                yield queue.get_nowait()
            self.result = task.result()
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
