"""Loopback OpenAI Chat Completions SSE server for the peer benchmark (its own process).

Bodies are encoded once per (kind, N) before they are served: every SSE event is one
HTTP/1.1 chunk (``Transfer-Encoding: chunked``), and the whole response is written in
one ``write`` so the server costs next to nothing per request. The scenario is read from
the request path: ``/<kind>/<n>/v1/chat/completions`` with kind ``text`` (N text deltas)
or ``tool`` (one tool call whose arguments arrive in N fragments). Connections are kept
alive. Binds 127.0.0.1 only and prints ``PORT <n>`` on stdout once it listens.

    python benchmarks/peers/server.py   # stops on SIGTERM / Ctrl-C
"""

from __future__ import annotations

import asyncio
import json
import sys
from functools import cache

# Kept in one place so clients can check results exactly (see expected()).
TOOL_NAME = "lookup"


def text_fragment(i: int) -> str:
    return f"tok{i} "


def args_fragment(i: int, n: int) -> str:
    if i == 0:
        return '{"q": "'
    if i == n - 1:
        return '"}'
    return f"a{i}"


def expected(kind: str, n: int) -> str:
    """The text (kind ``text``) or tool arguments (kind ``tool``) the stream carries."""
    if kind == "text":
        return "".join(text_fragment(i) for i in range(n))
    return "".join(args_fragment(i, n) for i in range(n))


def events(kind: str, n: int) -> list[dict[str, object]]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    out = [chunk({"role": "assistant", "content": ""})]
    if kind == "text":
        out += [chunk({"content": text_fragment(i)}) for i in range(n)]
        out.append(chunk({}, "stop"))
    else:
        head = {"index": 0, "id": "call_1", "type": "function"}
        out.append(
            chunk({"tool_calls": [{**head, "function": {"name": TOOL_NAME, "arguments": ""}}]})
        )
        out += [
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": args_fragment(i, n)}}]})
            for i in range(n)
        ]
        out.append(chunk({}, "tool_calls"))
    usage = {"prompt_tokens": 5, "completion_tokens": n, "total_tokens": n + 5}
    out.append({**base, "choices": [], "usage": usage})
    return out


@cache
def body(kind: str, n: int) -> bytes:
    """The whole HTTP response, pre-encoded: one chunk per SSE event."""
    parts = [
        b"data: " + json.dumps(e, separators=(",", ":")).encode() + b"\n\n" for e in events(kind, n)
    ]
    parts.append(b"data: [DONE]\n\n")
    framed = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"transfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n"
    )
    return head + framed + b"0\r\n\r\n"


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n"


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            segments = path.strip("/").split("/")
            try:
                response = body(segments[0], int(segments[1]))
            except (IndexError, ValueError):
                response = NOT_FOUND
            writer.write(response)
            await writer.drain()
    except ConnectionError:
        return
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=2048)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
