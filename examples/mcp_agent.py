"""An agent whose tools come from an MCP server.

Runs offline by default: the deterministic TestModel drives the repository's test MCP
server (tests/mcp/server.py, started as a subprocess over stdio). Pass a model to use a
real one, e.g. ``python examples/mcp_agent.py openai:gpt-4o`` (with OPENAI_API_KEY set).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from fantasy import Agent, LanguageModel, language_model
from fantasy.mcp import MCPProgress, MCPServerStdio
from fantasy.testing import TestModel

SERVER = Path(__file__).resolve().parents[1] / "tests" / "mcp" / "server.py"


def show_progress(progress: MCPProgress) -> None:
    print(f"  [{progress.tool_name}] {progress.message} ({progress.progress}/{progress.total})")


async def main(model: LanguageModel) -> None:
    server = MCPServerStdio(
        sys.executable,
        [str(SERVER), "stdio"],
        prefix="demo",
        tool_filter={"echo", "weather", "slow"},
        on_progress=show_progress,
        sampling_model=model,
    )
    agent = Agent(model, system_prompt="Use the tools to answer.", tools=[server])
    async with server:  # one connection for the whole conversation
        print("tools:", [tool.name for tool in await server.tools()])
        result = await agent.generate("What is the weather in Florence?")
        for step in result.steps:
            for call in step.tool_calls:
                print(f"called {call.tool_name}({call.input})")
        print("answer:", result.text)


if __name__ == "__main__":
    chosen = language_model(sys.argv[1]) if len(sys.argv) > 1 else TestModel()
    asyncio.run(main(chosen))
