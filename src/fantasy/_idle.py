"""Stream idle timeout with one timer per idle period, not one per event.

``asyncio.timeout`` around every read would allocate a timer handle (and copy the
context) for each event of a stream; :class:`IdleWatchdog` keeps one timer armed and
only moves a deadline per event (a float store). Time the consumer spends between
reads does not count: only the wait for the next item does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["IdleWatchdog"]


class IdleWatchdog:
    """Cancels the reading task when no item arrives within ``timeout`` seconds.

    ``timeout=None`` never fires (the calls cost next to nothing then).

    Call :meth:`waiting` before awaiting the next item and :meth:`received` after it
    arrived; when the await raises ``CancelledError`` and :attr:`expired` is set, the
    cancellation came from the watchdog (undo it with ``task.uncancel()``).
    """

    __slots__ = (
        "_clock",
        "_deadline",
        "_handle",
        "_loop",
        "_task",
        "_timeout",
        "cancelling_before",
        "expired",
    )

    def __init__(self, timeout: float | None) -> None:
        self._timeout = timeout
        self._loop = asyncio.get_running_loop()
        # Speed: the standard loop's clock is time.monotonic; calling it directly saves
        # a Python frame per read. Any other loop (uvloop) keeps its own clock.
        base = getattr(self._loop.time, "__func__", None) is asyncio.BaseEventLoop.time
        self._clock: Callable[[], float] = time.monotonic if base else self._loop.time
        self._task: asyncio.Task[object] | None = None
        self._deadline = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self.expired = False
        self.cancelling_before = 0

    def waiting(self) -> None:
        """The current task starts waiting for the next item."""
        timeout = self._timeout
        if timeout is None:
            return  # no idle timeout
        task = self._task = asyncio.current_task(self._loop)
        # Pending cancellations before the wait: one added later by someone else must
        # still propagate even when the watchdog fires at the same moment.
        self.cancelling_before = task.cancelling() if task is not None else 0
        self._deadline = self._clock() + timeout
        if self._handle is None:
            self._handle = self._loop.call_at(self._deadline, self._check)

    def received(self) -> None:
        """An item arrived: the consumer's own time does not count as idle."""
        self._task = None

    def close(self) -> None:
        """Disarm the timer."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._task = None

    def _check(self) -> None:
        self._handle = None
        task = self._task
        if task is None:
            return  # not waiting; the next waiting() re-arms
        if self._clock() < self._deadline:
            self._handle = self._loop.call_at(self._deadline, self._check)
            return
        self.expired = True
        task.cancel()
