"""Record and replay HTTP traffic with go-vcr version 2 YAML cassettes.

A cassette is a YAML file of recorded request/response pairs ("interactions") in the format
of go-vcr v2, the recorder used by Charm's Go Fantasy. `CassetteTransport` plugs into any
`httpx.Client` or `httpx.AsyncClient` and either replays a cassette (no network) or records
real traffic into one::

    from fantasy.testing.cassette import use_cassette

    with use_cassette("tests/cassettes/hello.yaml") as transport:
        client = httpx.Client(transport=transport)
        client.post("https://api.example.com/v1/chat", json={"q": "hi"})
    # leaving the block asserts that every recorded interaction was played

Matching follows Fantasy's recorder: same method, same full URL string, and a body that is
equal as text after normalising line endings or else equal as JSON (numbers compared as
floats). Headers are never compared. Each interaction is played at most once, the first
unplayed match in file order wins.

Recording keeps only harmless headers and scrubs credentials (see `CassetteTransport`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from fantasy.testing._cassette_file import Cassette, StrPath, unplayed_report
from fantasy.testing._cassette_http import (
    DEFAULT_CHUNK_SIZE,
    decode_body,
    live_response,
    record_interaction,
    replay_response,
)
from fantasy.testing._cassette_match import (
    DEFAULT_MATCH_ON,
    Matcher,
    MatchField,
    MatchOn,
    bodies_match,
    describe_mismatch,
    json_equal,
    match_request,
    normalize_line_endings,
    validate_match_on,
)
from fantasy.testing._cassette_model import (
    CASSETTE_MODES,
    Body,
    CassetteError,
    CassetteFormatError,
    CassetteMismatchError,
    CassetteMode,
    Interaction,
    RecordedRequest,
    RecordedResponse,
)
from fantasy.testing._cassette_scrub import (
    DEFAULT_REQUEST_HEADERS,
    DEFAULT_RESPONSE_HEADERS,
    REDACTED,
    Scrubber,
    secrets_from_headers,
)

__all__ = [
    "DEFAULT_MATCH_ON",
    "DEFAULT_REQUEST_HEADERS",
    "DEFAULT_RESPONSE_HEADERS",
    "REDACTED",
    "Body",
    "Cassette",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteMode",
    "CassetteTransport",
    "Interaction",
    "MatchField",
    "MatchOn",
    "Matcher",
    "RecordedRequest",
    "RecordedResponse",
    "StrPath",
    "bodies_match",
    "json_equal",
    "match_request",
    "normalize_line_endings",
    "use_cassette",
]

_NO_KEEPALIVE = httpx.Limits(max_keepalive_connections=0)


class CassetteTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """An httpx transport (sync and async) that replays or records a cassette.

    Modes:
        * `"replay"` (default): serve recorded responses; a request that matches no unplayed
          interaction raises `CassetteMismatchError` with a diff against the nearest one.
        * `"record"`: send requests through `inner` and record them; `save()` (or leaving
          the context manager) writes the cassette, replacing any existing file.
        * `"once"`: replay if the cassette file exists, else record (go-vcr's record-once).

    Recording keeps only the allow-listed headers (never credential headers such as
    `Authorization`, `X-Api-Key`, `Api-Key`, `X-Goog-Api-Key` or cookies), replaces the
    values of `key=`/`api_key=` style query parameters and every string in `secrets` (and
    the credential header values of each request) with `REDACTED`. Replay applies the same
    scrubbing to incoming requests before matching, so a real key matches a redacted one.

    Used as a (sync or async) context manager, leaving the outermost `with` saves a recording
    and asserts that every interaction was played (unless `allow_unplayed`); nothing is
    saved or asserted when the block raises. httpx clients used as context managers enter
    and leave their transport too, so enter the transport yourself (as the pytest fixture
    does) when clients are opened and closed per request.

    Attributes:
        mode: The requested mode.
        recording: Whether this transport records (`record`, or `once` without a file).
        cassette: The cassette being replayed or recorded.
        path: The cassette file, if any.
        allow_unplayed: Whether `finish` skips the all-played check.
        mismatches: Every mismatch error raised so far (also reported by
            `assert_all_played`, in case the caller swallowed the exception).
    """

    def __init__(
        self,
        path: StrPath | None = None,
        *,
        mode: CassetteMode = "replay",
        cassette: Cassette | None = None,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        match_on: MatchOn = DEFAULT_MATCH_ON,
        secrets: Iterable[str] = (),
        request_headers: Iterable[str] = DEFAULT_REQUEST_HEADERS,
        response_headers: Iterable[str] = DEFAULT_RESPONSE_HEADERS,
        allow_unplayed: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        """Create the transport.

        Args:
            path: The cassette file. Required unless `cassette` is given.
            mode: `"replay"`, `"record"` or `"once"`.
            cassette: An in-memory cassette to replay or record into instead of loading `path`.
            inner: The transport real requests go through when recording (default: a new
                `httpx.HTTPTransport` / `httpx.AsyncHTTPTransport` without keep-alive).
            match_on: Request parts to compare (`"method"`, `"url"`, `"body"`) or a custom
                `(recorded, method, url, body) -> bool` matcher.
            secrets: Exact strings never to write (replaced with `REDACTED`).
            request_headers: Request headers to record (credential headers are always dropped).
            response_headers: Response headers to record.
            allow_unplayed: Do not assert that all interactions were played on exit.
            chunk_size: Replayed bodies are streamed in chunks of this many bytes.

        Raises:
            ValueError: Invalid mode, `match_on` or `chunk_size`, or neither path nor cassette.
            CassetteError: Replay mode and the cassette file does not exist.
            CassetteFormatError: The cassette file is invalid.
        """
        if mode not in CASSETTE_MODES:
            raise ValueError(f"mode must be one of {CASSETTE_MODES}, got {mode!r}")
        if path is None and cassette is None:
            raise ValueError("CassetteTransport needs a path or a cassette")
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        self.mode: CassetteMode = mode
        self.path: Path | None = Path(path) if path is not None else None
        if self.path is None and cassette is not None:
            self.path = cassette.path
        exists = self.path is not None and self.path.is_file()
        self.recording = mode == "record" or (mode == "once" and cassette is None and not exists)
        self.allow_unplayed = allow_unplayed
        self.mismatches: list[CassetteMismatchError] = []
        self._match_on = validate_match_on(match_on)
        self._scrubber = Scrubber.create(
            secrets=secrets, request_headers=request_headers, response_headers=response_headers
        )
        self._chunk_size = chunk_size
        self._inner = inner
        self._owned_sync: httpx.HTTPTransport | None = None
        self._owned_async: httpx.AsyncHTTPTransport | None = None
        self._views: dict[int, RecordedRequest] = {}
        self._depth = 0
        self.cassette = self._open_cassette(cassette, exists)

    def _open_cassette(self, cassette: Cassette | None, exists: bool) -> Cassette:
        if self.recording:
            if cassette is not None:
                return cassette
            return Cassette(path=self.path)
        if cassette is not None:
            return cassette
        if not exists or self.path is None:
            raise CassetteError(
                f"cassette {self.path} does not exist; record it with mode='once' "
                "(pytest --record-cassettes or FANTASY_RECORD=1)"
            )
        return Cassette.load(self.path)

    # --- bookkeeping ---------------------------------------------------------------------

    @property
    def unplayed(self) -> list[Interaction]:
        """Interactions of the cassette not played yet."""
        return self.cassette.unplayed

    def assert_all_played(self) -> None:
        """Raise if some interaction was never played.

        Raises:
            CassetteError: Lists the unplayed interactions and the first unmatched request.
        """
        unplayed = self.cassette.unplayed
        if not unplayed:
            return
        message = unplayed_report(self.cassette.name, len(self.cassette), unplayed)
        if self.mismatches:
            message += f"\nfirst unmatched request:\n{self.mismatches[0]}"
        raise CassetteError(message)

    def save(self) -> Path | None:
        """Write recorded interactions to the cassette file.

        Returns:
            The path written, or None when not recording or nothing was recorded.
        """
        if not self.recording or len(self.cassette) == 0:
            return None
        return self.cassette.save(self.path)

    def finish(self, *, failed: bool = False) -> None:
        """Save a recording and check that all interactions were played.

        This is what leaving the outermost context does. With `failed=True` nothing is saved
        (no half-recorded cassette) and nothing is asserted (the real error is reported).

        Raises:
            CassetteError: Some interaction was not played (unless `allow_unplayed`).
        """
        if failed:
            return
        self.save()
        if not self.allow_unplayed:
            self.assert_all_played()

    # --- replay --------------------------------------------------------------------------

    def _view(self, interaction: Interaction) -> RecordedRequest:
        """The recorded request as matching sees it (scrubbed like incoming requests)."""
        view = self._views.get(interaction.index)
        if view is None:
            recorded = interaction.request
            view = replace(
                recorded,
                url=self._scrubber.url(recorded.url),
                body=self._scrubber.body(recorded.body),
            )
            self._views[interaction.index] = view
        return view

    def _replay(self, request: httpx.Request) -> httpx.Response:
        method = request.method
        # Scrub like a recording would, so real credentials match their redacted record.
        scrubber = self._scrubber.with_secrets(secrets_from_headers(request.headers.multi_items()))
        url = scrubber.url(str(request.url))
        body = scrubber.body(decode_body(request.content))
        interaction = self.cassette.claim(
            lambda i: match_request(self._view(i), method, url, body, match_on=self._match_on)
        )
        if interaction is not None:
            return replay_response(interaction.response, request, chunk_size=self._chunk_size)
        unplayed = [replace(i, request=self._view(i)) for i in self.cassette.unplayed]
        message, nearest = describe_mismatch(
            method, url, body, unplayed, total=len(self.cassette), source=self.cassette.name
        )
        error = CassetteMismatchError(
            message, method=method, url=url, nearest=None if nearest is None else nearest.index
        )
        self.mismatches.append(error)
        raise error

    # --- record --------------------------------------------------------------------------

    def _store(
        self, request: httpx.Request, response: httpx.Response, content: bytes, started: int
    ) -> httpx.Response:
        recorded = record_interaction(
            request,
            response,
            content,
            duration_ns=time.perf_counter_ns() - started,
            scrubber=self._scrubber,
        )
        self.cassette.add(recorded.request, recorded.response, played=True)
        return live_response(response, content, request, chunk_size=self._chunk_size)

    def _sync_inner(self) -> httpx.BaseTransport:
        if self._inner is not None:
            if isinstance(self._inner, httpx.BaseTransport):
                return self._inner
            raise CassetteError("the inner transport is async-only; use an httpx.AsyncClient")
        if self._owned_sync is None:
            self._owned_sync = httpx.HTTPTransport(limits=_NO_KEEPALIVE)
        return self._owned_sync

    def _async_inner(self) -> httpx.AsyncBaseTransport:
        if self._inner is not None:
            if isinstance(self._inner, httpx.AsyncBaseTransport):
                return self._inner
            raise CassetteError("the inner transport is sync-only; use an httpx.Client")
        if self._owned_async is None:
            self._owned_async = httpx.AsyncHTTPTransport(limits=_NO_KEEPALIVE)
        return self._owned_async

    # --- httpx transport API -------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Replay or record one request (sync clients)."""
        request.read()
        if not self.recording:
            return self._replay(request)
        started = time.perf_counter_ns()
        response = self._sync_inner().handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        return self._store(request, response, content, started)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Replay or record one request (async clients)."""
        await request.aread()
        if not self.recording:
            return self._replay(request)
        started = time.perf_counter_ns()
        response = await self._async_inner().handle_async_request(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        return self._store(request, response, content, started)

    def close(self) -> None:
        """Close the default sync inner transport, if one was created."""
        if self._owned_sync is not None:
            self._owned_sync.close()
            self._owned_sync = None

    async def aclose(self) -> None:
        """Close the default inner transports, if they were created."""
        self.close()
        if self._owned_async is not None:
            await self._owned_async.aclose()
            self._owned_async = None

    def _leave(self, failed: bool) -> None:
        self._depth = max(self._depth - 1, 0)
        if self._depth == 0:
            self.finish(failed=failed)

    def __enter__(self) -> Self:
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        try:
            self._leave(failed=exc_type is not None)
        finally:
            self.close()

    async def __aenter__(self) -> Self:
        self._depth += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        try:
            self._leave(failed=exc_type is not None)
        finally:
            await self.aclose()


def use_cassette(
    path: StrPath,
    *,
    mode: CassetteMode = "replay",
    match_on: MatchOn = DEFAULT_MATCH_ON,
    secrets: Iterable[str] = (),
    inner: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    allow_unplayed: bool = False,
    request_headers: Iterable[str] = DEFAULT_REQUEST_HEADERS,
    response_headers: Iterable[str] = DEFAULT_RESPONSE_HEADERS,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> CassetteTransport:
    """Open a cassette as an httpx transport (see `CassetteTransport` for the arguments).

    The result is a sync and async context manager: leaving it saves a recording and asserts
    that every interaction was played (unless `allow_unplayed=True`)::

        async with use_cassette(path) as transport:
            async with httpx.AsyncClient(transport=transport) as client:
                ...

    Returns:
        The transport.
    """
    return CassetteTransport(
        path,
        mode=mode,
        match_on=match_on,
        secrets=secrets,
        inner=inner,
        allow_unplayed=allow_unplayed,
        request_headers=request_headers,
        response_headers=response_headers,
        chunk_size=chunk_size,
    )
