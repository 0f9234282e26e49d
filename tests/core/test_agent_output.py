"""Typed output inside the agent loop: modes, types, retries, validators, streaming."""

from __future__ import annotations

import dataclasses
import itertools
import json
from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

import fantasy
from fantasy import stream
from fantasy.agent import Agent, ModelRetry, RunContext, StopReason
from fantasy.errors import InvalidArgumentError, NoObjectGeneratedError
from fantasy.messages import ErrorOutput, TextOutput
from fantasy.object import ObjectPart
from fantasy.testing import ScriptedModel, TestModel, text_response, tool_call_response
from fantasy.testing.models import response_to_parts, split_words
from fantasy.tools import SpecificToolChoice

pytestmark = pytest.mark.anyio


class Weather(BaseModel):
    city: str
    celsius: int


FLORENCE = Weather(city="Florence", celsius=40)
FLORENCE_JSON = '{"city": "Florence", "celsius": 40}'


@fantasy.tool
def weather(location: str) -> str:
    """Get the weather."""
    return "40 C"


def tool_then(*answers: Any) -> ScriptedModel:
    return ScriptedModel([tool_call_response("weather", {"location": "Florence"}), *answers])


async def run(agent: Agent[Any, Any], streaming: bool, prompt: str = "Weather?", **kw: Any) -> Any:
    if not streaming:
        return await agent.generate(prompt, **kw)
    events = agent.stream(prompt, **kw)
    async for _ in events:
        pass
    return await events.result()


@pytest.mark.parametrize("streaming", [False, True])
async def test_tool_mode_one_tool_call_then_typed_answer_is_two_requests(streaming: bool) -> None:
    model = tool_then(tool_call_response("Weather", FLORENCE_JSON, tool_call_id="out"))
    agent = Agent(model, tools=[weather], output_type=Weather)
    result = await run(agent, streaming)
    assert result.output == FLORENCE
    assert len(model.calls) == 2
    assert result.stop_reason is StopReason.FINISHED
    for call in model.calls:
        assert [t.name for t in call.tools] == ["weather", "Weather"]
        assert call.tool_choice == "required"
        assert call.response_format is None
    # the output tool's call gets a result, so the history can be continued
    last = result.steps[-1]
    assert last.tool_results[-1].result == TextOutput(text="Final output received.")
    assert result.history[-1].role == "tool"


async def test_only_the_output_tool_is_forced() -> None:
    model = ScriptedModel([tool_call_response("Weather", FLORENCE_JSON)])
    result = await Agent(model, output_type=Weather, output_mode="tool").generate("w?")
    assert result.output == FLORENCE
    assert model.calls[0].tool_choice == SpecificToolChoice("Weather")


async def test_tool_choice_set_by_the_run_is_kept() -> None:
    model = tool_then(tool_call_response("Weather", FLORENCE_JSON, tool_call_id="o"))
    agent = Agent(model, tools=[weather], output_type=Weather, tool_choice="auto")
    await agent.generate("w?")
    assert [call.tool_choice for call in model.calls] == ["auto", "auto"]


@pytest.mark.parametrize("streaming", [False, True])
async def test_json_mode_sends_the_schema_with_the_tools(streaming: bool) -> None:
    model = tool_then(text_response(FLORENCE_JSON))
    agent = Agent(model, tools=[weather], output_type=Weather, output_mode="json")
    result = await run(agent, streaming)
    assert result.output == FLORENCE
    assert len(model.calls) == 2
    for call in model.calls:
        assert call.response_format is not None
        assert call.response_format.name == "Weather"
        assert [t.name for t in call.tools] == ["weather"]


@pytest.mark.parametrize("streaming", [False, True])
async def test_text_mode_puts_the_schema_in_an_instruction(streaming: bool) -> None:
    model = tool_then(text_response("Here:\n```json\n" + FLORENCE_JSON + "\n```"))
    agent = Agent(
        model, system_prompt="Be brief.", tools=[weather], output_type=Weather, output_mode="text"
    )
    result = await run(agent, streaming)
    assert result.output == FLORENCE
    for call in model.calls:
        roles = [m.role for m in call.prompt]
        assert roles[:2] == ["system", "system"]
        assert call.prompt[1].text.startswith(fantasy.object.TEXT_INSTRUCTION)
        assert call.response_format is None
    # the instruction is not part of the conversation
    assert all(not m.text.startswith("Respond only") for m in result.history)


