"""Durable runs on a real DBOS engine (SQLite): checkpointed steps, idempotent ids,
status from the database, queues, streaming, a crash in a subprocess resumed by
another process with no step repeated, cancellation mid-stream and mid-tool (then
resume and fork), and replays that diverge from their records (a typed error)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dbos", reason="durable runs need the dbos extra")

import anyio
from dbos import DBOS
from dbos import error as dbos_error

import fantasy
from fantasy import stream
from fantasy.durable.dbos import DBOSAgent, DurableReplayError
from fantasy.model import BaseLanguageModel, Call
from fantasy.response import Response
from fantasy.testing import ScriptedModel
from fantasy.testing.models import tool_call_response
from fantasy.usage import FinishReason, Usage

# Runs start worker processes (each bounded at 120 s): more than the default 60 s per test.
pytestmark = [pytest.mark.anyio, pytest.mark.timeout(300)]
APP = Path(__file__).with_name("app.py")


@pytest.fixture
def dbos(tmp_path: Path) -> Iterator[Path]:
    db = tmp_path / "runs.sqlite"
    DBOS(config={"name": "fantasy-test", "system_database_url": f"sqlite:///{db}"})
    yield db
    DBOS.destroy(destroy_registry=True)


calls: list[str] = []


@fantasy.tool
def weather(city: str) -> str:
    """Weather in a city."""
    calls.append(city)
    return f"sunny in {city}"


def scripted(*items: Any) -> ScriptedModel:
    return ScriptedModel(list(items))


async def test_a_run_is_a_workflow_of_checkpointed_steps(dbos: Path) -> None:
    calls.clear()
    model = scripted(tool_call_response("weather", {"city": "Rome"}), "It is sunny.")
    durable = DBOSAgent(fantasy.Agent(model, tools=[weather]), name="weather")
    DBOS.launch()
    result = await durable.generate("Weather in Rome?", workflow_id="w1")
    assert result.text == "It is sunny." and calls == ["Rome"]
    steps = await DBOS.list_workflow_steps_async("w1")
    assert [s["function_name"] for s in steps] == [
        "fantasy.model.0",
        "fantasy.tool.weather",
        "fantasy.model.1",
    ]
    assert (await durable.status("w1")).status == "SUCCESS"
    again = await durable.generate("Weather in Rome?", workflow_id="w1")  # idempotent
    assert again.text == "It is sunny." and calls == ["Rome"] and len(model.calls) == 2


async def test_queue_runs_every_run_once(dbos: Path) -> None:
    model = ScriptedModel([f"answer {i}" for i in range(6)])
    durable = DBOSAgent(fantasy.Agent(model), name="queued", queue="fantasy-test-queue")
    DBOS.launch()
    await DBOS.register_queue_async(
        "fantasy-test-queue",
        concurrency=2,
        limiter={"limit": 50, "period": 1},
        polling_interval_sec=0.1,
    )
    ids = [await durable.enqueue(f"q{i}", workflow_id=f"q{i}") for i in range(6)]
    texts = sorted([(await durable.result(run_id)).text for run_id in ids])
    assert texts == sorted(f"answer {i}" for i in range(6))
    assert len(model.calls) == 6


async def test_stream_yields_deltas_then_the_result(dbos: Path) -> None:
    durable = DBOSAgent(fantasy.Agent(scripted("streamed words here")), name="streamer")
    DBOS.launch()
    deltas = [item["delta"] async for item in durable.stream("go", workflow_id="s1")]
    assert "".join(deltas) == "streamed words here"
    assert (await durable.result("s1")).text == "streamed words here"


async def test_failed_run_status_and_bad_names(dbos: Path) -> None:
    from fantasy.errors import InvalidArgumentError, ProviderError
    from fantasy.retry import RetryPolicy

    model = scripted(ProviderError("denied", status_code=401))
    durable = DBOSAgent(fantasy.Agent(model, retry=RetryPolicy(max_retries=0)), name="failing")
    DBOS.launch()
    with pytest.raises(ProviderError):
        await durable.generate("x", workflow_id="f1")
    status = await durable.status("f1")
    assert status.status == "ERROR" and "denied" in status.error
    with pytest.raises(InvalidArgumentError):
        await durable.status("nope")
    with pytest.raises(InvalidArgumentError):
        DBOSAgent(fantasy.Agent(model), name="bad name!")


def run_app(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(APP), *args], capture_output=True, text=True, timeout=120, check=False
    )


def counts(folder: Path) -> dict[str, int]:
    return {
        p.name: len(p.read_text().splitlines()) for p in folder.iterdir() if p.name != "crashed"
    }


def test_crash_and_resume_in_another_process(tmp_path: Path) -> None:
    db, counters = tmp_path / "crash.sqlite", tmp_path / "counters"
    counters.mkdir()
    crashed = run_app(str(db), str(counters), "crash")
    assert crashed.returncode == 17, crashed.stderr[-2000:]
    assert counts(counters) == {"model-0": 1, "tool-first": 1, "model-1": 1, "tool-second": 1}
    resumed = run_app(str(db), str(counters), "resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert json.loads(resumed.stdout.splitlines()[-1]) == {
        "text": "both tools ran",
        "status": "SUCCESS",
    }
    # Each finished model call and the first tool ran once; the killed tool twice at most.
    assert counts(counters) == {
        "model-0": 1,
        "tool-first": 1,
        "model-1": 1,
        "tool-second": 2,
        "model-2": 1,
    }


def test_approval_wait_across_processes(tmp_path: Path) -> None:
    db, counters = tmp_path / "approve.sqlite", tmp_path / "counters"
    counters.mkdir()
    started = run_app(str(db), str(counters), "approve-start", "pay-1")
    assert started.returncode == 0, started.stderr[-2000:]
    (pending,) = json.loads(started.stdout.splitlines()[-1])
    assert pending["tool_name"] == "pay" and pending["kind"] == "approval"
    assert counts(counters) == {"model-0": 1}  # paused: the tool has not run
    decided = run_app(str(db), str(counters), "approve-decide", "pay-1")
    assert decided.returncode == 0, decided.stderr[-2000:]
    final = json.loads(decided.stdout.splitlines()[-1])
    assert final == {"text": "the bill is paid", "status": "SUCCESS"}
    assert counts(counters) == {"model-0": 1, "tool-pay": 1, "model-1": 1}


def test_a_replay_that_diverges_after_a_redeploy_is_a_typed_error(tmp_path: Path) -> None:
    db, counters = tmp_path / "changed.sqlite", tmp_path / "counters"
    counters.mkdir()
    crashed = run_app(str(db), str(counters), "crash")
    assert crashed.returncode == 17, crashed.stderr[-2000:]
    resumed = run_app(str(db), str(counters), "resume-changed")  # the tool `first` is gone
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    outcome = json.loads(resumed.stdout.splitlines()[-1])
    assert outcome["error"] == "DurableReplayError" and outcome["status"] == "ERROR"
    assert "fantasy.tool.first was recorded when fantasy.model.1 was expected" in outcome["message"]
    # Nothing ran past the divergence: no tool again, no new model call.
    assert counts(counters) == {"model-0": 1, "tool-first": 1, "model-1": 1, "tool-second": 1}


# --- cancellation and diverging replays, in this process ---------------------------------


class Blocking(BaseLanguageModel):
    """Streams two words, then waits (until cancelled) before calling ``act``; then answers.

    ``block = False`` makes the first call stream through without waiting.
    """

    def __init__(self) -> None:
        super().__init__(provider="test", model_id="blocking")
        self.block = True
        self.calls = 0
        self.closed = asyncio.Event()
        self.release = asyncio.Event()  # never set: only a cancellation ends the wait

    async def generate(self, call: Call) -> Response:
        accumulator = stream.StreamAccumulator()
        async for part in self.stream(call):
            accumulator.add(part)
        return accumulator.response()

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        self.calls += 1
        try:
            if any(message.role == "tool" for message in call.prompt):
                yield stream.TextStart("t")
                yield stream.TextDelta("t", "done")
                yield stream.TextEnd("t")
                yield stream.Finish(finish_reason=FinishReason.STOP, usage=Usage())
                return
            yield stream.TextStart("t")
            for word in ("one ", "two "):
                yield stream.TextDelta("t", word)
            if self.block:
                await asyncio.wait_for(self.release.wait(), BOUND)
            yield stream.TextEnd("t")
            yield stream.ToolCall(tool_call_id="a1", tool_name="act", input="{}")
            yield stream.Finish(finish_reason=FinishReason.TOOL_CALLS, usage=Usage())
        finally:
            self.closed.set()


BOUND = 60.0  # seconds; a cancellation arrives within DBOS's poll interval (1 s)
acted: list[str] = []


@fantasy.tool
def act() -> str:
    """Do something with a side effect."""
    acted.append("act")
    return "acted"


async def test_cancel_mid_stream_stops_the_model_and_runs_no_tool(dbos: Path) -> None:
    acted.clear()
    model = Blocking()
    durable = DBOSAgent(fantasy.Agent(model, tools=[act]), name="cancelled")
    DBOS.launch()
    with anyio.fail_after(BOUND):
        deltas = []
        async for item in durable.stream("go", workflow_id="c1"):
            deltas.append(item["delta"])
            if len(deltas) == 1:
                await DBOS.cancel_workflow_async("c1")
        # The stream ends with the run; the model stream was closed while it waited.
        await model.closed.wait()
        assert (await durable.status("c1")).status == "CANCELLED"
        with pytest.raises(dbos_error.DBOSAwaitedWorkflowCancelledError):
            await durable.result("c1")
        steps = await DBOS.list_workflow_steps_async("c1")
        assert [s["function_name"] for s in steps if "fantasy" in s["function_name"]] == []
    assert acted == [] and model.calls == 1 and deltas[0] == "one "

    # Resuming runs the run again from its last completed step (here: the start).
    model.block = False
    with anyio.fail_after(BOUND):
        await DBOS.resume_workflow_async("c1")
        assert (await durable.result("c1")).text.endswith("done")
        assert (await durable.status("c1")).status == "SUCCESS"
    assert acted == ["act"] and model.calls == 3  # the cancelled call was made again

    # A fork from the tool's step reuses the recorded model call before it.
    steps = await DBOS.list_workflow_steps_async("c1")
    tool_step = next(s["function_id"] for s in steps if s["function_name"] == "fantasy.tool.act")
    with anyio.fail_after(BOUND):
        fork = await DBOS.fork_workflow_async("c1", tool_step)
        assert (await durable.result(fork.get_workflow_id())).text.endswith("done")
    assert acted == ["act", "act"] and model.calls == 4  # the tool and the last call only


async def test_cancel_during_a_tool_cancels_it_and_makes_no_model_call(dbos: Path) -> None:
    started, exited = asyncio.Event(), asyncio.Event()
    cancelled: list[bool] = []

    @fantasy.tool
    async def act() -> str:
        """A slow tool."""
        started.set()
        try:
            await asyncio.wait_for(asyncio.Event().wait(), BOUND)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        finally:
            exited.set()
        return "acted"

    model = Blocking()
    model.block = False
    durable = DBOSAgent(fantasy.Agent(model, tools=[act]), name="cancel-tool")
    DBOS.launch()
    with anyio.fail_after(BOUND):
        await durable.start("go", workflow_id="t1")
        await started.wait()
        await DBOS.cancel_workflow_async("t1")
        await exited.wait()
        assert cancelled == [True]
        assert (await durable.status("t1")).status == "CANCELLED"
        with pytest.raises(dbos_error.DBOSAwaitedWorkflowCancelledError):
            await durable.result("t1")
    await asyncio.sleep(0.2)  # the workflow does not go on to the next model call
    assert model.calls == 1
    steps = [s["function_name"] for s in await DBOS.list_workflow_steps_async("t1")]
    assert steps == ["fantasy.model.0"]  # the cancelled tool was not checkpointed


@fantasy.tool
def first() -> str:
    """A tool a later version of the app no longer has."""
    acted.append("first")
    return "ok"


@fantasy.tool
def other() -> str:
    """A tool of the later version."""
    acted.append("other")
    return "ok"


@pytest.mark.parametrize(
    ("before", "after", "recorded", "expected"),
    [
        # The tool step is gone: the model seam meets the recorded tool step.
        ([first], [other], "fantasy.tool.first", "fantasy.model.1"),
        # A tool step appears: the tool seam meets the recorded model step (the error
        # must fail the run, not go to the model as the tool's error).
        ([other], [first], "fantasy.model.1", "fantasy.tool.first"),
    ],
)
async def test_a_diverging_replay_fails_the_run_with_a_typed_error(
    dbos: Path, before: list[Any], after: list[Any], recorded: str, expected: str
) -> None:
    acted.clear()
    model = scripted(tool_call_response("first", {}), "ok")
    durable = DBOSAgent(fantasy.Agent(model, tools=before), name="d")
    DBOS.launch()
    assert (await durable.generate("go", workflow_id="d1")).text == "ok"
    ran_before = list(acted)
    recorded_steps = await DBOS.list_workflow_steps_async("d1")
    # The app is redeployed with other tools; the run is replayed from its records.
    DBOS.destroy(destroy_registry=True)
    DBOS(config={"name": "fantasy-test", "system_database_url": f"sqlite:///{dbos}"})
    model = scripted("never asked")
    changed = DBOSAgent(fantasy.Agent(model, tools=after), name="d")
    DBOS.launch()
    beyond = max(step["function_id"] for step in recorded_steps) + 1
    with anyio.fail_after(BOUND):
        fork = await DBOS.fork_workflow_async("d1", beyond)  # replays every recorded step
        with pytest.raises(DurableReplayError, match=f"{recorded} was recorded when {expected}"):
            await changed.result(fork.get_workflow_id())
        status = await changed.status(fork.get_workflow_id())
    assert status.status == "ERROR" and "DurableReplayError" not in status.error
    assert "no longer matches its recorded steps" in status.error
    assert model.calls == [] and acted == ran_before  # nothing ran past the divergence
