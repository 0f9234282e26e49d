"""Every event an agent stream yields, importable from one place.

::

    from fantasy import events

    async with agent.stream("Hi") as run:
        async for event in run:
            match event:
                case events.TextDelta(delta=text):
                    print(text, end="")
                case events.Retry():
                    print(" [retrying]")  # the parts since StepStart are void
                case events.StepFinish(step=step):
                    print(f" [step {event.step_number}: {step.finish_reason}]")

:data:`AgentEvent` is the union of them all: the model's stream parts (the classes of
:mod:`fantasy.stream`), :class:`StepStart`, :class:`StepFinish`, :class:`Retry`,
:class:`ObjectPart` (typed output as it grows), :class:`ToolEvent` (the events of an
agent used as a tool) and :class:`PendingToolCall` (a call waiting for approval or an
outside result; the run pauses after the step).
See the guide's "Streaming" section for each event's fields and order.
"""

from __future__ import annotations

from fantasy._agent_events import AgentEvent, StepFinish, StepStart, ToolEvent
from fantasy._object_stream import ObjectPart
from fantasy.approval import PendingToolCall
from fantasy.retry import Retry
from fantasy.stream import (
    Error,
    File,
    Finish,
    ReasoningDelta,
    ReasoningEnd,
    ReasoningStart,
    ResponseMetadata,
    Source,
    StreamPart,
    TextDelta,
    TextEnd,
    TextStart,
    ToolCall,
    ToolInputDelta,
    ToolInputEnd,
    ToolInputStart,
    ToolResult,
    Warnings,
)

__all__ = [
    "AgentEvent",
    "Error",
    "File",
    "Finish",
    "ObjectPart",
    "PendingToolCall",
    "ReasoningDelta",
    "ReasoningEnd",
    "ReasoningStart",
    "ResponseMetadata",
    "Retry",
    "Source",
    "StepFinish",
    "StepStart",
    "StreamPart",
    "TextDelta",
    "TextEnd",
    "TextStart",
    "ToolCall",
    "ToolInputDelta",
    "ToolInputEnd",
    "ToolInputStart",
    "ToolEvent",
    "ToolResult",
    "Warnings",
]
