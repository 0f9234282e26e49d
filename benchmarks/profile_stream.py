"""Where a streamed chunk's client CPU goes: one pipeline cut at each layer, and cProfile.

    python benchmarks/profile_stream.py [--n 20000] [--kind text|tool] [--reps 5]
        [--profile agent|model|none] [--top 25] [--concurrency 0]

Starts the peer benchmark's loopback server (``benchmarks/peers/server.py``: Chat
Completions chunks in burst mode, one HTTP chunk per SSE event) in its own process, then measures in
this process, on one long-lived ``httpx.AsyncClient``, the client CPU per chunk of each
cut (best of ``--reps`` streams after a warm-up):

- ``httpx aiter_raw`` / ``httpx aiter_bytes``: the transport alone;
- ``httpx floor``: ``aiter_bytes`` + a byte line split + orjson (json without it), the
  benchmark's floor;
- ``+ SSEFraming``: fantasy's framing instead of the line split (no parse);
- ``+ parse``: the framing and ``json_object`` of each event;
- ``+ decoder``: the framing and the Chat Completions ``StreamDecoder`` (typed parts);
- ``model.stream`` / ``Agent.stream``: fantasy, default configuration.

Then profiles one ``Agent.stream`` (or ``model.stream``) of N chunks under cProfile:
Python calls per chunk and the functions with the most own time. With
``--concurrency C`` it instead profiles C concurrent agent streams of N chunks (wall and
CPU, then the profile). Figures from a shared machine: compare the cuts within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))
from scenarios import TOOL_NAME, expected  # noqa: E402

try:
    import orjson

    loads: Callable[[bytes], Any] = orjson.loads
    JSON = "orjson"
except ImportError:
    loads = json.loads
    JSON = "json"

PAYLOAD = json.dumps(
    {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
).encode()

Cut = Callable[[], Awaitable[int]]


def start_server() -> tuple[subprocess.Popen[str], int]:
    cmd = [sys.executable, str(HERE / "peers" / "server.py"), "--pace-ms", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        sys.exit(f"server did not start: {line!r}")
    return proc, int(line.split()[1])


def cuts(client: httpx.AsyncClient, base: str) -> dict[str, Cut]:  # noqa: C901
    from fantasy import Agent, tool
    from fantasy._sse import SSEFraming
    from fantasy.messages import Message, TextPart
    from fantasy.model import Call
    from fantasy.providers._json import json_object
    from fantasy.providers.openai.chat.decode import StreamDecoder
    from fantasy.providers.openaicompat import CompatHooks, OpenAICompatProvider

    url = base + "/chat/completions"

    async def raw() -> int:
        count = 0
        async with client.stream("POST", url, content=PAYLOAD) as response:
            async for _ in response.aiter_raw():
                count += 1
        return count

    async def bytes_() -> int:
        count = 0
        async with client.stream("POST", url, content=PAYLOAD) as response:
            async for _ in response.aiter_bytes():
                count += 1
        return count

    async def floor() -> int:
        count = 0
        rest = b""
        async with client.stream("POST", url, content=PAYLOAD) as response:
            async for chunk in response.aiter_bytes():
                lines = (rest + chunk).split(b"\n")
                for line in lines[:-1]:
                    if line.startswith(b"data: ") and line[6:] != b"[DONE]":
                        loads(line[6:])
                        count += 1
                rest = lines[-1]
        return count

    async def framing() -> int:
        count = 0
        sse = SSEFraming()
        async with client.stream("POST", url, content=PAYLOAD) as response:
            async for chunk in response.aiter_bytes():
                count += len(sse.feed(chunk))
        return count

    async def parse() -> int:
        count = 0
        sse = SSEFraming()
        async with client.stream("POST", url, content=PAYLOAD) as response:
            async for chunk in response.aiter_bytes():
                for _, data in sse.feed(chunk):
                    if data != "[DONE]":
                        json_object(data, provider="p")
                        count += 1
        return count

    async def decoder() -> int:
        count = 0
        sse = SSEFraming()
        dec = StreamDecoder(hooks=CompatHooks(), provider="p")
        async with client.stream("POST", url, content=PAYLOAD) as response:
            async for chunk in response.aiter_bytes():
                for event, data in sse.feed(chunk):
                    count += len(dec.feed(data, event))
        return count

    model = OpenAICompatProvider(base_url=base).chat_model("m")
    call = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])

    async def model_stream() -> int:
        count = 0
        async for _ in model.stream(call):
            count += 1
        return count

    @tool(name=TOOL_NAME)
    def lookup(q: str) -> str:
        """Look a term up."""
        return "ok"

    agent = Agent(model, tools=[lookup], max_steps=1)

    async def agent_stream() -> int:
        count = 0
        async for _ in agent.stream("hi"):
            count += 1
        return count

    return {
        "httpx aiter_raw": raw,
        "httpx aiter_bytes": bytes_,
        f"httpx floor (split + {JSON})": floor,
        "+ SSEFraming": framing,
        "+ parse (json_object)": parse,
        "+ decoder (typed parts)": decoder,
        "model.stream": model_stream,
        "Agent.stream": agent_stream,
    }


async def measure(cut: Cut, n: int, reps: int) -> float:
    await cut()  # warm-up
    best = float("inf")
    for _ in range(reps):
        cpu0 = time.process_time()
        await cut()
        best = min(best, (time.process_time() - cpu0) * 1e6 / n)
    return best


async def main(args: argparse.Namespace, port: int) -> None:
    base = f"http://127.0.0.1:{port}/chat/{args.kind}/{args.n}/burst/v1"
    async with httpx.AsyncClient(timeout=60) as client:
        table = cuts(client, base)
        print(f"{args.kind} N={args.n}, client CPU µs per chunk (best of {args.reps}):")
        for name, cut in table.items():
            print(f"  {name:32} {await measure(cut, args.n, args.reps):6.2f}", flush=True)


def main_profile(args: argparse.Namespace, port: int) -> None:
    from fantasy import Agent, tool
    from fantasy.messages import Message, TextPart
    from fantasy.model import Call
    from fantasy.providers.openaicompat import OpenAICompatProvider

    base = f"http://127.0.0.1:{port}/chat/{args.kind}/{args.n}/burst/v1"
    model = OpenAICompatProvider(base_url=base).chat_model("m")

    @tool(name=TOOL_NAME)
    def lookup(q: str) -> str:
        """Look a term up."""
        return "ok"

    agent = Agent(model, tools=[lookup], max_steps=1)
    call = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])

    text_want, args_want, _ = expected("chat", args.kind, args.n)

    async def one() -> None:
        text: list[str] = []
        source = agent.stream("hi") if args.profile == "agent" else model.stream(call)
        async for part in source:
            if getattr(part, "type", "") in ("text-delta", "tool-input-delta"):
                text.append(part.delta)  # type: ignore[union-attr]
        got = "".join(text)
        assert got == text_want if args.kind == "text" else json.loads(got) == args_want

    async def many() -> None:
        await asyncio.gather(*(one() for _ in range(max(args.concurrency, 1))))

    async def warm_then(profiled: Callable[[], Awaitable[None]]) -> None:
        await one()
        profiler = cProfile.Profile()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        profiler.enable()
        await profiled()
        profiler.disable()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        chunks = args.n * max(args.concurrency, 1)
        stats = pstats.Stats(profiler, stream=(out := io.StringIO()))
        total = sum(v[1] for v in stats.stats.values())  # type: ignore[attr-defined]
        print(
            f"\n{args.profile}.stream, {max(args.concurrency, 1)} x {args.n} {args.kind} chunks "
            f"under cProfile: wall {wall:.2f} s, CPU {cpu:.2f} s; "
            f"{total / chunks:.1f} Python calls per chunk"
        )
        stats.sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())

    asyncio.run(warm_then(many if args.concurrency else one))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--kind", choices=("text", "tool"), default="text")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--profile", choices=("agent", "model", "none"), default="agent")
    parser.add_argument("--cuts", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=0)
    ns = parser.parse_args()
    server, port = start_server()
    try:
        if ns.cuts and not ns.concurrency:
            asyncio.run(main(ns, port))
        if ns.profile != "none":
            main_profile(ns, port)
    finally:
        server.terminate()
        server.wait(timeout=10)
