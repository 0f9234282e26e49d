"""Checking a JSON Schema's shape: the meta-schema's job for :mod:`fantasy._jsonschema`.

:func:`check_schema` checks every keyword the validator reads (a ``type`` that names a
JSON type, ``required`` as a list of names, counts as non-negative integers, patterns
that compile, ...) and that every local ``$ref`` resolves, with one message per
mistake that names where it is (``properties/age/type: 'strang' is not a JSON Schema
type``). It also finds the keywords the validator does not implement, for which the
``jsonschema`` package (extra ``jsonschema``) takes over.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

__all__ = [
    "SchemaError",
    "check_schema",
    "is_type",
    "load_jsonschema",
    "regex",
    "resolve",
    "unsupported_in",
]

_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_SCHEMA = ("additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_COUNTS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "minContains",
    "maxContains",
)
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
# Keywords this module does not implement: such a schema goes to `jsonschema`.
_UNSUPPORTED = frozenset(
    {"unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"}
)


class SchemaError(Exception):
    """The schema itself is malformed (or needs what this validator lacks)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return name == "number" or isinstance(value, int) or float(value).is_integer()


@lru_cache(maxsize=512)
def regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def check_schema(schema: Any) -> None:
    """Raise :class:`SchemaError` if ``schema`` is not a well-formed JSON Schema.

    Checks the shape of every keyword this module reads (the job of the meta-schema)
    and that every ``$ref`` resolves; a keyword this module cannot check raises unless
    the ``jsonschema`` package is installed to check the schema instead.
    """
    unsupported = unsupported_in(schema)
    if unsupported:
        jsonschema = load_jsonschema()
        if jsonschema is None:
            raise SchemaError(
                f"{unsupported!r} is not supported by fantasy's built-in JSON Schema "
                "validator: install jsonschema (pip install 'fantasy[jsonschema]')"
            )
        cls = jsonschema.validators.validator_for(schema)
        try:
            cls.check_schema(schema)
        except jsonschema.exceptions.SchemaError as error:
            raise SchemaError(error.message) from error


def unsupported_in(schema: Any) -> str:
    """Check ``schema`` (:class:`SchemaError`); the first keyword left to jsonschema, or ''."""
    return _check(schema, schema, "")


def _check(node: Any, root: Any, where: str) -> str:
    """Check ``node``; return the first unsupported keyword met ('' if none)."""
    if isinstance(node, bool):
        return ""
    if not isinstance(node, Mapping):
        raise SchemaError(f"{where or 'the schema'}: {node!r} is not a schema (an object)")
    at = f"{where}/" if where else ""
    _check_type(node.get("type"), at)
    _check_values(node, at)
    found = next((key for key in node if key in _UNSUPPORTED), "")
    for sub, sub_where in _subschemas(node, at):
        found = _check(sub, root, sub_where) or found
    ref = node.get("$ref")
    if ref is not None:
        if not isinstance(ref, str):
            raise SchemaError(f"{at}$ref: {ref!r} is not a string")
        if resolve(root, ref) is None:
            if ref.startswith("#") or load_jsonschema() is None:
                raise SchemaError(f"{at}$ref: cannot resolve {ref!r} in this schema")
            found = found or "$ref"  # another document: jsonschema's resolver may know it
    return found


def _check_type(kind: Any, at: str) -> None:
    if kind is None:
        return
    names = kind if isinstance(kind, list) else [kind]
    bad = [n for n in names if not isinstance(n, str) or n not in _TYPES]
    if bad or not names or len(set(map(str, names))) != len(names):
        raise SchemaError(
            f"{at}type: {kind!r} is not a JSON Schema type "
            f"(one or a list of {', '.join(sorted(_TYPES))})"
        )


