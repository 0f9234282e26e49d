"""The ASGI app: runs per request, bad requests, errors, disconnects, concurrency, mounting."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

pytest.importorskip("starlette", reason="starlette (extra 'web') is not installed")
pytest.importorskip("uvicorn", reason="uvicorn (extra 'web') is not installed")

from _web_runs import recorded_agent, sse_data
from _web_server import BlockingModel, serve
from starlette.applications import Starlette
from starlette.routing import Mount

from fantasy.agent import Agent
from fantasy.errors import InvalidArgumentError
from fantasy.testing.models import ScriptedModel, TestModel
from fantasy.web import app

KEY = "sk-test-abcdefghijklmnopqrstuvwxyz012345"


def chat_body(text: str) -> dict[str, Any]:
    return {
        "id": "chat",
        "messages": [{"id": "u", "role": "user", "parts": [{"type": "text", "text": text}]}],
        "trigger": "submit-message",
    }


def client(asgi: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://web.test")


@pytest.mark.anyio
async def test_one_request_streams_one_run() -> None:
    async with client(app(recorded_agent())) as http:
        response = await http.post("/api/chat", json=chat_body("Weather in Rome?"))
    assert response.status_code == 200
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert response.headers["content-type"] == "text/event-stream"
    assert "content-length" not in response.headers
    data = sse_data(response.text)
    assert data[-1] == "[DONE]"
    kinds = [chunk["type"] for chunk in data[:-1]]
    assert kinds[0] == "start" and kinds[-1] == "finish"
    assert "tool-output-available" in kinds
    assert data[-2]["messageMetadata"]["usage"]["totalTokens"] == 39


@pytest.mark.anyio
async def test_ag_ui_endpoint() -> None:
    body = {
        "threadId": "t",
        "runId": "r",
        "messages": [{"id": "1", "role": "user", "content": "Weather in Rome?"}],
    }
    async with client(app(recorded_agent(), protocol="ag-ui")) as http:
        response = await http.post("/api/chat", json=body)
        page = await http.get("/")
    assert response.status_code == 200
    types = [event["type"] for event in sse_data(response.text)]
    assert types[0] == "RUN_STARTED" and types[-1] == "RUN_FINISHED"
    assert "TOOL_CALL_RESULT" in types
    assert page.status_code == 404  # the built-in page speaks the vercel protocol only


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"content": b"{}", "headers": {"content-type": "text/plain"}}, 415, "application/json"),
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "not valid JSON",
        ),
        ({"json": {"messages": "hello"}}, 422, "'messages' must be an array"),
        ({"json": {"messages": [{"role": "system", "parts": []}]}}, 422, "system messages"),
        (
            {"content": b"x" * 2000, "headers": {"content-type": "application/json"}},
            413,
            "larger than 1000",
        ),
    ],
)
async def test_bad_requests_get_a_clear_4xx(
    kwargs: dict[str, Any], status: int, message: str
) -> None:
    model = TestModel()
    async with client(app(Agent(model), max_body_bytes=1000)) as http:
        response = await http.post("/api/chat", **kwargs)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert "Traceback" not in response.text
    assert model.calls == []  # no run started


@pytest.mark.anyio
async def test_oversized_body_without_a_declared_length() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"[" * 200

    async with client(app(Agent(TestModel()), max_body_bytes=1000)) as http:
        response = await http.post(
            "/api/chat", content=chunks(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413


@pytest.mark.anyio
async def test_wrong_method_and_unknown_path() -> None:
    async with client(app(Agent(TestModel()))) as http:
        assert (await http.get("/api/chat")).status_code == 405
        assert (await http.get("/nope")).status_code == 404


@pytest.mark.anyio
async def test_a_failing_provider_ends_the_stream_without_leaking_its_key() -> None:
    from fantasy.providers.openai import OpenAIProvider

    def reject(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, json={"error": {"message": f"Incorrect API key provided: {KEY}"}}
        )

    model = OpenAIProvider(api_key=KEY, transport=httpx.MockTransport(reject)).language_model(
        "gpt-4o"
    )
    async with client(app(Agent(model))) as http:
        response = await http.post("/api/chat", json=chat_body("hi"))
    assert response.status_code == 200  # the stream had started; the error is in-band
    data = sse_data(response.text)
    errors = [chunk for chunk in data if isinstance(chunk, dict) and chunk["type"] == "error"]
    assert len(errors) == 1 and "AuthenticationError" in errors[0]["errorText"]
    assert KEY not in response.text and KEY[10:] not in response.text
    assert data[-1] == "[DONE]"


@pytest.mark.anyio
async def test_an_unexpected_exception_is_named_not_shown() -> None:
    model = ScriptedModel([RuntimeError("connection string postgres://admin:hunter2@db")])
    async with client(app(Agent(model))) as http:
        response = await http.post("/api/chat", json=chat_body("hi"))
    assert "hunter2" not in response.text
    assert "internal error (RuntimeError)" in response.text


@pytest.mark.anyio
async def test_concurrent_sessions_are_isolated() -> None:
    agent = Agent(TestModel(delay=0.005))  # slow enough for the two runs to interleave
    async with client(app(agent)) as http:
        answers = await asyncio.gather(
            *(http.post("/api/chat", json=chat_body(f"question {n}")) for n in range(4))
        )
    for number, response in enumerate(answers):
        text = "".join(
            chunk["delta"]
            for chunk in sse_data(response.text)[:-1]
            if chunk["type"] == "text-delta"
        )
        assert text == f"echo: question {number}"


@pytest.mark.anyio
async def test_disconnect_cancels_the_run_and_closes_the_model_stream() -> None:
    # Drive the ASGI app directly: the client disconnects after the first body chunk.
    model = BlockingModel()
    asgi = app(Agent(model))
    body = json.dumps(chat_body("hi")).encode()
    gone = asyncio.Event()
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and b"Hello" in message.get("body", b""):
            gone.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/chat",
        "raw_path": b"/api/chat",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"web.test")],
        "server": ("web.test", 80),
        "client": ("127.0.0.1", 1234),
    }
    await asyncio.wait_for(asgi(scope, receive, send), timeout=30)
    assert model.closed.is_set()
    assert not any(m.get("more_body") is False for m in sent)  # cut, not finished


def test_real_server_disconnect_cancels_the_run() -> None:
    model = BlockingModel()
    with serve(app(Agent(model))) as base, httpx.Client(base_url=base, timeout=30) as http:
        with http.stream("POST", "/api/chat", json=chat_body("hi")) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if "Hello" in line:
                    break
        assert model.closed.wait(timeout=30), "the model stream was not closed"


def test_mounted_inside_another_app() -> None:
    outer = Starlette(routes=[Mount("/assistant", app=app(recorded_agent()))])
    with serve(outer) as base, httpx.Client(base_url=base, timeout=30) as http:
        page = http.get("/assistant/")
        assert page.status_code == 200 and 'data-endpoint="api/chat"' in page.text
        assert http.get("/assistant/chat.js").status_code == 200
        response = http.post("/assistant/api/chat", json=chat_body("Weather in Rome?"))
        assert sse_data(response.text)[-1] == "[DONE]"


def test_bad_options_fail_early() -> None:
    agent = Agent(TestModel())
    with pytest.raises(InvalidArgumentError, match="unknown protocol"):
        app(agent, protocol="soap")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="path"):
        app(agent, path="api")
    with pytest.raises(InvalidArgumentError, match="vercel protocol"):
        app(agent, protocol="ag-ui", ui=True)
    with pytest.raises(InvalidArgumentError, match="max_body_bytes"):
        app(agent, max_body_bytes=0)


def test_disconnect_closes_a_real_provider_connection() -> None:
    # A loopback provider that streams one delta and then stalls: when the browser goes
    # away, the agent's HTTP stream to the provider must be closed too.
    import socket
    import threading

    from fantasy.providers.openai import OpenAIProvider

    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    event = b'data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"Hello"}}]}\n\n'
    provider_closed = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(60)

    def provider() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(60)
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            conn.sendall(head + f"{len(event):x}\r\n".encode() + event + b"\r\n")
            try:
                while conn.recv(65536):  # read until the client closes the connection
                    pass
            except OSError:
                pass
            provider_closed.set()

    thread = threading.Thread(target=provider, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    model = OpenAIProvider(api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1").language_model(
        "gpt-4o"
    )
    try:
        with serve(app(Agent(model))) as base, httpx.Client(base_url=base, timeout=30) as http:
            with http.stream("POST", "/api/chat", json=chat_body("hi")) as response:
                for line in response.iter_lines():
                    if "Hello" in line:
                        break
            assert provider_closed.wait(timeout=30), "the provider connection stayed open"
    finally:
        listener.close()
        thread.join(timeout=30)
