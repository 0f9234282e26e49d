"""Tool approval over both protocols: the pause becomes approval parts, the answers decisions."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

pytest.importorskip("starlette", reason="starlette (extra 'web') is not installed")
pytest.importorskip("ag_ui", reason="the ag-ui-protocol package (extra 'web') is not installed")

from _web_runs import sse_data

import fantasy
from fantasy.messages import ErrorOutput, ToolCallPart
from fantasy.testing.models import ScriptedModel, tool_call_response
from fantasy.web import RequestError, agui, app, vercel

RAN: list[str] = []


@fantasy.tool(needs_approval=True)
def transfer(to: str, amount: int) -> str:
    """Transfer money.

    Args:
        to: Who gets it.
        amount: How much.
    """
    RAN.append(to)
    return f"sent {amount} EUR to {to}"


def agent(*answers: str) -> fantasy.Agent:
    model = ScriptedModel(
        [tool_call_response("transfer", {"to": "Bob", "amount": 500}, tool_call_id="c1"), *answers]
    )
    return fantasy.Agent(model, tools=[transfer])


def client(asgi: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://web.test")


USER = {"id": "u1", "role": "user", "parts": [{"type": "text", "text": "Pay Bob 500 EUR"}]}


def paused_assistant(approved: bool | None, reason: str = "") -> dict[str, Any]:
    """The assistant message useChat holds after the pause (and the person's answer)."""
    part: dict[str, Any] = {
        "type": "tool-transfer",
        "toolCallId": "c1",
        "state": "approval-requested",
        "input": {"to": "Bob", "amount": 500},
        "approval": {"id": "c1"},
    }
    if approved is not None:
        part["state"] = "approval-responded"
        part["approval"] = {"id": "c1", "approved": approved, "reason": reason}
    return {"id": "msg_1", "role": "assistant", "parts": [{"type": "step-start"}, part]}


@pytest.mark.anyio
async def test_vercel_pause_then_approve() -> None:
    RAN.clear()
    shared = agent("Done: sent 500 EUR to Bob.")
    async with client(app(shared)) as http:
        first = sse_data((await http.post("/api/chat", json={"messages": [USER]})).text)
        assert RAN == []  # nothing ran before the approval
        kinds = [c["type"] for c in first[:-1]]
        assert kinds[-4:] == [
            "tool-input-available",
            "tool-approval-request",
            "finish-step",
            "finish",
        ]
        request = next(c for c in first[:-1] if c["type"] == "tool-approval-request")
        assert request == {"type": "tool-approval-request", "approvalId": "c1", "toolCallId": "c1"}
        assert first[-2]["finishReason"] == "tool-calls"

        body = {"messages": [USER, paused_assistant(approved=True)]}
        second = sse_data((await http.post("/api/chat", json=body)).text)
    assert RAN == ["Bob"]
    assert second[0] == {"type": "start"}  # continues the same assistant message
    output = next(c for c in second if c["type"] == "tool-output-available")
    assert output == {
        "type": "tool-output-available",
        "toolCallId": "c1",
        "output": "sent 500 EUR to Bob",
    }
    text = "".join(c["delta"] for c in second[:-1] if c["type"] == "text-delta")
    assert text == "Done: sent 500 EUR to Bob."


@pytest.mark.anyio
async def test_vercel_deny_tells_the_model_why() -> None:
    RAN.clear()
    shared = agent("Okay, I did not send it.")
    async with client(app(shared)) as http:
        await http.post("/api/chat", json={"messages": [USER]})
        body = {"messages": [USER, paused_assistant(approved=False, reason="too much")]}
        second = sse_data((await http.post("/api/chat", json=body)).text)
    assert RAN == []
    assert {"type": "tool-output-denied", "toolCallId": "c1"} in second
    model = shared.model
    assert isinstance(model, ScriptedModel)
    last_prompt = model.calls[-1].prompt
    result = last_prompt[-1].content[0]
    assert getattr(result, "output", None) == ErrorOutput(error="too much")


def test_vercel_request_decisions_and_open_calls() -> None:
    run = vercel.parse_request({"messages": [USER, paused_assistant(approved=True)]})
    assert [d.to_dict() for d in run.decisions] == [fantasy.approve("c1").to_dict()]
    assert run.messages[-1].role == "assistant"  # the paused call stays open
    assert isinstance(run.messages[-1].content[0], ToolCallPart)
    unanswered = vercel.parse_request({"messages": [USER, paused_assistant(approved=None)]})
    assert unanswered.decisions == () and unanswered.messages[-1].role == "assistant"
    # A question asked instead of answering: the stale call gets an error result.
    later = vercel.parse_request({"messages": [USER, paused_assistant(approved=None), USER]})
    assert [m.role for m in later.messages] == ["user", "assistant", "tool", "user"]
    bad = paused_assistant(approved=True)
    bad["parts"][1]["approval"] = {"id": "c1", "approved": "yes"}
    with pytest.raises(RequestError, match=r"approval.approved must be true or false"):
        vercel.parse_request({"messages": [USER, bad]})


AGUI_USER = {"id": "u1", "role": "user", "content": "Pay Bob 500 EUR"}
AGUI_PAUSED = {
    "id": "a1",
    "role": "assistant",
    "toolCalls": [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "transfer", "arguments": json.dumps({"to": "Bob", "amount": 500})},
        }
    ],
}


