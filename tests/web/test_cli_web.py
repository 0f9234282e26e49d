"""``fantasy web``: starts fast on 127.0.0.1, offline on the test model, with the demo tools."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

pytest.importorskip("uvicorn", reason="uvicorn (extra 'web') is not installed")

from _web_runs import sse_data

from fantasy import cli
from fantasy._cli_web import load_tools
from fantasy.agent_tools import AgentTool

KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
KEYS += ("OPENROUTER_API_KEY", "AI_GATEWAY_API_KEY")


def offline_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in KEYS and not k.endswith("_API_KEY")}


def lines_of(process: subprocess.Popen[str]) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            found.put(line)

    threading.Thread(target=read, daemon=True).start()
    return found


def start(*args: str) -> tuple[subprocess.Popen[str], str, float]:
    begun = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "fantasy", "web", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=offline_env(),
    )
    try:
        line = lines_of(process).get(timeout=60)
    except queue.Empty:
        process.kill()
        raise AssertionError("fantasy web printed no address") from None
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line
    url = match.group(0)
    httpx.get(url, timeout=30).raise_for_status()
    return process, url, time.monotonic() - begun


@pytest.fixture
def served() -> Iterator[tuple[str, float]]:
    process, url, seconds = start()
    try:
        yield url, seconds
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        assert process.stderr is not None
        process.stderr.close()
        assert process.stdout is not None
        process.stdout.close()


def test_serves_the_page_and_the_demo_tools_offline(served: tuple[str, float]) -> None:
    url, seconds = served
    print(f"fantasy web answered its first request {seconds:.2f} s after the process started")
    assert seconds < 10  # the target is under a second; the margin is for a loaded machine
    body = {
        "messages": [
            {"id": "u", "role": "user", "parts": [{"type": "text", "text": "Weather in Florence?"}]}
        ]
    }
    response = httpx.post(url + "api/chat", json=body, timeout=30)
    names = {
        c.get("toolName")
        for c in sse_data(response.text)[:-1]
        if c["type"] == "tool-input-available"
    }
    assert names == {"weather", "calculator"}


def test_port_in_use_is_a_usage_error() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run(
            [sys.executable, "-m", "fantasy", "web", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env=offline_env(),
        )
    assert completed.returncode == cli.EXIT_USAGE
    assert f"cannot listen on 127.0.0.1:{port}" in completed.stderr


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nocolon", "expected MODULE:ATTR"),
        ("no_such_module_xyz:tools", "cannot import"),
        ("fantasy._demo_tools:nothing", "has no attribute 'nothing'"),
    ],
)
def test_bad_tools_spec(spec: str, message: str) -> None:
    with pytest.raises(cli.UsageError, match=message):
        load_tools(spec)


def test_tools_spec_forms() -> None:
    made = load_tools("fantasy._demo_tools:demo_tools")  # a function returning a list
    assert [t.name for t in made] == ["weather", "calculator"]
    [function] = load_tools("fantasy._demo_tools:weather")  # one typed function
    assert callable(function) and not isinstance(function, AgentTool)


def test_bad_port_is_rejected_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["web", "--port", "70000"])
    assert "between 0 and 65535" in capsys.readouterr().err
