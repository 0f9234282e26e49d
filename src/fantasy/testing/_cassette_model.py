"""Data model and errors for go-vcr v2 cassettes (private; see `fantasy.testing.cassette`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Body: TypeAlias = str | bytes
"""A recorded body: text, or raw bytes for non-UTF-8 payloads (YAML `!!binary`)."""

Headers: TypeAlias = dict[str, list[str]]
"""Headers as go-vcr stores them: canonical name -> list of values."""

CassetteMode: TypeAlias = Literal["replay", "record", "once"]
"""`replay` (never touch the network), `record` (always record) or `once` (replay if the
cassette file exists, else record)."""

CASSETTE_MODES: tuple[CassetteMode, ...] = ("replay", "record", "once")


class CassetteError(Exception):
    """Base error for cassette loading, matching and bookkeeping problems."""


class CassetteFormatError(CassetteError):
    """The cassette file is not valid YAML or not a go-vcr version 2 cassette."""


class CassetteMismatchError(CassetteError):
    """A request matched no unplayed interaction while replaying.

    Attributes:
        method: The HTTP method of the unmatched request.
        url: The URL of the unmatched request (secrets scrubbed).
        nearest: Index of the nearest unplayed interaction, or None if none was left.
    """

    def __init__(self, message: str, *, method: str, url: str, nearest: int | None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.nearest = nearest


@dataclass(kw_only=True)
class RecordedRequest:
    """The request half of an interaction.

    Attributes:
        method: HTTP method, e.g. `POST`.
        url: The full URL string exactly as recorded (query and percent-encoding included).
        body: The request body (str, or bytes if it was not UTF-8).
        headers: Recorded headers (only an allow-listed, secret-free subset).
        form: Parsed query/form parameters (go-vcr's `form`).
        host: The Host header value as recorded (may be empty).
        proto: Protocol string, e.g. `HTTP/1.1`.
        content_length: Body length in bytes as recorded.
        transfer_encoding: Transfer encodings as recorded.
        extra: Any other keys found in the file, kept for round trips.
    """

    method: str
    url: str
    body: Body = ""
    headers: Headers = field(default_factory=dict)
    form: Headers = field(default_factory=dict)
    host: str = ""
    proto: str = "HTTP/1.1"
    content_length: int = 0
    transfer_encoding: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(kw_only=True)
class RecordedResponse:
    """The response half of an interaction.

    Attributes:
        code: HTTP status code.
        status: Status line text, e.g. `200 OK`.
        body: The response body (str, or bytes for binary payloads such as AWS event streams).
        headers: Recorded headers (by default only `Content-Type`).
        proto: Protocol string, e.g. `HTTP/2.0`.
        content_length: Content length as recorded (-1 when unknown/streamed).
        transfer_encoding: Transfer encodings as recorded.
        uncompressed: Whether the body was stored decompressed.
        duration: How long the original request took, as a Go duration string.
        extra: Any other keys found in the file, kept for round trips.
    """

    code: int = 200
    status: str = "200 OK"
    body: Body = ""
    headers: Headers = field(default_factory=dict)
    proto: str = "HTTP/1.1"
    content_length: int = -1
    transfer_encoding: list[str] = field(default_factory=list)
    uncompressed: bool = False
    duration: str = "0s"
    extra: dict[str, object] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Return the first value of a header (case-insensitive), or None."""
        lowered = name.lower()
        for key, values in self.headers.items():
            if key.lower() == lowered and values:
                return values[0]
        return None


@dataclass(kw_only=True)
class Interaction:
    """One recorded request/response pair.

    Attributes:
        index: Position of the interaction in the cassette (0-based, file order).
        id: The `id` stored in the file (usually equal to `index`).
        request: The recorded request.
        response: The recorded response.
    """

    index: int
    id: int
    request: RecordedRequest
    response: RecordedResponse

    def describe(self) -> str:
        """Return a one-line description: `#index METHOD URL -> code`."""
        return f"#{self.index} {self.request.method} {self.request.url} -> {self.response.code}"
