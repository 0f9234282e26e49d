"""Durable runs on a real DBOS engine (SQLite): checkpointed steps, idempotent ids,
status from the database, queues, streaming, and a crash in a subprocess resumed by
another process with no step repeated."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("dbos", reason="durable runs need the dbos extra")

from dbos import DBOS

import fantasy
from fantasy.durable.dbos import DBOSAgent
from fantasy.testing import ScriptedModel
from fantasy.testing.models import tool_call_response

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
