"""What the agent loop tells a tracer, at its seams (nothing at all unless instrumented).

The loop asks :func:`tracer_for` once per run. With no tracer (the default) it keeps
``None`` and each seam pays one ``is None`` check. A tracer (``fantasy.otel`` builds
one on OpenTelemetry) gets:

* :meth:`Tracer.agent_run` when a run starts: the :class:`RunTrace` it returns is told
  of every model call (:meth:`RunTrace.model_call`, finished with the response or the
  error), every tool execution (:meth:`RunTrace.tool_call`, a context manager around
  it, so that work inside the tool nests under it), every retry, and the run's end.

This module imports nothing optional: the protocol lives in the core, the
OpenTelemetry implementation in the ``otel`` extra.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from fantasy.content import ToolCallContent
    from fantasy.model import Call, LanguageModel
    from fantasy.response import Response
    from fantasy.retry import Retry

__all__ = [
    "CallTrace",
    "RunTrace",
    "ToolTrace",
    "Tracer",
    "CallScope",
    "end_run",
    "note_retry",
    "set_global_tracer",
    "tracer_for",
]


class CallTrace(Protocol):
    """One model call being traced."""

    def finish(self, response: Response | None, error: BaseException | None) -> None:
        """The call ended with ``response``, or failed with ``error``."""
        ...


class ToolTrace(Protocol):
    """One tool execution being traced (inside its ``with`` block)."""

    def ended(self, response: Any) -> None:
        """The tool returned ``response`` (a :class:`~fantasy.agent_tools.ToolResponse`)."""
        ...


class RunTrace(Protocol):
    """One agent run being traced."""

    def model_call(self, model: LanguageModel, call: Call, *, streaming: bool) -> CallTrace:
        """A model call of the run starts (one per attempt: a retry is a new call)."""
        ...

    def tool_call(self, call: ToolCallContent) -> AbstractContextManager[ToolTrace]:
        """A tool execution of the run, as a context manager around it."""
        ...

    def retry(self, retry: Retry) -> None:
        """A failed model call is about to be retried."""
        ...

    def finish(self, result: Any, error: BaseException | None) -> None:
        """The run ended with ``result`` (an ``AgentResult``) or ``error``."""
        ...


class Tracer(Protocol):
    """Makes the trace of each agent run."""

    def agent_run(self, run: Any) -> RunTrace:
        """The trace of ``run`` (an :class:`~fantasy.agent.AgentRun`), which starts now."""
        ...


_global: list[Tracer | None] = [None]


def set_global_tracer(tracer: Tracer | None) -> None:
    """Trace every agent run with ``tracer`` (``None``: stop)."""
    _global[0] = tracer


def tracer_for(own: Tracer | None) -> Tracer | None:
    """The tracer of a run: the agent's own, else the global one, else ``None``."""
    return own if own is not None else _global[0]


class CallScope:
    """A model call's trace as a ``with`` block (a no-op when the run is not traced).

    The block reports how the call ended with :meth:`ended`; leaving it by an exception
    (the stream closed, the task cancelled) ends the call with that exception.
    """

    __slots__ = ("_error", "_response", "_traced")

    def __init__(
        self, trace: RunTrace | None, model: LanguageModel, call: Call, streaming: bool
    ) -> None:
        self._traced = None if trace is None else trace.model_call(model, call, streaming=streaming)
        self._response: Response | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> CallScope:
        return self

    def ended(self, response: Response | None, error: BaseException | None) -> None:
        """How the call ended: its response, or the error it failed with."""
        self._response, self._error = response, error

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        if self._traced is not None:
            self._traced.finish(None if error else self._response, error or self._error)


def note_retry(trace: RunTrace | None, retry: Retry) -> None:
    """Tell a run's trace that a model call is retried (a no-op for ``None``)."""
    if trace is not None:
        trace.retry(retry)


def end_run(trace: RunTrace | None, result: Any, error: BaseException | None) -> None:
    """Tell a run's trace how the run ended (a no-op for ``None``)."""
    if trace is not None:
        trace.finish(result, error)
