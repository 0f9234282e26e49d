"""Agent loop overhead: what fantasy adds around the model and the tools.

Runs an agent on a scripted in-process model (no HTTP) for S steps, each step calling
one typed tool, and reports the time per step in ``generate`` and ``stream`` mode, plus
the per-part cost of streaming a long answer through the agent's event stream. The
model and the tool do nothing, so the figures are the loop's own cost: building calls,
validating tool input against the schema, running the tool, building step messages.

    python benchmarks/agent_loop.py [--steps 10 100] [--repeat 5] [--deltas 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import time
from collections.abc import Callable

import fantasy
from fantasy import stream
from fantasy.testing import ScriptedModel
from fantasy.usage import FinishReason, Usage


@fantasy.tool
def lookup(term: str, limit: int = 3) -> str:
    """Look a term up."""
    return f"{term}:{limit}"


def tool_step(index: int) -> list[stream.StreamPart]:
    return [
        stream.ToolCall(f"call_{index}", "lookup", f'{{"term": "t{index}", "limit": 2}}'),
        stream.Finish(FinishReason.TOOL_CALLS, Usage.of(input_tokens=10, output_tokens=5)),
    ]


def final_step(deltas: int) -> list[stream.StreamPart]:
    parts: list[stream.StreamPart] = [stream.TextStart("t")]
    parts += [stream.TextDelta("t", f"w{i} ") for i in range(deltas)]
    parts += [stream.TextEnd("t"), stream.Finish(FinishReason.STOP, Usage.of(output_tokens=1))]
    return parts


def script(steps: int, deltas: int) -> list[list[stream.StreamPart]]:
    return [*(tool_step(i) for i in range(steps - 1)), final_step(deltas)]


async def run(steps: int, deltas: int, streaming: bool) -> int:
    agent = fantasy.Agent(ScriptedModel(script(steps, deltas)), tools=[lookup], max_steps=steps)
    if not streaming:
        result = await agent.generate("go")
        return len(result.steps)
    events = agent.stream("go")
    async for _event in events:
        pass
    return len((await events.result()).steps)


def best(fn: Callable[[], int], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--deltas", type=int, default=10000)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} ({platform.machine()}), best of {args.repeat}\n")
    print("| steps (one tool call each) | generate (µs/step) | stream (µs/step) |")
    print("|---:|---:|---:|")
    for steps in args.steps:
        gen = best(lambda s=steps: asyncio.run(run(s, 1, False)), args.repeat)
        st = best(lambda s=steps: asyncio.run(run(s, 1, True)), args.repeat)
        print(f"| {steps} | {gen / steps * 1e6:.0f} | {st / steps * 1e6:.0f} |")
    total = best(lambda: asyncio.run(run(1, args.deltas, True)), args.repeat)
    print(
        f"\nstreaming a {args.deltas}-delta answer through agent.stream(): "
        f"{total / args.deltas * 1e6:.2f} µs per delta"
    )


if __name__ == "__main__":
    main()
