"""A durable agent app for the tests: run as ``python app.py DB COUNTERS MODE [ID]``.

The model is stateless (its answer depends only on the prompt, so a recovered run asks
for the same thing), and every model call and tool run appends a line to a counter file
outside the process. Mode ``crash`` makes the second tool kill the process on its first
execution; ``resume`` only launches DBOS (which recovers the pending run) and waits;
``resume-changed`` does the same with the tool ``first`` gone (a diverging replay).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from dbos import DBOS

import fantasy
from fantasy.content import TextContent, ToolCallContent
from fantasy.durable.dbos import DBOSAgent, DurableReplayError
from fantasy.model import BaseLanguageModel, Call
from fantasy.response import Response
from fantasy.testing.models import response_to_parts
from fantasy.usage import FinishReason, Usage

DB, COUNTERS, MODE = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
RUN_ID = sys.argv[4] if len(sys.argv) > 4 else "run-1"


def count(name: str) -> None:
    with (COUNTERS / name).open("a") as handle:
        handle.write("x\n")


class StatelessModel(BaseLanguageModel):
    """Calls ``first``, then ``second``, then answers: decided from the prompt alone."""

    def __init__(self) -> None:
        super().__init__(provider="test", model_id="stateless")

    def _answer(self, call: Call) -> Response:
        results = sum(1 for m in call.prompt if m.role == "tool")
        count(f"model-{results}")
        if results < 2:
            name = ("first", "second")[results]
            content: Any = (
                ToolCallContent(tool_call_id=f"c{results}", tool_name=name, input="{}"),
            )
            reason = FinishReason.TOOL_CALLS
        else:
            content, reason = (TextContent(text="both tools ran"),), FinishReason.STOP
        return Response(
            content=content, finish_reason=reason, usage=Usage.of(input_tokens=3, output_tokens=2)
        )

    async def generate(self, call: Call) -> Response:
        return self._answer(call)

    async def stream(self, call: Call) -> Any:
        for part in response_to_parts(self._answer(call)):
            yield part


@fantasy.tool
def first() -> str:
    """The first tool."""
    count("tool-first")
    return "first done"


@fantasy.tool
def second() -> str:
    """The second tool; kills the process the first time in crash mode."""
    count("tool-second")
    if MODE == "crash" and not (COUNTERS / "crashed").exists():
        (COUNTERS / "crashed").write_text("yes")
        os._exit(17)
    return "second done"


@fantasy.tool(needs_approval=True)
def pay() -> str:
    """Pay the bill (a person approves it first)."""
    count("tool-pay")
    return "paid"


class ApprovalModel(StatelessModel):
    """Calls ``pay`` once, then answers."""

    def _answer(self, call: Call) -> Response:
        results = sum(1 for m in call.prompt if m.role == "tool")
        count(f"model-{results}")
        if results == 0:
            call_part = ToolCallContent(tool_call_id="p0", tool_name="pay", input="{}")
            return Response(content=(call_part,), finish_reason=FinishReason.TOOL_CALLS)
        return Response(
            content=(TextContent(text="the bill is paid"),), finish_reason=FinishReason.STOP
        )


DBOS(config={"name": "fantasy-durable-test", "system_database_url": f"sqlite:///{DB}"})
# ``resume-changed``: the app was redeployed without the tool ``first`` that the recorded
# run called, so the replay diverges from the records.
crash_tools = [second] if MODE == "resume-changed" else [first, second]
durable = DBOSAgent(fantasy.Agent(StatelessModel(), tools=crash_tools), name="crashy")
approvals = DBOSAgent(fantasy.Agent(ApprovalModel(), tools=[pay]), name="approvals")


async def approval(mode: str) -> None:
    if mode == "approve-start":  # start, wait until the run asks, then exit
        await approvals.start("pay the bill", workflow_id=RUN_ID)
        pending = await approvals.pending(RUN_ID)
        print(json.dumps([call.to_dict() for call in pending]))
        return
    # another process: send the decision; the run resumes here (recovered at launch)
    await approvals.decide(RUN_ID, [fantasy.approve("p0")])
    result = await approvals.result(RUN_ID)
    print(json.dumps({"text": result.text, "status": (await approvals.status(RUN_ID)).status}))


async def main() -> None:
    DBOS.launch()
    if MODE.startswith("approve"):
        await approval(MODE)
        DBOS.destroy()
        return
    if MODE == "crash":
        await durable.generate("go", workflow_id=RUN_ID)
    try:
        result = await durable.result(RUN_ID)  # resume: DBOS recovered the run at launch
    except DurableReplayError as error:
        status = (await durable.status(RUN_ID)).status
        print(json.dumps({"error": type(error).__name__, "message": str(error), "status": status}))
        DBOS.destroy()
        return
    print(json.dumps({"text": result.text, "status": (await durable.status(RUN_ID)).status}))
    DBOS.destroy()


asyncio.run(main())
