"""The Vercel AI SDK UI message stream protocol (what ``useChat`` speaks), as pure functions.

Response: server-sent events, one JSON chunk per ``data:`` line, ``data: [DONE]`` last,
with the :data:`HEADERS` (``x-vercel-ai-ui-message-stream: v1``). :class:`UIStreamEncoder`
turns agent events into chunks:

========================  ================================================================
agent event               chunks
========================  ================================================================
run begins                ``start`` (with ``messageId`` unless the run continues a message)
``StepStart``             ``start-step``
text / reasoning blocks   ``text-start/-delta/-end``, ``reasoning-start/-delta/-end``
``ToolInputStart/Delta``  ``tool-input-start``, ``tool-input-delta``
``ToolCall``              ``tool-input-available`` (input parsed as JSON)
``ToolResult``            ``tool-output-available``, ``tool-output-error`` for an error,
                          ``tool-output-denied`` for a call the client denied
``PendingToolCall``       ``tool-approval-request`` (``approvalId`` = the tool call id) for
                          a call that needs approval; nothing for a deferred one
``Source``, ``File``      ``source-url`` / ``source-document``, ``file`` (a data URL)
``Retry``                 open blocks ended, then a transient ``data-retry`` chunk
``StepFinish``            ``finish-step``
run ends                  ``finish`` with ``messageMetadata`` ``{"usage", "model"}``
run fails                 ``error`` with a message safe to show
========================  ================================================================

Request: the JSON body ``useChat`` posts, ``{"id", "messages": [UIMessage...], "trigger",
"messageId", ...}``; :func:`parse_request` turns its UI messages into fantasy messages
(see :func:`ui_to_messages` for the rules), and the answers in its last assistant message
(tool parts in the ``approval-responded`` state) into decisions the run resumes with
(:func:`approval_decisions`).
"""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeAlias

from fantasy import stream
from fantasy._agent_events import AgentEvent, StepFinish, StepStart
from fantasy.agent import AgentResult
from fantasy.approval import PendingToolCall, ToolDecision, approve, deny
from fantasy.messages import (
    ErrorOutput,
    Message,
    MessagePart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultOutput,
    ToolResultPart,
)
from fantasy.retry import Retry
from fantasy.usage import FinishReason, Usage
from fantasy.web._common import (
    RequestError,
    RunInput,
    answer_open_calls,
    as_list,
    as_object,
    as_str,
    error_text,
    file_part,
    input_value,
    json_text,
    output_from_value,
    output_value,
    require,
    retry_value,
    usage_value,
)

__all__ = [
    "DONE",
    "HEADERS",
    "Chunk",
    "UIStreamEncoder",
    "encode_sse",
    "approval_decisions",
    "new_message_id",
    "parse_request",
    "ui_to_messages",
]

Chunk: TypeAlias = dict[str, Any]
"""One UI message stream chunk (a JSON object with a ``type``)."""

HEADERS: Mapping[str, str] = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
}
"""The response headers of the protocol."""

DONE = b"data: [DONE]\n\n"
"""The last event of every stream."""

_FINISH_REASONS = {reason.value for reason in FinishReason} - {"unknown"}


def encode_sse(chunk: Chunk) -> bytes:
    """One chunk as a server-sent event."""
    return b"data: " + json_text(chunk).encode("utf-8") + b"\n\n"


