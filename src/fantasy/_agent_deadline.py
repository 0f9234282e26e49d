"""An agent run's ``deadline``: how long the loop may work on one run, in all.

:class:`RunDeadline` steps a run's event generator (:meth:`~fantasy._agent_run.AgentRun.events`)
under one absolute deadline, counted from the first event asked for. Only the loop's own
work is bounded (model calls, retries and their waits, tools, hooks), never the caller's
code between two events. Past the deadline, whatever the loop awaits is cancelled (the
model stream and running tools close as on any cancellation), the run's ``error`` is a
:class:`~fantasy.errors.DeadlineExceededError`, ``on_error`` is told and it is raised.
``generate``, ``stream`` and their sync twins all step the loop through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from fantasy._agent_settings import fire
from fantasy.errors import DeadlineExceededError

if TYPE_CHECKING:
    from fantasy._agent_events import AgentEvent
    from fantasy._agent_run import AgentRun

__all__ = ["RunDeadline"]


class RunDeadline:
    """The deadline of one run (``seconds`` from its first event)."""

    __slots__ = ("_at", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at: float | None = None

    async def next(
        self, run: AgentRun[Any, Any], events: AsyncGenerator[AgentEvent, None]
    ) -> AgentEvent:
        """The next of ``events`` (the loop of ``run``), within the deadline.

        Raises:
            StopAsyncIteration: The run ended.
            DeadlineExceededError: The deadline passed.
        """
        loop = asyncio.get_running_loop()
        if self._at is None:
            self._at = loop.time() + self.seconds
        if loop.time() < self._at:
            scope = asyncio.timeout_at(self._at)
            try:
                async with scope:
                    return await events.__anext__()
            except TimeoutError:
                if not scope.expired():
                    raise
        await events.aclose()  # already closed when the deadline cancelled its await
        run.error = DeadlineExceededError(
            f"the agent run passed its deadline of {self.seconds:g}s",
            provider=run.model.provider,
        )
        await fire(run.settings.on_error, run.error)
        raise run.error
