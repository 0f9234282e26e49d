"""OpenTelemetry GenAI tracing, checked with the SDK's own in-memory exporters: the span
tree, attribute values, errors, retries, opt-in content, streaming, parallel tools,
agents as tools, plain model calls and objects, and metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="tracing tests need the otel extra and the SDK")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

import fantasy
import fantasy.otel
from fantasy.agent import Agent
from fantasy.content import TextContent, ToolCallContent
from fantasy.errors import ProviderError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.object import ObjectCall
from fantasy.response import Response, ResponseInfo
from fantasy.retry import RetryPolicy
from fantasy.testing import ScriptedModel
from fantasy.usage import FinishReason, Usage

pytestmark = pytest.mark.anyio

NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0, jitter=False)


class Otel:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.metrics = InMemoryMetricReader()
        self.meters = MeterProvider(metric_readers=[self.metrics])

    def tracer(self, **kw: Any) -> fantasy.otel.OTelTracer:
        return fantasy.otel.OTelTracer(
            tracer_provider=self.provider, meter_provider=self.meters, **kw
        )

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def named(self, prefix: str) -> list[ReadableSpan]:
        return [s for s in self.finished() if s.name.startswith(prefix)]

    def metric_points(self, name: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        points = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        points.extend(metric.data.data_points)
        return points


@pytest.fixture
def otel() -> Iterator[Otel]:
    yield Otel()
    fantasy.otel.uninstrument()


def calls(*names: str, arguments: dict[str, Any] | None = None) -> Response:
    raw = json.dumps(arguments or {"city": "Rome"})
    content = tuple(
        ToolCallContent(tool_call_id=f"c{i}", tool_name=name, input=raw)
        for i, name in enumerate(names)
    )
    return Response(
        content=content,
        finish_reason=FinishReason.TOOL_CALLS,
        usage=Usage.of(input_tokens=10, output_tokens=4, cache_read_tokens=6),
        info=ResponseInfo(id="resp_1", model_id="scripted-2026"),
    )


def answer(text: str) -> Response:
    return Response(
        content=(TextContent(text=text),),
        finish_reason=FinishReason.STOP,
        usage=Usage.of(input_tokens=20, output_tokens=6),
        info=ResponseInfo(id="resp_2", model_id="scripted-2026"),
    )


@fantasy.tool
def weather(city: str) -> str:
    """Weather in a city."""
    return f"sunny in {city}"


@fantasy.tool
def broken(city: str) -> str:
    """A tool that fails."""
    raise KeyError(city)


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


@pytest.mark.parametrize("streaming", [False, True])
async def test_span_tree_and_attributes(otel: Otel, streaming: bool) -> None:
    model = ScriptedModel([calls("weather", "weather"), answer("Sunny.")], provider="openai")
    agent = Agent(model, tools=[weather], temperature=0.3, max_output_tokens=100)
    fantasy.otel.instrument(agent, tracer_provider=otel.provider, meter_provider=otel.meters)
    if streaming:
        run = agent.stream("Weather in Rome?")
        async for _ in run:
            pass
        result = await run.result()
    else:
        result = await agent.generate("Weather in Rome?")
    assert result.text == "Sunny."
    (root,) = otel.named("invoke_agent")
    chats = otel.named("chat ")
    tools = otel.named("execute_tool ")
    assert [s.name for s in chats] == ["chat scripted", "chat scripted"]
    assert [s.name for s in tools] == ["execute_tool weather", "execute_tool weather"]
    assert all(parent_of(s) == root.context.span_id for s in (*chats, *tools))  # siblings
    assert root.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert root.attributes["gen_ai.provider.name"] == "openai"
    assert root.attributes["gen_ai.usage.input_tokens"] == 30
    chat = chats[0]
    assert chat.kind == SpanKind.CLIENT
    assert chat.attributes["gen_ai.operation.name"] == "chat"
    assert chat.attributes["gen_ai.request.model"] == "scripted"
    assert chat.attributes["gen_ai.request.temperature"] == 0.3
    assert chat.attributes["gen_ai.request.max_tokens"] == 100
    assert chat.attributes["gen_ai.response.model"] == "scripted-2026"
    assert chat.attributes["gen_ai.response.finish_reasons"] == ("tool-calls",)
    assert chat.attributes["gen_ai.usage.output_tokens"] == 4
    assert chat.attributes["gen_ai.usage.cache_read.input_tokens"] == 6
    tool = tools[0]
    assert tool.attributes["gen_ai.tool.name"] == "weather"
    assert tool.attributes["gen_ai.tool.call.id"] == "c0"
    assert "gen_ai.tool.call.arguments" not in tool.attributes  # content is opt-in
    assert "gen_ai.input.messages" not in chat.attributes
    assert all(s.end_time is not None for s in otel.finished())


async def test_content_is_recorded_only_on_opt_in(otel: Otel) -> None:
    model = ScriptedModel([calls("weather"), answer("Sunny.")])
    agent = Agent(model, system_prompt="Be brief.", tools=[weather])
    agent.tracer = otel.tracer(capture_content=True)
    await agent.generate("Weather in Rome?")
    chat = otel.named("chat ")[0]
    assert json.loads(chat.attributes["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be brief."}
    ]
    messages = json.loads(chat.attributes["gen_ai.input.messages"])
    assert messages == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather in Rome?"}]}
    ]
    output = json.loads(chat.attributes["gen_ai.output.messages"])
    assert output[0]["parts"][0] == {
        "type": "tool_call",
        "id": "c0",
        "name": "weather",
        "arguments": {"city": "Rome"},
    }
    tool = otel.named("execute_tool")[0]
    assert json.loads(tool.attributes["gen_ai.tool.call.arguments"]) == {"city": "Rome"}
    assert tool.attributes["gen_ai.tool.call.result"] == "sunny in Rome"


async def test_errors_retries_and_tool_failures(otel: Otel) -> None:
    model = ScriptedModel(
        [ProviderError("busy", status_code=503), calls("broken"), answer("Sorry.")]
    )
    agent = Agent(model, tools=[broken], retry=NO_WAIT)
    agent.tracer = otel.tracer()
    await agent.generate("go")
    failed, ok, _last = otel.named("chat ")
    assert failed.status.status_code == StatusCode.ERROR
    assert failed.attributes["error.type"] == "ProviderError"
    assert ok.status.status_code == StatusCode.UNSET
    (root,) = otel.named("invoke_agent")
    assert [e.name for e in root.events] == ["gen_ai.retry"]
    assert root.events[0].attributes["error.type"] == "ProviderError"
    (tool,) = otel.named("execute_tool")
    assert tool.status.status_code == StatusCode.ERROR
    assert tool.attributes["error.type"] == "KeyError"


async def test_a_failed_run_is_an_error_span(otel: Otel) -> None:
    agent = Agent(ScriptedModel([ProviderError("denied", status_code=401)]))
    agent.tracer = otel.tracer()
    with pytest.raises(ProviderError):
        await agent.generate("hi")
    (root,) = otel.named("invoke_agent")
    assert root.status.status_code == StatusCode.ERROR
    assert root.attributes["error.type"] in ("AuthenticationError", "ProviderError")


async def test_global_instrumentation_and_agents_as_tools_nest(otel: Otel) -> None:
    fantasy.otel.instrument(tracer_provider=otel.provider, meter_provider=otel.meters)
    inner = Agent(ScriptedModel([answer("inner answer")]))
    outer = Agent(
        ScriptedModel([calls("helper", arguments={"prompt": "help"}), answer("done")]),
        tools=[inner.as_tool("helper", "Asks the helper agent")],
    )
    await outer.generate("delegate")
    roots = otel.named("invoke_agent")
    assert len(roots) == 2
    (tool,) = otel.named("execute_tool helper")
    nested = [r for r in roots if parent_of(r) == tool.context.span_id]
    assert len(nested) == 1  # the inner run is a child of the outer tool span
    inner_chat = [c for c in otel.named("chat ") if parent_of(c) == nested[0].context.span_id]
    assert len(inner_chat) == 1


async def test_plain_model_calls_objects_and_metrics(otel: Otel) -> None:
    model = fantasy.otel.InstrumentedModel(
        ScriptedModel([answer("hello"), answer('{"a": 1}'), answer("streamed")]),
        tracer=otel.tracer(),
    )
    await model.generate(Call(prompt=[user_message("hi")]))
    result = await model.generate_object(
        ObjectCall(prompt=[user_message("x")], schema={"type": "object"}, mode="text")
    )
    assert result.object == {"a": 1}
    parts = [p async for p in model.stream(Call(prompt=[user_message("s")]))]
    assert parts
    chats = otel.named("chat ")
    assert len(chats) == 3 and all(s.parent is None for s in chats)
    tokens = otel.metric_points("gen_ai.client.token.usage")
    assert {p.attributes["gen_ai.token.type"] for p in tokens} == {"input", "output"}
    assert sum(p.sum for p in tokens if p.attributes["gen_ai.token.type"] == "input") == 60
    durations = otel.metric_points("gen_ai.client.operation.duration")
    assert durations and durations[0].count == 3


def test_provider_names() -> None:
    assert fantasy.otel.provider_name("bedrock") == "aws.bedrock"
    assert fantasy.otel.provider_name("google") == "gcp.gemini"
    assert fantasy.otel.provider_name("openrouter") == "openrouter"
