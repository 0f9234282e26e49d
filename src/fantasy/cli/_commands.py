"""The subcommands: ``run``, ``chat`` and ``models``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fantasy.cli._agent import build_agent, max_steps_of, stopped_at_step_cap
from fantasy.cli._models import UsageError, resolve_model
from fantasy.cli._printer import Printer, isatty

if TYPE_CHECKING:
    from fantasy.agent import Agent, AgentResult
    from fantasy.messages import Message
    from fantasy.model import LanguageModel

__all__ = ["EXIT_OK", "command_chat", "command_models", "command_run", "run_turn"]

EXIT_OK = 0


async def run_turn(
    agent: Agent, prompt: str, history: Sequence[Message], printer: Printer
) -> AgentResult:
    """Stream one agent run for ``prompt`` after ``history``, rendering its events."""
    try:
        async with agent.stream(prompt, messages=list(history)) as events:
            async for event in events:
                printer.show(event)
            result = await events.result()
    except BaseException:
        printer.abandon()
        raise
    printer.end_answer()
    return result


def _printer(args: argparse.Namespace) -> Printer:
    printer: Printer
    if getattr(args, "json", False):
        from fantasy.cli._json import JsonPrinter

        printer = JsonPrinter(sys.stdout, sys.stderr, quiet=args.quiet)
    else:
        printer = Printer(sys.stdout, sys.stderr, quiet=args.quiet)
    log_handler = getattr(args, "log_handler", None)
    if log_handler is not None:
        log_handler.printer = printer  # log lines never cut into the answer
    return printer


def _prepare(args: argparse.Namespace, printer: Printer) -> tuple[LanguageModel, Agent]:
    model, notice = resolve_model(args.model, base_url=args.base_url)
    agent = build_agent(model, args)  # before the notice: a bad --tools is one line
    if notice:
        printer.note(notice)
    return model, agent


def _after_run(result: AgentResult, args: argparse.Namespace, printer: Printer) -> None:
    if stopped_at_step_cap(result):
        cap = max_steps_of(args)
        printer.note(
            f"stopped at the step cap ({cap} steps) with tool calls still pending; "
            "raise it with --max-steps N",
            alert=True,
        )


def _read_prompt(args: argparse.Namespace) -> str:
    prompt = " ".join(args.prompt).strip()
    if prompt == "-" or (not prompt and not isatty(sys.stdin)):
        prompt = sys.stdin.read().strip()
    if not prompt:
        raise UsageError('run needs a prompt, e.g. fantasy run "What\'s the weather in Florence?"')
    return prompt


def command_run(args: argparse.Namespace) -> int:
    """``fantasy run PROMPT``: answer one prompt, streaming."""
    printer = _printer(args)
    prompt = _read_prompt(args)
    model, agent = _prepare(args, printer)
    try:
        result = asyncio.run(run_turn(agent, prompt, (), printer))
    except Exception as error:
        from fantasy.cli._json import JsonPrinter

        if isinstance(printer, JsonPrinter):
            printer.error(error)
        raise
    _after_run(result, args, printer)
    printer.result(result, model)
    return EXIT_OK


def command_chat(args: argparse.Namespace) -> int:
    """``fantasy chat``: a conversation, from the terminal or from lines on stdin."""
    from fantasy.cli._chat import CHAT_HELP, ChatSession, LineReader, chat_loop, load_conversation

    history = load_conversation(args.resume) if args.resume else []
    printer = _printer(args)
    model, agent = _prepare(args, printer)
    interactive = isatty(sys.stdin) and isatty(sys.stdout)
    if interactive:
        printer.note(f"chatting with {model.provider}:{model.model_id}; {CHAT_HELP}")
    if args.resume:
        printer.note(f"resumed {len(history)} messages from {args.resume}")
    session = ChatSession(
        agent,
        model,
        printer,
        history=history,
        turn=run_turn,
        on_result=lambda result: _after_run(result, args, printer),
    )
    reader = LineReader(interactive, printer)
    try:
        chat_loop(session, reader)
    finally:
        reader.close()
    return EXIT_OK


# What the providers chosen only with --model read from the environment.
_SETUP = {
    "openai-responses": "OPENAI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT",
    "azure-responses": "AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT",
    "openaicompat": "OPENAI_COMPAT_BASE_URL or --base-url (key optional)",
    "openai-compat": "OPENAI_COMPAT_BASE_URL or --base-url (key optional)",
    "bedrock": "AWS_BEARER_TOKEN_BEDROCK or AWS credentials",
    "anthropic-vertex": "GOOGLE_CLOUD_PROJECT + Google credentials",
    "google-vertex": "GOOGLE_CLOUD_PROJECT + Google credentials",
    "test": "(none: offline)",
}


def command_models(args: argparse.Namespace) -> int:
    """``fantasy models``: the providers, their environment variables and default models."""
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
        "Choose a model with --model provider:model (e.g. openai:gpt-4o) or FANTASY_MODEL. "
        f"Without it, the first key set picks the provider (in this order: {order}); with "
        "none set, the offline test model answers. --base-url (or OPENAI_BASE_URL, "
        "ANTHROPIC_BASE_URL, OPENAI_COMPAT_BASE_URL) points a provider at another server."
    )
    print("\n" + textwrap.fill(note, width=88))
    return EXIT_OK
