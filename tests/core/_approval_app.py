"""A small app for the approval tests: every tool run is logged, also across processes.

Run as a script it is the "other process": it reads a paused run's history and the
decisions from a JSON file, resumes the run with a model that has exactly one answer
left, and prints what happened as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import fantasy
from fantasy.agent import Agent, ToolContext
from fantasy.content import ToolCallContent
from fantasy.testing import ScriptedModel

LOG_VARIABLE = "FANTASY_APPROVAL_LOG"


def _log(ctx: ToolContext[Any], what: str) -> None:
    with Path(os.environ[LOG_VARIABLE]).open("a", encoding="utf-8") as log:
        log.write(f"{ctx.tool_call_id} {what} pid={os.getpid()}\n")


@fantasy.tool(parallel=True)
def read_file(path: str, ctx: ToolContext[Any]) -> str:
    """Read a file."""
    _log(ctx, f"read_file {path}")
    return f"contents of {path}"


@fantasy.tool(parallel=True, needs_approval=lambda args: args["amount"] > 100)
def pay(to: str, amount: int, ctx: ToolContext[Any]) -> str:
    """Pay someone."""
    _log(ctx, f"pay {to} {amount}")
    return f"paid {to} {amount}"


@fantasy.tool(parallel=True, needs_approval=True)
def send_email(to: str, ctx: ToolContext[Any]) -> str:
    """Send an email."""
    _log(ctx, f"send_email {to}")
    return f"sent to {to}"


@fantasy.tool(parallel=True, deferred=True)
def render_chart(title: str) -> str:
    """Render a chart in the user's browser."""
    raise AssertionError("a deferred tool never runs in the agent")


TOOLS = [read_file, pay, send_email, render_chart]


def calls_step() -> fantasy.Response:
    """One step asking for five calls: two normal, two needing approval, one deferred."""
    calls = [
        ("c1", "read_file", {"path": "report.txt"}),
        ("c2", "pay", {"to": "bob", "amount": 500}),
        ("c3", "pay", {"to": "ann", "amount": 5}),
        ("c4", "send_email", {"to": "boss@example.com"}),
        ("c5", "render_chart", {"title": "Q3"}),
    ]
    content = tuple(
        ToolCallContent(tool_call_id=i, tool_name=name, input=json.dumps(args))
        for i, name, args in calls
    )
    return fantasy.Response(
        content=content,
        finish_reason=fantasy.FinishReason.TOOL_CALLS,
        usage=fantasy.Usage(input_tokens=10, output_tokens=20, total_tokens=30),
    )


def agent(model: fantasy.LanguageModel) -> Agent:
    return Agent(model, system_prompt="You are a careful assistant.", tools=TOOLS)


def main(state_path: str) -> None:
    state = json.loads(Path(state_path).read_text(encoding="utf-8"))
    history = [fantasy.Message.from_dict(item) for item in state["history"]]
    decisions = [fantasy.ToolDecision.from_dict(item) for item in state["decisions"]]
    model = ScriptedModel(["Paid Bob, no email, chart shown."])
    result = agent(model).generate_sync(messages=history, decisions=decisions)
    print(
        json.dumps(
            {
                "text": result.text,
                "stop_reason": result.stop_reason.value,
                "model_calls": len(model.calls),
                "prompt": [message.to_dict() for message in model.calls[0].prompt],
                "history": [message.to_dict() for message in result.history],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
