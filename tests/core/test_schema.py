"""JSON Schema from types and function signatures."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from fantasy.agent_tools import ToolContext
from fantasy.errors import InvalidArgumentError
from fantasy.schema import clean_schema, function_schema, json_schema, parse_docstring


class Unit(enum.Enum):
    CELSIUS = "c"
    FAHRENHEIT = "f"


class Address(BaseModel):
    street: str = Field(description="Street and number")
    title: str = ""  # a property named "title" must survive title stripping


@dataclass
class Point:
    x: int
    y: int = 0


class Options(TypedDict):
    verbose: bool


class Tree(BaseModel):
    value: int
    children: list[Tree] = []


def forecast(
    ctx: ToolContext,
    location: Annotated[str, "the city"],
    days: int = 3,
    unit: Unit = Unit.CELSIUS,
    mode: Literal["brief", "full"] = "brief",
    address: Address | None = None,
    point: Point | None = None,
    options: Options | None = None,
    note: str = Field("", description="from Field"),
) -> str:
    """Get the forecast for a location.

    Longer text that is not part of the summary.

    Args:
        location: Ignored: the Annotated description wins.
        days: How many days
            to forecast.
        mode: Level of detail.

    Returns:
        The forecast.
    """
    return ""


def test_function_schema_shape_and_descriptions() -> None:
    info = function_schema(forecast, context_type=ToolContext)
    schema = info.schema
    assert info.name == "forecast"
    assert info.description == "Get the forecast for a location."
    assert info.context_parameter == "ctx"
    assert list(schema)[:3] == ["type", "properties", "required"]
    assert schema["type"] == "object"
    assert schema["required"] == ["location"]
    props = schema["properties"]
    assert "ctx" not in props
    assert props["location"] == {"type": "string", "description": "the city"}
    assert props["days"] == {
        "type": "integer",
        "default": 3,
        "description": "How many days to forecast.",
    }
    assert props["unit"]["enum"] == ["c", "f"]
    assert props["mode"]["enum"] == ["brief", "full"]
    assert props["mode"]["description"] == "Level of detail."
    assert props["note"]["description"] == "from Field"


def test_nested_types_are_inlined_without_titles() -> None:
    props = function_schema(forecast, context_type=ToolContext).schema["properties"]
    address = props["address"]["anyOf"][0]
    assert address["properties"]["street"]["description"] == "Street and number"
    assert "title" in address["properties"]  # the property, not pydantic's title key
    assert props["point"]["anyOf"][0]["required"] == ["x"]
    assert props["options"]["anyOf"][0]["properties"]["verbose"] == {"type": "boolean"}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert not isinstance(node.get("title"), str), node
            assert "$ref" not in node and "$defs" not in node
            for key, value in node.items():
                if key != "properties":
                    walk(value)
                else:
                    for sub in value.values():
                        walk(sub)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(function_schema(forecast, context_type=ToolContext).schema)
    assert "additionalProperties" not in json_schema(Address)
    assert "$schema" not in json_schema(Address)


def test_recursive_types_keep_defs() -> None:
    schema = json_schema(Tree)
    assert "$defs" in schema
    assert schema["$defs"]["Tree"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Tree"}
    assert "title" not in schema["$defs"]["Tree"]


def test_plain_function_without_docs_and_params() -> None:
    def ping() -> str:
        return "pong"

    info = function_schema(ping)
    assert info.schema == {"type": "object", "properties": {}}
    assert info.description == ""


def test_parameter_names_that_clash_with_pydantic_are_fine() -> None:
    def odd(schema: str, json: int, model_config: bool = False) -> str:
        return ""

    info = function_schema(odd)
    assert set(info.schema["properties"]) == {"schema", "json", "model_config"}
    parsed = info.model.model_validate({"schema": "s", "json": 1})
    assert {info.parameters[k]: getattr(parsed, k) for k in type(parsed).model_fields} == {
        "schema": "s",
        "json": 1,
        "model_config": False,
    }


def test_var_args_are_rejected() -> None:
    def bad(*args: int) -> None:
        return None

    with pytest.raises(InvalidArgumentError):
        function_schema(bad)


def test_parse_docstring_sections() -> None:
    summary, args = parse_docstring(
        """Do a thing
        across two lines.

        Args:
            a (int): First.
            b: Second,
                continued.
            *rest: Ignored style.

        Raises:
            ValueError: never.
        """
    )
    assert summary == "Do a thing across two lines."
    assert args == {"a": "First.", "b": "Second, continued.", "rest": "Ignored style."}
    assert parse_docstring(None) == ("", {})


def test_clean_schema_unwraps_single_allof_and_keeps_data_keys() -> None:
    raw = {
        "$defs": {"U": {"title": "U", "enum": ["a"], "type": "string"}},
        "properties": {
            "u": {"allOf": [{"$ref": "#/$defs/U"}], "default": {"title": "kept"}},
        },
        "title": "Root",
        "type": "object",
    }
    assert clean_schema(raw) == {
        "properties": {"u": {"enum": ["a"], "type": "string", "default": {"title": "kept"}}},
        "type": "object",
    }
