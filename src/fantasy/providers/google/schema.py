"""JSON Schema → the schema dialect of Gemini function declarations.

Gemini's ``FunctionDeclaration.parameters`` takes an OpenAPI-style subset of JSON
Schema: upper-case ``type`` names (``OBJECT``, ``STRING``, ``INTEGER``, ``NUMBER``,
``BOOLEAN``, ``ARRAY``, ``NULL``), ``nullable`` instead of ``null`` types, string-valued
``enum`` and a short list of keywords. :func:`to_gemini_schema` converts what can be
expressed:

* ``type: [T, "null"]`` and ``anyOf``/``oneOf`` with a ``null`` branch → ``nullable``;
  a single remaining branch is merged into the node, several stay as ``anyOf``;
* ``const`` → a one-value ``enum``; numeric enum values are sent as strings (the
  API's documented form for integer enums);
* local ``$ref`` (``#/$defs/...``, ``#/definitions/...``) are inlined, ``allOf`` is
  merged;
* ``examples`` → ``example`` (the first one).

Keywords Gemini cannot take are dropped and reported in one
:class:`~fantasy.usage.CallWarning` per schema, never silently. Annotations without
meaning for generation (``$schema``, ``$id``, ``$comment``, ``deprecated``, ...) and
``additionalProperties: false`` (Gemini only generates declared properties anyway) are
dropped without a warning.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fantasy.errors import InvalidArgumentError
from fantasy.providers._json import plain
from fantasy.usage import CallWarning

__all__ = ["plain_json_schema", "to_gemini_parameters", "to_gemini_schema"]

_TYPES = {
    "object": "OBJECT",
    "string": "STRING",
    "integer": "INTEGER",
    "number": "NUMBER",
    "boolean": "BOOLEAN",
    "array": "ARRAY",
    "null": "NULL",
}

# Keywords Gemini's Schema has under the same name and meaning: copied as they are.
_COPIED = frozenset(
    {
        "description",
        "title",
        "pattern",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
        "default",
        "example",
        "nullable",
        "propertyOrdering",
    }
)

# Keywords this module converts itself.
_CONVERTED = frozenset(
    {
        "type",
        "anyOf",
        "oneOf",
        "enum",
        "const",
        "format",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "examples",
    }
)

# Annotations with no effect on what the model generates.
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$anchor",
        "$defs",
        "definitions",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)

# Formats Gemini accepts, per type.
_FORMATS = {
    "STRING": frozenset({"enum", "date-time"}),
    "INTEGER": frozenset({"int32", "int64"}),
    "NUMBER": frozenset({"float", "double"}),
}


def to_gemini_schema(
    schema: Mapping[str, Any], *, setting: str = "schema"
) -> tuple[dict[str, Any], list[CallWarning]]:
    """Convert a JSON Schema to Gemini's schema form.

    Args:
        schema: A JSON Schema object.
        setting: Names the schema in warnings, e.g. ``"tools[weather].input_schema"``.

    Returns:
        The Gemini schema and at most one warning listing the dropped keywords.

    Raises:
        InvalidArgumentError: ``schema`` (or a nested schema) is not an object.
    """
    converter = _Converter(schema)
    result = converter.node(schema, "$")
    warnings: list[CallWarning] = []
    if converter.dropped:
        warnings.append(
            CallWarning.unsupported(
                setting,
                "Gemini schemas cannot express these keywords, which were dropped: "
                + "; ".join(converter.dropped),
            )
        )
    return result, warnings


def to_gemini_parameters(
    schema: Mapping[str, Any], *, setting: str
) -> tuple[dict[str, Any] | None, list[CallWarning]]:
    """Like :func:`to_gemini_schema`, but ``None`` for an object without properties.

    Gemini rejects ``OBJECT`` parameters with no properties, so a function that
    takes no arguments is declared without ``parameters``.
    """
    result, warnings = to_gemini_schema(schema, setting=setting)
    if not result.get("properties") and result.get("type", "OBJECT") == "OBJECT":
        extra = set(result) - {"type", "description", "title", "required"}
        if not extra:
            return None, warnings
    return result, warnings


def plain_json_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``schema`` as plain dicts and lists (for ``responseJsonSchema``)."""
    return plain(schema)  # type: ignore[no-any-return]