async def test_auto_is_tool_mode_with_tools_and_the_model_default_without() -> None:
    with_tools = Agent(TestModel(), tools=[weather], output_type=Weather)
    result = await with_tools.generate("Weather in Florence?")
    assert isinstance(result.output, Weather)
    assert any(t.name == "Weather" for t in with_tools.model.calls[0].tools)  # type: ignore[attr-defined]
    without = Agent(TestModel(), output_type=Weather)
    result = await without.generate("Weather in Florence?")
    assert isinstance(result.output, Weather)
    assert without.model.calls[0].response_format is not None  # type: ignore[attr-defined]


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Movie(TypedDict):
    title: str
    year: int


class Cat(BaseModel):
    meow: str


class Dog(BaseModel):
    woof: str


@pytest.mark.parametrize(
    ("output_type", "raw", "expected"),
    [
        (int, '{"value": 42}', 42),
        (str, '{"value": "hi"}', "hi"),
        (list[str], '{"value": ["a", "b"]}', ["a", "b"]),
        (Point, '{"x": 1, "y": 2}', Point(1, 2)),
        (Movie, '{"title": "Up", "year": 2009}', {"title": "Up", "year": 2009}),
        (Cat | Dog, '{"value": {"woof": "w"}}', Dog(woof="w")),
    ],
)
@pytest.mark.parametrize("mode", ["tool", "json"])
async def test_output_types(output_type: Any, raw: str, expected: Any, mode: str) -> None:
    answer = tool_call_response("final", raw) if mode == "tool" else text_response(raw)
    agent: Agent[None, Any] = Agent(
        ScriptedModel([answer]), output_type=output_type, output_mode=mode, output_name="final"
    )  # type: ignore[arg-type]
    result = await agent.generate("go")
    assert result.output == expected


@pytest.mark.parametrize("streaming", [False, True])
async def test_invalid_json_output_is_sent_back_and_corrected(streaming: bool) -> None:
    model = ScriptedModel([text_response('{"city": "Florence"}'), text_response(FLORENCE_JSON)])
    agent = Agent(model, output_type=Weather, output_mode="json")
    result = await run(agent, streaming)
    assert result.output == FLORENCE
    assert len(model.calls) == 2
    retry_prompt = model.calls[1].prompt[-1]
    assert retry_prompt.role == "user"
    assert "celsius" in retry_prompt.text
    assert "Field required" in retry_prompt.text
    assert result.steps[0].messages[-1] == retry_prompt  # part of the history


@pytest.mark.parametrize("streaming", [False, True])
async def test_invalid_tool_output_gets_an_error_result(streaming: bool) -> None:
    model = ScriptedModel(
        [
            tool_call_response("Weather", '{"city": 3}', tool_call_id="o1"),
            tool_call_response("Weather", FLORENCE_JSON, tool_call_id="o2"),
        ]
    )
    agent = Agent(model, output_type=Weather, output_mode="tool")
    result = await run(agent, streaming)
    assert result.output == FLORENCE
    (error,) = result.steps[0].tool_results
    assert isinstance(error.result, ErrorOutput)
    assert "celsius" in error.result.error
    assert model.calls[1].prompt[-1].role == "tool"


async def test_a_text_answer_in_tool_mode_is_asked_again() -> None:
    model = ScriptedModel(["It is hot.", tool_call_response("Weather", FLORENCE_JSON)])
    result = await Agent(model, output_type=Weather, output_mode="tool").generate("w?")
    assert result.output == FLORENCE
    assert "calling the tool 'Weather'" in model.calls[1].prompt[-1].text


@pytest.mark.parametrize("streaming", [False, True])
async def test_output_retries_are_bounded(streaming: bool) -> None:
    model = ScriptedModel(["nope", "still no", "never"])
    agent = Agent(model, output_type=Weather, output_mode="json", output_retries=1)
    with pytest.raises(NoObjectGeneratedError) as info:
        await run(agent, streaming)
    assert len(model.calls) == 2
    assert info.value.raw_text == "still no"
    assert info.value.usage is not None