def agui_input(
    *messages: dict[str, Any], resume: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"threadId": "t", "runId": "r", "messages": list(messages)}
    if resume is not None:
        body["resume"] = resume
    return body


@pytest.mark.anyio
async def test_agui_interrupt_then_resume() -> None:
    RAN.clear()
    shared = agent("Done.")
    async with client(app(shared, protocol="ag-ui")) as http:
        first = sse_data((await http.post("/api/chat", json=agui_input(AGUI_USER))).text)
        finished = first[-1]
        assert finished["type"] == "RUN_FINISHED"
        [interrupt] = finished["outcome"]["interrupts"]
        assert finished["outcome"]["type"] == "interrupt"
        assert interrupt["id"] == "c1" and interrupt["toolCallId"] == "c1"
        assert interrupt["reason"] == "tool_approval"
        assert interrupt["responseSchema"] == agui.APPROVAL_SCHEMA
        assert RAN == []
        resume = [{"interruptId": "c1", "status": "resolved", "payload": {"approved": True}}]
        body = agui_input(AGUI_USER, AGUI_PAUSED, resume=resume)
        second = sse_data((await http.post("/api/chat", json=body)).text)
    assert RAN == ["Bob"]
    result = next(e for e in second if e["type"] == "TOOL_CALL_RESULT")
    assert result["toolCallId"] == "c1" and result["content"] == "sent 500 EUR to Bob"
    assert "outcome" not in second[-1]


@pytest.mark.parametrize(
    ("entry", "decision"),
    [
        ({"status": "resolved", "payload": {"approved": True}}, fantasy.approve("c1")),
        ({"status": "resolved", "payload": True}, fantasy.approve("c1")),
        (
            {"status": "resolved", "payload": {"approved": False, "reason": "no"}},
            fantasy.deny("c1", "no"),
        ),
        ({"status": "cancelled"}, fantasy.deny("c1", "The user cancelled this tool call.")),
        ({"status": "resolved", "payload": {"result": "42"}}, fantasy.supply("c1", "42")),
    ],
)
def test_agui_resume_entries(entry: dict[str, Any], decision: fantasy.ToolDecision) -> None:
    run = agui.parse_run_input(
        agui_input(AGUI_USER, AGUI_PAUSED, resume=[{"interruptId": "c1", **entry}])
    )
    assert run.decisions == (decision,)
    assert run.messages[-1].role == "assistant"  # the paused call stays open


def test_agui_bad_resume_payload() -> None:
    with pytest.raises(RequestError, match="payload must be"):
        agui.parse_run_input(
            agui_input(
                AGUI_USER,
                AGUI_PAUSED,
                resume=[{"interruptId": "c1", "status": "resolved", "payload": 3}],
            )
        )
