"""JSON Schema from Python types and function signatures (via pydantic).

Schemas are emitted the way tool definitions go on the wire: a plain object schema
(``{"type": "object", "properties": {...}, "required": [...]}``) without pydantic's
``title`` keys, with ``$ref``/``$defs`` inlined unless a type is recursive (then the
``$defs`` are kept). Descriptions come from ``Annotated[T, "description"]``,
``Field(description=...)`` and the ``Args:`` section of a Google-style docstring.
"""

from __future__ import annotations

import copy
import inspect
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PydanticSchemaGenerationError,
    PydanticUserError,
    TypeAdapter,
    create_model,
)
from pydantic.fields import FieldInfo

from fantasy._tool_schema import normalize_tool_schema
from fantasy.errors import InvalidArgumentError

__all__ = [
    "FunctionSchema",
    "clean_schema",
    "function_schema",
    "json_schema",
    "normalize_tool_schema",
    "parse_docstring",
]

# Keywords whose value is a schema / a mapping of schemas / a list of schemas.
_SCHEMA_KEYS = ("items", "additionalProperties", "not", "contains", "propertyNames")
_SCHEMA_MAP_KEYS = ("properties", "patternProperties", "$defs", "definitions")
_SCHEMA_LIST_KEYS = ("anyOf", "oneOf", "allOf", "prefixItems")

_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Returns|Return|Yields|Raises|Examples?|Notes?|"
    r"Attributes|See Also|Warnings?|Todo)\s*:\s*$"
)
_ARG_LINE = re.compile(r"^\*{0,2}(?P<name>\w+)\s*(\([^)]*\))?\s*:\s*(?P<text>.*)$")


# --- cleaning ----------------------------------------------------------------------------


