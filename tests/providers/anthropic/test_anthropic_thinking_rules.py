"""Newest Claude thinking rules: adaptive-only models, effort implies adaptive, display."""

from __future__ import annotations

from typing import Any

import pytest

from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.anthropic._thinking import thinking_rule
from fantasy.providers.anthropic.convert import convert_call

BUDGET = {"thinking": {"budget_tokens": 2000}}
EFFORT = {"effort": "high"}

# (model id, anthropic options, expected "thinking", max_tokens, warned settings)
CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None, int, list[str]]] = [
    ("claude-sonnet-4-5", BUDGET, {"type": "enabled", "budget_tokens": 2000}, 3000, []),
    ("claude-opus-4-6", BUDGET, {"type": "enabled", "budget_tokens": 2000}, 3000, []),
    ("claude-opus-4-7", BUDGET, {"type": "adaptive"}, 1000, ["thinking.budget_tokens"]),
    ("claude-opus-5", BUDGET, {"type": "adaptive"}, 1000, ["thinking.budget_tokens"]),
    ("claude-mythos-preview", BUDGET, {"type": "adaptive"}, 1000, ["thinking.budget_tokens"]),
    (
        "us.anthropic.claude-opus-4-7-v1:0",  # Bedrock form
        BUDGET,
        {"type": "adaptive"},
        1000,
        ["thinking.budget_tokens"],
    ),
    ("claude-opus-4-7@20260101", BUDGET, {"type": "adaptive"}, 1000, ["thinking.budget_tokens"]),
    # effort implies adaptive on models that have it, and only there
    ("claude-sonnet-4-6", EFFORT, {"type": "adaptive"}, 1000, []),
    ("claude-opus-4-7", EFFORT, {"type": "adaptive"}, 1000, []),
    ("claude-opus-4-5", EFFORT, None, 1000, []),
    ("claude-haiku-4-5", EFFORT, None, 1000, []),
    # an explicit choice wins over the implication
    (
        "claude-sonnet-4-6",
        {**EFFORT, "thinking": {"type": "disabled"}},
        {"type": "disabled"},
        1000,
        [],
    ),
    # display goes on any thinking that is on
    (
        "claude-opus-4-7",
        {"thinking": {"type": "adaptive"}, "thinking_display": "summarized"},
        {"type": "adaptive", "display": "summarized"},
        1000,
        [],
    ),
    (
        "claude-sonnet-4-5",
        {**BUDGET, "thinking_display": "omitted"},
        {"type": "enabled", "budget_tokens": 2000, "display": "omitted"},
        3000,
        [],
    ),
    ("claude-sonnet-4-5", {"thinking_display": "omitted"}, None, 1000, ["thinking_display"]),
    ("", BUDGET, {"type": "enabled", "budget_tokens": 2000}, 3000, []),
]


@pytest.mark.parametrize(("model_id", "options", "thinking", "max_tokens", "warned"), CASES)
def test_thinking_rules(
    model_id: str,
    options: dict[str, Any],
    thinking: dict[str, Any] | None,
    max_tokens: int,
    warned: list[str],
) -> None:
    call = Call(
        prompt=(user_message("hi"),),
        max_output_tokens=1000,
        provider_options={"anthropic": options},
    )
    converted = convert_call(call, model_id=model_id)
    assert converted.body.get("thinking") == thinking
    assert converted.body["max_tokens"] == max_tokens
    assert [w.setting for w in converted.warnings] == warned
    if "effort" in options:
        assert converted.body["output_config"] == {"effort": "high"}


@pytest.mark.parametrize(
    ("model_id", "display"),
    [
        ("claude-opus-4-7", "omitted"),
        ("claude-mythos-preview", "omitted"),
        ("claude-opus-4-6", "summarized"),
        ("claude-3-7-sonnet-20250219", "summarized"),
        ("gpt-5", "summarized"),
    ],
)
def test_documented_display_defaults(model_id: str, display: str) -> None:
    assert thinking_rule(model_id).default_display == display


@pytest.mark.parametrize(
    ("model_id", "adaptive", "only"),
    [
        ("claude-sonnet-4-20250514", False, False),
        ("claude-opus-4-1", False, False),
        ("claude-opus-4-6", True, False),
        ("claude-sonnet-4-6", True, False),
        ("claude-opus-4-7", True, True),
        ("claude-opus-4-10", True, True),
        ("claude-3-opus-20240229", False, False),
    ],
)
def test_rule_table(model_id: str, adaptive: bool, only: bool) -> None:
    rule = thinking_rule(model_id)
    assert (rule.adaptive, rule.adaptive_only) == (adaptive, only)


def test_extra_body_is_merged_last() -> None:
    call = Call(
        prompt=(user_message("hi"),),
        provider_options={
            "anthropic": {"extra_body": {"context_management": {"x": 1}, "max_tokens": 7}}
        },
    )
    body = convert_call(call).body
    assert body["context_management"] == {"x": 1}
    assert body["max_tokens"] == 7