def _subschemas(node: Mapping[str, Any], at: str) -> Iterator[tuple[Any, str]]:
    """Every schema directly inside ``node``, with where it is."""
    for key in _SCHEMA:
        if key in node:
            yield node[key], f"{at}{key}"
    items = node.get("items")
    if isinstance(items, list):  # draft 7's tuple form
        yield from ((sub, f"{at}items/{index}") for index, sub in enumerate(items))
        if "additionalItems" in node:
            yield node["additionalItems"], f"{at}additionalItems"
    elif items is not None:
        yield items, f"{at}items"
    yield from _listed(node, at)


def _listed(node: Mapping[str, Any], at: str) -> Iterator[tuple[Any, str]]:
    for key in _SCHEMA_MAPS:
        if key in node:
            value = node[key]
            if not isinstance(value, Mapping):
                raise SchemaError(f"{at}{key}: {value!r} is not an object")
            for name, sub in value.items():
                yield sub, f"{at}{key}/{name}"
    for key in _SCHEMA_LISTS:
        if key in node:
            value = node[key]
            if not isinstance(value, list) or not value:
                raise SchemaError(f"{at}{key}: {value!r} is not a non-empty array")
            for index, sub in enumerate(value):
                yield sub, f"{at}{key}/{index}"


def _check_values(node: Mapping[str, Any], at: str) -> None:
    """The keywords whose values are not schemas."""
    for key in _COUNTS:
        value = node.get(key)
        if value is not None and (not is_type(value, "integer") or value < 0):
            raise SchemaError(f"{at}{key}: {value!r} is not a non-negative integer")
    for key in _NUMBERS:
        value = node.get(key)
        if value is not None and not is_type(value, "number"):
            if isinstance(value, bool) and key.startswith("exclusive"):
                continue  # draft 4's boolean form, read together with minimum/maximum
            raise SchemaError(f"{at}{key}: {value!r} is not a number")
    if node.get("multipleOf", 1) <= 0:
        raise SchemaError(f"{at}multipleOf: {node['multipleOf']!r} is not greater than 0")
    _check_shapes(node, at)


def _check_shapes(node: Mapping[str, Any], at: str) -> None:
    required = node.get("required")
    if required is not None and (
        not isinstance(required, list) or not all(isinstance(n, str) for n in required)
    ):
        raise SchemaError(f"{at}required: {required!r} is not an array of strings")
    if "enum" in node and not isinstance(node["enum"], list):
        raise SchemaError(f"{at}enum: {node['enum']!r} is not an array")
    if "uniqueItems" in node and not isinstance(node["uniqueItems"], bool):
        raise SchemaError(f"{at}uniqueItems: {node['uniqueItems']!r} is not a boolean")
    if "pattern" in node:
        _check_pattern(node["pattern"], f"{at}pattern")
    for pattern in node.get("patternProperties", None) or ():
        _check_pattern(pattern, f"{at}patternProperties")
    for key in ("dependentRequired", "dependencies"):
        value = node.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise SchemaError(f"{at}{key}: {value!r} is not an object")


def _check_pattern(pattern: Any, where: str) -> None:
    if not isinstance(pattern, str):
        raise SchemaError(f"{where}: {pattern!r} is not a string")
    try:
        regex(pattern)
    except re.error as error:
        raise SchemaError(f"{where}: {pattern!r} is not a regular expression ({error})") from None


def resolve(root: Any, ref: str) -> Any:
    """The schema ``ref`` points to inside ``root``, or ``None``."""
    if not ref.startswith("#"):
        return None
    pointer = unquote(ref[1:])
    if pointer and not pointer.startswith("/"):
        return _anchor(root, pointer)
    node = root
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _anchor(node: Any, name: str) -> Any:
    if isinstance(node, Mapping):
        if node.get("$anchor") == name:
            return node
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _anchor(child, name)
        if found is not None:
            return found
    return None


def load_jsonschema() -> Any:
    try:
        import jsonschema
        import jsonschema.exceptions
        import jsonschema.validators
    except ImportError:
        return None
    return jsonschema
