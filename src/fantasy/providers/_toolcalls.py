"""Accumulates streamed chat-completions tool-call deltas into complete tool calls.

Chat Completions streams (OpenAI, Azure, every OpenAI-compatible server, OpenRouter,
Vercel) send tool calls as ``delta.tool_calls`` entries keyed by ``index``: the first
entry of a call carries ``id`` and ``function.name``, later ones append fragments of
``function.arguments``. Some servers send a whole call in one entry, omit ``index``,
or reuse index 0 for every parallel call with distinct ids; all of these are handled.

:class:`ToolCallAccumulator` turns entries into ``stream.ToolInputStart`` /
``stream.ToolInputDelta`` parts as they arrive and, on :meth:`~ToolCallAccumulator.flush`
(at the finish reason or the end of the stream), ``stream.ToolInputEnd`` plus one
``stream.ToolCall`` per call, in arrival order. Argument fragments are collected in a
list and joined once; the joined text is passed on verbatim (an empty argument string
becomes ``"{}"``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fantasy import stream
from fantasy.stream import StreamPart

__all__ = ["ToolCallAccumulator", "new_tool_call_id"]


def new_tool_call_id() -> str:
    """A fresh tool-call id for servers that send none."""
    return f"call_{uuid.uuid4().hex[:24]}"


@dataclass(slots=True)
class _Call:
    id: str = ""
    name: str = ""
    chunks: list[str] = field(default_factory=list)
    started: bool = False
    generated_id: bool = False


class ToolCallAccumulator:
    """Collects indexed tool-call deltas of one streamed response.

    Args:
        id_generator: Makes an id for a call the server sent without one.
    """

    def __init__(self, id_generator: Callable[[], str] = new_tool_call_id) -> None:
        self._id_generator = id_generator
        self._calls: list[_Call] = []
        self._by_index: dict[int, _Call] = {}
        self._seen = False

    @property
    def saw_calls(self) -> bool:
        """Whether any tool call was seen (flushed or not)."""
        return self._seen

    @property
    def pending(self) -> bool:
        """Whether calls are waiting for :meth:`flush`."""
        return bool(self._calls)

    def add(self, entry: Mapping[str, Any]) -> list[StreamPart]:
        """Fold one ``delta.tool_calls[i]`` entry in; returns the parts it produces."""
        function = entry.get("function")
        function = function if isinstance(function, Mapping) else {}
        call = self._call_for(entry.get("index"), _text(entry.get("id")))
        name = _text(function.get("name"))
        if name and not call.name:
            call.name = name
        arguments = _text(function.get("arguments"))
        parts: list[StreamPart] = []
        if not call.started and call.name:
            parts.extend(self._start(call))
            if arguments:
                parts.append(stream.ToolInputDelta(id=call.id, delta=arguments))
        elif call.started and arguments:
            parts.append(stream.ToolInputDelta(id=call.id, delta=arguments))
        if arguments:
            call.chunks.append(arguments)
        return parts

    def fragment(self, entry: dict[str, Any]) -> stream.ToolInputDelta | None:
        """Fold in an entry that only adds arguments to a started call, else ``None``.

        Speed: the common entry, ``{"index": i, "function": {"arguments": "..."}}`` for
        a call already started, takes this path; :meth:`add` handles every entry
        (``None`` here means: call :meth:`add`, nothing was folded in).
        """
        if len(entry) != 2:
            return None
        function = entry.get("function")
        if type(function) is not dict or len(function) != 1:
            return None
        arguments = function.get("arguments")
        index = entry.get("index")
        if type(arguments) is not str or not arguments or type(index) is not int:
            return None
        call = self._by_index.get(index)
        if call is None or not call.started:
            return None
        call.chunks.append(arguments)
        return stream.ToolInputDelta(call.id, arguments)

    def flush(self) -> list[StreamPart]:
        """End every pending call: ``ToolInputEnd`` then ``ToolCall`` for each, in order."""
        parts: list[StreamPart] = []
        for call in self._calls:
            if not call.started:
                parts.extend(self._start(call))
            arguments = "".join(call.chunks)
            parts.append(stream.ToolInputEnd(id=call.id))
            parts.append(
                stream.ToolCall(
                    tool_call_id=call.id,
                    tool_name=call.name,
                    input=arguments if arguments.strip() else "{}",
                )
            )
        self._calls.clear()
        self._by_index.clear()
        return parts

    def _start(self, call: _Call) -> list[StreamPart]:
        if not call.id:
            call.id = self._id_generator()
            call.generated_id = True
        call.started = True
        parts: list[StreamPart] = [stream.ToolInputStart(id=call.id, tool_name=call.name)]
        if call.chunks:
            parts.append(stream.ToolInputDelta(id=call.id, delta="".join(call.chunks)))
        return parts

    def _call_for(self, index: Any, call_id: str) -> _Call:
        self._seen = True
        if isinstance(index, int):
            call = self._by_index.get(index)
            if call is None or (
                call_id and call.id and call_id != call.id and not call.generated_id
            ):
                call = self._new(call_id)
                self._by_index[index] = call
            elif call_id and not call.id:
                call.id = call_id
            return call
        if call_id:
            for existing in self._calls:
                if existing.id == call_id:
                    return existing
            return self._new(call_id)
        return self._calls[-1] if self._calls else self._new("")

    def _new(self, call_id: str) -> _Call:
        call = _Call(id=call_id)
        self._calls.append(call)
        return call


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