class UIStreamEncoder:
    """Agent events to UI message stream chunks, one event at a time (no I/O).

    Block ids are renamed to ``text-1``, ``reasoning-2``, ... so that ids a provider
    reuses across steps or retries never collide in the browser.

    Args:
        message_id: The assistant message's id; ``None`` continues the client's last
            assistant message (no id is sent).
        denied: Tool calls the client denied: their results are sent as
            ``tool-output-denied``.
    """

    def __init__(self, *, message_id: str | None = None, denied: Collection[str] = ()) -> None:
        self.message_id = message_id
        self.denied = frozenset(denied)
        self._counter = itertools.count(1)
        self._open: dict[tuple[str, str], str] = {}  # (kind, provider id) -> wire id
        self._usage = Usage()
        self._model = ""

    def start(self) -> list[Chunk]:
        """The chunks that open the stream."""
        if self.message_id is None:
            return [{"type": "start"}]
        return [{"type": "start", "messageId": self.message_id}]

    def feed(self, event: AgentEvent) -> list[Chunk]:  # noqa: C901, PLR0912
        """The chunks for one agent event (often one, sometimes none)."""
        match event:
            case stream.TextStart() | stream.ReasoningStart():
                return [self._open_block(event.type.split("-")[0], event.id)]
            case stream.TextDelta() | stream.ReasoningDelta():
                return self._delta(event.type.split("-")[0], event.id, event.delta)
            case stream.TextEnd() | stream.ReasoningEnd():
                return self._close_block(event.type.split("-")[0], event.id)
            case stream.ToolInputStart():
                chunk: Chunk = {
                    "type": "tool-input-start",
                    "toolCallId": event.id,
                    "toolName": event.tool_name,
                }
                if event.provider_executed:
                    chunk["providerExecuted"] = True
                return [chunk]
            case stream.ToolInputDelta():
                return [
                    {
                        "type": "tool-input-delta",
                        "toolCallId": event.id,
                        "inputTextDelta": event.delta,
                    }
                ]
            case stream.ToolCall():
                chunk = {
                    "type": "tool-input-available",
                    "toolCallId": event.tool_call_id,
                    "toolName": event.tool_name,
                    "input": input_value(event.input),
                }
                if event.provider_executed:
                    chunk["providerExecuted"] = True
                return [chunk]
            case stream.ToolResult():
                if event.tool_call_id in self.denied and isinstance(event.result, ErrorOutput):
                    return [{"type": "tool-output-denied", "toolCallId": event.tool_call_id}]
                return [self._tool_result(event)]
            case PendingToolCall():
                return self._pending(event)
            case stream.Source():
                return [self._source(event)]
            case stream.File():
                return [{"type": "file", "url": _data_url(event), "mediaType": event.media_type}]
            case stream.ResponseMetadata():
                self._model = event.model_id or self._model
                return []
            case stream.Finish():
                self._usage = self._usage + event.usage
                return []
            case StepStart():
                return [{"type": "start-step"}]
            case StepFinish():
                return [{"type": "finish-step"}]
            case Retry():
                return self._retry(event)
            case _:  # warnings, tool-input-end and in-band errors (raised by the run)
                return []

    def finish(self, result: AgentResult) -> list[Chunk]:
        """The chunks that close a run that finished."""
        reason = str(result.finish_reason)
        metadata: dict[str, Any] = {"usage": usage_value(result.total_usage)}
        model = result.response.info.model_id or self._model
        if model:
            metadata["model"] = model
        return [
            *self._close_all(),
            {
                "type": "finish",
                "finishReason": reason if reason in _FINISH_REASONS else "other",
                "messageMetadata": metadata,
            },
        ]

    def error(self, error: BaseException) -> list[Chunk]:
        """The chunks that close a run that failed (the error text is safe to show)."""
        return [*self._close_all(), {"type": "error", "errorText": error_text(error)}]

    # --- blocks ---------------------------------------------------------------------

    def _open_block(self, kind: str, block_id: str) -> Chunk:
        wire_id = f"{kind}-{next(self._counter)}"
        self._open[(kind, block_id)] = wire_id
        return {"type": f"{kind}-start", "id": wire_id}

    def _delta(self, kind: str, block_id: str, delta: str) -> list[Chunk]:
        chunks: list[Chunk] = []
        wire_id = self._open.get((kind, block_id))
        if wire_id is None:  # a delta without its start: open the block first
            chunks.append(self._open_block(kind, block_id))
            wire_id = self._open[(kind, block_id)]
        if delta:
            chunks.append({"type": f"{kind}-delta", "id": wire_id, "delta": delta})
        return chunks

    def _close_block(self, kind: str, block_id: str) -> list[Chunk]:
        wire_id = self._open.pop((kind, block_id), None)
        return [] if wire_id is None else [{"type": f"{kind}-end", "id": wire_id}]

    def _close_all(self) -> list[Chunk]:
        chunks = [
            {"type": f"{kind}-end", "id": wire_id} for (kind, _), wire_id in self._open.items()
        ]
        self._open.clear()
        return chunks

    def _retry(self, event: Retry) -> list[Chunk]:
        data = retry_value(event)
        return [*self._close_all(), {"type": "data-retry", "data": data, "transient": True}]

    # --- tools and sources -------------------------------------------------------------

    @staticmethod
    def _pending(event: PendingToolCall) -> list[Chunk]:
        # A deferred call's result comes from the client (a front-end tool): its
        # tool-input-available already said so. An approval is asked for.
        if event.kind != "approval":
            return []
        call_id = event.tool_call_id
        return [{"type": "tool-approval-request", "approvalId": call_id, "toolCallId": call_id}]

    @staticmethod
    def _tool_result(event: stream.ToolResult) -> Chunk:
        chunk: Chunk
        if isinstance(event.result, ErrorOutput):
            chunk = {
                "type": "tool-output-error",
                "toolCallId": event.tool_call_id,
                "errorText": event.result.error,
            }
        else:
            chunk = {
                "type": "tool-output-available",
                "toolCallId": event.tool_call_id,
                "output": output_value(event.result),
            }
        if event.provider_executed:
            chunk["providerExecuted"] = True
        return chunk

    @staticmethod
    def _source(event: stream.Source) -> Chunk:
        source_id = event.id or event.url or event.title
        if event.source_type == "document":
            chunk: Chunk = {
                "type": "source-document",
                "sourceId": source_id,
                "mediaType": event.media_type or "application/octet-stream",
                "title": event.title,
            }
            if event.filename:
                chunk["filename"] = event.filename
            return chunk
        chunk = {"type": "source-url", "sourceId": source_id, "url": event.url}
        if event.title:
            chunk["title"] = event.title
        return chunk


