"""Agents: a model, a system prompt and tools, run in a loop until the model is done.

::

    agent = Agent(model, system_prompt="You are a helpful assistant", tools=[weather])
    result = await agent.generate("What's the weather in Florence?")
    print(result.text)

    async with agent.stream("And in Rome?", messages=result.history) as events:
        async for event in events:
            if isinstance(event, stream.TextDelta):
                print(event.delta, end="")
        result = await events.result()

The loop (one implementation for every entry point, see :mod:`fantasy._agent_run`):

* The initial prompt is ``[system message if system_prompt] + messages + [user message:
  the prompt's text, then one part per file]``.
* Each step sends that prompt plus every message produced so far, the call settings
  that are set, tool choice ``"auto"`` whenever tools are sent and none was chosen,
  and the step's tools (function tools first, then provider-defined tools). A
  ``prepare_step`` hook may override the model, messages, system prompt, tool choice,
  tools and provider options of a step.
* Client tool calls are validated (tool known, input a JSON object matching the tool's
  schema; malformed JSON is repaired with ``json_repair``, then by ``repair_tool_call``).
  An invalid call is marked ``invalid`` and answered with an error result instead of
  being run. A valid call keeps the model's raw input byte for byte; a call that
  repair changed carries the repaired input (in the step content and messages).
  Valid calls run in the model's order (parallel-safe tools concurrently, at most
  ``max_parallel_tools`` at a time; sync tools in worker threads).
  Provider-executed calls are recorded, not run.
* A step adds one assistant message and one tool message (see :class:`StepResult`).
* The loop goes on while the step made a client tool call, finished with
  ``"tool-calls"``, no tool asked to stop the turn, no ``stop_when`` condition holds
  and fewer than ``max_steps`` steps (default :data:`DEFAULT_MAX_STEPS`) were taken.
* Each step's model call is retried per ``retry`` (a :class:`~fantasy.retry.RetryPolicy`);
  tools are never re-run by a retry. In streaming mode the consumer sees a
  :class:`~fantasy.retry.Retry` event, and the parts already received from the failed
  attempt are dropped from the step. ``retry=None`` disables retries.
* ``deadline`` (seconds) bounds a whole run, its model calls, retry waits, tools and
  hooks included: past it the run ends with
  :class:`~fantasy.errors.DeadlineExceededError` (see :mod:`fantasy._agent_deadline`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from types import TracebackType, UnionType
from typing import Any, Generic, Unpack, cast

from fantasy._agent_approval import find_resume
from fantasy._agent_deadline import RunDeadline
from fantasy._agent_events import AgentEvent, StepFinish, StepStart, ToolEvent
from fantasy._agent_limits import UsageLimits
from fantasy._agent_messages import initial_prompt
from fantasy._agent_output import OutputSpec, OutputValidator, RunOutput
from fantasy._agent_results import (
    AgentResult,
    OutputT,
    PrepareStepContext,
    PrepareStepResult,
    StepResult,
    StopReason,
)
from fantasy._agent_run import AgentRun, ModelRequest, SystemPrompt
from fantasy._agent_settings import DEFAULT_MAX_STEPS, AgentOptions, PrepareStep, Settings
from fantasy._sync import iter_sync, run_sync
from fantasy._telemetry import Tracer
from fantasy._validation import InvalidToolCallError, RepairToolCall
from fantasy.agent_tools import (
    NO_DEPS,
    AgentTool,
    AnyTool,
    DepsT,
    ExecutableProviderTool,
    RunContext,
    ToolContext,
    ToolResponse,
    tool,
)
from fantasy.approval import (
    CallDeferred,
    PendingToolCall,
    ToolDecision,
    approve,
    deny,
    supply,
)
from fantasy.errors import FantasyError, InvalidArgumentError, ModelRetry, UsageLimitExceeded
from fantasy.messages import FilePart, Message
from fantasy.model import LanguageModel, ObjectMode
from fantasy.retry import Retry, RetryPolicy
from fantasy.tools import FunctionTool, ProviderDefinedTool
from fantasy.toolset import Toolset, check_unique

__all__ = [
    "DEFAULT_MAX_STEPS",
    "Agent",
    "AgentEvent",
    "AgentOptions",
    "AgentResult",
    "AgentRun",
    "AgentStream",
    "AgentStreamSync",
    "AgentTool",
    "CallDeferred",
    "ExecutableProviderTool",
    "InvalidToolCallError",
    "ModelRequest",
    "ModelRetry",
    "OutputValidator",
    "PendingToolCall",
    "PrepareStep",
    "PrepareStepContext",
    "PrepareStepResult",
    "RepairToolCall",
    "Retry",
    "RetryPolicy",
    "RunContext",
    "StepFinish",
    "StepResult",
    "StepStart",
    "StopReason",
    "SystemPrompt",
    "ToolContext",
    "ToolDecision",
    "ToolEvent",
    "ToolResponse",
    "UsageLimitExceeded",
    "UsageLimits",
    "approve",
    "deny",
    "supply",
    "tool",
]


def _finished(run: AgentRun[Any, OutputT]) -> AgentResult[OutputT]:
    if run.result is not None:
        return run.result
    if run.error is not None:
        raise run.error
    raise FantasyError("the agent stream was closed before the run finished")


class AgentStream(Generic[OutputT]):
    """A running agent: ``async for`` its events, then ``await result()``.

    Events are every model stream part plus :class:`StepStart`, :class:`StepFinish`,
    :class:`~fantasy.retry.Retry`, one :class:`~fantasy.stream.ToolResult` per client
    tool result and, with a typed output, :class:`~fantasy.object.ObjectPart` parts
    (see :mod:`fantasy._agent_events` for the order). Use ``async with`` (or
    :meth:`aclose`) when you may stop early: closing stops the model stream and tools.
    """

    def __init__(self, run: AgentRun[Any, OutputT]) -> None:
        self._run = run
        self._events = run.events()
        deadline = run.settings.deadline
        self._deadline = None if deadline is None else RunDeadline(deadline)

    def __aiter__(self) -> AsyncIterator[AgentEvent]:
        if self._deadline is not None:
            return self  # each event of the loop is awaited within the run's deadline
        return self._events  # no extra hop: `async for` steps the loop directly

    async def __anext__(self) -> AgentEvent:
        if self._deadline is not None:
            return await self._deadline.next(self._run, self._events)
        return await self._events.__anext__()

    async def result(self) -> AgentResult[OutputT]:
        """The run's result, consuming the remaining events first.

        Raises:
            Exception: The error that ended the run.
            FantasyError: When the stream was closed before the run finished.
        """
        async for _ in self:
            pass
        return _finished(self._run)

    async def aclose(self) -> None:
        """Stop the run: the model stream is closed and running tools are cancelled."""
        await self._events.aclose()

    async def __aenter__(self) -> AgentStream[OutputT]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class AgentStreamSync(Generic[OutputT]):
    """The blocking form of :class:`AgentStream`: iterate events, then ``result()``."""

    def __init__(self, stream: AgentStream[OutputT]) -> None:
        self._run = stream._run
        # iter_sync is a generator function: its iterator can be closed.
        self._iterator = cast(Generator[AgentEvent, None, None], iter_sync(stream))

    def __iter__(self) -> Iterator[AgentEvent]:
        return self

    def __next__(self) -> AgentEvent:
        return next(self._iterator)

    def result(self) -> AgentResult[OutputT]:
        """The run's result, consuming the remaining events first."""
        for _ in self._iterator:
            pass
        return _finished(self._run)

    def close(self) -> None:
        """Stop the run early."""
        self._iterator.close()

    def __enter__(self) -> AgentStreamSync[OutputT]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _agent_tools(
    tools: Sequence[AnyTool | Toolset | Callable[..., Any]],
) -> tuple[tuple[AnyTool, ...], tuple[Toolset, ...]]:
    out: list[AnyTool] = []
    toolsets: list[Toolset] = []
    for item in tools:
        if isinstance(item, Toolset):
            toolsets.append(item)
        elif isinstance(item, FunctionTool):
            raise InvalidArgumentError(
                f"FunctionTool {item.name!r} has no code to run; use AgentTool or @tool",
                argument="tools",
            )
        elif isinstance(item, AgentTool | ExecutableProviderTool | ProviderDefinedTool):
            out.append(item)
        elif callable(item):
            out.append(AgentTool.from_function(item))
        else:
            raise InvalidArgumentError(f"not a tool: {item!r}", argument="tools")
    check_unique(out)
    return tuple(out), tuple(toolsets)


