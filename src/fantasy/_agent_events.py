"""Events of an agent stream (re-exported by :mod:`fantasy.agent`).

An :class:`~fantasy.agent.AgentStream` yields, in order, for each step:
:class:`StepStart`; every stream part of the model call (streaming mode only), with a
typed output's partial :class:`~fantasy.object.ObjectPart` after the part that changed
it; one :class:`~fantasy.stream.ToolResult` per client tool result, in call order; the
final ``ObjectPart`` when the step produced the typed output; then :class:`StepFinish`
with the finished step.

The :class:`~fantasy.retry.Retry` contract: a ``Retry`` voids exactly the model parts
delivered since the step's ``StepStart`` or the previous ``Retry`` (``discarded`` is
their number), and the partial outputs made from them; the parts of the new attempt
follow, and the step is built from them alone. Nothing before the ``StepStart`` and no
tool result is ever void (tools never run inside a retry). While tools run, an agent used as a tool
(:meth:`~fantasy.agent.Agent.as_tool`) forwards its own events, each wrapped in a
:class:`ToolEvent` (streaming runs only). A call that must wait for approval or for an
outside result is announced by a :class:`~fantasy.approval.PendingToolCall` instead of
its result, and the run pauses after the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from fantasy import stream
from fantasy._agent_results import StepResult
from fantasy._agent_settings import Settings, fire
from fantasy._object_stream import ObjectPart
from fantasy.approval import PendingToolCall
from fantasy.model import Call
from fantasy.retry import Retry

__all__ = [
    "AgentEvent",
    "StepFinish",
    "StepStart",
    "ToolEvent",
    "dispatch_part",
    "has_part_callbacks",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class StepStart:
    """A step begins.

    Attributes:
        step_number: The step (0-based).
        call: The model call the step makes.
    """

    step_number: int
    call: Call
    type: Literal["step-start"] = "step-start"


@dataclass(frozen=True, slots=True, kw_only=True)
class StepFinish:
    """A step is complete (its tools have run).

    Attributes:
        step_number: The step (0-based).
        step: The step's result.
    """

    step_number: int
    step: StepResult
    type: Literal["step-finish"] = "step-finish"


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolEvent:
    """An event of a running tool: an agent used as a tool forwards its own events so.

    They arrive while the tools of a step run (after the model's parts, before the
    step's tool results), never count as parts of the parent's step (a ``Retry``'s
    ``discarded`` ignores them) and nest: a sub-agent's own sub-agent's events are a
    ``ToolEvent`` inside a ``ToolEvent``.

    Attributes:
        tool_call_id: The parent's tool call being run.
        tool_name: The tool's name.
        event: The tool's event (for an agent: one of its :data:`AgentEvent`).
    """

    tool_call_id: str
    tool_name: str
    event: Any
    type: Literal["tool-event"] = "tool-event"


AgentEvent: TypeAlias = (
    stream.StreamPart | StepStart | StepFinish | Retry | ObjectPart | ToolEvent | PendingToolCall
)
"""What an agent stream yields (:class:`~fantasy.object.ObjectPart`: typed output)."""


def _delta_callback(settings: Settings, part: stream.StreamPart) -> Callable[[Any], object] | None:
    if isinstance(part, stream.TextDelta):
        return settings.on_text_delta
    if isinstance(part, stream.ReasoningDelta):
        return settings.on_reasoning_delta
    if isinstance(part, stream.ToolInputDelta):
        return settings.on_tool_input_delta
    return None


def has_part_callbacks(settings: Settings) -> bool:
    """Whether any callback wants the model's stream parts (else none is dispatched)."""
    return any(
        callback is not None
        for callback in (
            settings.on_part,
            settings.on_text_delta,
            settings.on_reasoning_delta,
            settings.on_tool_input_delta,
        )
    )


async def dispatch_part(settings: Settings, part: stream.StreamPart) -> None:
    """Run the callbacks interested in one model stream part (hot path: no-ops are free)."""
    if settings.on_part is not None:
        await fire(settings.on_part, part)
    callback = _delta_callback(settings, part)
    if callback is not None:
        await fire(callback, part)
