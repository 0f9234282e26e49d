"""Claude's native structured outputs: which models have them, and the schema they get.

A ``response_format`` schema becomes
``"output_config": {"format": {"type": "json_schema", "schema": <schema>}}``: the
generally available form, which needs no beta header. (The beta sent a top-level
``output_format`` with ``anthropic-beta: structured-outputs-2025-11-13``; fantasy does
not use it.) The answer is then a text block holding the JSON.

Which models, by platform (from the family and version in the model id; ids in the
old ``claude-3-5-sonnet`` form are older than every supported model):

* Anthropic API (``anthropic``): the Claude 4.5 generation and newer (Opus, Sonnet and
  Haiku 4.5, 4.6, ...).
* Amazon Bedrock ``InvokeModel`` (``bedrock``): the generations AWS documents as
  generally available there, 4.5 and 4.6; later ones are not assumed.
* Anything else, Vertex AI included (where structured outputs are off unless an
  organization policy enables them): none.

A model without support gets a ``response_format`` warning and a request without
``output_config.format``; :meth:`AnthropicLanguageModel.supports_json_schema` tells the
object layer to put the schema in the prompt instead.

The grammar accepts a subset of JSON Schema: every object gets
``"additionalProperties": false``, and bounds it does not support (``minimum``,
``maxLength``, ``minItems`` above 1, ...) move into the node's description. Callers
lose nothing: the object layer validates the answer against the original schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["claude_version", "output_format", "strict_schema", "supports_structured_outputs"]

_VERSION = re.compile(r"claude-[a-z]+-(\d+)(?:[-.](\d{1,2}))?(?=$|[-@:._])")
_FIRST_VERSION = (4, 5)
_BEDROCK_VERSIONS = frozenset({(4, 5), (4, 6)})

_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "patternProperties"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMA_ONE = frozenset({"items", "not", "if", "then", "else", "contains"})
_UNSUPPORTED_BOUNDS = frozenset(
    {
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "maxItems",
        "minProperties",
        "maxProperties",
    }
)


def claude_version(model_id: str) -> tuple[int, int] | None:
    """``(major, minor)`` of a ``claude-<family>-<major>[-<minor>]`` id, else ``None``.

    Platform prefixes and suffixes are allowed: ``us.anthropic.claude-sonnet-4-5-…-v1:0``
    (Bedrock), ``claude-sonnet-4-5@20250929`` (Vertex). A date after the major version
    (``claude-sonnet-4-20250514``) is no minor version.
    """
    match = _VERSION.search(model_id.lower())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def supports_structured_outputs(platform: str, model_id: str) -> bool:
    """Whether ``model_id`` on ``platform`` (a provider name) takes ``output_config.format``."""
    version = claude_version(model_id)
    if version is None:
        return False
    if platform == "anthropic":
        return version >= _FIRST_VERSION
    if platform == "bedrock":
        return version in _BEDROCK_VERSIONS
    return False


def output_format(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The ``output_config.format`` value for ``schema``."""
    return {"type": "json_schema", "schema": strict_schema(schema)}


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` the structured-output grammar accepts (see the module doc)."""
    out: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in schema.items():
        if _unsupported_bound(key, value):
            notes.append(f"{key}: {json.dumps(value)}")
            continue
        out[key] = _child(key, value)
    if _is_object(out):
        out["additionalProperties"] = False
    if notes:
        text = ", ".join(notes)
        description = out.get("description")
        has_description = isinstance(description, str) and description
        out["description"] = f"{description} ({text})" if has_description else text
    return out


def _unsupported_bound(key: str, value: Any) -> bool:
    if key in _UNSUPPORTED_BOUNDS:
        return True
    return key == "minItems" and not (type(value) is int and value in (0, 1))


def _is_object(node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    if isinstance(kind, list):
        return "object" in kind
    return kind == "object" or (kind is None and "properties" in node)


def _child(key: str, value: Any) -> Any:
    if key in _SCHEMA_MAPS and isinstance(value, Mapping):
        return {name: _node(item) for name, item in value.items()}
    if key in _SCHEMA_LISTS and isinstance(value, list):
        return [_node(item) for item in value]
    if key in _SCHEMA_ONE:
        if isinstance(value, list):
            return [_node(item) for item in value]
        return _node(value)
    if key == "additionalProperties" and isinstance(value, Mapping):
        return _node(value)
    return value


def _node(value: Any) -> Any:
    return strict_schema(value) if isinstance(value, Mapping) else value