class Agent(Generic[DepsT, OutputT]):
    """A model with a system prompt and tools, run in a loop (see the module docstring).

    ``Agent[Deps, Output]`` is generic in the type of its runs' dependencies and of its
    output: ``Agent(model, deps_type=Db, output_type=Report)`` is an ``Agent[Db, Report]``,
    its results' ``output`` is a ``Report`` and its tools may take a ``ToolContext[Db]``.

    Args:
        model: The language model.
        system_prompt: The system prompt (none when empty), or a function (sync or
            async) of the run's :class:`RunContext` returning it, called once per run.
        tools: :class:`AgentTool`, :class:`ExecutableProviderTool`,
            :class:`~fantasy.tools.ProviderDefinedTool`, or typed functions (wrapped
            with :meth:`AgentTool.from_function`), and :class:`~fantasy.toolset.Toolset`
            objects such as MCP servers (:mod:`fantasy.mcp`), whose tools are listed when
            each run starts.
        deps_type: The type of ``deps=`` (for type checkers; not checked at run time).
        output_type: The type of the output (pydantic model, dataclass, TypedDict,
            primitive, ``list[...]``, a union, or a JSON Schema mapping). Without it the
            output is the final text.
        output_mode: How the output is asked for: ``"auto"`` (``"tool"`` when the agent
            has tools, else the model's best), ``"tool"``, ``"json"`` or ``"text"``.
        output_name: The output's schema name (the output tool's name).
        output_description: What the output is.
        output_retries: How many invalid outputs the model may correct before the run
            raises :class:`~fantasy.errors.NoObjectGeneratedError`.
        output_validators: Functions (sync or async) of ``(ctx, output)`` returning the
            output; raising :class:`~fantasy.errors.ModelRetry` sends its message to the
            model and asks again.
        **options: Defaults of every run (:class:`AgentOptions`): call settings
            (``max_output_tokens``, ``temperature``, ``top_p``, ``top_k``,
            ``presence_penalty``, ``frequency_penalty``, ``stop_sequences``, ``seed``,
            ``tool_choice``, ``provider_options``, ``headers``), loop settings
            (``stop_when``, ``max_steps``, ``usage_limits``, ``tool_errors``,
            ``prepare_step``, ``repair_tool_call``, ``retry``, ``deadline``,
            ``max_parallel_tools``) and
            callbacks (``on_text_delta``, ``on_reasoning_delta``, ``on_tool_input_delta``,
            ``on_tool_call``, ``on_tool_result``, ``on_source``, ``on_step_start``,
            ``on_step_finish``, ``on_retry``, ``on_error``, ``on_part``). Each may be
            overridden per call.
    """

    run_type: type[AgentRun[Any, Any]] = AgentRun
    """The run class; a subclass may wrap its seams (``request``, ``execute_tool``)."""

    tracer: Tracer | None = None
    """This agent's tracer (``fantasy.otel.instrument(agent)`` sets it); else the global one."""

    def __init__(
        self,
        model: LanguageModel,
        *,
        system_prompt: SystemPrompt = "",
        tools: Sequence[AnyTool | Toolset | Callable[..., Any]] = (),
        deps_type: type[DepsT] | None = None,
        output_type: type[OutputT] | Mapping[str, Any] | UnionType | None = None,
        output_mode: ObjectMode = "auto",
        output_name: str = "",
        output_description: str = "",
        output_retries: int = 1,
        output_validators: Sequence[OutputValidator] = (),
        **options: Unpack[AgentOptions],
    ) -> None:
        self.model = model
        self.system_prompt = system_prompt
        self.tools, self.toolsets = _agent_tools(tools)
        self.deps_type = deps_type
        self.output: OutputSpec | None = None
        if output_type is not None:
            self.output = OutputSpec(
                schema=output_type,
                mode=output_mode,
                name=output_name,
                description=output_description,
                retries=output_retries,
                validators=tuple(output_validators),
            )
            RunOutput(self.output, model, [t.name for t in self.tools])  # fail early
        self._options: dict[str, Any] = dict(options)
        Settings.resolve(self._options, {})  # fail early on bad options

    def __repr__(self) -> str:
        toolsets = f", toolsets={list(self.toolsets)!r}" if self.toolsets else ""
        return f"Agent(model={self.model!r}, tools={[t.name for t in self.tools]!r}{toolsets})"

    def _run(
        self,
        streaming: bool,
        prompt: str | None,
        messages: Sequence[Message],
        files: Sequence[FilePart],
        deps: DepsT,
        options: dict[str, Any],
        decisions: Sequence[ToolDecision] = (),
    ) -> AgentStream[OutputT]:
        system = self.system_prompt
        static = system if isinstance(system, str) else ""
        new_input = prompt is not None or bool(files)
        resume = find_resume(messages, decisions, self.tools, new_input=new_input)
        if resume is not None:
            messages = resume.history
        run: AgentRun[DepsT, OutputT] = self.run_type(
            model=self.model,
            tools=self.tools,
            toolsets=self.toolsets,
            prompt=tuple(initial_prompt(static, messages, prompt, files, resume is not None)),
            settings=Settings.resolve(self._options, options),
            streaming=streaming,
            deps=deps,
            output=self.output,
            system_prompt="" if isinstance(system, str) else system,
            resume=resume,
            tracer=self.tracer,
        )
        return AgentStream(run)

    def as_tool(
        self,
        name: str,
        description: str,
        *,
        deps: Callable[[ToolContext[Any]], DepsT] | None = None,
        forward_events: bool = True,
        parallel: bool = False,
    ) -> AgentTool:
        """This agent as a tool of another agent.

        The tool's one argument is ``prompt``, the task; its result is this agent's
        output (its final text, or its typed output as JSON). Usage rolls up into the
        parent's result, events are forwarded into the parent's stream (wrapped in
        :class:`ToolEvent`), cancelling the parent cancels the run, and errors are the
        parent's tool errors under the usual rules (see :mod:`fantasy._agent_as_tool`).

        Args:
            name: The tool's name.
            description: What the agent does, for the parent's model.
            deps: This agent's ``deps`` for a call, from the parent's tool context
                (e.g. ``lambda ctx: ctx.deps`` to share them); none by default.
            forward_events: Forward this agent's events into a streaming parent.
            parallel: Whether calls may run concurrently with other parallel-safe calls.
        """
        from fantasy._agent_as_tool import agent_as_tool

        return agent_as_tool(
            self, name, description, deps=deps, forward_events=forward_events, parallel=parallel
        )

    async def generate(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        deps: DepsT = NO_DEPS,
        decisions: Sequence[ToolDecision] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentResult[OutputT]:
        """Run the agent with non-streaming model calls.

        Args:
            prompt: The user's prompt (the last user message).
            messages: Conversation history placed before the prompt.
            files: Files attached to the prompt's user message.
            deps: The run's dependencies (``ctx.deps`` of tools, hooks and validators).
            decisions: Resume a run paused on pending tool calls (the paused history in
                ``messages``, no new prompt): approve, deny or supply each
                (:mod:`fantasy.approval`).
            **options: Per-call overrides of the agent's options.

        Raises:
            NoObjectGeneratedError: No valid typed output within ``output_retries``.
        """
        run = self._run(False, prompt, messages, files, deps, dict(options), decisions)
        async with run as events:
            return await events.result()

    def stream(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        deps: DepsT = NO_DEPS,
        decisions: Sequence[ToolDecision] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentStream[OutputT]:
        """Run the agent with streaming model calls; iterate the returned stream.

        Args:
            prompt: The user's prompt (the last user message).
            messages: Conversation history placed before the prompt.
            files: Files attached to the prompt's user message.
            deps: The run's dependencies (``ctx.deps`` of tools, hooks and validators).
            decisions: Resume a run paused on pending tool calls (the paused history in
                ``messages``, no new prompt): approve, deny or supply each
                (:mod:`fantasy.approval`).
            **options: Per-call overrides of the agent's options.
        """
        return self._run(True, prompt, messages, files, deps, dict(options), decisions)

    def generate_sync(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        deps: DepsT = NO_DEPS,
        decisions: Sequence[ToolDecision] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentResult[OutputT]:
        """Blocking :meth:`generate`."""
        return run_sync(
            self.generate(
                prompt, messages=messages, files=files, deps=deps, decisions=decisions, **options
            )
        )

    def stream_sync(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        deps: DepsT = NO_DEPS,
        decisions: Sequence[ToolDecision] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentStreamSync[OutputT]:
        """Blocking :meth:`stream`: iterate events, then call ``result()``."""
        return AgentStreamSync(
            self.stream(
                prompt, messages=messages, files=files, deps=deps, decisions=decisions, **options
            )
        )
