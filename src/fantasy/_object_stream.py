"""Streaming structured objects: partial objects as the JSON grows, then the final one.

The stream passes the model's parts through (text deltas, tool input, warnings, ...)
and adds :class:`ObjectPart` parts:

* while the JSON text (``json``/``text`` mode) or the synthetic tool's input (``tool``
  mode) grows, a partial object (``partial=True``) each time the visible value changes:
  plain JSON data that parses but is not validated yet;
* at the end, the validated object (``partial=False``; an instance when a type was
  given), then a :class:`~fantasy.stream.Finish` part.

When no valid object can be made, a :class:`~fantasy.stream.Error` part carrying
:class:`~fantasy.errors.NoObjectGeneratedError` ends the stream instead of ``Finish``.

A :class:`~fantasy.stream.Retry` part from the model (a fallback model switching after
its first part) is passed on and starts the object over: what came before it is void.

Partial objects cost ``O(depth)`` to emit: the incremental parser
(:mod:`fantasy._partial_json`) scans each delta once, and a partial's value is built
only when ``ObjectPart.object`` is read.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeAlias

from typing_extensions import TypeVar

from fantasy import stream
from fantasy._object_call import ObjectPlan, ObjectResponse
from fantasy._object_parse import finalize_object
from fantasy._object_schema import WRAP_KEY, is_object_schema
from fantasy._partial_json import PartialJSONParser, PartialSnapshot
from fantasy.errors import NoObjectGeneratedError
from fantasy.stream import StreamAccumulator, StreamPart

if TYPE_CHECKING:
    from fantasy.model import LanguageModel

__all__ = [
    "FallbackObjectStream",
    "ObjectPart",
    "ObjectStream",
    "ObjectStreamPart",
    "SyncObjectStream",
]

T = TypeVar("T", default=Any)
_UNSET: Any = object()


class ObjectPart:
    """An object in an object stream.

    Attributes:
        object: A partial object (plain JSON data, not validated) while ``partial`` is
            true; the final validated object otherwise. Partial objects may share
            completed sub-objects with later ones: treat them as read-only.
        partial: Whether more of the object is still to come.
    """

    __slots__ = ("_object", "_snapshot", "_unwrap", "partial")

    type: ClassVar[Literal["object"]] = "object"

    def __init__(self, object: Any = None, *, partial: bool = False) -> None:
        self._object = object
        self._snapshot: PartialSnapshot | None = None
        self._unwrap = False
        self.partial = partial

    @classmethod
    def from_snapshot(cls, snapshot: PartialSnapshot, *, unwrap: bool = False) -> ObjectPart:
        """A partial object part whose value is built from ``snapshot`` on first read."""
        part = cls(_UNSET, partial=True)
        part._snapshot = snapshot
        part._unwrap = unwrap
        return part

    @property
    def object(self) -> Any:
        """The object (see the class docstring)."""
        if self._object is _UNSET:
            assert self._snapshot is not None
            value = self._snapshot.value()
            if self._unwrap and isinstance(value, dict):
                value = value.get(WRAP_KEY)
            self._object = value
            self._snapshot = None
        return self._object

    def __eq__(self, other: builtins.object) -> bool:
        if not isinstance(other, ObjectPart):
            return NotImplemented
        return self.partial == other.partial and self.object == other.object

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ObjectPart(object={self.object!r}, partial={self.partial!r})"


ObjectStreamPart: TypeAlias = StreamPart | ObjectPart
"""What an :class:`ObjectStream` yields."""


class JSONCollector:
    """Collects the JSON text of one streamed answer and feeds the partial parser."""

    def __init__(self, plan: ObjectPlan) -> None:
        self.plan = plan
        self.tool_mode = plan.mode == "tool"
        target = plan.target
        schema = target.object_schema
        containers = is_object_schema(schema) or schema.get("type") == "array"
        self.parser = PartialJSONParser(skip_prefix=plan.mode != "text" or containers)
        self.unwrap = target.wrapped
        self.accumulator = StreamAccumulator()
        self.text: list[str] = []
        self.tool_input: list[str] = []
        self.tool_id: str | None = None
        self.tool_call: str | None = None
        self.other_call: str | None = None

    def json_delta(self, part: StreamPart) -> str:
        """Record ``part``; return the text it adds to the object's JSON."""
        if isinstance(part, stream.TextDelta):
            self.text.append(part.delta)
            return "" if self.tool_mode else part.delta
        if not self.tool_mode:
            return ""
        if isinstance(part, stream.ToolInputStart):
            if self.tool_id is None and part.tool_name == self.plan.tool_name:
                self.tool_id = part.id
        elif isinstance(part, stream.ToolInputDelta):
            if part.id == self.tool_id:
                self.tool_input.append(part.delta)
                return part.delta
        elif isinstance(part, stream.ToolCall):
            if part.tool_name == self.plan.tool_name:
                if self.tool_call is None:
                    self.tool_call = part.input
            elif self.other_call is None:
                self.other_call = part.input
        return ""

    def partial(self, delta: str) -> ObjectPart | None:
        """A partial object part if ``delta`` changed the visible object."""
        if not self.parser.feed(delta):
            return None
        snapshot = self.parser.snapshot()
        if self.unwrap and not snapshot.has_key(WRAP_KEY):
            return None
        return ObjectPart.from_snapshot(snapshot, unwrap=self.unwrap)

    def raw_text(self) -> str:
        """The complete JSON text of the answer."""
        if self.tool_mode:
            if self.tool_call is not None:
                return self.tool_call
            if self.tool_input:
                return "".join(self.tool_input)
            if self.other_call is not None:
                return self.other_call
        return "".join(self.text)


