"""The agent's settings: per-agent defaults merged with per-call overrides."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypedDict

from fantasy import stream
from fantasy._agent_limits import UsageLimits
from fantasy._validation import RepairToolCall
from fantasy.content import SourceContent, ToolCallContent, ToolResultContent
from fantasy.errors import InvalidArgumentError
from fantasy.retry import Retry, RetryPolicy
from fantasy.tools import ToolChoice

if TYPE_CHECKING:
    from fantasy._agent_events import StepStart
    from fantasy._agent_results import PrepareStepContext, PrepareStepResult, StepResult

__all__ = [
    "DEFAULT_MAX_STEPS",
    "AgentOptions",
    "PrepareStep",
    "Settings",
    "ToolErrors",
    "fire",
]

NO_RETRY = RetryPolicy(max_retries=0)
"""The policy of ``retry=None``: every failure is final."""

DEFAULT_MAX_STEPS = 20
"""Model calls an agent run makes at most unless ``max_steps`` says otherwise."""

PrepareStep: TypeAlias = Callable[
    ["PrepareStepContext"],
    "PrepareStepResult | Awaitable[PrepareStepResult | None] | None",
]
"""``prepare_step(ctx)`` (sync or async) → overrides for this step, or ``None``."""

StopWhen: TypeAlias = "Callable[[Sequence[StepResult]], bool]"

ToolErrors: TypeAlias = Literal["model", "raise"]
"""What a tool's exception does: go to the model as an error result, or end the run."""


class AgentOptions(TypedDict, total=False):
    """Settings accepted by :class:`~fantasy.agent.Agent` and, per call, by its methods.

    A per-call value replaces the agent's (``provider_options`` and ``headers`` are
    merged key by key instead). Callbacks may be sync or async; they run on the event
    loop, in order, and an exception in one fails the run.
    """

    max_output_tokens: int | None
    temperature: float | None
    top_p: float | None
    top_k: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    stop_sequences: Sequence[str]
    seed: int | None
    tool_choice: ToolChoice | None
    provider_options: Mapping[str, Any] | None
    headers: Mapping[str, str] | None
    user_agent: str | None
    stop_when: Sequence[StopWhen]
    max_steps: int
    usage_limits: UsageLimits | None
    tool_errors: ToolErrors
    prepare_step: PrepareStep | None
    repair_tool_call: RepairToolCall | None
    retry: RetryPolicy | None
    deadline: float | None
    max_parallel_tools: int
    on_text_delta: Callable[[stream.TextDelta], object] | None
    on_reasoning_delta: Callable[[stream.ReasoningDelta], object] | None
    on_tool_input_delta: Callable[[stream.ToolInputDelta], object] | None
    on_tool_call: Callable[[ToolCallContent], object] | None
    on_tool_result: Callable[[ToolResultContent], object] | None
    on_source: Callable[[SourceContent], object] | None
    on_step_start: Callable[[StepStart], object] | None
    on_step_finish: Callable[[StepResult], object] | None
    on_retry: Callable[[Retry], object] | None
    on_error: Callable[[BaseException], object] | None
    on_part: Callable[[stream.StreamPart], object] | None


# eq=False: settings are never compared, and the __eq__/__hash__ of 30 fields cost a few
# milliseconds of import time to generate.
@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Settings:
    """Resolved settings of one run (see :class:`AgentOptions` for each field)."""

    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stop_sequences: Sequence[str] = ()
    seed: int | None = None
    tool_choice: ToolChoice | None = None
    provider_options: Mapping[str, Any] | None = None
    headers: Mapping[str, str] | None = None
    user_agent: str | None = None
    stop_when: Sequence[StopWhen] = ()
    max_steps: int = DEFAULT_MAX_STEPS
    usage_limits: UsageLimits | None = None
    tool_errors: ToolErrors = "model"
    prepare_step: PrepareStep | None = None
    repair_tool_call: RepairToolCall | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    deadline: float | None = None
    max_parallel_tools: int = 8
    on_text_delta: Callable[[stream.TextDelta], object] | None = None
    on_reasoning_delta: Callable[[stream.ReasoningDelta], object] | None = None
    on_tool_input_delta: Callable[[stream.ToolInputDelta], object] | None = None
    on_tool_call: Callable[[ToolCallContent], object] | None = None
    on_tool_result: Callable[[ToolResultContent], object] | None = None
    on_source: Callable[[SourceContent], object] | None = None
    on_step_start: Callable[[StepStart], object] | None = None
    on_step_finish: Callable[[StepResult], object] | None = None
    on_retry: Callable[[Retry], object] | None = None
    on_error: Callable[[BaseException], object] | None = None
    on_part: Callable[[stream.StreamPart], object] | None = None

    def __post_init__(self) -> None:
        retry: Any = self.retry  # the option also takes None
        if retry is None:  # ``retry=None``: no retries
            object.__setattr__(self, "retry", NO_RETRY)
        elif not isinstance(retry, RetryPolicy):
            raise InvalidArgumentError(
                f"must be a RetryPolicy or None, not {type(retry).__name__}", argument="retry"
            )
        if self.deadline is not None and not self.deadline > 0:
            raise InvalidArgumentError("must be > 0 seconds (or None)", argument="deadline")
        if isinstance(self.stop_sequences, str):  # a str is a Sequence[str] of characters
            raise InvalidArgumentError(
                "must be a list of strings, not a string", argument="stop_sequences"
            )
        if self.max_steps < 1:
            raise InvalidArgumentError("must be >= 1", argument="max_steps")
        if self.max_parallel_tools < 1:
            raise InvalidArgumentError("must be >= 1", argument="max_parallel_tools")
        if self.tool_errors not in ("model", "raise"):
            raise InvalidArgumentError(
                f"must be 'model' or 'raise', not {self.tool_errors!r}", argument="tool_errors"
            )

    @classmethod
    def resolve(cls, base: Mapping[str, Any], overrides: Mapping[str, Any]) -> Settings:
        """Merge per-call ``overrides`` over the agent's ``base`` options.

        Raises:
            InvalidArgumentError: For an unknown option name or a bad value.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(base).union(overrides) - known)
        if unknown:
            raise InvalidArgumentError(f"unknown agent option(s): {', '.join(unknown)}")
        merged = {**base, **overrides}
        for key in ("provider_options", "headers"):
            if key in base and key in overrides:
                from fantasy.options import merge_provider_maps  # pydantic: not on import

                merged[key] = merge_provider_maps(base[key], overrides[key])
        return cls(**merged)


async def fire(callback: Callable[[Any], object] | None, argument: Any) -> None:
    """Call a sync or async callback, if set."""
    if callback is None:
        return
    outcome = callback(argument)
    if inspect.isawaitable(outcome):
        await outcome
