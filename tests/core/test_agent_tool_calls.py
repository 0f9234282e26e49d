"""Tool calls inside the agent loop: validation, repair, execution, errors, concurrency."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from _fakes import NUMBERS_SCHEMA, WEATHER_SCHEMA, calls_response, text_answer, weather_tool

from fantasy._validation import InvalidToolCallError
from fantasy.agent import Agent
from fantasy.agent_tools import AgentTool, ExecutableProviderTool, ToolContext, ToolResponse
from fantasy.content import ToolCallContent
from fantasy.errors import ToolExecutionError
from fantasy.messages import ErrorOutput, MediaOutput, TextOutput
from fantasy.testing.models import ScriptedModel
from fantasy.tools import ProviderDefinedTool

pytestmark = pytest.mark.anyio


async def test_invalid_call_gets_error_result_and_model_corrects_it() -> None:
    seen: list[dict[str, Any]] = []
    model = ScriptedModel(
        [
            calls_response(("weather", '{"location": 42}')),
            calls_response(("weather", '{"location": "Rome"}', "call_2")),
            text_answer("40 C"),
        ]
    )
    result = await Agent(model, tools=[weather_tool(seen)]).generate("x")

    assert len(result.steps) == 3
    bad = result.steps[0].tool_calls[0]
    assert bad.invalid
    assert "location" in bad.validation_error and "string" in bad.validation_error
    error = result.steps[0].tool_results[0].result
    assert isinstance(error, ErrorOutput) and error.error == bad.validation_error
    # the invalid call is replayed as sent, with its error result
    replay = model.calls[1].prompt[-2:]
    assert replay[0].content[0].input == '{"location": 42}'  # type: ignore[union-attr]
    assert replay[1].content[0].output == error  # type: ignore[union-attr]
    assert seen == [{"location": "Rome"}]  # only the corrected call ran


async def test_unknown_tool_and_non_object_input_are_invalid() -> None:
    model = ScriptedModel(
        [calls_response(("nope", "{}"), ("weather", "[1, 2]")), text_answer("ok")]
    )
    result = await Agent(model, tools=[weather_tool()]).generate("x")
    first, second = result.steps[0].tool_calls
    assert first.invalid and "unknown tool 'nope'" in first.validation_error
    assert "weather" in first.validation_error  # lists the available tools
    assert second.invalid and "JSON object" in second.validation_error


async def test_empty_input_counts_as_empty_object() -> None:
    ran: list[dict[str, Any]] = []

    def now(data: dict[str, Any], ctx: ToolContext) -> str:
        ran.append(data)
        return "noon"

    clock = AgentTool("now", "time", {"type": "object", "properties": {}}, now)
    model = ScriptedModel([calls_response(("now", "")), text_answer("noon")])
    result = await Agent(model, tools=[clock]).generate("x")
    assert ran == [{}]
    assert result.steps[0].tool_calls[0].input == ""  # replayed as the model sent it


async def test_malformed_json_is_repaired_and_repaired_input_is_kept() -> None:
    seen: list[dict[str, Any]] = []
    model = ScriptedModel([calls_response(("weather", '{"location": "Rome"')), text_answer("ok")])
    result = await Agent(model, tools=[weather_tool(seen)]).generate("x")
    call = result.steps[0].tool_calls[0]
    assert not call.invalid
    assert seen == [{"location": "Rome"}]
    assert call.input != '{"location": "Rome"'
    sent = model.calls[1].prompt[-2].content[0]
    assert sent.input == call.input  # type: ignore[union-attr]


@pytest.mark.parametrize("is_async", [False, True])
async def test_repair_hook_fixes_a_call_sync_and_async(is_async: bool) -> None:
    seen: list[dict[str, Any]] = []
    errors: list[InvalidToolCallError] = []

    def fix(call: ToolCallContent, tools: Any, error: InvalidToolCallError) -> ToolCallContent:
        errors.append(error)
        return ToolCallContent(
            tool_call_id="other-id", tool_name="weather", input='{"location":"Oslo"}'
        )

    async def afix(call: ToolCallContent, tools: Any, error: InvalidToolCallError) -> Any:
        return fix(call, tools, error)

    model = ScriptedModel([calls_response(("wether", '{"city":"Oslo"}')), text_answer("ok")])
    agent = Agent(model, tools=[weather_tool(seen)], repair_tool_call=afix if is_async else fix)
    result = await agent.generate("x")
    call = result.steps[0].tool_calls[0]
    assert (call.tool_name, call.input, call.tool_call_id) == (
        "weather",
        '{"location":"Oslo"}',
        "call_1",
    )
    assert seen == [{"location": "Oslo"}]
    assert errors[0].kind == "unknown-tool" and errors[0].tool_name == "wether"


async def test_repair_hook_giving_up_or_failing_leaves_call_invalid() -> None:
    def give_up(call: ToolCallContent, tools: Any, error: InvalidToolCallError) -> None:
        return None

    def still_bad(
        call: ToolCallContent, tools: Any, error: InvalidToolCallError
    ) -> ToolCallContent:
        return ToolCallContent(tool_call_id="x", tool_name="weather", input='{"location": 1}')

    for hook in (give_up, still_bad):
        model = ScriptedModel([calls_response(("weather", "{}")), text_answer("ok")])
        result = await Agent(model, tools=[weather_tool()], repair_tool_call=hook).generate("x")
        call = result.steps[0].tool_calls[0]
        assert call.invalid and call.tool_call_id == "call_1"


async def test_tool_exception_becomes_error_output() -> None:
    def boom(data: dict[str, Any], ctx: ToolContext) -> str:
        raise ValueError("the service is down")

    def silent(data: dict[str, Any], ctx: ToolContext) -> str:
        raise RuntimeError

    tools = [
        AgentTool("boom", "fails", {"type": "object"}, boom),
        AgentTool("silent", "fails", {"type": "object"}, silent),
    ]
    model = ScriptedModel([calls_response(("boom", "{}"), ("silent", "{}")), text_answer("sorry")])
    result = await Agent(model, tools=tools).generate("x")
    outputs = [r.result for r in result.steps[0].tool_results]
    assert outputs == [
        ErrorOutput(error="ValueError: the service is down"),
        ErrorOutput(error="RuntimeError"),
    ]
    assert result.text == "sorry"


async def test_tool_execution_error_aborts_the_run() -> None:
    async def fatal(data: dict[str, Any], ctx: ToolContext) -> str:
        raise ToolExecutionError("disk gone")

    errors: list[BaseException] = []
    tool = AgentTool("fatal", "aborts", {"type": "object"}, fatal)
    model = ScriptedModel([calls_response(("fatal", "{}", "c9")), text_answer("never")])
    agent = Agent(model, tools=[tool], on_error=errors.append)
    with pytest.raises(ToolExecutionError) as info:
        await agent.generate("x")
    assert (info.value.tool_name, info.value.tool_call_id) == ("fatal", "c9")
    assert errors == [info.value]
    assert len(model.calls) == 1


async def test_tool_execution_error_in_parallel_batch_aborts() -> None:
    async def fatal(data: dict[str, Any], ctx: ToolContext) -> str:
        raise ToolExecutionError("stop")

    async def slow(data: dict[str, Any], ctx: ToolContext) -> str:
        await asyncio.sleep(300)  # far past the budget below: the batch must not wait for it
        return "late"

    tools = [
        AgentTool("fatal", "x", {"type": "object"}, fatal, parallel=True),
        AgentTool("slow", "x", {"type": "object"}, slow, parallel=True),
    ]
    model = ScriptedModel([calls_response(("slow", "{}"), ("fatal", "{}"))])
    with pytest.raises(ToolExecutionError):
        await asyncio.wait_for(Agent(model, tools=tools).generate("x"), 30)


async def test_parallel_tools_are_bounded_and_results_keep_call_order() -> None:
    running = 0
    peak = 0

    async def work(data: dict[str, Any], ctx: ToolContext) -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02 * (5 - data["a"]))
        running -= 1
        return str(data["a"])

    tool = AgentTool("work", "x", NUMBERS_SCHEMA, work, parallel=True)
    calls = [("work", f'{{"a": {i}, "b": 0}}', f"c{i}") for i in range(5)]
    model = ScriptedModel([calls_response(*calls), text_answer("done")])
    result = await Agent(model, tools=[tool], max_parallel_tools=2).generate("x")
    assert peak == 2
    assert [r.result for r in result.steps[0].tool_results] == [
        TextOutput(text=str(i)) for i in range(5)
    ]


async def test_non_parallel_tools_run_one_at_a_time_sync_in_threads() -> None:
    threads: list[str] = []
    running = 0
    peak = 0
    lock = threading.Lock()

    def work(data: dict[str, Any], ctx: ToolContext) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        threads.append(threading.current_thread().name)
        with lock:
            running -= 1
        return "ok"

    tool = AgentTool("work", "x", {"type": "object"}, work)
    model = ScriptedModel([calls_response(("work", "{}"), ("work", "{}")), text_answer("done")])
    await Agent(model, tools=[tool]).generate("x")
    assert peak == 1
    assert all(name != threading.main_thread().name for name in threads)


async def test_tool_context_and_tool_response_fields() -> None:
    contexts: list[ToolContext] = []

    def shot(data: dict[str, Any], ctx: ToolContext) -> ToolResponse:
        contexts.append(ctx)
        return ToolResponse(
            text="screen", media=b"\x89PNG", media_type="image/png", client_metadata={"k": 1}
        )

    tool = AgentTool("shot", "x", {"type": "object"}, shot)
    model = ScriptedModel([calls_response(("shot", "{}")), text_answer("a desktop")])
    result = await Agent(model, system_prompt="s", tools=[tool]).generate("look")
    [ctx] = contexts
    assert (ctx.tool_call_id, ctx.tool_name, ctx.step_number) == ("call_1", "shot", 0)
    assert [m.role for m in ctx.messages] == ["system", "user"]
    tool_result = result.steps[0].tool_results[0]
    assert tool_result.result == MediaOutput(data=b"\x89PNG", media_type="image/png", text="screen")
    assert tool_result.client_metadata == {"k": 1}
    assert result.steps[0].messages[1].content[0].client_metadata == {"k": 1}  # type: ignore[union-attr]


async def test_stop_turn_ends_the_loop_after_the_step() -> None:
    def final(data: dict[str, Any], ctx: ToolContext) -> ToolResponse:
        return ToolResponse(text="bye", stop_turn=True)

    tool = AgentTool("final", "x", {"type": "object"}, final)
    model = ScriptedModel([calls_response(("final", "{}")), text_answer("never")])
    result = await Agent(model, tools=[tool]).generate("x")
    assert len(result.steps) == 1
    assert model.remaining == 1


async def test_provider_defined_tool_call_by_client_is_invalid() -> None:
    computer = ProviderDefinedTool(id="anthropic.computer", name="computer")
    model = ScriptedModel(
        [calls_response(("computer", '{"action":"screenshot"}')), text_answer("ok")]
    )
    result = await Agent(model, tools=[computer]).generate("x")
    call = result.steps[0].tool_calls[0]
    assert call.invalid and "provider-defined" in call.validation_error


async def test_executable_provider_tool_is_sent_as_provider_tool_and_run() -> None:
    definition = ProviderDefinedTool(
        id="anthropic.computer", name="computer", args={"display_width_px": 1920}
    )
    png = b"\x89PNG\r\n"

    async def screenshot(data: dict[str, Any], ctx: ToolContext) -> ToolResponse:
        assert data == {"action": "screenshot"}
        return ToolResponse(media=png, media_type="image/png")

    computer = ExecutableProviderTool(definition, screenshot)
    model = ScriptedModel(
        [calls_response(("computer", '{"action":"screenshot"}')), text_answer("a desktop")]
    )
    result = await Agent(model, tools=[computer]).generate("Take a screenshot")
    assert model.calls[0].tools == (definition,)
    assert result.steps[0].tool_results[0].result == MediaOutput(data=png, media_type="image/png")
    assert result.text == "a desktop"


async def test_tool_returning_models_dicts_and_outputs() -> None:
    from pydantic import BaseModel

    class Forecast(BaseModel):
        temp: int

    values: dict[str, Any] = {
        "model": Forecast(temp=40),
        "dict": {"temp": 40},
        "none": None,
        "error": ErrorOutput(error="nope"),
        "number": 3,
    }
    tools = [
        AgentTool(name, "x", {"type": "object"}, lambda data, ctx, v=value: v)
        for name, value in values.items()
    ]
    model = ScriptedModel(
        [calls_response(*[(name, "{}", name) for name in values]), text_answer("ok")]
    )
    result = await Agent(model, tools=tools).generate("x")
    assert [r.result for r in result.steps[0].tool_results] == [
        TextOutput(text='{"temp":40}'),
        TextOutput(text='{"temp":40}'),
        TextOutput(text=""),
        ErrorOutput(error="nope"),
        TextOutput(text="3"),
    ]


def test_weather_schema_is_valid() -> None:
    assert weather_tool().definition.input_schema == WEATHER_SCHEMA
