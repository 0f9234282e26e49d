"""Usage errors: exit code 2 and one clear line on stderr, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli_helpers import InProcess, run_cli


def assert_usage_error(completed: object, *fragments: str) -> str:
    stderr: str = completed.stderr  # type: ignore[attr-defined]
    assert completed.returncode == 2, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("fantasy: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["-m", "openaicompat:qwen3"], ["--base-url", "OPENAI_COMPAT_BASE_URL"]),
        (["-m", "nope:model"], ["unknown provider 'nope'"]),
        (["-m", "no-colon"], ["expected 'provider:model'"]),
        (["-m", "openai:gpt-4o"], ["OPENAI_API_KEY"]),
        (["-m", "anthropic:claude"], ["ANTHROPIC_API_KEY"]),
        (["--base-url", "http://127.0.0.1:9/v1"], ["--base-url needs --model"]),
        (["--base-url", "ftp://host"], ["--base-url", "http://"]),
        (["--max-steps", "0"], ["--max-steps", "at least 1"]),
        (["--frobnicate"], ["unrecognized arguments: --frobnicate", "fantasy --help"]),
        (["--tools", "nomodule"], ["--tools nomodule", "MODULE:ATTRIBUTE"]),
        (["--tools", "no_such_module_xyz:tools"], ["cannot import no_such_module_xyz"]),
        (["--tools", "fantasy:nothing_here"], ["has no 'nothing_here'"]),
        (["--tools", "fantasy:__version__"], ["str is not a tool"]),
    ],
)
def test_run_usage_errors(fantasy_main: InProcess, args: list[str], fragments: list[str]) -> None:
    assert_usage_error(fantasy_main("run", "hi", *args), *fragments)


def test_usage_errors_of_the_real_process() -> None:
    assert_usage_error(run_cli("run", "hi", "-m", "openaicompat:qwen3"), "--base-url")


def test_a_key_in_the_environment_is_never_printed() -> None:
    key = "sk-secret-0123456789abcdef"
    completed = run_cli("run", "hi", "-m", "openai:gpt-4o", "--bogus", OPENAI_API_KEY=key)
    assert_usage_error(completed)
    assert key not in completed.stderr + completed.stdout


def test_missing_command_and_unknown_command(fantasy_main: InProcess) -> None:
    assert_usage_error(fantasy_main(), "required")
    assert_usage_error(fantasy_main("frobnicate"), "invalid choice")


def test_provider_that_takes_no_base_url(fantasy_main: InProcess) -> None:
    # The offline test provider accepts and ignores every setting.
    completed = fantasy_main("run", "-m", "test:x", "--base-url", "http://127.0.0.1:9/v1", "hi")
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "No such file"),
        ("{not json", "not JSON"),
        ('{"a": 1}', "expected a JSON list"),
        ('[{"role": "nobody"}]', "not a saved conversation"),
    ],
)
def test_bad_resume_file(
    fantasy_main: InProcess, tmp_path: Path, content: str | None, fragment: str
) -> None:
    path = tmp_path / "talk.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    completed = fantasy_main("chat", "--resume", str(path), stdin="hi\n")
    assert_usage_error(completed, f"--resume {path}", fragment)
