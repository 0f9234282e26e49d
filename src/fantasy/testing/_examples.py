"""Deterministic example values for JSON Schemas (the arguments :class:`TestModel` sends)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fantasy.errors import InvalidArgumentError

__all__ = ["example_value"]

# Below this depth optional properties are filled and arrays get one item; deeper,
# only what the schema requires (keeps recursive schemas finite).
_FULL_DEPTH = 4
_MAX_DEPTH = 32

_PLACE_FIELDS = frozenset({"location", "city", "place", "town", "where", "destination"})
_EXPRESSION_FIELDS = frozenset({"expression", "expr", "formula", "equation", "math"})
_PLACE = re.compile(r"\b(?:in|at|for|near|to)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)")
_MATH = re.compile(r"-?[\d.(][\d.\s()+\-*/%^]*[\d)]")
_OPERATOR = re.compile(r"[\d.)]\s*[-+*/%^]\s*[-\d.(]")

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "hostname": "example.com",
}


@dataclass(frozen=True, slots=True)
class _Hints:
    place: str | None
    expression: str | None


def _hints(prompt: str) -> _Hints:
    place = _PLACE.search(prompt)
    expressions = [m.strip() for m in _MATH.findall(prompt) if _OPERATOR.search(m)]
    return _Hints(
        place=place.group(1) if place else None,
        expression=max(expressions, key=len) if expressions else None,
    )


def example_value(schema: Mapping[str, Any] | bool, *, prompt: str = "") -> Any:
    """A deterministic value valid against a JSON Schema.

    Strings are ``"example"`` (or a value of their ``format``), integers ``1``, numbers
    ``1.5``, booleans ``True``, each moved inside the schema's bounds; ``const`` and the
    first ``enum`` value win; the first non-null branch of ``anyOf``/``oneOf`` is used;
    local ``$ref`` and ``allOf`` are resolved. Objects get their required properties and,
    near the top, their optional ones; arrays get ``max(minItems, 1)`` items.

    Args:
        schema: The JSON Schema.
        prompt: Text to take hints from: a capitalised place after "in"/"at"/... fills
            location-like string fields, an arithmetic expression fills expression fields.

    Returns:
        The value.

    Raises:
        InvalidArgumentError: The schema nests too deeply (a required recursive ``$ref``).
    """
    return _Examples(schema, _hints(prompt)).value(schema, "", 0)


class _Examples:
    def __init__(self, root: Mapping[str, Any] | bool, hints: _Hints) -> None:
        self._root = root if isinstance(root, Mapping) else {}
        self._hints = hints

    def value(self, schema: Mapping[str, Any] | bool, name: str, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise InvalidArgumentError("schema nests too deeply for an example value")
        if isinstance(schema, bool):
            return "example"
        schema = self._resolve(schema, depth)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                return self.value(_first_branch(schema[key]), name, depth + 1)
        return self._typed(schema, _type_of(schema), name, depth)

    def _typed(self, schema: Mapping[str, Any], kind: str, name: str, depth: int) -> Any:
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "integer":
            return _number(schema, 1, integer=True)
        if kind == "number":
            return _number(schema, 1.5, integer=False)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self._string(schema, name)

    def _resolve(self, schema: Mapping[str, Any], depth: int) -> Mapping[str, Any]:
        while "$ref" in schema:
            rest = {key: value for key, value in schema.items() if key != "$ref"}
            schema = {**_pointer(self._root, schema["$ref"]), **rest}
        if "allOf" in schema:
            merged = {key: value for key, value in schema.items() if key != "allOf"}
            for sub in schema["allOf"]:
                if isinstance(sub, Mapping):
                    _merge(merged, self._resolve(sub, depth))
            return merged
        return schema

    def _object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = list(schema.get("required") or ())
        out: dict[str, Any] = {}
        for key, sub in properties.items():
            if key in required or depth < _FULL_DEPTH:
                out[key] = self.value(sub, key, depth + 1)
        for key in required:
            out.setdefault(key, "example")
        return out

    def _array(self, schema: Mapping[str, Any], name: str, depth: int) -> list[Any]:
        prefix = [self.value(sub, name, depth + 1) for sub in schema.get("prefixItems") or ()]
        count = max(int(schema.get("minItems", 0)), 1 if depth < _FULL_DEPTH else 0)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        items = schema.get("items", {})
        if items is False or count <= len(prefix):
            return prefix
        return prefix + [self.value(items, name, depth + 1) for _ in range(count - len(prefix))]

    def _string(self, schema: Mapping[str, Any], name: str) -> str:
        field = name.lower()
        text = _FORMATS.get(str(schema.get("format", "")), "example")
        if field in _PLACE_FIELDS:
            text = self._hints.place or "Paris"
        elif field in _EXPRESSION_FIELDS:
            text = self._hints.expression or "1 + 1"
        minimum = int(schema.get("minLength", 0))
        if len(text) < minimum:
            text += "x" * (minimum - len(text))
        if "maxLength" in schema:
            text = text[: int(schema["maxLength"])]
        return text


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or ["null"]
        return str(kinds[0])
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"


def _first_branch(branches: list[Any]) -> Any:
    for branch in branches:
        if not (isinstance(branch, Mapping) and branch.get("type") == "null"):
            return branch
    return branches[0]


def _pointer(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    if not ref.startswith("#"):
        return {}  # remote references: anything goes
    node: Any = root
    for token in ref[1:].split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or key not in node:
            raise InvalidArgumentError(f"unresolvable $ref {ref!r} in schema")
        node = node[key]
    return node if isinstance(node, Mapping) else {}


def _merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if key == "properties":
            target["properties"] = {**target.get("properties", {}), **value}
        elif key == "required":
            target["required"] = [*target.get("required", []), *value]
        else:
            target.setdefault(key, value)


def _number(schema: Mapping[str, Any], start: float, *, integer: bool) -> int | float:
    value = start
    step = 1 if integer else 0.5
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        value = schema["exclusiveMinimum"] + step
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        value = schema["exclusiveMaximum"] - step
    multiple = schema.get("multipleOf")
    if multiple:
        value = math.ceil(value / multiple) * multiple
    return math.ceil(value) if integer else float(value)
