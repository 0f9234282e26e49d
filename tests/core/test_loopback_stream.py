"""A real socket on 127.0.0.1: a stream cut mid-body is retried, never half-used."""

import asyncio
import json

import pytest

import fantasy
from fantasy import stream
from fantasy.retry import Retry, RetryPolicy


def chunk(data: dict[str, object] | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    event = f"data: {payload}\n\n".encode()
    return f"{len(event):x}\r\n".encode() + event + b"\r\n"


def delta(text: str, finish: str | None = None) -> dict[str, object]:
    return {
        "id": "c1",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }


HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
)


@pytest.mark.anyio
async def test_stream_cut_mid_body_is_retried_on_a_new_connection() -> None:
    requests: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        requests.append(await reader.readexactly(length))
        writer.write(HEAD + chunk(delta("Hel")))
        if len(requests) == 1:
            await writer.drain()
            writer.transport.abort()  # the connection drops in the middle of the answer
            return
        writer.write(chunk(delta("lo")) + chunk(delta("", "stop")) + chunk("[DONE]") + b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        from fantasy.providers.openai import OpenAIProvider

        model = OpenAIProvider(
            api_key="sk-loopback-test-key-000", base_url=f"http://127.0.0.1:{port}/v1"
        ).language_model("gpt-4o")
        agent = fantasy.Agent(model, retry=RetryPolicy(max_retries=2, initial_delay=0.01))
        events = agent.stream("hi")
        seen = [event async for event in events]
        result = await events.result()
    finally:
        server.close()
        await server.wait_closed()

    assert len(requests) == 2
    assert json.loads(requests[0]) == json.loads(requests[1])
    retries = [e for e in seen if isinstance(e, Retry)]
    assert len(retries) == 1
    assert retries[0].error.is_retryable  # type: ignore[attr-defined]
    assert result.text == "Hello"  # the failed attempt's "Hel" was dropped
    deltas = [e.delta for e in seen if isinstance(e, stream.TextDelta)]
    assert deltas[-2:] == ["Hel", "lo"]
