"""Benchmark: streaming an object of N fields through ``stream_object``.

A fake model streams the JSON of ``{"field_0": "value 0", ...}`` one small delta per
token (words, digits, punctuation runs), with no I/O. For each N the benchmark reports
the total time of ``stream_object`` over the whole stream and the time per delta, next
to the time of the bare model stream. The time per delta should not grow with N: the
partial-JSON parser scans every character once and emits each partial object in
``O(depth)``.

"reading every partial" also reads every partial object (``part.object``), which
copies the object built so far: that cost grows with the object's size by nature, and
is paid only by consumers that read every partial. "first call" is one run with a
schema not seen before: it includes jsonschema's meta-schema check (slow: about
0.4 ms per property; validators are then cached per schema) and the final validation.

Run: ``python benchmarks/object_stream.py [--sizes 100 1000 10000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fantasy import stream
from fantasy.messages import user_message
from fantasy.model import BaseLanguageModel, Call
from fantasy.object import ObjectCall, ObjectPart, stream_object
from fantasy.response import Response
from fantasy.usage import FinishReason, Usage

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]+")


class FakeModel(BaseLanguageModel):
    """Streams pre-built parts: one text delta per token."""

    def __init__(self, deltas: list[str]) -> None:
        super().__init__(provider="bench", model_id="fake")
        self.deltas = deltas

    async def generate(self, call: Call) -> Response:
        raise NotImplementedError

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        yield stream.TextStart("0")
        for delta in self.deltas:
            yield stream.TextDelta("0", delta)
        yield stream.TextEnd("0")
        yield stream.Finish(
            finish_reason=FinishReason.STOP, usage=Usage.of(input_tokens=1, output_tokens=1)
        )


def build(n: int) -> tuple[dict[str, Any], list[str]]:
    obj = {f"field_{i}": f"value {i}" for i in range(n)}
    schema = {
        "type": "object",
        "properties": {key: {"type": "string"} for key in obj},
        "required": list(obj),
    }
    text = json.dumps(obj)
    deltas = _TOKEN.findall(text)
    assert "".join(deltas) == text
    return schema, deltas


async def bare_stream(model: FakeModel) -> int:
    count = 0
    async for _ in model.stream(Call(prompt=())):
        count += 1
    return count


async def object_stream(model: FakeModel, schema: dict[str, Any], read: bool) -> int:
    call: ObjectCall[Any] = ObjectCall(prompt=[user_message("go")], schema=schema, mode="json")
    partials = 0
    async for part in stream_object(model, call):
        if isinstance(part, ObjectPart) and part.partial:
            partials += 1
            if read:
                _ = part.object
    return partials


async def timed(run: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await run()
    return time.perf_counter() - start, result


async def best_of(repeat: int, run: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    runs = [await timed(run) for _ in range(repeat)]
    return min(runs, key=lambda pair: pair[0])


async def measure(n: int, repeat: int) -> dict[str, Any]:
    schema, deltas = build(n)
    model = FakeModel(deltas)
    first, _ = await timed(lambda: object_stream(model, schema, read=False))
    bare, _ = await best_of(repeat, lambda: bare_stream(model))
    total, partials = await best_of(repeat, lambda: object_stream(model, schema, read=False))
    reading, _ = await best_of(repeat, lambda: object_stream(model, schema, read=True))
    count = len(deltas)
    return {
        "fields": n,
        "deltas": count,
        "partials": partials,
        "first_ms": first * 1e3,
        "bare_us": bare / count * 1e6,
        "total_ms": total * 1e3,
        "per_delta_us": total / count * 1e6,
        "reading_us": reading / count * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs")
    args = parser.parse_args()
    print(
        "| fields | deltas | partial objects | bare model stream (µs/delta) "
        "| stream_object total (ms) | stream_object (µs/delta) "
        "| reading every partial (µs/delta) | first call, incl. schema check (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        row = asyncio.run(measure(n, args.repeat))
        print(
            f"| {row['fields']} | {row['deltas']} | {row['partials']} | {row['bare_us']:.2f} "
            f"| {row['total_ms']:.1f} | {row['per_delta_us']:.2f} | {row['reading_us']:.1f} "
            f"| {row['first_ms']:.0f} |"
        )


if __name__ == "__main__":
    main()
