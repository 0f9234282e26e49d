"""The command against a loopback OpenAI-compatible server, with pipes (not a terminal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli_fake_server import PARTIAL, SECOND, FakeServer
from _cli_helpers import InProcess, run_cli

from fantasy import cli


def compat(fake: FakeServer, *args: str) -> tuple[str, ...]:
    return ("-m", "openaicompat:qwen3", "--base-url", fake.url, *args)


def test_openaicompat_with_base_url_needs_no_key(fake: FakeServer) -> None:
    completed = run_cli("run", *compat(fake, "hi"))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "You said: hi (2 messages)\n"
    assert cli.OFFLINE_NOTICE not in completed.stderr
    assert "(openai-compat:qwen3)" in completed.stderr
    [seen] = fake.requests
    assert seen.path == "/v1/chat/completions"
    assert "authorization" not in seen.headers
    assert seen.body["model"] == "qwen3"


def test_openai_compat_environment_variables(fantasy_main: InProcess, fake: FakeServer) -> None:
    key = "local-key-0123456789"
    completed = fantasy_main(
        "run",
        "-m",
        "openaicompat:qwen3",
        "hi",
        OPENAI_COMPAT_BASE_URL=fake.url,
        OPENAI_COMPAT_API_KEY=key,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("You said: hi")
    assert fake.requests[0].headers["authorization"] == f"Bearer {key}"


def test_fantasy_model_and_openai_base_url(fantasy_main: InProcess, fake: FakeServer) -> None:
    completed = fantasy_main(
        "run",
        "hi",
        FANTASY_MODEL="openai:gpt-4o",
        OPENAI_API_KEY="sk-test-0123456789",
        OPENAI_BASE_URL=fake.url,
    )
    assert completed.returncode == 0, completed.stderr
    assert "(openai:gpt-4o)" in completed.stderr
    assert fake.requests[0].path == "/v1/chat/completions"
    # --base-url wins over the variable
    completed = fantasy_main(
        "run",
        "--base-url",
        fake.url.replace("/v1", "/elsewhere"),
        "hi",
        OPENAI_API_KEY="sk-test-0123456789",
        OPENAI_BASE_URL=fake.url,
    )
    assert completed.returncode == 1
    assert fake.requests[-1].path == "/elsewhere/chat/completions"


# --- retries mid-stream ----------------------------------------------------------------------


def test_mid_stream_retry_writes_only_the_final_answer_to_a_pipe(
    fantasy_main: InProcess, fake: FakeServer
) -> None:
    completed = fantasy_main("run", "-q", *compat(fake, "fail-once please"))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == SECOND + "\n"
    assert completed.stderr == ""  # -q: no retry notice either
    assert len(fake.requests) == 2


def test_each_retry_is_reported_once(fake: FakeServer, tmp_path: Path) -> None:
    # A real process: no log handler but the command's own may print the retry again.
    answer = tmp_path / "answer.txt"
    completed = run_cli("run", *compat(fake, "fail-once again"))
    answer.write_text(completed.stdout, encoding="utf-8")
    assert completed.returncode == 0, completed.stderr
    assert answer.read_text(encoding="utf-8") == SECOND + "\n"
    assert PARTIAL not in completed.stdout
    retries = [line for line in completed.stderr.splitlines() if "retry" in line]
    assert len(retries) == 1, completed.stderr
    assert retries[0].startswith("↻ retry 1 in ")
    assert "the server closed the connection early" in retries[0]


def test_json_events(fantasy_main: InProcess, fake: FakeServer) -> None:
    completed = fantasy_main("run", "--json", *compat(fake, "fail-once json"))
    assert completed.returncode == 0, completed.stderr
    events = [json.loads(line) for line in completed.stdout.splitlines()]
    types = [event["type"] for event in events]
    assert types[0] == "step-start"
    assert types[-2:] == ["step-finish", "result"]
    assert types.count("retry") == 1
    retry = events[types.index("retry")]
    assert retry["attempt"] == 1
    assert retry["error"]["type"] == "ProviderError"
    after = types.index("retry")
    final = "".join(e["delta"] for e in events[after:] if e["type"] == "text-delta")
    assert final == SECOND
    assert events[-1]["text"] == SECOND
    assert events[-1]["usage"]["total_tokens"] > 0
    assert events[-1]["model"] == "openai-compat:qwen3"
    assert events[-1]["stop_reason"] == "finished"
    assert retry["discarded"] == types.index("retry") - 1  # every part since step-start
    assert "retry" not in completed.stderr  # reported once: in the JSON stream


def test_json_reports_a_failed_run_as_a_last_line(
    fantasy_main: InProcess, fake: FakeServer
) -> None:
    completed = fantasy_main(
        "run", "--json", "-m", "openaicompat:m", "--base-url", fake.url + "x", "a"
    )
    assert completed.returncode == 1
    last = json.loads(completed.stdout.splitlines()[-1])
    assert last["type"] == "error"
    assert last["error"]["status"] == 404
    assert completed.stderr.startswith("fantasy: error: ")
    assert len(completed.stderr.splitlines()) == 1


# --- tools and the step cap ------------------------------------------------------------------

TOOLS = '''
import fantasy


@fantasy.tool
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"


def whisper(text: str) -> str:
    """Say it softer."""
    return text.lower()


tools = [shout, whisper]
'''


def test_tools_option_loads_the_users_tools(fake: FakeServer, tmp_path: Path) -> None:
    (tmp_path / "mytools.py").write_text(TOOLS, encoding="utf-8")
    prompt = 'call shout {"text": "hello"}'
    completed = run_cli("run", "--tools", "mytools:tools", *compat(fake, prompt), cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "tool said: HELLO!\n"
    assert '→ shout({"text": "hello"})' in completed.stderr
    sent = [tool["function"]["name"] for tool in fake.requests[0].body["tools"]]
    assert sent == ["shout", "whisper"]


@pytest.mark.parametrize(
    ("attribute", "prompt", "answer"),
    [
        ("shout", 'call shout {"text": "hi"}', "tool said: HI!"),
        ("whisper", 'call whisper {"text": "QUIET"}', "tool said: quiet"),  # a plain function
    ],
)
def test_tools_from_a_file(
    fantasy_main: InProcess,
    fake: FakeServer,
    tmp_path: Path,
    attribute: str,
    prompt: str,
    answer: str,
) -> None:
    path = tmp_path / "mytools.py"
    path.write_text(TOOLS, encoding="utf-8")
    completed = fantasy_main("run", "--tools", f"{path}:{attribute}", *compat(fake, prompt))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == answer + "\n"
    assert [tool["function"]["name"] for tool in fake.requests[0].body["tools"]] == [attribute]


def test_step_cap_is_visible(fantasy_main: InProcess, fake: FakeServer) -> None:
    completed = fantasy_main("run", "--max-steps", "2", *compat(fake, "loop"))
    assert completed.returncode == 0, completed.stderr
    notices = [line for line in completed.stderr.splitlines() if "step cap" in line]
    assert notices == [
        "stopped at the step cap (2 steps) with tool calls still pending; "
        "raise it with --max-steps N"
    ]
    assert len(fake.requests) == 2
    quiet = fantasy_main("run", "-q", "--max-steps", "1", *compat(fake, "loop"))
    assert quiet.stderr == ""


def test_a_finished_run_has_no_step_cap_notice(fantasy_main: InProcess, fake: FakeServer) -> None:
    completed = fantasy_main("run", "--max-steps", "1", *compat(fake, "hi"))
    assert completed.returncode == 0, completed.stderr
    assert "step cap" not in completed.stderr


# --- chat from stdin: save and resume --------------------------------------------------------


def test_chat_save_and_resume_from_a_script(
    fantasy_main: InProcess, fake: FakeServer, tmp_path: Path
) -> None:
    saved = tmp_path / "talk.json"
    script = f"remember kiwi\n/save {saved}\n/exit\n"
    completed = fantasy_main("chat", *compat(fake), stdin=script)
    assert completed.returncode == 0, completed.stderr
    assert f"saved 2 messages to {saved}" in completed.stderr
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert [m["role"] for m in data] == ["user", "assistant"]

    completed = fantasy_main("chat", "--resume", str(saved), *compat(fake), stdin="which fruit?\n")
    assert completed.returncode == 0, completed.stderr
    assert f"resumed 2 messages from {saved}" in completed.stderr
    assert completed.stdout == "You said: which fruit? (4 messages)\n"
    sent = fake.requests[-1].messages
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"] == "remember kiwi"
