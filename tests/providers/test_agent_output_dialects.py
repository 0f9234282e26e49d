"""Typed agent output on the wire of each recorded dialect (OpenAI Chat and Responses,
Anthropic, Gemini), over ``httpx.MockTransport`` with canned answers of our own.

Each test scripts the provider's answers in order and checks what went out: the request
count (one tool call then a typed answer is 2), the schema and tools sent together, the
rejected output sent back, and the partial outputs of a stream.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from _object_modes_claude import claude, claude_message, claude_stream
from _object_modes_dialects import (
    chat_completion,
    gemini,
    gemini_model,
    openai_chat_model,
    output_message,
    response_with,
    responses_model,
)
from _object_modes_kit import Recorder
from pydantic import BaseModel

import fantasy
from fantasy.agent import Agent, ModelRetry, RunContext
from fantasy.model import LanguageModel, ObjectMode
from fantasy.object import ObjectPart

pytestmark = pytest.mark.anyio


class Weather(BaseModel):
    city: str
    celsius: int


FLORENCE = Weather(city="Florence", celsius=40)
FLORENCE_JSON = '{"city": "Florence", "celsius": 40}'
PIECES = ('{"city": "Flo', 'rence", "cel', 'sius": 40}')
LOCATION = {"location": "Florence"}


@fantasy.tool
def weather(location: str) -> str:
    """Get the weather."""
    return "40 C"


# --- the dialects ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Wire:
    """How one dialect answers: whole responses and streams of text and tool calls."""

    name: str
    build: Callable[[Recorder], LanguageModel]
    text: Callable[[str], dict[str, Any]]
    call: Callable[[str, str, str], dict[str, Any]]
    stream_text: Callable[[Sequence[str]], list[Any]]
    stream_call: Callable[[str, Sequence[str], str], list[Any]]
    schema_sent: Callable[[dict[str, Any]], bool]
    tools_sent: Callable[[dict[str, Any]], list[str]]
    named: bool = False
    sep: str = "\n\n"


def _chat_call(name: str, arguments: str, call_id: str) -> dict[str, Any]:
    tool_call = {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }
    return chat_completion(
        {"content": None, "tool_calls": [tool_call]}, "tool_calls", id="c", model="gpt-4o"
    )


def _chat_chunks(first: dict[str, Any], deltas: list[dict[str, Any]], finish: str) -> list[Any]:
    chunk = {"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o"}
    usage = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}

    def choice(delta: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {**chunk, "choices": [{"index": 0, "delta": delta, **extra}]}

    return [
        choice(first),
        *(choice(d) for d in deltas),
        choice({}, finish_reason=finish),
        {**chunk, "choices": [], "usage": usage},
        "[DONE]",
    ]


def _chat_stream_call(name: str, pieces: Sequence[str], call_id: str) -> list[Any]:
    first = {
        "role": "assistant",
        "tool_calls": [
            {
                "index": 0,
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": ""},
            }
        ],
    }
    deltas = [{"tool_calls": [{"index": 0, "function": {"arguments": p}}]} for p in pieces]
    return _chat_chunks(first, deltas, "tool_calls")


OPENAI_CHAT = Wire(
    name="openai_chat",
    build=openai_chat_model,
    text=lambda text: chat_completion({"content": text}, id="c", model="gpt-4o"),
    call=_chat_call,
    stream_text=lambda pieces: _chat_chunks(
        {"role": "assistant", "content": ""}, [{"content": p} for p in pieces], "stop"
    ),
    stream_call=_chat_stream_call,
    schema_sent=lambda body: body.get("response_format", {}).get("type") == "json_schema",
    tools_sent=lambda body: [t["function"]["name"] for t in body.get("tools", [])],
)


def _function_call(name: str, arguments: str, call_id: str) -> dict[str, Any]:
    return {
        "id": f"fc_{call_id}",
        "type": "function_call",
        "status": "completed",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def _responses_events(added: dict[str, Any], deltas: list[Any], done: dict[str, Any]) -> list[Any]:
    created = {"id": "resp_2", "object": "response", "status": "in_progress", "model": "gpt-4o"}
    usage = {"input_tokens": 12, "output_tokens": 9, "total_tokens": 21}
    finished = {**created, "status": "completed", "output": [done], "usage": usage}
    return [
        {"type": "response.created", "response": {**created, "output": []}},
        {"type": "response.output_item.added", "output_index": 0, "item": added},
        *deltas,
        {"type": "response.output_item.done", "output_index": 0, "item": done},
        {"type": "response.completed", "response": finished},
    ]


def _responses_stream_text(pieces: Sequence[str]) -> list[Any]:
    where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    added = {"id": "msg_1", "type": "message", "role": "assistant", "content": []}
    deltas = [{"type": "response.output_text.delta", **where, "delta": p} for p in pieces]
    return _responses_events(added, deltas, output_message("".join(pieces)))


def _responses_stream_call(name: str, pieces: Sequence[str], call_id: str) -> list[Any]:
    added = {**_function_call(name, "", call_id), "status": "in_progress"}
    deltas = [
        {
            "type": "response.function_call_arguments.delta",
            "item_id": f"fc_{call_id}",
            "output_index": 0,
            "delta": p,
        }
        for p in pieces
    ]
    return _responses_events(added, deltas, _function_call(name, "".join(pieces), call_id))


OPENAI_RESPONSES = Wire(
    name="openai_responses",
    build=responses_model,
    text=lambda text: response_with(output_message(text)),
    call=lambda name, arguments, call_id: response_with(_function_call(name, arguments, call_id)),
    stream_text=_responses_stream_text,
    stream_call=_responses_stream_call,
    schema_sent=lambda body: body.get("text", {}).get("format", {}).get("type") == "json_schema",
    tools_sent=lambda body: [t["name"] for t in body.get("tools", [])],
    named=True,
)


def _claude_call(name: str, arguments: str, call_id: str) -> dict[str, Any]:
    block = {"type": "tool_use", "id": call_id, "name": name, "input": json.loads(arguments)}
    return claude_message(block, stop_reason="tool_use")


ANTHROPIC = Wire(
    name="anthropic",
    build=claude,
    text=lambda text: claude_message({"type": "text", "text": text}),
    call=_claude_call,
    stream_text=lambda pieces: claude_stream(
        {"type": "text", "text": ""},
        [{"type": "text_delta", "text": p} for p in pieces],
        "end_turn",
    ),
    stream_call=lambda name, pieces, call_id: claude_stream(
        {"type": "tool_use", "id": call_id, "name": name, "input": {}},
        [{"type": "input_json_delta", "partial_json": p} for p in pieces],
        "tool_use",
    ),
    schema_sent=lambda body: "format" in body.get("output_config", {}),
    tools_sent=lambda body: [t["name"] for t in body.get("tools", [])],
    named=True,
)


def _gemini_call(name: str, arguments: str, call_id: str) -> dict[str, Any]:
    return gemini({"functionCall": {"name": name, "args": json.loads(arguments)}})


GOOGLE = Wire(
    name="google",
    build=gemini_model,
    text=lambda text: gemini({"text": text}),
    call=_gemini_call,
    stream_text=lambda pieces: [
        *(gemini({"text": p}, finish=None) for p in pieces),
        gemini({"text": ""}),
    ],
    # Gemini sends a function call whole, in one chunk
    stream_call=lambda name, pieces, call_id: [_gemini_call(name, "".join(pieces), call_id)],
    schema_sent=lambda body: "responseJsonSchema" in body.get("generationConfig", {}),
    tools_sent=lambda body: [
        d["name"] for t in body.get("tools", []) for d in t.get("functionDeclarations", [])
    ],
    sep="\r\n\r\n",
)

WIRES = [OPENAI_CHAT, OPENAI_RESPONSES, ANTHROPIC, GOOGLE]


# --- a scripted server -------------------------------------------------------------------


class Server(Recorder):
    """Answers each request with the next scripted answer (whole, or as a stream)."""

    def __init__(self, wire: Wire, answers: list[tuple[str, Any]]) -> None:
        super().__init__(self._answer)
        self.wire = wire
        self.answers = list(answers)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        assert self.answers, f"unexpected request #{len(self.requests)}"
        kind, data = self.answers.pop(0)
        if kind == "json":
            return httpx.Response(200, json=data)
        prefix = "event: {}\n" if self.wire.named else ""
        body = "".join(
            (prefix.format(event["type"]) if isinstance(event, dict) and prefix else "")
            + f"data: {event if isinstance(event, str) else json.dumps(event)}{self.wire.sep}"
            for event in data
        )
        return httpx.Response(
            200, content=body.encode(), headers={"content-type": "text/event-stream"}
        )

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]


def text_answer(wire: Wire, streaming: bool, text: str) -> tuple[str, Any]:
    if streaming:
        return ("sse", wire.stream_text([text[: len(text) // 2], text[len(text) // 2 :]]))
    return ("json", wire.text(text))


def call_answer(
    wire: Wire, streaming: bool, name: str, arguments: str, call_id: str
) -> tuple[str, Any]:
    if streaming:
        return ("sse", wire.stream_call(name, [arguments], call_id))
    return ("json", wire.call(name, arguments, call_id))


async def run(agent: Agent[Any, Any], streaming: bool, **kw: Any) -> tuple[Any, list[Any]]:
    if not streaming:
        return await agent.generate("Weather in Florence?", **kw), []
    events = agent.stream("Weather in Florence?", **kw)
    seen = [event async for event in events]
    return await events.result(), seen


def agent_on(server: Server, mode: ObjectMode, **kw: Any) -> Agent[Any, Weather]:
    return Agent(
        server.wire.build(server), tools=[weather], output_type=Weather, output_mode=mode, **kw
    )


ids = [wire.name for wire in WIRES]
both = pytest.mark.parametrize("streaming", [False, True], ids=["generate", "stream"])
wires = pytest.mark.parametrize("wire", WIRES, ids=ids)


# --- the tests ---------------------------------------------------------------------------


@both
@wires
@pytest.mark.parametrize("mode", ["auto", "tool"])
async def test_one_tool_call_then_a_typed_answer_is_two_requests(
    wire: Wire, streaming: bool, mode: ObjectMode
) -> None:
    server = Server(
        wire,
        [
            call_answer(wire, streaming, "weather", json.dumps(LOCATION), "call_1"),
            call_answer(wire, streaming, "Weather", FLORENCE_JSON, "call_2"),
        ],
    )
    result, _ = await run(agent_on(server, mode), streaming)
    assert result.output == FLORENCE
    assert len(server.requests) == 2
    for body in server.bodies():
        assert wire.tools_sent(body) == ["weather", "Weather"]
        assert not wire.schema_sent(body)
    # the second request answers the first call and nothing else was asked
    assert "40 C" in json.dumps(server.bodies()[1])


@both
@wires
async def test_json_mode_sends_schema_and_tools_together(wire: Wire, streaming: bool) -> None:
    server = Server(
        wire,
        [
            call_answer(wire, streaming, "weather", json.dumps(LOCATION), "call_1"),
            text_answer(wire, streaming, FLORENCE_JSON),
        ],
    )
    result, _ = await run(agent_on(server, "json"), streaming)
    assert result.output == FLORENCE
    assert len(server.requests) == 2
    for body in server.bodies():
        assert wire.schema_sent(body)
        assert wire.tools_sent(body) == ["weather"]


@both
@wires
async def test_text_mode_reads_the_answer(wire: Wire, streaming: bool) -> None:
    server = Server(
        wire,
        [
            call_answer(wire, streaming, "weather", json.dumps(LOCATION), "call_1"),
            text_answer(wire, streaming, "```json\n" + FLORENCE_JSON + "\n```"),
        ],
    )
    result, _ = await run(agent_on(server, "text"), streaming)
    assert result.output == FLORENCE
    first = json.dumps(server.bodies()[0])
    assert "Respond only with JSON" in first
    assert not any(wire.schema_sent(body) for body in server.bodies())


@both
@wires
@pytest.mark.parametrize("mode", ["tool", "json"])
async def test_an_invalid_output_is_corrected_by_the_model(
    wire: Wire, streaming: bool, mode: ObjectMode
) -> None:
    bad = '{"city": "Florence", "celsius": "hot"}'
    first = (
        call_answer(wire, streaming, "Weather", bad, "call_1")
        if mode == "tool"
        else text_answer(wire, streaming, bad)
    )
    good = (
        call_answer(wire, streaming, "Weather", FLORENCE_JSON, "call_2")
        if mode == "tool"
        else text_answer(wire, streaming, FLORENCE_JSON)
    )
    server = Server(wire, [first, good])
    result, _ = await run(agent_on(server, mode), streaming)
    assert result.output == FLORENCE
    assert len(server.requests) == 2
    assert "celsius" in json.dumps(server.bodies()[1])
    assert "valid integer" in json.dumps(server.bodies()[1])


@both
@wires
async def test_a_validator_asks_again(wire: Wire, streaming: bool) -> None:
    def not_too_hot(ctx: RunContext[None], value: Weather) -> Weather:
        if value.celsius > 50:
            raise ModelRetry("Too hot to be true; check again.")
        return value

    server = Server(
        wire,
        [
            call_answer(wire, streaming, "Weather", '{"city": "Florence", "celsius": 99}', "c1"),
            call_answer(wire, streaming, "Weather", FLORENCE_JSON, "c2"),
        ],
    )
    agent = agent_on(server, "tool", output_validators=[not_too_hot])
    result, _ = await run(agent, streaming)
    assert result.output == FLORENCE
    assert "Too hot to be true" in json.dumps(server.bodies()[1])


@wires
@pytest.mark.parametrize("mode", ["tool", "json"])
async def test_stream_yields_growing_partial_outputs(wire: Wire, mode: ObjectMode) -> None:
    answer = (
        ("sse", wire.stream_call("Weather", PIECES, "call_1"))
        if mode == "tool"
        else ("sse", wire.stream_text(PIECES))
    )
    server = Server(wire, [answer])
    agent = Agent(wire.build(server), output_type=Weather, output_mode=mode)
    events = agent.stream("Weather in Florence?")
    seen = [event async for event in events]
    result = await events.result()
    objects = [e for e in seen if isinstance(e, ObjectPart)]
    partials = [o.object for o in objects if o.partial]
    assert partials
    assert partials[-1] == {"city": "Florence", "celsius": 40}
    for earlier, later in itertools.pairwise(partials):
        assert earlier != later
    if wire is not GOOGLE or mode == "json":  # Gemini sends a function call in one piece
        assert len(partials) >= 2
    assert not objects[-1].partial
    assert objects[-1].object == FLORENCE == result.output
    assert len(server.requests) == 1
