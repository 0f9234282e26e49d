"""The CLI's built-in demo tools: a fake weather service and a safe calculator.

The plain functions are deterministic and need no network; :func:`demo_tools` wraps
them as agent tools, with the schemas ``@tool`` would derive written out.
"""

from __future__ import annotations

import ast
import math
import operator
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from fantasy.agent_tools import AgentTool

__all__ = ["calculator", "demo_tools", "weather"]

_CONDITIONS = ("sunny", "partly cloudy", "overcast", "light rain", "windy", "clear skies")
_MAX_EXPRESSION = 200
_MAX_MAGNITUDE_DIGITS = 300

Number = int | float


def weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Get the current weather for a location (demo data, no network).

    Args:
        location: City or place name, e.g. "Florence".
        unit: Temperature unit.
    """
    name = " ".join(location.split())
    if not name:
        raise ValueError("location is empty")
    seed = zlib.crc32(name.lower().encode("utf-8"))
    celsius = seed % 31 + 5
    condition = _CONDITIONS[(seed // 31) % len(_CONDITIONS)]
    if unit == "fahrenheit":
        return f"{round(celsius * 9 / 5 + 32)} °F, {condition} in {name}"
    return f"{celsius} °C, {condition} in {name}"


def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression: numbers, + - * / // % ** (or ^) and parentheses.

    Args:
        expression: The expression, e.g. "(2 + 3) * 4".
    """
    if len(expression) > _MAX_EXPRESSION:
        raise ValueError(f"expression longer than {_MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(expression.replace("^", "**").strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"not an arithmetic expression: {expression!r}") from None
    try:
        value = _evaluate(tree.body)
    except ZeroDivisionError:
        raise ValueError("division by zero") from None
    except OverflowError:
        raise ValueError("result too large") from None
    return _format(value)


def _power(base: Number, exponent: Number) -> Number:
    if abs(base) > 1 and abs(exponent) * math.log10(abs(base)) > _MAX_MAGNITUDE_DIGITS:
        raise ValueError("result too large")
    result: Number = base**exponent
    if isinstance(result, complex):
        raise ValueError("result is not a real number")
    return result


_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _power,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _evaluate(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise ValueError(f"not a number: {value!r}")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        result = _BINARY[type(node.op)](left, right)
        if abs(result) >= 10**_MAX_MAGNITUDE_DIGITS:
            raise ValueError("result too large")
        return result
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand))
    raise ValueError(f"unsupported syntax: {ast.unparse(node)!r} (numbers and + - * / % ** only)")


def _format(value: Number) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.12g}"
    return str(value)


# The schemas `@tool` derives from the two signatures and docstrings, written out so that
# `fantasy web` and `fantasy run` start without pydantic (about 100 ms of CPU);
# tests/cli/test_cli_basics.py checks that they stay equal to what `tool()` derives.
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "location": {"description": 'City or place name, e.g. "Florence".', "type": "string"},
        "unit": {
            "default": "celsius",
            "description": "Temperature unit.",
            "enum": ["celsius", "fahrenheit"],
            "type": "string",
        },
    },
    "required": ["location"],
}
CALCULATOR_SCHEMA = {
    "type": "object",
    "properties": {
        "expression": {"description": 'The expression, e.g. "(2 + 3) * 4".', "type": "string"}
    },
    "required": ["expression"],
}


def _summary(function: Callable[..., object]) -> str:
    return (function.__doc__ or "").strip().split("\n\n", 1)[0]


def demo_tools() -> list[AgentTool]:
    """The demo tools as agent tools: ``weather`` and ``calculator``.

    Their input is checked against the schemas before they run (the agent validates
    every call), so the functions get the keys they declare.
    """
    from fantasy.agent_tools import AgentTool

    return [
        AgentTool(
            "weather",
            _summary(weather),
            WEATHER_SCHEMA,
            lambda data, ctx: weather(data["location"], data.get("unit", "celsius")),
            function=weather,
        ),
        AgentTool(
            "calculator",
            _summary(calculator),
            CALCULATOR_SCHEMA,
            lambda data, ctx: calculator(data["expression"]),
            function=calculator,
        ),
    ]
