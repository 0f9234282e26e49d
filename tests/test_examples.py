"""Every script in examples/ runs offline, as a user would run it, and says what it did."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
# What each example needs beyond the core, and a line its output must hold.
NEEDS = {"mcp_agent.py": "mcp", "traced_run.py": "opentelemetry.sdk"}
EXPECT = {
    "tool_agent.py": "answer:",
    "live_stream.py": "total tokens",
    "structured_output.py": '"city"',
    "chat_resume.py": "messages saved",
    "traced_run.py": "invoke_agent",
    "mcp_agent.py": "answer:",
}
KEYS = ("_API_KEY", "_BASE_URL", "AWS_BEARER_TOKEN_BEDROCK", "GOOGLE_CLOUD_PROJECT")


def test_every_example_is_listed() -> None:
    assert {p.name for p in SCRIPTS} == set(EXPECT)


@pytest.mark.timeout(180)  # the run itself is bounded at 120 s
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_runs_offline(script: Path, tmp_path: Path) -> None:
    need = NEEDS.get(script.name)
    if need is not None and importlib.util.find_spec(need.split(".")[0]) is None:
        pytest.skip(f"{script.name} needs {need} (a dev extra)")
    if need is not None and "." in need:
        pytest.importorskip(need, reason=f"{script.name} needs {need}")
    env = {k: v for k, v in os.environ.items() if not any(key in k for key in KEYS)}
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert EXPECT[script.name] in done.stdout, done.stdout[-2000:]
