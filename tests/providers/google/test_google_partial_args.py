"""Gemini's streamed function-call arguments (``partialArgs``) as tool-input deltas."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fantasy import stream
from fantasy.content import ToolCallContent
from fantasy.errors import InvalidResponseError
from fantasy.providers.google._partial_args import ArgumentsWriter, parse_json_path
from fantasy.providers.google.decode import StreamDecoder
from fantasy.stream import StreamAccumulator


def chunk(call: dict[str, Any], finish: str | None = None) -> str:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"functionCall": call}]}}
    if finish:
        candidate["finishReason"] = finish
    return json.dumps({"candidates": [candidate], "modelVersion": "gemini-3-pro"})


def decode(pieces: list[dict[str, Any]]) -> list[stream.StreamPart]:
    decoder = StreamDecoder(id_generator=lambda: "call-1")
    events = [chunk(piece) for piece in pieces]
    events.append(json.dumps({"candidates": [{"finishReason": "STOP"}]}))
    parts = [part for event in events for part in decoder.feed(event, "")]
    return parts + decoder.finish()


def arg(path: str, **value: Any) -> dict[str, Any]:
    return {"jsonPath": path, **value}


# (name, function-call pieces, expected arguments, deltas concatenate to the input?)
CASES: list[tuple[str, list[dict[str, Any]], dict[str, Any], bool]] = [
    (
        "string in pieces, then other types",
        [
            {"name": "weather", "willContinue": True},
            {
                "partialArgs": [arg("$.city", stringValue="Bos", willContinue=True)],
                "willContinue": True,
            },
            {"partialArgs": [arg("$.city", stringValue='ton "MA"')], "willContinue": True},
            {
                "partialArgs": [
                    arg("$.days", numberValue=3),
                    arg("$.metric", boolValue=True),
                    arg("$.note", nullValue="NULL_VALUE"),
                ],
                "willContinue": True,
            },
            {},
        ],
        {"city": 'Boston "MA"', "days": 3, "metric": True, "note": None},
        True,
    ),
    (
        "nested objects and arrays",
        [
            {"name": "route", "willContinue": True},
            {
                "partialArgs": [
                    arg("$.stops[0].city", stringValue="Rome"),
                    arg("$.stops[1].city", stringValue="Pisa"),
                    arg("$.opts['max speed']", numberValue=1.5),
                ],
                "willContinue": True,
            },
            {"partialArgs": []},
        ],
        {"stops": [{"city": "Rome"}, {"city": "Pisa"}], "opts": {"max speed": 1.5}},
        True,
    ),
    (
        "no arguments at all",
        [{"name": "ping", "willContinue": True}, {}],
        {},
        True,
    ),
    (
        "values out of document order still give the whole input",
        [
            {"name": "f", "willContinue": True},
            {
                "partialArgs": [arg("$.a.x", numberValue=1), arg("$.b", numberValue=2)],
                "willContinue": True,
            },
            {"partialArgs": [arg("$.a.y", numberValue=3)]},
        ],
        {"a": {"x": 1, "y": 3}, "b": 2},
        False,
    ),
    (
        "a final piece with the whole args wins",
        [
            {"name": "f", "willContinue": True},
            {"partialArgs": [arg("$.q", stringValue="tea")], "willContinue": True},
            {"args": {"q": "tea"}},
        ],
        {"q": "tea"},
        True,
    ),
]


@pytest.mark.parametrize(
    ("pieces", "expected", "concatenates"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_streamed_arguments(
    pieces: list[dict[str, Any]], expected: dict[str, Any], concatenates: bool
) -> None:
    parts = decode(pieces)
    kinds = [type(p).__name__ for p in parts if type(p).__name__.startswith("Tool")]
    assert kinds[0] == "ToolInputStart" and kinds[-2:] == ["ToolInputEnd", "ToolCall"]
    accumulator = StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    response = accumulator.response()
    [call] = [c for c in response.content if isinstance(c, ToolCallContent)]
    assert json.loads(call.input) == expected
    deltas = "".join(p.delta for p in parts if isinstance(p, stream.ToolInputDelta))
    if concatenates:
        assert json.loads(deltas) == expected
    assert response.finish_reason.value == "tool-calls"


def test_whole_calls_still_work_next_to_streamed_ones() -> None:
    parts = decode([{"name": "a", "args": {"x": 1}}, {"name": "b", "willContinue": True}, {}])
    calls = [p for p in parts if isinstance(p, stream.ToolCall)]
    assert [(c.tool_name, json.loads(c.input)) for c in calls] == [("a", {"x": 1}), ("b", {})]


@pytest.mark.parametrize(
    "pieces",
    [
        [{"willContinue": True}],  # no name
        [{"name": "f", "willContinue": True}, {"partialArgs": [arg("$.x")]}],  # no value
        [
            {"name": "f", "willContinue": True},
            {"partialArgs": [arg("x", numberValue=1)]},
        ],  # bad path
        [{"name": "f", "willContinue": True}, {"partialArgs": "x"}],
        [{"name": "f", "willContinue": True}],  # never completed
    ],
)
def test_malformed_pieces_are_invalid_responses(pieces: list[dict[str, Any]]) -> None:
    with pytest.raises(InvalidResponseError):
        decode(pieces)


def test_json_paths() -> None:
    assert parse_json_path("$.a[0]['b c'].d") == ("a", 0, "b c", "d")
    with pytest.raises(ValueError, match="unsupported JSON path"):
        parse_json_path("$.a[x]")
    writer = ArgumentsWriter()
    assert writer.finish() == ("{}", "{}")
