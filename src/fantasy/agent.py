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
  attempt are dropped from the step.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from types import TracebackType
from typing import Any, Unpack, cast

from fantasy._agent_events import AgentEvent, StepFinish, StepStart
from fantasy._agent_messages import initial_prompt
from fantasy._agent_output import AgentOutput, final_output
from fantasy._agent_results import (
    AgentResult,
    PrepareStepContext,
    PrepareStepResult,
    StepResult,
    StopReason,
)
from fantasy._agent_run import AgentRun, ModelRequest
from fantasy._agent_settings import DEFAULT_MAX_STEPS, AgentOptions, PrepareStep, Settings
from fantasy._sync import iter_sync, run_sync
from fantasy._validation import InvalidToolCallError, RepairToolCall
from fantasy.agent_tools import (
    AgentTool,
    AnyTool,
    ExecutableProviderTool,
    ToolContext,
    ToolResponse,
    tool,
)
from fantasy.errors import FantasyError, InvalidArgumentError
from fantasy.messages import FilePart, Message
from fantasy.model import LanguageModel, ObjectMode
from fantasy.retry import Retry, RetryPolicy
from fantasy.tools import FunctionTool, ProviderDefinedTool

__all__ = [
    "DEFAULT_MAX_STEPS",
    "Agent",
    "AgentEvent",
    "AgentOptions",
    "AgentOutput",
    "AgentResult",
    "AgentRun",
    "AgentStream",
    "AgentStreamSync",
    "AgentTool",
    "ExecutableProviderTool",
    "InvalidToolCallError",
    "ModelRequest",
    "PrepareStep",
    "PrepareStepContext",
    "PrepareStepResult",
    "RepairToolCall",
    "Retry",
    "RetryPolicy",
    "StepFinish",
    "StepResult",
    "StepStart",
    "StopReason",
    "ToolContext",
    "ToolResponse",
    "tool",
]


def _finished(run: AgentRun) -> AgentResult:
    if run.result is not None:
        return run.result
    if run.error is not None:
        raise run.error
    raise FantasyError("the agent stream was closed before the run finished")


class AgentStream:
    """A running agent: ``async for`` its events, then ``await result()``.

    Events are every model stream part plus :class:`StepStart`, :class:`StepFinish`,
    :class:`~fantasy.retry.Retry` and one :class:`~fantasy.stream.ToolResult` per client
    tool result (see :mod:`fantasy._agent_events` for the order). Use ``async with`` (or
    :meth:`aclose`) when you may stop early: closing stops the model stream and tools.
    """

    def __init__(self, run: AgentRun) -> None:
        self._run = run
        self._events = run.events()

    def __aiter__(self) -> AsyncIterator[AgentEvent]:
        return self._events  # no extra hop: `async for` steps the loop directly

    async def __anext__(self) -> AgentEvent:
        return await self._events.__anext__()

    async def result(self) -> AgentResult:
        """The run's result, consuming the remaining events first.

        Raises:
            Exception: The error that ended the run.
            FantasyError: When the stream was closed before the run finished.
        """
        async for _ in self._events:
            pass
        return _finished(self._run)

    async def aclose(self) -> None:
        """Stop the run: the model stream is closed and running tools are cancelled."""
        await self._events.aclose()

    async def __aenter__(self) -> AgentStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class AgentStreamSync:
    """The blocking form of :class:`AgentStream`: iterate events, then ``result()``."""

    def __init__(self, stream: AgentStream) -> None:
        self._run = stream._run
        # iter_sync is a generator function: its iterator can be closed.
        self._iterator = cast(Generator[AgentEvent, None, None], iter_sync(stream))

    def __iter__(self) -> Iterator[AgentEvent]:
        return self

    def __next__(self) -> AgentEvent:
        return next(self._iterator)

    def result(self) -> AgentResult:
        """The run's result, consuming the remaining events first."""
        for _ in self._iterator:
            pass
        return _finished(self._run)

    def close(self) -> None:
        """Stop the run early."""
        self._iterator.close()

    def __enter__(self) -> AgentStreamSync:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _agent_tools(tools: Sequence[AnyTool | Callable[..., Any]]) -> tuple[AnyTool, ...]:
    out: list[AnyTool] = []
    for item in tools:
        if isinstance(item, FunctionTool):
            raise InvalidArgumentError(
                f"FunctionTool {item.name!r} has no code to run; use AgentTool or @tool",
                argument="tools",
            )
        if isinstance(item, AgentTool | ExecutableProviderTool | ProviderDefinedTool):
            out.append(item)
        elif callable(item):
            out.append(AgentTool.from_function(item))
        else:
            raise InvalidArgumentError(f"not a tool: {item!r}", argument="tools")
    names = [t.name for t in out]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InvalidArgumentError(f"duplicate tool name(s): {duplicates}", argument="tools")
    return tuple(out)


