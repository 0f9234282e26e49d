"""A misbehaving HTTP/1.1 server on 127.0.0.1 for the reliability tests (real sockets).

Each request is answered by a :class:`Plan` that a test's handler returns: status,
headers, body chunks (sent with chunked transfer encoding, optionally paced), and how
the answer ends: ``"end"`` (the body ends, the connection stays open for keep-alive),
``"stall"`` (nothing more is sent until the client closes), ``"reset"`` (the socket is
aborted) or ``"close"`` (the body ends and the server closes the connection).
The server counts accepted, open and at most open connections, so tests can assert connection reuse
and that a client closed its stream at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

End = Literal["end", "stall", "reset", "close"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Plan:
    status: int = 200
    content_type: str = "text/event-stream"
    chunks: tuple[bytes, ...] = ()
    end: End = "end"
    pause: float = 0.0  # seconds between chunks
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Plan]


class LoopbackServer:
    """``async with LoopbackServer(handler) as server:`` serves on ``server.url``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.accepted = 0
        self.open = 0
        self.peak = 0  # the most connections open at once
        self.requests: list[Request] = []
        self._changed = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def wait_open(self, count: int, within: float = 10.0) -> None:
        """Wait until at most ``count`` connections are open (bounded)."""
        async with asyncio.timeout(within):
            while self.open > count:
                self._changed.clear()
                await self._changed.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.accepted += 1
        self.open += 1
        self.peak = max(self.peak, self.open)
        try:
            while (request := await _read_request(reader)) is not None:
                self.requests.append(request)
                if not await self._answer(self.handler(request), reader, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self.open -= 1
            self._changed.set()
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _answer(
        self, plan: Plan, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Send ``plan``; whether the connection may serve another request."""
        head = [f"HTTP/1.1 {plan.status} X", f"content-type: {plan.content_type}"]
        head += [f"{name}: {value}" for name, value in plan.headers.items()]
        head.append("transfer-encoding: chunked")
        if plan.end == "close":
            head.append("connection: close")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        for chunk in plan.chunks:
            if plan.pause:
                await writer.drain()
                await asyncio.sleep(plan.pause)
            if chunk:
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
        if plan.end == "reset":
            writer.transport.abort()
            return False
        if plan.end == "stall":
            await reader.read()  # until the client closes its side
            return False
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return plan.end == "end"


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the client closed the connection
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Request(method, path, headers, body)
