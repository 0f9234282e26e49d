"""Property tests: every stream decoder gives the same parts whatever the chunk boundaries.

The body of a streamed answer is cut at arbitrary points (inside UTF-8 characters,
JSON escapes, CRLF pairs, AWS event-stream preludes) and fed through the dialect's
framing and decoder exactly as the stream driver does; the parts must equal those of
the uncut body. Random bytes give only fantasy's typed errors, never anything else.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from typing import Any

from _dialects import DIALECTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fantasy._http import Framing, PartDecoder
from fantasy._sse import SSEFraming
from fantasy.errors import FantasyError
from fantasy.stream import Error, StreamPart

TRICKY = 'héllo 👋 "quoted" \\ back\\slash\n新しい 𝄞 end'


def decoders() -> dict[str, Callable[[], tuple[Framing, PartDecoder]]]:
    from fantasy.providers.anthropic.decode import StreamDecoder as Anthropic
    from fantasy.providers.bedrock._eventstream import EventStreamFraming
    from fantasy.providers.bedrock.converse.decode import StreamDecoder as Converse
    from fantasy.providers.bedrock.converse.model import ConverseFraming
    from fantasy.providers.google.decode import StreamDecoder as Gemini
    from fantasy.providers.openai.chat.decode import StreamDecoder as Chat
    from fantasy.providers.openai.chat.hooks import ChatHooks
    from fantasy.providers.openai.responses.decode import StreamDecoder as Responses

    return {
        "chat": lambda: (SSEFraming(), Chat(hooks=ChatHooks(), provider="openai")),
        "responses": lambda: (SSEFraming(), Responses(provider="openai")),
        "anthropic": lambda: (SSEFraming(), Anthropic()),
        "gemini": lambda: (SSEFraming(), Gemini(id_generator=lambda: "call_1")),
        "bedrock": lambda: (EventStreamFraming(), Anthropic(provider="bedrock")),
        "converse": lambda: (ConverseFraming(), Converse(provider="bedrock")),
    }


DECODERS = decoders()


def decode(name: str, pieces: list[bytes]) -> list[StreamPart]:
    """The driver's loop (fantasy._http.HTTPClient._drive) without the socket."""
    framing, decoder = DECODERS[name]()
    parts: list[StreamPart] = []
    for piece in pieces:
        for event, data in framing.feed(piece):
            parts += decoder.feed(data, event)
            if decoder.done:
                return parts
        if framing.failure is not None:
            return [*parts, Error(framing.failure)]
    framing.close()
    return parts + decoder.finish()


def body(name: str, crlf: bool) -> bytes:
    raw = b"".join(DIALECTS[name].stream_body(TRICKY))
    return raw.replace(b"\n\n", b"\r\n\r\n").replace(b"\n", b"\r\n") if crlf else raw


def cut(data: bytes, points: list[int]) -> list[bytes]:
    edges = sorted({0, len(data), *(p % (len(data) + 1) for p in points)})
    return [data[a:b] for a, b in itertools.pairwise(edges)]


EXPECTED: dict[tuple[str, bool], list[Any]] = {}


def expected(name: str, crlf: bool) -> list[Any]:
    key = (name, crlf)
    if key not in EXPECTED:
        EXPECTED[key] = decode(name, [body(name, crlf)])
        assert "".join(p.delta for p in EXPECTED[key] if p.type == "text-delta") == TRICKY
    return EXPECTED[key]


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    name=st.sampled_from(sorted(DIALECTS)),
    crlf=st.booleans(),
    points=st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=40),
)
def test_parts_do_not_depend_on_chunk_boundaries(name: str, crlf: bool, points: list[int]) -> None:
    crlf = crlf and name != "bedrock"  # binary frames have no line endings
    data = body(name, crlf)
    assert decode(name, cut(data, points)) == expected(name, crlf)


@FAST
@given(name=st.sampled_from(sorted(DIALECTS)), crlf=st.booleans())
def test_byte_by_byte_is_the_same_as_whole(name: str, crlf: bool) -> None:
    crlf = crlf and name != "bedrock"
    data = body(name, crlf)
    assert decode(name, [data[i : i + 1] for i in range(len(data))]) == expected(name, crlf)


@FAST
@given(
    name=st.sampled_from(sorted(DIALECTS)),
    garbage=st.binary(max_size=400),
    split=st.integers(0, 400),
)
def test_random_bytes_give_only_typed_errors(name: str, garbage: bytes, split: int) -> None:
    prefix = b"data: " if name != "bedrock" and split % 2 else b""
    data = prefix + garbage + (b"\n\n" if split % 3 else b"")
    with contextlib.suppress(FantasyError):
        decode(name, cut(data, [split]))


def frame_events(data: bytes, pieces: list[bytes]) -> list[tuple[str, str]]:
    framing = SSEFraming()
    events = [event for piece in pieces for event in framing.feed(piece)]
    framing.close()
    return events


SSE_BODY = (
    b"\xef\xbb\xbf: comment\r\n\r\nevent: a\r\ndata: one\r\ndata: two\r\n\r\n"
    b"event: b\rdata: \xc3\xa9\xf0\x9f\x91\x8b\r\rdata:tight\n\nid: 7\nretry: 10\ndata: [DONE]\n\n"
    b"data: cut"
)
SSE_EVENTS = [("a", "one\ntwo"), ("b", "é👋"), ("message", "tight"), ("message", "[DONE]")]


@FAST
@given(points=st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=30))
def test_sse_framing_does_not_depend_on_chunk_boundaries(points: list[int]) -> None:
    assert frame_events(SSE_BODY, cut(SSE_BODY, points)) == SSE_EVENTS
