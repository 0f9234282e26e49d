"""Shared pieces of the object-mode tests (``test_object_modes_<dialect>.py``).

Each dialect's test builds its provider over ``httpx.MockTransport``, answers with a
minimal canned provider response, and checks the request each object mode sends and
the object that comes back.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from fantasy import stream
from fantasy.messages import user_message
from fantasy.model import ObjectMode
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
