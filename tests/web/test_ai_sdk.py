"""The AI SDK itself reads our streams: strict chunk schemas and useChat's message state.

``tests/web/js`` holds a script that parses a UI message stream exactly as the AI SDK's
chat transport does (``parseJsonEventStream`` with ``uiMessageChunkSchema``, then
``readUIMessageStream``). ``.ci/run`` installs its one dependency (``npm install`` there);
the tests skip, saying why, when node or the package is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("starlette", reason="starlette (extra 'web') is not installed")

from _web_runs import recorded_agent

import fantasy
from fantasy._demo_tools import demo_tools
from fantasy.agent import Agent
from fantasy.testing.models import ScriptedModel, TestModel, tool_call_response
from fantasy.web import app, vercel

JS = Path(__file__).parent / "js"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.skipif(
        not (JS / "node_modules" / "ai").is_dir(),
        reason="the AI SDK is not installed (npm install --prefix tests/web/js)",
    ),
]


def node_reader(
    body: str, message: dict[str, Any] | None = None
) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    args = [NODE, str(JS / "read_ui_stream.mjs")]
    if message is not None:
        args.append(json.dumps(message))
    return subprocess.run(args, input=body, capture_output=True, text=True, timeout=60, check=False)


def read_with_ai_sdk(body: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
    completed = node_reader(body, message)
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


async def post(asgi: Any, body: dict[str, Any]) -> str:
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://web.test") as http:
        response = await http.post("/api/chat", json=body)
    assert response.status_code == 200
    return response.text


USER = {"id": "u1", "role": "user", "parts": [{"type": "text", "text": "Weather in Rome?"}]}


@pytest.mark.anyio
async def test_the_ai_sdk_accepts_every_chunk_and_builds_the_message() -> None:
    message = read_with_ai_sdk(await post(app(recorded_agent()), {"messages": [USER]}))
    assert message["role"] == "assistant" and message["id"].startswith("msg_")
    kinds = [part["type"] for part in message["parts"]]
    assert kinds == ["step-start", "reasoning", "text", "tool-weather", "step-start", "text"]
    tool = message["parts"][3]
    assert tool["state"] == "output-available"
    assert tool["input"] == {"location": "Rome"} and tool["output"] == "sunny in Rome"
    assert message["parts"][-1]["text"] == "It is **sunny**."
    assert message["metadata"]["usage"]["totalTokens"] == 39
    # What useChat holds is what it sends back: our parser takes it as history.
    run = vercel.parse_request({"messages": [USER, message, USER]})
    assert [m.role for m in run.messages] == ["user", "assistant", "tool", "assistant", "user"]


@pytest.mark.anyio
async def test_errors_reach_the_sdk_as_errors() -> None:
    model = ScriptedModel([RuntimeError("boom")])
    completed = node_reader(await post(app(Agent(model)), {"messages": [USER]}))
    assert completed.returncode == 1
    assert "internal error (RuntimeError)" in completed.stderr


@pytest.mark.anyio
async def test_demo_tools_stream_through_the_sdk() -> None:
    agent = Agent(TestModel(), tools=demo_tools())
    message = read_with_ai_sdk(await post(app(agent), {"messages": [USER]}))
    tools = [part for part in message["parts"] if part["type"].startswith("tool-")]
    assert [t["type"] for t in tools] == ["tool-weather", "tool-calculator"]
    assert all(t["state"] == "output-available" for t in tools)


@pytest.mark.anyio
async def test_an_approval_round_trip_through_the_sdk() -> None:
    @fantasy.tool(needs_approval=True)
    def transfer(to: str, amount: int) -> str:
        """Transfer money."""
        return f"sent {amount} EUR to {to}"

    model = ScriptedModel(
        [tool_call_response("transfer", {"to": "Bob", "amount": 5}, tool_call_id="c1"), "Sent."]
    )
    chat = app(Agent(model, tools=[transfer]))
    paused = read_with_ai_sdk(await post(chat, {"messages": [USER]}))
    [tool] = [part for part in paused["parts"] if part["type"] == "tool-transfer"]
    assert tool["state"] == "approval-requested" and tool["approval"] == {"id": "c1"}
    # What useChat's addToolApprovalResponse does, then the automatic resend.
    tool["state"] = "approval-responded"
    tool["approval"] = {"id": "c1", "approved": True}
    resumed = read_with_ai_sdk(await post(chat, {"messages": [USER, paused]}), paused)
    assert resumed["id"] == paused["id"]  # the same assistant message, continued
    [tool] = [part for part in resumed["parts"] if part["type"] == "tool-transfer"]
    assert tool["state"] == "output-available" and tool["output"] == "sent 5 EUR to Bob"
    assert resumed["parts"][-1] == {"type": "text", "text": "Sent.", "state": "done"}
