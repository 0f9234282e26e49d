"""JSON Schema → Gemini schema conversion."""

from __future__ import annotations

import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.providers.google.schema import (
    plain_json_schema,
    to_gemini_parameters,
    to_gemini_schema,
)


def test_shared_tool_schema_gets_upper_case_types() -> None:
    schema = {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "the city"}},
        "required": ["location"],
    }
    result, warnings = to_gemini_schema(schema)
    assert result == {
        "type": "OBJECT",
        "properties": {"location": {"type": "STRING", "description": "the city"}},
        "required": ["location"],
    }
    assert warnings == []


def test_enums_nested_required_and_optional_field_round_trip() -> None:
    schema = {
        "type": "object",
        "properties": {
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "place": {
                "type": "object",
                "description": "where",
                "properties": {
                    "city": {"type": "string"},
                    "country": {"type": "string", "minLength": 2},
                },
                "required": ["city"],
            },
            "days": {"type": "array", "items": {"type": "integer"}, "maxItems": 7},
            "note": {"type": ["string", "null"], "description": "optional note"},
            "ratio": {"type": "number", "format": "double", "minimum": 0},
            "flag": {"type": "boolean"},
        },
        "required": ["unit", "place"],
    }
    result, warnings = to_gemini_schema(schema)
    assert warnings == []
    assert result == {
        "type": "OBJECT",
        "properties": {
            "unit": {"type": "STRING", "enum": ["celsius", "fahrenheit"]},
            "place": {
                "type": "OBJECT",
                "description": "where",
                "properties": {
                    "city": {"type": "STRING"},
                    "country": {"type": "STRING", "minLength": 2},
                },
                "required": ["city"],
            },
            "days": {"type": "ARRAY", "items": {"type": "INTEGER"}, "maxItems": 7},
            "note": {"type": "STRING", "nullable": True, "description": "optional note"},
            "ratio": {"type": "NUMBER", "format": "double", "minimum": 0},
            "flag": {"type": "BOOLEAN"},
        },
        "required": ["unit", "place"],
    }
    # The input is not modified.
    assert schema["properties"]["note"]["type"] == ["string", "null"]  # type: ignore[index]


def test_any_of_with_null_becomes_nullable() -> None:
    schema = {
        "anyOf": [{"type": "integer", "description": "count"}, {"type": "null"}],
        "description": "maybe a count",
    }
    result, warnings = to_gemini_schema(schema)
    assert result == {"type": "INTEGER", "nullable": True, "description": "maybe a count"}
    assert warnings == []


def test_any_of_with_several_branches_is_kept() -> None:
    result, _ = to_gemini_schema({"oneOf": [{"type": "string"}, {"type": "integer"}]})
    assert result == {"anyOf": [{"type": "STRING"}, {"type": "INTEGER"}]}


def test_const_becomes_enum_and_numbers_are_strings() -> None:
    result, warnings = to_gemini_schema(
        {
            "type": "object",
            "properties": {
                "kind": {"const": "circle"},
                "size": {"type": "integer", "enum": [1, 2, 3]},
                "maybe": {"enum": ["a", None]},
            },
        }
    )
    assert warnings == []
    assert result["properties"] == {
        "kind": {"type": "STRING", "enum": ["circle"]},
        "size": {"type": "INTEGER", "enum": ["1", "2", "3"]},
        "maybe": {"type": "STRING", "enum": ["a"], "nullable": True},
    }


def test_refs_are_inlined_and_all_of_merged() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "number"}}}},
        "type": "object",
        "properties": {
            "start": {"$ref": "#/$defs/Point", "description": "first point"},
            "both": {
                "allOf": [
                    {"$ref": "#/$defs/Point"},
                    {"properties": {"y": {"type": "number"}}, "required": ["y"]},
                ]
            },
        },
    }
    result, warnings = to_gemini_schema(schema)
    assert warnings == []
    assert result["properties"]["start"] == {
        "type": "OBJECT",
        "properties": {"x": {"type": "NUMBER"}},
        "description": "first point",
    }
    assert result["properties"]["both"] == {
        "type": "OBJECT",
        "properties": {"x": {"type": "NUMBER"}, "y": {"type": "NUMBER"}},
        "required": ["y"],
    }


def test_recursive_ref_is_cut_with_a_warning() -> None:
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"child": {"$ref": "#/$defs/Node"}, "name": {"type": "string"}},
            }
        },
        "$ref": "#/$defs/Node",
    }
    result, warnings = to_gemini_schema(schema, setting="tools[tree].input_schema")
    assert result["properties"]["child"] == {"type": "OBJECT"}
    assert len(warnings) == 1
    assert warnings[0].setting == "tools[tree].input_schema"
    assert "recursive $ref" in warnings[0].details


def test_unsupported_keywords_are_dropped_with_one_warning() -> None:
    schema = {
        "type": "object",
        "properties": {
            "email": {"type": "string", "format": "email"},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            "extra": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "additionalProperties": False,
    }
    result, warnings = to_gemini_schema(schema, setting="tools[t].input_schema")
    assert result["properties"]["email"] == {"type": "STRING"}
    assert result["properties"]["tags"] == {"type": "ARRAY", "items": {"type": "STRING"}}
    assert result["properties"]["extra"] == {"type": "OBJECT"}
    assert len(warnings) == 1
    details = warnings[0].details
    assert "format 'email' at $.properties.email" in details
    assert "uniqueItems at $.properties.tags" in details
    assert "additionalProperties at $.properties.extra" in details
    assert warnings[0].type == "unsupported-setting"


def test_parameters_without_properties_are_omitted() -> None:
    assert to_gemini_parameters({"type": "object", "properties": {}}, setting="t") == (None, [])
    result, _ = to_gemini_parameters(
        {"type": "object", "properties": {"a": {"type": "string"}}}, setting="t"
    )
    assert result == {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}}


def test_non_object_schema_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError):
        to_gemini_schema({"type": "object", "properties": {"a": 3}})


def test_unresolvable_ref_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError, match="unresolvable"):
        to_gemini_schema({"$ref": "#/$defs/Missing"})


def test_plain_json_schema_is_a_deep_copy() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ("a",)}
    copied = plain_json_schema(schema)
    assert copied == {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    copied["properties"]["a"]["type"] = "integer"
    assert schema["properties"]["a"]["type"] == "string"  # type: ignore[index]
