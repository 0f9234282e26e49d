"""Claude's native structured outputs: the support rule and the schema it gets."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fantasy.messages import user_message
from fantasy.model import Call, ResponseFormat
from fantasy.providers.anthropic._structured import (
    claude_version,
    output_format,
    strict_schema,
    supports_structured_outputs,
)
from fantasy.providers.anthropic.convert import convert_call


@pytest.mark.parametrize(
    ("model_id", "version"),
    [
        ("claude-sonnet-4-5-20250929", (4, 5)),
        ("claude-sonnet-4-5", (4, 5)),
        ("claude-haiku-4-5@20251001", (4, 5)),
        ("us.anthropic.claude-opus-4-6-v1:0", (4, 6)),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", (4, 5)),
        ("claude-sonnet-4-20250514", (4, 0)),
        ("claude-opus-4-1", (4, 1)),
        ("claude-opus-4-1-20250805", (4, 1)),
        ("claude-sonnet-4@20250514", (4, 0)),
        ("claude-opus-5", (5, 0)),
        ("Claude-Sonnet-4.5", (4, 5)),
        ("claude-3-7-sonnet-20250219", None),
        ("claude-3-5-haiku-latest", None),
        ("my-fine-tune", None),
    ],
)
def test_claude_version(model_id: str, version: tuple[int, int] | None) -> None:
    assert claude_version(model_id) == version


@pytest.mark.parametrize(
    ("platform", "model_id", "supported"),
    [
        ("anthropic", "claude-sonnet-4-5-20250929", True),
        ("anthropic", "claude-haiku-4-5", True),
        ("anthropic", "claude-opus-4-6", True),
        ("anthropic", "claude-opus-4-7", True),
        ("anthropic", "claude-sonnet-5", True),
        ("anthropic", "claude-opus-4-1-20250805", False),
        ("anthropic", "claude-sonnet-4-20250514", False),
        ("anthropic", "claude-3-7-sonnet-latest", False),
        ("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", True),
        ("bedrock", "anthropic.claude-haiku-4-5-20251001-v1:0", True),
        ("bedrock", "global.anthropic.claude-opus-4-6-v1", True),
        ("bedrock", "us.anthropic.claude-opus-4-7", False),
        ("bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0", False),
        (
            "bedrock",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x",
            False,
        ),
        ("anthropic-vertex", "claude-sonnet-4-5@20250929", False),
        ("anthropic-vertex", "claude-opus-4-6", False),
        ("somewhere-else", "claude-sonnet-4-5", False),
    ],
)
def test_support_rule(platform: str, model_id: str, supported: bool) -> None:
    assert supports_structured_outputs(platform, model_id) is supported


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "minimum": {"type": "integer", "minimum": 1, "description": "Smallest value"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 9}, "minItems": 2},
        "one": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
        "pet": {
            "anyOf": [
                {"type": "object", "properties": {"name": {"type": "string"}}},
                {"type": "null"},
            ]
        },
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "maybe": {"type": ["object", "null"], "properties": {"x": {"type": "number"}}},
    },
    "required": ["minimum"],
    "$defs": {"Unused": {"type": "object", "properties": {}}},
}


def test_strict_schema_closes_objects_and_moves_bounds_into_descriptions() -> None:
    original = copy.deepcopy(SCHEMA)
    out = strict_schema(SCHEMA)
    assert original == SCHEMA  # the input is not changed
    assert out["additionalProperties"] is False
    props = out["properties"]
    assert props["minimum"] == {
        "type": "integer",
        "description": "Smallest value (minimum: 1)",
    }
    assert props["tags"] == {
        "type": "array",
        "items": {"type": "string", "description": "maxLength: 9"},
        "description": "minItems: 2",
    }
    assert props["one"]["minItems"] == 1
    assert props["pet"]["anyOf"][0]["additionalProperties"] is False
    assert props["pet"]["anyOf"][1] == {"type": "null"}
    assert props["labels"]["additionalProperties"] is False
    assert props["maybe"]["additionalProperties"] is False
    assert out["$defs"]["Unused"]["additionalProperties"] is False
    assert out["required"] == ["minimum"]


def test_output_format_shape() -> None:
    assert output_format({"type": "object", "properties": {}}) == {
        "type": "json_schema",
        "schema": {"type": "object", "properties": {}, "additionalProperties": False},
    }


def call_with(response_format: ResponseFormat) -> Call:
    return Call(prompt=(user_message("x"),), response_format=response_format)


def test_convert_sends_the_format_only_when_the_model_has_structured_outputs() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    call = call_with(ResponseFormat(schema=schema, name="A"))
    native = convert_call(call, structured_outputs=True)
    assert native.body["output_config"] == {"format": output_format(schema)}
    assert native.warnings == ()
    assert native.betas == ()
    fallback = convert_call(call)
    assert "output_config" not in fallback.body
    assert [w.setting for w in fallback.warnings] == ["response_format"]


def test_convert_warns_about_a_format_without_schema() -> None:
    converted = convert_call(call_with(ResponseFormat()), structured_outputs=True)
    assert "output_config" not in converted.body
    (warning,) = converted.warnings
    assert warning.setting == "response_format"
    assert "schema" in warning.details
