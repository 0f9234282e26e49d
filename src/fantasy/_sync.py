"""The one bridge from sync callers to the async core.

Every sync entry point runs its coroutine on a private event loop in a daemon thread.
A stream is consumed by **one** long-lived task on that loop, which feeds a queue the
caller's thread reads; a semaphore bounds how far the producer runs ahead.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterable, Coroutine, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

from fantasy.errors import UsageError

__all__ = ["iter_sync", "run_sync"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_thread: threading.Thread | None = None


def _get_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_thread
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="fantasy-sync-loop", daemon=True
            )
            thread.start()
            _loop, _loop_thread = loop, thread
        if threading.current_thread() is _loop_thread:
            # Blocking here would stop the very loop that must run the call: a deadlock.
            raise UsageError(
                "a blocking (*_sync) fantasy call was made from code running on fantasy's "
                "sync event loop (a callback, hook or async tool of a *_sync run); make "
                "that code async and use the async API (await agent.generate(...))"
            )
        return _loop


def _wait(future: Future[T]) -> T:
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on the private loop and return its result.

    Raises:
        UsageError: When called from the private loop itself (it would deadlock).
    """
    try:
        loop = _get_loop()
    except UsageError:
        coro.close()  # never awaited: close it without a "never awaited" warning
        raise
    return _wait(asyncio.run_coroutine_threadsafe(coro, loop))


_DONE = object()


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def iter_sync(source: AsyncIterable[T], max_ahead: int = 64) -> Iterator[T]:
    """Iterate an async iterable from sync code.

    Closing the returned iterator early cancels the producing task.
    """
    loop = _get_loop()
    items: queue.SimpleQueue[Any] = queue.SimpleQueue()
    started = threading.Event()
    holder: dict[str, asyncio.Semaphore] = {}

    async def pump() -> None:
        room = asyncio.Semaphore(max_ahead)
        holder["room"] = room
        started.set()
        iterator = aiter(source)
        try:
            async for item in iterator:
                await room.acquire()
                items.put(item)
        except asyncio.CancelledError:
            # Close the source now (not at garbage collection) so that its cleanup,
            # such as closing an HTTP stream, runs while the caller waits.
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
            items.put(_DONE)
            raise
        except BaseException as error:  # noqa: BLE001 - handed to the consumer thread
            items.put(_Failure(error))
        else:
            items.put(_DONE)

    future = asyncio.run_coroutine_threadsafe(pump(), loop)
    started.wait()
    room = holder["room"]
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            loop.call_soon_threadsafe(room.release)
            yield item
    finally:
        if not future.done():
            future.cancel()
