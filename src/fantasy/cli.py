"""The ``fantasy`` command: run an agent with demo tools, offline or live.

``fantasy run "PROMPT"`` streams one answer, ``fantasy chat`` keeps a conversation
going, ``fantasy models`` lists the providers. Without ``--model`` the first provider
whose API key is set is used, else the offline :class:`~fantasy.testing.models.TestModel`.
The answer goes to stdout; tool calls, results, notices and usage go to stderr.

Exit codes: 0 success, 1 a provider or runtime error, 2 a usage error (bad
``--model``, bad arguments), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from fantasy._version import __version__
from fantasy.errors import FantasyError, InvalidArgumentError

if TYPE_CHECKING:
    from fantasy.agent import Agent, AgentResult
    from fantasy.messages import Message
    from fantasy.model import LanguageModel

__all__ = ["OFFLINE_NOTICE", "build_parser", "main", "resolve_model"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

OFFLINE_NOTICE = (
    "no provider key set: using the offline test model; set OPENAI_API_KEY, "
    "ANTHROPIC_API_KEY, GEMINI_API_KEY, OPENROUTER_API_KEY or AI_GATEWAY_API_KEY to go live"
)
DEFAULT_SYSTEM = "You are a concise, helpful assistant. Use the tools when they help."
_CHAT_HELP = "commands: /exit (or Ctrl-D) quits, /clear forgets the conversation, /help"
_TRACE_LIMIT = 200


class UsageError(FantasyError):
    """A mistake on the command line; reported in one line with exit code 2."""


# --- model selection -------------------------------------------------------------------


def resolve_model(
    spec: str | None, environ: Mapping[str, str] | None = None
) -> tuple[LanguageModel, str | None]:
    """The model to use, and a notice to show (set when falling back to the test model).

    Args:
        spec: ``"provider:model"`` from ``--model``, or ``None`` to pick from the environment.
        environ: Environment variables (default: ``os.environ``).

    Raises:
        UsageError: ``spec`` names an unknown provider or cannot be loaded.
    """
    from fantasy.provider import provider_from_env

    if spec:
        return _load_model(spec), None
    found = provider_from_env(dict(os.environ if environ is None else environ))
    if found is not None:
        return _load_model(f"{found[0]}:{found[1]}"), None
    from fantasy.testing.models import TestModel

    return TestModel(delay=0.02 if sys.stdout.isatty() else 0.0), OFFLINE_NOTICE


def _load_model(spec: str) -> LanguageModel:
    from fantasy.provider import language_model

    try:
        return language_model(spec)
    except FantasyError as error:
        raise UsageError(f"--model {spec}: {error}") from error
    except ImportError as error:
        raise UsageError(f"--model {spec}: provider not available ({error})") from error


def _build_agent(model: LanguageModel, args: argparse.Namespace) -> Agent:
    from fantasy.agent import Agent

    settings: dict[str, Any] = {"system_prompt": args.system, "tools": []}
    if not args.no_tools:
        from fantasy._demo_tools import demo_tools

        settings["tools"] = demo_tools()
    if args.max_steps is not None:
        settings["max_steps"] = args.max_steps
    return Agent(model, **settings)


# --- output ----------------------------------------------------------------------------


def _supports(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # in-memory text streams hold any text
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _one_line(text: str, limit: int = _TRACE_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Printer:
    """Renders agent events: answer text to ``out``, tool activity and usage to ``err``."""

    def __init__(self, out: TextIO, err: TextIO, *, quiet: bool = False) -> None:
        """Print to ``out``/``err``; ``quiet`` hides tool activity and usage."""
        self.out = out
        self.err = err
        self.quiet = quiet
        self._line_open = False
        fancy = _supports(err, "→←…")
        self._call_mark, self._result_mark = ("→", "←") if fancy else ("->", "<-")
        color = err.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        self._dim, self._reset = ("\x1b[2m", "\x1b[0m") if color else ("", "")

    def show(self, event: object) -> None:
        """Render one agent event (model stream parts; lifecycle events are skipped)."""
        from fantasy import stream
        from fantasy.retry import Retry

        if isinstance(event, stream.TextDelta):
            self.out.write(event.delta)
            self.out.flush()
            self._line_open = not event.delta.endswith("\n")
        elif isinstance(event, stream.ToolCall):
            self.note(f"{self._call_mark} {event.tool_name}({_one_line(event.input)})")
        elif isinstance(event, stream.ToolResult):
            self.note(f"{self._result_mark} {_one_line(_result_text(event.result))}")
        elif isinstance(event, stream.Warnings):
            for warning in event.warnings:
                text = warning.message or warning.details or warning.type
                self.note(f"warning: {warning.setting} {text}".replace("  ", " "))
        elif isinstance(event, Retry):
            self.note(f"retry {event.attempt} in {event.delay:.1f}s: {_one_line(str(event.error))}")

    def end_answer(self) -> None:
        """Close the answer's last line."""
        if self._line_open:
            self.out.write("\n")
            self.out.flush()
            self._line_open = False

    def note(self, text: str, *, always: bool = False) -> None:
        """Write a dimmed line to ``err`` (after closing the answer's open line)."""
        if self.quiet and not always:
            return
        self.end_answer()
        self.err.write(f"{self._dim}{text}{self._reset}\n")
        self.err.flush()

    def usage(self, result: AgentResult, model: LanguageModel) -> None:
        """Write the run's token usage."""
        usage = result.total_usage
        steps = len(result.steps)
        self.note(
            f"usage: {usage.input_tokens} input + {usage.output_tokens} output = "
            f"{usage.total_tokens} tokens, {steps} step{'s' if steps != 1 else ''} "
            f"({model.provider}:{model.model_id})"
        )


