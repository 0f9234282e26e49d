"""A recorded agent run shared by the protocol tests: reasoning, text, a tool call, an answer."""

from __future__ import annotations

from typing import Any

from fantasy import stream
from fantasy.agent import Agent, AgentEvent, AgentResult
from fantasy.messages import user_message
from fantasy.testing.models import ScriptedModel, text_response
from fantasy.usage import FinishReason, Usage

WEATHER_INPUT = '{"location": "Rome"}'


def weather(location: str) -> str:
    """The weather in a place.

    Args:
        location: The place.
    """
    return f"sunny in {location}"


def first_step() -> list[stream.StreamPart]:
    return [
        stream.ResponseMetadata(id="resp_1", model_id="demo-model"),
        stream.ReasoningStart("0"),
        stream.ReasoningDelta("0", "The user wants "),
        stream.ReasoningDelta("0", "the weather."),
        stream.ReasoningEnd("0"),
        stream.TextStart("1"),
        stream.TextDelta("1", "Let me check."),
        stream.TextEnd("1"),
        stream.ToolInputStart("call_1", "weather"),
        stream.ToolInputDelta("call_1", '{"location": '),
        stream.ToolInputDelta("call_1", '"Rome"}'),
        stream.ToolInputEnd("call_1"),
        stream.ToolCall(tool_call_id="call_1", tool_name="weather", input=WEATHER_INPUT),
        stream.Finish(
            finish_reason=FinishReason.TOOL_CALLS,
            usage=Usage.of(input_tokens=10, output_tokens=5),
        ),
    ]


def recorded_agent() -> Agent:
    model = ScriptedModel(
        [
            first_step(),
            text_response("It is **sunny**.", usage=Usage.of(input_tokens=20, output_tokens=4)),
        ],
        model_id="demo-model",
    )
    return Agent(model, tools=[weather])


async def recorded_events() -> tuple[list[AgentEvent], AgentResult]:
    """The events and result of the recorded run."""
    events: list[AgentEvent] = []
    async with recorded_agent().stream(messages=[user_message("Weather in Rome?")]) as run:
        async for event in run:
            events.append(event)
        result = await run.result()
    return events, result


def sse_data(body: str) -> list[Any]:
    """The ``data:`` payloads of a server-sent event stream, JSON-decoded ([DONE] kept)."""
    import json

    out: list[Any] = []
    for block in body.split("\n\n"):
        lines = [line[len("data: ") :] for line in block.split("\n") if line.startswith("data: ")]
        if lines:
            data = "\n".join(lines)
            out.append(data if data == "[DONE]" else json.loads(data))
    return out
