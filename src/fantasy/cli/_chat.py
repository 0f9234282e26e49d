"""``fantasy chat``: a conversation in the terminal.

Line editing and input history come from :mod:`readline` (kept between sessions in
``FANTASY_HISTORY_FILE``, default ``$XDG_STATE_HOME/fantasy/chat_history``; empty
disables it). Ctrl-C cancels the answer in progress and returns to the prompt; Ctrl-D
or ``/exit`` quits. ``/save FILE`` writes the conversation as the JSON list of
:meth:`fantasy.Message.to_dict` items that ``--resume FILE`` reads back.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fantasy.cli._models import UsageError
from fantasy.cli._printer import Printer, one_line

if TYPE_CHECKING:
    from fantasy.agent import Agent, AgentResult
    from fantasy.messages import Message
    from fantasy.model import LanguageModel
    from fantasy.usage import Usage

__all__ = [
    "CHAT_HELP",
    "HISTORY_VARIABLE",
    "ChatSession",
    "cancellable",
    "load_conversation",
    "save_conversation",
]

T = TypeVar("T")

HISTORY_VARIABLE = "FANTASY_HISTORY_FILE"
CHAT_HELP = (
    "commands: /exit (or Ctrl-D) quits, /clear forgets the conversation, /save FILE "
    "writes it, /usage shows the session's tokens, /help; Ctrl-C cancels an answer"
)
_HISTORY_LENGTH = 1000


# --- conversation files -----------------------------------------------------------------


def save_conversation(path: str, messages: Sequence[Message]) -> None:
    """Write ``messages`` to ``path`` as a JSON list (replacing the file atomically)."""
    target = Path(path).expanduser()
    temporary = target.with_name(f".{target.name}.tmp")
    text = json.dumps([message.to_dict() for message in messages], ensure_ascii=False, indent=1)
    temporary.write_text(text + "\n", encoding="utf-8")
    os.replace(temporary, target)


def load_conversation(path: str) -> list[Message]:
    """The messages saved in ``path`` (a JSON list, or an object with ``"messages"``).

    Raises:
        UsageError: The file cannot be read or holds no conversation.
    """
    from fantasy.messages import Message

    try:
        data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"--resume {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise UsageError(f"--resume {path}: not JSON ({error})") from error
    items = data.get("messages") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise UsageError(f"--resume {path}: expected a JSON list of messages")
    try:
        return [Message.from_dict(item) for item in items]
    except Exception as error:
        raise UsageError(
            f"--resume {path}: not a saved conversation ({type(error).__name__}: {error})"
        ) from error


# --- Ctrl-C ---------------------------------------------------------------------------------


async def cancellable(work: Awaitable[T]) -> tuple[T | None, bool]:
    """Await ``work``; Ctrl-C cancels it. Returns ``(result, cancelled)``.

    Outside the main thread, or where the loop cannot handle signals, Ctrl-C keeps
    raising :class:`KeyboardInterrupt`.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        interrupted = True
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, interrupt)
        handled = True
    except (NotImplementedError, RuntimeError, ValueError):
        handled = False
    try:
        return await work, False
    except asyncio.CancelledError:
        if interrupted and task is not None and task.uncancel() == 0:
            return None, True
        raise
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGINT)


# --- the session ----------------------------------------------------------------------------


