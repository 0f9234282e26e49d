"""Load: 1,000 concurrent agent runs with a tool call, on one event loop, default settings.

The provider is built with its defaults only (no ``http_client=``: its own long-lived
client, :data:`fantasy._pool.DEFAULT_LIMITS`, the FIFO gate). The server is a
subprocess on 127.0.0.1 (``_load_server.py``, real sockets) that counts the TCP
connections it accepted. Each batch starts 1,000 runs at once, half streaming, half
not; every run's tool waits at a barrier until all 1,000 runs have called it, so the
runs are provably in flight together. Nothing here is timed: the checks are counts.

Leak checks (Linux ``/proc``):

* after each batch: no task but the test's own, no fantasy run or httpx response
  object alive, at most ``max_keepalive_connections`` sockets more than before (the
  pool's kept-alive connections); after ``provider.aclose()``: no file descriptor
  more than before; after the loop: no thread more than before;
* RSS across batches: the first batch warms up (imports, the pool's connections,
  allocator arenas); the growth from the end of the first batch to the end of the
  third must stay under ``RSS_GROWTH_LIMIT``. A leak of what one run holds (its
  messages, responses, task and HTTP objects: tens of KiB) would add far more over
  the 2,000 runs of the two later batches; allocator noise is a few MiB.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import fantasy
from fantasy._agent_run import AgentRun, ModelRequest
from fantasy._pool import DEFAULT_LIMITS
from fantasy.providers.openai import OpenAIProvider

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc"),
    pytest.mark.timeout(240),
]

RUNS = 1000
BATCHES = 3
SEQUENTIAL = 10
RSS_GROWTH_LIMIT = 8 * 1024 * 1024
KEY = "sk-loopback-load-key-0123456789abcdef"
SERVER = Path(__file__).with_name("_load_server.py")


class LoadServer:
    """The ``_load_server.py`` subprocess: its URL and its connection counts."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        assert process.stdout is not None
        self.url = f"http://127.0.0.1:{process.stdout.readline().strip()}/v1"

    def stats(self) -> dict[str, int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())  # type: ignore[no-any-return]


@pytest.fixture
def server() -> Iterator[LoadServer]:
    process = subprocess.Popen(
        [sys.executable, str(SERVER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=SERVER.parent,
    )
    try:
        yield LoadServer(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the server exits at the end of its stdin
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        assert process.stdout is not None
        process.stdout.close()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def alive(*types: type) -> int:
    return sum(1 for item in gc.get_objects() if isinstance(item, types))


async def until(condition: Any, within: float = 60.0) -> None:
    """Wait (bounded) until ``condition()`` holds; the loop runs meanwhile."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - no event says when a socket is closed
            await asyncio.sleep(0.01)


class Doubler:
    """The run's tool; during a batch every call waits until all ``RUNS`` have called it."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.barrier: asyncio.Barrier | None = None

    async def double(self, n: int) -> str:
        """Double a number."""
        self.calls.append(n)
        if self.barrier is not None:
            async with asyncio.timeout(120):  # all runs reach their tool while all are in flight
                await self.barrier.wait()
        return f"doubled {2 * n}"


async def batch(agent: fantasy.Agent[Any, Any], doubler: Doubler) -> list[str]:
    """``RUNS`` concurrent runs (even ones streaming); each run's final text."""
    doubler.calls.clear()
    doubler.barrier = asyncio.Barrier(RUNS)

    async def run(number: int) -> str:
        prompt = f"double {number}"
        if number % 2:
            return (await agent.generate(prompt)).text
        async with agent.stream(prompt) as events:
            return (await events.result()).text

    try:
        texts = await asyncio.gather(*(run(n) for n in range(RUNS)))
    finally:
        doubler.barrier = None
    assert sorted(doubler.calls) == list(range(RUNS))  # each run's tool ran exactly once
    return texts


def test_a_thousand_concurrent_agent_runs_reuse_connections_and_leak_nothing(
    server: LoadServer,
) -> None:
    threads = threading.active_count()
    figures = asyncio.run(load(server))
    # The loop's executor is gone with it (fewer: a thread of an earlier test ended).
    assert threading.active_count() <= threads
    print("load figures:", figures)


async def load(server: LoadServer) -> dict[str, Any]:
    me = asyncio.current_task()
    fds = open_fds()
    provider = OpenAIProvider(api_key=KEY, base_url=server.url)
    doubler = Doubler()
    tool = fantasy.tool(name="double")(doubler.double)
    agent: fantasy.Agent[Any, Any] = fantasy.Agent(provider.language_model("gpt-4o"), tools=[tool])
    sizes = []
    for number in range(BATCHES):
        texts = await batch(agent, doubler)
        assert texts == [f"answer: doubled {2 * n}" for n in range(RUNS)], f"batch {number}"
        assert asyncio.all_tasks() == {me}
        gc.collect()
        assert alive(AgentRun, ModelRequest, httpx.Response) == 0
        kept = DEFAULT_LIMITS.max_keepalive_connections or 0
        assert open_fds() <= fds + kept  # only the pool's kept-alive connections
        sizes.append(rss())
    stats = server.stats()
    assert stats["requests"] == 2 * RUNS * BATCHES  # a tool call and an answer per run
    limit = DEFAULT_LIMITS.max_connections or 0
    assert stats["peak"] <= limit  # the pool limit held at 1,000 concurrent runs
    # Each batch has two waves of requests (before and after the tools); connections idle
    # longer than the keep-alive expiry (5 s) between waves are replaced, never more.
    assert stats["accepted"] <= 2 * BATCHES * limit
    for _ in range(SEQUENTIAL):
        assert (await agent.generate("double 7")).text == "answer: doubled 14"
    after = server.stats()
    # Sequential runs share one kept-alive connection (a new one if the last had expired).
    assert after["accepted"] <= stats["accepted"] + 1
    growth = sizes[-1] - sizes[0]
    assert growth < RSS_GROWTH_LIMIT, f"RSS grew by {growth / 2**20:.1f} MiB: {sizes}"
    await provider.aclose()
    # Every socket closed (fewer: the collector closed something an earlier test left).
    await until(lambda: open_fds() <= fds)
    await until(lambda: server.stats()["open"] == 0)
    return {
        "runs": RUNS * BATCHES,
        "requests": after["requests"],
        "connections": after["accepted"],
        "peak_open": after["peak"],
        "rss_mib": [round(size / 2**20, 1) for size in sizes],
    }
