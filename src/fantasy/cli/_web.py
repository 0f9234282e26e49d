"""``fantasy web``: the built-in chat page on 127.0.0.1, offline on the test model by default.

The agent is the one ``fantasy run`` builds from the same flags (model, ``--base-url``,
system prompt, tools, step cap: :mod:`fantasy.cli._agent`); only serving it is here.
Starlette and uvicorn load when the command runs, never for the other commands.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import TYPE_CHECKING

from fantasy.cli._agent import build_agent
from fantasy.cli._models import UsageError, resolve_model

if TYPE_CHECKING:
    from fantasy.agent import Agent

__all__ = ["HOST", "command_web", "port_number", "web_agent"]

HOST = "127.0.0.1"
"""The only address served: the page is for the person at this machine."""

_TEST_MODEL_DELAY = 0.03  # seconds per streamed word, so the offline answer visibly streams


def port_number(text: str) -> int:
    """``--port``: a TCP port (0 picks a free one)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is between 0 and 65535")
    return value


def web_agent(args: argparse.Namespace) -> tuple[Agent, str | None]:
    """The agent to serve, as ``fantasy run`` builds it, and the offline notice if any.

    Raises:
        UsageError: A bad ``--model``, ``--base-url`` or ``--tools``.
    """
    model, notice = resolve_model(args.model, base_url=args.base_url)
    if notice is not None:  # the offline test model: stream visibly in the browser
        from fantasy.testing.models import TestModel

        model = TestModel(delay=_TEST_MODEL_DELAY)
    return build_agent(model, args), notice


def command_web(args: argparse.Namespace) -> int:
    """Serve the chat page until interrupted."""
    agent, notice = web_agent(args)
    try:
        import uvicorn

        from fantasy.web import app
    except ImportError as error:
        raise UsageError(
            f"fantasy web needs the 'web' extra: pip install 'fantasy[web]' ({error})"
        ) from error
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, args.port))
        listener.listen(128)  # connections queue from now on, before uvicorn runs
    except OSError as error:
        listener.close()
        raise UsageError(
            f"cannot listen on {HOST}:{args.port}: {error.strerror or error}"
        ) from None
    port = listener.getsockname()[1]
    if not args.quiet:
        if notice:
            sys.stderr.write(f"fantasy: {notice}\n")
        tools = ", ".join(tool.name for tool in agent.tools) or "none"
        sys.stderr.write(
            f"fantasy: model {agent.model.provider}:{agent.model.model_id}, tools: {tools}\n"
        )
    sys.stdout.write(
        f"fantasy web: serving the chat page on http://{HOST}:{port}/ (Ctrl-C stops)\n"
    )
    sys.stdout.flush()
    config = uvicorn.Config(
        app(agent),
        log_level="warning",
        lifespan="off",
        access_log=False,
        http="h11",
        ws="none",
        loop="asyncio",
    )
    uvicorn.Server(config).run(sockets=[listener])
    return 0
