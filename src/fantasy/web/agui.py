"""The AG-UI protocol (CopilotKit and other AG-UI clients), as pure functions.

Built on the event and message models of the ``ag-ui-protocol`` package (extra ``web``).

Response: server-sent events, one AG-UI event per ``data:`` line. :class:`AGUIEncoder`
turns agent events into AG-UI events:

========================  ================================================================
agent event               AG-UI events
========================  ================================================================
run begins                ``RUN_STARTED`` (the client's thread and run ids)
``StepStart``             ``STEP_STARTED`` (``step_name`` ``"step 1"``, ``"step 2"``, ...)
text block                ``TEXT_MESSAGE_START`` / ``_CONTENT`` / ``_END``
reasoning block           ``REASONING_START``, ``REASONING_MESSAGE_START`` / ``_CONTENT``
                          / ``_END``, ``REASONING_END``
tool input                ``TOOL_CALL_START``, ``TOOL_CALL_ARGS``, ``TOOL_CALL_END``
``ToolResult``            ``TOOL_CALL_RESULT`` (an error result has metadata ``isError``)
``Retry``                 open messages ended, then ``CUSTOM`` named ``fantasy.retry``
``StepFinish``            ``STEP_FINISHED``
run ends                  ``RUN_FINISHED`` with the run's token usage
run pauses on tools       ``RUN_FINISHED`` with an ``interrupt`` outcome, one per call
run fails                 ``RUN_ERROR`` with a message safe to show
========================  ================================================================

Request: a ``RunAgentInput``; :func:`parse_run_input` validates it with the package's
model and converts its messages (see the function for the rules).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from ag_ui import core
from ag_ui.encoder import EventEncoder
from pydantic import ValidationError

from fantasy import stream
from fantasy._agent_events import AgentEvent, StepFinish, StepStart
from fantasy.agent import AgentResult
from fantasy.approval import PendingToolCall, ToolDecision, approve, deny, supply
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    Message,
    MessagePart,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from fantasy.retry import Retry
from fantasy.usage import Usage
from fantasy.web._common import (
    RequestError,
    RunInput,
    answer_open_calls,
    decode_data_url,
    error_text,
    file_part,
    json_text,
    output_value,
    retry_value,
)

__all__ = [
    "APPROVAL_SCHEMA",
    "MEDIA_TYPE",
    "RESULT_SCHEMA",
    "AGUIEncoder",
    "encode_sse",
    "parse_run_input",
]

MEDIA_TYPE = "text/event-stream"
"""The response's content type."""

_ENCODER = EventEncoder()


def encode_sse(event: core.BaseEvent) -> bytes:
    """One AG-UI event as a server-sent event."""
    return _ENCODER.encode(event).encode("utf-8")


