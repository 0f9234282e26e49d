"""Raw tool schemas normalised into the shape every provider accepts, validation unchanged."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from fantasy import FunctionTool
from fantasy.errors import InvalidArgumentError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.schema import normalize_tool_schema

# (name, raw schema, expected normalised schema, sample values)
CASES: list[tuple[str, Any, dict[str, Any], list[Any]]] = [
    (
        "type list becomes anyOf, type keywords move to their branch",
        {
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"], "maxLength": 3, "description": "n"}
            },
        },
        {
            "type": "object",
            "properties": {
                "name": {
                    "description": "n",
                    "anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}],
                }
            },
        },
        [{"name": "abc"}, {"name": "abcd"}, {"name": None}, {"name": 1}, {}],
    ),
    (
        "one-type list becomes the type",
        {"type": "object", "properties": {"n": {"type": ["integer"], "minimum": 2}}},
        {"type": "object", "properties": {"n": {"type": "integer", "minimum": 2}}},
        [{"n": 1}, {"n": 2}, {"n": "x"}],
    ),
    (
        "bare array gets items",
        {"type": "object", "properties": {"tags": {"type": "array"}}},
        {"type": "object", "properties": {"tags": {"type": "array", "items": {}}}},
        [{"tags": []}, {"tags": [1, "a"]}, {"tags": "a"}],
    ),
    (
        "array inside a type list gets items in its branch",
        {"type": "object", "properties": {"v": {"type": ["array", "string"], "minItems": 1}}},
        {
            "type": "object",
            "properties": {
                "v": {
                    "anyOf": [
                        {"type": "array", "minItems": 1, "items": {}},
                        {"type": "string"},
                    ]
                }
            },
        },
        [{"v": []}, {"v": [1]}, {"v": ""}, {"v": 3}],
    ),
    (
        "type list next to an existing anyOf goes to allOf",
        {
            "type": "object",
            "properties": {"v": {"type": ["string", "integer"], "anyOf": [{"minLength": 2}]}},
        },
        {
            "type": "object",
            "properties": {
                "v": {
                    "anyOf": [{"minLength": 2}],
                    "allOf": [{"anyOf": [{"type": "string"}, {"type": "integer"}]}],
                }
            },
        },
        [{"v": "ab"}, {"v": "a"}, {"v": 3}, {"v": None}],
    ),
    (
        "boolean subschemas become objects",
        {
            "type": "object",
            "properties": {"any": True, "never": False, "t": {"type": "array", "items": True}},
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "any": {},
                "never": {"not": {}},
                "t": {"type": "array", "items": {}},
            },
            "additionalProperties": False,
        },
        [{"any": 1}, {"never": 1}, {}, {"other": 1}, {"t": [1]}],
    ),
    (
        "draft-4 exclusive bounds become numbers",
        {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "object",
            "properties": {
                "p": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                "q": {"type": "number", "maximum": 9, "exclusiveMaximum": False},
            },
        },
        {
            "type": "object",
            "properties": {
                "p": {"type": "number", "exclusiveMinimum": 0},
                "q": {"type": "number", "maximum": 9},
            },
        },
        [{"p": 0}, {"p": 0.5}, {"q": 9}, {"q": 10}],
    ),
    (
        "root without type or properties",
        {},
        {"type": "object", "properties": {}},
        [{}, {"a": 1}],
    ),
    (
        "root object without properties",
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "object", "additionalProperties": {"type": "string"}, "properties": {}},
        [{"a": "x"}, {"a": 1}],
    ),
    (
        "nested definitions, items and combinators are walked; data keywords are not",
        {
            "type": "object",
            "properties": {
                "xs": {"type": "array", "items": {"$ref": "#/$defs/X"}},
                "e": {"enum": [["a"], {"type": ["x"]}], "default": {"type": ["string"]}},
            },
            "$defs": {"X": {"oneOf": [{"type": ["number", "boolean"]}, {"type": "array"}]}},
        },
        {
            "type": "object",
            "properties": {
                "xs": {"type": "array", "items": {"$ref": "#/$defs/X"}},
                "e": {"enum": [["a"], {"type": ["x"]}], "default": {"type": ["string"]}},
            },
            "$defs": {
                "X": {
                    "oneOf": [
                        {"anyOf": [{"type": "number"}, {"type": "boolean"}]},
                        {"type": "array", "items": {}},
                    ]
                }
            },
        },
        [{"xs": [1, True, []]}, {"xs": ["a"]}, {"e": ["a"]}, {"e": "b"}],
    ),
]


@pytest.mark.parametrize(
    ("raw", "expected", "samples"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_normalised_shape_and_same_validation(
    raw: Any, expected: dict[str, Any], samples: list[Any]
) -> None:
    normalised = normalize_tool_schema(raw)
    assert normalised == expected
    for sample in samples:
        validator = jsonschema.validators.validator_for(raw, jsonschema.Draft202012Validator)
        before = validator(raw).is_valid(sample) if raw else True
        after = jsonschema.Draft202012Validator(normalised).is_valid(sample)
        assert before == after, sample
    assert normalize_tool_schema(normalised) == normalised  # idempotent


def test_well_formed_schema_is_unchanged_and_not_aliased() -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string", "enum": ["a", "b"]}},
        "required": ["city"],
        "additionalProperties": False,
    }
    normalised = normalize_tool_schema(schema)
    assert normalised == schema
    normalised["properties"]["city"]["type"] = "integer"
    assert schema["properties"]["city"]["type"] == "string"


def test_not_a_schema_is_a_typed_error() -> None:
    with pytest.raises(InvalidArgumentError):
        normalize_tool_schema(["string"])  # type: ignore[arg-type]


RAW = {"type": "object", "properties": {"q": {"type": ["string", "null"]}, "l": {"type": "array"}}}
WANT_Q = {"anyOf": [{"type": "string"}, {"type": "null"}]}


def _tool_call() -> Call:
    return Call(
        prompt=(user_message("find"),), tools=(FunctionTool(name="search", input_schema=RAW),)
    )


def test_every_dialect_sends_the_normalised_schema() -> None:
    from fantasy.providers.anthropic.convert import convert_call
    from fantasy.providers.google.convert import build_request as google_request
    from fantasy.providers.openai.chat.convert import build_body
    from fantasy.providers.openai.chat.hooks import ChatHooks
    from fantasy.providers.openai.responses.convert import build_body as responses_body

    call = _tool_call()
    chat, _ = build_body(call, "gpt-4o", hooks=ChatHooks(), stream=False)
    assert chat["tools"][0]["function"]["parameters"]["properties"]["q"] == WANT_Q
    assert chat["tools"][0]["function"]["parameters"]["properties"]["l"]["items"] == {}
    responses, _ = responses_body(call, "gpt-5", stream=False)
    assert responses["tools"][0]["parameters"]["properties"]["q"] == WANT_Q
    anthropic = convert_call(call)
    assert anthropic.body["tools"][0]["input_schema"]["properties"]["q"] == WANT_Q
    gemini, _ = google_request(call)
    q = gemini["tools"][0]["functionDeclarations"][0]["parameters"]["properties"]["q"]
    assert q == {"type": "STRING", "nullable": True}
