"""An OpenAI-compatible Chat Completions server on 127.0.0.1 for the CLI tests.

What it answers depends on the last user message, so that a test drives it by what it
types:

* ``slow ...``: 100 words, one every 0.2 s (long enough to press Ctrl-C in between).
* ``wait ...``: nothing for 1.5 s, then the echo.
* ``fail-once ...``: the first request streams ``Partial answer that will fail`` and then
  drops the connection mid-body; the next one answers ``Hello from the second attempt.``
* ``think ...``: ``reasoning_content`` deltas, then the echo.
* ``call TOOL ARGS-JSON``: a call of ``TOOL``; once the tool result comes back, the answer
  is ``tool said: <result>``.
* ``loop``: always a call of the demo ``calculator`` (to reach the step cap).
* anything else: ``You said: <text> (N messages)``, N counting every message received.

Every request is recorded (path, headers, body). Streams are chunked HTTP/1.1.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLOW_WORDS = 100
SLOW_INTERVAL = 0.2
PARTIAL = "Partial answer that will fail"
SECOND = "Hello from the second attempt."


@dataclass
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body.get("messages", [])
        return messages

    @property
    def last_user(self) -> str:
        for message in reversed(self.messages):
            if message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, list):
                    return "".join(part.get("text", "") for part in content)
                return str(content)
        return ""


@dataclass
class FakeState:
    requests: list[Seen] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _chunk(choice_delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "model": "fake-model",
        "choices": [{"index": 0, "delta": choice_delta, "finish_reason": finish}],
    }


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "model": "fake-model",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _text_events(text: str, seen: Seen, pieces: int = 3) -> Iterator[dict[str, Any]]:
    words = text.split(" ")
    size = max(1, len(words) // pieces)
    for start in range(0, len(words), size):
        piece = " ".join(words[start : start + size])
        yield _chunk({"content": piece if start == 0 else " " + piece})
    yield _chunk({}, "stop")
    yield _usage(10 * len(seen.messages), len(words))


def _tool_call_events(name: str, arguments: str, call_id: str) -> Iterator[dict[str, Any]]:
    call = {"index": 0, "id": call_id, "type": "function", "function": {"name": name}}
    call["function"]["arguments"] = arguments
    yield _chunk({"tool_calls": [call]})
    yield _chunk({}, "tool_calls")
    yield _usage(5, 5)


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        state = self.server.state
        with state.lock:
            state.requests.append(seen)
        if self.path != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        self._start_stream()
        # The client may go away (Ctrl-C): then there is nothing more to send.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(seen, state)

    def _answer(self, seen: Seen, state: FakeState) -> None:
        text = seen.last_user
        last = seen.messages[-1] if seen.messages else {}
        if text == "loop":
            calls = _tool_call_events("calculator", '{"expression": "1 + 1"}', "call_loop")
            self._events(calls)
        elif last.get("role") == "tool":
            self._events(_text_events(f"tool said: {last.get('content')}", seen))
        elif text.startswith("slow"):
            self._slow(seen, state)
        elif text.startswith("wait"):
            state.stopping.wait(1.5)
            self._events(_text_events(f"You said: {text}", seen))
        elif text.startswith("fail-once"):
            self._fail_once(text, seen, state)
        elif text.startswith("think"):
            for piece in ("Let me ", "think."):
                self._send(_chunk({"reasoning_content": piece}))
            self._events(_text_events(f"You said: {text}", seen))
        elif text.startswith("call "):
            _, name, arguments = text.split(" ", 2)
            self._events(_tool_call_events(name, arguments, f"call_{len(seen.messages)}"))
        else:
            self._events(_text_events(f"You said: {text} ({len(seen.messages)} messages)", seen))

    def _slow(self, seen: Seen, state: FakeState) -> None:
        for index in range(SLOW_WORDS):
            if state.stopping.is_set():
                return
            self._send(_chunk({"content": f"word{index} "}))
            time.sleep(SLOW_INTERVAL)
        self._events(_text_events("done", seen))

    def _fail_once(self, text: str, seen: Seen, state: FakeState) -> None:
        with state.lock:
            first = text not in state.failed
            state.failed.add(text)
        if first:
            for piece in PARTIAL.split(" "):
                self._send(_chunk({"content": piece + " "}))
            time.sleep(0.2)
            self.close_connection = True
            self.connection.shutdown(2)  # mid-body: no final chunk
            return
        self._events(_text_events(SECOND, seen))

    # --- wire ---------------------------------------------------------------------------

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

    def _send(self, data: dict[str, Any] | str) -> None:
        payload = data if isinstance(data, str) else json.dumps(data)
        event = f"data: {payload}\n\n".encode()
        self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        self.wfile.flush()

    def _events(self, events: Iterator[dict[str, Any]]) -> None:
        for event in events:
            self._send(event)
        self._send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _json(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeHandler)
        self.state = FakeState()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The API root (``.../v1``)."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    @property
    def requests(self) -> list[Seen]:
        with self.state.lock:
            return list(self.state.requests)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)
