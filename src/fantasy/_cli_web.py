"""``fantasy web``: the built-in chat page on 127.0.0.1, offline on the test model by default.

Kept apart from :mod:`fantasy.cli` (which only registers the subcommand) so that the
other commands never load the web stack: Starlette and uvicorn load when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import socket
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fantasy.agent import Agent

__all__ = ["HOST", "add_web_command", "load_tools"]

HOST = "127.0.0.1"
"""The only address served: the page is for the person at this machine."""

_TEST_MODEL_DELAY = 0.03  # seconds per streamed word, so the offline answer visibly streams


def add_web_command(commands: Any, default_system: str) -> None:
    """Register ``web`` on the ``fantasy`` command's subparsers."""
    from fantasy.cli import _positive

    web = commands.add_parser(
        "web", help="serve a chat page on 127.0.0.1 (offline on the test model by default)"
    )
    web.add_argument(
        "-m", "--model", metavar="PROVIDER:MODEL", help="e.g. openai:gpt-4o (default: from env)"
    )
    web.add_argument(
        "--tools",
        metavar="MODULE:ATTR",
        help="tools to serve instead of the demo tools: a list of tools, a tool, or a "
        "function returning a list",
    )
    web.add_argument("--no-tools", action="store_true", help="serve without any tools")
    web.add_argument("-s", "--system", default=default_system, help="the system prompt")
    web.add_argument("--max-steps", type=_positive, metavar="N", help="most model calls per answer")
    web.add_argument(
        "-p",
        "--port",
        type=_port,
        default=8000,
        metavar="N",
        help="port (default 8000; 0: any free)",
    )
    web.set_defaults(handler=command_web)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is between 0 and 65535")
    return value


def load_tools(spec: str) -> list[Any]:
    """The tools named by ``module:attr``.

    The attribute may be a list (or tuple) of tools, one tool (an ``AgentTool`` or a
    typed function), or a function taking no argument that returns a list of tools.

    Raises:
        UsageError: The spec is malformed, the module or attribute is missing.
    """
    from fantasy.agent_tools import AgentTool
    from fantasy.cli import UsageError

    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"--tools {spec}: expected MODULE:ATTR, e.g. myapp.tools:TOOLS")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise UsageError(f"--tools {spec}: cannot import {module_name!r} ({error})") from error
    try:
        value = getattr(module, attr)
    except AttributeError:
        raise UsageError(f"--tools {spec}: {module_name!r} has no attribute {attr!r}") from None
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, AgentTool):
        return [value]
    if callable(value) and _takes_no_arguments(value):
        made = value()
        return list(made) if isinstance(made, list | tuple) else [made]
    return [value]


def _takes_no_arguments(function: Any) -> bool:
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters
    )


def _agent(args: argparse.Namespace) -> tuple[Agent, str | None]:
    from fantasy.agent import Agent
    from fantasy.cli import resolve_model

    model, notice = resolve_model(args.model)
    if notice is not None:  # the offline test model: stream visibly
        from fantasy.testing.models import TestModel

        model = TestModel(delay=_TEST_MODEL_DELAY)
    tools: Sequence[Any] = []
    if args.tools:
        tools = load_tools(args.tools)
    elif not args.no_tools:
        from fantasy._demo_tools import demo_tools

        tools = demo_tools()
    options: dict[str, Any] = {}
    if args.max_steps is not None:
        options["max_steps"] = args.max_steps
    return Agent(model, system_prompt=args.system, tools=tools, **options), notice


def command_web(args: argparse.Namespace) -> int:
    """Serve the chat page until interrupted."""
    from fantasy.cli import UsageError

    agent, notice = _agent(args)
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
