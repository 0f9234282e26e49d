"""One benchmark client in its own process: stream, check exactly, report JSON on stdout.

    python benchmarks/peers/clients.py --client NAME --kind text|tool --n N --port P
        [--reps R] [--concurrency C]

Sequential mode (``--concurrency 1``): one warm-up stream, then ``R`` timed streams; each
reports client CPU (``time.process_time``) and wall time. Concurrent mode: ``C`` streams
at once on one event loop, timed once, with the peak RSS growth over the warmed-up
process. Every stream's text or tool arguments are compared with what the server sent;
a mismatch exits non-zero, so no figure comes from a broken client.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import TOOL_NAME, expected

try:  # the floors use orjson when it is installed (it is the faster parse)
    import orjson

    loads: Callable[[bytes], object] = orjson.loads
    JSON = "orjson"
except ImportError:
    loads = json.loads
    JSON = "json"

Result = tuple[str, str]  # (text, tool arguments)
Stream = Callable[[], Awaitable[Result]]
PAYLOAD = json.dumps(
    {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
).encode()


def collect(data: list[bytes]) -> Result:
    """Pull text and tool arguments out of the decoded Chat Completions chunks."""
    text: list[str] = []
    args: list[str] = []
    for raw in data:
        if raw == b"[DONE]":
            break
        event = loads(raw)
        assert isinstance(event, dict)
        for choice in event["choices"]:
            delta = choice["delta"]
            if delta.get("content"):
                text.append(delta["content"])
            for call in delta.get("tool_calls") or ():
                args.append(call["function"].get("arguments") or "")
    return "".join(text), "".join(args)


def split_events(buffer: bytes, out: list[bytes]) -> bytes:
    """Append every complete ``data:`` payload in ``buffer``; return the unfinished rest."""
    lines = buffer.split(b"\n")
    for line in lines[:-1]:
        if line.startswith(b"data: "):
            out.append(line[6:])
    return lines[-1]


# --- floors ---------------------------------------------------------------------------


def asyncio_floor(base: str, port: int) -> Stream:
    """Raw asyncio: one keep-alive connection, chunked decoding, line split, JSON parse."""
    conn: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    path = base.split(str(port), 1)[1] + "/chat/completions"
    request = (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"content-length: {len(PAYLOAD)}\r\n\r\n"
    ).encode() + PAYLOAD

    async def one() -> Result:
        if not conn:
            conn.append(await asyncio.open_connection("127.0.0.1", port))
        reader, writer = conn[0]
        writer.write(request)
        await reader.readuntil(b"\r\n\r\n")
        data: list[bytes] = []
        rest = b""
        while True:
            size = int(await reader.readline(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            rest = split_events(rest + chunk[:-2], data)
        return collect(data)

    return one


def httpx_floor(base: str, port: int) -> Stream:
    """httpx (long-lived client) + a byte line split + JSON parse."""
    import httpx

    client = httpx.AsyncClient(timeout=60)

    async def one() -> Result:
        data: list[bytes] = []
        rest = b""
        async with client.stream("POST", base + "/chat/completions", content=PAYLOAD) as response:
            async for chunk in response.aiter_bytes():
                rest = split_events(rest + chunk, data)
        return collect(data)

    return one


# --- fantasy --------------------------------------------------------------------------


def fantasy_model(base: str, port: int, transport: object = None) -> Stream:
    from fantasy import stream
    from fantasy.messages import Message, TextPart
    from fantasy.model import Call
    from fantasy.providers.openaicompat import OpenAICompatProvider

    model = OpenAICompatProvider(base_url=base, transport=transport).chat_model("m")  # type: ignore[arg-type]
    call = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])

    async def one() -> Result:
        text: list[str] = []
        args: list[str] = []
        async for part in model.stream(call):
            if isinstance(part, stream.TextDelta):
                text.append(part.delta)
            elif isinstance(part, stream.ToolInputDelta):
                args.append(part.delta)
        return "".join(text), "".join(args)

    return one


def fantasy_agent(base: str, port: int, transport: object = None) -> Stream:
    from fantasy import Agent, stream, tool
    from fantasy.providers.openaicompat import OpenAICompatProvider

    @tool(name=TOOL_NAME)
    def lookup(q: str) -> str:
        """Look a term up."""
        return "ok"

    model = OpenAICompatProvider(base_url=base, transport=transport).chat_model("m")  # type: ignore[arg-type]
    agent = Agent(model, tools=[lookup], max_steps=1)

    async def one() -> Result:
        text: list[str] = []
        args: list[str] = []
        async for event in agent.stream("hi"):
            if isinstance(event, stream.TextDelta):
                text.append(event.delta)
            elif isinstance(event, stream.ToolInputDelta):
                args.append(event.delta)
        return "".join(text), "".join(args)

    return one


def aiohttp_transport() -> object:
    from httpx_aiohttp import AiohttpTransport

    return AiohttpTransport()


def fantasy_model_aiohttp(base: str, port: int) -> Stream:
    return fantasy_model(base, port, aiohttp_transport())


def fantasy_agent_aiohttp(base: str, port: int) -> Stream:
    return fantasy_agent(base, port, aiohttp_transport())


# --- peers (only when installed in the running environment) ---------------------------


def openai_sdk(base: str, port: int) -> Stream:
    import openai

    client = openai.AsyncOpenAI(base_url=base, api_key="bench", max_retries=0)

    async def one() -> Result:
        text: list[str] = []
        args: list[str] = []
        response = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        async for chunk in response:
            for choice in chunk.choices:
                if choice.delta.content:
                    text.append(choice.delta.content)
                for call in choice.delta.tool_calls or ():
                    if call.function and call.function.arguments:
                        args.append(call.function.arguments)
        return "".join(text), "".join(args)

    return one


CLIENTS: dict[str, tuple[Callable[[str, int], Stream], tuple[str, ...]]] = {
    # name: (factory, modules it needs)
    "asyncio-floor": (asyncio_floor, ()),
    "httpx-floor": (httpx_floor, ("httpx",)),
    "fantasy-model": (fantasy_model, ("fantasy",)),
    "fantasy-agent": (fantasy_agent, ("fantasy",)),
    "fantasy-model+aiohttp": (fantasy_model_aiohttp, ("fantasy", "httpx_aiohttp")),
    "fantasy-agent+aiohttp": (fantasy_agent_aiohttp, ("fantasy", "httpx_aiohttp")),
    "openai-sdk": (openai_sdk, ("openai",)),
}
"""Peers not listed (anthropic SDK, pydantic-ai, LiteLLM) are reported as not measured."""


def missing(name: str) -> list[str]:
    return [m for m in CLIENTS[name][1] if importlib.util.find_spec(m) is None]


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def check(result: Result, kind: str, n: int) -> None:
    want = expected(kind, n)
    got = result[0] if kind == "text" else result[1]
    other = result[1] if kind == "text" else result[0]
    if got != want or other:
        sys.exit(f"result mismatch: got {len(got)} chars, want {len(want)}; other={len(other)}")


async def main(args: argparse.Namespace) -> dict[str, object]:
    base = f"http://127.0.0.1:{args.port}/{args.kind}/{args.n}/v1"
    one = CLIENTS[args.client][0](base, args.port)
    check(await one(), args.kind, args.n)  # warm-up (connection, imports, caches)
    gc.collect()
    if args.concurrency > 1:
        before = rss_kb()
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        wall0, cpu0 = time.perf_counter(), time.process_time()
        results = await asyncio.gather(*(one() for _ in range(args.concurrency)))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        for r in results:
            check(r, args.kind, args.n)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
        return {
            "wall_s": wall,
            "cpu_s": cpu,
            "rss_growth_mb": max(peak - max(before, peak_before), 0) / 1024,
            "peak_rss_mb": peak / 1024,
        }
    cpu_us: list[float] = []
    wall_us: list[float] = []
    for _ in range(args.reps):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        result = await one()
        cpu_us.append((time.process_time() - cpu0) * 1e6 / args.n)
        wall_us.append((time.perf_counter() - wall0) * 1e6 / args.n)
        check(result, args.kind, args.n)
    return {"cpu_us_per_chunk": cpu_us, "wall_us_per_chunk": wall_us}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", choices=sorted(CLIENTS), required=True)
    parser.add_argument("--kind", choices=("text", "tool"), required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1)
    ns = parser.parse_args()
    if gone := missing(ns.client):
        print(json.dumps({"skipped": f"not installed: {', '.join(gone)}"}))
        sys.exit(0)
    out = asyncio.run(main(ns))
    out["json"] = JSON
    print(json.dumps(out))
