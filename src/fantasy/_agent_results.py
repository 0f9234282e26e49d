"""Agent results and the prepare-step hook's types (re-exported by :mod:`fantasy.agent`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce
from typing import TYPE_CHECKING, Any, Generic, cast

from typing_extensions import TypeVar

from fantasy.agent_tools import AnyTool, DepsT, RunContext
from fantasy.approval import PendingToolCall
from fantasy.content import (
    Content,
    TextContent,
    ToolCallContent,
    ToolResultContent,
    text_of,
)
from fantasy.messages import Message
from fantasy.model import LanguageModel
from fantasy.response import Response
from fantasy.tools import ToolChoice
from fantasy.usage import CallWarning, FinishReason, Usage

if TYPE_CHECKING:
    from fantasy.cost import Cost

__all__ = [
    "AgentResult",
    "OutputT",
    "PrepareStepContext",
    "PrepareStepResult",
    "StepResult",
    "StopReason",
]

OutputT = TypeVar("OutputT", default=str)
"""The type of an agent's output (``output_type=``); ``str`` (the text) by default."""

NO_OUTPUT: Any = None
"""The ``output`` of a result built without one (typed ``Any`` to fit every ``OutputT``)."""


class StopReason(StrEnum):
    """Why an agent run's loop ended (:attr:`AgentResult.stop_reason`)."""

    FINISHED = "finished"
    """The model answered without asking for client tools (or the typed output arrived)."""
    STOP_CONDITION = "stop-condition"
    """A ``stop_when`` condition held after a step with tool calls."""
    STEP_CAP = "step-cap"
    """``max_steps`` steps were taken while the model still asked for tools."""
    STOP_TURN = "stop-turn"
    """A tool answered with ``ToolResponse(stop_turn=True)``."""
    TOOLS_PENDING = "tools-pending"
    """Tool calls wait for approval or for an outside result (``AgentResult.pending``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    """One model call of an agent run and what the agent did with it.

    Attributes:
        response: The model's response; its ``content`` is the step content: the model's
            items in order (tool calls validated, see ``invalid``) followed by the
            results of the client tools the agent ran, in call order.
        messages: The messages this step adds to the conversation: one assistant
            message, then one tool message with the client tool results (either is
            left out when empty).
        tool_usage: The usage of model calls made by the step's tools (agents used as
            tools); not part of :attr:`usage`, which is the step's own model call.
    """

    response: Response
    messages: tuple[Message, ...] = ()
    tool_usage: Usage = field(default_factory=Usage)

    @property
    def content(self) -> tuple[Content, ...]:
        """The step content."""
        return self.response.content

    @property
    def usage(self) -> Usage:
        """Token usage of the step's model call."""
        return self.response.usage

    @property
    def finish_reason(self) -> FinishReason:
        """Why the model stopped."""
        return self.response.finish_reason

    @property
    def cost(self) -> Cost | None:
        """What the step's model call cost (``None`` when unknown)."""
        return self.response.cost

    @property
    def warnings(self) -> tuple[CallWarning, ...]:
        """Settings the provider could not honour."""
        return self.response.warnings

    @property
    def provider_metadata(self) -> Mapping[str, Any]:
        """Response-level provider metadata."""
        return self.response.provider_metadata

    @property
    def text(self) -> str:
        """Every text item of the step content, in order (see :attr:`Response.text`)."""
        return text_of(self.content)

    @property
    def tool_calls(self) -> list[ToolCallContent]:
        """Every tool call of the step (client and provider-executed), in order."""
        return [item for item in self.content if isinstance(item, ToolCallContent)]

    @property
    def tool_results(self) -> list[ToolResultContent]:
        """Every tool result of the step (provider-executed and client), in order."""
        return [item for item in self.content if isinstance(item, ToolResultContent)]

    def to_dict(self) -> dict[str, Any]:
        """Serialize to JSON-ready data (provider data keeps its type ids)."""
        data: dict[str, Any] = {
            "response": self.response.to_dict(),
            "messages": [message.to_dict() for message in self.messages],
        }
        if self.tool_usage != Usage():
            data["tool_usage"] = self.tool_usage.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepResult:
        """Inverse of :meth:`to_dict`."""
        return cls(
            response=Response.from_dict(data["response"]),
            messages=tuple(Message.from_dict(item) for item in data.get("messages", ())),
            tool_usage=Usage.from_dict(data.get("tool_usage", {})),
        )


