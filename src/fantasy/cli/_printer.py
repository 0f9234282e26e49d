"""Rendering an agent stream for a person: the answer on stdout, everything else on stderr.

Retries never glue two attempts together. When stdout is not a terminal the answer
text of a step is held until the step is finished (a finished step is never retried),
so a failed attempt's text is dropped and the file or pipe gets only the final answer.
On a terminal the text streams as it comes; a retry closes the line and shows a
notice, and what follows is the new attempt.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from fantasy.agent import AgentResult
    from fantasy.model import LanguageModel
    from fantasy.stream import Retry
    from fantasy.usage import Usage

__all__ = ["Printer", "Spinner", "isatty", "one_line"]

TRACE_LIMIT = 200
_FRAMES_FANCY = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_FRAMES_PLAIN = "-\\|/"
_SPIN_INTERVAL = 0.1
_SPIN_FRAMES_MAX = 36_000  # an hour of frames: the spinner is stopped long before


def isatty(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (``False`` for closed or in-memory streams)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def supports(stream: TextIO, text: str) -> bool:
    """Whether ``stream``'s encoding can write ``text``."""
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # in-memory text streams hold any text
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def one_line(text: str, limit: int = TRACE_LIMIT) -> str:
    """``text`` on one line, shortened to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def usage_text(usage: Usage) -> str:
    """``"12 input + 5 output = 17 tokens"`` (plus reasoning and cache reads when set)."""
    text = (
        f"{usage.input_tokens} input + {usage.output_tokens} output = {usage.total_tokens} tokens"
    )
    extras = []
    if usage.reasoning_tokens:
        extras.append(f"{usage.reasoning_tokens} reasoning")
    if usage.cache_read_tokens:
        extras.append(f"{usage.cache_read_tokens} cached")
    return f"{text} ({', '.join(extras)})" if extras else text


class Spinner:
    """A waiting indicator on a terminal, drawn by a task of the running event loop."""

    def __init__(
        self, stream: TextIO, *, fancy: bool, label: str = "waiting for the model"
    ) -> None:
        """Draw on ``stream``: braille frames when ``fancy``, else ASCII ones."""
        self._stream = stream
        self._frames = _FRAMES_FANCY if fancy else _FRAMES_PLAIN
        self._label = label + ("…" if fancy else "...")
        self._task: asyncio.Task[None] | None = None
        self._drawn = False

    def start(self) -> None:
        """Start drawing (no-op when already drawing or outside an event loop)."""
        if self._task is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._spin())

    def stop(self) -> None:
        """Stop drawing and erase the indicator's line."""
        if self._task is None:
            return
        self._task.cancel()
        self._task = None
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn = False

    async def _spin(self) -> None:
        for index in range(_SPIN_FRAMES_MAX):
            await asyncio.sleep(_SPIN_INTERVAL)
            frame = self._frames[index % len(self._frames)]
            self._stream.write(f"\r{frame} {self._label}")
            self._stream.flush()
            self._drawn = True


