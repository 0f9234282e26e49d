"""Small test-only models and tools for the agent tests (offline, deterministic)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fantasy import stream
from fantasy._http import HTTPClient
from fantasy.agent_tools import AgentTool, ToolContext
from fantasy.content import ReasoningContent, SourceContent, TextContent, ToolCallContent
from fantasy.model import BaseLanguageModel, Call
from fantasy.response import Response
from fantasy.usage import FinishReason, Usage

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"location": {"type": "string", "description": "the city"}},
    "required": ["location"],
}
NUMBERS_SCHEMA = {
    "type": "object",
    "properties": {
        "a": {"type": "integer", "description": "first number"},
        "b": {"type": "integer", "description": "second number"},
    },
    "required": ["a", "b"],
}


def weather_tool(calls: list[dict[str, Any]] | None = None) -> AgentTool:
    def run(data: dict[str, Any], ctx: ToolContext) -> str:
        if calls is not None:
            calls.append(data)
        return "40 C"

    return AgentTool("weather", "Get weather information for a location", WEATHER_SCHEMA, run)


def add_tool() -> AgentTool:
    return AgentTool(
        "add", "Add two numbers", NUMBERS_SCHEMA, lambda data, ctx: str(data["a"] + data["b"])
    )


def multiply_tool() -> AgentTool:
    async def run(data: dict[str, Any], ctx: ToolContext) -> str:
        return str(data["a"] * data["b"])

    return AgentTool("multiply", "Multiply two numbers", NUMBERS_SCHEMA, run)


def calls_response(
    *calls: tuple[str, str] | tuple[str, str, str],
    usage: Usage | None = None,
    text: str = "",
    reasoning: ReasoningContent | None = None,
) -> Response:
    """A tool-calls response: each call is (name, raw input[, id])."""
    content: list[Any] = []
    if reasoning is not None:
        content.append(reasoning)
    if text:
        content.append(TextContent(text=text))
    for index, call in enumerate(calls, start=1):
        call_id = call[2] if len(call) == 3 else f"call_{index}"
        content.append(ToolCallContent(tool_call_id=call_id, tool_name=call[0], input=call[1]))
    return Response(
        content=tuple(content),
        finish_reason=FinishReason.TOOL_CALLS,
        raw_finish_reason="tool_calls",
        usage=usage or Usage.of(input_tokens=10, output_tokens=5),
    )


def text_answer(text: str, usage: Usage | None = None, *, sources: Sequence[str] = ()) -> Response:
    content: list[Any] = [TextContent(text=text)]
    content.extend(SourceContent(id=f"s{i}", url=url) for i, url in enumerate(sources))
    return Response(
        content=tuple(content),
        finish_reason=FinishReason.STOP,
        raw_finish_reason="stop",
        usage=usage or Usage.of(input_tokens=20, output_tokens=7),
    )


class HangingStreamModel(BaseLanguageModel):
    """Streams a few parts, then a tool call, then waits forever; records closing."""

    def __init__(self) -> None:
        super().__init__(provider="test", model_id="hanging")
        self.closed = asyncio.Event()
        self.started = 0

    async def generate(self, call: Call) -> Response:
        raise NotImplementedError

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        self.started += 1
        try:
            yield stream.TextStart("t")
            yield stream.TextDelta("t", "Hello")
            yield stream.ToolCall(tool_call_id="c1", tool_name="weather", input="{}")
            await asyncio.Event().wait()
            yield stream.Finish(FinishReason.TOOL_CALLS, Usage())  # pragma: no cover
        finally:
            self.closed.set()


class HTTPJSONModel(BaseLanguageModel):
    """A tiny model that POSTs to a loopback server through fantasy's HTTP layer.

    The server answers ``{"text": ...}``; errors map to typed errors via ``HTTPClient``.
    """

    def __init__(self, url: str) -> None:
        super().__init__(provider="loopback", model_id="loopback")
        self.url = url
        self.http = HTTPClient(provider="loopback")

    async def generate(self, call: Call) -> Response:
        body = {"prompt": [message.text for message in call.prompt]}
        data, _ = await self.http.post_json(self.url, body)
        return Response(
            content=(TextContent(text=data["text"]),),
            finish_reason=FinishReason.STOP,
            usage=Usage.of(input_tokens=1, output_tokens=1),
        )

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        response = await self.generate(call)
        yield stream.TextStart("0")
        yield stream.TextDelta("0", response.text)
        yield stream.TextEnd("0")
        yield stream.Finish(response.finish_reason, response.usage)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class EventRecorder:
    """A decoder for the stream driver that turns each event into a ``TextDelta``.

    The delta's ``id`` is the event name and its text the data; ``[DONE]`` ends it.
    """

    def __init__(self) -> None:
        self.done = False
        self.finished = False

    def feed(self, data: str, event: str) -> list[stream.StreamPart]:
        self.done = data == "[DONE]"
        return [stream.TextDelta(event, data)]

    def finish(self) -> list[stream.StreamPart]:
        self.finished = True
        return []


async def sse_events(
    client: HTTPClient, url: str, body: Any = None, **kwargs: Any
) -> AsyncIterator[tuple[str, str]]:
    """The ``(event, data)`` pairs of a streamed answer, through ``client.stream_parts``."""
    async for part in client.stream_parts(url, body, EventRecorder(), **kwargs):
        assert isinstance(part, stream.TextDelta)
        yield part.id, part.delta