class Agent:
    """A model with a system prompt and tools, run in a loop (see the module docstring).

    Args:
        model: The language model.
        system_prompt: The system prompt (none when empty).
        tools: :class:`AgentTool`, :class:`ExecutableProviderTool`,
            :class:`~fantasy.tools.ProviderDefinedTool`, or typed functions (wrapped
            with :meth:`AgentTool.from_function`).
        **options: Defaults of every run (:class:`AgentOptions`): call settings
            (``max_output_tokens``, ``temperature``, ``top_p``, ``top_k``,
            ``presence_penalty``, ``frequency_penalty``, ``stop_sequences``, ``seed``,
            ``tool_choice``, ``provider_options``, ``headers``), loop settings
            (``stop_when``, ``max_steps``, ``prepare_step``, ``repair_tool_call``,
            ``retry``, ``max_parallel_tools``) and callbacks (``on_text_delta``,
            ``on_reasoning_delta``, ``on_tool_input_delta``, ``on_tool_call``,
            ``on_tool_result``, ``on_source``, ``on_step_start``, ``on_step_finish``,
            ``on_retry``, ``on_error``, ``on_part``). Each may be overridden per call.
    """

    run_type: type[AgentRun] = AgentRun
    """The run class; a subclass may wrap its seams (``request``, ``execute_tool``)."""

    def __init__(
        self,
        model: LanguageModel,
        *,
        system_prompt: str = "",
        tools: Sequence[AnyTool | Callable[..., Any]] = (),
        **options: Unpack[AgentOptions],
    ) -> None:
        self.model = model
        self.system_prompt = system_prompt
        self.tools = _agent_tools(tools)
        self._options: dict[str, Any] = dict(options)
        Settings.resolve(self._options, {})  # fail early on bad options

    def __repr__(self) -> str:
        return f"Agent(model={self.model!r}, tools={[t.name for t in self.tools]!r})"

    def _run(
        self,
        streaming: bool,
        prompt: str | None,
        messages: Sequence[Message],
        files: Sequence[FilePart],
        options: dict[str, Any],
    ) -> AgentStream:
        run = self.run_type(
            model=self.model,
            tools=self.tools,
            prompt=tuple(initial_prompt(self.system_prompt, messages, prompt, files)),
            settings=Settings.resolve(self._options, options),
            streaming=streaming,
        )
        return AgentStream(run)

    async def generate(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentResult:
        """Run the agent with non-streaming model calls.

        Args:
            prompt: The user's prompt (the last user message).
            messages: Conversation history placed before the prompt.
            files: Files attached to the prompt's user message.
            **options: Per-call overrides of the agent's options.
        """
        async with self._run(False, prompt, messages, files, dict(options)) as events:
            return await events.result()

    def stream(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentStream:
        """Run the agent with streaming model calls; iterate the returned stream.

        Args:
            prompt: The user's prompt (the last user message).
            messages: Conversation history placed before the prompt.
            files: Files attached to the prompt's user message.
            **options: Per-call overrides of the agent's options.
        """
        return self._run(True, prompt, messages, files, dict(options))

    async def generate_output(
        self,
        prompt: str | None = None,
        *,
        output_type: Any,
        output_mode: ObjectMode = "auto",
        output_name: str = "",
        output_description: str = "",
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentOutput[Any]:
        """Run the agent, then get its final answer as a typed object.

        The tool loop runs as in :meth:`generate`; then one structured-object call over
        the whole conversation (see :mod:`fantasy.object`) produces the answer.

        Args:
            prompt: The user's prompt (the last user message).
            output_type: A Python type (pydantic model, dataclass, TypedDict, list or
                union of them) or a JSON Schema mapping.
            output_mode: The object mode (``"auto"``: the model's best).
            output_name: Schema name (the tool name in ``tool`` mode).
            output_description: What the object is.
            messages: Conversation history placed before the prompt.
            files: Files attached to the prompt's user message.
            **options: Per-call overrides of the agent's options.

        Raises:
            NoObjectGeneratedError: The final answer did not parse or validate.
        """
        result = await self.generate(prompt, messages=messages, files=files, **options)
        return await final_output(
            self.model,
            result,
            Settings.resolve(self._options, dict(options)),
            output_type,
            mode=output_mode,
            name=output_name,
            description=output_description,
        )

    def generate_output_sync(
        self,
        prompt: str | None = None,
        *,
        output_type: Any,
        output_mode: ObjectMode = "auto",
        output_name: str = "",
        output_description: str = "",
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentOutput[Any]:
        """Blocking :meth:`generate_output`."""
        return run_sync(
            self.generate_output(
                prompt,
                output_type=output_type,
                output_mode=output_mode,
                output_name=output_name,
                output_description=output_description,
                messages=messages,
                files=files,
                **options,
            )
        )

    def generate_sync(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentResult:
        """Blocking :meth:`generate`."""
        return run_sync(self.generate(prompt, messages=messages, files=files, **options))

    def stream_sync(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        files: Sequence[FilePart] = (),
        **options: Unpack[AgentOptions],
    ) -> AgentStreamSync:
        """Blocking :meth:`stream`: iterate events, then call ``result()``."""
        events = self.stream(prompt, messages=messages, files=files, **options)
        return AgentStreamSync(events)
