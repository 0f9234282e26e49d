"""Running the command in tests: a clean environment, a subprocess with pipes, a pty."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without provider credentials, base URLs or fantasy settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.endswith(("_API_KEY", "_TOKEN", "_BASE_URL"))
        and not key.startswith(("AWS_", "AZURE_", "GOOGLE_", "VERTEX", "FANTASY_"))
    }
    env.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", "FANTASY_HISTORY_FILE": ""})
    env.update(extra)
    return env


def run_cli(
    *args: str, stdin: str = "", cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m fantasy ARGS`` with pipes for stdin, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "fantasy", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(**env),
        timeout=90,
        check=False,
        cwd=cwd,
    )


def spawn(*args: str, dimensions: tuple[int, int] = (40, 200), **env: str) -> Any:
    """``python -m fantasy ARGS`` in a real pseudo-terminal (a ``pexpect.spawn``).

    Skips the test when pexpect (the ``dev`` extra) is missing or ptys are not available.
    """
    pexpect = pytest.importorskip("pexpect", reason="pexpect (dev extra) runs the pty tests")
    if not hasattr(pexpect, "spawn"):
        pytest.skip("pexpect.spawn needs a POSIX pseudo-terminal")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "fantasy", *args],
        env=clean_env(**{"TERM": "xterm", **env}),
        encoding="utf-8",
        codec_errors="replace",
        timeout=30,
        dimensions=dimensions,
    )
    return child


def finish(child: Any, timeout: float = 30) -> int:
    """Wait for ``child`` to exit (closing it for sure) and return its exit status."""
    import pexpect

    try:
        child.expect(pexpect.EOF, timeout=timeout)
    finally:
        child.close(force=True)
    status: int = child.exitstatus if child.exitstatus is not None else -1
    return status


@dataclass(frozen=True)
class Outcome:
    """What a run of the command left: exit code, stdout, stderr."""

    returncode: int
    stdout: str
    stderr: str


class InProcess:
    """Runs ``fantasy.cli.main`` in this process (fast), with a clean environment.

    stdout and stderr are pytest's captures (not terminals), stdin is the given text.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self._monkeypatch = monkeypatch
        self._capsys = capsys

    def __call__(self, *args: str, stdin: str = "", **env: str) -> Outcome:
        from fantasy import cli

        wanted = clean_env(**env)
        for key in list(os.environ):
            if key not in wanted:
                self._monkeypatch.delenv(key)
        for key, value in wanted.items():
            self._monkeypatch.setenv(key, value)
        self._monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self._capsys.readouterr()
        try:
            code = cli.main(list(args))
        except SystemExit as exit:  # argparse's own exits (--help, bad arguments)
            code = exit.code if isinstance(exit.code, int) else 1
        captured = self._capsys.readouterr()
        return Outcome(code, captured.out, captured.err)