class AGUIEncoder:
    """Agent events to AG-UI events, one event at a time (no I/O).

    Args:
        thread_id: The client's thread id (echoed on the run events).
        run_id: The client's run id.
        provider: Provider name reported in the usage (the agent's model's provider).
    """

    def __init__(self, *, thread_id: str, run_id: str, provider: str = "") -> None:
        self.thread_id = thread_id
        self.run_id = run_id
        self.provider = provider
        self._counter = itertools.count(1)
        self._open: dict[tuple[str, str], str] = {}  # (kind, provider id) -> message id
        self._calls: set[str] = set()  # tool calls whose TOOL_CALL_START was sent
        self._last_text = ""
        self._model = ""

    def _id(self, kind: str) -> str:
        return f"{self.run_id}-{kind}-{next(self._counter)}"

    def start(self) -> list[core.BaseEvent]:
        """The events that open the run."""
        return [core.RunStartedEvent(thread_id=self.thread_id, run_id=self.run_id)]

    def feed(self, event: AgentEvent) -> list[core.BaseEvent]:  # noqa: C901, PLR0912
        """The AG-UI events for one agent event (often one, sometimes none)."""
        match event:
            case stream.TextStart():
                message_id = self._open[("text", event.id)] = self._last_text = self._id("text")
                return [core.TextMessageStartEvent(message_id=message_id, role="assistant")]
            case stream.TextDelta():
                return self._text_delta(event)
            case stream.TextEnd():
                return self._close("text", event.id)
            case stream.ReasoningStart():
                return self._reasoning_start(event.id)
            case stream.ReasoningDelta():
                return self._reasoning_delta(event)
            case stream.ReasoningEnd():
                return self._close("reasoning", event.id)
            case stream.ToolInputStart():
                return [self._call_start(event.id, event.tool_name)]
            case stream.ToolInputDelta():
                return [core.ToolCallArgsEvent(tool_call_id=event.id, delta=event.delta)]
            case stream.ToolInputEnd():
                return [core.ToolCallEndEvent(tool_call_id=event.id)]
            case stream.ToolCall():
                if event.tool_call_id in self._calls:
                    return []
                return [
                    self._call_start(event.tool_call_id, event.tool_name),
                    core.ToolCallArgsEvent(tool_call_id=event.tool_call_id, delta=event.input),
                    core.ToolCallEndEvent(tool_call_id=event.tool_call_id),
                ]
            case stream.ToolResult():
                return [self._tool_result(event)]
            case stream.ResponseMetadata():
                self._model = event.model_id or self._model
                return []
            case StepStart():
                return [core.StepStartedEvent(step_name=f"step {event.step_number + 1}")]
            case StepFinish():
                return [core.StepFinishedEvent(step_name=f"step {event.step_number + 1}")]
            case Retry():
                value = retry_value(event)
                return [*self._close_all(), core.CustomEvent(name="fantasy.retry", value=value)]
            case _:  # warnings, finish (usage is summed by the run), sources, files
                return []

    def finish(self, result: AgentResult) -> list[core.BaseEvent]:
        """The events that close a run that finished.

        A run paused on pending tool calls finishes with an ``interrupt`` outcome: one
        :class:`ag_ui.core.Interrupt` per call, whose id is the tool call id (see
        :func:`parse_run_input` for the answers it expects).
        """
        model = result.response.info.model_id or self._model
        outcome = None
        if result.pending:
            outcome = core.RunFinishedInterruptOutcome(
                interrupts=[_interrupt(call) for call in result.pending]
            )
        return [
            *self._close_all(),
            core.RunFinishedEvent(
                thread_id=self.thread_id,
                run_id=self.run_id,
                outcome=outcome,
                usage=[_token_usage(result.total_usage, self.provider, model)],
            ),
        ]

    def error(self, error: BaseException) -> list[core.BaseEvent]:
        """The events that close a run that failed (the message is safe to show)."""
        return [*self._close_all(), core.RunErrorEvent(message=error_text(error))]

    # --- blocks ---------------------------------------------------------------------

    def _text_delta(self, event: stream.TextDelta) -> list[core.BaseEvent]:
        events: list[core.BaseEvent] = []
        message_id = self._open.get(("text", event.id))
        if message_id is None:
            events.extend(self.feed(stream.TextStart(event.id)))
            message_id = self._open[("text", event.id)]
        if event.delta:
            events.append(core.TextMessageContentEvent(message_id=message_id, delta=event.delta))
        return events

    def _reasoning_start(self, block_id: str) -> list[core.BaseEvent]:
        message_id = self._open[("reasoning", block_id)] = self._id("reasoning")
        return [
            core.ReasoningStartEvent(message_id=message_id),
            core.ReasoningMessageStartEvent(message_id=message_id),
        ]

    def _reasoning_delta(self, event: stream.ReasoningDelta) -> list[core.BaseEvent]:
        events: list[core.BaseEvent] = []
        message_id = self._open.get(("reasoning", event.id))
        if message_id is None:
            events.extend(self._reasoning_start(event.id))
            message_id = self._open[("reasoning", event.id)]
        if event.delta:
            events.append(
                core.ReasoningMessageContentEvent(message_id=message_id, delta=event.delta)
            )
        return events

    def _close(self, kind: str, block_id: str) -> list[core.BaseEvent]:
        message_id = self._open.pop((kind, block_id), None)
        if message_id is None:
            return []
        if kind == "text":
            return [core.TextMessageEndEvent(message_id=message_id)]
        return [
            core.ReasoningMessageEndEvent(message_id=message_id),
            core.ReasoningEndEvent(message_id=message_id),
        ]

    def _close_all(self) -> list[core.BaseEvent]:
        events: list[core.BaseEvent] = []
        for kind, block_id in list(self._open):
            events.extend(self._close(kind, block_id))
        return events

    def _call_start(self, call_id: str, name: str) -> core.BaseEvent:
        self._calls.add(call_id)
        return core.ToolCallStartEvent(
            tool_call_id=call_id, tool_call_name=name, parent_message_id=self._last_text or None
        )

    def _tool_result(self, event: stream.ToolResult) -> core.BaseEvent:
        result = event.result
        message_id = self._id("tool")
        if isinstance(result, ErrorOutput):
            return core.ToolCallResultEvent(
                message_id=message_id,
                tool_call_id=event.tool_call_id,
                content=result.error,
                metadata={"isError": True},
            )
        if isinstance(result, MediaOutput):
            media = output_value(result)
            parts: list[Any] = [core.TextPart(text=result.text)] if result.text else []
            source = core.DataSource(
                value=media["url"].partition(",")[2], mime_type=result.media_type
            )
            kind = result.media_type.partition("/")[0]
            parts.append(
                core.AudioPart(source=source) if kind == "audio" else core.ImagePart(source=source)
            )
            return core.ToolCallResultEvent(
                message_id=message_id, tool_call_id=event.tool_call_id, content=parts
            )
        return core.ToolCallResultEvent(
            message_id=message_id, tool_call_id=event.tool_call_id, content=result.text
        )


APPROVAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"approved": {"type": "boolean"}, "reason": {"type": "string"}},
    "required": ["approved"],
}
"""The answer a tool-approval interrupt expects."""

RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"result": {}},
    "required": ["result"],
}
"""The answer a deferred-tool interrupt expects (the tool's result)."""


def _interrupt(call: PendingToolCall) -> core.Interrupt:
    arguments = json_text(dict(call.arguments))
    if call.kind == "approval":
        return core.Interrupt(
            id=call.tool_call_id,
            reason="tool_approval",
            message=f"Allow {call.tool_name}({arguments})?",
            tool_call_id=call.tool_call_id,
            response_schema=APPROVAL_SCHEMA,
        )
    return core.Interrupt(
        id=call.tool_call_id,
        reason="tool_result",
        message=f"Provide the result of {call.tool_name}({arguments}).",
        tool_call_id=call.tool_call_id,
        response_schema=RESULT_SCHEMA,
    )


def _decision(entry: core.ResumeEntry) -> ToolDecision:
    call_id = entry.interrupt_id
    if entry.status == "cancelled":
        return deny(call_id, "The user cancelled this tool call.")
    payload = entry.payload
    if isinstance(payload, bool):
        payload = {"approved": payload}
    if isinstance(payload, dict) and "result" in payload:
        return supply(call_id, payload["result"])
    if isinstance(payload, dict) and isinstance(payload.get("approved"), bool):
        reason = payload.get("reason")
        if payload["approved"]:
            return approve(call_id)
        return deny(call_id, reason if isinstance(reason, str) else "")
    raise RequestError(
        f"resume entry for {call_id!r}: the payload must be {{'approved': true|false}} "
        "or {'result': ...}"
    )


def _token_usage(usage: Usage, provider: str, model: str) -> core.TokenUsage:
    return core.TokenUsage(
        provider=provider or None,
        model=model or None,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        reasoning_tokens=usage.reasoning_tokens,
        cached_input_tokens=usage.cache_read_tokens,
        cache_write_input_tokens=usage.cache_creation_tokens,
    )


# --- request ---------------------------------------------------------------------------


