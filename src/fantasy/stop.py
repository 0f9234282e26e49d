"""Stop conditions: when an agent ends its loop although the model asked for tools.

A stop condition is any callable ``(steps) -> bool`` that receives every step taken so
far (oldest first) and is checked after each step that produced client tool calls; the
loop ends when one of them returns ``True`` (the step's tool results are kept). The
built-in conditions look at the **last** step, except for counts and budgets::

    Agent(model, tools=[...], stop_when=[step_count_is(5), has_tool_call("final_answer")])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from fantasy.usage import FinishReason

if TYPE_CHECKING:
    from fantasy._agent_results import StepResult

__all__ = [
    "StopCondition",
    "finish_reason_is",
    "has_content",
    "has_tool_call",
    "step_count_is",
    "token_budget_exceeded",
]

StopCondition: TypeAlias = "Callable[[Sequence[StepResult]], bool]"
"""``(steps) -> bool``: ``True`` ends the agent loop after the current step."""


def step_count_is(count: int) -> Callable[[Sequence[StepResult]], bool]:
    """Stop once ``count`` steps have been taken."""

    def condition(steps: Sequence[StepResult]) -> bool:
        return len(steps) >= count

    return condition


def has_tool_call(tool_name: str) -> Callable[[Sequence[StepResult]], bool]:
    """Stop when the last step called the tool ``tool_name``."""

    def condition(steps: Sequence[StepResult]) -> bool:
        return bool(steps) and any(call.tool_name == tool_name for call in steps[-1].tool_calls)

    return condition


def has_content(kind: str | type[Any]) -> Callable[[Sequence[StepResult]], bool]:
    """Stop when the last step's content holds an item of ``kind``.

    Args:
        kind: A content class (``TextContent``, ``ReasoningContent``...) or its ``type``
            string (``"text"``, ``"reasoning"``, ``"tool-call"``, ``"source"``...).
    """

    def matches(item: Any) -> bool:
        return isinstance(item, kind) if isinstance(kind, type) else item.type == kind

    def condition(steps: Sequence[StepResult]) -> bool:
        return bool(steps) and any(matches(item) for item in steps[-1].content)

    return condition


def finish_reason_is(reason: FinishReason | str) -> Callable[[Sequence[StepResult]], bool]:
    """Stop when the last step finished for ``reason`` (e.g. ``"length"``)."""
    wanted = FinishReason(reason)

    def condition(steps: Sequence[StepResult]) -> bool:
        return bool(steps) and steps[-1].finish_reason == wanted

    return condition


def token_budget_exceeded(max_total_tokens: int) -> Callable[[Sequence[StepResult]], bool]:
    """Stop once the steps' summed ``total_tokens`` reach ``max_total_tokens``."""

    def condition(steps: Sequence[StepResult]) -> bool:
        return sum(step.usage.total_tokens for step in steps) >= max_total_tokens

    return condition
