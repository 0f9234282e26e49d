"""Running a step's validated tool calls (batches, concurrency, errors).

Calls run in the model's order. Consecutive calls of parallel-safe tools
(``parallel=True``) form a batch that runs concurrently, at most ``max_parallel``
at a time; any other call runs alone. Results are yielded in call order, batch by
batch. Invalid calls are not run: their result is the validation error.

What a tool raises:

* :class:`~fantasy.errors.ModelRetry`: its message goes to the model as the error
  result, and the run goes on (never raised out of the run);
* :class:`~fantasy.errors.ToolExecutionError`: the run ends with it (other calls of its
  batch are cancelled); so does :class:`~fantasy.errors.UsageError` (fantasy misused
  inside the tool: it always reaches the caller);
* any other exception is logged once at WARNING with its traceback on the ``fantasy``
  logger; with ``tool_errors="model"`` (the default) the model sees
  ``"<ExceptionType>: <message>"`` and the exception is kept on the result's
  ``exception``; with ``tool_errors="raise"`` it ends the run.

:class:`~fantasy.approval.CallDeferred` leaves the call pending (the run pauses).

Cancelling the run cancels running tools.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from fantasy._agent_settings import ToolErrors
from fantasy._validation import ValidatedCall
from fantasy.agent_tools import ToolContext, ToolResponse
from fantasy.approval import CallDeferred, PendingKind, PendingToolCall
from fantasy.content import ToolResultContent
from fantasy.errors import ModelRetry, ToolExecutionError, UsageError

__all__ = [
    "Execute",
    "ToolOutcome",
    "batches",
    "error_text",
    "pending_call",
    "run_batch",
    "run_call",
]

logger = logging.getLogger("fantasy")


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """One client tool result and whether the tool asked to end the loop.

    A call waiting for approval or for a result from outside has no ``result`` but a
    ``pending`` entry instead.
    """

    result: ToolResultContent | None
    stop_turn: bool = False
    pending: PendingToolCall | None = None


def error_text(error: BaseException) -> str:
    """What the model sees of a tool's exception: ``"<ExceptionType>: <message>"``."""
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


Execute: TypeAlias = Callable[[ValidatedCall, ToolContext[Any]], Awaitable[ToolResponse]]
"""The run's tool seam: run one valid call's tool with its context."""


async def run_call(
    checked: ValidatedCall,
    context: Callable[[ValidatedCall], ToolContext[Any]],
    execute: Execute,
    tool_errors: ToolErrors = "model",
) -> ToolOutcome:
    """The outcome of one checked call: its validation error, or what its tool returned.

    Raises:
        ToolExecutionError: The tool aborted the run.
        UsageError: fantasy was misused inside the tool (always reaches the caller).
        Exception: What the tool raised, when ``tool_errors`` is ``"raise"``.
    """
    call = checked.call
    if checked.tool is None or checked.arguments is None:
        error = call.validation_error or "invalid tool call"
        return ToolOutcome(_result(checked, ToolResponse(error=error)))
    try:
        response = await execute(checked, context(checked))
    except ModelRetry as retry:  # the tool asks the model to try again: never raised
        return ToolOutcome(_result(checked, ToolResponse(error=retry.message), retry))
    except ToolExecutionError as error:
        error.tool_name = error.tool_name or call.tool_name
        error.tool_call_id = error.tool_call_id or call.tool_call_id
        raise
    except CallDeferred:
        return ToolOutcome(None, pending=pending_call(checked, "deferred"))
    except UsageError:
        raise
    except Exception as error:  # a tool's failure: to the model, or raised
        logger.warning(
            "tool %r (call %s) raised %s",
            call.tool_name,
            call.tool_call_id,
            error_text(error),
            exc_info=error,
        )
        if tool_errors == "raise":
            error.add_note(f"raised by tool {call.tool_name!r} (call {call.tool_call_id})")
            raise
        return ToolOutcome(_result(checked, ToolResponse(error=error_text(error)), error))
    return ToolOutcome(_result(checked, response), response.stop_turn)


def pending_call(checked: ValidatedCall, kind: PendingKind) -> PendingToolCall:
    """The pending entry of a valid call that is not run now."""
    return PendingToolCall(
        tool_call_id=checked.call.tool_call_id,
        tool_name=checked.call.tool_name,
        arguments=dict(checked.arguments or {}),
        kind=kind,
    )


def _result(
    checked: ValidatedCall, response: ToolResponse, exception: BaseException | None = None
) -> ToolResultContent:
    return ToolResultContent(
        tool_call_id=checked.call.tool_call_id,
        tool_name=checked.call.tool_name,
        result=response.output(),
        client_metadata=dict(response.client_metadata),
        exception=exception,
    )


def _parallel(checked: ValidatedCall) -> bool:
    return checked.tool is not None and checked.tool.parallel


def batches(calls: Sequence[ValidatedCall]) -> list[list[ValidatedCall]]:
    """The calls grouped into batches: consecutive parallel-safe calls share one."""
    out: list[list[ValidatedCall]] = []
    for checked in calls:
        if out and _parallel(checked) and _parallel(out[-1][0]):
            out[-1].append(checked)
        else:
            out.append([checked])
    return out


async def run_batch(
    batch: list[ValidatedCall],
    run_one: Callable[[ValidatedCall], Awaitable[ToolOutcome]],
    limit: asyncio.Semaphore,
) -> list[ToolOutcome]:
    """Run one batch (concurrently when it has several calls); outcomes in call order."""
    if len(batch) == 1:
        return [await run_one(batch[0])]

    async def bounded(checked: ValidatedCall) -> ToolOutcome:
        async with limit:
            return await run_one(checked)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(bounded(checked)) for checked in batch]
    except BaseExceptionGroup as failures:
        # Only errors meant for the caller (or an internal bug) escape run_one: raise as is.
        raise failures.exceptions[0]  # noqa: B904 - keep the tool's own cause
    return [task.result() for task in tasks]
