"""Tool input schemas rewritten into the shape every provider's schema dialect accepts.

A tool's JSON Schema may come from anywhere (an MCP server, an OpenAPI document, a
hand-written dict). The providers accept narrower dialects than JSON Schema itself, so
before a schema goes on the wire :func:`normalize_tool_schema` rewrites the shapes they
reject into equivalent ones. Every rewrite keeps the set of accepted values the same:

* a type list (``"type": ["string", "null"]``) becomes ``anyOf`` with one branch per
  type; keywords that only constrain one type (``maxLength``, ``items``, ``minimum``,
  ``properties``, ...) move into that type's branch, the rest stay on the node. A list
  of one type becomes that type;
* an array without ``items`` (and without ``prefixItems``) gets ``"items": {}``;
* boolean subschemas become objects: ``true`` → ``{}``, ``false`` → ``{"not": {}}``
  (except where every dialect takes the boolean: ``additionalProperties: false`` and
  its siblings, and ``items: false`` closing a tuple);
* draft-4 boolean ``exclusiveMinimum``/``exclusiveMaximum`` become the numeric form;
* the root's ``$schema`` is dropped (the rewrites target draft 2020-12, the draft the
  providers read), and the root is an object schema: a missing ``type`` becomes
  ``"object"`` and a missing ``properties`` becomes ``{}`` (tool input is an object).

Data keywords (``enum``, ``const``, ``default``, ``examples``) are never touched. An
already well-formed schema comes back equal to the input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fantasy.errors import InvalidArgumentError

__all__ = ["normalize_tool_schema"]

_SCHEMA_ONE = frozenset(
    {
        "items",
        "additionalItems",
        "additionalProperties",
        "unevaluatedItems",
        "unevaluatedProperties",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
    }
)
# Where a boolean schema is accepted everywhere and stays a boolean.
_BOOLEAN_KEPT = frozenset(
    {"additionalProperties", "unevaluatedProperties", "additionalItems", "unevaluatedItems"}
)
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})

# Keywords that constrain only values of one JSON type (they are ignored for the others).
_TYPE_KEYWORDS: dict[str, frozenset[str]] = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format", "contentMediaType"}),
    "number": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
    ),
    "array": frozenset(
        {
            "items",
            "prefixItems",
            "additionalItems",
            "unevaluatedItems",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
            "minContains",
            "maxContains",
        }
    ),
    "object": frozenset(
        {
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
            "unevaluatedProperties",
            "minProperties",
            "maxProperties",
            "propertyNames",
            "dependentRequired",
            "dependentSchemas",
        }
    ),
}
_TYPE_KEYWORDS["integer"] = _TYPE_KEYWORDS["number"]
_ALL_TYPE_KEYWORDS = frozenset().union(*_TYPE_KEYWORDS.values())


def normalize_tool_schema(schema: Mapping[str, Any] | bool) -> dict[str, Any]:
    """``schema`` rewritten into the JSON Schema shape all providers accept (a new dict).

    See the module docstring for the rewrites; none changes which values validate.

    Raises:
        InvalidArgumentError: ``schema`` is neither a mapping nor a boolean.
    """
    if isinstance(schema, bool | Mapping):
        root: dict[str, Any] = _node(schema)
        root.pop("$schema", None)
    else:
        raise InvalidArgumentError(
            f"a tool schema must be a JSON object, not {type(schema).__name__}",
            argument="input_schema",
        )
    if "type" not in root:
        root = {"type": "object", **root}
    if root.get("type") == "object" and "properties" not in root:
        root["properties"] = {}
    return root


def _node(schema: Any) -> Any:
    if schema is True:
        return {}
    if schema is False:
        return {"not": {}}
    if not isinstance(schema, Mapping):
        return schema
    out = {key: _child(key, value) for key, value in schema.items()}
    _exclusive_bounds(out)
    kind = out.get("type")
    if isinstance(kind, list):
        return _split_types(out, kind)
    if kind == "array" and "items" not in out and "prefixItems" not in out:
        out["items"] = {}
    return out


def _child(key: str, value: Any) -> Any:
    if key in _SCHEMA_ONE:
        if isinstance(value, bool) and (key in _BOOLEAN_KEPT or (key == "items" and not value)):
            return value
        return [_node(v) for v in value] if isinstance(value, list) else _node(value)
    if key in _SCHEMA_MAPS and isinstance(value, Mapping):
        return {name: _node(sub) for name, sub in value.items()}
    if key in _SCHEMA_LISTS and isinstance(value, list):
        return [_node(sub) for sub in value]
    return value


def _exclusive_bounds(node: dict[str, Any]) -> None:
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = node.get(exclusive)
        if not isinstance(flag, bool):
            continue
        del node[exclusive]
        if flag and isinstance(node.get(bound), int | float):
            node[exclusive] = node.pop(bound)


def _split_types(node: dict[str, Any], kinds: list[Any]) -> dict[str, Any]:
    unique = [kind for i, kind in enumerate(kinds) if kind not in kinds[:i]]
    if not unique or not all(isinstance(kind, str) for kind in unique):
        return node  # not a valid type list: leave it for the provider to report
    if len(unique) == 1:
        single: dict[str, Any] = _node({**node, "type": unique[0]})
        return single
    listed = {kind for kind in unique if kind in _TYPE_KEYWORDS}
    shared = {
        key: value
        for key, value in node.items()
        if key != "type"
        and not (key in _ALL_TYPE_KEYWORDS and any(key in _TYPE_KEYWORDS[k] for k in listed))
    }
    branches = []
    for kind in unique:
        own = _TYPE_KEYWORDS.get(kind, frozenset())
        branches.append(_node({"type": kind, **{k: v for k, v in node.items() if k in own}}))
    if "anyOf" not in shared:
        shared["anyOf"] = branches
    else:
        shared["allOf"] = [*shared.get("allOf", []), {"anyOf": branches}]
    return shared
