"""Shared pieces of the object-mode tests (``test_object_modes*.py``).

Each dialect (a :class:`Dialect`, tabled in ``_object_modes_dialects.py``) builds its
model over ``httpx.MockTransport`` and answers with minimal canned provider responses;
the shared tests check the request each object mode sends and the object back.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from fantasy import stream
from fantasy.messages import user_message
from fantasy.model import LanguageModel, ObjectMode
from fantasy.object import TEXT_INSTRUCTION, ObjectCall, ObjectPart, ObjectStream

KEY = "sk-test-0123456789abcdefghijklmnop"

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "The person's name"},
        "age": {"type": "integer", "description": "The person's age"},
        "city": {"type": "string", "description": "The city where the person lives"},
    },
    "required": ["name", "age", "city"],
}
CLOSED_PERSON: dict[str, Any] = {**PERSON, "additionalProperties": False}
"""PERSON as strict JSON-schema modes send it (every object closed)."""
DESCRIPTION = "A person with name, age, and city"
ALICE: dict[str, Any] = {"name": "Alice", "age": 30, "city": "Paris"}
ALICE_JSON = json.dumps(ALICE)
ALICE_PIECES = ('{"name": "Al', 'ice", "age": 3', '0, "city": "Par', 'is"}')
"""ALICE_JSON in stream-sized pieces."""
INSTRUCTION = TEXT_INSTRUCTION + json.dumps(PERSON)
"""The start of the system instruction text mode adds."""

assert "".join(ALICE_PIECES) == ALICE_JSON


def person_call(mode: ObjectMode, **changes: Any) -> ObjectCall[Any]:
    """The object call every test sends: a Person, one user message."""
    call: ObjectCall[Any] = ObjectCall(
        prompt=[user_message("Invent Alice, 30, from Paris.")],
        schema=PERSON,
        schema_name="Person",
        schema_description=DESCRIPTION,
        mode=mode,
        max_output_tokens=500,
    )
    return call.replace(**changes)


class Recorder:
    """An ``httpx.MockTransport`` handler that keeps every request."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self._handler = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._handler(request)

    @property
    def transport(self) -> httpx.MockTransport:
        """A transport that answers through this recorder."""
        return httpx.MockTransport(self)

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body of the last request."""
        data: dict[str, Any] = json.loads(self.requests[-1].content)
        return data


def answer(data: dict[str, Any]) -> Recorder:
    """A recorder answering every request with the JSON ``data``."""
    return Recorder(lambda _: httpx.Response(200, json=data))


def sse(
    events: Sequence[dict[str, Any] | str], *, named: bool = False, sep: str = "\n\n"
) -> Recorder:
    """A recorder answering with an SSE body of ``events`` (``event:`` lines if ``named``).

    A string starting with ``:`` is sent as an SSE comment line.
    """
    chunks = []
    for event in events:
        if isinstance(event, str) and event.startswith(":"):
            chunks.append(f"{event}{sep}")
            continue
        data = event if isinstance(event, str) else json.dumps(event)
        prefix = f"event: {event['type']}\n" if named and isinstance(event, dict) else ""
        chunks.append(f"{prefix}data: {data}{sep}")
    body = "".join(chunks).encode()
    return Recorder(
        lambda _: httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    )


async def run_stream(object_stream: ObjectStream[Any]) -> tuple[list[ObjectPart], list[Any]]:
    """All object parts of a stream, and all of its parts."""
    parts = [part async for part in object_stream]
    return [p for p in parts if isinstance(p, ObjectPart)], parts


def assert_partials_then_final(objects: list[ObjectPart], parts: list[Any]) -> None:
    """Partial objects that grow into ALICE, then ALICE itself, then ``Finish``."""
    partials = [p.object for p in objects if p.partial]
    assert len(partials) >= 2
    assert partials[0] != ALICE
    assert all(isinstance(p, dict) for p in partials)
    for earlier, later in itertools.pairwise(partials):
        assert set(earlier) <= set(later)
    assert partials[-1] == ALICE
    final = objects[-1]
    assert not final.partial
    assert final.object == ALICE
    assert isinstance(parts[-1], stream.Finish)
    assert parts.index(final) == len(parts) - 2
    assert not any(isinstance(p, stream.Error) for p in parts)


def roles(items: list[dict[str, Any]]) -> list[str]:
    """The role of every message (or input item)."""
    return [item["role"] for item in items]


def no_check(request: httpx.Request, body: dict[str, Any]) -> None:
    """An ``every_request`` check that checks nothing."""


@dataclass(frozen=True, kw_only=True)
class StreamCase:
    """One streamed object call: its mode and the SSE events the provider answers with."""

    mode: ObjectMode
    events: Sequence[dict[str, Any] | str]
    named: bool = False
    sep: str = "\n\n"

    def recorder(self) -> Recorder:
        """A recorder answering with this case's events."""
        return sse(self.events, named=self.named, sep=self.sep)


@dataclass(frozen=True, kw_only=True)
class Dialect:
    """How one provider dialect does object modes, for the shared tests.

    Attributes:
        name: The id in test ids (``[<name>-<mode>]``).
        build: The model under test, over the recorder's transport.
        url: The URL every non-streamed request goes to.
        stream_url: The URL streamed requests go to (``url`` when ``None``).
        auto: The mode ``auto`` resolves to.
        answers: The canned response per mode (``json``, ``tool``, ``text``); each
            carries ALICE.
        requests: The body check per mode (``json``, ``tool``, ``text``).
        every_request: Checks every request must pass, whatever the mode.
        streams: The streamed calls to run.
        stream_flag: Whether streamed bodies carry ``"stream": true``.
        verbatim_arguments: Whether tool calls carry their arguments as JSON text
            (kept as ``raw_text``), not as a decoded object.
    """

    name: str
    build: Callable[[Recorder], LanguageModel]
    url: str
    stream_url: str | None = None
    auto: Literal["json", "tool"]
    answers: Mapping[str, dict[str, Any]]
    requests: Mapping[str, Callable[[dict[str, Any]], None]]
    every_request: Callable[[httpx.Request, dict[str, Any]], None] = no_check
    streams: Sequence[StreamCase]
    stream_flag: bool = True
    verbatim_arguments: bool = True

    def resolve(self, mode: ObjectMode) -> str:
        """The mode actually used for ``mode``."""
        return self.auto if mode == "auto" else mode

    def answer(self, mode: ObjectMode) -> Recorder:
        """A recorder answering with the canned response for ``mode``."""
        return answer(self.answers[self.resolve(mode)])

    def check_raw_text(self, raw_text: str, mode: ObjectMode) -> None:
        """``raw_text`` of an object answered in ``mode`` (not ``text``) is ALICE's JSON."""
        assert json.loads(raw_text) == ALICE
        if self.verbatim_arguments or self.resolve(mode) == "json":
            assert raw_text == ALICE_JSON

    def check_request(self, recorder: Recorder, mode: ObjectMode, *, streamed: bool) -> None:
        """The last request is what ``mode`` sends on this dialect."""
        request, body = recorder.requests[-1], recorder.body
        url = self.stream_url if streamed and self.stream_url else self.url
        assert str(request.url) == url
        self.requests[self.resolve(mode)](body)
        self.every_request(request, body)
        if streamed and self.stream_flag:
            assert body["stream"] is True
        elif streamed:
            assert "stream" not in body
