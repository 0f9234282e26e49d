"""What a call cost: a provider's own figure, else the offline price table of ``genai-prices``.

:func:`price` prices a :class:`~fantasy.usage.Usage` for a model of a provider with the
price table bundled in the ``genai-prices`` package (the ``prices`` extra; it is never
fetched at run time unless you ask ``genai_prices`` to update it): input, output, cache
reads and cache writes each at their tier. :func:`cost_of` prices a response: a cost the
provider reported in its metadata (OpenRouter does) wins over the table.

Never a wrong number: a model or provider the table does not know, a provider without a
table (OpenAI-compatible servers, the test model) or a missing ``genai-prices`` gives
``None``, not a guess. Costs add up (``a + b``, ``sum(...)``); a sum with an unknown part
is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from fantasy.response import Response
    from fantasy.usage import Usage

__all__ = ["Cost", "cost_of", "price", "total_cost"]

# fantasy provider name → the price table's provider id; providers not listed have no
# table (a self-hosted server, a gateway whose price depends on the route, the test model).
_TABLE_PROVIDERS = {
    "openai": "openai",
    "openai-responses": "openai",
    "azure": "azure",
    "azure-responses": "azure",
    "anthropic": "anthropic",
    "bedrock": "aws",
    "google": "google",
    "google-vertex": "google",
    "openrouter": "openrouter",
    "mistral": "mistral",
    "voyage": "voyageai",
}


@dataclass(frozen=True, slots=True)
class Cost:
    """A price in US dollars.

    Attributes:
        total: The whole price.
        input: The part for input tokens (cache reads and writes included), when known.
        output: The part for output tokens, when known.
        source: ``"table"`` (the price table) or ``"provider"`` (reported by the provider).
    """

    total: Decimal
    input: Decimal | None = None
    output: Decimal | None = None
    source: Literal["table", "provider", "sum"] = "table"
    currency: str = "USD"

    def __add__(self, other: Cost) -> Cost:
        if not isinstance(other, Cost):
            return NotImplemented
        return Cost(
            total=self.total + other.total,
            input=_add(self.input, other.input),
            output=_add(self.output, other.output),
            source="sum",
        )

    def __radd__(self, other: object) -> Cost:
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented

    def __str__(self) -> str:
        return f"${self.total:.6f}"


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def total_cost(costs: Iterable[Cost | None]) -> Cost | None:
    """The sum of ``costs``; ``None`` when any is unknown or there are none."""
    out: Cost | None = None
    for cost in costs:
        if cost is None:
            return None
        out = cost if out is None else out + cost
    return out


def price(usage: Usage, model_id: str, provider: str) -> Cost | None:
    """The table price of ``usage`` on ``provider``'s ``model_id``, or ``None`` if unknown."""
    table_provider = _TABLE_PROVIDERS.get(provider)
    if table_provider is None or not model_id:
        return None
    try:
        import genai_prices
    except ImportError:
        return None
    table_usage = genai_prices.Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_creation_tokens,
    )
    try:
        calculation = genai_prices.calc_price(table_usage, model_id, provider_id=table_provider)
    except (LookupError, ValueError):
        return None
    return Cost(
        total=Decimal(calculation.total_price),
        input=Decimal(calculation.input_price),
        output=Decimal(calculation.output_price),
    )


def _reported(metadata: Mapping[str, Any]) -> Cost | None:
    for value in metadata.values():
        cost = value.get("cost") if isinstance(value, Mapping) else getattr(value, "cost", None)
        if isinstance(cost, int | float | Decimal) and not isinstance(cost, bool) and cost >= 0:
            return Cost(total=Decimal(str(cost)), source="provider")
    return None


def cost_of(response: Response, provider: str = "") -> Cost | None:
    """What ``response`` cost: the provider's reported figure, else the table price.

    ``provider`` defaults to the one the response names (responses of agent runs do).
    """
    reported = _reported(response.provider_metadata)
    if reported is not None:
        return reported
    name = provider or response.info.provider
    return price(response.usage, response.info.model_id, name)
