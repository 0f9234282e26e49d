"""Print an agent's answer as it streams, retries handled: ``python examples/live_stream.py``."""

from __future__ import annotations

import asyncio
import sys

from _model import pick_model

import fantasy
from fantasy.retry import Retry


async def main() -> None:
    agent = fantasy.Agent(pick_model(), system_prompt="You tell short stories.")
    stream = agent.stream("Tell a two-sentence story about a lighthouse.")
    async for event in stream:
        if isinstance(event, fantasy.stream.ReasoningDelta):
            print(f"\x1b[2m{event.delta}\x1b[0m", end="", flush=True)
        elif isinstance(event, fantasy.stream.TextDelta):
            print(event.delta, end="", flush=True)
        elif isinstance(event, Retry):
            # The parts printed since the last attempt started are void: say so.
            print(f"\n[retrying after {type(event.error).__name__}]", file=sys.stderr)
    result = await stream.result()
    print(f"\n({result.total_usage})")


if __name__ == "__main__":
    asyncio.run(main())
