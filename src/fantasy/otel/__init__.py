"""OpenTelemetry GenAI tracing for fantasy (the ``otel`` extra: ``opentelemetry-api``).

Off by default and free when off: nothing here is imported by ``import fantasy``, and
an untraced run pays one ``is None`` check per seam. Turn it on for every agent, or
for one::

    import fantasy.otel

    fantasy.otel.instrument()               # every agent run, global providers
    fantasy.otel.instrument(agent)          # this agent only
    model = fantasy.otel.InstrumentedModel(model)  # plain model calls, objects too

Spans follow the GenAI semantic conventions (``invoke_agent``, ``chat <model>``,
``execute_tool <name>``); prompts, answers and tool data are recorded only with
``capture_content=True``. Send them anywhere with the OpenTelemetry SDK and an OTLP
exporter (Jaeger, Langfuse, Logfire, ...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from opentelemetry import metrics, trace

from fantasy import stream
from fantasy._telemetry import set_global_tracer
from fantasy.model import BaseLanguageModel, Call, LanguageModel, ObjectMode
from fantasy.otel._tracer import CallSpan, OTelTracer, RunSpan, ToolSpan, provider_name
from fantasy.response import Response

if TYPE_CHECKING:
    from fantasy.agent import Agent

__all__ = [
    "CallSpan",
    "InstrumentedModel",
    "OTelTracer",
    "RunSpan",
    "ToolSpan",
    "instrument",
    "provider_name",
    "uninstrument",
]


def instrument(
    agent: Agent[Any, Any] | None = None,
    *,
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
    capture_content: bool = False,
    agent_name: str = "",
) -> OTelTracer:
    """Trace ``agent``'s runs, or every agent's when ``agent`` is ``None``; returns the tracer.

    Args:
        agent: The agent to trace (default: all agents, including those made later).
        tracer_provider: Where spans go (default: OpenTelemetry's global provider).
        meter_provider: Where metrics go (default: OpenTelemetry's global provider).
        capture_content: Also record prompts, answers, tool arguments and results.
        agent_name: ``gen_ai.agent.name`` of the traced runs.
    """
    tracer = OTelTracer(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        capture_content=capture_content,
        agent_name=agent_name,
    )
    if agent is None:
        set_global_tracer(tracer)
    else:
        agent.tracer = tracer
    return tracer


def uninstrument(agent: Agent[Any, Any] | None = None) -> None:
    """Stop tracing ``agent`` (or, with ``None``, stop the global tracing)."""
    if agent is None:
        set_global_tracer(None)
    else:
        agent.tracer = None


class InstrumentedModel(BaseLanguageModel):
    """A model whose every call is a ``chat <model>`` span (objects and streams too).

    For model calls made outside an agent (an agent already traces its own calls: do
    not wrap an agent's model as well, or each call is traced twice).

    Args:
        model: The model to trace.
        tracer: The tracer (default: one on the global providers, content not captured).
    """

    def __init__(self, model: LanguageModel, *, tracer: OTelTracer | None = None) -> None:
        super().__init__(provider=model.provider, model_id=model.model_id)
        self.model = model
        self.tracer = tracer if tracer is not None else OTelTracer()
        self.default_object_mode: ObjectMode = getattr(model, "default_object_mode", "json")

    def supports_json_schema(self) -> bool:
        """As the wrapped model."""
        supports = getattr(self.model, "supports_json_schema", None)
        return bool(supports()) if callable(supports) else True

    async def generate(self, call: Call) -> Response:
        """The wrapped model's ``generate``, in a span."""
        span = self.tracer.call_span(self.model, call, streaming=False)
        try:
            response = await self.model.generate(call)
        except BaseException as error:
            span.finish(None, error)
            raise
        span.finish(response, None)
        return response

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        """The wrapped model's ``stream``, in a span that ends with the stream."""
        span = self.tracer.call_span(self.model, call, streaming=True)
        accumulator = stream.StreamAccumulator()
        failure: BaseException | None = None
        parts = self.model.stream(call)
        try:
            async for part in parts:
                accumulator.add(part)
                if isinstance(part, stream.Error):
                    failure = part.error
                yield part
        except BaseException as error:
            span.finish(None, error)
            raise
        finally:
            aclose = getattr(parts, "aclose", None)
            if aclose is not None:
                await aclose()
        span.finish(None if failure else accumulator.response(), failure)
