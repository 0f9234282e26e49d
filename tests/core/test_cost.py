"""Costs: the offline price table (genai-prices), a provider-reported cost winning,
unknown models and providers giving None, sums over steps and runs."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fantasy.agent import Agent
from fantasy.content import TextContent, ToolCallContent
from fantasy.cost import Cost, cost_of, price, total_cost
from fantasy.response import Response, ResponseInfo
from fantasy.testing import ScriptedModel
from fantasy.usage import FinishReason, Usage

pytest.importorskip("genai_prices", reason="prices need the prices extra (genai-prices)")
pytestmark = pytest.mark.anyio

USAGE = Usage.of(input_tokens=1_000_000, output_tokens=100_000, cache_read_tokens=200_000)


def test_table_price_with_cache_tier() -> None:
    cost = price(USAGE, "gpt-4o", "openai")
    assert cost is not None and cost.source == "table"
    # 800k fresh input at $2.50/M, 200k cached at $1.25/M, 100k output at $10/M
    assert cost.input == Decimal("2.25") and cost.output == Decimal("1")
    assert cost.total == Decimal("3.25")
    assert str(cost) == "$3.250000"


@pytest.mark.parametrize(
    ("model_id", "provider"),
    [
        ("no-such-model-xyz", "openai"),
        ("gpt-4o", "openai-compat"),
        ("gpt-4o", "test"),
        ("", "openai"),
    ],
)
def test_unknown_is_none_never_a_guess(model_id: str, provider: str) -> None:
    assert price(USAGE, model_id, provider) is None


def test_provider_reported_cost_wins() -> None:
    response = Response(
        usage=USAGE,
        provider_metadata={"openrouter": {"cost": 0.0123}},
        info=ResponseInfo(model_id="gpt-4o", provider="openai"),
    )
    assert cost_of(response) == Cost(total=Decimal("0.0123"), source="provider")


def test_sums_are_unknown_when_a_part_is() -> None:
    a = Cost(total=Decimal("1"), input=Decimal("0.5"), output=Decimal("0.5"))
    b = Cost(total=Decimal("2"))
    assert (a + b).total == Decimal("3") and (a + b).input is None
    assert sum([a, a]).total == Decimal("2")  # type: ignore[union-attr]
    assert total_cost([a, None]) is None
    assert total_cost([]) is None


def answer(text: str, calls: bool = False) -> Response:
    content: tuple[object, ...] = (
        (ToolCallContent(tool_call_id="c1", tool_name="echo", input=json.dumps({"text": "x"})),)
        if calls
        else (TextContent(text=text),)
    )
    return Response(
        content=content,  # type: ignore[arg-type]
        finish_reason=FinishReason.TOOL_CALLS if calls else FinishReason.STOP,
        usage=Usage.of(input_tokens=1000, output_tokens=100),
        info=ResponseInfo(model_id="claude-sonnet-4-5"),
    )


async def test_agent_steps_and_run_carry_their_cost() -> None:
    def echo(text: str) -> str:
        """Echo."""
        return text

    model = ScriptedModel([answer("", calls=True), answer("done")], provider="anthropic")
    result = await Agent(model, tools=[echo]).generate("go")
    step_costs = [step.cost for step in result.steps]
    assert all(c is not None and c.total > 0 for c in step_costs)
    assert result.steps[0].response.info.provider == "anthropic"
    assert result.cost is not None
    assert result.cost.total == sum(c.total for c in step_costs if c is not None)
    again = Response.from_dict(json.loads(json.dumps(result.steps[0].response.to_dict())))
    assert again.info.provider == "anthropic" and again.cost == step_costs[0]


async def test_unknown_model_makes_the_run_cost_unknown() -> None:
    result = await Agent(ScriptedModel(["hi"])).generate("x")  # the test provider has no table
    assert result.cost is None and result.steps[0].cost is None
