"""The open text / reasoning block of streams that send one kind of delta at a time (pure).

Chat Completions and Gemini send bare text and reasoning deltas with no block
boundaries; :class:`BlockTracker` turns them into well-formed blocks: a text delta
closes an open reasoning block and opens a text block (once), and the other way round;
:meth:`BlockTracker.close` ends whatever is open. Tool inputs are not blocks here:
Chat-style tool-call fragments go through
:class:`~fantasy.providers._toolcalls.ToolCallAccumulator`, and Gemini sends whole calls.

Speed: parts are appended to the caller's list (no list per delta) and the state is
three slots.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

from fantasy import stream
from fantasy.stream import StreamPart

__all__ = ["BlockTracker", "ReasoningEnds"]

Kind = Literal["text", "reasoning"]


class ReasoningEnds(Protocol):
    """Who completes a reasoning block as it closes (a variant's per-stream hooks)."""

    def reasoning_end(self) -> Mapping[str, Any] | None:
        """Provider metadata for the ``ReasoningEnd`` of the block closing now."""
        ...


class BlockTracker:
    """The one open text or reasoning block of a stream.

    Args:
        named: Block ids ``text-1``, ``reasoning-2``, ... (else ``0``, ``1``, ...).
        ends: Completes each closing reasoning block with metadata (optional).
    """

    __slots__ = ("_count", "_ends", "_id", "_kind", "_named")

    def __init__(self, *, named: bool = True, ends: ReasoningEnds | None = None) -> None:
        self._named = named
        self._ends = ends
        self._kind: Kind | None = None
        self._id = ""
        self._count = 0

    @property
    def open_kind(self) -> Kind | None:
        """The kind of the open block, or ``None``."""
        return self._kind

    def text(self, out: list[StreamPart], delta: str) -> None:
        """Append text to the open text block (opening one); empty text does nothing."""
        if delta:
            block = self._id if self._kind == "text" else self._open(out, "text")
            out.append(stream.TextDelta(block, delta))

    def reasoning(
        self, out: list[StreamPart], delta: str, metadata: Mapping[str, Any] | None = None
    ) -> None:
        """Append reasoning (opening a block); empty text with no metadata does nothing."""
        if not delta and not metadata:
            return
        block = self._id if self._kind == "reasoning" else self._open(out, "reasoning")
        if metadata:
            out.append(stream.ReasoningDelta(block, delta, dict(metadata)))
        else:
            out.append(stream.ReasoningDelta(block, delta))

    def open_reasoning(self, out: list[StreamPart]) -> str:
        """Open a reasoning block unless one is open; its id."""
        return self._id if self._kind == "reasoning" else self._open(out, "reasoning")

    def end_reasoning(
        self, out: list[StreamPart], metadata: Mapping[str, Any] | None = None
    ) -> None:
        """Close an open reasoning block; ``metadata`` wins over what ``ends`` adds."""
        if self._kind != "reasoning":
            return
        self._kind = None
        collected = self._ends.reasoning_end() if self._ends is not None else None
        merged = {**(collected or {}), **(metadata or {})}
        out.append(
            stream.ReasoningEnd(self._id, merged) if merged else stream.ReasoningEnd(self._id)
        )

    def end_text(self, out: list[StreamPart]) -> None:
        """Close an open text block."""
        if self._kind == "text":
            self._kind = None
            out.append(stream.TextEnd(self._id))

    def close(self, out: list[StreamPart]) -> None:
        """Close whatever block is open."""
        if self._kind == "text":
            self.end_text(out)
        else:
            self.end_reasoning(out)

    def _open(self, out: list[StreamPart], kind: Kind) -> str:
        self.close(out)
        self._count += 1
        self._id = f"{kind}-{self._count}" if self._named else str(self._count - 1)
        self._kind = kind
        out.append(
            stream.TextStart(self._id) if kind == "text" else stream.ReasoningStart(self._id)
        )
        return self._id