class ChatSession:
    """One conversation: its messages, its usage totals and the commands that change them."""

    def __init__(
        self,
        agent: Agent,
        model: LanguageModel,
        printer: Printer,
        *,
        history: Sequence[Message] = (),
        turn: Callable[[Agent, str, Sequence[Message], Printer], Awaitable[AgentResult]],
        on_result: Callable[[AgentResult], None] | None = None,
    ) -> None:
        """Chat with ``agent``; ``turn`` runs one answer, ``on_result`` sees each result."""
        from fantasy.usage import Usage

        self.agent = agent
        self.model = model
        self.printer = printer
        self.messages: list[Message] = list(history)
        self.usage: Usage = Usage()
        self._turn = turn
        self._on_result = on_result

    def command(self, text: str) -> bool:
        """Run a ``/command``; ``False`` when it asks to quit."""
        name, _, argument = text.partition(" ")
        argument = argument.strip()
        if name in ("/exit", "/quit"):
            return False
        if name == "/clear":
            count = len(self.messages)
            self.messages = []
            self._say(
                f"conversation cleared ({count} message{'s' if count != 1 else ''} forgotten)"
            )
        elif name == "/save":
            self._save(argument)
        elif name == "/usage":
            self._say(f"session usage: {_usage_line(self.usage)}")
        elif name == "/help":
            self._say(CHAT_HELP)
        else:
            self._say(f"unknown command {name}; {CHAT_HELP}")
        return True

    def _save(self, path: str) -> None:
        if not path:
            self._say("usage: /save FILE")
            return
        try:
            save_conversation(path, self.messages)
        except OSError as error:
            self._say(f"error: cannot save to {path}: {error.strerror or error}")
            return
        self._say(f"saved {len(self.messages)} messages to {path}")

    def _say(self, text: str) -> None:
        self.printer.note(text, always=True)

    async def ask(self, text: str) -> bool:
        """Answer ``text``; ``False`` when Ctrl-C cancelled it (the conversation is unchanged)."""
        result, cancelled = await cancellable(
            self._turn(self.agent, text, self.messages, self.printer)
        )
        if cancelled or result is None:
            self._say("cancelled")
            return False
        self.messages = list(result.history)
        self.usage = self.usage + result.total_usage
        if self._on_result is not None:
            self._on_result(result)
        self.printer.result(result, self.model, session=self.usage)
        return True


def _usage_line(usage: Usage) -> str:
    from fantasy.cli._printer import usage_text

    return usage_text(usage)


# --- input ----------------------------------------------------------------------------------


def history_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where input history is kept (``None``: not kept)."""
    environ = os.environ if environ is None else environ
    if HISTORY_VARIABLE in environ:
        value = environ[HISTORY_VARIABLE]
        return Path(value).expanduser() if value else None
    state = environ.get("XDG_STATE_HOME") or os.path.join("~", ".local", "state")
    return Path(state).expanduser() / "fantasy" / "chat_history"


class LineReader:
    """Reads the user's lines: ``input()`` with readline on a terminal, else stdin."""

    def __init__(self, interactive: bool, printer: Printer) -> None:
        """Use readline (and the history file) when ``interactive``."""
        self.interactive = interactive
        self._printer = printer
        self._readline: Any = None
        self._history: Path | None = None
        if interactive:
            self._setup_readline()

    def _setup_readline(self) -> None:
        try:
            import readline
        except ImportError:  # a Python built without it: plain input()
            return
        self._readline = readline
        self._history = history_path()
        readline.set_history_length(_HISTORY_LENGTH)
        if self._history is not None and self._history.is_file():
            try:
                readline.read_history_file(str(self._history))
            except OSError as error:
                self._printer.note(f"cannot read input history {self._history}: {error}")

    def read(self) -> str | None:
        """The next line, or ``None`` at end of input. Ctrl-C gives an empty line."""
        if not self.interactive:
            line = sys.stdin.readline()
            return line if line else None
        try:
            return input("> ")
        except EOFError:
            sys.stdout.write("\n")
            return None
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            return ""

    def close(self) -> None:
        """Save the input history."""
        if self._readline is None or self._history is None:
            return
        try:
            self._history.parent.mkdir(parents=True, exist_ok=True)
            self._readline.write_history_file(str(self._history))
        except OSError as error:
            self._printer.note(f"cannot save input history {self._history}: {error}")


def chat_loop(session: ChatSession, reader: LineReader) -> None:
    """Read lines and answer them until end of input or ``/exit``.

    Raises:
        FantasyError: A turn failed and input is not interactive (a script gets the
            error and its exit code); interactively the error is shown and the chat goes on.
    """
    from fantasy.errors import FantasyError

    # One event loop for the whole session: provider HTTP clients stay bound to it.
    with asyncio.Runner() as runner:
        while (line := reader.read()) is not None:
            text = line.strip()
            if not text:
                continue
            if text.startswith("/"):
                if not session.command(text):
                    break
                continue
            try:
                runner.run(session.ask(text))
            except FantasyError as error:
                if not reader.interactive:
                    raise
                session.printer.note(f"error: {one_line(str(error))}", always=True, alert=True)