class ObjectStream(Generic[T]):
    """A streamed object call: iterate its parts, then ``await result()``.

    ``async for part in stream`` yields the model's parts and :class:`ObjectPart`
    parts (see :mod:`fantasy.object`). The stream runs once: :meth:`partial_objects`,
    iteration and :meth:`result` share it, and :meth:`result` consumes whatever is left.
    """

    def __init__(self, model: LanguageModel, plan: ObjectPlan) -> None:
        self._model = model
        self._plan = plan
        self._parts = self._produce()
        self._result: ObjectResponse[T] | None = None
        self._error: BaseException | None = None

    def __aiter__(self) -> AsyncIterator[ObjectStreamPart]:
        return self._parts

    async def partial_objects(self) -> AsyncIterator[Any]:
        """Just the partial objects (plain JSON data), in order, without repeats."""
        async for part in self._parts:
            if isinstance(part, ObjectPart) and part.partial:
                yield part.object

    async def result(self) -> ObjectResponse[T]:
        """The final object; raises :class:`NoObjectGeneratedError` or the stream's error."""
        async for _ in self._parts:
            pass
        return self.outcome()

    def outcome(self) -> ObjectResponse[T]:
        """The result of a stream that has run to its end (raises its error)."""
        if self._error is not None:
            raise self._error
        if self._result is None:
            raise RuntimeError("the object stream was closed before it finished")
        return self._result

    async def aclose(self) -> None:
        """Stop the stream early and close the model's stream."""
        await self._parts.aclose()

    async def __aenter__(self) -> ObjectStream[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _produce(self) -> AsyncGenerator[ObjectStreamPart, None]:
        collector = JSONCollector(self._plan)
        source = self._model.stream(self._plan.call)
        try:
            async for part in source:
                if isinstance(part, stream.Retry):
                    # The model retried or switched by itself: start the object over.
                    collector = JSONCollector(self._plan)
                    yield part
                    continue
                collector.accumulator.add(part)
                if isinstance(part, stream.Finish):
                    continue
                yield part
                if isinstance(part, stream.Error):
                    self._error = part.error
                    continue
                delta = collector.json_delta(part)
                if delta and self._error is None:
                    object_part = collector.partial(delta)
                    if object_part is not None:
                        yield object_part
        except Exception as error:
            self._error = error
            raise
        finally:
            close = getattr(source, "aclose", None)
            if close is not None:
                await close()
        if self._error is None:
            async for final_part in self._finish(collector):
                yield final_part

    async def _finish(self, collector: JSONCollector) -> AsyncIterator[ObjectStreamPart]:
        response = collector.accumulator.response()
        finish_reason = self._plan.finish_reason(response.finish_reason)
        raw_text = collector.raw_text()
        try:
            obj = await finalize_object(
                self._plan.target,
                raw_text,
                repair=self._plan.repair,
                usage=response.usage,
                finish_reason=finish_reason,
            )
        except NoObjectGeneratedError as error:
            self._error = error
            yield stream.Error(error)
            return
        self._result = ObjectResponse(
            object=obj,
            raw_text=raw_text,
            usage=response.usage,
            finish_reason=finish_reason,
            raw_finish_reason=response.raw_finish_reason,
            warnings=response.warnings,
            provider_metadata=response.provider_metadata,
            response=response,
        )
        yield ObjectPart(obj, partial=False)
        yield stream.Finish(
            finish_reason=finish_reason,
            usage=response.usage,
            raw_finish_reason=response.raw_finish_reason,
            provider_metadata=response.provider_metadata,
        )


class FallbackObjectStream(ObjectStream[T]):
    """An object stream fed by another producer: a fallback model's chain of streams.

    ``parts`` yields the parts of whichever model's object stream is answering (and
    :class:`~fantasy.stream.Retry` parts between them); ``outcome`` gives the result
    of the stream that finished.
    """

    def __init__(
        self,
        parts: AsyncGenerator[ObjectStreamPart, None],
        outcome: Callable[[], ObjectResponse[T]],
    ) -> None:
        self._source = parts
        self._answer = outcome
        self._parts = self._produce()
        self._result: ObjectResponse[T] | None = None
        self._error: BaseException | None = None

    def outcome(self) -> ObjectResponse[T]:
        """The result of a stream that has run to its end (raises its error)."""
        if self._error is not None:
            raise self._error
        if self._result is None:
            self._result = self._answer()
        return self._result

    async def _produce(self) -> AsyncGenerator[ObjectStreamPart, None]:
        try:
            async for part in self._source:
                if isinstance(part, stream.Error):
                    self._error = part.error
                yield part
        except Exception as error:
            self._error = error
            raise
        finally:
            await self._source.aclose()


class SyncObjectStream(Generic[T]):
    """Blocking counterpart of :class:`ObjectStream`: iterate, then call :meth:`result`."""

    def __init__(self, object_stream: ObjectStream[T]) -> None:
        from fantasy._sync import iter_sync

        self._stream = object_stream
        self._parts = iter_sync(object_stream)

    def __iter__(self) -> Iterator[ObjectStreamPart]:
        return self._parts

    def __next__(self) -> ObjectStreamPart:
        return next(self._parts)

    def partial_objects(self) -> Iterator[Any]:
        """Just the partial objects, in order, without repeats."""
        for part in self._parts:
            if isinstance(part, ObjectPart) and part.partial:
                yield part.object

    def result(self) -> ObjectResponse[T]:
        """The final object; raises :class:`NoObjectGeneratedError` or the stream's error."""
        for _part in self._parts:
            pass
        return self._stream.outcome()

    def close(self) -> None:
        """Stop the stream early."""
        close = getattr(self._parts, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> SyncObjectStream[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
