"""One benchmark client in its own process: stream, check exactly, report JSON on stdout.

    python benchmarks/peers/clients.py --client NAME --dialect D --port P
        --scenarios KIND:N:MODE [...] [--reps R] [--concurrency C]

One process per (client, dialect) runs each scenario in turn (``text:1000:burst``, ...).
Sequential mode (``--concurrency 1``): one warm-up stream, then ``R`` timed streams; each
reports client CPU (``time.process_time``) and wall time per chunk. Concurrent mode:
``C`` streams at once on one event loop, timed once, with the peak RSS growth over the
warmed-up process. Every stream's text, tool arguments and reasoning are compared with
what the server sent (``scenarios.expected``); a mismatch is reported as such
(``{"mismatch": ...}``) and gives no figure. A client that does not speak the dialect, or
whose package is not importable here, reports ``{"skipped": reason}``.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenarios import DIALECTS, TOOL_NAME, expected

try:  # the floors use orjson when it is installed (it is the faster parse)
    import orjson

    loads: Callable[[bytes], Any] = orjson.loads
    JSON = "orjson"
except ImportError:
    loads = json.loads
    JSON = "json"

Result = tuple[str, str, str]  # (text, tool arguments as JSON text, reasoning)
Stream = Callable[[], Awaitable[Result]]
Factory = Callable[[str, int, str], Stream]  # (base URL prefix, port, dialect)
REQUEST = json.dumps(
    {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
).encode()


class Unsupported(Exception):
    """The client does not speak this dialect (or kind)."""


# --- floors: a byte line split and a JSON parse per event, per dialect ------------------


def split_events(buffer: bytes, out: list[bytes]) -> bytes:
    """Append every complete ``data:`` payload in ``buffer``; return the unfinished rest."""
    lines = buffer.split(b"\n")
    for line in lines[:-1]:
        if line.startswith(b"data: "):
            out.append(line[6:])
    return lines[-1]


def _chat(data: list[bytes], text: list[str], args: list[str], thinking: list[str]) -> None:
    for raw in data:
        if raw == b"[DONE]":
            break
        for choice in loads(raw)["choices"]:
            delta = choice["delta"]
            if delta.get("content"):
                text.append(delta["content"])
            if delta.get("reasoning_content"):
                thinking.append(delta["reasoning_content"])
            for call in delta.get("tool_calls") or ():
                args.append(call["function"].get("arguments") or "")


def _responses(data: list[bytes], text: list[str], args: list[str], thinking: list[str]) -> None:
    sinks = {
        "response.output_text.delta": text,
        "response.function_call_arguments.delta": args,
        "response.reasoning_summary_text.delta": thinking,
    }
    for raw in data:
        event = loads(raw)
        sink = sinks.get(event["type"])
        if sink is not None:
            sink.append(event["delta"])


def _anthropic(data: list[bytes], text: list[str], args: list[str], thinking: list[str]) -> None:
    fields = {
        "text_delta": "text",
        "input_json_delta": "partial_json",
        "thinking_delta": "thinking",
    }
    sinks = {"text_delta": text, "input_json_delta": args, "thinking_delta": thinking}
    for raw in data:
        event = loads(raw)
        if event["type"] == "content_block_delta":
            delta = event["delta"]
            kind = delta["type"]
            if kind in sinks:
                sinks[kind].append(delta[fields[kind]])


def _gemini(data: list[bytes], text: list[str], args: list[str], thinking: list[str]) -> None:
    value: list[str] = []
    for raw in data:
        for candidate in loads(raw).get("candidates") or ():
            for part in candidate["content"]["parts"]:
                if "text" in part:
                    (thinking if part.get("thought") else text).append(part["text"])
                elif "functionCall" in part:
                    value += [
                        e["stringValue"] for e in part["functionCall"].get("partialArgs") or ()
                    ]
    if value:
        args.append(json.dumps({"q": "".join(value)}))


COLLECTORS = {"chat": _chat, "responses": _responses, "anthropic": _anthropic, "gemini": _gemini}


def collect(dialect: str, data: list[bytes]) -> Result:
    """Text, tool arguments and reasoning out of the decoded events (plain dict reads)."""
    text: list[str] = []
    args: list[str] = []
    thinking: list[str] = []
    COLLECTORS[dialect](data, text, args, thinking)
    return "".join(text), "".join(args), "".join(thinking)


def asyncio_floor(base: str, port: int, dialect: str) -> Stream:
    """Raw asyncio: one keep-alive connection, chunked decoding, line split, JSON parse."""
    conn: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    path = base.split(str(port), 1)[1] + "/stream"
    request = (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"content-length: {len(REQUEST)}\r\n\r\n"
    ).encode() + REQUEST

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
        return collect(dialect, data)

    return one


def httpx_floor(base: str, port: int, dialect: str) -> Stream:
    """httpx (long-lived client, default settings) + a byte line split + JSON parse."""
    import httpx

    client = httpx.AsyncClient(timeout=60)

    async def one() -> Result:
        data: list[bytes] = []
        rest = b""
        async with client.stream("POST", base + "/stream", content=REQUEST) as response:
            async for chunk in response.aiter_bytes():
                rest = split_events(rest + chunk, data)
        return collect(dialect, data)

    return one


# --- fantasy --------------------------------------------------------------------------


def fantasy_language_model(base: str, dialect: str, transport: Any = None) -> Any:
    if dialect == "chat":
        from fantasy.providers.openaicompat import OpenAICompatProvider

        return OpenAICompatProvider(base_url=base + "/v1", transport=transport).chat_model("m")
    if dialect == "responses":
        from fantasy.providers.openai import OpenAIProvider

        provider = OpenAIProvider(api_key="bench", base_url=base + "/v1", transport=transport)
        return provider.responses_model("m")
    if dialect == "anthropic":
        from fantasy.providers.anthropic import AnthropicProvider

        provider = AnthropicProvider(api_key="bench", base_url=base, transport=transport)
        return provider.language_model("m")
    from fantasy.providers.google import GoogleProvider

    return GoogleProvider(api_key="bench", base_url=base, transport=transport).language_model("m")


def fantasy_model(base: str, port: int, dialect: str, transport: Any = None) -> Stream:
    from fantasy import stream
    from fantasy.messages import Message, TextPart
    from fantasy.model import Call

    model = fantasy_language_model(base, dialect, transport)
    call = Call(prompt=[Message(role="user", content=(TextPart(text="hi"),))])
    TextDelta, ToolInputDelta, ReasoningDelta = (
        stream.TextDelta,
        stream.ToolInputDelta,
        stream.ReasoningDelta,
    )

    async def one() -> Result:
        text: list[str] = []
        args: list[str] = []
        thinking: list[str] = []
        async for part in model.stream(call):
            if isinstance(part, TextDelta):
                text.append(part.delta)
            elif isinstance(part, ToolInputDelta):
                args.append(part.delta)
            elif isinstance(part, ReasoningDelta):
                thinking.append(part.delta)
        return "".join(text), "".join(args), "".join(thinking)

    return one


def fantasy_agent(base: str, port: int, dialect: str, transport: Any = None) -> Stream:
    from fantasy import Agent, stream, tool

    @tool(name=TOOL_NAME)
    def lookup(q: str) -> str:
        """Look a term up."""
        return "ok"

    agent = Agent(fantasy_language_model(base, dialect, transport), tools=[lookup], max_steps=1)
    TextDelta, ToolInputDelta, ReasoningDelta = (
        stream.TextDelta,
        stream.ToolInputDelta,
        stream.ReasoningDelta,
    )

    async def one() -> Result:
        text: list[str] = []
        args: list[str] = []
        thinking: list[str] = []
        async for event in agent.stream("hi"):
            if isinstance(event, TextDelta):
                text.append(event.delta)
            elif isinstance(event, ToolInputDelta):
                args.append(event.delta)
            elif isinstance(event, ReasoningDelta):
                thinking.append(event.delta)
        return "".join(text), "".join(args), "".join(thinking)

    return one


def aiohttp_transport() -> Any:
    from httpx_aiohttp import AiohttpTransport

    return AiohttpTransport()


def fantasy_model_aiohttp(base: str, port: int, dialect: str) -> Stream:
    return fantasy_model(base, port, dialect, aiohttp_transport())


def fantasy_agent_aiohttp(base: str, port: int, dialect: str) -> Stream:
    return fantasy_agent(base, port, dialect, aiohttp_transport())


# --- peers (only when installed in the running environment) ---------------------------


def openai_sdk(base: str, port: int, dialect: str) -> Stream:
    import openai

    client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="bench", max_retries=0)
    if dialect == "chat":
        return _openai_chat(client)
    if dialect == "responses":
        return _openai_responses(client)
    raise Unsupported("speaks Chat Completions and Responses")


async def chat_chunks(response: Any) -> Result:
    """Text, tool arguments and reasoning of an SDK's Chat Completions chunk objects."""
    text: list[str] = []
    args: list[str] = []
    thinking: list[str] = []
    async for chunk in response:
        for choice in chunk.choices:
            delta = choice.delta
            if delta.content:
                text.append(delta.content)
            reasoning = getattr(delta, "reasoning_content", None)
            if reasoning:
                thinking.append(reasoning)
            for call in delta.tool_calls or ():
                if call.function and call.function.arguments:
                    args.append(call.function.arguments)
    return "".join(text), "".join(args), "".join(thinking)