def _strip_titles(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out = {key: value for key, value in node.items() if key != "title"}
    for key in _SCHEMA_KEYS:
        if isinstance(out.get(key), dict):
            out[key] = _strip_titles(out[key])
    for key in _SCHEMA_MAP_KEYS:
        if isinstance(out.get(key), dict):
            out[key] = {name: _strip_titles(sub) for name, sub in out[key].items()}
    for key in _SCHEMA_LIST_KEYS:
        if isinstance(out.get(key), list):
            out[key] = [_strip_titles(sub) for sub in out[key]]
    return out


class _Recursive(Exception):
    """A ``$ref`` points back into itself: the schema keeps its ``$defs``."""


def _inline(node: Any, defs: Mapping[str, Any], stack: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
        name = ref.rsplit("/", 1)[1]
        if name in stack or name not in defs:
            raise _Recursive(name)
        target = _inline(defs[name], defs, (*stack, name))
        siblings = {k: _inline(v, defs, stack) for k, v in node.items() if k != "$ref"}
        return {**target, **siblings}
    out = {}
    for key, value in node.items():
        if key in ("$defs", "definitions"):
            continue
        # default / enum / examples hold data, not schemas: leave them alone.
        out[key] = (
            value
            if key in ("default", "enum", "const", "examples")
            else _inline(value, defs, stack)
        )
    all_of = out.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
        del out["allOf"]
        out = {**all_of[0], **out}
    return out


def clean_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Drop ``title`` keys and inline ``$ref``s (kept, with ``$defs``, if recursive)."""
    stripped: dict[str, Any] = _strip_titles(copy.deepcopy(dict(schema)))
    defs = {**stripped.get("definitions", {}), **stripped.get("$defs", {})}
    if not defs:
        return stripped
    try:
        inlined: dict[str, Any] = _inline(stripped, defs, ())
    except _Recursive:
        return stripped
    return inlined


def json_schema(type_: Any) -> dict[str, Any]:
    """The cleaned JSON Schema of a type (pydantic model, dataclass, TypedDict, ...)."""
    return clean_schema(TypeAdapter(type_).json_schema())


# --- docstrings ----------------------------------------------------------------------------


def _summary(lines: list[str]) -> str:
    summary: list[str] = []
    for line in lines:
        if not line.strip() or _SECTION.match(line.strip()):
            break
        summary.append(line.strip())
    return " ".join(summary)


def _args_section(lines: list[str]) -> dict[str, str]:
    args: dict[str, str] = {}
    inside = False
    current = ""
    indent = -1
    for line in lines:
        stripped = line.strip()
        if not inside:
            inside = stripped in ("Args:", "Arguments:", "Parameters:")
            continue
        if not stripped:
            continue
        width = len(line) - len(line.lstrip())
        if width == 0:
            break  # the next section
        if indent < 0:
            indent = width
        match = _ARG_LINE.match(stripped) if width == indent else None
        if match:
            current = match["name"]
            args[current] = match["text"].strip()
        elif current:
            args[current] = f"{args[current]} {stripped}".strip()
    return args


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into its summary and ``Args:`` descriptions.

    Returns:
        ``(summary, {parameter name: description})``; the summary is the first
        paragraph joined into one line.
    """
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    return _summary(lines), _args_section(lines)


# --- functions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunctionSchema:
    """What :func:`function_schema` learned about a function.

    Attributes:
        name: The function's name.
        description: The docstring's summary.
        schema: The cleaned JSON Schema of the parameters.
        model: A pydantic model that validates and converts the input. Its fields have
            private names aliased to the parameter names (so that no parameter name can
            clash with a pydantic attribute).
        parameters: Model field name → parameter name.
        context_parameter: Name of the parameter receiving the tool context, if any.
    """

    name: str
    description: str
    schema: dict[str, Any]
    model: type[BaseModel]
    parameters: dict[str, str]
    context_parameter: str | None


def _split_annotated(annotation: Any) -> tuple[Any, str | None]:
    """Move a plain-string ``Annotated`` description out of the annotation."""
    if get_origin(annotation) is not Annotated:
        return annotation, None
    base, *extras = get_args(annotation)
    texts = [item for item in extras if isinstance(item, str)]
    rest = [item for item in extras if not isinstance(item, str)]
    if not texts:
        return annotation, None
    kept = Annotated[(base, *rest)] if rest else base
    return kept, texts[-1]


def _has_description(annotation: Any, default: Any) -> bool:
    metadata = get_args(annotation)[1:] if get_origin(annotation) is Annotated else ()
    infos = [m for m in (*metadata, default) if isinstance(m, FieldInfo)]
    return any(info.description for info in infos)


def _field(parameter: inspect.Parameter, annotation: Any, doc: str | None) -> tuple[Any, Any]:
    """The pydantic field of a parameter: aliased to its name, described if possible."""
    annotation, annotated_doc = _split_annotated(annotation)
    default = ... if parameter.default is inspect.Parameter.empty else parameter.default
    description = annotated_doc or doc
    if _has_description(annotation, default):
        description = None
    extra = Field(alias=parameter.name, description=description)
    return Annotated[annotation, extra], default


def _is_context(annotation: Any, context_type: type[Any] | None) -> bool:
    if context_type is None:
        return False
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if (get_origin(annotation) or annotation) is context_type:  # ToolContext[Deps] too
        return True
    # ``ToolContext | None`` (or Optional[ToolContext]) is injected too: the agent always
    # supplies a context, so it must never leak into the model-facing schema.
    members = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    bare = [get_origin(m) or m for m in members]
    return context_type in bare and all(m in (context_type, type(None)) for m in bare)


def function_schema(
    function: Callable[..., Any],
    *,
    context_type: type[Any] | None = None,
    name: str | None = None,
) -> FunctionSchema:
    """Build the input schema and validator of ``function`` from its signature.

    Parameters with defaults are optional. A parameter annotated ``context_type`` is
    left out of the schema and reported as :attr:`FunctionSchema.context_parameter`.

    Raises:
        InvalidArgumentError: For ``*args``/``**kwargs`` or unresolvable annotations.
    """
    tool_name = name or getattr(function, "__name__", "") or "tool"
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except (NameError, TypeError) as error:
        raise InvalidArgumentError(f"cannot resolve type hints of {tool_name}: {error}") from error
    summary, arg_docs = parse_docstring(inspect.getdoc(function))
    fields: dict[str, Any] = {}
    parameters: dict[str, str] = {}
    context_parameter: str | None = None
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise InvalidArgumentError(f"{tool_name}: *args/**kwargs cannot become tool input")
        annotation = hints.get(parameter.name, Any)
        if _is_context(annotation, context_type):
            context_parameter = parameter.name
            continue
        field_name = f"p{len(fields)}"
        parameters[field_name] = parameter.name
        fields[field_name] = _field(parameter, annotation, arg_docs.get(parameter.name))
    try:
        model: type[BaseModel] = create_model(
            f"{tool_name}_input", __config__=ConfigDict(arbitrary_types_allowed=True), **fields
        )
        raw = model.model_json_schema()
    except (PydanticUserError, PydanticSchemaGenerationError, TypeError) as error:
        raise InvalidArgumentError(
            f"cannot build the input schema of {tool_name}: {error}"
        ) from error
    cleaned = clean_schema(raw)
    # The usual key order of tool schemas: type, properties, required, then the rest.
    schema = {"type": "object", "properties": cleaned.pop("properties", {})}
    if "required" in cleaned:
        schema["required"] = cleaned.pop("required")
    schema.update((key, value) for key, value in cleaned.items() if key != "type")
    return FunctionSchema(tool_name, summary, schema, model, parameters, context_parameter)
