"""The `fantasy` command line and its demo tools."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from _cli_helpers import InProcess, run_cli

from fantasy import cli, stream
from fantasy._demo_tools import calculator, weather
from fantasy.messages import ErrorOutput, MediaOutput, TextOutput
from fantasy.testing.models import TestModel
from fantasy.usage import CallWarning

WEATHER_PROMPT = "What's the weather in Florence?"


# --- demo tools ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 + 3", "5"),
        ("(2 + 3) * 4", "20"),
        ("7 / 2", "3.5"),
        ("7 // 2", "3"),
        ("-3 % 5", "2"),
        ("2 ^ 10", "1024"),
        ("2 ** -1", "0.5"),
        ("0.1 + 0.2", "0.3"),
        ("+4", "4"),
        ("1e3 * 2", "2000"),
    ],
)
def test_calculator_evaluates_arithmetic(expression: str, expected: str) -> None:
    assert calculator(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("1 / 0", "division by zero"),
        ("__import__('os')", "unsupported syntax"),
        ("abs(-1)", "unsupported syntax"),
        ("x + 1", "unsupported syntax"),
        ("True + 1", "not a number"),
        ("'a' * 3", "not a number"),
        ("9 ** 9 ** 9", "too large"),
        ("10.0 ** 400", "too large"),
        ("(-8) ** 0.5", "not a real number"),
        ("2 +", "not an arithmetic expression"),
        ("1" * 201, "longer than"),
    ],
)
def test_calculator_rejects_anything_else(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calculator(expression)


def test_weather_is_deterministic_fake_data() -> None:
    report = weather("Florence")
    assert report == weather("  florence ").replace("florence", "Florence")
    assert report.endswith("in Florence")
    assert "°C" in report
    assert "°F" in weather("Florence", unit="fahrenheit")
    with pytest.raises(ValueError, match="empty"):
        weather("   ")


# --- model selection -------------------------------------------------------------------


def test_resolve_model_falls_back_to_the_test_model() -> None:
    model, notice = cli.resolve_model(None, environ={})
    assert isinstance(model, TestModel)
    assert notice == cli.OFFLINE_NOTICE


def test_resolve_model_honours_the_model_option() -> None:
    model, notice = cli.resolve_model("test:other", environ={"OPENAI_API_KEY": "sk-x"})
    assert (model.provider, model.model_id, notice) == ("test", "other", None)


@pytest.mark.parametrize("spec", ["nope:model", "no-colon", "test:"])
def test_resolve_model_rejects_bad_specs(spec: str) -> None:
    with pytest.raises(cli.UsageError, match="--model"):
        cli.resolve_model(spec)


def test_chat_history_carries_every_turn() -> None:
    from fantasy import Agent
    from fantasy.testing import ScriptedModel

    model = ScriptedModel(["one", "two"])
    agent = Agent(model)
    first = agent.generate_sync("first")
    second = agent.generate_sync("second", messages=first.history)
    assert [m.role for m in second.history] == ["user", "assistant", "user", "assistant"]
    assert second.history[2].text == "second"
    assert [m.role for m in model.calls[1].prompt] == ["user", "assistant", "user"]


# --- printer ---------------------------------------------------------------------------


def make_printer(**settings: Any) -> tuple[cli.Printer, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return cli.Printer(out, err, **settings), out, err


def test_printer_streams_text_and_traces_tools() -> None:
    printer, out, err = make_printer()
    events: list[Any] = [
        stream.TextDelta("0", "Let me check"),
        stream.ToolCall(tool_call_id="c1", tool_name="weather", input='{"location": "Florence"}'),
        stream.ToolResult(tool_call_id="c1", tool_name="weather", result=TextOutput(text="40 C")),
        stream.ToolResult(tool_call_id="c2", tool_name="x", result=ErrorOutput(error="bad")),
        stream.ToolResult(
            tool_call_id="c3",
            tool_name="y",
            result=MediaOutput(data=b"1234", media_type="image/png"),
        ),
        stream.Warnings((CallWarning.unsupported("top_k", "ignored"),)),
        stream.TextDelta("1", "It is warm."),
        object(),  # lifecycle events are skipped
    ]
    for event in events:
        printer.show(event)
    printer.end_answer()
    assert out.getvalue() == "Let me check\nIt is warm.\n"
    assert err.getvalue().splitlines() == [
        '→ weather({"location": "Florence"})',
        "← 40 C",
        "← error: bad",
        "← [image/png, 4 bytes]",
        "warning: unsupported setting 'top_k': ignored",
    ]


def test_printer_quiet_and_ascii_fallback() -> None:
    out = io.StringIO()
    err = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    printer = cli.Printer(out, err, quiet=False)
    printer.show(stream.ToolCall(tool_call_id="c", tool_name="t", input="{}"))
    err.flush()
    assert err.buffer.getvalue() == b"-> t({})\n"  # type: ignore[attr-defined]
    quiet, _, quiet_err = make_printer(quiet=True)
    quiet.show(stream.ToolCall(tool_call_id="c", tool_name="t", input="{}"))
    quiet.note("always shown", always=True)
    assert quiet_err.getvalue() == "always shown\n"


def test_printer_holds_each_step_until_it_cannot_be_retried() -> None:
    from fantasy.agent import StepFinish
    from fantasy.stream import Retry

    printer, out, err = make_printer(hold=True)
    finished = StepFinish.__new__(StepFinish)  # only its type matters to the printer
    printer.show(stream.TextDelta("0", "Step one."))
    printer.show(stream.ToolCall(tool_call_id="c", tool_name="t", input="{}"))
    printer.show(finished)
    assert out.getvalue() == "Step one."
    printer.show(stream.TextDelta("1", "Broken half"))
    printer.show(Retry(attempt=1, error=RuntimeError("cut"), delay=0.5))
    assert out.getvalue() == "Step one."  # the failed attempt was never written
    printer.show(stream.TextDelta("1", "Step two."))
    printer.end_answer()
    assert out.getvalue() == "Step one.\nStep two.\n"
    assert err.getvalue().splitlines() == ["→ t({})", "↻ retry 1 in 0.5s: cut"]


def test_printer_on_a_terminal_breaks_the_line_at_a_retry() -> None:
    from fantasy.stream import Retry

    printer, out, err = make_printer(hold=False)
    printer.show(stream.TextDelta("0", "Broken half"))
    printer.show(Retry(attempt=1, error=RuntimeError("cut"), delay=0.5))
    printer.show(stream.TextDelta("0", "Whole answer."))
    printer.end_answer()
    assert out.getvalue() == "Broken half\nWhole answer.\n"
    assert err.getvalue() == "↻ retry 1 in 0.5s: cut; the answer starts over\n"


def test_printer_shortens_long_traces() -> None:
    printer, _, err = make_printer()
    printer.show(
        stream.ToolResult(tool_call_id="c", tool_name="t", result=TextOutput(text="word\n" * 200))
    )
    line = err.getvalue().rstrip("\n")
    assert "\n" not in line
    assert line.endswith("…")
    assert len(line) <= 203


# --- the command -----------------------------------------------------------------------


def test_help_lists_the_commands(fantasy_main: InProcess) -> None:
    completed = fantasy_main("--help")
    assert completed.returncode == 0
    for command in ("run", "chat", "models"):
        assert command in completed.stdout


def test_models_lists_providers_and_key_variables(fantasy_main: InProcess) -> None:
    completed = fantasy_main("models", OPENAI_API_KEY="sk-test")
    assert completed.returncode == 0
    lines = completed.stdout.splitlines()
    openai = next(line for line in lines if line.startswith("openai "))
    assert "OPENAI_API_KEY" in openai
    assert openai.endswith("(key set)")
    assert any(line.startswith("test ") for line in lines)
    assert "sk-test" not in completed.stdout


@pytest.mark.parametrize(
    "spec",
    ["nope:some-model", "missing-colon", "test:"],
)
def test_bad_model_exits_2_with_one_line(fantasy_main: InProcess, spec: str) -> None:
    completed = fantasy_main("run", "hello", "--model", spec)
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("fantasy: error: --model")
    assert "Traceback" not in completed.stderr


def test_bad_arguments_exit_2(fantasy_main: InProcess) -> None:
    completed = fantasy_main("run", "hi", "--max-steps", "0")
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    completed = fantasy_main("frobnicate")
    assert completed.returncode == 2


def test_run_without_a_prompt_is_a_usage_error(fantasy_main: InProcess) -> None:
    completed = fantasy_main("run", stdin="")
    assert completed.returncode == 2
    assert completed.stderr.startswith("fantasy: error: run needs a prompt")


def test_run_offline_end_to_end() -> None:
    completed = run_cli("run", WEATHER_PROMPT)
    assert completed.returncode == 0, completed.stderr
    assert cli.OFFLINE_NOTICE in completed.stderr
    assert '→ weather({"location": "Florence", "unit": "celsius"})' in completed.stderr
    assert f"← {weather('Florence')}" in completed.stderr
    assert completed.stdout == f"weather: {weather('Florence')}; calculator: 2\n"
    assert "usage: " in completed.stderr
    assert "2 steps (test:test-model)" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_run_flags_and_stdin_prompt(fantasy_main: InProcess) -> None:
    completed = fantasy_main(
        "run", "--no-tools", "-q", "--max-steps", "1", stdin="hello from stdin\n"
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "echo: hello from stdin\n"
    assert completed.stderr == ""  # -q hides every notice, the offline one included
    completed = fantasy_main("run", "-m", "test:mine", "What", "is", "6 * 7?")
    assert completed.returncode == 0, completed.stderr
    assert cli.OFFLINE_NOTICE not in completed.stderr
    assert completed.stdout == "weather: " + weather("Paris") + "; calculator: 42\n"
    assert "(test:mine)" in completed.stderr


def test_chat_keeps_history_until_exit(fantasy_main: InProcess) -> None:
    lines = "hello\n\n/help\nsecond\n/clear\nthird\n/exit\nnever read\n"
    completed = fantasy_main("chat", "--no-tools", stdin=lines)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["echo: hello", "echo: second", "echo: third"]
    usages = [line for line in completed.stderr.splitlines() if line.startswith("usage:")]
    inputs = [int(line.split()[1]) for line in usages]
    assert inputs[1] > inputs[0]  # the second turn carries the first one
    assert inputs[2] < inputs[1]  # /clear forgot it
    assert "/exit" in completed.stderr  # the help line


# --- live path, against a local fake Anthropic server ------------------------------------


class FakeAnthropic(BaseHTTPRequestHandler):
    """Answers /v1/messages: a text stream for the good keys, 401 otherwise.

    With ``OVERLOADED_KEY`` the first request streams part of an answer and then an
    in-band ``overloaded_error``; the requests after it get the whole answer.
    """

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        key = self.headers.get("x-api-key")
        if self.path != "/v1/messages":
            self._send(404, "text/plain", b"not found")
        elif key == OVERLOADED_KEY and not getattr(self.server, "overloaded_once", False):
            self.server.overloaded_once = True  # type: ignore[attr-defined]
            self._send(200, "text/event-stream", _anthropic_overloaded_events())
        elif key in ("sk-ant-good-0123456789", OVERLOADED_KEY):
            self._send(200, "text/event-stream", _anthropic_events())
        else:
            error = {"type": "error", "error": {"type": "authentication_error", "message": "bad"}}
            self._send(401, "application/json", json.dumps(error).encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


OVERLOADED_KEY = "sk-ant-overloaded-0123456789"


def _anthropic_overloaded_events() -> bytes:
    events = _anthropic_events().split(b"\n\n")[:3]  # message_start, block start, "Live "
    partial = json.dumps(
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "Partial answer that will fail... "},
        }
    )
    error = json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "Busy"}})
    tail = f"event: content_block_delta\ndata: {partial}\n\nevent: error\ndata: {error}\n\n"
    return b"\n\n".join(events) + b"\n\n" + tail.encode()


def _anthropic_events() -> bytes:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [],
        "usage": {"input_tokens": 12, "output_tokens": 1},
    }
    events = [
        ("message_start", {"type": "message_start", "message": message}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "Live "},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "hi."},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 5},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


@pytest.fixture
def anthropic_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAnthropic)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("suffix", ["/v1", ""])  # the SDK's meaning (the host) or the API root
def test_run_uses_the_provider_whose_key_is_set(
    fantasy_main: InProcess, anthropic_url: str, suffix: str
) -> None:
    base_url = anthropic_url.removesuffix("/v1") + suffix
    completed = fantasy_main(
        "run", "hi", ANTHROPIC_API_KEY="sk-ant-good-0123456789", ANTHROPIC_BASE_URL=base_url
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "Live hi.\n"
    assert cli.OFFLINE_NOTICE not in completed.stderr
    assert "12 input + 5 output = 17 tokens, 1 step (anthropic:" in completed.stderr


def test_an_in_band_overload_mid_answer_leaves_only_the_final_answer(
    fantasy_main: InProcess, anthropic_url: str
) -> None:
    # The case: `fantasy run -q ... > answer.txt` once glued both attempts.
    completed = fantasy_main(
        "run", "hi", ANTHROPIC_API_KEY=OVERLOADED_KEY, ANTHROPIC_BASE_URL=anthropic_url
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "Live hi.\n"
    [retry] = [line for line in completed.stderr.splitlines() if "retry" in line]
    assert retry.startswith("↻ retry 1 in ")
    assert "Busy" in retry


def test_provider_errors_exit_1_with_one_line_and_no_key(
    fantasy_main: InProcess, anthropic_url: str
) -> None:
    key = "sk-ant-wrong-0123456789"
    completed = fantasy_main("run", "hi", ANTHROPIC_API_KEY=key, ANTHROPIC_BASE_URL=anthropic_url)
    assert completed.returncode == 1
    assert completed.stderr.splitlines() == ["fantasy: error: [anthropic] bad (status 401)"]
    assert key not in completed.stderr + completed.stdout


def test_input_history_location() -> None:
    from pathlib import Path

    from fantasy.cli._chat import history_path

    assert history_path({"FANTASY_HISTORY_FILE": ""}) is None
    assert history_path({"FANTASY_HISTORY_FILE": "/tmp/h"}) == Path("/tmp/h")
    state = history_path({"XDG_STATE_HOME": "/state"})
    assert state == Path("/state/fantasy/chat_history")


def test_demo_tools_match_what_tool_derives() -> None:
    # The demo tools' schemas are written out (no pydantic at start); they must stay
    # what @tool derives from the functions' signatures and docstrings.
    from fantasy._demo_tools import demo_tools
    from fantasy.agent_tools import tool

    for demo, typed in zip(demo_tools(), (tool(weather), tool(calculator)), strict=True):
        assert (demo.name, demo.description, dict(demo.input_schema)) == (
            typed.name,
            typed.description,
            dict(typed.input_schema),
        )
        assert demo.function is typed.function
