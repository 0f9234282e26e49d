r"""Server-sent events framing: response bytes in, ``(event, data)`` pairs out (pure).

:class:`SSEFraming` is incremental: :meth:`~SSEFraming.feed` takes whatever bytes the
socket gave (an event may be split anywhere, inside a UTF-8 character or between the
two bytes of a CRLF) and returns the events completed so far. It follows the WHATWG
event-stream rules that matter to API streams: lines end with CRLF, LF or CR; ``data``
lines of one event are joined with ``\n``; one space after the colon is dropped;
comment lines (``: OPENROUTER PROCESSING``) and ``id``/``retry`` fields are ignored; an
event without ``event:`` is a ``message``; a last event not closed by a blank line is
discarded (the decoders then report the stream as incomplete).

Why our own and not ``httpx-sse``: the stream driver must read *bytes* so that the idle
timeout measures bytes received, not events, and one event split over many reads costs
one split per read here against a text decoder, a line decoder and an event object per
event there (speed: 9 against 14 µs per event for bytes → events → ``json.loads`` on the floor of
``benchmarks/stream_decode.py``, and one dependency fewer).
"""

from __future__ import annotations

__all__ = ["SSEFraming"]

_BOM = b"\xef\xbb\xbf"


class SSEFraming:
    """Incremental server-sent-events parser (see the module docstring).

    Attributes:
        media_type: The ``Content-Type`` a response must have for this framing.
        failure: Always ``None`` (see :class:`fantasy._http.Framing`).
    """

    __slots__ = ("_data", "_event", "_pending", "_skip_lf", "_started")

    media_type = "text/event-stream"
    failure = None  # server-sent events carry no in-band error of their own

    def __init__(self) -> None:
        self._pending = b""  # the last, unfinished line
        self._data: list[bytes] = []
        self._event = b""
        self._started = False
        self._skip_lf = False  # the last chunk ended with a CR that may start a CRLF

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """Add response bytes; return the ``(event, data)`` pairs they complete."""
        # Speed: most reads are exactly one event, b"data: {...}\n\n" (servers flush per
        # event); cut it with two C-level searches instead of the line loop (about a
        # third of this method's cost per event in benchmarks/profile_stream.py).
        if (
            chunk[:6] == b"data: "
            and not self._pending
            and self._started
            and not self._skip_lf
            and chunk.find(b"\n") == len(chunk) - 2
            and chunk[-1:] == b"\n"
            and not self._data
            and not self._event
            and b"\r" not in chunk
        ):
            return [("message", chunk[6:-2].decode("utf-8", "replace"))]
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buffer = self._pending + chunk if self._pending else chunk
        if not self._started:
            if len(buffer) < len(_BOM) and _BOM.startswith(buffer):
                self._pending = buffer
                return []
            self._started = True
            if buffer.startswith(_BOM):
                buffer = buffer[len(_BOM) :]
        if b"\r" in buffer:
            buffer = self._normalise_cr(buffer)
        lines = buffer.split(b"\n")
        self._pending = lines.pop()  # b"" when the chunk ended at a line end
        out: list[tuple[str, str]] = []
        data = self._data
        for line in lines:
            # Speed: the common line is "data: {...}"; test it first, by slicing.
            if line[:5] == b"data:":
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif not line:
                if data or self._event:
                    out.append(self._dispatch())
            else:
                self._field(line)
        return out

    def close(self) -> None:
        """The response ended: an event not closed by a blank line is dropped."""
        self._pending = b""
        self._data.clear()
        self._event = b""

    def _normalise_cr(self, buffer: bytes) -> bytes:
        # A CR as the very last byte ends a line now; an LF starting the next chunk is
        # the second half of that CRLF and is skipped then.
        self._skip_lf = buffer.endswith(b"\r")
        return buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def _field(self, line: bytes) -> None:
        if line[:1] == b":":
            return  # a comment
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"event":
            self._event = value
        elif name == b"data":
            self._data.append(value)
        # "id", "retry" and unknown fields do not concern API streams.

    def _dispatch(self) -> tuple[str, str]:
        data = self._data
        text = (data[0] if len(data) == 1 else b"\n".join(data)).decode("utf-8", "replace")
        event = self._event.decode("utf-8", "replace") if self._event else "message"
        data.clear()  # in place: feed() holds this list
        self._event = b""
        return event, text
