"""The agent loop: one run object for ``generate`` and ``stream`` (and their sync twins).

:class:`AgentRun` holds everything one run needs and everything it has done so far.
:meth:`AgentRun.events` is the loop, an async generator of agent events. Each step:

1. :meth:`AgentRun.plan` runs the prepare-step hook and builds the model call;
2. :meth:`AgentRun.request` makes the step's model request, with its retries. It is
   **the model seam**: every model call of a run goes through it, and the only
   difference between the modes is inside it (``model.generate`` or ``model.stream``);
3. the client tool calls are validated, then run batch by batch; every tool runs
   through :meth:`AgentRun.execute_tool`, **the tool seam**;
4. the step's result is recorded and the stop rules decide whether to go on.

Steps return their results: a :class:`ModelRequest` is iterated for its events and then
holds its response; a tool batch returns its outcomes. From the provider's stream to the
caller a part passes through two generators (the request and the loop).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias

from fantasy import stream
from fantasy._agent_approval import Resume, ToolGate
from fantasy._agent_events import (
    AgentEvent,
    StepFinish,
    StepStart,
    dispatch_part,
    has_part_callbacks,
)
from fantasy._agent_limits import RunLimits
from fantasy._agent_messages import step_messages
from fantasy._agent_output import OutputSpec, RunOutput, Verdict
from fantasy._agent_plan import StepPlan, plan_step
from fantasy._agent_results import (
    AgentResult,
    OutputT,
    PrepareStepContext,
    StepResult,
    StopReason,
)
from fantasy._agent_settings import Settings, fire
from fantasy._agent_tool_scope import ToolEvents, ToolScope, in_scope
from fantasy._agent_tools_run import ToolOutcome, batches, run_batch, run_call
from fantasy._object_stream import ObjectPart
from fantasy._telemetry import CallScope, RunTrace, Tracer, end_run, note_retry, tracer_for
from fantasy._validation import ValidatedCall, validate_tool_call
from fantasy.agent_tools import (
    NO_DEPS,
    AnyTool,
    DepsT,
    RunContext,
    ToolContext,
    ToolResponse,
    run_tool,
)
from fantasy.approval import PendingToolCall
from fantasy.content import Content, SourceContent, ToolCallContent, ToolResultContent
from fantasy.errors import FantasyError, NoObjectGeneratedError
from fantasy.messages import ErrorOutput, Message, system_message
from fantasy.model import LanguageModel
from fantasy.response import Response
from fantasy.retry import Retrier
from fantasy.toolset import Toolset, open_toolsets
from fantasy.usage import FinishReason, Usage

__all__ = ["AgentRun", "ModelRequest", "SystemPrompt"]


async def _close(iterator: AsyncIterator[object]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


class ModelRequest:
    """One step's model request and its retries: iterate its events, then read ``response``.

    In streaming mode the events are the model's stream parts and a
    :class:`~fantasy.retry.Retry` before each new attempt; in non-streaming mode only the
    ``Retry`` events. ``response`` is set once the iteration has ended normally.
    :meth:`completed` makes a request that yields nothing and already holds its
    response (for a wrapper replaying a recorded step).
    """

    __slots__ = ("_events", "plan", "response")

    def __init__(self, run: AgentRun[Any, Any], plan: StepPlan) -> None:
        self.plan = plan
        self.response: Response | None = None
        self._events = self._attempts(run)

    @classmethod
    def completed(cls, plan: StepPlan, response: Response) -> ModelRequest:
        """A request whose response is already known (it yields no event)."""
        request = cls.__new__(cls)
        request.plan, request.response, request._events = plan, response, _nothing()
        return request

    def __aiter__(self) -> AsyncGenerator[stream.StreamPart, None]:
        return self._events

    async def aclose(self) -> None:
        """Stop the request (closes the model's stream)."""
        await self._events.aclose()

    async def _attempts(self, run: AgentRun[Any, Any]) -> AsyncGenerator[stream.StreamPart, None]:
        settings = run.settings
        retrier = Retrier(settings.retry)
        dispatch = has_part_callbacks(settings)
        while True:
            delivered = 0
            failure: Exception | None = None
            with CallScope(run.trace, self.plan.model, self.plan.call, run.streaming) as traced:
                if run.streaming:
                    accumulator = stream.StreamAccumulator()
                    parts = self.plan.model.stream(self.plan.call)
                    try:
                        next_part = retrier.bounded(parts.__anext__)  # the policy's deadline
                        while True:
                            try:
                                part = await next_part()
                            except StopAsyncIteration:
                                break
                            except Exception as error:  # noqa: BLE001 - classified by the retrier
                                failure = error
                                break
                            if isinstance(part, stream.Error):
                                failure = _failure(part)
                                break
                            if isinstance(part, stream.Retry):
                                # The model retried or switched models by itself: the
                                # parts delivered so far are void, as after our own retry.
                                accumulator.reset()
                                part = dataclasses.replace(part, discarded=delivered)
                                delivered = 0
                                await fire(settings.on_retry, part)
                                yield part
                                continue
                            accumulator.add(part)
                            if dispatch:  # for speed: no coroutine per part without callbacks
                                await dispatch_part(settings, part)
                            delivered += 1
                            yield part
                    finally:
                        await _close(parts)
                    if failure is None:
                        self.response = accumulator.response()
                else:
                    failure = await self._generate(retrier)
                self._settle(traced, failure)
            if failure is None:
                return
            retry = dataclasses.replace(retrier.next_retry(failure), discarded=delivered)
            note_retry(run.trace, retry)
            await fire(settings.on_retry, retry)
            yield retry
            await asyncio.sleep(retry.delay)

    def _settle(self, traced: CallScope, failure: Exception | None) -> None:
        """Record how the attempt ended: the response names its provider; the trace is told."""
        response = self.response if failure is None else None
        if response is not None and not response.info.provider:
            self.response = response = _answered_by(response, self.plan.model)
        traced.ended(response, failure)

    async def _generate(self, retrier: Retrier) -> Exception | None:
        """One non-streaming attempt: sets ``response``, or returns why it failed."""
        try:
            async with retrier.attempt():  # RetryPolicy.timeout / deadline
                self.response = await self.plan.model.generate(self.plan.call)
        except Exception as error:  # noqa: BLE001 - classified by the retrier
            return error
        return None


def _answered_by(response: Response, model: LanguageModel) -> Response:
    """``response`` naming the provider that answered (for its price)."""
    info = dataclasses.replace(response.info, provider=model.provider)
    return dataclasses.replace(response, info=info)


def _failure(part: stream.Error) -> Exception:
    """The error of an in-band error part (anything but an ``Exception`` is raised)."""
    if not isinstance(part.error, Exception):
        raise part.error
    return part.error


async def _nothing() -> AsyncGenerator[stream.StreamPart, None]:
    return
    yield  # an async generator that yields nothing


def _result_event(result: ToolResultContent) -> stream.ToolResult:
    return stream.ToolResult(
        tool_call_id=result.tool_call_id,
        tool_name=result.tool_name,
        result=result.result,
        client_metadata=result.client_metadata,
    )


SystemPrompt: TypeAlias = "str | Callable[[RunContext[Any]], str | Awaitable[str]]"
"""A system prompt, or a function of the run's context returning it (sync or async)."""


@dataclass(slots=True)
class _StepOutcome:
    """What the tools and the output check made of a step."""

    content: list[Content]
    client_calls: int = 0
    stop_turn: bool = False
    verdict: Verdict | None = None
    pending: list[PendingToolCall] = field(default_factory=list)


class AgentRun(Generic[DepsT, OutputT]):
    """One agent run: its inputs, the steps taken so far and, at the end, its outcome.

    Attributes:
        model: The agent's model (a step may use another one via ``prepare_step``).
        tools: The agent's tools (with its toolsets' tools, once the run has started).
        toolsets: The agent's toolsets, entered for the run (see :mod:`fantasy.toolset`).
        prompt: The messages the run starts from.
        settings: The resolved settings.
        streaming: Whether model calls stream.
        deps: The run's dependencies.
        output: The typed output being asked for (``None``: the text is the output).
        steps: The steps taken so far.
        usage: The usage of every model call so far, the current step's included once
            its response has arrived (and that of agents run as tools).
        tool_usage: The usage reported by the current step's tools so far.
        resume: The paused step this run resumes (:mod:`fantasy.approval`), if any.
        pending: The calls left waiting when the run paused.
        result: The result, once the run has finished.
        error: The error that ended the run, if one did.
    """

    def __init__(
        self,
        *,
        model: LanguageModel,
        tools: tuple[AnyTool, ...],
        prompt: tuple[Message, ...],
        settings: Settings,
        streaming: bool,
        deps: DepsT = NO_DEPS,
        output: OutputSpec | None = None,
        system_prompt: SystemPrompt = "",
        resume: Resume | None = None,
        toolsets: tuple[Toolset, ...] = (),
        tracer: Tracer | None = None,
    ) -> None:
        self.model = model
        self.tools = tools
        self.toolsets = toolsets
        self.prompt = prompt
        self.settings = settings
        self.streaming = streaming
        self.deps = deps
        self.output = None if output is None else RunOutput(output, model, [t.name for t in tools])
        self._system_prompt = system_prompt
        self.resume = resume
        self.gate = ToolGate(resume)
        self.pending: tuple[PendingToolCall, ...] = ()
        self.steps: list[StepResult] = []
        self.produced: list[Message] = []
        self.usage = Usage()
        self.tool_usage = Usage()
        self.tool_failures: dict[str, int] = {}
        self.limits = RunLimits(settings.usage_limits, settings.max_steps)
        self.result: AgentResult[OutputT] | None = None
        self.error: BaseException | None = None
        self._tracer = tracer_for(tracer)
        self.trace: RunTrace | None = None

    def context(self, step_number: int, messages: tuple[Message, ...]) -> RunContext[DepsT]:
        """The run's context for code called in step ``step_number``."""
        return RunContext(
            deps=self.deps,
            step_number=step_number,
            messages=messages,
            usage=self.usage,
            retry=0 if self.output is None else self.output.rejected,
        )

    # --- the seams --------------------------------------------------------------------

    def request(self, plan: StepPlan) -> ModelRequest:
        """The model seam: the step's model request, with retries (every model call)."""
        return ModelRequest(self, plan)

    async def execute_tool(
        self, checked: ValidatedCall, context: ToolContext[DepsT]
    ) -> ToolResponse:
        """The tool seam: run one validated call's tool (every tool execution).

        Raises:
            Exception: Whatever the tool raised (the caller decides what reaches the model).
        """
        assert checked.tool is not None
        assert checked.arguments is not None
        if self.trace is None:
            return await run_tool(checked.tool.run, checked.arguments, context)
        with self.trace.tool_call(checked.call) as traced:
            response = await run_tool(checked.tool.run, checked.arguments, context)
            traced.ended(response)
            return response

    def _step_request(self, plan: StepPlan) -> ModelRequest:
        """The step's request, counted against the limits; a resumed step's is a replay.

        A resumed step's model answer is in the history: it is replayed, not requested.
        """
        if self.resume is not None and not self.steps:
            return ModelRequest.completed(plan, self.resume.response())
        self.limits.request(self.usage, self._partial())
        return self.request(plan)

    # --- one step ----------------------------------------------------------------------

    async def _start(self) -> None:
        """Open the run's trace; resolve a dynamic system prompt (once, before step one)."""
        if self._tracer is not None:
            self.trace = self._tracer.agent_run(self)
        if callable(self._system_prompt):
            text = self._system_prompt(self.context(0, self.prompt))
            if inspect.isawaitable(text):
                text = await text
            if text:
                self.prompt = (system_message(text), *self.prompt)

    async def plan(self) -> StepPlan:
        """Run the prepare-step hook and build the next step's call."""
        base = self.context(len(self.steps), (*self.prompt, *self.produced))
        context = PrepareStepContext(
            deps=base.deps,
            step_number=base.step_number,
            messages=base.messages,
            usage=base.usage,
            retry=base.retry,
            steps=tuple(self.steps),
            model=self.model,
            tools=self.tools,
            tool_choice=self.settings.tool_choice,
        )
        plan = await plan_step(self.settings, context)
        if self.output is not None:
            call = self.output.apply(plan.call, self.settings.tool_choice)
            plan = dataclasses.replace(plan, call=call)
        return plan

    async def _validate(self, plan: StepPlan, content: list[Content]) -> list[ValidatedCall]:
        checked: list[ValidatedCall] = []
        output = self.output
        for index, item in enumerate(content):
            if isinstance(item, ToolCallContent) and not item.provider_executed:
                if output is not None and output.is_output_call(item):
                    continue
                outcome = await validate_tool_call(item, plan.tools, self.settings.repair_tool_call)
                content[index] = outcome.call
                checked.append(outcome)
        await self._announce(content)
        return checked

    async def _announce(self, content: Sequence[Content]) -> None:
        settings = self.settings
        for item in content:
            if isinstance(item, ToolCallContent):
                await fire(settings.on_tool_call, item)
            elif isinstance(item, ToolResultContent):
                await fire(settings.on_tool_result, item)
            elif isinstance(item, SourceContent):
                await fire(settings.on_source, item)

    def _tool_runner(
        self, plan: StepPlan, events: ToolEvents[Any]
    ) -> Callable[[ValidatedCall], Awaitable[ToolOutcome]]:
        messages = tuple(plan.call.prompt)
        emit = events.emit
        tool_errors = self.settings.tool_errors

        def context(checked: ValidatedCall) -> ToolContext[DepsT]:
            name = checked.call.tool_name
            return ToolContext(
                deps=self.deps,
                step_number=plan.number,
                messages=messages,
                usage=self.usage,
                retry=self.tool_failures.get(name, 0),
                tool_call_id=checked.call.tool_call_id,
                tool_name=name,
            )

        async def run_one(checked: ValidatedCall) -> ToolOutcome:
            answered = await self.gate.check(checked)
            if answered is not None:
                return answered  # known, decided or pending: not run now
            scope = ToolScope(checked.call.tool_call_id, checked.call.tool_name, emit)
            try:
                outcome = await in_scope(
                    scope, run_call(checked, context, self.execute_tool, tool_errors)
                )
            finally:  # usage spent by a tool counts even when it failed
                self.tool_usage = self.tool_usage + scope.usage
            if outcome.result is not None and isinstance(outcome.result.result, ErrorOutput):
                name = checked.call.tool_name
                self.tool_failures[name] = self.tool_failures.get(name, 0) + 1
            return outcome

        return run_one

    async def _judge(self, plan: StepPlan, outcome: _StepOutcome, response: Response) -> None:
        """Check the step's answer against the typed output (when there is one)."""
        if self.output is None or outcome.pending:
            return  # a paused step is judged when it is resumed
        context = self.context(plan.number, tuple(plan.call.prompt))
        verdict = await self.output.judge(outcome.content, outcome.client_calls, context)
        outcome.content.extend(verdict.results)
        outcome.verdict = verdict
        if verdict.rejection:
            self.output.reject(verdict, self.usage, response.finish_reason)

    def _record(self, response: Response, outcome: _StepOutcome) -> StepResult:
        content = outcome.content
        messages = step_messages(content)
        if outcome.verdict is not None:
            messages = (*messages, *outcome.verdict.messages)
        step = StepResult(
            response=dataclasses.replace(response, content=tuple(content)),
            messages=messages,
            tool_usage=self.tool_usage,
        )
        self.tool_usage = Usage()
        self.steps.append(step)
        self.produced.extend(step.messages)
        self.usage = self.usage + step.tool_usage  # the model's usage counted on arrival
        return step

    def _stop_reason(self, outcome: _StepOutcome) -> StopReason | None:
        """Why the loop ends after the last step, or ``None`` to go on."""
        if outcome.pending:
            self.pending = tuple(outcome.pending)
            return StopReason.TOOLS_PENDING
        verdict = outcome.verdict
        if verdict is not None and verdict.done:
            return StopReason.FINISHED
        step = self.steps[-1]
        if outcome.stop_turn:
            return StopReason.STOP_TURN
        history = tuple(self.steps)
        called = outcome.client_calls > 0 and step.finish_reason == FinishReason.TOOL_CALLS
        if called and any(condition(history) for condition in self.settings.stop_when):
            return StopReason.STOP_CONDITION
        if self.output is None and not called:
            return StopReason.FINISHED
        if self.limits.step_cap(len(self.steps)):
            return StopReason.STEP_CAP
        return None

    def _partial(self, response: Response | None = None) -> AgentResult[Any]:
        """The run so far (with the step of ``response``, its tools not run)."""
        steps = tuple(self.steps)
        if response is not None:
            steps += (StepResult(response=response, messages=step_messages(response.content)),)
        return AgentResult(steps=steps, prompt=self.prompt)

    def _finish(self, reason: StopReason, verdict: Verdict | None) -> AgentResult[OutputT]:
        if reason is StopReason.TOOLS_PENDING:  # paused: no output yet
            return AgentResult(
                steps=tuple(self.steps),
                prompt=self.prompt,
                stop_reason=reason,
                pending=self.pending,
            )
        if self.output is None:
            partial = self._partial()
            text: Any = partial.text  # without an output type, the output is the text
            return AgentResult(
                steps=partial.steps, prompt=self.prompt, stop_reason=reason, output=text
            )
        if verdict is None or not verdict.done:
            raise NoObjectGeneratedError(
                f"the run stopped ({reason}) before the model gave its final output",
                usage=self.usage,
                finish_reason=self.steps[-1].finish_reason,
            )
        return AgentResult(
            steps=tuple(self.steps), prompt=self.prompt, stop_reason=reason, output=verdict.value
        )

    # --- the loop ------------------------------------------------------------------------

    async def _run_tools(
        self, plan: StepPlan, outcome: _StepOutcome, checked: list[ValidatedCall]
    ) -> AsyncGenerator[AgentEvent, None]:
        forwarded: ToolEvents[list[ToolOutcome]] = ToolEvents(self.streaming)
        run_one = self._tool_runner(plan, forwarded)
        limit = asyncio.Semaphore(self.settings.max_parallel_tools)
        for batch in batches(checked):
            async with aclosing(forwarded.run(run_batch(batch, run_one, limit))) as tool_events:
                async for event in tool_events:
                    yield event  # what the tools emit while they run (ToolEvent)
            for done in forwarded.result or ():
                if done.result is None:
                    if done.pending is not None:
                        outcome.pending.append(done.pending)
                        yield done.pending
                    continue
                outcome.content.append(done.result)
                outcome.stop_turn = outcome.stop_turn or done.stop_turn
                if self.gate.known(done.result.tool_call_id):
                    continue  # ran before the run paused: already reported then
                await fire(self.settings.on_tool_result, done.result)
                yield _result_event(done.result)
        self.gate.close_step()

    async def events(self) -> AsyncGenerator[AgentEvent, None]:
        """Run the loop, yielding its events; the outcome lands in ``result``/``error``.

        The toolsets are entered first (their tools join ``tools``) and exited when the
        run ends, however it ends. Errors (after retries) propagate; ``on_error`` is told
        first. Cancellation and closing are not errors: they propagate without
        ``on_error``.
        """
        settings = self.settings
        output = self.output
        toolsets = AsyncExitStack()
        try:
            if self.toolsets:
                self.tools = await open_toolsets(toolsets, self.tools, self.toolsets)
            await self._start()
            while True:
                plan = await self.plan()
                start = StepStart(step_number=plan.number, call=plan.call)
                await fire(settings.on_step_start, start)
                yield start
                request = self._step_request(plan)
                partials = output.partials() if output is not None and self.streaming else None
                async with aclosing(request):
                    async for part in request:
                        yield part
                        if partials is not None and (partial := partials.feed(part)):
                            yield partial
                response = request.response
                if response is None:
                    raise FantasyError("the model request ended without a response")
                self.usage = self.usage + response.usage
                self.limits.tokens(self.usage, self._partial(response))
                outcome = _StepOutcome(content=list(response.content))
                checked = await self._validate(plan, outcome.content)
                outcome.client_calls = len(checked)
                self.limits.tools(self.gate.fresh(checked), self.usage, self._partial(response))
                async with aclosing(self._run_tools(plan, outcome, checked)) as tool_events:
                    async for event in tool_events:
                        yield event
                await self._judge(plan, outcome, response)
                if outcome.verdict is not None and outcome.verdict.done:
                    yield ObjectPart(outcome.verdict.value, partial=False)
                step = self._record(response, outcome)
                await fire(settings.on_step_finish, step)
                yield StepFinish(step_number=plan.number, step=step)
                reason = self._stop_reason(outcome)
                if reason is not None:
                    break
            self.result = self._finish(reason, outcome.verdict)
        except Exception as error:
            self.error = error
            await fire(settings.on_error, error)
            raise
        finally:
            await toolsets.aclose()
            end_run(self.trace, self.result, self.error)  # neither: closed or cancelled
