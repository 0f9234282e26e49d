"""Bedrock event streams on malformed input: truncated, corrupt and crafted frames.

Frames go through :class:`~fantasy.providers.bedrock._eventstream.EventStreamFraming`
then the Anthropic stream decoder, the way :class:`~fantasy.providers.bedrock.BedrockEndpoint`
and the Claude model chain them; a sample also runs through the provider over
``httpx.MockTransport``.
"""

from __future__ import annotations

import base64
import itertools
import json
import random
import struct
import zlib
from typing import Any

import httpx
import pytest
from _malformed_kit import UNKNOWN_PAYLOAD, Outcome, check_error, check_parts

from fantasy import stream
from fantasy.errors import (
    FantasyError,
    IncompleteStreamError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
)
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.anthropic.decode import StreamDecoder
from fantasy.providers.bedrock import BedrockProvider
from fantasy.providers.bedrock._eventstream import EventStreamFraming
from fantasy.stream import StreamPart

pytest.importorskip("botocore", reason="Bedrock needs the bedrock extra (botocore)")

PROVIDER = "bedrock"
API_KEY = "bedrock-secret-KEY-0123456789"
MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

EVENTS: list[dict[str, Any]] = [
    {"type": "message_start", "message": {"id": "msg_1", "model": "claude", "usage": {}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Olá"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
    {"type": "message_stop"},
]


# --- frames ------------------------------------------------------------------------------


def string_header(name: str, value: bytes, kind: int = 7) -> bytes:
    raw_name = name.encode()
    return bytes([len(raw_name)]) + raw_name + bytes([kind]) + struct.pack(">H", len(value)) + value


def frame_of(headers: bytes, payload: bytes, total: int | None = None) -> bytes:
    """One AWS event-stream message with valid checksums (``total`` may lie)."""
    length = 12 + len(headers) + len(payload) + 4 if total is None else total
    prelude = struct.pack(">II", length, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


EVENT_HEADERS = string_header(":event-type", b"chunk") + string_header(":message-type", b"event")


def chunk_frame(payload: bytes) -> bytes:
    return frame_of(EVENT_HEADERS, payload)


def event_frame(event: Any) -> bytes:
    data = base64.b64encode(json.dumps(event).encode()).decode()
    return chunk_frame(json.dumps({"bytes": data}).encode())


def exception_frame(kind: str, payload: bytes) -> bytes:
    headers = string_header(":exception-type", kind.encode())
    headers += string_header(":message-type", b"exception")
    return frame_of(headers, payload)


STREAM = b"".join(event_frame(event) for event in EVENTS)


# --- the pipeline ------------------------------------------------------------------------


def _feed(chunk: bytes, frames: EventStreamFraming, decoder: StreamDecoder) -> list[StreamPart]:
    """Parts of one byte chunk; an in-band error ends with ``stream.Error``."""
    parts: list[StreamPart] = []
    for event, data in frames.feed(chunk):
        parts += decoder.feed(data, event)
        if decoder.done:
            return parts
    if frames.failure is not None:
        parts.append(stream.Error(frames.failure))
    return parts


def run_bytes(label: str, chunks: list[bytes]) -> Outcome:
    """Feed byte chunks like the Bedrock endpoint + Claude model; check every invariant."""
    outcome = Outcome(label, payload=UNKNOWN_PAYLOAD)
    frames = EventStreamFraming(provider=PROVIDER)
    decoder = StreamDecoder(provider=PROVIDER)
    try:
        for chunk in chunks:
            outcome.parts += _feed(chunk, frames, decoder)
            if outcome.failed:
                break
        else:
            frames.close()
            outcome.parts += decoder.finish()
    except Exception as error:
        outcome.error = error
    check_error(outcome, PROVIDER)
    check_parts(outcome)
    return outcome


def split(data: bytes, rng: random.Random) -> list[bytes]:
    """``data`` in 1 to 4 chunks cut at random offsets."""
    cuts = sorted(rng.sample(range(1, len(data)), min(3, len(data) - 1))) if len(data) > 1 else []
    bounds = [0, *cuts[: rng.randrange(len(cuts) + 1)], len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


# --- tests -------------------------------------------------------------------------------


def test_whole_stream_finishes() -> None:
    outcome = run_bytes("whole", [STREAM])
    assert outcome.error is None and outcome.finished


def test_truncated_at_every_byte_is_incomplete() -> None:
    rng = random.Random(43)
    for cut in range(len(STREAM)):
        outcome = run_bytes(f"cut at byte {cut}", split(STREAM[:cut], rng))
        assert not outcome.finished, outcome.label
        assert isinstance(outcome.error, IncompleteStreamError), (outcome.label, outcome.error)
        assert outcome.error.is_retryable


def test_random_corruption_is_a_typed_error() -> None:
    rng = random.Random(47)
    for case in range(300):
        data = bytearray(STREAM)
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        outcome = run_bytes(f"corruption {case}", split(bytes(data), rng))
        if bytes(data) != STREAM:  # the checksums catch it
            assert isinstance(outcome.error, InvalidResponseError), outcome.label


def test_random_bytes_are_a_typed_error() -> None:
    rng = random.Random(53)
    for case in range(200):
        data = rng.randbytes(rng.randrange(1, 200))
        run_bytes(f"random bytes {case}", split(data, rng))


CRAFTED: list[tuple[str, bytes]] = [
    ("chunk payload is not JSON", chunk_frame(b"not json")),
    ("chunk payload is a list", chunk_frame(b"[1]")),
    ("chunk payload is nested too deep", chunk_frame(b"[" * 5000 + b"]" * 5000)),
    ("chunk bytes is missing", chunk_frame(b'{"nope": 1}')),
    ("chunk bytes is a number", chunk_frame(b'{"bytes": 5}')),
    ("chunk bytes is not base64", chunk_frame(b'{"bytes": "@@@"}')),
    (
        "chunk bytes is not UTF-8",
        chunk_frame(b'{"bytes": "' + base64.b64encode(b"\xff\xfe") + b'"}'),
    ),
    ("chunk payload is not UTF-8", chunk_frame(b'{"bytes": "\xff"}')),
    ("chunk event is not JSON", chunk_frame(b'{"bytes": "' + base64.b64encode(b"nope") + b'"}')),
    ("event of the wrong type", event_frame([1, 2])),
    ("header of unknown type", frame_of(string_header(":message-type", b"event", kind=99), b"{}")),
    ("header name is not UTF-8", frame_of(b"\x02\xff\xfe\x07\x00\x01x", b"{}")),
    ("header value is not UTF-8", frame_of(string_header(":message-type", b"\xff"), b"{}")),
    ("header is cut short", frame_of(b"\x0b:event-type\x07\x00\x40chunk", b"{}")),
    ("headers repeat", frame_of(EVENT_HEADERS + EVENT_HEADERS, b"{}")),
    ("total length is zero", frame_of(b"", b"", total=0)),
    ("total length is too small", frame_of(b"", b"", total=8)),
    ("exception with junk payload", exception_frame("throttlingException", b"\xff[")),
    ("exception nested too deep", exception_frame("internalServerException", b"[" * 5000)),
    ("unknown message type", frame_of(string_header(":message-type", b"weird"), b"{}")),
]


@pytest.mark.parametrize(("label", "frame"), CRAFTED, ids=[label for label, _ in CRAFTED])
def test_crafted_frames(label: str, frame: bytes) -> None:
    start = event_frame(EVENTS[0])
    outcome = run_bytes(label, [start + frame])
    assert outcome.failed, label  # nothing finishes: the frame is bad or the stream is cut
    if outcome.error is not None and not isinstance(outcome.error, IncompleteStreamError):
        assert isinstance(outcome.error, InvalidResponseError), (label, outcome.error)
        assert outcome.error.provider == PROVIDER


def test_exception_frames_are_error_parts() -> None:
    outcome = run_bytes("throttled", [exception_frame("throttlingException", b"\xff[")])
    error = outcome.parts[-1]
    assert isinstance(error, stream.Error)
    assert isinstance(error.error, RateLimitError)


# --- through the provider ----------------------------------------------------------------


async def provider_stream(content: bytes, status: int = 200) -> Outcome:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/vnd.amazon.eventstream"}
        return httpx.Response(status, content=content, headers=headers)

    provider = BedrockProvider(api_key=API_KEY, transport=httpx.MockTransport(handler))
    model = provider.language_model(MODEL)
    outcome = Outcome("provider", payload=UNKNOWN_PAYLOAD)
    try:
        async for part in model.stream(Call(prompt=(user_message("hi"),))):
            outcome.parts.append(part)
    except Exception as error:
        outcome.error = error
    check_error(outcome, PROVIDER)
    check_parts(outcome)
    return outcome


def _no_key(error: BaseException | None) -> None:
    if error is not None:
        assert API_KEY not in f"{error} {error!r}"
        if isinstance(error, ProviderError):
            assert API_KEY not in error.response_body + error.url + str(error.response_headers)


@pytest.mark.anyio
async def test_provider_stream_cut_and_corrupt() -> None:
    rng = random.Random(59)
    cuts = sorted(rng.sample(range(1, len(STREAM)), 12))
    for cut in cuts:
        outcome = await provider_stream(STREAM[:cut])
        assert isinstance(outcome.error, IncompleteStreamError), cut
        _no_key(outcome.error)
    for label, frame in CRAFTED[:8]:
        outcome = await provider_stream(event_frame(EVENTS[0]) + frame)
        assert outcome.failed, label
        _no_key(outcome.error)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "body"),
    [(400, b"<html>Bad</html>"), (403, b""), (500, b"\x00\xff garbage"), (429, b"[" * 5000)],
)
async def test_provider_stream_error_statuses(status: int, body: bytes) -> None:
    outcome = await provider_stream(body + API_KEY.encode(), status=status)
    assert isinstance(outcome.error, ProviderError)
    assert outcome.error.status_code == status
    _no_key(outcome.error)


def test_every_error_is_typed() -> None:
    outcome = run_bytes("garbage", [b"\x00" * 16])
    assert isinstance(outcome.error, FantasyError)