def parse_run_input(body: Any) -> RunInput:
    """The run an AG-UI ``RunAgentInput`` asks for.

    Conversion of its messages:

    * ``user``: text (a string or text parts) and media parts (image, audio, video,
      document) from base64 data or an http(s) URL.
    * ``assistant``: its text, then one tool call per ``tool_calls`` entry; ``reasoning``
      messages join the assistant message that follows them.
    * ``tool``: a result (``error`` set: an error result); consecutive ones share one
      tool message. A call left without a result (a stopped run) gets an error result.
    * ``resume`` answers the interrupts of a run that paused on tool calls (the interrupt
      id is the tool call id): status ``cancelled`` denies the call; a ``resolved``
      payload ``{"approved": true}`` runs it, ``{"approved": false, "reason": "..."}``
      denies it (the model is told the reason), ``{"result": ...}`` is the result of a
      deferred tool. The paused step's calls then stay open for the resumed run.
    * ``system`` and ``developer`` messages are refused (the server owns the system
      prompt), and so are front-end ``tools``; ``activity`` messages, ``state``,
      ``context`` and ``forwardedProps`` are UI data and not sent to the model.

    Raises:
        RequestError: The input is not a valid ``RunAgentInput`` or asks for something
            this server does not do.
    """
    try:
        run_input = core.RunAgentInput.model_validate(body)
    except ValidationError as error:
        raise RequestError(f"not a valid AG-UI RunAgentInput: {_describe(error)}") from None
    if run_input.tools:
        raise RequestError("front-end tools are not supported: the agent's tools run on the server")
    decisions = tuple(_decision(entry) for entry in run_input.resume or ())
    messages = answer_open_calls(_messages(run_input.messages), paused=bool(decisions))
    if not messages:
        raise RequestError("'messages' holds nothing to answer")
    return RunInput(
        messages=tuple(messages),
        continues_message=messages[-1].role != "user",
        decisions=decisions,
        thread_id=run_input.thread_id,
        run_id=run_input.run_id,
    )


def _describe(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(item) for item in issue['loc']) or 'body'}: {issue['msg']}"
        for issue in error.errors()[:3]
    ]
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _messages(items: Sequence[Any]) -> list[Message]:
    out: list[Message] = []
    reasoning: list[MessagePart] = []
    names: dict[str, str] = {}
    for index, item in enumerate(items):
        match item:
            case core.UserMessage():
                out.append(Message(role="user", content=_user_parts(item.content, index)))
            case core.ReasoningMessage():
                reasoning.append(ReasoningPart(text=item.content))
            case core.AssistantMessage():
                parts: list[MessagePart] = [*reasoning, *_text(item.content)]
                reasoning = []
                for call in item.tool_calls or ():
                    names[call.id] = call.function.name
                    parts.append(
                        ToolCallPart(
                            tool_call_id=call.id,
                            tool_name=call.function.name,
                            input=call.function.arguments,
                        )
                    )
                if parts:
                    out.append(Message(role="assistant", content=tuple(parts)))
            case core.ToolMessage():
                result = _tool_result(item, names.get(item.tool_call_id, ""))
                if out and out[-1].role == "tool":
                    out[-1] = out[-1].replace(content=(*out[-1].content, result))
                else:
                    out.append(Message(role="tool", content=(result,)))
            case core.SystemMessage() | core.DeveloperMessage():
                raise RequestError(
                    f"messages[{index}]: {item.role} messages are not accepted; "
                    "the server sets the system prompt"
                )
            case _:  # activity messages are for the UI only
                continue
    return out


def _text(content: str | None) -> list[MessagePart]:
    return [TextPart(text=content)] if content else []


def _user_parts(content: str | list[Any], index: int) -> tuple[MessagePart, ...]:
    if isinstance(content, str):
        parts: list[MessagePart] = _text(content)
    else:
        parts = [_user_part(part, index) for part in content]
    if not parts:
        raise RequestError(f"messages[{index}]: the user message is empty")
    return tuple(parts)


def _user_part(part: Any, index: int) -> MessagePart:
    if isinstance(part, core.TextPart):
        return TextPart(text=part.text)
    source = part.source
    if isinstance(source, core.DataSource):
        media_type, data = decode_data_url(f"data:{source.mime_type};base64,{source.value}")
        return FilePart(media_type=media_type, data=data)
    if isinstance(source, core.UrlSource):
        return file_part(source.value, source.mime_type or "")
    raise RequestError(f"messages[{index}]: a {part.type} part must carry data or a URL")


def _tool_result(message: core.ToolMessage, name: str) -> ToolResultPart:
    text = message.content if isinstance(message.content, str) else _parts_text(message.content)
    output = ErrorOutput(error=message.error) if message.error else TextOutput(text=text)
    return ToolResultPart(tool_call_id=message.tool_call_id, tool_name=name, output=output)


def _parts_text(parts: Sequence[Any]) -> str:
    return "".join(part.text for part in parts if isinstance(part, core.TextPart))
