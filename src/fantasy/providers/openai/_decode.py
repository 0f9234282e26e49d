"""What both OpenAI stream decoders share: one JSON object per SSE event, until done.

:class:`EventDecoder` skips blank events, parses each event's data as a JSON object
(malformed data is an :class:`~fantasy.errors.InvalidResponseError`), stops once the
stream ended, and hands each object to the API's decoder; an event the decoder cannot
read (a missing key, a value of the wrong type) is that error too, keeping the event.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from fantasy.providers._json import WIRE_ERRORS, invalid, json_object
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

    def feed(self, data: str, event: str = "") -> list[StreamPart]:
        """Decode one event's data string; ``event`` is its SSE event name, if any."""
        if self.done:
            return []
        data = data.strip()
        if not data:
            return []
        if data == "[DONE]":
            return self._on_done_marker()
        payload = json_object(data, provider=self.provider, what=self._what)
        try:  # not a context manager: this runs for every event
            return self._on_event(payload, event)
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
