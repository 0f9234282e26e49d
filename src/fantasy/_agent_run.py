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
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from typing import Any

from fantasy import stream
from fantasy._agent_events import AgentEvent, StepFinish, StepStart, dispatch_part
from fantasy._agent_messages import step_messages
from fantasy._agent_plan import StepPlan, plan_step
from fantasy._agent_results import AgentResult, PrepareStepContext, StepResult, StopReason
from fantasy._agent_settings import Settings, fire
from fantasy._agent_tools_run import ToolOutcome, batches, run_batch, run_call
from fantasy._validation import ValidatedCall, validate_tool_call
from fantasy.agent_tools import AnyTool, ToolContext, ToolResponse, run_tool
from fantasy.content import Content, SourceContent, ToolCallContent, ToolResultContent
from fantasy.errors import FantasyError
from fantasy.messages import Message
from fantasy.model import LanguageModel
from fantasy.response import Response
from fantasy.retry import Retrier
from fantasy.usage import FinishReason, Usage

__all__ = ["AgentRun", "ModelRequest"]


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

    def __init__(self, run: AgentRun, plan: StepPlan) -> None:
        self.plan = plan
        self.response: Response | None = None
        self._events = self._attempts(run)

    @classmethod
    def completed(cls, plan: StepPlan, response: Response) -> ModelRequest:
        """A request whose response is already known (it yields no event)."""
        request = cls.__new__(cls)
        request.plan, request.response, request._events = plan, response, _nothing()
        return request

    def __aiter__(self) -> AsyncGenerator[AgentEvent, None]:
        return self._events

    async def aclose(self) -> None:
        """Stop the request (closes the model's stream)."""
        await self._events.aclose()

    async def _attempts(self, run: AgentRun) -> AsyncGenerator[AgentEvent, None]:
        settings = run.settings
        retrier = Retrier(settings.retry)
        while True:
            delivered = 0
            failure: Exception | None = None
            if run.streaming:
                accumulator = stream.StreamAccumulator()
                parts = self.plan.model.stream(self.plan.call)
                try:
                    next_part = parts.__anext__
                    while True:
                        try:
                            part = await next_part()
                        except StopAsyncIteration:
                            break
                        except Exception as error:  # noqa: BLE001 - classified by the retrier
                            failure = error
                            break
                        if isinstance(part, stream.Error):
                            if not isinstance(part.error, Exception):
                                raise part.error
                            failure = part.error
                            break
                        accumulator.add(part)
                        await dispatch_part(settings, part)
                        delivered += 1
                        yield part
                finally:
                    await _close(parts)
                if failure is None:
                    self.response = accumulator.response()
                    return
            else:
                try:
                    self.response = await self.plan.model.generate(self.plan.call)
                    return
                except Exception as error:  # noqa: BLE001 - classified by the retrier
                    failure = error
            retry = dataclasses.replace(retrier.next_retry(failure), discarded=delivered)
            await fire(settings.on_retry, retry)
            yield retry
            await asyncio.sleep(retry.delay)


async def _nothing() -> AsyncGenerator[AgentEvent, None]:
    return
    yield  # an async generator that yields nothing


def _result_event(result: ToolResultContent) -> stream.ToolResult:
    return stream.ToolResult(
        tool_call_id=result.tool_call_id,
        tool_name=result.tool_name,
        result=result.result,
        client_metadata=result.client_metadata,
    )


