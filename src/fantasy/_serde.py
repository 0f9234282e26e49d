"""Generic JSON (de)serialization of fantasy's frozen value dataclasses.

Each value class registers under a *family* ("part", "content", "output", ...) and a
tag (its ``type`` field). Fields that need conversion say so in their dataclass
metadata: ``{"serde": "bytes"}`` (base64), ``{"serde": "provider"}`` (typed provider
options/metadata) or ``{"serde": "<family>"}`` (nested values of that family).

Two JSON forms are read and written. fantasy's own puts a value's fields next to its
``type``: ``{"type": "text", "text": "hi"}``. Fantasy Go's wraps them in an envelope:
``{"type": "text", "data": {"text": "hi"}}`` (for message parts, tool-result outputs
and content items; provider options and metadata use the envelope in both forms).
:func:`decode` reads either; :func:`encode` writes Go's with ``go_json=True``, so one
conversation can move between a Go service and a Python one.
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


def _is_registered(value: Any) -> bool:
    tag = getattr(value, "type", None)
    return isinstance(tag, str) and any(
        _FAMILIES.get(family, {}).get(tag) is type(value) for family in _FAMILIES
    )


def _encode_value(value: Any, kind: str | None, go_json: bool = False) -> Any:
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    if kind == "provider":
        from fantasy.options import dump_provider_map  # pydantic loads on first use

        return dump_provider_map(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode(value, go_json=go_json)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_encode_value(item, kind, go_json) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _encode_value(v, None, go_json) for k, v in value.items()}
    return value


def encode(obj: Any, *, go_json: bool = False) -> dict[str, Any]:
    """Encode a registered (or plain) dataclass into JSON-ready data.

    ``go_json``: registered values (parts, outputs, content) as Fantasy Go's
    ``{"type": ..., "data": {...}}`` envelopes, at every depth.
    """
    out: dict[str, Any] = {}
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        kind = field.metadata.get("serde")
        if kind == "skip":
            continue
        out[field.name] = _encode_value(value, kind, go_json)
    if go_json and _is_registered(obj):
        tag = out.pop("type")
        return {"type": tag, "data": out}
    return out


def _unwrap(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Fantasy Go's ``{"type": t, "data": {...}}`` envelope as fantasy's flat form."""
    inner = data.get("data")
    if len(data) == 2 and "type" in data and isinstance(inner, Mapping):
        return {**inner, "type": data["type"]}
    return data


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
    """Decode data produced by :func:`encode` (either form) for a class of ``family``."""
    registry = _FAMILIES.get(family, {})
    if not isinstance(data, Mapping):
        raise InvalidArgumentError(f"a {family} must be a JSON object, not {type(data).__name__}")
    data = _unwrap(data)
    tag = data.get("type")
    cls = registry.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise InvalidArgumentError(f"unknown {family} type {tag!r}")
    return cls(**decode_fields(cls, data))


def meta(kind: str) -> dict[str, str]:
    """Dataclass field metadata for a field of the given serde kind."""
    return {"serde": kind}