async def test_zero_retries_fail_at_once() -> None:
    model = ScriptedModel(["nope"])
    agent = Agent(model, output_type=Weather, output_mode="json", output_retries=0)
    with pytest.raises(NoObjectGeneratedError):
        await agent.generate("go")


@pytest.mark.parametrize("streaming", [False, True])
async def test_a_validator_can_ask_again(streaming: bool) -> None:
    seen: list[tuple[str, int, Any]] = []

    async def in_celsius(ctx: RunContext[str], value: Weather) -> Weather:
        seen.append((value.city, ctx.retry, ctx.deps))
        if value.celsius > 60:
            raise ModelRetry("That is not a plausible temperature in Celsius.")
        return value

    def upper(ctx: RunContext[str], value: Weather) -> Weather:
        return value.model_copy(update={"city": value.city.upper()})

    model = ScriptedModel(
        [text_response('{"city": "Florence", "celsius": 104}'), text_response(FLORENCE_JSON)]
    )
    agent = Agent(
        model,
        deps_type=str,
        output_type=Weather,
        output_mode="json",
        output_validators=[in_celsius, upper],
    )
    result = await run(agent, streaming, deps="the deps")
    assert result.output == Weather(city="FLORENCE", celsius=40)
    assert seen == [("Florence", 0, "the deps"), ("Florence", 1, "the deps")]
    assert "plausible" in model.calls[1].prompt[-1].text


async def test_validator_rejection_in_tool_mode_is_the_tool_error() -> None:
    def never(ctx: RunContext[None], value: Weather) -> Weather:
        raise ModelRetry("try Rome instead")

    model = ScriptedModel([tool_call_response("Weather", FLORENCE_JSON)] * 3)
    agent = Agent(
        model, output_type=Weather, output_mode="tool", output_validators=[never], output_retries=2
    )
    with pytest.raises(NoObjectGeneratedError, match="try Rome"):
        await agent.generate("w?")
    assert len(model.calls) == 3
    result = model.calls[1].prompt[-1].content[0]
    assert result.output == ErrorOutput(error="try Rome instead")  # type: ignore[union-attr]


async def test_stream_yields_partial_outputs_only_when_they_change() -> None:
    text = '{"city": "Florence", "celsius": 40}'
    model = ScriptedModel([response_to_parts(text_response(text), chunker=split_words)])
    agent = Agent(model, output_type=Weather, output_mode="json")
    events = agent.stream("w?")
    seen = [event async for event in events]
    result = await events.result()
    objects = [e for e in seen if isinstance(e, ObjectPart)]
    partials = [o.object for o in objects if o.partial]
    assert partials[:2] == [{}, {"city": "Florence"}]
    assert partials[-1] == {"city": "Florence", "celsius": 40}
    assert all(a != b for a, b in itertools.pairwise(partials))
    final = objects[-1]
    assert not final.partial
    assert final.object == FLORENCE == result.output
    assert seen.index(final) < next(i for i, e in enumerate(seen) if e.type == "step-finish")


async def test_tool_mode_streams_the_output_tool_arguments() -> None:
    answer = tool_call_response("Weather", '{"city": "Florence", "celsius": 40}')
    model = ScriptedModel([response_to_parts(answer, chunker=split_words)])
    events = Agent(model, output_type=Weather, output_mode="tool").stream("w?")
    partials = [e.object async for e in events if isinstance(e, ObjectPart) and e.partial]
    assert partials[-1] == {"city": "Florence", "celsius": 40}
    assert len(partials) >= 2


