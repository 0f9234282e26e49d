"""What both protocol adapters share: the run input, request errors, value conversions.

Pure code: no I/O, no optional dependency.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, assert_never

from fantasy.approval import ToolDecision
from fantasy.errors import FantasyError, redact
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    Message,
    TextOutput,
    ToolCallPart,
    ToolResultOutput,
    ToolResultPart,
)
from fantasy.retry import Retry
from fantasy.usage import Usage

if TYPE_CHECKING:
    from fantasy.agent import AgentEvent, AgentResult

__all__ = [
    "Encoder",
    "INTERRUPTED",
    "RequestError",
    "RunInput",
    "answer_open_calls",
    "decode_data_url",
    "error_text",
    "file_part",
    "input_value",
    "json_text",
    "output_from_value",
    "output_value",
    "retry_value",
    "usage_value",
]

INTERRUPTED = "the tool call was interrupted before it returned a result"
"""The result given to a replayed tool call that never got one (a stopped run)."""


Wire = TypeVar("Wire", covariant=True)


class Encoder(Protocol[Wire]):
    """What a protocol encoder does: agent events in, wire items out, one call at a time."""

    def start(self) -> Sequence[Wire]:
        """The items that open the stream."""
        ...

    def feed(self, event: AgentEvent) -> Sequence[Wire]:
        """The items for one agent event."""
        ...

    def finish(self, result: AgentResult) -> Sequence[Wire]:
        """The items that close a finished run."""
        ...

    def error(self, error: BaseException) -> Sequence[Wire]:
        """The items that close a failed run."""
        ...


class RequestError(FantasyError):
    """A front-end request that cannot be turned into a run (answered with a 4xx).

    Attributes:
        status: The HTTP status to answer with (400 malformed, 413 too large, 422 invalid).
    """

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInput:
    """One agent run, as a front end asked for it.

    Attributes:
        messages: The conversation to run on (no system messages: the agent adds its own).
        continues_message: The last message is the assistant's and the run continues it
            (a tool result or an approval was just added on the client).
        decisions: The client's answers to the tool calls the previous run left pending
            (approvals, denials, supplied results); the run resumes with them.
        thread_id: The conversation id the client sent (``""`` when none).
        run_id: The run id the client sent (``""`` when none).
    """

    messages: tuple[Message, ...]
    continues_message: bool = False
    decisions: tuple[ToolDecision, ...] = ()
    thread_id: str = ""
    run_id: str = ""


def error_text(error: BaseException) -> str:
    """A message about ``error`` that is safe to show a browser.

    fantasy's own errors say what went wrong (keys already scrubbed, scrubbed again
    here); any other exception is named by its type only, since its text may hold
    anything.
    """
    if isinstance(error, FantasyError):
        return redact(f"{type(error).__name__}: {error}")
    return f"internal error ({type(error).__name__}); see the server log"


def json_text(value: Any) -> str:
    """Compact JSON text of ``value`` (non-ASCII kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def input_value(raw: str) -> Any:
    """A tool call's raw input as a JSON value, or the raw text when it is not JSON."""
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        return raw


def output_value(output: ToolResultOutput) -> Any:
    """A tool result as a JSON value for the browser: text, or a media object."""
    match output:
        case TextOutput():
            return output.text
        case ErrorOutput():
            return output.error
        case MediaOutput():
            encoded = base64.b64encode(output.data).decode("ascii")
            return {
                "type": "media",
                "mediaType": output.media_type,
                "text": output.text,
                "url": f"data:{output.media_type};base64,{encoded}",
            }
        case _:
            assert_never(output)


def output_from_value(value: Any) -> ToolResultOutput:
    """The inverse of :func:`output_value` for a successful result sent back by a client.

    Text stays text, a media object with a data URL becomes media, and any other JSON
    value becomes its JSON text.
    """
    if isinstance(value, str):
        return TextOutput(text=value)
    if isinstance(value, Mapping) and value.get("type") == "media":
        url = value.get("url")
        if isinstance(url, str) and url.startswith("data:"):
            media_type, data = decode_data_url(url)
            return MediaOutput(data=data, media_type=media_type, text=str(value.get("text", "")))
    return TextOutput(text=json_text(value))


def decode_data_url(url: str) -> tuple[str, bytes]:
    """``(media type, bytes)`` of a base64 ``data:`` URL.

    Raises:
        RequestError: The URL is not a base64 data URL.
    """
    header, sep, payload = url.partition(",")
    if not sep or not header.startswith("data:") or not header.endswith(";base64"):
        raise RequestError("a file's data URL must look like data:<media type>;base64,<data>")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError("a file's data URL does not hold valid base64") from None
    return header[len("data:") : -len(";base64")] or "application/octet-stream", data


def file_part(url: str, media_type: str, filename: str = "") -> FilePart:
    """A file part from a client's URL: inline bytes for a data URL, else the URL."""
    if url.startswith("data:"):
        found, data = decode_data_url(url)
        return FilePart(media_type=media_type or found, data=data, filename=filename)
    if not url.startswith(("https://", "http://")):
        raise RequestError("a file URL must be a data: URL or an http(s) URL")
    if not media_type:
        raise RequestError("a file sent by URL needs its media type")
    return FilePart(media_type=media_type, url=url, filename=filename)


def retry_value(event: Retry) -> dict[str, Any]:
    """A retry notice for the browser: attempt, delay, parts discarded, safe error text."""
    return {
        "attempt": event.attempt,
        "delay": event.delay,
        "discarded": event.discarded,
        "error": error_text(event.error),
    }


def usage_value(usage: Usage) -> dict[str, int]:
    """A usage as the camelCase object the browser sees."""
    return {
        "inputTokens": usage.input_tokens,
        "outputTokens": usage.output_tokens,
        "totalTokens": usage.total_tokens,
        "reasoningTokens": usage.reasoning_tokens,
        "cachedInputTokens": usage.cache_read_tokens,
    }


def require(condition: bool, message: str) -> None:
    """Raise :class:`RequestError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise RequestError(message)


def as_list(value: Any, what: str) -> Sequence[Any]:
    """``value`` when it is a JSON array, else a :class:`RequestError` naming ``what``."""
    require(isinstance(value, list), f"{what} must be an array")
    return value  # type: ignore[no-any-return]


def as_object(value: Any, what: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else a :class:`RequestError` naming ``what``."""
    require(isinstance(value, dict), f"{what} must be an object")
    return value  # type: ignore[no-any-return]


def as_str(value: Any, what: str, *, default: str | None = None) -> str:
    """``value`` when it is a string (``default`` when absent), else a :class:`RequestError`."""
    if value is None and default is not None:
        return default
    require(isinstance(value, str), f"{what} must be a string")
    return value  # type: ignore[no-any-return]


def answer_open_calls(messages: Sequence[Message], *, paused: bool = False) -> list[Message]:
    """``messages`` with an error result for every client tool call that has none.

    A stopped run leaves calls without results in the browser's history; every provider
    refuses such a history, so each open call gets :data:`INTERRUPTED` as its result, in
    the tool message that follows its assistant message (one is added when missing).

    With ``paused``, the calls of a trailing paused step (the last assistant message,
    followed by tool messages only) stay open: they wait for the decisions the run
    resumes with (see :mod:`fantasy.approval`).
    """
    if paused:
        index = len(messages) - 1
        while index >= 0 and messages[index].role == "tool":
            index -= 1
        if index >= 0 and messages[index].role == "assistant":
            return [*answer_open_calls(messages[:index]), *messages[index:]]
    answered = {
        part.tool_call_id
        for message in messages
        for part in message.content
        if isinstance(part, ToolResultPart)
    }
    out: list[Message] = []
    pending: list[ToolResultPart] = []
    for message in messages:
        if pending and message.role != "tool":
            out.append(Message(role="tool", content=tuple(pending)))
            pending = []
        elif pending:
            message = message.replace(content=(*message.content, *pending))
            pending = []
        out.append(message)
        if message.role == "assistant":
            pending = [
                ToolResultPart(
                    tool_call_id=part.tool_call_id,
                    tool_name=part.tool_name,
                    output=ErrorOutput(error=INTERRUPTED),
                )
                for part in message.content
                if isinstance(part, ToolCallPart)
                and not part.provider_executed
                and part.tool_call_id not in answered
            ]
    if pending:
        out.append(Message(role="tool", content=tuple(pending)))
    return out
