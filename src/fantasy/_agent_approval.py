"""The agent side of tool approval and deferred tools (see :mod:`fantasy.approval`).

* :func:`find_resume` looks at the end of a history for a paused step: an assistant
  message whose client tool calls do not all have a result in the tool messages after
  it. It splits the history there and checks the decisions against those calls.
* :class:`ToolGate` stands in front of the tool seam for every call: a call whose
  result is already known (it ran before the pause, or a decision denied it or supplied
  its result) is answered without running; a call that needs approval (and has none) or
  whose tool is deferred becomes pending.

The paused step's model answer is rebuilt from its assistant message
(:func:`message_content` inverts the step-message building), so the resumed run replays
it through :meth:`~fantasy._agent_run.ModelRequest.completed` and never calls the model
for it. Its usage is zero there: the run that paused counted it.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fantasy._agent_tools_run import ToolOutcome, pending_call
from fantasy._validation import ValidatedCall
from fantasy.agent_tools import AnyTool
from fantasy.approval import PendingKind, ToolDecision
from fantasy.content import (
    Content,
    FileContent,
    ReasoningContent,
    TextContent,
    ToolCallContent,
    ToolResultContent,
)
from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    FilePart,
    Message,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from fantasy.response import Response
from fantasy.usage import FinishReason

__all__ = ["Resume", "ToolGate", "find_resume", "message_content", "pending_kind"]


def _client_calls(message: Message) -> list[ToolCallPart]:
    return [
        part
        for part in message.content
        if isinstance(part, ToolCallPart) and not part.provider_executed
    ]


def _result_content(part: ToolResultPart) -> ToolResultContent:
    return ToolResultContent(
        tool_call_id=part.tool_call_id,
        tool_name=part.tool_name,
        result=part.output,
        client_metadata=part.client_metadata,
        provider_metadata=part.provider_options,
    )


def message_content(message: Message) -> tuple[Content, ...]:
    """The step content an assistant message replays (inverse of ``step_messages``)."""
    out: list[Content] = []
    for part in message.content:
        if isinstance(part, TextPart):
            out.append(TextContent(text=part.text, provider_metadata=part.provider_options))
        elif isinstance(part, ReasoningPart):
            out.append(ReasoningContent(text=part.text, provider_metadata=part.provider_options))
        elif isinstance(part, ToolCallPart):
            out.append(
                ToolCallContent(
                    tool_call_id=part.tool_call_id,
                    tool_name=part.tool_name,
                    input=part.input,
                    provider_executed=part.provider_executed,
                    provider_metadata=part.provider_options,
                )
            )
        elif isinstance(part, FilePart) and part.data is not None:
            out.append(
                FileContent(
                    media_type=part.media_type,
                    data=part.data,
                    provider_metadata=part.provider_options,
                )
            )
        elif isinstance(part, ToolResultPart) and part.provider_executed:
            out.append(
                ToolResultContent(
                    tool_call_id=part.tool_call_id,
                    tool_name=part.tool_name,
                    result=part.output,
                    provider_executed=True,
                    client_metadata=part.client_metadata,
                    provider_metadata=part.provider_options,
                )
            )
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Resume:
    """A paused step found at the end of a history, and what to do with its calls.

    Attributes:
        history: The messages before the paused step.
        assistant: The paused step's assistant message (the model's answer).
        results: Results already in the history, by call id (never run again).
        decisions: The caller's decisions, by call id.
        waiting: The ids of the calls without a result, in call order.
    """

    history: tuple[Message, ...]
    assistant: Message
    results: Mapping[str, ToolResultContent] = field(default_factory=dict)
    decisions: Mapping[str, ToolDecision] = field(default_factory=dict)
    waiting: tuple[str, ...] = ()

    def response(self) -> Response:
        """The paused step's model answer, rebuilt from its assistant message."""
        return Response(
            content=message_content(self.assistant),
            finish_reason=FinishReason.TOOL_CALLS,
            raw_finish_reason="tool_calls",
        )


def _paused_step(messages: Sequence[Message]) -> int | None:
    """Index of the trailing assistant message whose client calls lack results."""
    index = len(messages) - 1
    while index >= 0 and messages[index].role == "tool":
        index -= 1
    if index < 0 or messages[index].role != "assistant":
        return None
    answered = {
        part.tool_call_id
        for message in messages[index + 1 :]
        for part in message.content
        if isinstance(part, ToolResultPart)
    }
    calls = _client_calls(messages[index])
    return index if any(call.tool_call_id not in answered for call in calls) else None


