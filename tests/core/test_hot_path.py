"""The stream hot path's fast paths give exactly what the general paths give.

Each fast path (orjson parse, one-event SSE reads, the Chat Completions decoder's common
deltas, the accumulator's delta branch, raw body reads) is checked against the general
code on the same input; speed itself is measured in benchmarks/, never here.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from fantasy import stream
from fantasy._http import HTTPClient
from fantasy._sse import SSEFraming
from fantasy.errors import InvalidResponseError
from fantasy.providers import _json
from fantasy.providers._blocks import BlockTracker
from fantasy.providers._toolcalls import ToolCallAccumulator
from fantasy.providers.openai.chat.decode import StreamDecoder
from fantasy.providers.openai.chat.hooks import ChatHooks, ChatStreamHooks
from fantasy.stream import StreamPart

# --- JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ['{"a": NaN}', '{"a": 1e999}', '"\\ud800"', '{"n": 12345678901234567890}', "[1, 2]"]
)
def test_loads_accepts_what_json_accepts(text: str) -> None:
    got, want = _json.loads(text), json.loads(text)
    assert repr(got) == repr(want)  # NaN != NaN; repr compares it too


@pytest.mark.parametrize("text", ["{", "{nope}", "", "[1,]"])
def test_loads_fails_like_json(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as got:
        _json.loads(text)
    with pytest.raises(json.JSONDecodeError) as want:
        json.loads(text)
    assert str(got.value) == str(want.value)  # the standard parser's own error


def test_loads_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_json, "_fast_loads", None)
    assert _json.loads('{"a": [1, "x"]}') == {"a": [1, "x"]}
    with pytest.raises(json.JSONDecodeError):
        _json.loads("{")


def test_event_orjson_refuses_is_still_decoded() -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="p")
    chunk = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "hi"}}]}
    data = json.dumps(chunk)[:-1] + ', "score": NaN}'
    parts = decoder.feed(data, "")
    assert [p for p in parts if isinstance(p, stream.TextDelta)] == [
        stream.TextDelta("text-1", "hi")
    ]


@pytest.mark.parametrize("data", ["{nope", "[1, 2]", '"text"'])
def test_malformed_event_keeps_its_error(data: str) -> None:
    decoder = StreamDecoder(hooks=ChatHooks(), provider="p")
    with pytest.raises(InvalidResponseError) as caught:
        decoder.feed(data, "")
    assert caught.value.raw == data


# --- SSE ------------------------------------------------------------------------------

READS = [
    [b"data: {}\n\n", b"data: {}\n\n"],  # the fast path
    [b"data:x\n\n", b"data: y\n\n"],  # no space after the colon
    [b"data: a\ndata: b\n\n", b"data: c\n\n"],  # several data lines
    [b"data: a\r\n\r\n", b"data: b\r", b"\n\r\ndata: c\n\n"],  # CRLF, split CRLF
    [b"data: par", b"tial\n\n", b"data: next\n\n"],  # an event over two reads
    [b"event: x\n", b"data: 1\n\n", b"data: 2\n\n"],  # a pending event name
    [b"data: 1\n", b"\n", b"data: 2\n\n"],
    [b"\xef\xbb\xbfdata: bom\n\n", b"data: \xc3\xa9\n\n"],
    [b"data: 1\n\ndata: 2\n\n", b": comment\n\n", b"data: 3\n\n"],
]


@pytest.mark.parametrize("reads", READS)
def test_sse_reads_frame_as_one_buffer(reads: list[bytes]) -> None:
    framing = SSEFraming()
    got = [event for read in reads for event in framing.feed(read)]
    whole = SSEFraming()
    want = [event for byte in b"".join(reads) for event in whole.feed(bytes([byte]))]
    assert got == want


# --- the Chat Completions decoder ---------------------------------------------------------


class _Counting(ChatStreamHooks):
    """Overrides the per-chunk and per-delta hooks: the decoder takes its general path."""

    def __init__(self, hooks: ChatHooks) -> None:
        super().__init__(hooks)
        self.chunks = 0

    def chunk(self, chunk: Mapping[str, Any]) -> None:
        self.chunks += 1

    def delta(self, delta: Mapping[str, Any], blocks: BlockTracker, out: list[StreamPart]) -> None:
        super().delta(delta, blocks, out)


class _GeneralHooks(ChatHooks):
    def open_stream(self) -> ChatStreamHooks:
        return _Counting(self)


def _chunk(delta: dict[str, Any], **choice: Any) -> str:
    body = {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": delta, **choice}]}
    return json.dumps(body)


STREAM = [
    _chunk({"role": "assistant", "content": ""}),
    _chunk({"reasoning_content": "think"}),
    _chunk({"content": "a"}),
    _chunk({"content": ""}),
    _chunk({"content": "b"}, finish_reason=None, logprobs=None),
    _chunk({"reasoning_content": "more"}),
    _chunk({"tool_calls": [{"index": 0, "id": "t1", "function": {"name": "f", "arguments": ""}}]}),
    _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"q":'}}]}),
    _chunk({"tool_calls": [{"index": 0, "function": {"arguments": ""}}]}),
    _chunk({"tool_calls": [{"index": 1, "function": {"arguments": "x"}}]}),  # no id, no name
    _chunk({"tool_calls": [{"index": 0, "function": {"arguments": ' "z"}'}}]}),
    _chunk({"content": "c"}, index=1),  # another choice: ignored
    _chunk({}, finish_reason="tool_calls"),
    json.dumps({"id": "c1", "choices": [], "usage": {"prompt_tokens": 1}}),
    "[DONE]",
]


def test_chat_fast_path_equals_the_general_path() -> None:
    fast = StreamDecoder(hooks=ChatHooks(), provider="p")
    general = StreamDecoder(hooks=_GeneralHooks(), provider="p")
    for decoder in (fast, general):
        decoder.tool_calls = ToolCallAccumulator(id_generator=lambda: "generated")
    got = [part for data in STREAM for part in fast.feed(data, "")]
    want = [part for data in STREAM for part in general.feed(data, "")]
    assert got == want
    assert isinstance(general.stream_hooks, _Counting)
    assert general.stream_hooks.chunks == len(STREAM) - 1  # every chunk but [DONE]
    kinds = [part.type for part in got]
    assert kinds.count("reasoning-end") == 2  # the tool call closed the open reasoning
    call = next(part for part in got if isinstance(part, stream.ToolCall))
    assert call.input == '{"q": "z"}'


def test_accumulator_delta_branch_keeps_metadata() -> None:
    accumulator = stream.StreamAccumulator()
    for part in (
        stream.TextStart("t"),
        stream.TextDelta("t", "a"),
        stream.TextDelta("t", "b", {"p": {"k": 1}}),
        stream.ToolInputDelta("x", "{}"),
        stream.TextEnd("t"),
        stream.TextDelta("t", "new block"),  # the id reused after its end
    ):
        accumulator.add(part)
    first, second = accumulator.content()
    assert (first.text, dict(first.provider_metadata)) == ("ab", {"p": {"k": 1}})
    assert second.text == "new block"


# --- the body ----------------------------------------------------------------------------

SSE_BODY = (
    b"".join(f"data: {data}\n\n".encode() for data in STREAM[:5])
    + b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)


@pytest.mark.anyio
@pytest.mark.parametrize("encoded", [False, True])
async def test_body_with_or_without_content_encoding(encoded: bool) -> None:
    headers = {"content-type": "text/event-stream"}
    content = SSE_BODY
    if encoded:
        headers["content-encoding"] = "gzip"
        content = gzip.compress(SSE_BODY)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, content=content)

    client = HTTPClient(provider="p", transport=httpx.MockTransport(handler))
    decoder = StreamDecoder(hooks=ChatHooks(), provider="p")
    parts = [part async for part in client.stream_parts("http://test/x", {}, decoder)]
    text = "".join(part.delta for part in parts if isinstance(part, stream.TextDelta))
    assert text == "ab"
    assert isinstance(parts[-1], stream.Finish)
    await client.aclose()