def _openai_chat(client: Any) -> Stream:
    async def one() -> Result:
        response = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        return await chat_chunks(response)

    return one


def _openai_responses(client: Any) -> Stream:
    async def one() -> Result:
        text: list[str] = []
        args: list[str] = []
        thinking: list[str] = []
        sinks = {
            "response.output_text.delta": text,
            "response.function_call_arguments.delta": args,
            "response.reasoning_summary_text.delta": thinking,
        }
        response = await client.responses.create(model="m", input="hi", stream=True)
        async for event in response:
            sink = sinks.get(event.type)
            if sink is not None:
                sink.append(event.delta)
        return "".join(text), "".join(args), "".join(thinking)

    return one


def anthropic_sdk(base: str, port: int, dialect: str) -> Stream:
    if dialect != "anthropic":
        raise Unsupported("speaks Anthropic Messages")
    import anthropic

    client = anthropic.AsyncAnthropic(base_url=base, api_key="bench", max_retries=0)

    async def one() -> Result:
        text: list[str] = []
        args: list[str] = []
        thinking: list[str] = []
        response = await client.messages.create(
            model="m", max_tokens=64, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        async for event in response:
            if event.type == "content_block_delta":
                delta = event.delta
                if delta.type == "text_delta":
                    text.append(delta.text)
                elif delta.type == "input_json_delta":
                    args.append(delta.partial_json)
                elif delta.type == "thinking_delta":
                    thinking.append(delta.thinking)
        return "".join(text), "".join(args), "".join(thinking)

    return one


def pydantic_ai_model(base: str, dialect: str) -> Any:
    if dialect in ("chat", "responses"):
        from pydantic_ai.providers.openai import OpenAIProvider

        provider = OpenAIProvider(base_url=base + "/v1", api_key="bench")
        if dialect == "chat":
            from pydantic_ai.models.openai import OpenAIChatModel

            return OpenAIChatModel("m", provider=provider)
        from pydantic_ai.models.openai import OpenAIResponsesModel

        return OpenAIResponsesModel("m", provider=provider)
    if dialect == "anthropic":
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        return AnthropicModel("m", provider=AnthropicProvider(api_key="bench", base_url=base))
    from pydantic_ai.models.google import GoogleModel
    from pydantic_ai.providers.google import GoogleProvider

    return GoogleModel("m", provider=GoogleProvider(api_key="bench", base_url=base))


def pydantic_ai(base: str, port: int, dialect: str) -> Stream:
    """A pydantic-ai Agent streaming its first model request (``Agent.iter``)."""
    from pydantic_ai import Agent

    agent = Agent(pydantic_ai_model(base, dialect))

    @agent.tool_plain(name=TOOL_NAME)
    def lookup(q: str) -> str:
        """Look a term up."""
        return "ok"

    async def one() -> Result:
        text: list[str] = []
        args: list[str] = []
        thinking: list[str] = []
        async with agent.iter("hi") as run:
            async for node in run:
                if not Agent.is_model_request_node(node):
                    continue
                async with node.stream(run.ctx) as events:
                    async for event in events:
                        _pydantic_ai_event(event, text, args, thinking)
                break  # the first model response only (as fantasy's max_steps=1)
        return "".join(text), "".join(args), "".join(thinking)

    return one


def _pydantic_ai_event(event: Any, text: list[str], args: list[str], thinking: list[str]) -> None:
    from pydantic_ai.messages import (
        PartDeltaEvent,
        PartStartEvent,
        TextPart,
        TextPartDelta,
        ThinkingPart,
        ThinkingPartDelta,
        ToolCallPart,
        ToolCallPartDelta,
    )

    if isinstance(event, PartStartEvent):
        part = event.part
        if isinstance(part, TextPart):
            text.append(part.content)
        elif isinstance(part, ThinkingPart):
            thinking.append(part.content)
        elif isinstance(part, ToolCallPart) and part.args:
            args.append(part.args if isinstance(part.args, str) else json.dumps(part.args))
    elif isinstance(event, PartDeltaEvent):
        delta = event.delta
        if isinstance(delta, TextPartDelta):
            text.append(delta.content_delta)
        elif isinstance(delta, ThinkingPartDelta):
            thinking.append(delta.content_delta or "")
        elif isinstance(delta, ToolCallPartDelta) and isinstance(delta.args_delta, str):
            args.append(delta.args_delta)


def litellm_client(base: str, port: int, dialect: str) -> Stream:
    """LiteLLM ``acompletion(stream=True)`` with the dialect's provider prefix."""
    prefixes = {
        "chat": ("openai/m", base + "/v1"),
        "anthropic": ("anthropic/m", base),
        "gemini": ("gemini/m", base),
    }
    if dialect not in prefixes:  # litellm.aresponses did not stream from this server
        raise Unsupported("measured through acompletion: Chat Completions, Anthropic, Gemini")
    import litellm

    model, api_base = prefixes[dialect]

    async def one() -> Result:
        response = await litellm.acompletion(
            model=model,
            api_base=api_base,
            api_key="bench",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            max_retries=0,
        )
        return await chat_chunks(response)

    return one


CLIENTS: dict[str, tuple[Factory, tuple[str, ...]]] = {
    # name: (factory, modules it needs)
    "asyncio-floor": (asyncio_floor, ()),
    "httpx-floor": (httpx_floor, ("httpx",)),
    "fantasy-model": (fantasy_model, ("fantasy",)),
    "fantasy-agent": (fantasy_agent, ("fantasy",)),
    "fantasy-model+aiohttp": (fantasy_model_aiohttp, ("fantasy", "httpx_aiohttp")),
    "fantasy-agent+aiohttp": (fantasy_agent_aiohttp, ("fantasy", "httpx_aiohttp")),
    "openai-sdk": (openai_sdk, ("openai",)),
    "anthropic-sdk": (anthropic_sdk, ("anthropic",)),
    "pydantic-ai": (pydantic_ai, ("pydantic_ai",)),
    "litellm": (litellm_client, ("litellm",)),
}


def missing(name: str) -> list[str]:
    return [m for m in CLIENTS[name][1] if importlib.util.find_spec(m) is None]


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def mismatch(result: Result, dialect: str, kind: str, n: int) -> str | None:
    """Why ``result`` is not exactly what the server sent, or None."""
    text, args, thinking = expected(dialect, kind, n)
    got_text, got_args, got_thinking = result
    if got_text != text:
        return f"text: got {len(got_text)} chars, want {len(text)}"
    if got_thinking != thinking:
        return f"reasoning: got {len(got_thinking)} chars, want {len(thinking)}"
    if args is None:
        return f"unexpected tool arguments ({len(got_args)} chars)" if got_args else None
    try:
        parsed = json.loads(got_args)
    except ValueError:
        return f"tool arguments are not JSON ({len(got_args)} chars)"
    return None if parsed == args else "tool arguments differ"


async def scenario(
    client: str, dialect: str, kind: str, n: int, mode: str, port: int, reps: int, conc: int
) -> dict[str, Any]:
    """Warm up, then time ``reps`` streams (or ``conc`` at once) of one scenario."""
    base = f"http://127.0.0.1:{port}/{dialect}/{kind}/{n}/{mode}"
    one = CLIENTS[client][0](base, port, dialect)
    try:
        first = await one()  # warm-up (connection, imports, caches)
    except Exception as error:  # noqa: BLE001 - a peer that cannot read the stream: reported
        return {"mismatch": f"raised {type(error).__name__}: {str(error)[:200]}"}
    if why := mismatch(first, dialect, kind, n):
        return {"mismatch": why}
    gc.collect()
    if conc > 1:
        before = rss_kb()
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        wall0, cpu0 = time.perf_counter(), time.process_time()
        results = await asyncio.gather(*(one() for _ in range(conc)))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        for r in results:
            if why := mismatch(r, dialect, kind, n):
                return {"mismatch": why}
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
        return {
            "wall_s": wall,
            "cpu_s": cpu,
            "rss_growth_mb": max(peak - max(before, peak_before), 0) / 1024,
            "peak_rss_mb": peak / 1024,
        }
    cpu_us: list[float] = []
    wall_us: list[float] = []
    for _ in range(reps):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        result = await one()
        cpu_us.append((time.process_time() - cpu0) * 1e6 / n)
        wall_us.append((time.perf_counter() - wall0) * 1e6 / n)
        if why := mismatch(result, dialect, kind, n):
            return {"mismatch": why}
    return {"cpu_us_per_chunk": cpu_us, "wall_us_per_chunk": wall_us}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    results = []
    for spec in args.scenarios:
        kind, n, mode = spec.split(":")
        where = {"kind": kind, "n": int(n), "mode": mode}
        try:
            out = await scenario(
                args.client,
                args.dialect,
                kind,
                int(n),
                mode,
                args.port,
                args.reps,
                args.concurrency,
            )
        except Unsupported as why:
            return {"skipped": str(why)}
        results.append({**where, **out})
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    return {"results": results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", choices=sorted(CLIENTS), required=True)
    parser.add_argument("--dialect", choices=DIALECTS, default="chat")
    parser.add_argument(
        "--scenarios", nargs="+", required=True, metavar="KIND:N:MODE", help="e.g. text:1000:burst"
    )
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
