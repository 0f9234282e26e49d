"""How long `fantasy web` takes from process start to its first answered request.

Runs `python -m fantasy web --port 0` (offline: provider keys removed) N times, waits
for the printed address, times the first successful GET of the page, stops the server.
Prints the median, the fastest and the slowest run, and the CPU time the start cost.

    python benchmarks/web_startup.py [RUNS]
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time

import httpx


def once() -> float:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    begun = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "fantasy", "web", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not match:
            raise SystemExit(f"no address printed: {line!r}")
        httpx.get(match.group(0), timeout=30).raise_for_status()
        wall = time.perf_counter() - begun
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    return wall


def main() -> None:
    import resource

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    walls = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        walls.append(once())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / runs
    print(f"fantasy web, {runs} runs, process start to first page answered:")
    median, fastest, slowest = statistics.median(walls), min(walls), max(walls)
    print(f"  median {median:.3f} s, fastest {fastest:.3f} s, slowest {slowest:.3f} s")
    print(f"  CPU time per run (start, one request, shutdown): {cpu:.3f} s")
    print(f"  load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
