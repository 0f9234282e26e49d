"""The agent loop: prompt building, steps, messages, results, settings."""

from __future__ import annotations

from typing import Any

import pytest
from _fakes import add_tool, calls_response, multiply_tool, text_answer, weather_tool

from fantasy.agent import DEFAULT_MAX_STEPS, Agent, AgentResult
from fantasy.content import ReasoningContent, SourceContent, TextContent, ToolResultContent
from fantasy.errors import FantasyError, InvalidArgumentError
from fantasy.messages import (
    FilePart,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    assistant_message,
    user_message,
)
from fantasy.response import Response
from fantasy.testing.models import ScriptedModel
from fantasy.tools import FunctionTool, ProviderDefinedTool, SpecificToolChoice
from fantasy.usage import FinishReason, Usage

pytestmark = pytest.mark.anyio


async def test_simple_text_run_builds_initial_prompt() -> None:
    model = ScriptedModel([text_answer("Oi!")])
    agent = Agent(model, system_prompt="You are a helpful assistant", max_output_tokens=4000)
    result = await agent.generate("Say hi in Portuguese")

    assert result.text == "Oi!"
    assert len(result.steps) == 1
    call = model.calls[0]
    assert [m.role for m in call.prompt] == ["system", "user"]
    assert call.prompt[0].content == (TextPart(text="You are a helpful assistant"),)
    assert call.prompt[1].content == (TextPart(text="Say hi in Portuguese"),)
    assert call.max_output_tokens == 4000
    assert call.tools == ()
    assert call.tool_choice is None
    assert call.temperature is None


