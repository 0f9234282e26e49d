"""The ``fantasy`` command: run an agent with demo tools or your own, offline or live.

``fantasy run "PROMPT"`` streams one answer, ``fantasy chat`` keeps a conversation
going, ``fantasy web`` serves the same agent on a chat page, ``fantasy models`` lists
the providers. Without ``--model`` (or ``FANTASY_MODEL``)
the first provider whose API key is set is used, else the offline
:class:`~fantasy.testing.models.TestModel`. The answer goes to stdout; tool calls,
reasoning, notices and usage go to stderr (``--json`` writes events to stdout instead).

Exit codes: 0 success, 1 a provider or runtime error, 2 a usage error (bad ``--model``,
missing key or base URL, bad arguments), 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from fantasy._version import __version__
from fantasy.cli._models import OFFLINE_NOTICE, UsageError, resolve_model
from fantasy.cli._printer import Printer, one_line
from fantasy.errors import FantasyError, InvalidArgumentError

__all__ = ["OFFLINE_NOTICE", "Printer", "UsageError", "build_parser", "main", "resolve_model"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``fantasy: error: ...``."""

    def error(self, message: str) -> NoReturn:
        hint = f"see '{self.prog} --help'"
        self.exit(EXIT_USAGE, f"fantasy: error: {message} ({hint})\n")


class LogHandler(logging.Handler):
    """The command's handler on the ``fantasy`` logger: errors, or everything with ``-v``.

    Records go through the printer once one exists (so they never land in the middle
    of an answer's line). Retries are left out: the printer reports each retry event.
    """

    def __init__(self, stream: TextIO, *, level: int) -> None:
        super().__init__(level)
        self.stream = stream
        self.printer: Printer | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING and str(record.msg).startswith("retry "):
            return
        try:
            text = f"fantasy {record.levelname}: {record.getMessage()}"
        except (TypeError, ValueError):  # a malformed record must not break the command
            self.handleError(record)
            return
        if self.printer is not None:
            self.printer.note(text, always=True)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _url(text: str) -> str:
    url = text.strip()
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return url


def _agent_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m",
        "--model",
        metavar="PROVIDER:MODEL",
        help="e.g. openai:gpt-4o (default: FANTASY_MODEL, else from the key set)",
    )
    parser.add_argument(
        "--base-url",
        type=_url,
        metavar="URL",
        help="the provider's API root, e.g. http://127.0.0.1:11434/v1 for a local server",
    )
    parser.add_argument("-s", "--system", default=None, help="the system prompt")
    parser.add_argument(
        "--max-steps", type=_positive, metavar="N", help="most model calls per answer"
    )
    parser.add_argument(
        "--tools",
        action="append",
        metavar="MODULE:ATTRIBUTE",
        help="your tools instead of the demo ones: a tool, a function or a list (repeatable)",
    )
    parser.add_argument(
        "--no-tools", action="store_true", help="run without tools (no demo weather, calculator)"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="show only the answer: no notices at all"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log each request to stderr (debug)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fantasy`` command."""
    parser = _Parser(
        prog="fantasy",
        description="Build AI agents: multi-provider, one API. Runs offline with a test "
        "model when no provider key is set.",
    )
    parser.add_argument("--version", action="version", version=f"fantasy {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = commands.add_parser("run", help="answer one prompt, streaming")
    run.add_argument("prompt", nargs="*", metavar="PROMPT", help="the prompt ('-': stdin)")
    _agent_options(run)
    run.add_argument(
        "--json", action="store_true", help="write one JSON object per event to stdout"
    )
    run.set_defaults(handler="run")
    chat = commands.add_parser("chat", help="chat interactively (reads lines until EOF or /exit)")
    _agent_options(chat)
    chat.add_argument(
        "--resume", metavar="FILE", help="continue a conversation saved with /save FILE"
    )
    chat.set_defaults(handler="chat")
    models = commands.add_parser("models", help="list providers and their API key variables")
    models.set_defaults(handler="models")
    from fantasy.cli._web import port_number

    web = commands.add_parser(
        "web", help="serve a chat page on 127.0.0.1 (offline on the test model by default)"
    )
    _agent_options(web)
    web.add_argument(
        "-p", "--port", type=port_number, default=8000, metavar="N", help="port (0: any free)"
    )
    web.set_defaults(handler="web")
    return parser


def _fail(message: str, code: int) -> int:
    sys.stdout.flush()
    sys.stderr.write(f"fantasy: error: {one_line(message, 500)}\n")
    return code


def _dispatch(args: argparse.Namespace) -> int:
    from fantasy.cli import _commands

    if getattr(args, "system", "") is None:
        from fantasy.cli._agent import DEFAULT_SYSTEM

        args.system = DEFAULT_SYSTEM
    if args.handler == "web":
        from fantasy.cli._web import command_web

        return command_web(args)
    handlers = {
        "run": _commands.command_run,
        "chat": _commands.command_chat,
        "models": _commands.command_models,
    }
    return handlers[args.handler](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fantasy`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns:
        The exit code.
    """
    args = build_parser().parse_args(argv)
    verbose = bool(getattr(args, "verbose", False))
    handler = LogHandler(sys.stderr, level=logging.DEBUG if verbose else logging.ERROR)
    args.log_handler = handler
    logger = logging.getLogger("fantasy")
    level = logger.level
    logger.addHandler(handler)
    if verbose:
        logger.setLevel(logging.DEBUG)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`fantasy run ... | head -1`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except (UsageError, InvalidArgumentError) as error:
        return _fail(str(error), EXIT_USAGE)
    except FantasyError as error:
        return _fail(str(error) or type(error).__name__, EXIT_ERROR)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