def find_resume(
    messages: Sequence[Message],
    decisions: Sequence[ToolDecision],
    tools: Sequence[AnyTool],
    *,
    new_input: bool,
) -> Resume | None:
    """The paused step at the end of ``messages`` and the decisions about it, if any.

    Raises:
        InvalidArgumentError: Decisions without a paused step, a decision about a call
            that is not waiting, two decisions about one call, an approval of a deferred
            tool, or a new prompt while calls are waiting.
    """
    index = _paused_step(messages)
    if index is None:
        if decisions:
            raise InvalidArgumentError(
                "the history ends with no pending tool calls to decide", argument="decisions"
            )
        return None
    if new_input:
        raise InvalidArgumentError(
            "the history ends with pending tool calls: resume with decisions= and no new "
            "prompt or files",
            argument="prompt",
        )
    assistant = messages[index]
    results = {
        part.tool_call_id: _result_content(part)
        for message in messages[index + 1 :]
        for part in message.content
        if isinstance(part, ToolResultPart)
    }
    calls = {call.tool_call_id: call for call in _client_calls(assistant)}
    waiting = tuple(call_id for call_id in calls if call_id not in results)
    by_id: dict[str, ToolDecision] = {}
    deferred = {t.name for t in tools if getattr(t, "deferred", False)}
    for decision in decisions:
        call_id = decision.tool_call_id
        if call_id not in waiting:
            state = "already has a result" if call_id in results else "is not pending"
            raise InvalidArgumentError(f"tool call {call_id!r} {state}", argument="decisions")
        if call_id in by_id:
            raise InvalidArgumentError(f"two decisions for {call_id!r}", argument="decisions")
        if decision.decision == "approve" and calls[call_id].tool_name in deferred:
            raise InvalidArgumentError(
                f"tool call {call_id!r} is deferred: supply its result or deny it",
                argument="decisions",
            )
        by_id[call_id] = decision
    return Resume(
        history=tuple(messages[:index]),
        assistant=assistant,
        results=results,
        decisions=by_id,
        waiting=waiting,
    )


async def pending_kind(checked: ValidatedCall) -> PendingKind | None:
    """Why a valid call must wait (``None``: run it now)."""
    tool = checked.tool
    if tool is None:
        return None
    if tool.deferred:
        return "deferred"
    rule = tool.needs_approval
    if callable(rule):
        verdict = rule(dict(checked.arguments or {}))
        if inspect.isawaitable(verdict):
            verdict = await verdict
        rule = bool(verdict)
    return "approval" if rule else None


class ToolGate:
    """Decides, before the tool seam, whether a call runs, is answered, or waits.

    The resumed step's known results and decisions apply to that step only
    (:meth:`close_step`): a later step may reuse a call id.
    """

    def __init__(self, resume: Resume | None) -> None:
        self._results = dict(resume.results) if resume else {}
        self._decisions = dict(resume.decisions) if resume else {}

    async def check(self, checked: ValidatedCall) -> ToolOutcome | None:
        """The call's outcome without running it, or ``None`` to run it."""
        call = checked.call
        known = self._results.get(call.tool_call_id)
        if known is not None:
            return ToolOutcome(known)
        decision = self._decisions.get(call.tool_call_id)
        output = None if decision is None else decision.output()
        if output is not None:
            result = ToolResultContent(
                tool_call_id=call.tool_call_id, tool_name=call.tool_name, result=output
            )
            return ToolOutcome(result)
        if decision is not None or checked.tool is None or checked.arguments is None:
            return None  # approved, or invalid (answered with its validation error)
        kind = await pending_kind(checked)
        return None if kind is None else ToolOutcome(None, pending=pending_call(checked, kind))

    def known(self, tool_call_id: str) -> bool:
        """Whether the call's result came from the history (it ran before the pause)."""
        return tool_call_id in self._results

    def fresh(self, checked: Sequence[ValidatedCall]) -> int:
        """How many of a step's calls are new (not answered before the pause)."""
        return sum(1 for item in checked if item.call.tool_call_id not in self._results)

    def close_step(self) -> None:
        """The resumed step is done: its results and decisions no longer apply."""
        self._results.clear()
        self._decisions.clear()