def _result_text(output: Any) -> str:
    from fantasy.messages import ErrorOutput, MediaOutput, TextOutput

    if isinstance(output, TextOutput):
        return output.text
    if isinstance(output, ErrorOutput):
        return f"error: {output.error}"
    if isinstance(output, MediaOutput):
        return f"[{output.media_type}, {len(output.data)} bytes] {output.text}".strip()
    return str(output)


# --- commands --------------------------------------------------------------------------


async def run_turn(
    agent: Agent, prompt: str, history: Sequence[Message], printer: Printer
) -> AgentResult:
    """Stream one agent run for ``prompt`` after ``history``, rendering its events."""
    async with agent.stream(prompt, messages=list(history)) as events:
        async for event in events:
            printer.show(event)
        result = await events.result()
    printer.end_answer()
    return result


def _prepare(args: argparse.Namespace, printer: Printer) -> tuple[LanguageModel, Agent]:
    model, notice = resolve_model(args.model)
    if notice:
        printer.note(notice, always=True)
    return model, _build_agent(model, args)


def _read_prompt(args: argparse.Namespace) -> str:
    prompt = " ".join(args.prompt).strip()
    if prompt == "-" or (not prompt and not sys.stdin.isatty()):
        prompt = sys.stdin.read().strip()
    if not prompt:
        raise UsageError('run needs a prompt, e.g. fantasy run "What\'s the weather in Florence?"')
    return prompt


def _command_run(args: argparse.Namespace) -> int:
    printer = Printer(sys.stdout, sys.stderr, quiet=args.quiet)
    prompt = _read_prompt(args)
    model, agent = _prepare(args, printer)
    import asyncio

    result = asyncio.run(run_turn(agent, prompt, (), printer))
    printer.usage(result, model)
    return EXIT_OK


def _command_chat(args: argparse.Namespace) -> int:
    printer = Printer(sys.stdout, sys.stderr, quiet=args.quiet)
    model, agent = _prepare(args, printer)
    interactive = sys.stdin.isatty()
    if interactive:
        printer.note(f"chatting with {model.provider}:{model.model_id}; {_CHAT_HELP}", always=True)
    history: list[Message] = []
    import asyncio

    # One event loop for the whole session: provider HTTP clients stay bound to it.
    with asyncio.Runner() as runner:
        while (line := _read_line(interactive)) is not None:
            text = line.strip()
            if text in ("/exit", "/quit"):
                break
            if text in ("", "/clear", "/help"):
                history = [] if text == "/clear" else history
                if text == "/help":
                    printer.note(_CHAT_HELP, always=True)
                continue
            try:
                result = runner.run(run_turn(agent, text, history, printer))
            except FantasyError as error:
                if not interactive:
                    raise
                printer.note(f"error: {_one_line(str(error))}", always=True)
                continue
            history = list(result.history)
            printer.usage(result, model)
    return EXIT_OK


