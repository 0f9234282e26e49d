"""Stop conditions, max steps, prepare-step hooks and callbacks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from _fakes import add_tool, calls_response, text_answer, weather_tool

from fantasy.agent import Agent, PrepareStepContext, PrepareStepResult, StepResult, StepStart
from fantasy.content import ReasoningContent, TextContent, ToolCallContent
from fantasy.errors import InvalidArgumentError
from fantasy.messages import Message, system_message
from fantasy.response import Response
from fantasy.stop import (
    finish_reason_is,
    has_content,
    has_tool_call,
    step_count_is,
    token_budget_exceeded,
)
from fantasy.testing.models import ScriptedModel
from fantasy.tools import SpecificToolChoice
from fantasy.usage import FinishReason, Usage

pytestmark = pytest.mark.anyio


def endless(count: int = 6) -> ScriptedModel:
    """A model that calls weather ``count`` times, then answers."""
    return ScriptedModel(
        [
            *(
                calls_response(
                    ("weather", '{"location":"x"}', f"c{i}"),
                    usage=Usage.of(input_tokens=10, output_tokens=10),
                    text="step",
                )
                for i in range(count)
            ),
            text_answer("done"),
        ]
    )


@pytest.mark.parametrize(
    ("condition", "expected_steps"),
    [
        (step_count_is(2), 2),
        (has_tool_call("weather"), 1),
        (has_tool_call("other"), 7),
        (has_content(TextContent), 1),
        (has_content("text"), 1),
        (has_content(ReasoningContent), 7),
        (finish_reason_is("tool-calls"), 1),
        (finish_reason_is(FinishReason.LENGTH), 7),
        (token_budget_exceeded(60), 3),
    ],
)
async def test_stop_conditions(condition: Any, expected_steps: int) -> None:
    model = endless()
    result = await Agent(model, tools=[weather_tool()], stop_when=[condition]).generate("x")
    assert len(result.steps) == expected_steps
    # the last step's tools ran even though the loop stopped
    assert result.steps[-1].tool_results or result.steps[-1].text == "done"


async def test_custom_stop_condition_sees_all_steps() -> None:
    seen: list[int] = []

    def condition(steps: Sequence[StepResult]) -> bool:
        seen.append(len(steps))
        return len(steps) == 3

    result = await Agent(endless(), tools=[weather_tool()], stop_when=[condition]).generate("x")
    assert len(result.steps) == 3
    assert seen == [1, 2, 3]


async def test_max_steps_caps_the_loop_and_can_be_overridden_per_call() -> None:
    agent = Agent(endless(), tools=[weather_tool()], max_steps=2)
    assert len((await agent.generate("x")).steps) == 2
    model = endless()
    agent = Agent(model, tools=[weather_tool()], max_steps=2)
    assert len((await agent.generate("x", max_steps=4)).steps) == 4


async def test_prepare_step_swaps_messages_model_tool_choice_and_tools() -> None:
    main = ScriptedModel([calls_response(("weather", '{"location":"a"}'))])
    other = ScriptedModel([text_answer("from other")])
    contexts: list[PrepareStepContext] = []

    async def prepare(ctx: PrepareStepContext) -> PrepareStepResult | None:
        contexts.append(ctx)
        if ctx.step_number == 0:
            marked = [
                m.replace(provider_options={"anthropic": {"cache": True}}) for m in ctx.messages
            ]
            return PrepareStepResult(
                messages=marked,
                tool_choice=SpecificToolChoice("weather"),
                active_tools=["weather"],
            )
        return PrepareStepResult(model=other, system="Be brief", tool_choice="none")

    agent = Agent(
        main, system_prompt="sys", tools=[weather_tool(), add_tool()], prepare_step=prepare
    )
    result = await agent.generate("x")

    assert result.text == "from other"
    first = main.calls[0]
    assert all(m.provider_options == {"anthropic": {"cache": True}} for m in first.prompt)
    assert first.tool_choice == SpecificToolChoice("weather")
    assert [t.name for t in first.tools] == ["weather"]
    second = other.calls[0]
    assert second.prompt[0] == system_message("Be brief")
    assert all(not m.provider_options for m in second.prompt)  # overrides are per step
    assert second.tool_choice == "none"
    assert [t.name for t in second.tools] == ["weather", "add"]
    assert [c.step_number for c in contexts] == [0, 1]
    assert len(contexts[1].steps) == 1
    assert contexts[1].messages[-2:] == result.steps[0].messages


async def test_prepare_step_sync_replacing_tools_and_provider_options() -> None:
    model = ScriptedModel([calls_response(("add", '{"a":1,"b":2}')), text_answer("3")])

    def prepare(ctx: PrepareStepContext) -> PrepareStepResult:
        return PrepareStepResult(tools=[add_tool()], provider_options={"openai": {"x": 1}})

    result = await Agent(model, tools=[weather_tool()], prepare_step=prepare).generate("x")
    assert [t.name for t in model.calls[0].tools] == ["add"]
    assert model.calls[0].provider_options == {"openai": {"x": 1}}
    assert not result.steps[0].tool_calls[0].invalid  # validated against the step's tools


async def test_prepare_step_unknown_active_tool_is_an_error() -> None:
    def prepare(ctx: PrepareStepContext) -> PrepareStepResult:
        return PrepareStepResult(active_tools=["missing"])

    agent = Agent(ScriptedModel([]), tools=[weather_tool()], prepare_step=prepare)
    with pytest.raises(InvalidArgumentError):
        await agent.generate("x")


async def test_prepare_step_without_system_prepends_one() -> None:
    model = ScriptedModel([text_answer("a")])
    agent = Agent(model, prepare_step=lambda ctx: PrepareStepResult(system="S"))
    await agent.generate("x")
    assert [m.role for m in model.calls[0].prompt] == ["system", "user"]


@pytest.mark.parametrize("streaming", [False, True])
async def test_callbacks_fire_in_both_modes(streaming: bool) -> None:
    log: list[str] = []

    async def on_step_finish(step: StepResult) -> None:
        log.append(f"finish:{len(step.messages)}")

    model = ScriptedModel(
        [
            calls_response(("weather", '{"location":"a"}')),
            text_answer("done", sources=["https://s"]),
        ]
    )
    agent = Agent(
        model,
        tools=[weather_tool()],
        on_step_start=lambda event: log.append(f"start:{event.step_number}"),
        on_step_finish=on_step_finish,
        on_tool_call=lambda call: log.append(f"call:{call.tool_name}"),
        on_tool_result=lambda result: log.append(f"result:{result.tool_name}"),
        on_source=lambda source: log.append(f"source:{source.url}"),
    )
    if streaming:
        text: list[str] = []
        events = agent.stream("x", on_text_delta=lambda part: text.append(part.delta))
        await events.result()
        assert "".join(text) == "done"
    else:
        await agent.generate("x")
    assert log == [
        "start:0",
        "call:weather",
        "result:weather",
        "finish:2",
        "start:1",
        "source:https://s",
        "finish:1",
    ], streaming


async def test_stream_delta_callbacks_and_on_part() -> None:
    reasoning = ReasoningContent(text="because")
    answer = Response(content=(reasoning, TextContent(text="hi")), finish_reason=FinishReason.STOP)
    model = ScriptedModel([calls_response(("weather", '{"location":"a"}')), answer])
    parts: list[str] = []
    reasoning_text: list[str] = []
    tool_input: list[str] = []
    events = Agent(
        model,
        tools=[weather_tool()],
        on_part=lambda part: parts.append(part.type),
        on_reasoning_delta=lambda part: reasoning_text.append(part.delta),
        on_tool_input_delta=lambda part: tool_input.append(part.delta),
    ).stream("x")
    await events.result()
    assert "".join(reasoning_text) == "because"
    assert "".join(tool_input) == '{"location":"a"}'
    assert parts.count("finish") == 2


async def test_step_start_event_carries_the_call() -> None:
    model = ScriptedModel([text_answer("a")])
    starts: list[StepStart] = []
    await Agent(model, on_step_start=starts.append).generate("x")
    assert starts[0].call is model.calls[0]


async def test_history_messages_then_new_turn() -> None:
    model = ScriptedModel(
        [calls_response(("weather", '{"location":"a"}')), text_answer("one"), text_answer("two")]
    )
    agent = Agent(model, system_prompt="sys", tools=[weather_tool()])
    first = await agent.generate("q1")
    history: list[Message] = [*model.calls[0].prompt[1:], *first.messages]
    await agent.generate("q2", messages=history)
    prompt = model.calls[2].prompt
    assert [m.role for m in prompt] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert isinstance(first.steps[0].content[0], ToolCallContent)
