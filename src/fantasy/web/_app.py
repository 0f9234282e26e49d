"""The ASGI app: one POST = one agent run, streamed in a protocol; the chat page at ``/``.

Built on Starlette (extra ``web``). The app is an ordinary ASGI application, so it runs
under any ASGI server and mounts inside another app (FastAPI's ``app.mount`` included).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal

import anyio
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from fantasy.agent import Agent
from fantasy.errors import InvalidArgumentError
from fantasy.web import _page
from fantasy.web._body import read_json
from fantasy.web._common import Encoder, RequestError, RunInput

__all__ = ["DEFAULT_MAX_BODY_BYTES", "Protocol", "app"]

logger = logging.getLogger("fantasy.web")

Protocol = Literal["vercel", "ag-ui"]
"""The wire protocols :func:`app` speaks."""

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest request body accepted by default (4 MiB: room for a few attached images)."""


@dataclass(frozen=True, slots=True)
class _Wire:
    parse: Callable[[Any], RunInput]
    encoder: Callable[[RunInput, Agent], Encoder[Any]]
    serialize: Callable[[Any], bytes]
    headers: Mapping[str, str]
    done: bytes = b""


def _vercel() -> _Wire:
    from fantasy.web import vercel

    def encoder(run: RunInput, agent: Agent) -> vercel.UIStreamEncoder:
        del agent
        return vercel.UIStreamEncoder(
            message_id=None if run.continues_message else vercel.new_message_id(),
            denied=[d.tool_call_id for d in run.decisions if d.decision == "deny"],
        )

    return _Wire(vercel.parse_request, encoder, vercel.encode_sse, vercel.HEADERS, vercel.DONE)


def _agui() -> _Wire:
    import uuid

    from fantasy.web import agui

    def encoder(run: RunInput, agent: Agent) -> agui.AGUIEncoder:
        return agui.AGUIEncoder(
            thread_id=run.thread_id or uuid.uuid4().hex,
            run_id=run.run_id or uuid.uuid4().hex,
            provider=agent.model.provider,
        )

    headers = {
        "content-type": agui.MEDIA_TYPE,
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
    }
    return _Wire(agui.parse_run_input, encoder, agui.encode_sse, headers)


def app(
    agent: Agent,
    *,
    protocol: Protocol = "vercel",
    path: str = "/api/chat",
    ui: bool | None = None,
    title: str = "fantasy chat",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Starlette:
    """An ASGI app serving ``agent`` to browsers.

    Routes: ``POST {path}`` runs the agent once per request and streams the run in
    ``protocol`` (``"vercel"``: the AI SDK UI message stream that ``useChat`` reads;
    ``"ag-ui"``: AG-UI events). With ``ui``, ``GET /`` serves the built-in chat page
    (it speaks the Vercel protocol, so ``ui`` defaults to ``protocol == "vercel"``).

    Each request is its own run: nothing is shared between sessions but the agent. When
    the client disconnects (or the page's stop button aborts the request) the run is
    cancelled, which closes the model's stream and cancels running tools. Malformed,
    invalid or oversized bodies get a 4xx JSON answer ``{"error": "..."}``; a run that
    fails ends its stream with the protocol's error event, whose text never holds a
    secret (see :func:`~fantasy.web._common.error_text`).

    Args:
        agent: The agent to serve.
        protocol: The wire protocol of ``POST {path}``.
        path: Where the agent endpoint lives.
        ui: Serve the chat page at ``/`` (needs ``protocol="vercel"``).
        title: The page's title.
        max_body_bytes: Larger request bodies are refused with 413.

    Raises:
        InvalidArgumentError: Unknown protocol, bad path, or ``ui`` with ``"ag-ui"``.
    """
    wires = {"vercel": _vercel, "ag-ui": _agui}
    if protocol not in wires:
        raise InvalidArgumentError(
            f"unknown protocol {protocol!r} (vercel or ag-ui)", argument="protocol"
        )
    if not path.startswith("/") or path == "/":
        raise InvalidArgumentError("path must start with '/' and not be '/'", argument="path")
    show_ui = protocol == "vercel" if ui is None else ui
    if show_ui and protocol != "vercel":
        raise InvalidArgumentError("the built-in page speaks the vercel protocol", argument="ui")
    if max_body_bytes < 1:
        raise InvalidArgumentError("max_body_bytes must be positive", argument="max_body_bytes")
    wire = wires[protocol]()

    async def run_endpoint(request: Request) -> Response:
        try:
            body = await read_json(request, max_body_bytes)
            run = wire.parse(body)
        except RequestError as error:
            return JSONResponse({"error": str(error)}, status_code=error.status)
        except ClientDisconnect:
            return Response(status_code=400)
        return EventStream(stream_run(agent, run, wire), wire.headers)

    routes = [Route(path, run_endpoint, methods=["POST"])]
    if show_ui:
        routes.extend(
            _page.routes(agent, endpoint=path.lstrip("/"), title=title, limit=max_body_bytes)
        )
    return Starlette(routes=routes)


async def stream_run(agent: Agent, run: RunInput, wire: _Wire) -> AsyncIterator[bytes]:
    """The encoded events of one agent run; a failed run ends with the error event."""
    encoder = wire.encoder(run, agent)
    for item in encoder.start():
        yield wire.serialize(item)
    try:
        async with agent.stream(messages=run.messages, decisions=run.decisions) as events:
            async for event in events:
                for item in encoder.feed(event):
                    yield wire.serialize(item)
            result = await events.result()
    except Exception as error:
        logger.warning("agent run failed: %s", type(error).__name__, exc_info=error)
        closing = encoder.error(error)
    else:
        closing = encoder.finish(result)
    for item in closing:
        yield wire.serialize(item)
    if wire.done:
        yield wire.done


class EventStream(Response):
    """A streamed response that stops its source as soon as the client goes away.

    The source runs while ``receive`` is watched for ``http.disconnect`` (whatever the
    server's ASGI version), so a client that leaves cancels the run even while the run
    is silent (a slow model, a long tool).
    """

    def __init__(self, source: AsyncIterator[bytes], headers: Mapping[str, str]) -> None:
        self.status_code = 200
        self.background = None
        self.init_headers(dict(headers))  # no body: no content-length
        self.source = source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream the source; on disconnect, cancel it."""
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        async with anyio.create_task_group() as group:
            group.start_soon(_watch_disconnect, receive, group.cancel_scope.cancel)
            try:
                await _pump(self.source, send)
            except OSError:  # the client is gone (servers on ASGI 2.4 raise on send)
                logger.debug("client went away while streaming")
            group.cancel_scope.cancel()


async def _pump(source: AsyncIterator[bytes], send: Send) -> None:
    async with aclosing(source) as chunks:  # type: ignore[type-var]
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _watch_disconnect(receive: Receive, cancel: Callable[[], None]) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            cancel()
            return
