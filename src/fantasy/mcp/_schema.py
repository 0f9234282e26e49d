"""Input schemas of MCP tools, made acceptable to every provider.

MCP servers describe tool inputs with any JSON Schema; providers accept narrower
dialects. :func:`tool_schema` makes the root an object schema and applies
:func:`normalize_schema`, which rewrites the shapes providers reject without changing
what validation accepts: a type array becomes ``anyOf`` (one branch per type) and an
array schema without ``items`` gets ``"items": {}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["normalize_schema", "tool_schema"]

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMAS = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
)


def _subschema(value: Any) -> Any:
    return normalize_schema(value) if isinstance(value, Mapping) else value


def normalize_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` in the shapes every provider accepts (see the module)."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: _subschema(item) for name, item in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_subschema(item) for item in value]
        elif key in _SCHEMAS:
            out[key] = _subschema(value)
        else:
            out[key] = value
    kind = out.get("type")
    if isinstance(kind, list):
        del out["type"]
        if len(kind) == 1:
            out["type"] = kind[0]
        else:
            branches = [{"type": name} for name in kind]
            if "anyOf" in out:
                out["allOf"] = [*out.get("allOf", []), {"anyOf": branches}]
            else:
                out["anyOf"] = branches
    is_array = out.get("type") == "array" or (isinstance(kind, list) and "array" in kind)
    if is_array and "items" not in out and "prefixItems" not in out:
        out["items"] = {}
    return out


def tool_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The input schema sent for an MCP tool: an object schema, normalised."""
    out = normalize_schema(schema)
    out.setdefault("type", "object")
    if out["type"] == "object":
        out.setdefault("properties", {})
    return out
