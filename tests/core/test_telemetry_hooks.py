"""The loop's tracing seams: what a tracer is told (run, each model call attempt,
retries, each tool execution, the end), identical in generate and stream mode."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from _fakes import calls_response, weather_tool

from fantasy._telemetry import set_global_tracer
from fantasy.agent import Agent
from fantasy.errors import ProviderError
from fantasy.retry import RetryPolicy
from fantasy.testing import ScriptedModel

pytestmark = pytest.mark.anyio

NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0, jitter=False)


class Recorder:
    def __init__(self) -> None:
        self.log: list[str] = []

    def agent_run(self, run: Any) -> Recorder:
        self.log.append("run")
        return self

    def model_call(self, model: Any, call: Any, *, streaming: bool) -> Recorder.Call:
        self.log.append(f"call:{'stream' if streaming else 'generate'}")
        return Recorder.Call(self.log)

    @contextlib.contextmanager
    def tool_call(self, call: Any) -> Iterator[Recorder]:
        self.log.append(f"tool:{call.tool_name}")
        yield self
        self.log.append("tool-end")

    def ended(self, response: Any) -> None:
        self.log.append(f"tool-result:{response.text}")

    def retry(self, retry: Any) -> None:
        self.log.append("retry")

    def finish(self, result: Any, error: BaseException | None) -> None:
        outcome = "error" if error else ("result" if result is not None else "closed")
        self.log.append(f"end:{outcome}")

    class Call:
        def __init__(self, log: list[str]) -> None:
            self.log = log

        def finish(self, response: Any, error: BaseException | None) -> None:
            self.log.append(f"call-end:{type(error).__name__ if error else 'ok'}")


def model() -> ScriptedModel:
    return ScriptedModel(
        [
            ProviderError("busy", status_code=503),
            calls_response(("weather", '{"location": "Rome"}', "c1")),
            "It is 40 C.",
        ]
    )


@pytest.mark.parametrize("streaming", [False, True])
async def test_tracer_sees_every_call_retry_and_tool(streaming: bool) -> None:
    recorder = Recorder()
    agent = Agent(model(), tools=[weather_tool()], retry=NO_WAIT)
    agent.tracer = recorder
    if streaming:
        stream = agent.stream("weather?")
        async for _ in stream:
            pass
        result = await stream.result()
    else:
        result = await agent.generate("weather?")
    assert result.text == "It is 40 C."
    mode = "stream" if streaming else "generate"
    assert recorder.log == [
        "run",
        f"call:{mode}",
        "call-end:ProviderError",
        "retry",
        f"call:{mode}",
        "call-end:ok",
        "tool:weather",
        "tool-result:40 C",
        "tool-end",
        f"call:{mode}",
        "call-end:ok",
        "end:result",
    ]


async def test_global_tracer_and_a_failed_run() -> None:
    recorder = Recorder()
    set_global_tracer(recorder)
    try:
        agent = Agent(ScriptedModel([ProviderError("bad", status_code=400)]))
        with pytest.raises(ProviderError):
            await agent.generate("hi")
    finally:
        set_global_tracer(None)
    assert recorder.log == ["run", "call:generate", "call-end:ProviderError", "end:error"]
    await Agent(ScriptedModel(["x"])).generate("untraced")  # no tracer: nothing recorded
    assert len(recorder.log) == 4


async def test_a_stream_closed_early_ends_the_call_and_the_run() -> None:
    recorder = Recorder()
    agent = Agent(ScriptedModel(["a long answer in many words"]))
    agent.tracer = recorder
    stream = agent.stream("hi")
    async for event in stream:
        if getattr(event, "type", "") == "text-delta":
            break
    await stream.aclose()
    assert recorder.log[0:2] == ["run", "call:stream"]
    assert recorder.log[-2:] == ["call-end:GeneratorExit", "end:closed"]