def _read_line(interactive: bool) -> str | None:
    try:
        return input("> ") if interactive else _stdin()
    except EOFError:
        if interactive:
            sys.stdout.write("\n")
        return None


def _stdin() -> str:
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


# What the providers chosen only with --model read from the environment.
_SETUP = {
    "openai-responses": "OPENAI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT",
    "azure-responses": "AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT",
    "openaicompat": "(base_url required; optional API key)",
    "openai-compat": "(base_url required; optional API key)",
    "bedrock": "AWS_BEARER_TOKEN_BEDROCK or AWS credentials",
    "anthropic-vertex": "GOOGLE_CLOUD_PROJECT + Google credentials",
    "google-vertex": "GOOGLE_CLOUD_PROJECT + Google credentials",
    "test": "(none: offline)",
}


def _command_models(args: argparse.Namespace) -> int:
    del args
    from fantasy.provider import ENV_PROVIDERS, PROVIDERS

    rows = [("PROVIDER", "ENVIRONMENT", "DEFAULT MODEL", "")]
    for name in PROVIDERS:
        entries = [(var, model) for var, provider, model in ENV_PROVIDERS if provider == name]
        variables = ", ".join(var for var, _ in entries) or _SETUP.get(name, "-")
        default = entries[0][1] if entries else ("test-model" if name == "test" else "-")
        is_set = any(os.environ.get(var) for var, _ in entries)
        rows.append((name, variables, default, "(key set)" if is_set else ""))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        print(f"{line}  {row[3]}".rstrip())
    order = ", ".join(dict.fromkeys(var for var, _, _ in ENV_PROVIDERS))
    note = (
        "Choose a model with --model provider:model (e.g. openai:gpt-4o). Without it, the "
        f"first key set picks the provider (in this order: {order}); with none set, the "
        "offline test model answers."
    )
    print("\n" + textwrap.fill(note, width=88))
    return EXIT_OK


# --- parser and entry point --------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _agent_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m", "--model", metavar="PROVIDER:MODEL", help="e.g. openai:gpt-4o (default: from env)"
    )
    parser.add_argument("-s", "--system", default=DEFAULT_SYSTEM, help="the system prompt")
    parser.add_argument(
        "--max-steps", type=_positive, metavar="N", help="most model calls per answer"
    )
    parser.add_argument(
        "--no-tools", action="store_true", help="run without the demo tools (weather, calculator)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="show only the answer")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fantasy`` command."""
    parser = argparse.ArgumentParser(
        prog="fantasy",
        description="Build AI agents: multi-provider, one API. Runs offline with a test "
        "model when no provider key is set.",
    )
    parser.add_argument("--version", action="version", version=f"fantasy {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = commands.add_parser("run", help="answer one prompt, streaming")
    run.add_argument("prompt", nargs="*", metavar="PROMPT", help="the prompt ('-': stdin)")
    _agent_options(run)
    run.set_defaults(handler=_command_run)
    chat = commands.add_parser("chat", help="chat interactively (reads lines until EOF or /exit)")
    _agent_options(chat)
    chat.set_defaults(handler=_command_chat)
    models = commands.add_parser("models", help="list providers and their API key variables")
    models.set_defaults(handler=_command_models)
    from fantasy._cli_web import add_web_command

    add_web_command(commands, DEFAULT_SYSTEM)
    return parser


def _fail(message: str, code: int) -> int:
    sys.stdout.flush()
    sys.stderr.write(f"fantasy: error: {_one_line(message, 500)}\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fantasy`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns:
        The exit code.
    """
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
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
    return code
