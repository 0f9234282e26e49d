"""AWS event-stream frames of ``invoke-with-response-stream`` → Anthropic event JSON.

:class:`EventStreamFraming` is Bedrock's :class:`~fantasy._http.Framing`: frames are
decoded by ``botocore.eventstream.EventStreamBuffer`` (checksums included) as bytes
arrive, whatever the chunk boundaries. A ``chunk`` event's payload is
``{"bytes": base64(<one Anthropic stream event JSON>)}``; an ``exception`` or ``error``
frame becomes the framing's typed ``failure`` (and ends the events). A corrupt frame
(checksum, lengths, headers, payload) is an
:class:`~fantasy.errors.InvalidResponseError` keeping its bytes; a response that ends
inside a frame is an :class:`~fantasy.errors.IncompleteStreamError`.
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

from fantasy.errors import (
    AuthenticationError,
    IncompleteStreamError,
    InvalidArgumentError,
    ProviderError,
    RateLimitError,
)
from fantasy.providers._json import WIRE_ERRORS, invalid, wire_errors

__all__ = ["EventStreamFraming", "exception_error", "header_text"]

_RETRYABLE = frozenset(
    {
        "internalServerException",
        "serviceUnavailableException",
        "modelStreamErrorException",
        "modelTimeoutException",
        "modelNotReadyException",
    }
)


def exception_error(provider: str, kind: str, message: str) -> ProviderError:
    """The typed error of an event-stream exception (``throttlingException``, ...)."""
    if kind == "throttlingException":
        return RateLimitError(message, provider=provider, code=kind, retryable=True)
    if kind == "accessDeniedException":
        return AuthenticationError(message, provider=provider, code=kind, retryable=False)
    return ProviderError(message, provider=provider, code=kind, retryable=kind in _RETRYABLE)


def header_text(headers: dict[str, Any], name: str) -> str:
    """A frame header's value as text (``""`` when absent)."""
    value = headers.get(name)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


class EventStreamFraming:
    """Incremental framing: :meth:`feed` bytes, get ``("", event JSON text)`` pairs.

    Args:
        provider: Provider name used in errors.
        secrets: API keys scrubbed from the bytes an error keeps.

    Attributes:
        media_type: The ``Content-Type`` of an event stream.
        failure: The typed error of an ``exception``/``error`` frame, once one arrived.
    """

    media_type = "application/vnd.amazon.eventstream"

    def __init__(self, *, provider: str = "bedrock", secrets: tuple[str, ...] = ()) -> None:
        try:
            from botocore.eventstream import EventStreamBuffer
        except ImportError as error:
            raise InvalidArgumentError(
                f"botocore is needed for Bedrock streams: pip install 'fantasy[bedrock]' ({error})"
            ) from error
        self.provider = provider
        self._secrets = secrets
        self._buffer = EventStreamBuffer()
        self._pending = 0
        self.failure: ProviderError | None = None

    def feed(self, data: bytes) -> list[tuple[str, str]]:
        """Add ``data``; return the complete frames' events in order (none after a failure)."""
        from botocore.eventstream import ParserError

        if self.failure is not None:
            return []
        self._buffer.add_data(data)
        self._pending += len(data)
        out: list[tuple[str, str]] = []
        while True:
            try:
                # Headers are read after the checksums: a corrupt frame can still fail
                # in struct, bytes or UTF-8 decoding.
                message = next(self._buffer, None)
            except (ParserError, struct.error, *WIRE_ERRORS) as error:
                raw = getattr(self._buffer, "_data", data)  # the frame that failed, and after
                raise invalid(
                    f"malformed AWS event-stream frame: {error!r}",
                    raw,
                    self.provider,
                    secrets=self._secrets,
                ) from error
            if message is None:
                return out
            self._pending -= message.prelude.total_length
            with wire_errors(
                message.payload, provider=self.provider, what="Bedrock chunk", secrets=self._secrets
            ):
                item = self._message(message.headers, message.payload)
            if isinstance(item, ProviderError):
                self.failure = item
                return out
            if item is not None:
                out.append(item)

    def close(self) -> None:
        """Check that no partial frame is left when the response ends.

        Raises:
            IncompleteStreamError: The response ended inside a frame.
        """
        if self._pending:
            raise IncompleteStreamError(
                f"AWS event stream ended inside a frame ({self._pending} bytes left)",
                provider=self.provider,
            )

    def _message(
        self, headers: dict[str, Any], payload: bytes
    ) -> tuple[str, str] | ProviderError | None:
        message_type = header_text(headers, ":message-type")
        if message_type == "event":
            return self._event(header_text(headers, ":event-type"), payload)
        if message_type == "exception":
            kind = header_text(headers, ":exception-type") or "exception"
            return exception_error(self.provider, kind, self._message_text(payload, kind))
        if message_type == "error":
            kind = header_text(headers, ":error-code") or "error"
            return exception_error(
                self.provider, kind, header_text(headers, ":error-message") or kind
            )
        return None

    def _message_text(self, payload: bytes, default: str) -> str:
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError):
            return payload.decode("utf-8", "replace") or default
        if isinstance(data, dict):
            return str(data.get("message") or data.get("Message") or default)
        return default

    def _event(self, event_type: str, payload: bytes) -> tuple[str, str] | None:
        """The ``(event, data)`` pair of an event frame (InvokeModel: ``chunk`` frames only).

        A ``chunk`` payload is ``{"bytes": base64(<Anthropic event JSON>)}``; subclasses
        for other APIs override this.
        """
        if event_type != "chunk":
            return None
        data = json.loads(payload)
        event: bytes = base64.b64decode(data["bytes"], validate=True)
        return "", event.decode("utf-8")
