"""OpenTelemetry spans and metrics for agent runs, model calls and tool executions.

Follows the OpenTelemetry semantic conventions for generative AI: an ``invoke_agent``
span per run, a ``chat <model>`` client span per model call (one per attempt: a retried
call shows as a failed span and a new one, and as a ``gen_ai.retry`` event on the run),
and an ``execute_tool <name>`` span per tool execution, made current while the tool
runs so that work inside it (an agent used as a tool, a plain model call) nests under
it. Model-call spans are parented on the run's span explicitly, never by attaching a
context inside the stream's generator. Metrics: ``gen_ai.client.token.usage`` and
``gen_ai.client.operation.duration``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from fantasy._version import __version__
from fantasy.content import ToolCallContent
from fantasy.model import Call, LanguageModel
from fantasy.otel import _content
from fantasy.response import Response
from fantasy.retry import Retry
from fantasy.usage import Usage

__all__ = ["OTelTracer", "provider_name"]

_INSTRUMENTATION = "fantasy"
# The conventions' well-known provider names, by fantasy provider name.
_PROVIDERS = {
    "openai": "openai",
    "openai-responses": "openai",
    "azure": "azure.ai.openai",
    "azure-responses": "azure.ai.openai",
    "anthropic": "anthropic",
    "anthropic-vertex": "gcp.vertex_ai",
    "bedrock": "aws.bedrock",
    "google": "gcp.gemini",
    "google-vertex": "gcp.vertex_ai",
    "mistral": "mistral_ai",
}
_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)
_DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48)
_SETTINGS = (
    ("gen_ai.request.max_tokens", "max_output_tokens"),
    ("gen_ai.request.temperature", "temperature"),
    ("gen_ai.request.top_p", "top_p"),
    ("gen_ai.request.top_k", "top_k"),
    ("gen_ai.request.presence_penalty", "presence_penalty"),
    ("gen_ai.request.frequency_penalty", "frequency_penalty"),
    ("gen_ai.request.seed", "seed"),
)


def provider_name(provider: str) -> str:
    """``gen_ai.provider.name`` for a fantasy provider (its own name when not well known)."""
    return _PROVIDERS.get(provider, provider)


def _stopped(error: BaseException | None) -> bool:
    """Whether ``error`` is a stop rather than a failure (closed, cancelled)."""
    return error is not None and not isinstance(error, Exception)


def _fail(span: Span, error: BaseException) -> None:
    span.set_attribute("error.type", type(error).__qualname__)
    span.set_status(Status(StatusCode.ERROR, str(error)[:500]))
    span.record_exception(error)


def _usage_attributes(span: Span, usage: Usage) -> None:
    span.set_attribute("gen_ai.usage.input_tokens", usage.input_tokens)
    span.set_attribute("gen_ai.usage.output_tokens", usage.output_tokens)
    if usage.cache_read_tokens:
        span.set_attribute("gen_ai.usage.cache_read.input_tokens", usage.cache_read_tokens)
    if usage.cache_creation_tokens:
        span.set_attribute("gen_ai.usage.cache_creation.input_tokens", usage.cache_creation_tokens)
    if usage.reasoning_tokens:
        span.set_attribute("gen_ai.usage.reasoning.output_tokens", usage.reasoning_tokens)


class OTelTracer:
    """Traces agent runs (and, through ``InstrumentedModel``, plain model calls).

    Args:
        tracer_provider: Where spans go (default: the global tracer provider).
        meter_provider: Where metrics go (default: the global meter provider).
        capture_content: Record prompts, answers, tool arguments and results (off by
            default: they may hold personal data). API keys and headers are never recorded.
        agent_name: ``gen_ai.agent.name`` of the runs it traces.
    """

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        capture_content: bool = False,
        agent_name: str = "",
    ) -> None:
        self.tracer = trace.get_tracer(_INSTRUMENTATION, __version__, tracer_provider)
        meter = metrics.get_meter(_INSTRUMENTATION, __version__, meter_provider)
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self.capture_content = capture_content
        self.agent_name = agent_name

    def agent_run(self, run: Any) -> RunSpan:
        """The trace of an agent run starting now (a child of the current span)."""
        return RunSpan(self, run.model, run.prompt)

    def call_span(
        self, model: LanguageModel, call: Call, *, streaming: bool, parent: Span | None = None
    ) -> CallSpan:
        """The trace of one model call starting now (under ``parent``, else the current span)."""
        return CallSpan(self, model, call, parent)


class CallSpan:
    """A ``chat <model>`` span and its metrics, ended by :meth:`finish`."""

    def __init__(
        self, tracer: OTelTracer, model: LanguageModel, call: Call, parent: Span | None
    ) -> None:
        self._tracer = tracer
        self._started = time.perf_counter()
        provider = provider_name(model.provider)
        self._base: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model.model_id,
        }
        attributes = dict(self._base)
        for key, name in _SETTINGS:
            value = getattr(call, name)
            if value is not None:
                attributes[key] = value
        if call.stop_sequences:
            attributes["gen_ai.request.stop_sequences"] = list(call.stop_sequences)
        if tracer.capture_content:
            prompt = list(call.prompt)
            attributes["gen_ai.input.messages"] = _content.dumps(_content.input_messages(prompt))
            system = _content.system_instructions(prompt)
            if system:
                attributes["gen_ai.system_instructions"] = _content.dumps(system)
        context = trace.set_span_in_context(parent) if parent is not None else None
        self.span = tracer.tracer.start_span(
            f"chat {model.model_id}", context=context, kind=SpanKind.CLIENT, attributes=attributes
        )

    def finish(self, response: Response | None, error: BaseException | None) -> None:
        """End the span with the response's details, or the error."""
        span = self.span
        metric = dict(self._base)
        if response is not None:
            if response.info.model_id:
                span.set_attribute("gen_ai.response.model", response.info.model_id)
                metric["gen_ai.response.model"] = response.info.model_id
            if response.info.id:
                span.set_attribute("gen_ai.response.id", response.info.id)
            span.set_attribute("gen_ai.response.finish_reasons", [str(response.finish_reason)])
            _usage_attributes(span, response.usage)
            if self._tracer.capture_content:
                output = _content.output_messages(response.content, str(response.finish_reason))
                span.set_attribute("gen_ai.output.messages", _content.dumps(output))
            tokens = self._tracer.tokens
            tokens.record(response.usage.input_tokens, {**metric, "gen_ai.token.type": "input"})
            tokens.record(response.usage.output_tokens, {**metric, "gen_ai.token.type": "output"})
        elif _stopped(error):
            span.set_attribute("fantasy.cancelled", True)
        elif error is not None:
            _fail(span, error)
            metric["error.type"] = type(error).__qualname__
        self._tracer.duration.record(time.perf_counter() - self._started, metric)
        span.end()


