"""The loopback server of the load test, run as a subprocess: a tool-calling Chat Completions API.

``python _load_server.py`` serves on 127.0.0.1 (a free port), prints the port on its
first line, then answers one command per stdin line: ``stats`` prints the TCP
connections accepted, open and at most open at once, and the requests served so far
(one JSON line). It exits when stdin closes, so it never outlives the test that
started it.

Each agent run asks ``"double <n>"``: the first request (no tool result yet) is
answered with a call of the ``double`` tool for ``n``; the second (the tool's result is
the last message) with the text ``"answer: <result>"``. Requests with ``"stream":
true`` are answered as a stream, the others with a whole answer.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from _server import LoopbackServer, Plan, Request


def _json(body: dict[str, Any]) -> Plan:
    return Plan(content_type="application/json", chunks=(json.dumps(body).encode(),))


def _stream(deltas: list[dict[str, Any]], finish: str) -> Plan:
    chunks = [{"id": "c1", "model": "m", "choices": [{"index": 0, "delta": d}]} for d in deltas]
    chunks.append(
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
    )
    events = [f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks]
    return Plan(chunks=(*events, b"data: [DONE]\n\n"))


def answer(request: Request) -> Plan:
    """The tool call or the final text of one agent step."""
    body = json.loads(request.body)
    last = body["messages"][-1]
    streaming = bool(body.get("stream"))
    if last["role"] == "tool":
        text = f"answer: {last['content']}"
        if streaming:
            return _stream([{"role": "assistant", "content": text}], "stop")
        message = {"role": "assistant", "content": text}
        return _json({"id": "c1", "model": "m", "choices": [_choice(message, "stop")]})
    content = last["content"]
    prompt = content if isinstance(content, str) else content[0]["text"]
    number = int(prompt.split()[-1])
    call_id = f"call_{number}"
    arguments = json.dumps({"n": number})
    if streaming:
        opened = {
            "index": 0,
            "id": call_id,
            "type": "function",
            "function": {"name": "double", "arguments": ""},
        }
        rest = {"index": 0, "function": {"arguments": arguments}}
        return _stream(
            [{"role": "assistant", "tool_calls": [opened]}, {"tool_calls": [rest]}],
            "tool_calls",
        )
    call = {
        "id": call_id,
        "type": "function",
        "function": {"name": "double", "arguments": arguments},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return _json({"id": "c1", "model": "m", "choices": [_choice(message, "tool_calls")]})


def _choice(message: dict[str, Any], finish: str) -> dict[str, Any]:
    return {"index": 0, "message": message, "finish_reason": finish}


async def main() -> None:
    served = 0

    def handler(request: Request) -> Plan:
        nonlocal served
        served += 1
        return answer(request)

    async with LoopbackServer(handler) as server:
        server.requests = _Discard()  # the load test's bodies are not kept
        print(server.url.rsplit(":", 1)[1], flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            if line.strip() == "stats":
                stats = {
                    "accepted": server.accepted,
                    "open": server.open,
                    "peak": server.peak,
                    "requests": served,
                }
                print(json.dumps(stats), flush=True)


class _Discard(list):  # type: ignore[type-arg]
    def append(self, item: object) -> None:
        pass


if __name__ == "__main__":
    asyncio.run(main())
