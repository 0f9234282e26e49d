"""Planning a step of the agent loop: the prepare-step hook and the model :class:`Call`.

Pure apart from the user's ``prepare_step`` hook; the loop itself is
:class:`fantasy._agent_run.AgentRun`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fantasy._agent_messages import with_system
from fantasy._agent_results import PrepareStepContext, PrepareStepResult
from fantasy._agent_settings import Settings
from fantasy.agent_tools import AgentTool, AnyTool
from fantasy.errors import InvalidArgumentError
from fantasy.messages import Message
from fantasy.model import Call, LanguageModel
from fantasy.tools import ProviderDefinedTool, Tool, ToolChoice

__all__ = ["StepPlan", "build_call", "plan_step", "wire_tools"]


@dataclass(frozen=True, slots=True)
class StepPlan:
    """A step about to run: its number, model, active tools and call."""

    number: int
    model: LanguageModel
    tools: tuple[AnyTool, ...]
    call: Call


# --- planning ------------------------------------------------------------------------------


def wire_tools(tools: Sequence[AnyTool]) -> tuple[Tool, ...]:
    """The tool definitions sent: function tools first, then provider-defined tools."""
    functions = tuple(t.definition for t in tools if isinstance(t, AgentTool))
    provider = tuple(
        t if isinstance(t, ProviderDefinedTool) else t.definition
        for t in tools
        if not isinstance(t, AgentTool)
    )
    return functions + provider


def build_call(
    settings: Settings,
    messages: Sequence[Message],
    tools: Sequence[AnyTool],
    tool_choice: ToolChoice | None,
    overrides: PrepareStepResult,
) -> Call:
    """The model call of a step ("auto" tool choice whenever tools are sent unset)."""
    definitions = wire_tools(tools)
    if tool_choice is None and definitions:
        tool_choice = "auto"
    provider_options = (
        overrides.provider_options
        if overrides.provider_options is not None
        else settings.provider_options
    )
    return Call(
        prompt=tuple(messages),
        max_output_tokens=settings.max_output_tokens,
        temperature=settings.temperature,
        top_p=settings.top_p,
        top_k=settings.top_k,
        presence_penalty=settings.presence_penalty,
        frequency_penalty=settings.frequency_penalty,
        stop_sequences=tuple(settings.stop_sequences),
        seed=settings.seed,
        tools=definitions,
        tool_choice=tool_choice,
        headers=dict(settings.headers or {}),
        user_agent=settings.user_agent,
        provider_options=dict(provider_options or {}),
    )


def _active(tools: tuple[AnyTool, ...], names: Sequence[str] | None) -> tuple[AnyTool, ...]:
    if names is None:
        return tools
    unknown = set(names) - {t.name for t in tools}
    if unknown:
        raise InvalidArgumentError(
            f"unknown tool(s): {', '.join(sorted(unknown))}", argument="active_tools"
        )
    return tuple(t for t in tools if t.name in set(names))


async def _prepare(settings: Settings, context: PrepareStepContext[Any]) -> PrepareStepResult:
    hook = settings.prepare_step
    if hook is None:
        return PrepareStepResult()
    outcome = hook(context)
    if inspect.isawaitable(outcome):
        outcome = await outcome
    return outcome or PrepareStepResult()


async def plan_step(settings: Settings, context: PrepareStepContext[Any]) -> StepPlan:
    """Run the prepare-step hook on ``context`` and build the step's call."""
    overrides = await _prepare(settings, context)
    messages = context.messages
    if overrides.messages is not None:
        messages = tuple(overrides.messages)
    if overrides.system is not None:
        messages = tuple(with_system(messages, overrides.system))
    tools = _active(
        tuple(overrides.tools) if overrides.tools is not None else context.tools,
        overrides.active_tools,
    )
    tool_choice = (
        overrides.tool_choice if overrides.tool_choice is not None else settings.tool_choice
    )
    call = build_call(settings, messages, tools, tool_choice, overrides)
    return StepPlan(context.step_number, overrides.model or context.model, tools, call)
