"""Loopback SSE server for the peer benchmark (runs in its own process).

Serves every dialect of ``scenarios.py`` from one port. The scenario is the first four
segments of the request path, ``/<dialect>/<kind>/<n>/<mode>/...``; whatever follows is
the provider's own path (``/v1/chat/completions``, ``/v1/messages``,
``/v1beta/models/m:streamGenerateContent``, ...) and is ignored, so each client only
needs that prefix as its base URL. Bodies are encoded once per scenario before they are
served, and every SSE event is one HTTP/1.1 chunk (``Transfer-Encoding: chunked``):

* ``burst``: the whole response in one ``write`` (the client's cost alone);
* ``paced``: one chunk per write with ``--pace-ms`` (1 ms) between them, as a model
  producing tokens does; every event then reaches the client in its own read.

Connections are kept alive. Binds 127.0.0.1 only and prints ``PORT <n>`` on stdout
once it listens.

    python benchmarks/peers/server.py [--pace-ms 1]   # stops on SIGTERM / Ctrl-C
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenarios import DIALECTS, KINDS, sse

HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"transfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n"
)
END = b"0\r\n\r\n"
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n"


@cache
def chunks(dialect: str, kind: str, n: int) -> tuple[bytes, ...]:
    """The HTTP chunks of one response, pre-encoded: one per SSE event."""
    return tuple(b"%x\r\n%s\r\n" % (len(p), p) for p in sse(dialect, kind, n))


@cache
def burst(dialect: str, kind: str, n: int) -> bytes:
    return HEAD + b"".join(chunks(dialect, kind, n)) + END


def scenario(path: str) -> tuple[str, str, int, str] | None:
    segments = path.strip("/").split("/")
    if len(segments) < 4 or segments[0] not in DIALECTS or segments[1] not in KINDS:
        return None
    if segments[3] not in ("burst", "paced") or not segments[2].isdigit():
        return None
    return segments[0], segments[1], int(segments[2]), segments[3]


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pace: float) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            parts = lines[0].split(" ")
            found = scenario(parts[1]) if len(parts) > 1 else None
            if found is None:
                writer.write(NOT_FOUND)
            elif found[3] == "burst":
                writer.write(burst(*found[:3]))
            else:
                writer.write(HEAD)
                for chunk in chunks(*found[:3]):
                    writer.write(chunk)
                    await writer.drain()
                    await asyncio.sleep(pace)
                writer.write(END)
            await writer.drain()
    except ConnectionError:
        return
    finally:
        writer.close()


async def main(pace: float) -> None:
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, pace), "127.0.0.1", 0, backlog=4096
    )
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"PORT {port}", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--pace-ms", type=float, default=1.0)
    try:
        asyncio.run(main(parser.parse_args().pace_ms / 1000))
    except KeyboardInterrupt:
        sys.exit(0)
