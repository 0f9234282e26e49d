"""Smoke test of benchmarks/peers/run.py at tiny N: it runs, checks results, writes JSON.

Timing figures are never asserted (speed lives in the benchmark, not in tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "peers" / "run.py"


@pytest.mark.timeout(360)  # the run is bounded at 300 s
def test_peer_benchmark_runs_at_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "peers.json"
    cmd = [sys.executable, str(RUN), "--sizes", "20", "--reps", "1", "--concurrency", "3x10"]
    cmd += ["--clients", "fantasy-agent", "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    rows = {(r["client"], r["kind"]) for r in report["sequential"]}
    assert rows == {("fantasy-agent", "text"), ("fantasy-agent", "tool")}
    assert {r["client"] for r in report["concurrent"]} == {"fantasy-agent"}
    assert "| fantasy-agent |" in done.stdout
