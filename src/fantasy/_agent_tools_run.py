"""Running a step's validated tool calls (the agent's only tool executor).

Calls run in the model's order. Consecutive calls of parallel-safe tools
(``parallel=True``) form a batch that runs concurrently, at most ``max_parallel``
at a time; any other call runs alone. Results are yielded in call order, batch by
batch. Invalid calls are not run: their result is the validation error.

A tool that raises sends the error message to the model (an ``ErrorOutput``); a
:class:`~fantasy.errors.ToolExecutionError` aborts the run instead (other calls of its
batch are cancelled). Cancelling the run cancels running tools.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass

from fantasy._validation import ValidatedCall
from fantasy.agent_tools import ToolContext, ToolResponse, run_tool
from fantasy.content import ToolResultContent
from fantasy.errors import ToolExecutionError
from fantasy.messages import Message

__all__ = ["ToolOutcome", "run_tool_calls"]


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """One client tool result and whether the tool asked to end the loop."""

    result: ToolResultContent
    stop_turn: bool = False


def _error_text(error: Exception) -> str:
    return str(error) or type(error).__name__


async def _run_one(
    checked: ValidatedCall, step_number: int, messages: tuple[Message, ...]
) -> ToolOutcome:
    call = checked.call
    if checked.tool is None or checked.arguments is None:
        error = call.validation_error or "invalid tool call"
        return ToolOutcome(_result(checked, ToolResponse(error=error)))
    context = ToolContext(
        tool_call_id=call.tool_call_id,
        tool_name=call.tool_name,
        step_number=step_number,
        messages=messages,
    )
    try:
        response = await run_tool(checked.tool.run, checked.arguments, context)
    except ToolExecutionError as error:
        error.tool_name = error.tool_name or call.tool_name
        error.tool_call_id = error.tool_call_id or call.tool_call_id
        raise
    except Exception as error:  # noqa: BLE001 - a tool failure goes back to the model
        response = ToolResponse(error=_error_text(error))
    return ToolOutcome(_result(checked, response), response.stop_turn)


def _result(checked: ValidatedCall, response: ToolResponse) -> ToolResultContent:
    return ToolResultContent(
        tool_call_id=checked.call.tool_call_id,
        tool_name=checked.call.tool_name,
        result=response.output(),
        client_metadata=dict(response.client_metadata),
    )


def _parallel(checked: ValidatedCall) -> bool:
    return checked.tool is not None and checked.tool.parallel


def _batches(calls: Sequence[ValidatedCall]) -> list[list[ValidatedCall]]:
    batches: list[list[ValidatedCall]] = []
    for checked in calls:
        if batches and _parallel(checked) and _parallel(batches[-1][0]):
            batches[-1].append(checked)
        else:
            batches.append([checked])
    return batches


async def _run_batch(
    batch: list[ValidatedCall],
    step_number: int,
    messages: tuple[Message, ...],
    limit: asyncio.Semaphore,
) -> list[ToolOutcome]:
    if len(batch) == 1:
        return [await _run_one(batch[0], step_number, messages)]

    async def bounded(checked: ValidatedCall) -> ToolOutcome:
        async with limit:
            return await _run_one(checked, step_number, messages)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(bounded(checked)) for checked in batch]
    except BaseExceptionGroup as failures:
        # Only ToolExecutionError (or an internal bug) escapes _run_one: raise it as is.
        raise failures.exceptions[0]  # noqa: B904 - keep the tool's own cause
    return [task.result() for task in tasks]


async def run_tool_calls(
    calls: Sequence[ValidatedCall],
    *,
    step_number: int,
    messages: tuple[Message, ...],
    max_parallel: int,
) -> AsyncGenerator[ToolOutcome, None]:
    """Run the client tool calls of a step; yield their outcomes in call order."""
    limit = asyncio.Semaphore(max_parallel)
    for batch in _batches(calls):
        for outcome in await _run_batch(batch, step_number, messages, limit):
            yield outcome
