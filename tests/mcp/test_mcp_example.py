"""examples/mcp_agent.py runs offline against the test MCP server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp", reason="the 'mcp' extra is not installed (pip install 'fantasy[mcp]')")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mcp_agent.py"


@pytest.mark.timeout(180)
def test_mcp_example_runs_offline() -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=150, check=True
    )
    lines = completed.stdout.splitlines()
    assert lines[0] == "tools: ['demo_echo', 'demo_weather', 'demo_slow']"
    assert 'called demo_weather({"city": "Florence"})' in lines
    assert any(line.startswith("  [demo_slow] step 4") for line in lines)
    assert lines[-1].endswith("demo_slow: slept 1.5s")
