"""An agent with two typed tools: ``python examples/tool_agent.py [provider:model]``."""

from __future__ import annotations

from _model import pick_model

import fantasy


@fantasy.tool
def weather(city: str) -> str:
    """Get the current weather in a city.

    Args:
        city: The city name.
    """
    return f"22 C and sunny in {city}"


@fantasy.tool
def multiply(a: int, b: int) -> str:
    """Multiply two whole numbers."""
    return str(a * b)


def main() -> None:
    agent = fantasy.Agent(
        pick_model(), system_prompt="Answer briefly; use the tools.", tools=[weather, multiply]
    )
    result = agent.generate_sync("What's the weather in Florence, and what is 21 * 2?")
    for step in result.steps:
        for call in step.tool_calls:
            print(f"tool call: {call.tool_name}({call.input})")
    print("answer:", result.text)
    print("usage:", result.total_usage, "| stopped:", result.stop_reason)


if __name__ == "__main__":
    main()
