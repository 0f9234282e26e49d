"""Turn what the caller asked for (a JSON Schema or a Python type) into an object target.

A target knows the schema the provider sees, how to validate a parsed value and how to
convert it to the caller's type. Python types (pydantic models, dataclasses,
``typing_extensions.TypedDict``, ``list[...]``, unions) go through a pydantic
``TypeAdapter``; their generated schema is made provider-friendly: non-recursive
``$ref`` are inlined and pydantic's ``title`` keywords dropped. Providers need an object
at the root of a tool input or a strict response format, so any other root is wrapped
as ``{"value": <schema>}`` and unwrapped after parsing.

pydantic is imported only when a type target needs it; schemas are checked and values
validated by :mod:`fantasy._jsonschema`.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fantasy.errors import InvalidArgumentError

__all__ = ["WRAP_KEY", "ObjectTarget", "resolve_target"]

WRAP_KEY = "value"
"""The property holding a non-object root value in the wrapped schema."""

_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMA_ONE = frozenset(
    {
        "items",
        "additionalProperties",
        "additionalItems",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_REF_PREFIX = "#/$defs/"
_adapters: dict[Any, Any] = {}
_validators: dict[str, Any] = {}
_VALIDATOR_CACHE_SIZE = 128


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectTarget:
    """The object a call asks for.

    Attributes:
        schema: The schema sent to the provider (wrapped when the root is no object).
        object_schema: The schema of the object itself (shown in text mode).
        wrapped: Whether ``schema`` wraps ``object_schema`` under :data:`WRAP_KEY`.
        name: Schema name ("" when none was given or derivable).
        description: Schema description.
        adapter: The pydantic ``TypeAdapter`` of the caller's type, if a type was given.
    """

    schema: Mapping[str, Any]
    object_schema: Mapping[str, Any]
    wrapped: bool = False
    name: str = ""
    description: str = ""
    adapter: Any = None
    _validator: list[Any] = field(default_factory=list, repr=False, compare=False)

    def unwrap(self, value: Any) -> Any:
        """The object inside a parsed (possibly wrapped) value."""
        if self.wrapped and isinstance(value, dict) and WRAP_KEY in value:
            return value[WRAP_KEY]
        return value

    def validate(self, value: Any) -> tuple[Any, str]:
        """Validate (and convert) an unwrapped value: ``(object, "")`` or ``(None, error)``."""
        if self.adapter is not None:
            return _validate_type(self.adapter, value)
        if not self._validator:
            self._validator.append(_json_validator(self.object_schema))
        return _validate_schema(self._validator[0], value)


def resolve_target(schema: Any, name: str = "", description: str = "") -> ObjectTarget:
    """Build the target of ``schema`` (a JSON Schema mapping or a Python type)."""
    adapter = None
    validator: list[Any] = []
    if isinstance(schema, Mapping):
        object_schema: Mapping[str, Any] = schema
        validator.append(_json_validator(schema))  # a bad schema fails before any call
    else:
        adapter = _type_adapter(schema)
        object_schema = clean_schema(adapter.json_schema())
        if not name and isinstance(schema, type):
            name = schema.__name__
    if not name and isinstance(object_schema.get("title"), str):
        name = object_schema["title"]
    name = _NAME_CHARS.sub("_", name)[:64]
    wrapped = not is_object_schema(object_schema)
    return ObjectTarget(
        schema=wrap_schema(object_schema) if wrapped else object_schema,
        object_schema=object_schema,
        wrapped=wrapped,
        name=name,
        description=description,
        adapter=adapter,
        _validator=validator,
    )


def is_object_schema(schema: Mapping[str, Any]) -> bool:
    """Whether the root of ``schema`` is a JSON object."""
    kind = schema.get("type")
    return kind == "object" or (kind is None and "properties" in schema)


def wrap_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """An object schema holding ``schema`` under :data:`WRAP_KEY`."""
    inner = dict(schema)
    defs = inner.pop("$defs", None)
    wrapper: dict[str, Any] = {
        "type": "object",
        "properties": {WRAP_KEY: inner},
        "required": [WRAP_KEY],
        "additionalProperties": False,
    }
    if defs:
        wrapper["$defs"] = defs
    return wrapper


# --- Python types --------------------------------------------------------------------


def _type_adapter(tp: Any) -> Any:
    try:
        cached = _adapters.get(tp)
    except TypeError:  # unhashable type form
        cached = None
    if cached is not None:
        return cached
    from pydantic import PydanticUserError, TypeAdapter

    try:
        adapter = TypeAdapter(tp)
        adapter.json_schema()
    except (PydanticUserError, TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"cannot build a JSON schema for {tp!r}: {error}", argument="schema"
        ) from error
    with contextlib.suppress(TypeError):  # unhashable type forms are not cached
        _adapters[tp] = adapter
    return adapter


def _validate_type(adapter: Any, value: Any) -> tuple[Any, str]:
    from pydantic import ValidationError

    try:
        return adapter.validate_python(value), ""
    except ValidationError as error:
        return None, str(error)


def clean_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Inline non-recursive ``$ref`` to ``#/$defs/...`` and drop ``title`` keywords."""
    defs: Mapping[str, Any] = schema.get("$defs") or {}
    kept: dict[str, Any] = {}
    root = {k: v for k, v in schema.items() if k != "$defs"}
    out = _clean(root, defs, (), kept)
    # Definitions that refer to themselves stay as definitions.
    pending = [name for name in kept if kept[name] is None]
    while pending:
        for name in pending:
            kept[name] = _clean(defs[name], defs, (name,), kept)
        pending = [name for name in kept if kept[name] is None]
    if kept:
        out["$defs"] = kept
    return out


