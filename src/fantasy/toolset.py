"""Toolsets: sources of tools with an async lifecycle, placed in an agent's ``tools=[...]``.

A :class:`Toolset` supplies tools when a run starts instead of when the agent is built
(an MCP server lists its tools over a connection, for example). The agent treats every
toolset in ``tools`` the same way:

* when a run starts, it enters the toolset (``async with``) and awaits :meth:`Toolset.tools`;
  the tools it returns join the agent's own tools for that run (names must stay unique);
* when the run ends (finished, failed, closed or cancelled), it exits the toolset.

Entering is counted: a toolset that the application already entered stays open across
runs, and one that nobody entered is opened by the run and closed with it. Subclasses
implement :meth:`Toolset.tools` and, when they hold a resource, :meth:`Toolset.open` and
:meth:`Toolset.close`; the counting lives here once.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Self

from fantasy.errors import InvalidArgumentError

if TYPE_CHECKING:
    from fantasy.agent_tools import AnyTool

__all__ = ["Toolset", "check_unique", "open_toolsets"]


class Toolset(ABC):
    """A source of tools for agent runs, with a counted async lifecycle (see the module)."""

    _entered: int = 0
    _lock: asyncio.Lock | None = None

    def _guard(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    @property
    def is_open(self) -> bool:
        """Whether some ``async with`` (the application's or a run's) holds it open."""
        return self._entered > 0

    async def __aenter__(self) -> Self:
        async with self._guard():
            if self._entered == 0:
                await self.open()
            self._entered += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        async with self._guard():
            self._entered -= 1
            if self._entered == 0:
                await self.close()

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Acquire the toolset's resources (called on the first enter)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release them (called when the last holder exits)."""

    @abstractmethod
    async def tools(self) -> Sequence[AnyTool]:
        """The tools of this toolset now (called while it is open)."""


async def open_toolsets(
    stack: AsyncExitStack, static: Sequence[AnyTool], toolsets: Sequence[Toolset]
) -> tuple[AnyTool, ...]:
    """Enter every toolset on ``stack``; the run's tools: ``static`` then each toolset's.

    Raises:
        InvalidArgumentError: Two tools share a name.
    """
    tools = list(static)
    for toolset in toolsets:
        await stack.enter_async_context(toolset)
        tools.extend(await toolset.tools())
    check_unique(tools, hint=" (a toolset's prefix avoids clashes)")
    return tuple(tools)


def check_unique(tools: Sequence[AnyTool], *, hint: str = "") -> None:
    """Raise :class:`InvalidArgumentError` when two tools share a name."""
    counts = Counter(t.name for t in tools)
    duplicates = sorted(name for name, count in counts.items() if count > 1)
    if duplicates:
        raise InvalidArgumentError(f"duplicate tool name(s): {duplicates}{hint}", argument="tools")
