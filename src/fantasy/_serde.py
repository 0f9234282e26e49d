"""Generic JSON (de)serialization of fantasy's frozen value dataclasses.

Each value class registers under a *family* ("part", "content", "output", ...) and a
tag (its ``type`` field). Fields that need conversion say so in their dataclass
metadata: ``{"serde": "bytes"}`` (base64), ``{"serde": "provider"}`` (typed provider
options/metadata) or ``{"serde": "<family>"}`` (nested values of that family).
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from fantasy.errors import InvalidArgumentError

_FAMILIES: dict[str, dict[str, type[Any]]] = {}

C = TypeVar("C", bound=type[Any])


def register(family: str) -> Any:
    """Class decorator: register a dataclass under ``family`` by its ``type`` default."""

    def wrap(cls: C) -> C:
        tag = cls.__dataclass_fields__["type"].default
        _FAMILIES.setdefault(family, {})[tag] = cls
        return cls

    return wrap


def _encode_value(value: Any, kind: str | None) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    if kind == "provider":
        from fantasy.options import dump_provider_map  # pydantic loads on first use

        return dump_provider_map(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_encode_value(item, kind) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _encode_value(v, None) for k, v in value.items()}
    return value


def encode(obj: Any) -> dict[str, Any]:
    """Encode a registered (or plain) dataclass into JSON-ready data."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        kind = field.metadata.get("serde")
        if kind == "skip":
            continue
        out[field.name] = _encode_value(value, kind)
    return out


def _decode_value(value: Any, kind: str | None) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "provider":
        from fantasy.options import load_provider_map

        return load_provider_map(value)
    if kind is not None and kind in _FAMILIES:
        if isinstance(value, list):
            return tuple(decode(item, kind) for item in value)
        return decode(value, kind)
    if isinstance(value, list):
        return tuple(value)
    return value


def decode_fields(cls: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Decode the fields of ``cls`` found in ``data`` (unknown keys are rejected)."""
    fields = {field.name: field for field in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            raise InvalidArgumentError(f"unknown field {key!r} for {cls.__name__}")
        kind = field.metadata.get("serde")
        if kind == "skip":
            continue
        kwargs[key] = _decode_value(value, kind)
    return kwargs


def decode(data: Mapping[str, Any], family: str) -> Any:
    """Decode data produced by :func:`encode` for a class registered in ``family``."""
    registry = _FAMILIES.get(family, {})
    tag = data.get("type")
    cls = registry.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise InvalidArgumentError(f"unknown {family} type {tag!r}")
    return cls(**decode_fields(cls, data))


def meta(kind: str) -> dict[str, str]:
    """Dataclass field metadata for a field of the given serde kind."""
    return {"serde": kind}
