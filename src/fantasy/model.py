"""The language model protocol and the call options every provider accepts.

A provider turns a :class:`Call` into its wire request, and its response back into a
:class:`~fantasy.response.Response` (``generate``) or stream parts (``stream``). A
setting a provider cannot honour becomes a :class:`~fantasy.usage.CallWarning`, never
a silent drop. Models subclass :class:`BaseLanguageModel` to inherit the sync API and
the structured-object API.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from typing_extensions import TypeVar

from fantasy.messages import Message
from fantasy.response import Response
from fantasy.stream import StreamAccumulator, StreamPart
from fantasy.tools import Tool, ToolChoice

if TYPE_CHECKING:
    from fantasy.object import ObjectCall, ObjectResponse, ObjectStream, SyncObjectStream

__all__ = [
    "BaseLanguageModel",
    "Call",
    "LanguageModel",
    "ObjectMode",
    "ResponseFormat",
]

ObjectMode = Literal["auto", "json", "tool", "text"]

T = TypeVar("T", default=Any)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseFormat:
    """Ask for JSON output matching ``schema`` (the provider's native JSON mode)."""

    schema: Mapping[str, Any] | None = None
    name: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """Everything one model call needs.

    ``None`` means "not set": the provider's default applies and nothing is sent.
    """

    prompt: Sequence[Message]
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stop_sequences: tuple[str, ...] = ()
    seed: int | None = None
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    response_format: ResponseFormat | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    user_agent: str | None = None
    provider_options: Mapping[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> Call:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


@runtime_checkable
class LanguageModel(Protocol):
    """What the agent needs from a model."""

    @property
    def provider(self) -> str:
        """Provider name, e.g. ``"openai"``."""
        ...

    @property
    def model_id(self) -> str:
        """The model id sent to the provider."""
        ...

    async def generate(self, call: Call) -> Response:
        """Run the call and return the whole response."""
        ...

    def stream(self, call: Call) -> AsyncIterator[StreamPart]:
        """Run the call as a stream of parts."""
        ...

    async def generate_object(self, call: ObjectCall[T]) -> ObjectResponse[T]:
        """Generate a structured object."""
        ...

    def stream_object(self, call: ObjectCall[T]) -> ObjectStream[T]:
        """Stream a structured object."""
        ...


class BaseLanguageModel(ABC):
    """Base class of provider models: async core plus derived sync and object APIs.

    Subclasses implement :meth:`generate` and :meth:`stream`, and set
    ``default_object_mode`` to the mode their provider does best. Models that cannot
    honour a ``response_format`` schema override :meth:`supports_json_schema`.
    """

    default_object_mode: ObjectMode = "json"

    def __init__(self, *, provider: str, model_id: str) -> None:
        self._provider = provider
        self._model_id = model_id

    @property
    def provider(self) -> str:
        """Provider name, e.g. ``"openai"``."""
        return self._provider

    @property
    def model_id(self) -> str:
        """The model id sent to the provider."""
        return self._model_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self._provider!r}, model_id={self._model_id!r})"

    def supports_json_schema(self) -> bool:
        """Whether this model constrains its answer to a ``response_format`` schema.

        ``True`` by default. A model returning ``False`` still accepts the setting (its
        provider reports a :class:`~fantasy.usage.CallWarning`); the ``json`` object
        mode then also puts the schema in a system instruction, as ``text`` mode does.
        """
        return True

    @abstractmethod
    async def generate(self, call: Call) -> Response:
        """Run the call and return the whole response."""

    @abstractmethod
    def stream(self, call: Call) -> AsyncIterator[StreamPart]:
        """Run the call as a stream of parts."""

    async def generate_via_stream(self, call: Call) -> Response:
        """Accumulate :meth:`stream` into a response (for providers without a JSON mode)."""
        accumulator = StreamAccumulator()
        async for part in self.stream(call):
            accumulator.add(part)
        if accumulator.error is not None:
            raise accumulator.error
        return accumulator.response()

    def generate_sync(self, call: Call) -> Response:
        """Blocking :meth:`generate`."""
        from fantasy._sync import run_sync

        return run_sync(self.generate(call))

    def stream_sync(self, call: Call) -> Iterator[StreamPart]:
        """Blocking :meth:`stream`."""
        from fantasy._sync import iter_sync

        return iter_sync(self.stream(call))

    async def generate_object(self, call: ObjectCall[T]) -> ObjectResponse[T]:
        """Generate a structured object (see :mod:`fantasy.object`)."""
        from fantasy.object import generate_object

        return await generate_object(self, call)

    def stream_object(self, call: ObjectCall[T]) -> ObjectStream[T]:
        """Stream a structured object (see :mod:`fantasy.object`)."""
        from fantasy.object import stream_object

        return stream_object(self, call)

    def generate_object_sync(self, call: ObjectCall[T]) -> ObjectResponse[T]:
        """Blocking :meth:`generate_object`."""
        from fantasy._sync import run_sync

        return run_sync(self.generate_object(call))

    def stream_object_sync(self, call: ObjectCall[T]) -> SyncObjectStream[T]:
        """Blocking :meth:`stream_object`: iterate it, then call ``.result()``."""
        from fantasy.object import stream_object_sync

        return stream_object_sync(self, call)
