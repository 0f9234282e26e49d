"""The agent loop: one implementation for ``generate`` and ``stream``.

:func:`run_agent` is an async generator of agent events. Each step:

1. :func:`plan_step` runs the prepare-step hook and builds the model :class:`Call`;
2. :func:`model_output` gets the step's response, retried per the run's
   :class:`~fantasy.retry.RetryPolicy`. The **only** difference between the modes is
   here: non-streaming awaits ``model.generate(call)``, streaming iterates
   ``model.stream(call)`` (forwarding each part as an event) and folds the parts with a
   :class:`~fantasy.stream.StreamAccumulator`. Tools are never inside a retry;
3. :func:`finish_step` validates the client tool calls, runs the tools and builds the
   step's messages.

Every nested async iterator is closed as soon as its consumer stops (``aclosing``), so
closing or cancelling an agent stream closes the model stream and cancels tools.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass, field

from fantasy import stream
from fantasy._agent_events import AgentEvent, StepFinish, StepStart, dispatch_part
from fantasy._agent_messages import step_messages, with_system
from fantasy._agent_results import AgentResult, PrepareStepContext, PrepareStepResult, StepResult
from fantasy._agent_settings import Settings, fire
from fantasy._agent_tools_run import run_tool_calls
from fantasy._validation import ValidatedCall, validate_tool_call
from fantasy.agent_tools import AgentTool, AnyTool
from fantasy.content import Content, SourceContent, ToolCallContent, ToolResultContent
from fantasy.errors import InvalidArgumentError
from fantasy.messages import Message
from fantasy.model import Call, LanguageModel
from fantasy.response import Response
from fantasy.retry import Retry, retry_iter
from fantasy.tools import ProviderDefinedTool, Tool, ToolChoice
from fantasy.toolset import Toolset, open_toolsets
from fantasy.usage import FinishReason

__all__ = ["Run", "RunState", "StepPlan", "run_agent"]


@dataclass(slots=True)
class RunState:
    """Where a finished run leaves its outcome."""

    result: AgentResult | None = None
    error: BaseException | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """Everything one agent run needs."""

    model: LanguageModel
    tools: tuple[AnyTool, ...]
    prompt: tuple[Message, ...]
    settings: Settings
    streaming: bool
    toolsets: tuple[Toolset, ...] = ()
    state: RunState = field(default_factory=RunState)


@dataclass(frozen=True, slots=True)
class StepPlan:
    """A step about to run: its number, model, active tools and call."""

    number: int
    model: LanguageModel
    tools: tuple[AnyTool, ...]
    call: Call


@dataclass(frozen=True, slots=True)
class _ModelDone:
    response: Response


@dataclass(frozen=True, slots=True)
class _StepDone:
    step: StepResult
    client_calls: int
    stop_turn: bool


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


async def _prepare(
    run: Run, steps: Sequence[StepResult], messages: tuple[Message, ...]
) -> PrepareStepResult:
    hook = run.settings.prepare_step
    if hook is None:
        return PrepareStepResult()
    context = PrepareStepContext(
        step_number=len(steps),
        steps=tuple(steps),
        messages=messages,
        model=run.model,
        tools=run.tools,
        tool_choice=run.settings.tool_choice,
    )
    outcome = hook(context)
    if inspect.isawaitable(outcome):
        outcome = await outcome
    return outcome or PrepareStepResult()


async def plan_step(run: Run, steps: Sequence[StepResult], produced: Sequence[Message]) -> StepPlan:
    """Run the prepare-step hook and build the step's call."""
    messages = (*run.prompt, *produced)
    overrides = await _prepare(run, steps, messages)
    if overrides.messages is not None:
        messages = tuple(overrides.messages)
    if overrides.system is not None:
        messages = tuple(with_system(messages, overrides.system))
    tools = _active(
        tuple(overrides.tools) if overrides.tools is not None else run.tools,
        overrides.active_tools,
    )
    tool_choice = (
        overrides.tool_choice if overrides.tool_choice is not None else run.settings.tool_choice
    )
    call = build_call(run.settings, messages, tools, tool_choice, overrides)
    return StepPlan(len(steps), overrides.model or run.model, tools, call)


# --- the model call ----------------------------------------------------------------------


