"""Durable agent runs on DBOS: a run is a workflow, each model call and tool run a step.

:class:`DBOSAgent` wraps an :class:`~fantasy.agent.Agent`. Its runs execute as DBOS
workflows, through the agent's one loop: a run class overrides the loop's two seams so
that every model call (with its retries) and every tool execution is a DBOS step whose
result is checkpointed in the DBOS system database (SQLite by default, Postgres to share
runs across machines). After a crash, DBOS recovers the workflow on launch: finished
steps return their recorded results (a finished model call is not made again, a
finished tool is not run again) and the run goes on from the first unfinished step.

Step results are stored as fantasy's own JSON (``Response.to_dict``, tool responses as
plain JSON): nothing of fantasy is pickled, so a new fantasy version reads old records.
DBOS itself records exceptions a step raised (with its own serializer).

A tool interrupted in the middle of its execution (the process died inside it) runs
again on recovery: tools that can be interrupted must be idempotent (or harmless to
repeat); see ``docs/durable.md``.

Both kinds of step are preemptible: ``DBOS.cancel_workflow`` stops a run within DBOS's
poll interval, closing a model stream in progress, and nothing runs after it. A replay
that meets other steps than it recorded (the agent changed between crash and resume)
fails the run with :class:`DurableReplayError`.

Example (SQLite, nothing to start)::

    from dbos import DBOS
    from fantasy.durable.dbos import DBOSAgent

    DBOS(config={"name": "my-app", "system_database_url": "sqlite:///runs.sqlite"})
    durable = DBOSAgent(agent, name="support")   # at import time, before launch
    DBOS.launch()
    result = await durable.generate("Hello", workflow_id="ticket-42")
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Generic

from dbos import DBOS, Queue, SetWorkflowID, StepOptions, WorkflowHandleAsync
from dbos import error as dbos_error

from fantasy._agent_plan import StepPlan
from fantasy._agent_results import AgentResult, OutputT, StopReason
from fantasy._agent_run import AgentRun, ModelRequest
from fantasy._validation import ValidatedCall
from fantasy.agent import Agent
from fantasy.agent_tools import DepsT, ToolContext, ToolResponse, run_tool
from fantasy.approval import PendingToolCall, ToolDecision
from fantasy.errors import FantasyError, InvalidArgumentError, UsageError
from fantasy.messages import Message
from fantasy.response import Response

__all__ = ["DECISIONS_TOPIC", "PENDING_EVENT", "DBOSAgent", "DurableReplayError", "RunStatus"]

PENDING_EVENT = "fantasy.pending"
"""The workflow event holding a paused run's pending calls (``PendingToolCall`` dicts)."""
DECISIONS_TOPIC = "fantasy.decisions"
"""The message topic a paused run receives its decisions on (``ToolDecision`` dicts)."""


class DurableReplayError(UsageError):
    """A durable run's replay diverged from the steps it recorded before.

    Raised when DBOS finds, at some position of a resumed (or forked) run, a recorded
    step other than the one the run asks for now: the code changed between the
    crash and the resume (another tool set, prompt, output type or approval rule,
    so the replayed model answers lead elsewhere). The run fails with this error
    (status ``ERROR``), from the model seam as from the tool seam: it never reaches
    the model as a tool result. ``__cause__`` is DBOS's own error, which names the
    step and both functions. Deploy such changes as a new ``DBOSAgent`` name (or DBOS
    application version), or fork the run (``DBOS.fork_workflow``) from the first
    step that changed.
    """


_REPLAY_ERRORS = (dbos_error.DBOSUnexpectedStepError, dbos_error.DBOSStepNondeterminismError)


async def _step(name: str, function: Callable[[], Coroutine[Any, Any, str]]) -> str:
    """Run ``function`` as the DBOS step ``name``: checkpointed, preempted by a cancel.

    ``preemptible``: when the workflow is cancelled, DBOS cancels the running step
    (a model stream is closed, a tool's await is cancelled) instead of letting it run on.
    """
    options = StepOptions(name=name, preemptible=True)
    try:
        return await DBOS.run_step_async(options, function)
    except _REPLAY_ERRORS as error:
        raise DurableReplayError(
            f"the durable run no longer matches its recorded steps ({error}); "
            "was the agent changed between the crash and the resume?"
        ) from error


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _tool_json(response: ToolResponse) -> str:
    return _dumps(
        {
            "text": response.text,
            "error": response.error,
            "media": None if response.media is None else base64.b64encode(response.media).decode(),
            "media_type": response.media_type,
            "client_metadata": dict(response.client_metadata),
            "stop_turn": response.stop_turn,
        }
    )