def _data_url(event: stream.File) -> str:
    return f"data:{event.media_type};base64,{base64.b64encode(event.data).decode('ascii')}"


# --- request ---------------------------------------------------------------------------


def parse_request(body: Any) -> RunInput:
    """The run a ``useChat`` request body asks for.

    Args:
        body: The decoded JSON body: ``{"id", "messages", "trigger", "messageId", ...}``
            (extra keys from ``useChat``'s ``body`` option are ignored).

    Raises:
        RequestError: The body is not a valid request (the message says what is wrong).
    """
    data = as_object(body, "the request body")
    raw_messages = as_list(data.get("messages"), "'messages'")
    require(bool(raw_messages), "'messages' is empty: send at least the user's message")
    converted = ui_to_messages(raw_messages)  # validates every message
    last = raw_messages[-1]
    continues = last.get("role") == "assistant"
    messages = answer_open_calls(converted, paused=continues)
    require(bool(messages), "'messages' holds nothing to answer")
    return RunInput(
        messages=tuple(messages),
        continues_message=continues,
        decisions=tuple(approval_decisions(last)) if continues else (),
        thread_id=as_str(data.get("id"), "'id'", default=""),
    )


def approval_decisions(message: Mapping[str, Any]) -> list[ToolDecision]:
    """The answers in a UI message's tool parts in the ``approval-responded`` state.

    ``approval.approved`` true approves the call (the tool runs); false denies it, and
    ``approval.reason`` (when given) is what the model is told.
    """
    decisions: list[ToolDecision] = []
    for number, part in enumerate(message.get("parts") or ()):
        if not (isinstance(part, dict) and part.get("state") == "approval-responded"):
            continue
        here = f"messages[-1].parts[{number}]"
        call_id = as_str(part.get("toolCallId"), f"{here}.toolCallId")
        approval = as_object(part.get("approval"), f"{here}.approval")
        approved = approval.get("approved")
        require(isinstance(approved, bool), f"{here}.approval.approved must be true or false")
        if approved:
            decisions.append(approve(call_id))
        else:
            decisions.append(deny(call_id, as_str(approval.get("reason"), "reason", default="")))
    return decisions


def new_message_id() -> str:
    """A fresh assistant message id."""
    return f"msg_{uuid.uuid4().hex}"


def ui_to_messages(ui_messages: Sequence[Any]) -> list[Message]:
    """UI messages (``{"id", "role", "parts"}``) as fantasy messages.

    * ``user``: ``text`` parts and ``file`` parts (data URLs inline, http(s) URLs by URL).
    * ``assistant``: split into steps at ``step-start`` parts (and after a tool's
      result). Each step becomes an assistant message (``reasoning``, ``text``, and one
      tool call per ``tool-<name>`` / ``dynamic-tool`` part) and a tool message with the
      results of the parts in the ``output-available``, ``output-error`` or
      ``output-denied`` state. A call whose input never finished streaming is left out;
      a call left without a result stays open (:func:`parse_request` answers it, see
      :func:`~fantasy.web._common.answer_open_calls`).
    * ``system`` messages are refused: the server owns the system prompt.
    * Parts that only the UI uses (``step-start``, ``source-*``, ``data-*``) carry
      nothing for the model and are skipped.

    Raises:
        RequestError: A message or part is malformed.
    """
    out: list[Message] = []
    for index, raw in enumerate(ui_messages):
        message = as_object(raw, f"messages[{index}]")
        role = message.get("role")
        parts = as_list(message.get("parts"), f"messages[{index}].parts")
        where = f"messages[{index}]"
        if role == "user":
            out.append(_user_message(parts, where))
        elif role == "assistant":
            out.extend(_assistant_messages(parts, where))
        elif role == "system":
            raise RequestError(
                f"{where}: system messages are not accepted; the server sets the system prompt"
            )
        else:
            raise RequestError(f"{where}.role must be 'user' or 'assistant', not {role!r}")
    return out