class _Converter:
    """One conversion: resolves references against ``root`` and collects dropped keywords."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.dropped: list[str] = []
        self._expanding: list[str] = []

    def drop(self, what: str, path: str) -> None:
        self.dropped.append(f"{what} at {path}")

    def node(self, schema: Any, path: str) -> dict[str, Any]:
        if isinstance(schema, bool):
            if not schema:
                self.drop("false schema", path)
            return {}
        if not isinstance(schema, Mapping):
            raise InvalidArgumentError(f"schema at {path} must be an object, not {schema!r}")
        if isinstance(schema.get("$ref"), str):
            return self._ref(schema, path)
        if "allOf" in schema:
            return self._all_of(schema, path)
        out: dict[str, Any] = {}
        self._type(schema.get("type"), out, path)
        for key, value in schema.items():
            if key in _COPIED:
                out[key] = copy.deepcopy(value)
            elif key not in _CONVERTED and key not in _ANNOTATIONS:
                self.drop(key, path)
        if "example" not in out and isinstance(schema.get("examples"), list) and schema["examples"]:
            out["example"] = copy.deepcopy(schema["examples"][0])
        self._enum(schema, out, path)
        self._format(schema.get("format"), out, path)
        self._object(schema, out, path)
        self._array(schema, out, path)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                self._variants(schema[key], out, f"{path}.{key}")
        return out

    def _ref(self, schema: Mapping[str, Any], path: str) -> dict[str, Any]:
        ref = schema["$ref"]
        if ref in self._expanding:
            self.drop(f"recursive $ref {ref!r}", path)
            out: dict[str, Any] = {"type": "OBJECT"}
        else:
            target = self._pointer(ref, path)
            self._expanding.append(ref)
            try:
                out = self.node(target, path) if target is not None else {}
            finally:
                self._expanding.pop()
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        if siblings:
            out.update(self.node(siblings, path))
        return out

    def _pointer(self, ref: str, path: str) -> Any:
        if not ref.startswith("#"):
            self.drop(f"non-local $ref {ref!r}", path)
            return None
        target: Any = self.root
        for token in ref[1:].split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and key in target:
                target = target[key]
            elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            else:
                raise InvalidArgumentError(f"schema at {path}: unresolvable $ref {ref!r}")
        return target

    def _all_of(self, schema: Mapping[str, Any], path: str) -> dict[str, Any]:
        branches = schema["allOf"]
        if not isinstance(branches, list):
            raise InvalidArgumentError(f"schema at {path}: allOf must be a list")
        rest = {key: value for key, value in schema.items() if key != "allOf"}
        merged = self.node(rest, path)
        for index, branch in enumerate(branches):
            _merge_into(merged, self.node(branch, f"{path}.allOf[{index}]"))
        return merged

    def _type(self, value: Any, out: dict[str, Any], path: str) -> None:
        if value is None:
            return
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            self.drop(f"type {value!r}", path)
            return
        known = [name for name in names if name in _TYPES]
        for name in names:
            if name not in _TYPES:
                self.drop(f"type {name!r}", path)
        if "null" in known and len(known) > 1:
            out["nullable"] = True
            known = [name for name in known if name != "null"]
        if len(known) == 1:
            out["type"] = _TYPES[known[0]]
        elif known:
            out["anyOf"] = [{"type": _TYPES[name]} for name in known]

    def _enum(self, schema: Mapping[str, Any], out: dict[str, Any], path: str) -> None:
        if "enum" in schema:
            keyword, values = "enum", schema["enum"]
        elif "const" in schema:
            keyword, values = "const", [schema["const"]]
        else:
            return
        if not isinstance(values, list):
            self.drop(keyword, path)
            return
        if None in values:
            out["nullable"] = True
            values = [value for value in values if value is not None]
        if not values:
            return
        if all(isinstance(value, str) for value in values):
            out["enum"] = list(values)
            out.setdefault("type", "STRING")
        elif all(isinstance(value, int) and not isinstance(value, bool) for value in values):
            out["enum"] = [str(value) for value in values]
            out.setdefault("type", "INTEGER")
        elif all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in values
        ):
            out["enum"] = [repr(value) for value in values]
            out.setdefault("type", "NUMBER")
        else:
            self.drop(f"{keyword} with non-string values", path)

    def _format(self, value: Any, out: dict[str, Any], path: str) -> None:
        if value is None:
            return
        if isinstance(value, str) and value in _FORMATS.get(out.get("type", ""), ()):
            out["format"] = value
        else:
            self.drop(f"format {value!r}", path)

    def _object(self, schema: Mapping[str, Any], out: dict[str, Any], path: str) -> None:
        properties = schema.get("properties")
        if properties is not None:
            if not isinstance(properties, Mapping):
                raise InvalidArgumentError(f"schema at {path}: properties must be an object")
            converted = {
                str(name): self.node(sub, f"{path}.properties.{name}")
                for name, sub in properties.items()
            }
            if converted:
                out["properties"] = converted
            out.setdefault("type", "OBJECT")
        required = schema.get("required")
        if isinstance(required, list) and required:
            out["required"] = [str(name) for name in required]
        additional = schema.get("additionalProperties")
        if additional is not None and additional is not False:
            self.drop("additionalProperties", path)

    def _array(self, schema: Mapping[str, Any], out: dict[str, Any], path: str) -> None:
        items = schema.get("items")
        if items is None:
            return
        if isinstance(items, Mapping | bool):
            converted = self.node(items, f"{path}.items")
            if converted:
                out["items"] = converted
            out.setdefault("type", "ARRAY")
        else:
            self.drop("items (tuple form)", path)

    def _variants(self, variants: Any, out: dict[str, Any], path: str) -> None:
        if not isinstance(variants, list):
            self.drop("anyOf/oneOf that is not a list", path)
            return
        kept: list[dict[str, Any]] = []
        for index, variant in enumerate(variants):
            if _is_null_schema(variant):
                out["nullable"] = True
            else:
                kept.append(self.node(variant, f"{path}[{index}]"))
        if len(kept) == 1:
            for key, value in kept[0].items():
                out.setdefault(key, value)
        elif kept:
            out["anyOf"] = kept


def _is_null_schema(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    kind = schema.get("type")
    return (kind == "null" or kind == ["null"]) and not (
        set(schema) - {"type", "description", "title"}
    )


def _merge_into(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Merge an ``allOf`` branch: properties and required are unioned, others kept first."""
    for key, value in extra.items():
        if key == "properties" and isinstance(target.get(key), dict):
            for name, sub in value.items():
                target[key].setdefault(name, sub)
        elif key == "required" and isinstance(target.get(key), list):
            target[key].extend(name for name in value if name not in target[key])
        else:
            target.setdefault(key, value)