class Printer:
    """Renders agent events: answer text to ``out``; tools, reasoning and notices to ``err``.

    Args:
        out: Where the answer goes.
        err: Where tool activity, reasoning, notices and usage go.
        quiet: Show only the answer (every notice hidden, errors excepted).
        hold: Hold each step's text until the step is finished (default: when ``out``
            is not a terminal), so that a retried attempt's text is never written.
        spinner: Show a waiting indicator until the first output of each model call
            (default: when ``err`` is a terminal and not ``quiet``).
    """

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        quiet: bool = False,
        hold: bool | None = None,
        spinner: bool | None = None,
    ) -> None:
        self.out = out
        self.err = err
        self.quiet = quiet
        self.hold = not isatty(out) if hold is None else hold
        self.retries = 0
        fancy = supports(err, "→←↻…⠋")
        self._call_mark, self._result_mark, self._retry_mark = (
            ("→", "←", "↻") if fancy else ("->", "<-", "~")
        )
        terminal = isatty(err) and os.environ.get("TERM") != "dumb"
        color = terminal and not os.environ.get("NO_COLOR")
        self._dim, self._alert, self._reset = (
            ("\x1b[2m", "\x1b[33m", "\x1b[0m") if color else ("", "", "")
        )
        show_spinner = (terminal and not quiet) if spinner is None else spinner
        self._spinner = Spinner(err, fancy=fancy) if show_spinner else None
        self._pending: list[str] = []  # held text of the step in progress
        self._open = False  # the answer's last line (written or held) is not closed
        self._break = False  # tool activity came since the last text: start a new line
        self._committed = (False, False)  # (_open, _break) when the last step finished
        self._reasoning_open = False
        self._reasoning_newline = True
        self._handlers = self._dispatch()

    def _dispatch(self) -> dict[type, Callable[[Any], None]]:
        from fantasy import stream
        from fantasy._agent_events import StepFinish, StepStart
        from fantasy.stream import Retry

        return {
            stream.TextDelta: lambda event: self._text(event.delta),
            stream.ReasoningDelta: lambda event: self._reasoning(event.delta),
            stream.ReasoningEnd: lambda _event: self._end_reasoning(),
            stream.ToolCall: self._tool_call,
            stream.ToolResult: self._tool_result,
            stream.Warnings: self._warnings,
            Retry: self._retry,
            StepStart: lambda _event: self.waiting(),
            StepFinish: lambda _event: self._commit(),
        }

    # --- events -------------------------------------------------------------------------

    def show(self, event: object) -> None:
        """Render one agent event (parts a person does not need are skipped)."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _text(self, delta: str) -> None:
        if not delta:
            return
        self.stop_waiting()
        self._end_reasoning()
        if self._break and self._open:
            delta = "\n" + delta
        self._break = False
        if self.hold:
            self._pending.append(delta)
        else:
            self.out.write(delta)
            self.out.flush()
        self._open = not delta.endswith("\n")

    def _reasoning(self, delta: str) -> None:
        if self.quiet or not delta:
            return
        self.stop_waiting()
        if not self._reasoning_open:
            self._close_terminal_line()
            self.err.write(self._dim)
            self._reasoning_open = True
        self.err.write(delta)
        self.err.flush()
        self._reasoning_newline = delta.endswith("\n")

    def _end_reasoning(self) -> None:
        if not self._reasoning_open:
            return
        self._reasoning_open = False
        self.err.write(self._reset + ("" if self._reasoning_newline else "\n"))
        self.err.flush()
        self._reasoning_newline = True

    def _tool_call(self, event: Any) -> None:
        self._break = True
        self.note(f"{self._call_mark} {event.tool_name}({one_line(event.input)})")

    def _tool_result(self, event: Any) -> None:
        self._break = True
        self.note(f"{self._result_mark} {one_line(result_text(event.result))}")

    def _warnings(self, event: Any) -> None:
        for warning in event.warnings:
            self.note(f"warning: {warning.message}")  # never empty

    def _retry(self, event: Retry) -> None:
        self.retries += 1
        reason = one_line(str(event.error) or type(event.error).__name__)
        head = f"{self._retry_mark} retry {event.attempt} in {event.delay:.1f}s: {reason}"
        if event.model:  # a fallback model takes over
            head += f" (now {event.model})"
        if self.hold:
            # Nothing of the failed attempt was written: drop what was held.
            self._pending.clear()
            self._open, self._break = self._committed
            self.note(head)
        else:
            self._close_terminal_line()
            self.note(f"{head}; the answer starts over", alert=True)
        self.waiting()

    def _commit(self) -> None:
        """The step is finished: write its held text."""
        self.stop_waiting()
        if self._pending:
            self.out.write("".join(self._pending))
            self.out.flush()
            self._pending.clear()
        self._committed = (self._open, self._break)

    # --- lines, notices, waiting ------------------------------------------------------

    def _close_terminal_line(self) -> None:
        """End the answer's open line on the terminal (so stderr starts a line of its own)."""
        if self.hold:
            return
        if self._open:
            self.out.write("\n")
            self.out.flush()
        self._open = False
        self._break = False

    def end_answer(self) -> None:
        """Write what is held and close the answer's last line."""
        self.stop_waiting()
        self._end_reasoning()
        self._commit()
        if self._open:
            self.out.write("\n")
            self.out.flush()
        self._open = self._break = False
        self._committed = (False, False)

    def abandon(self) -> None:
        """The run ended early (error or cancel): drop held text, restore the terminal."""
        if self.hold:
            self._pending.clear()
            self._open, self._break = self._committed
        self.end_answer()

    def waiting(self) -> None:
        """Show the waiting indicator (only at the start of a line)."""
        if self._spinner is not None and not (self._open and not self.hold):
            self._spinner.start()

    def stop_waiting(self) -> None:
        """Erase the waiting indicator."""
        if self._spinner is not None:
            self._spinner.stop()

    def note(self, text: str, *, always: bool = False, alert: bool = False) -> None:
        """Write a dimmed line to ``err`` (after closing the answer's line on a terminal).

        ``quiet`` hides it unless ``always``; ``alert`` shows it in a warning colour.
        """
        if self.quiet and not always:
            return
        self.stop_waiting()
        self._end_reasoning()
        self._close_terminal_line()
        self.err.write(f"{self._alert if alert else self._dim}{text}{self._reset}\n")
        self.err.flush()

    def result(
        self, result: AgentResult, model: LanguageModel, *, session: Usage | None = None
    ) -> None:
        """Write the run's token usage (and the session's, in a chat)."""
        steps = len(result.steps)
        text = (
            f"usage: {usage_text(result.total_usage)}, {_plural(steps, 'step')} "
            f"({model.provider}:{model.model_id})"
        )
        if session is not None:
            text += f"; session: {session.total_tokens} tokens"
        self.note(text)


def result_text(output: Any) -> str:
    """A tool result in one short line."""
    from fantasy.messages import ErrorOutput, MediaOutput, TextOutput

    if isinstance(output, TextOutput):
        return output.text
    if isinstance(output, ErrorOutput):
        return f"error: {output.error}"
    if isinstance(output, MediaOutput):
        return f"[{output.media_type}, {len(output.data)} bytes] {output.text}".strip()
    return str(output)
