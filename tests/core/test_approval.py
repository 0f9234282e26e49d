"""Tool approval and deferred tools: pause, serialise, resume (here and in another process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pydantic
import pytest

import fantasy
from fantasy import stream
from fantasy.agent import AgentResult, StopReason, ToolContext
from fantasy.approval import (
    DEFAULT_DENIAL,
    CallDeferred,
    PendingToolCall,
    ToolDecision,
    approve,
    deny,
    supply,
)
from fantasy.errors import InvalidArgumentError
from fantasy.messages import ErrorOutput, MediaOutput, Message, TextOutput, ToolResultPart
from fantasy.testing import ScriptedModel, tool_call_response

sys.path.insert(0, str(Path(__file__).parent))
import _approval_app as app

APP = Path(__file__).parent / "_approval_app.py"


@pytest.fixture(autouse=True)
def tool_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "tools.log"
    log.touch()
    monkeypatch.setenv(app.LOG_VARIABLE, str(log))
    return log


def ran(log: Path) -> list[str]:
    """The call ids of every tool run so far, sorted (parallel tools finish in any order)."""
    return sorted(line.split()[0] for line in log.read_text().splitlines())


def saved(messages: Sequence[Message]) -> list[Message]:
    """A JSON round trip of a history, as between two requests of a web app."""
    return [
        Message.from_dict(item) for item in json.loads(json.dumps([m.to_dict() for m in messages]))
    ]


def tool_results(message: Message) -> dict[str, Any]:
    return {
        part.tool_call_id: part.output
        for part in message.content
        if isinstance(part, ToolResultPart)
    }


# The same scenario through each entry point: generate, stream and their sync twins.
Runner = Callable[..., AgentResult[Any]]


def via_generate(agent: fantasy.Agent, **kwargs: Any) -> AgentResult[Any]:
    return agent.generate_sync(**kwargs)


def via_stream_sync(agent: fantasy.Agent, **kwargs: Any) -> AgentResult[Any]:
    with agent.stream_sync(**kwargs) as events:
        for _ in events:
            pass
        return events.result()


def via_async_generate(agent: fantasy.Agent, **kwargs: Any) -> AgentResult[Any]:
    return fantasy._sync.run_sync(agent.generate(**kwargs))


def via_async_stream(agent: fantasy.Agent, **kwargs: Any) -> AgentResult[Any]:
    async def run() -> AgentResult[Any]:
        async with agent.stream(**kwargs) as events:
            return await events.result()

    return fantasy._sync.run_sync(run())


RUNNERS = [via_generate, via_stream_sync, via_async_generate, via_async_stream]


@pytest.mark.parametrize("run", RUNNERS)
def test_pause_then_resume_mixed_parallel_calls(run: Runner, tool_log: Path) -> None:
    first = ScriptedModel([app.calls_step()])
    paused = run(app.agent(first), prompt="Do the quarterly chores.")
    assert paused.stop_reason is StopReason.TOOLS_PENDING
    assert paused.pending == (
        PendingToolCall(tool_call_id="c2", tool_name="pay", arguments={"to": "bob", "amount": 500}),
        PendingToolCall(
            tool_call_id="c4", tool_name="send_email", arguments={"to": "boss@example.com"}
        ),
        PendingToolCall(
            tool_call_id="c5", tool_name="render_chart", arguments={"title": "Q3"}, kind="deferred"
        ),
    )
    assert ran(tool_log) == ["c1", "c3"]  # only the normal calls ran
    assert paused.steps[0].usage.total_tokens == 30
    history = saved(paused.history)
    assert set(tool_results(history[-1])) == {"c1", "c3"}

    second = ScriptedModel(["All done."])
    decisions = [approve("c2"), deny("c4", "No emails today."), supply("c5", "chart shown")]
    result = run(app.agent(second), messages=history, decisions=decisions)
    assert result.stop_reason is StopReason.FINISHED and result.text == "All done."
    assert ran(tool_log) == ["c1", "c2", "c3"]  # nothing ran twice, the denied one never
    assert len(second.calls) == 1  # no model call for the paused step
    prompt = second.calls[0].prompt
    results = tool_results(prompt[-1])
    assert list(results) == ["c1", "c2", "c3", "c4", "c5"]  # one tool message, call order
    assert results["c2"] == TextOutput(text="paid bob 500")
    assert results["c4"] == ErrorOutput(error="No emails today.")
    assert results["c5"] == TextOutput(text="chart shown")
    assert [m.role for m in prompt] == ["system", "user", "assistant", "tool"]
    assert prompt[2] == history[1]  # the paused assistant message, byte for byte
    assert result.steps[0].usage == fantasy.Usage()  # counted by the run that paused
    assert [m.role for m in result.history] == ["user", "assistant", "tool", "assistant"]


def test_stream_announces_pending_calls_and_does_not_repeat_known_results() -> None:
    model = ScriptedModel([app.calls_step()])
    with app.agent(model).stream_sync("Go") as events:
        seen = list(events)
        paused = events.result()
    announced = [e for e in seen if isinstance(e, PendingToolCall)]
    assert announced == list(paused.pending)
    assert [e.tool_call_id for e in seen if isinstance(e, stream.ToolResult)] == ["c1", "c3"]
    decisions = [approve("c2"), deny("c4"), supply("c5", "ok")]
    with app.agent(ScriptedModel(["Done."])).stream_sync(
        messages=paused.history, decisions=decisions
    ) as events:
        again = list(events)
    results = [e.tool_call_id for e in again if isinstance(e, stream.ToolResult)]
    assert results == ["c2", "c4", "c5"]  # c1 and c3 were reported by the first run
    first_result = next(i for i, e in enumerate(again) if isinstance(e, stream.ToolResult))
    replayed = [type(e).__name__ for e in again[:first_result]]
    assert replayed == ["StepStart"]  # no model parts: the paused answer is not re-streamed


def test_partial_decisions_keep_the_run_paused_without_a_model_call(tool_log: Path) -> None:
    paused = app.agent(ScriptedModel([app.calls_step()])).generate_sync("Go")
    idle = ScriptedModel([])
    still = app.agent(idle).generate_sync(messages=paused.history, decisions=[approve("c2")])
    assert idle.calls == []
    assert still.stop_reason is StopReason.TOOLS_PENDING
    assert [p.tool_call_id for p in still.pending] == ["c4", "c5"]
    assert ran(tool_log) == ["c1", "c2", "c3"]
    model = ScriptedModel(["Done."])
    done = app.agent(model).generate_sync(
        messages=saved(still.history), decisions=[deny("c4"), supply("c5", "ok")]
    )
    assert done.text == "Done." and ran(tool_log) == ["c1", "c2", "c3"]
    results = tool_results(model.calls[0].prompt[-1])
    assert list(results) == ["c1", "c2", "c3", "c4", "c5"]
    assert results["c4"] == ErrorOutput(error=DEFAULT_DENIAL)


def test_a_tool_may_defer_itself_while_running() -> None:
    queued: list[str] = []

    @fantasy.tool
    def transcode(video: str, ctx: ToolContext[Any]) -> str:
        """Transcode a video (a long job)."""
        queued.append(ctx.tool_call_id)
        raise CallDeferred

    model = ScriptedModel([tool_call_response("transcode", {"video": "a.mp4"}), "Ready."])
    agent = fantasy.Agent(model, tools=[transcode])
    paused = agent.generate_sync("Transcode a.mp4")
    assert paused.pending[0].kind == "deferred" and queued == ["call_1"]
    done = agent.generate_sync(messages=paused.history, decisions=[supply("call_1", {"ok": 1})])
    assert done.text == "Ready." and queued == ["call_1"]
    assert tool_results(model.calls[1].prompt[-1])["call_1"] == TextOutput(text='{"ok":1}')


def test_async_predicate_and_approval_of_everything() -> None:
    async def big(args: dict[str, Any]) -> bool:
        return bool(args["n"] > 1)

    @fantasy.tool(needs_approval=big)
    def count(n: int) -> str:
        """Count."""
        return str(n)

    model = ScriptedModel([tool_call_response("count", {"n": 1}), "small"])
    assert fantasy.Agent(model, tools=[count]).generate_sync("1").text == "small"
    model = ScriptedModel([tool_call_response("count", {"n": 2}), "big"])
    paused = fantasy.Agent(model, tools=[count]).generate_sync("2")
    assert paused.pending[0].arguments == {"n": 2}


def test_invalid_calls_are_answered_not_pending() -> None:
    model = ScriptedModel([tool_call_response("send_email", {"wrong": 1}), "Sorry."])
    result = app.agent(model).generate_sync("Mail")
    assert result.stop_reason is StopReason.FINISHED
    assert isinstance(result.steps[0].tool_results[0].result, ErrorOutput)


def test_resume_errors() -> None:
    paused = app.agent(ScriptedModel([app.calls_step()])).generate_sync("Go")
    agent = app.agent(ScriptedModel(["never"]))
    cases: list[tuple[list[ToolDecision], str]] = [
        ([approve("nope")], "is not pending"),
        ([approve("c1")], "already has a result"),
        ([approve("c5")], "deferred"),
        ([approve("c2"), deny("c2")], "two decisions"),
    ]
    for decisions, message in cases:
        with pytest.raises(InvalidArgumentError, match=message):
            agent.generate_sync(messages=paused.history, decisions=decisions)
    with pytest.raises(InvalidArgumentError, match="no new prompt"):
        agent.generate_sync("And now?", messages=paused.history)
    done = fantasy.Agent(ScriptedModel(["hi"])).generate_sync("Hi")
    with pytest.raises(InvalidArgumentError, match="no pending tool calls"):
        agent.generate_sync(messages=done.history, decisions=[approve("c1")])


def test_typed_output_waits_for_the_resumed_run() -> None:
    class Receipt(pydantic.BaseModel):
        total: int

    @fantasy.tool(needs_approval=True)
    def charge(amount: int) -> str:
        """Charge the card."""
        return "charged"

    first = ScriptedModel([tool_call_response("charge", {"amount": 3})])
    agent = fantasy.Agent(first, tools=[charge], output_type=Receipt)
    paused = agent.generate_sync("Charge 3")
    assert paused.stop_reason is StopReason.TOOLS_PENDING
    second = ScriptedModel([tool_call_response("Receipt", {"total": 3}, tool_call_id="out")])
    agent = fantasy.Agent(second, tools=[charge], output_type=Receipt)
    done = agent.generate_sync(messages=paused.history, decisions=[approve("call_1")])
    assert done.output == Receipt(total=3)


def test_values_are_plain_json() -> None:
    pending = PendingToolCall(
        tool_call_id="c", tool_name="t", arguments={"a": [1]}, kind="deferred"
    )
    assert pending.to_dict() == {
        "type": "pending-tool-call",
        "tool_call_id": "c",
        "tool_name": "t",
        "arguments": {"a": [1]},
        "kind": "deferred",
    }
    assert PendingToolCall.from_dict(json.loads(json.dumps(pending.to_dict()))) == pending
    media = supply("c", MediaOutput(data=b"\x89PNG", media_type="image/png"))
    decisions = [approve("a"), deny("b", "no"), supply("c", "text"), media]
    for decision in decisions:
        data = json.loads(json.dumps(decision.to_dict()))
        assert ToolDecision.from_dict(data) == decision
    assert deny("b", "no").to_dict() == {
        "type": "tool-decision",
        "tool_call_id": "b",
        "decision": "deny",
        "message": "no",
        "result": None,
    }
    with pytest.raises(InvalidArgumentError):
        ToolDecision(tool_call_id="x", decision="maybe")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        ToolDecision(tool_call_id="x", decision="result")
    paused = app.agent(ScriptedModel([app.calls_step()])).generate_sync("Go")
    again = AgentResult.from_dict(json.loads(json.dumps(paused.to_dict())))
    assert again.pending == paused.pending and again.history == paused.history


def test_resume_in_a_fresh_process_runs_nothing_twice(tmp_path: Path, tool_log: Path) -> None:
    paused = app.agent(ScriptedModel([app.calls_step()])).generate_sync("Do the chores.")
    assert ran(tool_log) == ["c1", "c3"]
    state = tmp_path / "paused.json"
    decisions = [approve("c2"), deny("c4", "No emails."), supply("c5", "chart shown")]
    state.write_text(
        json.dumps(
            {
                "history": [message.to_dict() for message in paused.history],
                "decisions": [decision.to_dict() for decision in decisions],
            }
        )
    )
    completed = subprocess.run(
        [sys.executable, str(APP), str(state)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, app.LOG_VARIABLE: str(tool_log)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.splitlines()[-1])
    assert report["text"] == "Paid Bob, no email, chart shown."
    assert report["model_calls"] == 1  # the paused step's answer came from the history
    lines = tool_log.read_text().splitlines()
    assert sorted(line.split()[0] for line in lines) == ["c1", "c2", "c3"]  # each tool once
    pids = {line.split()[0]: line.split()[-1] for line in lines}
    assert pids["c2"] != pids["c1"] == f"pid={os.getpid()}"  # c2 ran in the other process
    prompt = [Message.from_dict(item) for item in report["prompt"]]
    assert list(tool_results(prompt[-1])) == ["c1", "c2", "c3", "c4", "c5"]
    assert tool_results(prompt[-1])["c4"] == ErrorOutput(error="No emails.")
