"""``mypy --strict`` on user-style files proves agent outputs and deps are typed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "typing_cases"


def _mypy(tmp_path: Path, *files: Path) -> str:
    if shutil.which("mypy") is None and not (Path(sys.executable).parent / "mypy").exists():
        pytest.skip("mypy is not installed (it comes with the dev extra)")
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-error-summary",
        "--hide-error-context",
        "--cache-dir",
        str(tmp_path / "cache"),
        *map(str, files),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    return done.stdout + done.stderr


@pytest.mark.timeout(600)  # a cold mypy run; the subprocess is bounded at 600 s
def test_output_and_deps_are_typed_for_the_user(tmp_path: Path) -> None:
    good, wrong = CASES / "agent_typed_user.py", CASES / "agent_typed_wrong.py"
    output = _mypy(tmp_path, good, wrong)
    good_lines = [line for line in output.splitlines() if good.name in line]
    assert good_lines == []
    wrong_lines = [line for line in output.splitlines() if wrong.name in line]
    assert len(wrong_lines) == 2, output
    assert '"Report"' in wrong_lines[0]
    assert '"str"' in wrong_lines[1]
    assert '"int"' in wrong_lines[1]
