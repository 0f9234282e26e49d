"""Two worker processes on one real PostgreSQL share a DBOS queue of 60 agent runs; one
worker is killed mid-way and restarted; every run completes exactly once.

PostgreSQL comes from Debian's ``postgresql`` package (``.ci/run`` installs it): the
fixture runs ``initdb`` and ``pg_ctl`` on a temporary directory, listening on
127.0.0.1 only, and stops the server afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("dbos", reason="durable runs need the dbos extra")

# Its own bounded waits (a database start, three worker launches, 60 runs) exceed the default
# 60 s per test on a loaded machine; this bounds the whole.
pytestmark = pytest.mark.timeout(600)

WORKER = Path(__file__).with_name("worker.py")
RUNS = 60


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root: run the server as the postgres user then.
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip(
            "PostgreSQL is not installed (Debian's postgresql package; .ci/run installs it)"
        )
    # Not under pytest's private temp folder: the postgres user must reach this one.
    root = Path(tempfile.mkdtemp(prefix="fantasy-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(
        _as_postgres([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
    subprocess.run(
        _as_postgres(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/fantasy_dbos_test"
    finally:
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
            timeout=120,
        )


def _worker(url: str, counters: Path, executor: str) -> subprocess.Popen[bytes]:
    log = counters.parent / f"{executor}.log"
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, str(WORKER), url, str(counters), executor],
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _done(counters: Path) -> int:
    return len(list(counters.glob("*.model-2")))


def _wait(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_two_workers_share_a_queue_and_survive_a_kill(postgres_url: str, tmp_path: Path) -> None:
    from dbos import DBOSClient

    counters = tmp_path / "counters"
    counters.mkdir()
    first = _worker(postgres_url, counters, "worker-a")
    second: subprocess.Popen[bytes] | None = None
    client: DBOSClient | None = None
    try:
        # One worker migrates the new database first (two at once race), then the other joins;
        # runs are enqueued once both have launched.
        _wait(lambda: (tmp_path / "ready-worker-a").exists(), 120)
        second = _worker(postgres_url, counters, "worker-b")
        _wait(lambda: (tmp_path / "ready-worker-b").exists(), 120)
        client = DBOSClient(system_database_url=postgres_url)
        for i in range(RUNS):
            options = {
                "queue_name": "fantasy-pg-queue",
                "workflow_name": "fantasy.agent.pg-runs",
                "workflow_id": f"run-{i}",
            }
            client.enqueue(options, {"prompt": f"run-{i}", "messages": []})  # type: ignore[arg-type]
        _wait(lambda: _done(counters) >= 10, 120)
        first.send_signal(signal.SIGKILL)  # mid-way: some of its runs are in flight
        first.wait(timeout=30)
        first = _worker(postgres_url, counters, "worker-a")  # same executor id: recovers
        _wait(lambda: _succeeded(client) >= RUNS, 180)  # the database says so, not the counters
        statuses = client.list_workflows(name="fantasy.agent.pg-runs", load_input=False)
        assert sorted(s.workflow_id for s in statuses if s.status == "SUCCESS") == sorted(
            f"run-{i}" for i in range(RUNS)
        )
        executors = {s.executor_id for s in statuses}
        assert executors == {"worker-a", "worker-b"}  # both workers took runs
        # The queue's rate limit (5 runs a second) held across both workers.
        starts = sorted(s.dequeued_at for s in statuses if s.dequeued_at is not None)
        assert len(starts) == RUNS
        busiest = max(sum(1 for t in starts if start <= t < start + 1000) for start in starts)
        assert busiest <= 5, busiest
        for i in range(RUNS):
            for what in ("model-1", "tool", "model-2"):
                lines = (counters / f"run-{i}.{what}").read_text().splitlines()
                # exactly once, except a step cut by the kill, which ran once more
                assert 1 <= len(lines) <= 2, (i, what, lines)
        repeated = [p.name for p in counters.glob("run-*") if len(p.read_text().splitlines()) > 1]
        assert len(repeated) <= 4  # at most the runs worker-a had in flight (concurrency 4)
    finally:
        (counters / "stop").write_text("stop")
        for process in (first, second):
            if process is None:
                continue
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        if client is not None:
            client.destroy()


def _succeeded(client: object) -> int:
    statuses = client.list_workflows(  # type: ignore[attr-defined]
        name="fantasy.agent.pg-runs", status="SUCCESS", load_input=False, load_output=False
    )
    return len(statuses)
