import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from fantasy._sync import iter_sync, run_sync


async def numbers(n: int, log: list[str]) -> AsyncIterator[int]:
    try:
        for i in range(n):
            await asyncio.sleep(0)
            yield i
    finally:
        log.append("closed")


def test_run_sync_returns_and_raises() -> None:
    async def ok() -> int:
        return 42

    async def boom() -> None:
        raise ValueError("bad")

    assert run_sync(ok()) == 42
    with pytest.raises(ValueError, match="bad"):
        run_sync(boom())


def test_iter_sync_yields_all_items_in_order() -> None:
    log: list[str] = []
    assert list(iter_sync(numbers(200, log), max_ahead=4)) == list(range(200))
    assert log == ["closed"]


def test_iter_sync_early_close_cancels_producer() -> None:
    log: list[str] = []
    iterator = iter_sync(numbers(10_000, log), max_ahead=2)
    assert next(iterator) == 0
    iterator.close()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30  # bounded; generous for a loaded machine
    while not log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert log == ["closed"]


def test_iter_sync_propagates_errors() -> None:
    async def failing() -> AsyncIterator[int]:
        yield 1
        raise RuntimeError("stream broke")

    iterator = iter_sync(failing())
    assert next(iterator) == 1
    with pytest.raises(RuntimeError, match="stream broke"):
        next(iterator)