class ToolSpan:
    """The span of one tool execution; :meth:`ended` records its result (on opt-in)."""

    def __init__(self, span: Span, capture_content: bool) -> None:
        self.span = span
        self._capture = capture_content

    def ended(self, response: Any) -> None:
        """The tool returned ``response`` (a ``ToolResponse``)."""
        if getattr(response, "error", None):
            self.span.set_attribute("error.type", "ToolError")
            self.span.set_status(Status(StatusCode.ERROR, str(response.error)[:500]))
        if self._capture:
            self.span.set_attribute("gen_ai.tool.call.result", _content.tool_response(response))


class RunSpan:
    """An ``invoke_agent`` span: the parent of the run's model calls and tool executions."""

    def __init__(self, tracer: OTelTracer, model: LanguageModel, prompt: Any) -> None:
        self._tracer = tracer
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.provider.name": provider_name(model.provider),
            "gen_ai.request.model": model.model_id,
        }
        name = "invoke_agent"
        if tracer.agent_name:
            attributes["gen_ai.agent.name"] = tracer.agent_name
            name = f"invoke_agent {tracer.agent_name}"
        if tracer.capture_content:
            attributes["gen_ai.input.messages"] = _content.dumps(_content.input_messages(prompt))
        self.span = tracer.tracer.start_span(name, kind=SpanKind.INTERNAL, attributes=attributes)

    def model_call(self, model: LanguageModel, call: Call, *, streaming: bool) -> CallSpan:
        """A model call of this run (a child of the run's span)."""
        return self._tracer.call_span(model, call, streaming=streaming, parent=self.span)

    @contextmanager
    def tool_call(self, call: ToolCallContent) -> Iterator[ToolSpan]:
        """An ``execute_tool`` span, current while the tool runs."""
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.tool_name,
            "gen_ai.tool.call.id": call.tool_call_id,
            "gen_ai.tool.type": "function",
        }
        if self._tracer.capture_content:
            attributes["gen_ai.tool.call.arguments"] = call.input
        span = self._tracer.tracer.start_span(
            f"execute_tool {call.tool_name}",
            context=trace.set_span_in_context(self.span),
            kind=SpanKind.INTERNAL,
            attributes=attributes,
        )
        with trace.use_span(span, end_on_exit=True, record_exception=False):
            try:
                yield ToolSpan(span, self._tracer.capture_content)
            except Exception as error:
                _fail(span, error)
                raise

    def retry(self, retry: Retry) -> None:
        """A ``gen_ai.retry`` event on the run's span."""
        self.span.add_event(
            "gen_ai.retry",
            {
                "fantasy.retry.attempt": retry.attempt,
                "fantasy.retry.delay": retry.delay,
                "error.type": type(retry.error).__qualname__,
            },
        )

    def finish(self, result: Any, error: BaseException | None) -> None:
        """End the run's span with its total usage, or its error."""
        span = self.span
        if result is not None:
            _usage_attributes(span, result.total_usage)
            reason = getattr(result, "stop_reason", None)
            if reason is not None:
                span.set_attribute("fantasy.stop_reason", str(reason))
            if self._tracer.capture_content:
                output = _content.output_messages(result.steps[-1].response.content, str(reason))
                span.set_attribute("gen_ai.output.messages", _content.dumps(output))
        elif error is not None:
            _fail(span, error)
        else:
            span.set_attribute("fantasy.cancelled", True)
        span.end()