def _tool_from_json(text: str) -> ToolResponse:
    data = json.loads(text)
    media = data.get("media")
    return ToolResponse(
        text=data.get("text", ""),
        error=data.get("error"),
        media=None if media is None else base64.b64decode(media),
        media_type=data.get("media_type", ""),
        client_metadata=data.get("client_metadata") or {},
        stop_turn=bool(data.get("stop_turn")),
    )


class _DurableRequest(ModelRequest):
    """A step's model request run as one DBOS step; on recovery its recorded response."""

    __slots__ = ()

    def __init__(self, run: _DurableRun, plan: StepPlan) -> None:
        self.plan = plan
        self.response: Response | None = None
        self._events = self._checkpointed(run)

    async def _checkpointed(self, run: _DurableRun) -> AsyncGenerator[Any, None]:
        async def call_model() -> str:
            inner = ModelRequest(run, self.plan)  # the loop's own request, retries included
            try:
                async for event in inner:
                    await run.forward(event)
            finally:
                await inner.aclose()  # cancelled or failed mid-stream: close the model stream
            assert inner.response is not None
            return _dumps(inner.response.to_dict())

        data = await _step(f"fantasy.model.{self.plan.number}", call_model)
        self.response = Response.from_dict(json.loads(data))
        nothing: tuple[Any, ...] = ()
        for event in nothing:  # an async generator that yields nothing: the step streamed
            yield event


class _DurableRun(AgentRun[Any, Any]):
    """The agent's run with both seams as DBOS steps (see the module docstring)."""

    stream_key: str | None = None

    def request(self, plan: StepPlan) -> ModelRequest:
        """The model seam: one checkpointed step per model request."""
        return _DurableRequest(self, plan)

    async def execute_tool(self, checked: ValidatedCall, context: ToolContext[Any]) -> ToolResponse:
        """The tool seam: one checkpointed step per tool execution."""
        assert checked.tool is not None
        assert checked.arguments is not None
        tool, arguments = checked.tool, checked.arguments

        async def call_tool() -> str:
            return _tool_json(await run_tool(tool.run, arguments, context))

        return _tool_from_json(await _step(f"fantasy.tool.{checked.call.tool_name}", call_tool))

    async def forward(self, event: Any) -> None:
        """Write a text or reasoning delta to the workflow's stream (streamed runs only)."""
        if self.stream_key is None:
            return
        kind = getattr(event, "type", "")
        if kind in ("text-delta", "reasoning-delta"):
            await DBOS.write_stream_async(self.stream_key, {"type": kind, "delta": event.delta})


@dataclass(frozen=True, slots=True)
class RunStatus:
    """A durable run as the DBOS system database knows it.

    Attributes:
        workflow_id: The run's workflow id.
        status: ``PENDING`` (running or waiting), ``ENQUEUED``, ``SUCCESS``, ``ERROR``,
            ``CANCELLED``, ``MAX_RECOVERY_ATTEMPTS_EXCEEDED``.
        error: The error text of a failed run.
    """

    workflow_id: str
    status: str
    error: str = ""