async def test_partial_outputs_restart_after_a_retry() -> None:
    from fantasy.errors import ProviderError
    from fantasy.retry import RetryPolicy

    failed = [
        stream.TextStart("0"),
        stream.TextDelta("0", '{"city": "Pisa"'),
        stream.Error(ProviderError("overloaded", retryable=True)),
    ]
    fixed = response_to_parts(text_response(FLORENCE_JSON), chunker=split_words)
    model = ScriptedModel([failed, fixed])
    agent = Agent(
        model, output_type=Weather, output_mode="json", retry=RetryPolicy(initial_delay=0)
    )
    events = agent.stream("w?")
    seen = [event async for event in events]
    retry_at = next(i for i, e in enumerate(seen) if e.type == "retry")
    after = [e.object for e in seen[retry_at:] if isinstance(e, ObjectPart) and e.partial]
    assert after[:2] == [{}, {"city": "Florence"}]  # the failed attempt's Pisa is gone
    assert (await events.result()).output == FLORENCE


def test_sync_twins_give_the_same_output() -> None:
    def agent() -> Agent[None, Weather]:
        model = tool_then(tool_call_response("Weather", FLORENCE_JSON, tool_call_id="o"))
        return Agent(model, tools=[weather], output_type=Weather)

    assert agent().generate_sync("w?").output == FLORENCE
    events = agent().stream_sync("w?")
    assert any(isinstance(e, ObjectPart) for e in events)
    assert events.result().output == FLORENCE


async def test_without_output_type_the_output_is_the_text() -> None:
    result = await Agent(ScriptedModel(["hello"])).generate("hi")
    assert result.output == "hello" == result.text


async def test_the_output_round_trips_as_json_data() -> None:
    model = ScriptedModel([tool_call_response("Weather", FLORENCE_JSON)])
    result = await Agent(model, output_type=Weather, output_mode="tool").generate("w?")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["output"] == {"city": "Florence", "celsius": 40}
    assert fantasy.AgentResult.from_dict(data).output == data["output"]


async def test_a_run_that_stops_before_the_output_raises() -> None:
    model = ScriptedModel([tool_call_response("weather", {"location": "x"})] * 3)
    agent = Agent(model, tools=[weather], output_type=Weather, max_steps=2)
    with pytest.raises(NoObjectGeneratedError, match="step-cap"):
        await agent.generate("w?")


def test_bad_output_settings_fail_at_construction() -> None:
    with pytest.raises(InvalidArgumentError, match="output_mode"):
        Agent(TestModel(), output_type=Weather, output_mode="yaml")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="output_name"):
        Agent(TestModel(), tools=[weather], output_type=Weather, output_name="weather")


async def test_the_first_valid_output_call_wins_and_every_call_gets_a_result() -> None:
    from fantasy.content import ToolCallContent
    from fantasy.response import Response
    from fantasy.usage import FinishReason

    def call(call_id: str, name: str, raw: str) -> ToolCallContent:
        return ToolCallContent(tool_call_id=call_id, tool_name=name, input=raw)

    answer = Response(
        content=(
            call("a", "Weather", '{"city": 1}'),
            call("b", "weather", '{"location": "Florence"}'),
            call("c", "Weather", FLORENCE_JSON),
            call("d", "Weather", '{"city": "Rome", "celsius": 30}'),
        ),
        finish_reason=FinishReason.TOOL_CALLS,
    )
    model = ScriptedModel([answer])
    result = await Agent(model, tools=[weather], output_type=Weather).generate("w?")
    assert result.output == FLORENCE  # one request: a valid output arrived
    results = {r.tool_call_id: r.result for r in result.steps[0].tool_results}
    assert results["b"] == TextOutput(text="40 C")  # the other tool still ran
    assert isinstance(results["a"], ErrorOutput)
    assert results["c"] == TextOutput(text="Final output received.")
    assert results["d"] == ErrorOutput(error="Only the first final output is used.")


@pytest.mark.parametrize(("mode", "requests"), [("tool", 1), ("json", 2), ("text", 2)])
@pytest.mark.parametrize("streaming", [False, True])
async def test_every_mode_on_the_test_model(mode: str, requests: int, streaming: bool) -> None:
    model = TestModel()
    agent = Agent(model, tools=[weather], output_type=Weather, output_mode=mode)  # type: ignore[arg-type]
    result = await run(agent, streaming, "Weather in Florence?")
    assert isinstance(result.output, Weather)
    assert len(model.calls) == requests
    assert result.steps[0].tool_results[0].tool_name == "weather"
