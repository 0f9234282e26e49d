"""The `fast` extra: a provider streams through httpx-aiohttp's transport over a real socket."""

from __future__ import annotations

import asyncio
import json

import pytest

from fantasy import stream
from fantasy.messages import Message, TextPart
from fantasy.model import Call
from fantasy.providers.openaicompat import OpenAICompatProvider

httpx_aiohttp = pytest.importorskip("httpx_aiohttp", reason="the `fast` extra is not installed")


def sse_body(words: list[str]) -> bytes:
    base = {"id": "c", "object": "chat.completion.chunk", "model": "m"}
    events = [
        {**base, "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]}
        for w in words
    ]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    parts = [b"data: " + json.dumps(e).encode() + b"\n\n" for e in events]
    parts.append(b"data: [DONE]\n\n")
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"transfer-encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    )


async def stream_once() -> tuple[list[stream.StreamPart], list[bytes]]:
    """Serve a 3-delta Chat Completions stream on 127.0.0.1; stream it through aiohttp."""
    requests: list[bytes] = []
    body = sse_body(["Hel", "lo", "!"])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            requests.append(head + await asyncio.wait_for(reader.readexactly(length), 30))
            writer.write(body)
            await writer.drain()
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    transport = httpx_aiohttp.AiohttpTransport()
    try:
        provider = OpenAICompatProvider(
            base_url=f"http://127.0.0.1:{port}/v1", api_key="k", transport=transport
        )
        model = provider.chat_model("m")
        call = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])
        parts = [p async for p in model.stream(call)]
    finally:
        await transport.aclose()
        srv.close()
        await srv.wait_closed()
    return parts, requests


def test_openai_compat_streams_through_the_aiohttp_transport() -> None:
    parts, requests = asyncio.run(asyncio.wait_for(stream_once(), 60))
    text = "".join(p.delta for p in parts if isinstance(p, stream.TextDelta))
    assert text == "Hello!"
    finish = [p for p in parts if isinstance(p, stream.Finish)]
    assert len(finish) == 1 and finish[0].finish_reason.value == "stop"
    assert len(requests) == 1
    assert requests[0].startswith(b"POST /v1/chat/completions ")
    assert json.loads(requests[0].split(b"\r\n\r\n", 1)[1])["stream"] is True