class DBOSAgent(Generic[DepsT, OutputT]):
    """Runs an agent as DBOS workflows; build it at import time, before ``DBOS.launch()``.

    Args:
        agent: The agent (its model, tools, output type and options are used as is).
        name: A stable name for the workflow (part of the records: keep it across deploys).
        queue: A DBOS queue for :meth:`enqueue`, or its name (looked up with
            ``DBOS.retrieve_queue`` when used, so it may be registered after launch);
            its concurrency and rate limits hold across every worker on the database.
        approval_timeout: Seconds a run paused on tool approval waits for decisions
            before it ends, still paused (default: a week).
    """

    def __init__(
        self,
        agent: Agent[DepsT, OutputT],
        *,
        name: str,
        queue: Queue | str | None = None,
        approval_timeout: float = 7 * 24 * 3600,
    ) -> None:
        if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise InvalidArgumentError("use letters, digits, '-', '_' or '.'", argument="name")
        self.agent = agent
        self.name = name
        self.queue = queue
        self.approval_timeout = approval_timeout

        async def run(request: dict[str, Any]) -> dict[str, Any]:
            return await self._run(request)

        self._workflow = DBOS.workflow(name=f"fantasy.agent.{name}")(run)

    async def _run(self, request: dict[str, Any]) -> dict[str, Any]:
        """The workflow: one agent run from a JSON request to a JSON result.

        A run paused on tool calls waiting for approval (or deferred results) publishes
        them as the ``fantasy.pending`` event and waits for decisions with a durable
        ``recv``: no process is held while it waits, and any worker resumes it when
        :meth:`decide` sends them. Past ``approval_timeout`` it ends, still paused.
        """
        messages = [Message.from_dict(m) for m in request.get("messages", [])]
        run_agent = _durable_copy(self.agent)
        stream_key = request.get("stream_key")
        run_agent.run_type = _stream_run(stream_key)
        deps = request.get("deps")
        try:
            result = await _once(run_agent, request.get("prompt"), messages, deps, (), stream_key)
            while result.stop_reason is StopReason.TOOLS_PENDING:
                pending = [call.to_dict() for call in result.pending]
                await DBOS.set_event_async(PENDING_EVENT, pending)
                answer = await DBOS.recv_async(DECISIONS_TOPIC, self.approval_timeout)
                if answer is None:
                    break  # timed out: the run ends paused, its history kept in the result
                await DBOS.set_event_async(PENDING_EVENT, [])
                decisions = [ToolDecision.from_dict(item) for item in answer]
                result = await _once(run_agent, None, result.history, deps, decisions, stream_key)
        finally:
            if stream_key:
                await DBOS.close_stream_async(stream_key)
        return {"result": result.to_dict()}

    def _request(
        self, prompt: str | None, messages: Sequence[Message], deps: Any, stream_key: str | None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"prompt": prompt, "messages": [m.to_dict() for m in messages]}
        if deps is not None:
            request["deps"] = deps
        if stream_key is not None:
            request["stream_key"] = stream_key
        return request

    async def start(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        deps: Any = None,
        workflow_id: str | None = None,
    ) -> str:
        """Start a run in the background; returns its workflow id (idempotent per id).

        Starting again with the id of a run that exists returns the same run: the run is
        not made twice.
        """
        return await self._start(self._request(prompt, messages, deps, None), workflow_id)

    async def _start(self, request: dict[str, Any], workflow_id: str | None) -> str:
        with _workflow_id(workflow_id):
            handle = await DBOS.start_workflow_async(self._workflow, request)
        return handle.get_workflow_id()

    async def enqueue(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        deps: Any = None,
        workflow_id: str | None = None,
    ) -> str:
        """Put a run on the agent's queue (any worker on the database may run it)."""
        if self.queue is None:
            raise InvalidArgumentError("this DBOSAgent has no queue", argument="queue")
        found = self.queue
        queue = await DBOS.retrieve_queue_async(found) if isinstance(found, str) else found
        if queue is None:
            raise InvalidArgumentError(f"no DBOS queue {found!r}", argument="queue")
        request = self._request(prompt, messages, deps, None)
        with _workflow_id(workflow_id):
            handle = await queue.enqueue_async(self._workflow, request)
        return handle.get_workflow_id()

    async def result(self, workflow_id: str) -> AgentResult[Any]:
        """Wait for the run ``workflow_id`` (from any process) and return its result.

        Raises:
            DurableReplayError: The run's replay diverged from its records.
            dbos.error.DBOSAwaitedWorkflowCancelledError: The run was cancelled.
            Exception: The error the run failed with.
        """
        handle: WorkflowHandleAsync[Any] = await DBOS.retrieve_workflow_async(workflow_id)
        data = await handle.get_result()
        return _result(data)

    async def status(self, workflow_id: str) -> RunStatus:
        """The run's status, read from the system database (any process).

        Raises:
            InvalidArgumentError: No run has that id.
        """
        status = await DBOS.get_workflow_status_async(workflow_id)
        if status is None:
            raise InvalidArgumentError(f"no run {workflow_id!r}", argument="workflow_id")
        error = status.error
        return RunStatus(workflow_id, str(status.status), "" if error is None else str(error))

    async def pending(self, workflow_id: str, wait: float = 60) -> list[PendingToolCall]:
        """The calls the run waits on (empty when it waits on none), from any process.

        Waits up to ``wait`` seconds for the run to publish them.
        """
        found = await DBOS.get_event_async(workflow_id, PENDING_EVENT, wait)
        return [PendingToolCall.from_dict(item) for item in found or []]

    async def decide(self, workflow_id: str, decisions: Sequence[ToolDecision]) -> None:
        """Send decisions to a run paused on tool calls; it resumes in any worker."""
        payload = [decision.to_dict() for decision in decisions]
        await DBOS.send_async(workflow_id, payload, DECISIONS_TOPIC)

    async def generate(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        deps: Any = None,
        workflow_id: str | None = None,
    ) -> AgentResult[Any]:
        """Run durably and wait for the result (``workflow_id`` makes it idempotent)."""
        run_id = await self.start(prompt, messages=messages, deps=deps, workflow_id=workflow_id)
        return await self.result(run_id)

    async def stream(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        deps: Any = None,
        workflow_id: str | None = None,
    ) -> AsyncGenerator[Mapping[str, Any], None]:
        """Run durably, yielding the text and reasoning deltas as the model streams them.

        Items are ``{"type": "text-delta" | "reasoning-delta", "delta": ...}``; a model
        call already finished before a crash is not streamed again after the resume.
        Read the result with :meth:`result` afterwards (same ``workflow_id``).
        """
        key = "fantasy.events"
        request = self._request(prompt, messages, deps, key)
        run_id = await self._start(request, workflow_id)
        async for item in DBOS.read_stream_async(run_id, key):
            yield item

    def generate_sync(
        self,
        prompt: str | None = None,
        *,
        messages: Sequence[Message] = (),
        deps: Any = None,
        workflow_id: str | None = None,
    ) -> AgentResult[Any]:
        """Blocking :meth:`generate`."""
        from fantasy._sync import run_sync

        return run_sync(
            self.generate(prompt, messages=messages, deps=deps, workflow_id=workflow_id)
        )