def _clean(
    node: Mapping[str, Any], defs: Mapping[str, Any], stack: tuple[str, ...], kept: dict[str, Any]
) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        target = ref[len(_REF_PREFIX) :]
        if target in defs and target not in stack:
            inlined = _clean(defs[target], defs, (*stack, target), kept)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return {**inlined, **_clean(siblings, defs, stack, kept)}
        kept.setdefault(target, None)
        return dict(node)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        out[key] = _clean_value(key, value, defs, stack, kept)
    return out


def _clean_value(
    key: str, value: Any, defs: Mapping[str, Any], stack: tuple[str, ...], kept: dict[str, Any]
) -> Any:
    if key in _SCHEMA_MAPS and isinstance(value, Mapping):
        return {k: _clean_node(v, defs, stack, kept) for k, v in value.items()}
    if key in _SCHEMA_LISTS and isinstance(value, list):
        return [_clean_node(v, defs, stack, kept) for v in value]
    if key in _SCHEMA_ONE:
        if isinstance(value, list):
            return [_clean_node(v, defs, stack, kept) for v in value]
        return _clean_node(value, defs, stack, kept)
    return value


def _clean_node(
    value: Any, defs: Mapping[str, Any], stack: tuple[str, ...], kept: dict[str, Any]
) -> Any:
    return _clean(value, defs, stack, kept) if isinstance(value, Mapping) else value


# --- JSON Schema ----------------------------------------------------------------------


def _json_validator(schema: Mapping[str, Any]) -> Any:
    """A validator for ``schema``, whose shape is checked once per process.

    Validators are cached by the schema's canonical JSON text, so a schema used for
    many calls is checked once.
    """
    try:
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"the schema is not JSON data: {error}", argument="schema"
        ) from error
    validator = _validators.get(key)
    if validator is None:
        validator = _checked_validator(json.loads(key))
        if len(_validators) >= _VALIDATOR_CACHE_SIZE:
            del _validators[next(iter(_validators))]
        _validators[key] = validator
    return validator


def _checked_validator(schema: dict[str, Any]) -> Any:
    from fantasy._jsonschema import SchemaError, validator_for

    try:
        return validator_for(schema)
    except SchemaError as error:
        raise InvalidArgumentError(
            f"invalid JSON schema: {error.message}", argument="schema"
        ) from error


def _validate_schema(validator: Any, value: Any) -> tuple[Any, str]:
    error = validator.best_error(value)
    if error is None:
        return value, ""
    path = error.json_path
    return None, error.message if path == "$" else f"{path}: {error.message}"