async def _close(iterator: AsyncIterator[object]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


def _attempt(
    plan: StepPlan, streaming: bool
) -> Callable[[], AsyncIterator[stream.StreamPart | Response]]:
    """One attempt at the step's model call, as an async iterator."""

    async def streamed() -> AsyncGenerator[stream.StreamPart | Response, None]:
        parts = plan.model.stream(plan.call)
        try:
            async for part in parts:
                if isinstance(part, stream.Error):
                    raise part.error
                yield part
        finally:
            await _close(parts)

    async def generated() -> AsyncGenerator[stream.StreamPart | Response, None]:
        yield await plan.model.generate(plan.call)

    return streamed if streaming else generated


async def model_output(run: Run, plan: StepPlan) -> AsyncGenerator[AgentEvent | _ModelDone, None]:
    """The step's model output (with retries); the response comes last as ``_ModelDone``."""
    settings = run.settings
    accumulator = stream.StreamAccumulator()
    response: Response | None = None
    attempts = retry_iter(settings.retry, _attempt(plan, run.streaming))
    async with aclosing(attempts):
        async for item in attempts:
            if isinstance(item, Response):
                response = item
            elif isinstance(item, Retry):
                accumulator, response = stream.StreamAccumulator(), None
                await fire(settings.on_retry, item)
                yield item
            else:
                accumulator.add(item)
                await dispatch_part(settings, item)
                yield item
    yield _ModelDone(response if response is not None else accumulator.response())


# --- after the model call -------------------------------------------------------------------


async def _validate(run: Run, plan: StepPlan, content: list[Content]) -> list[ValidatedCall]:
    checked: list[ValidatedCall] = []
    for index, item in enumerate(content):
        if isinstance(item, ToolCallContent) and not item.provider_executed:
            outcome = await validate_tool_call(item, plan.tools, run.settings.repair_tool_call)
            content[index] = outcome.call
            checked.append(outcome)
    return checked


async def _announce(settings: Settings, content: Sequence[Content]) -> None:
    for item in content:
        if isinstance(item, ToolCallContent):
            await fire(settings.on_tool_call, item)
        elif isinstance(item, ToolResultContent):
            await fire(settings.on_tool_result, item)
        elif isinstance(item, SourceContent):
            await fire(settings.on_source, item)


def _result_event(result: ToolResultContent) -> stream.ToolResult:
    return stream.ToolResult(
        tool_call_id=result.tool_call_id,
        tool_name=result.tool_name,
        result=result.result,
        client_metadata=result.client_metadata,
    )


async def finish_step(
    run: Run, plan: StepPlan, response: Response
) -> AsyncGenerator[stream.ToolResult | _StepDone, None]:
    """Validate and run the client tool calls, then build the step (last, as ``_StepDone``)."""
    settings = run.settings
    content = list(response.content)
    checked = await _validate(run, plan, content)
    await _announce(settings, content)
    results: list[ToolResultContent] = []
    stop_turn = False
    outcomes = run_tool_calls(
        checked,
        step_number=plan.number,
        messages=tuple(plan.call.prompt),
        max_parallel=settings.max_parallel_tools,
    )
    async with aclosing(outcomes):
        async for outcome in outcomes:
            results.append(outcome.result)
            stop_turn = stop_turn or outcome.stop_turn
            await fire(settings.on_tool_result, outcome.result)
            yield _result_event(outcome.result)
    step_content = (*content, *results)
    step = StepResult(
        response=dataclasses.replace(response, content=step_content),
        messages=step_messages(step_content),
    )
    yield _StepDone(step, len(checked), stop_turn)


# --- the loop ------------------------------------------------------------------------------


def _should_continue(settings: Settings, steps: Sequence[StepResult], done: _StepDone) -> bool:
    if done.stop_turn or done.client_calls == 0:
        return False
    if done.step.finish_reason != FinishReason.TOOL_CALLS or len(steps) >= settings.max_steps:
        return False
    history = tuple(steps)
    return not any(condition(history) for condition in settings.stop_when)


async def _step(
    run: Run, steps: Sequence[StepResult], produced: Sequence[Message]
) -> AsyncGenerator[AgentEvent | _StepDone, None]:
    plan = await plan_step(run, steps, produced)
    start = StepStart(step_number=plan.number, call=plan.call)
    await fire(run.settings.on_step_start, start)
    yield start
    response: Response | None = None
    async with aclosing(model_output(run, plan)) as items:
        async for item in items:
            if isinstance(item, _ModelDone):
                response = item.response
            else:
                yield item
    assert response is not None  # model_output always ends with _ModelDone
    async with aclosing(finish_step(run, plan, response)) as results:
        async for result in results:
            yield result


async def run_agent(run: Run) -> AsyncGenerator[AgentEvent, None]:
    """Run the agent loop, yielding its events; the result lands in ``run.state``.

    The run's toolsets are entered first (their tools join the run's) and exited when
    the run ends, however it ends. Errors (after retries) propagate; ``on_error`` is
    told first. Cancellation and closing are not errors: they propagate without
    ``on_error``.
    """
    steps: list[StepResult] = []
    produced: list[Message] = []
    toolsets = AsyncExitStack()
    try:
        if run.toolsets:
            tools = await open_toolsets(toolsets, run.tools, run.toolsets)
            run = dataclasses.replace(run, tools=tools, toolsets=())
        while True:
            done: _StepDone | None = None
            async with aclosing(_step(run, steps, produced)) as events:
                async for event in events:
                    if isinstance(event, _StepDone):
                        done = event
                    else:
                        yield event
            assert done is not None  # finish_step always ends with _StepDone
            steps.append(done.step)
            produced.extend(done.step.messages)
            await fire(run.settings.on_step_finish, done.step)
            yield StepFinish(step_number=len(steps) - 1, step=done.step)
            if not _should_continue(run.settings, steps, done):
                break
    except Exception as error:
        run.state.error = error
        await fire(run.settings.on_error, error)
        raise
    finally:
        await toolsets.aclose()
    run.state.result = AgentResult(steps=tuple(steps), prompt=run.prompt)
