"""The command in a real pseudo-terminal (pexpect) against the loopback fake server.

Typing with line editing and arrow keys, input history, Ctrl-C during a slow answer,
Ctrl-D, the waiting indicator, dimmed reasoning, the retry notice, /save then --resume.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from _cli_fake_server import PARTIAL, SECOND, FakeServer
from _cli_helpers import finish, spawn

pytest.importorskip("pexpect", reason="pexpect (dev extra) runs the pty tests")

# Each test waits for several outputs (each bounded at 30 s) from processes that start slowly
# on a loaded machine.
pytestmark = pytest.mark.timeout(180)

UP = "\x1b[A"
LEFT = "\x1b[D"
PROMPT = "\n> "


def chat(fake: FakeServer, *args: str, **env: str) -> tuple[Any, io.StringIO]:
    child = spawn("chat", "-m", "openaicompat:qwen3", "--base-url", fake.url, *args, **env)
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect_exact("Ctrl-C cancels an answer")
    child.expect_exact(PROMPT)
    return child, transcript


def answer(child: Any, text: str) -> str:
    """Wait for the answer line that starts with ``text`` and for the next prompt."""
    child.expect_exact(text)
    child.expect_exact("session: ")
    child.expect_exact(PROMPT)
    return str(child.before)


def test_typing_line_editing_and_history(fake: FakeServer, tmp_path: Path) -> None:
    history = str(tmp_path / "history")
    child, _ = chat(fake, FANTASY_HISTORY_FILE=history)
    child.send(f"helo{LEFT}l\r")  # a typo fixed with the left arrow
    answer(child, "You said: hello (2 messages)")
    child.send(f"{UP}\r")  # the up arrow brings "hello" back
    answer(child, "You said: hello (4 messages)")
    child.sendline("/exit")
    assert finish(child) == 0
    assert [seen.last_user for seen in fake.requests] == ["hello", "hello"]

    # The history is kept for the next session ("/exit" is its last line).
    child, _ = chat(fake, FANTASY_HISTORY_FILE=history)
    child.send(f"{UP}{UP}\r")
    answer(child, "You said: hello (2 messages)")
    child.sendeof()  # Ctrl-D quits
    assert finish(child) == 0


def test_ctrl_c_cancels_the_answer_and_returns_to_the_prompt(fake: FakeServer) -> None:
    child, transcript = chat(fake)
    child.sendline("slow story")
    child.expect_exact("word2 ")
    child.sendintr()
    child.expect_exact("cancelled")
    child.expect_exact(PROMPT)
    child.sendline("are you there")
    # The cancelled question is not part of the conversation.
    answer(child, "You said: are you there (2 messages)")
    child.sendintr()  # Ctrl-C at the prompt only gives a new prompt
    child.expect_exact(PROMPT)
    child.sendline("/exit")
    assert finish(child) == 0
    assert "word99" not in transcript.getvalue()
    assert "Traceback" not in transcript.getvalue()


def test_save_clear_and_resume(fake: FakeServer, tmp_path: Path) -> None:
    saved = tmp_path / "talk.json"
    child, transcript = chat(fake)
    child.sendline("remember kiwi")
    answer(child, "You said: remember kiwi (2 messages)")
    child.sendline("second turn")
    answer(child, "You said: second turn (4 messages)")
    child.sendline(f"/save {saved}")
    child.expect_exact(f"saved 4 messages to {saved}")
    child.expect_exact(PROMPT)
    child.sendline("/clear")
    child.expect_exact("conversation cleared (4 messages forgotten)")
    child.expect_exact(PROMPT)
    child.sendline("/exit")
    assert finish(child) == 0
    # Session usage totals grow turn by turn.
    totals = [int(n) for n in re.findall(r"session: (\d+) tokens", transcript.getvalue())]
    assert len(totals) == 2
    assert 0 < totals[0] < totals[1]
    assert [m["role"] for m in json.loads(saved.read_text(encoding="utf-8"))] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]

    child, _ = chat(fake, "--resume", str(saved))
    child.sendline("what fruit")
    answer(child, "You said: what fruit (6 messages)")
    child.sendline("/exit")
    assert finish(child) == 0
    assert "remember kiwi" in json.dumps(fake.requests[-1].messages)


def test_waiting_indicator_and_dimmed_reasoning(fake: FakeServer) -> None:
    child, transcript = chat(fake, NO_COLOR="")
    child.sendline("wait for it")
    answer(child, "You said: wait for it")
    child.sendline("think first")
    answer(child, "You said: think first")
    child.sendline("/exit")
    assert finish(child) == 0
    text = transcript.getvalue()
    waiting = text[text.index("wait for it") : text.index("You said: wait for it")]
    assert "waiting for the model" in waiting
    assert waiting.rstrip().endswith("\r\x1b[K")  # erased before the answer
    assert "\x1b[2mLet me think.\x1b[0m" in text  # reasoning, dimmed


def test_a_retry_on_a_terminal_is_announced_and_the_answer_starts_over(
    fake: FakeServer,
) -> None:
    child = spawn("run", "-m", "openaicompat:qwen3", "--base-url", fake.url, "fail-once here")
    transcript = io.StringIO()
    child.logfile_read = transcript
    assert finish(child) == 0
    text = transcript.getvalue()
    partial, notice, rest = (
        text.index(PARTIAL),
        text.index("retry 1 in "),
        text.index(SECOND),
    )
    assert partial < notice < rest
    notice_line = text[notice:].splitlines()[0]
    assert "the answer starts over" in notice_line
    assert text.count("retry 1 in ") == 1


def test_ctrl_c_stops_a_run_with_exit_code_130(fake: FakeServer) -> None:
    child = spawn("run", "-m", "openaicompat:qwen3", "--base-url", fake.url, "slow run")
    child.expect_exact("word1 ")
    child.sendintr()
    assert finish(child) == 130