def _has_text(step: StepResult) -> bool:
    return any(isinstance(item, TextContent) and item.text.strip() for item in step.content)


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentResult(Generic[OutputT]):
    """The outcome of an agent run: every step, in order, and the output.

    Attributes:
        steps: The steps taken (at least one).
        prompt: The messages the run started from: system prompt, the history passed
            in and the new user message.
        stop_reason: Why the loop ended (:class:`StopReason`).
        output: The typed output (an instance of the agent's ``output_type``); without
            an ``output_type``, the final text (:attr:`text`). After :meth:`from_dict`,
            the output's JSON data. Not set while tool calls are pending.
        pending: The tool calls waiting for a decision when the run paused
            (``stop_reason == StopReason.TOOLS_PENDING``; see :mod:`fantasy.approval`).
    """

    steps: tuple[StepResult, ...]
    prompt: tuple[Message, ...] = ()
    stop_reason: StopReason = StopReason.FINISHED
    output: OutputT = NO_OUTPUT
    pending: tuple[PendingToolCall, ...] = ()

    @property
    def response(self) -> Response:
        """The final response: the last step whose content holds non-blank text.

        Falls back to the last step's response when no step produced text.
        """
        for step in reversed(self.steps):
            if _has_text(step):
                return step.response
        return self.steps[-1].response

    @property
    def text(self) -> str:
        """The whole final answer: every text item of :attr:`response`, in order."""
        return text_of(self.response.content)

    @property
    def total_usage(self) -> Usage:
        """The usage of all steps added up, with that of agents run as their tools."""
        return reduce(lambda total, step: total + step.usage + step.tool_usage, self.steps, Usage())

    @property
    def cost(self) -> Cost | None:
        """What the run's model calls cost, summed; ``None`` when any step's is unknown.

        Agents run as tools are not included (their usage is, in :attr:`total_usage`).
        """
        from fantasy.cost import total_cost

        return total_cost(step.cost for step in self.steps)

    @property
    def messages(self) -> tuple[Message, ...]:
        """Every message the run produced (append them to a conversation's history)."""
        return tuple(message for step in self.steps for message in step.messages)

    @property
    def history(self) -> tuple[Message, ...]:
        """The conversation so far, without system messages.

        Pass it as ``messages=`` to continue the conversation on the next turn (the agent
        adds its system prompt again).
        """
        return (*(m for m in self.prompt if m.role != "system"), *self.messages)

    @property
    def finish_reason(self) -> FinishReason:
        """The last step's finish reason."""
        return self.steps[-1].finish_reason

    def to_dict(self) -> dict[str, Any]:
        """Serialize to JSON-ready data (provider data keeps its type ids)."""
        import pydantic_core  # the JSON encoder of any output type, loaded when first used

        return {
            "steps": [step.to_dict() for step in self.steps],
            "prompt": [message.to_dict() for message in self.prompt],
            "stop_reason": self.stop_reason.value,
            "output": pydantic_core.to_jsonable_python(self.output, fallback=repr),
            "pending": [call.to_dict() for call in self.pending],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgentResult[Any]:
        """Inverse of :meth:`to_dict` (the output comes back as JSON data)."""
        return cls(
            steps=tuple(StepResult.from_dict(step) for step in data["steps"]),
            prompt=tuple(Message.from_dict(message) for message in data.get("prompt", ())),
            stop_reason=StopReason(data.get("stop_reason", StopReason.FINISHED)),
            output=cast(Any, data.get("output")),
            pending=tuple(PendingToolCall.from_dict(item) for item in data.get("pending", ())),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PrepareStepContext(RunContext[DepsT]):
    """What a prepare-step hook sees before a step (and the run: :class:`RunContext`).

    ``step_number`` is the step about to run; ``messages`` are the messages it would
    send (initial prompt plus every message produced so far); ``retry`` counts the
    rejected outputs so far.

    Attributes:
        steps: The steps taken so far.
        model: The agent's model.
        tools: The agent's tools.
        tool_choice: The run's tool choice setting (``None`` when not set).
    """

    model: LanguageModel
    steps: tuple[StepResult, ...] = ()
    tools: tuple[AnyTool, ...] = ()
    tool_choice: ToolChoice | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PrepareStepResult:
    """Overrides for one step; ``None`` fields keep the agent's setting.

    Attributes:
        model: The model to call in this step.
        messages: The whole message list to send (replaces the default list).
        system: A system prompt replacing the leading system message (or prepended).
        tool_choice: The tool choice of this step.
        active_tools: Names of the tools offered in this step (a subset of ``tools``).
        tools: The tools of this step (replaces the agent's tools).
        provider_options: The provider options of this step (replace the run's).
    """

    model: LanguageModel | None = None
    messages: Sequence[Message] | None = None
    system: str | None = None
    tool_choice: ToolChoice | None = None
    active_tools: Sequence[str] | None = None
    tools: Sequence[AnyTool] | None = None
    provider_options: Mapping[str, Any] | None = field(default=None)
