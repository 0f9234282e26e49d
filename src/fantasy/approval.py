"""Tool approval and deferred tools: pause a run, decide outside it, resume, maybe elsewhere.

Mark a tool as needing approval (``@tool(needs_approval=True)``, or a predicate of the
call's validated arguments: ``needs_approval=lambda args: args["amount"] > 100``), or as
deferred (``@tool(deferred=True)``: its result is produced outside the run, by a job
queue or a front end; a running tool may also raise :class:`CallDeferred`). Such a call
is not run. The step's other calls run as usual, then the run ends with
``stop_reason == StopReason.TOOLS_PENDING`` and ``result.pending``: one
:class:`PendingToolCall` per call waiting. ``result.history`` (JSON via
``Message.to_dict``) holds everything needed to go on.

Resume with decisions, in the same process or another one, hours later::

    result = await agent.generate(
        messages=history,  # e.g. [Message.from_dict(d) for d in json.loads(saved)]
        decisions=[approve("call_1"), deny("call_2", "Not today."), supply("call_3", "42")],
    )

A resumed run never calls the model for the paused step (its answer is in the
history) and never re-runs a tool whose result is there; it runs the approved calls,
answers denied ones with the denial message (an error result the model sees), uses
supplied results as they are, then goes on with the next model call. Calls left
without a decision keep the run paused (no model call is made). Generate, stream and
their ``_sync`` twins behave the same.

Both value types are plain, JSON-ready dataclasses (``to_dict`` / ``from_dict``):

* ``PendingToolCall``: ``{"type": "pending-tool-call", "tool_call_id": str,
  "tool_name": str, "arguments": {...}, "kind": "approval" | "deferred"}``;
* ``ToolDecision``: ``{"type": "tool-decision", "tool_call_id": str,
  "decision": "approve" | "deny" | "result", "message": str, "result": <tool result
  output> | null}``, where an output is ``{"type": "text", "text": ...}``,
  ``{"type": "error", "error": ...}`` or ``{"type": "media", ...}`` as in messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fantasy import _serde
from fantasy.errors import FantasyError, InvalidArgumentError
from fantasy.messages import ErrorOutput, ToolResultOutput

__all__ = [
    "DEFAULT_DENIAL",
    "CallDeferred",
    "PendingKind",
    "PendingToolCall",
    "ToolDecision",
    "approve",
    "deny",
    "supply",
]

PendingKind = Literal["approval", "deferred"]
"""Why a call waits: a person must approve it, or its result comes from outside."""

DEFAULT_DENIAL = "The user denied this tool call."
"""What the model is told about a denied call when the decision gives no message."""


class CallDeferred(FantasyError):
    """Raised by a running tool: its result will come from outside the run.

    The call becomes a :class:`PendingToolCall` of kind ``"deferred"`` and the run
    pauses after the step, exactly as for a tool marked ``deferred=True``. Raise it after
    handing the work over (to a job queue, a front end); resume with
    :func:`supply` once the result is known.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingToolCall:
    """A tool call waiting for a decision (also an agent stream event).

    Attributes:
        tool_call_id: The call's id (what decisions refer to).
        tool_name: The tool.
        arguments: The call's arguments, validated against the tool's schema (JSON data).
        kind: ``"approval"`` (approve or deny it, or supply its result) or
            ``"deferred"`` (supply its result, or deny it).
    """

    tool_call_id: str
    tool_name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    kind: PendingKind = "approval"
    type: Literal["pending-tool-call"] = "pending-tool-call"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (see the module docstring for the shape)."""
        return {
            "type": self.type,
            "tool_call_id": self.tool_call_id,
            "tool_name": self.tool_name,
            "arguments": dict(self.arguments),
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingToolCall:
        """Inverse of :meth:`to_dict`."""
        kind = data.get("kind", "approval")
        if kind not in ("approval", "deferred"):
            raise InvalidArgumentError(f"unknown pending kind {kind!r}", argument="kind")
        return cls(
            tool_call_id=str(data["tool_call_id"]),
            tool_name=str(data["tool_name"]),
            arguments=dict(data.get("arguments") or {}),
            kind=kind,
        )


Decision = Literal["approve", "deny", "result"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolDecision:
    """What to do with a pending call when the run resumes.

    Build one with :func:`approve`, :func:`deny` or :func:`supply`.

    Attributes:
        tool_call_id: The pending call decided on.
        decision: ``"approve"`` (run the tool), ``"deny"`` (do not run it; the model is
            told ``message``) or ``"result"`` (do not run it; ``result`` is its result).
        message: For a denial, what the model is told (:data:`DEFAULT_DENIAL` if empty).
        result: For ``"result"``, the tool's result as the model will see it.
    """

    tool_call_id: str
    decision: Decision
    message: str = ""
    result: ToolResultOutput | None = None
    type: Literal["tool-decision"] = "tool-decision"

    def __post_init__(self) -> None:
        if self.decision not in ("approve", "deny", "result"):
            raise InvalidArgumentError(
                f"unknown decision {self.decision!r}; expected approve, deny or result",
                argument="decision",
            )
        if (self.decision == "result") != (self.result is not None):
            raise InvalidArgumentError(
                "a result is given exactly with decision='result'", argument="result"
            )

    def output(self) -> ToolResultOutput | None:
        """The result the model sees (``None`` for an approval: the tool will run)."""
        if self.decision == "deny":
            return ErrorOutput(error=self.message or DEFAULT_DENIAL)
        return self.result

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (see the module docstring for the shape)."""
        return {
            "type": self.type,
            "tool_call_id": self.tool_call_id,
            "decision": self.decision,
            "message": self.message,
            "result": None if self.result is None else _serde.encode(self.result),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolDecision:
        """Inverse of :meth:`to_dict`."""
        result = data.get("result")
        return cls(
            tool_call_id=str(data["tool_call_id"]),
            decision=data["decision"],
            message=str(data.get("message") or ""),
            result=None if result is None else _serde.decode(result, "output"),
        )


def approve(tool_call_id: str) -> ToolDecision:
    """Run the pending call's tool."""
    return ToolDecision(tool_call_id=tool_call_id, decision="approve")


def deny(tool_call_id: str, message: str = "") -> ToolDecision:
    """Do not run the call; the model gets ``message`` (or :data:`DEFAULT_DENIAL`) as error."""
    return ToolDecision(tool_call_id=tool_call_id, decision="deny", message=message)


def supply(tool_call_id: str, value: Any) -> ToolDecision:
    """Do not run the call; ``value`` is its result.

    ``value`` is anything a tool may return: a string, a
    :class:`~fantasy.agent_tools.ToolResponse`, a tool result output, a pydantic model or
    JSON-encodable data.
    """
    from fantasy.agent_tools import to_tool_response  # pydantic loads on first use

    output = to_tool_response(value).output()
    return ToolDecision(tool_call_id=tool_call_id, decision="result", result=output)
