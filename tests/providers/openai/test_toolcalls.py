"""fantasy.providers._toolcalls: indexed tool-call deltas of chat-completions streams."""

from __future__ import annotations

from typing import Any

from fantasy import stream
from fantasy.providers._toolcalls import ToolCallAccumulator


def entry(
    index: int | None = None,
    id: str | None = None,
    name: str | None = None,
    args: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"function": {}}
    if index is not None:
        out["index"] = index
    if id is not None:
        out["id"] = id
    if name is not None:
        out["function"]["name"] = name
    if args is not None:
        out["function"]["arguments"] = args
    return out


def calls(parts: list[stream.StreamPart]) -> list[tuple[str, str, str]]:
    return [(p.tool_call_id, p.tool_name, p.input) for p in parts if isinstance(p, stream.ToolCall)]


def test_fragments_by_index() -> None:
    acc = ToolCallAccumulator()
    parts = acc.add(entry(0, "c1", "add", ""))
    assert parts == [stream.ToolInputStart(id="c1", tool_name="add")]
    assert acc.add(entry(0, args='{"a"')) == [stream.ToolInputDelta(id="c1", delta='{"a"')]
    acc.add(entry(0, args=": 1}"))
    assert acc.pending
    flushed = acc.flush()
    assert flushed == [
        stream.ToolInputEnd(id="c1"),
        stream.ToolCall(tool_call_id="c1", tool_name="add", input='{"a": 1}'),
    ]
    assert not acc.pending
    assert acc.saw_calls


def test_whole_calls_in_one_entry_and_index_reuse_with_new_ids() -> None:
    acc = ToolCallAccumulator()
    acc.add(entry(0, "c1", "add", '{"a":1}'))
    acc.add(entry(0, "c2", "multiply", '{"a":2}'))
    assert calls(acc.flush()) == [("c1", "add", '{"a":1}'), ("c2", "multiply", '{"a":2}')]


def test_entries_without_index_use_ids() -> None:
    acc = ToolCallAccumulator()
    acc.add(entry(None, "c1", "add", '{"a":'))
    acc.add(entry(None, "c2", "mul", "{}"))
    acc.add(entry(None, "c1", None, "1}"))
    acc.add(entry(None, None, None, ""))
    assert calls(acc.flush()) == [("c1", "add", '{"a":1}'), ("c2", "mul", "{}")]


def test_arguments_before_name_are_buffered_and_missing_id_is_generated() -> None:
    acc = ToolCallAccumulator(id_generator=lambda: "gen-1")
    assert acc.add(entry(0, args='{"x":')) == []
    parts = acc.add(entry(0, name="tool", args="1}"))
    assert parts == [
        stream.ToolInputStart(id="gen-1", tool_name="tool"),
        stream.ToolInputDelta(id="gen-1", delta='{"x":'),
        stream.ToolInputDelta(id="gen-1", delta="1}"),
    ]
    assert calls(acc.flush()) == [("gen-1", "tool", '{"x":1}')]


def test_empty_arguments_become_empty_object() -> None:
    acc = ToolCallAccumulator()
    acc.add(entry(0, "c1", "now", ""))
    acc.add(entry(0, args="  "))
    assert calls(acc.flush()) == [("c1", "now", "{}")]
