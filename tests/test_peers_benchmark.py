"""Smoke test of benchmarks/peers at tiny N: every dialect and kind runs and checks exactly.

Timing figures are never asserted (speed lives in the benchmark, not in tests), and the
peers (openai/anthropic SDKs, pydantic-ai, LiteLLM) are not needed: the benchmark skips
what is not importable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PEERS = Path(__file__).resolve().parent.parent / "benchmarks" / "peers"
sys.path.insert(0, str(PEERS))

from clients import collect  # noqa: E402
from scenarios import DIALECTS, KINDS, expected, sse  # noqa: E402


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("kind", KINDS)
def test_scenario_events_carry_exactly_the_expected_result(dialect: str, kind: str) -> None:
    data = [line[6:] for event in sse(dialect, kind, 7) for line in event.split(b"\n")
            if line.startswith(b"data: ")]  # fmt: skip
    text, args, reasoning = collect(dialect, data)
    want_text, want_args, want_reasoning = expected(dialect, kind, 7)
    assert (text, reasoning) == (want_text, want_reasoning)
    assert (json.loads(args) if args else None) == want_args


@pytest.mark.timeout(660)  # the run is bounded at 600 s
def test_peer_benchmark_runs_every_dialect_at_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "peers.json"
    cmd = [sys.executable, str(PEERS / "run.py"), "--sizes", "10", "20", "--reps", "1"]
    cmd += ["--paced-n", "5", "--pace-ms", "0.1", "--concurrency", "3x10"]
    cmd += ["--clients", "asyncio-floor", "fantasy-agent", "--import-runs", "1", "--no-install"]
    cmd += ["--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["failed"] == []
    rows = {(r["client"], r["dialect"], r["kind"], r["n"], r["mode"]) for r in report["sequential"]}
    for client in ("asyncio-floor", "fantasy-agent"):
        for dialect in DIALECTS:
            for kind in KINDS:
                assert (client, dialect, kind, 5, "paced") in rows
                for n in (10, 20):
                    assert (client, dialect, kind, n, "burst") in rows
    assert {r["client"] for r in report["concurrent"]} == {"fantasy-agent"}
    assert set(report["imports_ms"]) >= {"import fantasy", "from fantasy import Agent, tool"}
    statuses = {t["target"]: t["status"] for t in report["targets"]}
    assert "agent stream, default, chat: flat in N (µs at N=20 / N=10)" in statuses
    assert "| fantasy-agent |" in done.stdout
    assert "| target (issue 13) |" in done.stdout
