"""The decoder contract every dialect's stream decoder implements (pure).

A stream decoder takes one event at a time, ``feed(data, event)``, and returns typed
stream parts; ``done`` turns true at the finish signal or an in-band error; ``finish()``
runs once when the body ended without ``done`` (see :class:`fantasy._http.PartDecoder`,
whose one driver feeds every dialect). Each dialect keeps only its event handlers.

:class:`EventDecoder` is that contract for events carrying one JSON object each (all
four dialects): it skips blank events, parses each event's data as a JSON object
(malformed data is an :class:`~fantasy.errors.InvalidResponseError`), ignores events
once the stream ended, and hands each object to the dialect's :meth:`_on_event`; an
event the dialect cannot read (a missing key, a value of the wrong type) is that error
too, keeping the event.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from fantasy.errors import InvalidResponseError, redact
from fantasy.providers._json import RAW_LIMIT, WIRE_ERRORS, first_loads, invalid, json_object
from fantasy.stream import StreamPart

__all__ = ["EventDecoder"]


class EventDecoder(ABC):
    """Base of the stream decoders of one streamed answer.

    Call :meth:`feed` with each event's data (and its SSE event name) and
    :meth:`finish` once the connection closes. Stop feeding after :attr:`done`.
    Subclasses set ``_finished`` at the finish signal and ``_failed`` at an in-band error.
    """

    _what: ClassVar[str] = "stream event"

    def __init__(self, *, provider: str) -> None:
        self.provider = provider
        self._finished = False
        self._failed = False

    @property
    def done(self) -> bool:
        """Whether the stream ended (finish signal or in-band error)."""
        return self._finished or self._failed

    @property
    def finished(self) -> bool:
        """Whether the stream's finish signal arrived."""
        return self._finished

    @property
    def failed(self) -> bool:
        """Whether an in-band error ended the stream."""
        return self._failed

    def feed(self, data: str, event: str = "") -> list[StreamPart]:
        """Decode one event's data string; ``event`` is its SSE event name, if any."""
        if self._finished or self._failed:  # not self.done: a property call per event
            return []
        if not data:
            return []
        if data[0] != "{":  # speed: the common event is an object, used without a copy
            stripped = data.strip()
            if not stripped:
                return []
            if stripped == "[DONE]":
                return self._on_done_marker()
        try:  # speed: parsed here; json_object (json.loads, the error) only when this fails
            payload = first_loads(data)
        except (ValueError, RecursionError):
            payload = None
        if type(payload) is not dict:
            payload = json_object(data, provider=self.provider, what=self._what)
        try:  # not a context manager: this runs for every event
            return self._on_event(payload, event)
        except InvalidResponseError as error:  # raised deep inside: keep the event
            error.raw = error.raw or redact(data[:RAW_LIMIT])
            error.provider = error.provider or self.provider
            raise
        except WIRE_ERRORS as error:
            message = f"malformed {self._what}: {error!r}"
            raise invalid(message, data, self.provider) from error

    @abstractmethod
    def finish(self) -> list[StreamPart]:
        """Parts due at the end of the connection; raises if the stream was cut short."""

    def _on_done_marker(self) -> list[StreamPart]:
        """What a ``data: [DONE]`` event means (nothing by default)."""
        return []

    @abstractmethod
    def _on_event(self, payload: dict[str, Any], event: str) -> list[StreamPart]:
        """Decode one event's JSON object."""
