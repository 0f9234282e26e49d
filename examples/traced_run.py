"""An agent run traced with OpenTelemetry, its spans printed: ``python examples/traced_run.py``.

Needs the ``otel`` extra and the OpenTelemetry SDK (both in the ``dev`` extra).
"""

from __future__ import annotations

from _model import pick_model
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import fantasy
import fantasy.otel


@fantasy.tool
def weather(city: str) -> str:
    """Weather in a city."""
    return f"sunny in {city}"


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    agent = fantasy.Agent(pick_model(), tools=[weather])
    fantasy.otel.instrument(agent, tracer_provider=provider)
    agent.generate_sync("Weather in Rome?")
    spans = sorted(exporter.get_finished_spans(), key=lambda span: span.start_time or 0)
    for span in spans:
        depth = 0 if span.parent is None else 1
        tokens = span.attributes.get("gen_ai.usage.output_tokens", "") if span.attributes else ""
        print(f"{'  ' * depth}{span.name}  {tokens}")


if __name__ == "__main__":
    main()
