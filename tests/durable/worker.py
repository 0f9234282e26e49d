"""A queue worker for the Postgres test: ``python worker.py URL COUNTERS EXECUTOR_ID``.

Registers the durable agent, joins the shared queue and works until the file
``COUNTERS/stop`` appears (bounded at 240 s). Each model call and tool run appends a
line to ``COUNTERS/<run id>.<what>``; the model is stateless, so a recovered run asks
for the same thing.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from dbos import DBOS

import fantasy
from fantasy.content import TextContent, ToolCallContent
from fantasy.durable.dbos import DBOSAgent
from fantasy.model import BaseLanguageModel, Call
from fantasy.response import Response
from fantasy.testing.models import response_to_parts
from fantasy.usage import FinishReason

URL, COUNTERS, EXECUTOR = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
QUEUE = "fantasy-pg-queue"


def count(run: str, what: str) -> None:
    with (COUNTERS / f"{run}.{what}").open("a") as handle:
        handle.write(EXECUTOR + "\n")


class Model(BaseLanguageModel):
    def __init__(self) -> None:
        super().__init__(provider="test", model_id="pg")

    def _answer(self, call: Call) -> Response:
        user = next(m for m in call.prompt if m.role == "user")
        run = user.content[0].text  # type: ignore[union-attr]
        done = any(m.role == "tool" for m in call.prompt)
        count(run, "model-2" if done else "model-1")
        time.sleep(0.02)
        if done:
            return Response(
                content=(TextContent(text=f"done {run}"),), finish_reason=FinishReason.STOP
            )
        tool = ToolCallContent(tool_call_id="t", tool_name="work", input=f'{{"run": "{run}"}}')
        return Response(content=(tool,), finish_reason=FinishReason.TOOL_CALLS)

    async def generate(self, call: Call) -> Response:
        return self._answer(call)

    async def stream(self, call: Call) -> Any:
        for part in response_to_parts(self._answer(call)):
            yield part


@fantasy.tool
def work(run: str) -> str:
    """Do the run's work."""
    count(run, "tool")
    return f"worked on {run}"


DBOS(config={"name": "fantasy-pg", "system_database_url": URL, "executor_id": EXECUTOR})
agent = DBOSAgent(fantasy.Agent(Model(), tools=[work]), name="pg-runs", queue=QUEUE)


async def main() -> None:
    DBOS.launch()
    await DBOS.register_queue_async(
        QUEUE, worker_concurrency=4, limiter={"limit": 5, "period": 1}, polling_interval_sec=0.1
    )
    (COUNTERS.parent / f"ready-{EXECUTOR}").write_text("ready")  # migrations done, queue known
    deadline = time.monotonic() + 240
    while not (COUNTERS / "stop").exists() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    DBOS.destroy()


asyncio.run(main())
