"""A user's application, as a new user writes it: type-checked by the typing tests.

tests/typecheck/test_user_typing.py runs ``mypy --strict`` and pyright on this file (it
must be clean, ``assert_type`` lines included) and runs :func:`main` offline.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from typing import assert_type

import pydantic

import fantasy
from fantasy import Agent, AgentResult, LanguageModel, PrepareStepContext, tool
from fantasy.events import AgentEvent, Retry, StepFinish, TextDelta
from fantasy.object import ObjectCall, ObjectResponse, generate_object
from fantasy.testing import ScriptedModel, TestModel


class City(pydantic.BaseModel):
    """A city."""

    name: str
    population: int


@dataclasses.dataclass
class Point:
    """A point."""

    x: float
    y: float


@tool
def weather(city: str, unit: str = "celsius") -> str:
    """Current weather in a city."""
    return f"sunny in {city}, 21 degrees {unit}"


@tool(name="add_numbers", parallel=True)
async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def pick_model() -> fantasy.LanguageModel:
    return TestModel()


def prepare(context: PrepareStepContext) -> fantasy.PrepareStepResult | None:
    if context.step_number > 3:
        return fantasy.PrepareStepResult(tool_choice="none")
    return None


def last_text(result: AgentResult) -> str:
    return result.text


def describe(usage: fantasy.Usage, warnings: Sequence[fantasy.CallWarning]) -> str:
    return f"{usage} ({len(warnings)} warnings)"


async def structured(model: LanguageModel) -> None:
    prompt = [fantasy.user_message("Invent a city.")]
    city = await model.generate_object(ObjectCall(prompt=prompt, schema=City))
    assert_type(city, ObjectResponse[City])
    assert_type(city.object, City)
    cities = await generate_object(model, ObjectCall(prompt=prompt, schema=list[City]))
    assert_type(cities.object, list[City])
    point = await model.generate_object(ObjectCall(prompt=prompt, schema=Point))
    assert_type(point.object.x, float)
    raw = await model.generate_object(ObjectCall(prompt=prompt, schema={"type": "object"}))
    print(city.object.name, len(cities.object), point.object, raw.object)

    streamed = model.stream_object(ObjectCall(prompt=prompt, schema=City))
    async for partial in streamed.partial_objects():
        print("partial:", partial)
    final = await streamed.result()
    assert_type(final.object, City)


async def run_agent(model: LanguageModel) -> AgentResult:
    agent = Agent(
        model,
        system_prompt="You are terse.",
        tools=[weather, add],
        prepare_step=prepare,
        retry=fantasy.RetryPolicy(max_retries=1, initial_delay=0),
    )
    result = await agent.generate("What is the weather in Rome?")
    async with agent.stream("And 2 + 3?", messages=result.history) as events:
        async for event in events:
            show(event)
        streamed = await events.result()
    print(describe(streamed.total_usage, streamed.response.warnings))
    return streamed


def show(event: AgentEvent) -> None:
    if isinstance(event, TextDelta):
        print(event.delta, end="")
    elif isinstance(event, Retry):
        print(f"\n[retry {event.attempt}: {event.discarded} parts void]")
    elif isinstance(event, StepFinish):
        print(f"\n[step {event.step_number} done: {event.step.finish_reason}]")


async def typed_output(model: LanguageModel) -> City:
    agent = Agent(model, output_type=City)
    result = await agent.generate("Invent a city.")
    assert_type(result.output, City)
    return result.output


async def errors() -> None:
    model = ScriptedModel([fantasy.RateLimitError("slow down", status_code=429)])
    try:
        await Agent(model, retry=fantasy.RetryPolicy(max_retries=0)).generate("Hi")
    except fantasy.RateLimitError as error:
        first: BaseException = error.attempts[0]
        print("rate limited:", error.retry_after, first is error)
    except fantasy.FantasyError as error:
        print("other:", error)


async def main() -> None:
    # Tools stay callable as the functions they were made from, with their types.
    assert_type(weather("Rome"), str)
    total = await add(2, 3)
    assert_type(total, int)
    print(total, weather.name, add.name, weather.definition.description)

    model = pick_model()
    await structured(model)
    result = await run_agent(model)
    print(last_text(result))
    print((await typed_output(model)).population)
    await errors()
    file = fantasy.FilePart.from_url("https://example.com/cat.png")
    print(file.media_type, str(fantasy.Usage.of(input_tokens=3, output_tokens=4)))


if __name__ == "__main__":
    asyncio.run(main())