class AgentRun:
    """One agent run: its inputs, the steps taken so far and, at the end, its outcome.

    Attributes:
        model: The agent's model (a step may use another one via ``prepare_step``).
        tools: The agent's tools.
        prompt: The messages the run starts from.
        settings: The resolved settings.
        streaming: Whether model calls stream.
        steps: The steps taken so far.
        usage: The usage of every model call so far.
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
    ) -> None:
        self.model = model
        self.tools = tools
        self.prompt = prompt
        self.settings = settings
        self.streaming = streaming
        self.steps: list[StepResult] = []
        self.produced: list[Message] = []
        self.usage = Usage()
        self.result: AgentResult | None = None
        self.error: BaseException | None = None

    # --- the seams --------------------------------------------------------------------

    def request(self, plan: StepPlan) -> ModelRequest:
        """The model seam: the step's model request, with retries (every model call)."""
        return ModelRequest(self, plan)

    async def execute_tool(self, checked: ValidatedCall, context: ToolContext) -> ToolResponse:
        """The tool seam: run one validated call's tool (every tool execution).

        Raises:
            Exception: Whatever the tool raised (the caller decides what reaches the model).
        """
        assert checked.tool is not None
        assert checked.arguments is not None
        return await run_tool(checked.tool.run, checked.arguments, context)

    # --- one step ----------------------------------------------------------------------

    async def plan(self) -> StepPlan:
        """Run the prepare-step hook and build the next step's call."""
        context = PrepareStepContext(
            step_number=len(self.steps),
            steps=tuple(self.steps),
            messages=(*self.prompt, *self.produced),
            model=self.model,
            tools=self.tools,
            tool_choice=self.settings.tool_choice,
        )
        return await plan_step(self.settings, context)

    async def _validate(self, plan: StepPlan, content: list[Content]) -> list[ValidatedCall]:
        checked: list[ValidatedCall] = []
        for index, item in enumerate(content):
            if isinstance(item, ToolCallContent) and not item.provider_executed:
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

    def _tool_runner(self, plan: StepPlan) -> Any:
        def context(checked: ValidatedCall) -> ToolContext:
            return ToolContext(
                tool_call_id=checked.call.tool_call_id,
                tool_name=checked.call.tool_name,
                step_number=plan.number,
                messages=tuple(plan.call.prompt),
            )

        async def run_one(checked: ValidatedCall) -> ToolOutcome:
            return await run_call(checked, context, self.execute_tool)

        return run_one

    def _record(self, response: Response, content: list[Content]) -> StepResult:
        step = StepResult(
            response=dataclasses.replace(response, content=tuple(content)),
            messages=step_messages(content),
        )
        self.steps.append(step)
        self.produced.extend(step.messages)
        self.usage = self.usage + step.usage
        return step

    def _stop_reason(self, client_calls: int, stop_turn: bool) -> StopReason | None:
        """Why the loop ends after the last step, or ``None`` to go on."""
        step = self.steps[-1]
        if client_calls == 0 or step.finish_reason != FinishReason.TOOL_CALLS:
            return StopReason.FINISHED
        if stop_turn:
            return StopReason.STOP_TURN
        history = tuple(self.steps)
        if any(condition(history) for condition in self.settings.stop_when):
            return StopReason.STOP_CONDITION
        if len(self.steps) >= self.settings.max_steps:
            return StopReason.STEP_CAP
        return None

    # --- the loop ------------------------------------------------------------------------

    async def events(self) -> AsyncGenerator[AgentEvent, None]:
        """Run the loop, yielding its events; the outcome lands in ``result``/``error``.

        Errors (after retries) propagate; ``on_error`` is told first. Cancellation and
        closing are not errors: they propagate without ``on_error``.
        """
        settings = self.settings
        try:
            while True:
                plan = await self.plan()
                start = StepStart(step_number=plan.number, call=plan.call)
                await fire(settings.on_step_start, start)
                yield start
                request = self.request(plan)
                async with aclosing(request):
                    async for event in request:
                        yield event
                if request.response is None:
                    raise FantasyError("the model request ended without a response")
                content = list(request.response.content)
                checked = await self._validate(plan, content)
                run_one = self._tool_runner(plan)
                limit = asyncio.Semaphore(settings.max_parallel_tools)
                stop_turn = False
                for batch in batches(checked):
                    for outcome in await run_batch(batch, run_one, limit):
                        content.append(outcome.result)
                        stop_turn = stop_turn or outcome.stop_turn
                        await fire(settings.on_tool_result, outcome.result)
                        yield _result_event(outcome.result)
                step = self._record(request.response, content)
                await fire(settings.on_step_finish, step)
                yield StepFinish(step_number=plan.number, step=step)
                reason = self._stop_reason(len(checked), stop_turn)
                if reason is not None:
                    break
        except Exception as error:
            self.error = error
            await fire(settings.on_error, error)
            raise
        self.result = AgentResult(steps=tuple(self.steps), prompt=self.prompt, stop_reason=reason)
