"""fantasy's built-in JSON Schema validator, checked against the `jsonschema` package."""

from __future__ import annotations

import sys
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fantasy import _jsonschema_check
from fantasy._jsonschema import SchemaError, check_schema, validator_for

WEATHER = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "minLength": 1},
        "unit": {"enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 14},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "at": {"anyOf": [{"type": "number"}, {"type": "null"}]},
    },
    "required": ["location"],
    "additionalProperties": False,
}

NESTED = {
    "type": "object",
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z]+$"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 3},
            },
            "required": ["name"],
        }
    },
    "properties": {"root": {"$ref": "#/$defs/node"}, "ratio": {"multipleOf": 0.5}},
    "dependentRequired": {"ratio": ["root"]},
    "minProperties": 1,
}

MIXED = {
    "oneOf": [
        {"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
        {"type": "object", "properties": {"kind": {"const": "b"}, "n": {"type": "integer"}}},
    ],
    "not": {"required": ["forbidden"]},
    "if": {"properties": {"kind": {"const": "b"}}},
    "then": {"required": ["n"]},
    "propertyNames": {"maxLength": 8},
}

TUPLE = {
    "type": "array",
    "prefixItems": [{"type": "string"}, {"type": "boolean"}],
    "items": False,
    "contains": {"type": "string"},
    "minItems": 1,
}

SCHEMAS = [WEATHER, NESTED, MIXED, TUPLE, {"type": ["string", "null"]}, True, False, {}]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-20, 20)
    | st.floats(-20, 20, allow_nan=False)
    | st.sampled_from(["", "a", "abc", "celsius", "Kelvin", "name", "b"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "location",
                    "unit",
                    "days",
                    "tags",
                    "at",
                    "root",
                    "name",
                    "children",
                    "ratio",
                    "kind",
                    "n",
                    "forbidden",
                    "longer_than_8",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_agrees_with_jsonschema_on_validity(schema: Any, value: Any) -> None:
    ours = validator_for(schema).best_error(value)
    theirs = jsonschema.Draft202012Validator(schema).is_valid(value)
    assert (ours is None) == theirs, (schema, value, ours)


@pytest.mark.parametrize(
    ("schema", "value", "message", "path"),
    [
        (WEATHER, {"location": 3}, "3 is not of type 'string'", ("location",)),
        (WEATHER, {}, "'location' is a required property", ()),
        (WEATHER, {"location": "x", "extra": 1}, "Additional properties are not allowed", ()),
        (
            WEATHER,
            {"location": "x", "unit": "K"},
            "'K' is not one of ['celsius', 'fahrenheit']",
            ("unit",),
        ),
        (WEATHER, {"location": "x", "days": 0}, "0 is less than the minimum of 1", ("days",)),
        (WEATHER, {"location": "x", "days": 2.5}, "2.5 is not of type 'integer'", ("days",)),
        (WEATHER, {"location": ""}, "'' should be non-empty", ("location",)),
        (WEATHER, {"location": "x", "tags": ["a", "a"]}, "has non-unique elements", ("tags",)),
        (WEATHER, {"location": "x", "tags": [1]}, "1 is not of type 'string'", ("tags", 0)),
        (
            NESTED,
            {"root": {"name": "ok", "children": [{"name": "Bad"}]}},
            "does not match",
            ("root", "children", 0, "name"),
        ),
        (TUPLE, ["a", True, 3], "Expected at most 2 items but found 1 extra: 3", ()),
    ],
)
def test_messages_and_paths_read_like_jsonschema(
    schema: Any, value: Any, message: str, path: tuple[Any, ...]
) -> None:
    error = validator_for(schema).best_error(value)
    assert error is not None and message in error.message and error.path == path
    best = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(value)
    )
    assert best is not None and message in best.message


def test_json_path() -> None:
    error = validator_for(WEATHER).best_error({"location": "x", "tags": [1]})
    assert error is not None and error.json_path == "$.tags[0]"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "strang"},
        {"type": 12},
        {"properties": []},
        {"required": "name"},
        {"minLength": -1},
        {"anyOf": []},
        {"pattern": "("},
        {"items": 3},
        {"$ref": "#/$defs/missing"},
        [],
    ],
)
def test_malformed_schemas_are_refused(schema: Any) -> None:
    with pytest.raises(SchemaError):
        check_schema(schema)
    if not (isinstance(schema, dict) and "$ref" in schema):
        with pytest.raises(jsonschema.SchemaError):  # the meta-schema refuses it too
            jsonschema.Draft202012Validator.check_schema(schema)


def test_unsupported_keywords_go_to_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}},
        "unevaluatedProperties": False,
    }
    validator = validator_for(schema)
    assert validator.best_error({"a": 1}) is None
    error = validator.best_error({"a": 1, "b": 2})
    assert error is not None and "Unevaluated properties" in error.message
    # Without the jsonschema package, such a schema is refused with the way out.
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(SchemaError, match=r"unevaluatedProperties.*fantasy\[jsonschema\]"):
        check_schema(schema)
    assert _jsonschema_check.load_jsonschema() is None
