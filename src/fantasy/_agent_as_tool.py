"""An agent as a tool of another agent (:meth:`fantasy.agent.Agent.as_tool`).

The tool takes one argument, ``prompt`` (the task, written by the parent's model), runs
the agent on it and answers with the agent's output: its final text, or its typed
output as JSON. It is an ordinary
:class:`~fantasy.agent_tools.AgentTool` run through the parent's tool seam, so:

* the sub-agent's model calls use the parent's mode (streaming or not);
* its usage rolls up into the parent run step by step (:class:`ToolScope`), into
  ``StepResult.tool_usage``, ``AgentResult.total_usage`` and the run's usage, even when
  it fails half-way;
* in a streaming parent its events are forwarded, each wrapped in a
  :class:`~fantasy.agent.ToolEvent`;
* closing or cancelling the parent cancels the tool, which closes the sub-agent's
  stream (and its model's HTTP stream);
* what it raises is handled as any tool's exception (sent to the parent's model as an
  error result, or aborting the run for :class:`~fantasy.errors.ToolExecutionError`);
  a sub-agent that pauses on calls needing approval (:mod:`fantasy.approval`) is such
  an error: an agent used as a tool cannot pause its parent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fantasy._agent_events import StepFinish
from fantasy._agent_tool_scope import current_scope
from fantasy.agent_tools import NO_DEPS, AgentTool, ToolContext, ToolResponse, to_tool_response
from fantasy.errors import FantasyError

if TYPE_CHECKING:
    from fantasy.agent import Agent

__all__ = ["PROMPT_SCHEMA", "agent_as_tool"]

PROMPT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "prompt": {
            "type": "string",
            "description": "The task for the agent, with everything it needs to know.",
        }
    },
    "required": ["prompt"],
    "additionalProperties": False,
}
"""The input schema of an agent used as a tool."""


def agent_as_tool(
    agent: Agent[Any, Any],
    name: str,
    description: str,
    *,
    deps: Callable[[ToolContext[Any]], Any] | None = None,
    forward_events: bool = True,
    parallel: bool = False,
) -> AgentTool:
    """``agent`` as an :class:`~fantasy.agent_tools.AgentTool` (see the module docstring)."""

    async def run(data: dict[str, Any], ctx: ToolContext[Any]) -> ToolResponse:
        scope = current_scope()
        streaming = scope is not None and scope.streaming
        forward = streaming and forward_events
        sub_deps = NO_DEPS if deps is None else deps(ctx)
        prompt = str(data["prompt"])
        async with agent._run(streaming, prompt, (), (), sub_deps, {}) as events:
            async for event in events:
                if scope is None:
                    continue
                if isinstance(event, StepFinish):
                    scope.add_usage(event.step.usage + event.step.tool_usage)
                if forward:
                    await scope.emit(event)
            result = await events.result()
        if result.pending:
            names = ", ".join(call.tool_name for call in result.pending)
            raise FantasyError(
                f"the agent paused on tool calls that wait for a decision ({names}); "
                "an agent used as a tool cannot pause its parent"
            )
        return to_tool_response(result.output)

    return AgentTool(name, description, PROMPT_SCHEMA, run, parallel=parallel)
