"""A real uvicorn server on 127.0.0.1 in a background thread, and models that block."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fantasy import stream
from fantasy.model import BaseLanguageModel, Call
from fantasy.response import Response
from fantasy.usage import FinishReason, Usage


@contextlib.contextmanager
def serve(asgi_app: Any) -> Iterator[str]:
    """Serve ``asgi_app`` with uvicorn on a free loopback port; yield its base URL."""
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(asgi_app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


class BlockingModel(BaseLanguageModel):
    """Streams a greeting, then waits until closed; records opening and closing (thread-safe).

    With ``words`` it streams that many words first, one every ``delay`` seconds. With
    ``then``, every call after the first answers ``then`` at once (the prompts are kept).
    """

    def __init__(self, *, words: int = 0, delay: float = 0.05, then: str | None = None) -> None:
        super().__init__(provider="test", model_id="blocking")
        self.words = words
        self.delay = delay
        self.then = then
        self.opened = threading.Event()
        self.closed = threading.Event()
        self.calls: list[Call] = []

    async def generate(self, call: Call) -> Response:
        raise NotImplementedError

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        self.calls.append(call)
        if self.then is not None and len(self.calls) > 1:
            yield stream.TextStart("t")
            yield stream.TextDelta("t", self.then)
            yield stream.TextEnd("t")
            yield stream.Finish(FinishReason.STOP, Usage.of(input_tokens=1, output_tokens=1))
            return
        self.opened.set()
        try:
            yield stream.TextStart("t")
            yield stream.TextDelta("t", "Hello ")
            for number in range(self.words):
                await asyncio.sleep(self.delay)
                yield stream.TextDelta("t", f"word{number} ")
            await asyncio.Event().wait()  # until cancelled
            yield stream.Finish(FinishReason.STOP, Usage())  # pragma: no cover
        finally:
            self.closed.set()