async def test_history_and_files_go_before_and_into_the_user_message() -> None:
    model = ScriptedModel([text_answer("a cat")])
    image = FilePart(media_type="image/png", data=b"\x89PNG", filename="wish.png")
    history = [user_message("earlier"), assistant_message("reply")]
    await Agent(model, system_prompt="sys").generate("Describe", messages=history, files=[image])

    prompt = model.calls[0].prompt
    assert [m.role for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[-1].content == (TextPart(text="Describe"), image)


async def test_nothing_to_send_is_an_error() -> None:
    agent = Agent(ScriptedModel([]), system_prompt="sys")
    with pytest.raises(InvalidArgumentError):
        await agent.generate()


async def test_tool_step_then_answer_messages_and_follow_up_request() -> None:
    seen: list[dict[str, Any]] = []
    raw = '{"location": "Florence,Italy"}'
    model = ScriptedModel([calls_response(("weather", raw)), text_answer("40 C in Florence")])
    agent = Agent(model, system_prompt="You are a helpful assistant", tools=[weather_tool(seen)])
    result = await agent.generate("What's the weather in Florence,Italy?")

    assert seen == [{"location": "Florence,Italy"}]
    assert len(result.steps) == 2
    step0 = result.steps[0]
    [call] = step0.tool_calls
    assert call.tool_name == "weather" and not call.invalid
    assert step0.content[-1] == ToolResultContent(
        tool_call_id="call_1", tool_name="weather", result=TextOutput(text="40 C")
    )
    assistant, tool_message = step0.messages
    assert assistant.role == "assistant"
    assert assistant.content == (
        ToolCallPart(tool_call_id="call_1", tool_name="weather", input=raw),
    )
    assert tool_message.role == "tool"
    assert tool_message.content == (
        ToolResultPart(tool_call_id="call_1", tool_name="weather", output=TextOutput(text="40 C")),
    )
    # The follow-up request: prompt + the step's messages, raw input byte for byte.
    follow_up = model.calls[1]
    assert follow_up.prompt[2:] == step0.messages
    assert follow_up.tool_choice == "auto"
    assert [t.name for t in follow_up.tools] == ["weather"]
    assert result.text == "40 C in Florence"
    assert result.messages == (*step0.messages, *result.steps[1].messages)


async def test_step_messages_keep_content_order_and_reasoning_metadata() -> None:
    reasoning = ReasoningContent(text="think", provider_metadata={"anthropic": {"signature": "s"}})
    first = calls_response(("add", '{"a":2,"b":3}'), text="Let me add", reasoning=reasoning)
    first = Response(
        content=(*first.content, SourceContent(url="https://x")),
        finish_reason=first.finish_reason,
        usage=first.usage,
    )
    model = ScriptedModel([first, text_answer("5")])
    result = await Agent(model, tools=[add_tool()]).generate("add")

    assistant = result.steps[0].messages[0]
    assert [type(p) for p in assistant.content] == [ReasoningPart, TextPart, ToolCallPart]
    assert assistant.content[0].provider_options == {"anthropic": {"signature": "s"}}


async def test_multi_tool_step_results_in_order_in_one_tool_message() -> None:
    model = ScriptedModel(
        [
            calls_response(("add", '{"a": 2, "b": 3}'), ("multiply", '{"b":3,"a":2}')),
            text_answer("5 and 6"),
        ]
    )
    result = await Agent(model, tools=[add_tool(), multiply_tool()]).generate("go")

    assert len(result.steps) == 2
    tool_message = result.steps[0].messages[1]
    outputs = [(p.tool_name, p.output) for p in tool_message.content]  # type: ignore[union-attr]
    assert outputs == [("add", TextOutput(text="5")), ("multiply", TextOutput(text="6"))]
    sent = model.calls[1].prompt[-2].content
    assert [p.input for p in sent] == ['{"a": 2, "b": 3}', '{"b":3,"a":2}']  # type: ignore[union-attr]


async def test_final_response_is_last_step_with_text() -> None:
    blank = Response(
        content=(TextContent(text="  \n"),), finish_reason=FinishReason.STOP, usage=Usage()
    )
    model = ScriptedModel([calls_response(("weather", "{}"), text="checking"), blank])
    tool = weather_tool()
    result = await Agent(model, tools=[tool]).generate("x")
    # step 0 has a tool call (invalid input, error result) and text; step 1 is blank
    assert len(result.steps) == 2
    assert result.response is result.steps[0].response
    assert result.text == "checking"


async def test_final_response_falls_back_to_last_step_and_text_is_every_item() -> None:
    two_texts = Response(
        content=(TextContent(text="first, "), TextContent(text="second")),
        finish_reason=FinishReason.STOP,
    )
    result = await Agent(ScriptedModel([two_texts])).generate("x")
    # the whole answer, every text item in order (Anthropic splits answers into blocks)
    assert result.text == "first, second"
    assert result.steps[0].text == "first, second"
    assert result.response.text == "first, second"
    empty = Response(content=(), finish_reason=FinishReason.STOP)
    result = await Agent(ScriptedModel([empty])).generate("x")
    assert result.response is result.steps[-1].response
    assert result.text == ""


async def test_total_usage_sums_steps() -> None:
    model = ScriptedModel(
        [
            calls_response(
                ("weather", '{"location":"a"}'), usage=Usage.of(input_tokens=3, output_tokens=2)
            ),
            text_answer("done", Usage.of(input_tokens=4, output_tokens=1)),
        ]
    )
    result = await Agent(model, tools=[weather_tool()]).generate("x")
    assert result.total_usage == Usage(input_tokens=7, output_tokens=3, total_tokens=10)
    assert result.finish_reason == FinishReason.STOP


async def test_loop_stops_when_finish_reason_is_not_tool_calls() -> None:
    odd = calls_response(("weather", '{"location":"a"}'))
    odd = Response(content=odd.content, finish_reason=FinishReason.STOP, usage=odd.usage)
    model = ScriptedModel([odd])
    result = await Agent(model, tools=[weather_tool()]).generate("x")
    assert len(result.steps) == 1
    assert isinstance(result.steps[0].content[-1], ToolResultContent)  # the tool still ran


async def test_call_settings_and_per_call_overrides() -> None:
    model = ScriptedModel([text_answer("a"), text_answer("b")])
    agent = Agent(
        model,
        temperature=0.5,
        top_p=0.9,
        top_k=3,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        stop_sequences=["END"],
        seed=7,
        provider_options={"openai": {"a": 1}, "anthropic": {"b": 2}},
        headers={"x-one": "1"},
    )
    await agent.generate("x")
    first = model.calls[0]
    assert (first.temperature, first.top_p, first.top_k, first.seed) == (0.5, 0.9, 3, 7)
    assert (first.presence_penalty, first.frequency_penalty) == (0.1, 0.2)
    assert first.stop_sequences == ("END",)
    await agent.generate(
        "y",
        temperature=0.0,
        max_output_tokens=10,
        provider_options={"openai": {"c": 3}},
        headers={"x-two": "2"},
    )
    second = model.calls[1]
    assert second.temperature == 0.0
    assert second.max_output_tokens == 10
    assert second.provider_options == {"openai": {"c": 3}, "anthropic": {"b": 2}}
    assert second.headers == {"x-one": "1", "x-two": "2"}


async def test_tool_order_and_explicit_tool_choice() -> None:
    web = ProviderDefinedTool(id="anthropic.web_search", name="web_search")
    model = ScriptedModel([text_answer("a"), text_answer("b")])
    agent = Agent(model, tools=[web, weather_tool(), add_tool()])
    await agent.generate("x")
    assert [type(t) for t in model.calls[0].tools] == [
        FunctionTool,
        FunctionTool,
        ProviderDefinedTool,
    ]
    assert model.calls[0].tool_choice == "auto"
    await agent.generate("x", tool_choice=SpecificToolChoice("add"))
    assert model.calls[1].tool_choice == SpecificToolChoice("add")


async def test_provider_executed_calls_are_recorded_not_run() -> None:
    from fantasy.content import ToolCallContent
    from fantasy.messages import TextOutput as Out

    web = ProviderDefinedTool(id="anthropic.web_search", name="web_search")
    content = (
        ToolCallContent(
            tool_call_id="srv_1",
            tool_name="web_search",
            input='{"query":"tokyo"}',
            provider_executed=True,
        ),
        ToolResultContent(
            tool_call_id="srv_1",
            tool_name="web_search",
            result=Out(text="results"),
            provider_executed=True,
            provider_metadata={"anthropic": {"raw": 1}},
        ),
        TextContent(text="Tokyo has 14M people"),
        SourceContent(url="https://tokyo.example"),
    )
    model = ScriptedModel([Response(content=content, finish_reason=FinishReason.STOP)])
    result = await Agent(model, tools=[web]).generate("pop?")
    assert len(result.steps) == 1
    [assistant] = result.steps[0].messages
    kinds = [(p.type, getattr(p, "provider_executed", None)) for p in assistant.content]
    assert kinds == [("tool-call", True), ("tool-result", True), ("text", None)]
    assert assistant.content[1].provider_options == {"anthropic": {"raw": 1}}


async def test_bad_agent_settings_fail_early() -> None:
    model = ScriptedModel([])
    with pytest.raises(InvalidArgumentError):
        Agent(model, max_steps=0)
    with pytest.raises(InvalidArgumentError):
        Agent(model, max_parallel_tools=0)
    with pytest.raises(InvalidArgumentError):
        Agent(model, tools=[FunctionTool(name="x")])
    with pytest.raises(InvalidArgumentError):
        Agent(model, tools=[weather_tool(), weather_tool()])
    with pytest.raises(InvalidArgumentError):
        Agent(model, bogus=1)  # type: ignore[call-arg]


async def test_plain_function_becomes_a_tool() -> None:
    def shout(text: str) -> str:
        """Shout the text."""
        return text.upper()

    model = ScriptedModel([calls_response(("shout", '{"text":"hi"}')), text_answer("HI")])
    result = await Agent(model, tools=[shout]).generate("x")
    assert result.steps[0].tool_results[0].result == TextOutput(text="HI")
    assert model.calls[0].tools[0].description == "Shout the text."  # type: ignore[union-attr]


async def test_default_max_steps_is_documented_value() -> None:
    assert DEFAULT_MAX_STEPS == 20


async def test_result_json_round_trip_of_a_whole_run() -> None:
    import json

    reasoning = ReasoningContent(text="hmm", provider_metadata={"anthropic": {"signature": "sig"}})
    model = ScriptedModel(
        [
            calls_response(("weather", '{"location":"Rome"}'), reasoning=reasoning),
            calls_response(("weather", "{oops")),  # invalid: marked and answered with an error
            text_answer("It is 40 C", sources=["https://w.example"]),
        ]
    )
    result = await Agent(model, tools=[weather_tool()]).generate("weather?")
    data = json.loads(json.dumps(result.to_dict()))
    back = AgentResult.from_dict(data)
    assert back == result
    assert back.steps[1].tool_calls[0].invalid
    assert back.text == "It is 40 C"


async def test_stream_result_after_close_is_an_error() -> None:
    model = ScriptedModel([text_answer("hi")])
    events = Agent(model).stream("x")
    await events.aclose()
    with pytest.raises(FantasyError):
        await events.result()