def _user_message(parts: Sequence[Any], where: str) -> Message:
    content: list[MessagePart] = []
    for number, raw in enumerate(parts):
        part = as_object(raw, f"{where}.parts[{number}]")
        kind = part.get("type")
        if kind == "text":
            content.append(TextPart(text=as_str(part.get("text"), f"{where}.parts[{number}].text")))
        elif kind == "file":
            url = as_str(part.get("url"), f"{where}.parts[{number}].url")
            media_type = as_str(
                part.get("mediaType"), f"{where}.parts[{number}].mediaType", default=""
            )
            filename = as_str(part.get("filename"), f"{where}.parts[{number}].filename", default="")
            content.append(file_part(url, media_type, filename))
        elif not _ui_only(kind):
            raise RequestError(
                f"{where}.parts[{number}]: a user message cannot hold a {kind!r} part"
            )
    require(bool(content), f"{where}: the user message is empty")
    return Message(role="user", content=tuple(content))


def _ui_only(kind: Any) -> bool:
    return isinstance(kind, str) and (
        kind in ("step-start", "source-url", "source-document") or kind.startswith("data-")
    )


class _Step:
    def __init__(self) -> None:
        self.assistant: list[MessagePart] = []
        self.results: list[ToolResultPart] = []

    def messages(self) -> list[Message]:
        out = []
        if self.assistant:
            out.append(Message(role="assistant", content=tuple(self.assistant)))
        if self.results:
            out.append(Message(role="tool", content=tuple(self.results)))
        return out


def _assistant_messages(parts: Sequence[Any], where: str) -> list[Message]:
    out: list[Message] = []
    step = _Step()
    for number, raw in enumerate(parts):
        part = as_object(raw, f"{where}.parts[{number}]")
        kind = part.get("type")
        here = f"{where}.parts[{number}]"
        starts_step = kind == "step-start" or (step.results and not _is_tool(kind))
        if starts_step:
            out.extend(step.messages())
            step = _Step()
        if kind == "text":
            text = as_str(part.get("text"), f"{here}.text")
            if text:
                step.assistant.append(TextPart(text=text))
        elif kind == "reasoning":
            step.assistant.append(ReasoningPart(text=as_str(part.get("text"), f"{here}.text")))
        elif kind == "file":
            step.assistant.append(
                file_part(
                    as_str(part.get("url"), f"{here}.url"),
                    as_str(part.get("mediaType"), f"{here}.mediaType", default=""),
                )
            )
        elif _is_tool(kind):
            _tool_part(step, part, here)
        elif not _ui_only(kind):
            raise RequestError(f"{here}: unknown part type {kind!r}")
    out.extend(step.messages())
    return out


def _is_tool(kind: Any) -> bool:
    return isinstance(kind, str) and (kind.startswith("tool-") or kind == "dynamic-tool")


def _tool_part(step: _Step, part: Mapping[str, Any], here: str) -> None:
    kind = str(part["type"])
    name = (
        as_str(part.get("toolName"), f"{here}.toolName")
        if kind == "dynamic-tool"
        else kind[len("tool-") :]
    )
    call_id = as_str(part.get("toolCallId"), f"{here}.toolCallId")
    state = as_str(part.get("state"), f"{here}.state")
    if state == "input-streaming":
        return  # the input never finished: there is no call to replay
    provider_executed = part.get("providerExecuted") is True
    raw_input = part.get("input")
    step.assistant.append(
        ToolCallPart(
            tool_call_id=call_id,
            tool_name=name,
            input=raw_input if isinstance(raw_input, str) else json_text(raw_input or {}),
            provider_executed=provider_executed,
        )
    )
    output = _tool_output(part, state, here)
    if output is None:
        return
    result = ToolResultPart(
        tool_call_id=call_id, tool_name=name, output=output, provider_executed=provider_executed
    )
    if provider_executed:
        step.assistant.append(result)
    else:
        step.results.append(result)


def _tool_output(part: Mapping[str, Any], state: str, here: str) -> ToolResultOutput | None:
    if state == "output-available":
        return output_from_value(part.get("output"))
    if state == "output-error":
        return ErrorOutput(
            error=as_str(part.get("errorText"), f"{here}.errorText", default="error")
        )
    if state == "output-denied":
        approval = part.get("approval")
        reason = approval.get("reason") if isinstance(approval, dict) else None
        denied = "the user denied this tool call"
        return ErrorOutput(
            error=f"{denied}: {reason}" if isinstance(reason, str) and reason else denied
        )
    if state in ("input-available", "approval-requested", "approval-responded"):
        return None  # no result yet (see answer_open_calls)
    raise RequestError(f"{here}.state: unknown tool state {state!r}")