async def _once(
    agent: Agent[Any, Any],
    prompt: str | None,
    messages: Sequence[Message],
    deps: Any,
    decisions: Sequence[ToolDecision],
    stream_key: str | None,
) -> AgentResult[Any]:
    """One pass of the agent's loop inside the workflow (streamed when asked)."""
    if not stream_key:
        return await agent.generate(prompt, messages=messages, deps=deps, decisions=decisions)
    events = agent.stream(prompt, messages=messages, deps=deps, decisions=decisions)
    async for _ in events:
        pass  # deltas reach the caller through the workflow's stream
    return await events.result()


def _result(data: Any) -> AgentResult[Any]:
    if not isinstance(data, Mapping) or "result" not in data:
        raise FantasyError(f"a durable run returned {type(data).__name__}, not a fantasy result")
    return AgentResult.from_dict(data["result"])


def _workflow_id(workflow_id: str | None) -> AbstractContextManager[Any]:
    """DBOS's ``SetWorkflowID`` for a caller-chosen id (none: DBOS makes one)."""
    return nullcontext() if workflow_id is None else SetWorkflowID(workflow_id)


def _durable_copy(agent: Agent[Any, Any]) -> Agent[Any, Any]:
    copy = object.__new__(type(agent))
    copy.__dict__.update(agent.__dict__)
    return copy


def _stream_run(stream_key: str | None) -> type[_DurableRun]:
    if stream_key is None:
        return _DurableRun
    return type("_StreamedDurableRun", (_DurableRun,), {"stream_key": stream_key})
