"""Stream hot-path benchmark: SSE bytes → typed stream parts, per provider dialect.

Serves a synthetic stream of N text deltas (plus one tool call whose arguments arrive
in N/10 fragments) from an in-process httpx transport and consumes ``model.stream()``.
Reports µs per event for the full path and for a floor that only decodes SSE and
``json.loads`` each event, plus peak traced memory. Time per event must stay flat as N
grows (no quadratic buffering) and memory must grow only with the text kept.

    python benchmarks/stream_decode.py [--sizes 1000 10000 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable

import httpx

from fantasy.messages import Message, TextPart
from fantasy.model import Call


def openai_events(n: int) -> list[bytes]:
    base = {"id": "c", "object": "chat.completion.chunk", "model": "m"}
    events = []
    for i in range(n):
        delta = {"content": f"tok{i} "}
        events.append({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    call = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "weather", "arguments": ""},
    }
    events.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]})
    for i in range(max(n // 10, 1)):
        frag = {"index": 0, "function": {"arguments": '{"k":1}'[:0] + f"x{i}"}}
        events.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [frag]}}]})
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    events.append(
        {
            **base,
            "choices": [],
            "usage": {"prompt_tokens": 5, "completion_tokens": n, "total_tokens": n + 5},
        }
    )
    lines = [b"data: " + json.dumps(e).encode() + b"\n\n" for e in events]
    return [*lines, b"data: [DONE]\n\n"]


def anthropic_events(n: int) -> list[bytes]:
    def event(name: str, data: dict[str, object]) -> bytes:
        return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

    out = [
        event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg",
                    "type": "message",
                    "role": "assistant",
                    "model": "m",
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": 5, "output_tokens": 1},
                },
            },
        ),
        event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
    ]
    for i in range(n):
        out.append(
            event(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": f"tok{i} "},
                },
            )
        )
    out.append(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
    out.append(
        event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 1,
                "content_block": {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "weather",
                    "input": {},
                },
            },
        )
    )
    for i in range(max(n // 10, 1)):
        out.append(
            event(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 1,
                    "delta": {"type": "input_json_delta", "partial_json": f"x{i}"},
                },
            )
        )
    out.append(event("content_block_stop", {"type": "content_block_stop", "index": 1}))
    out.append(
        event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use"},
                "usage": {"output_tokens": n},
            },
        )
    )
    out.append(event("message_stop", {"type": "message_stop"}))
    return out


class Body(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def transport_for(chunks: list[bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, stream=Body(chunks), headers={"content-type": "text/event-stream"}
        )

    return httpx.MockTransport(handler)


def build_model(dialect: str, transport: httpx.MockTransport) -> object:
    if dialect == "openai":
        from fantasy.providers.openai import OpenAIProvider

        return OpenAIProvider(api_key="bench", transport=transport).language_model("gpt-4o")
    from fantasy.providers.anthropic import AnthropicProvider

    return AnthropicProvider(api_key="bench", transport=transport).language_model("claude")


async def consume(model: object) -> int:
    call = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])
    count = 0
    async for _part in model.stream(call):  # type: ignore[attr-defined]
        count += 1
    return count


async def floor(transport: httpx.MockTransport) -> int:
    from fantasy._sse import SSEFraming

    count = 0
    framing = SSEFraming()
    async with (
        httpx.AsyncClient(transport=transport) as client,
        client.stream("POST", "https://bench.invalid/") as response,
    ):
        async for chunk in response.aiter_bytes():
            for _event, data in framing.feed(chunk):
                if data != "[DONE]":
                    json.loads(data)
                count += 1
    return count


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = fn()
        best = min(best, time.perf_counter() - start)
    return best, count


def peak_memory(fn: Callable[[], int]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} ({platform.machine()}), best of {args.repeat}\n")
    print(
        "| dialect | text deltas | events | floor: SSE + json.loads (µs/event) "
        "| model.stream() (µs/event) | peak memory (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for dialect, make in (("openai", openai_events), ("anthropic", anthropic_events)):
        for n in args.sizes:
            chunks = make(n)

            def run_model(chunks: list[bytes] = chunks, dialect: str = dialect) -> int:
                return asyncio.run(consume(build_model(dialect, transport_for(chunks))))

            def run_floor(chunks: list[bytes] = chunks) -> int:
                return asyncio.run(floor(transport_for(chunks)))

            floor_time, events = timed(run_floor, args.repeat)
            model_time, _ = timed(run_model, args.repeat)
            memory = peak_memory(run_model)
            print(
                f"| {dialect} | {n} | {events} | {floor_time / events * 1e6:.2f} "
                f"| {model_time / events * 1e6:.2f} | {memory:.1f} |"
            )


if __name__ == "__main__":
    main()
