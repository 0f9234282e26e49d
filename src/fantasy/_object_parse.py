"""From the model's raw answer to a validated object: the same steps in every mode.

1. strict ``json.loads`` of the text;
2. repair: the JSON inside a markdown fence, then ``json_repair`` (trailing commas,
   single quotes, prose around the JSON, output cut off by the token limit);
3. validation: JSON Schema (:mod:`fantasy._jsonschema`) for a schema mapping, pydantic
   for a type;
4. the caller's ``repair(raw_text, error)`` hook, sync or async, once: its text goes
   through steps 1-3 again;
5. otherwise :class:`~fantasy.errors.NoObjectGeneratedError` with the raw text, the
   parse or validation error, the usage and the finish reason.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from fantasy._object_schema import ObjectTarget
from fantasy.errors import NoObjectGeneratedError
from fantasy.usage import FinishReason, Usage

__all__ = ["RepairFunction", "ParseResult", "finalize_object", "parse_json_text", "try_object"]

RepairFunction: TypeAlias = Callable[
    [str, NoObjectGeneratedError], "str | Awaitable[str | None] | None"
]
"""``repair(raw_text, error)``: return fixed JSON text, or ``None`` to give up."""

_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\r?\n?(.*?)```", re.DOTALL)
_NOTHING: Any = object()


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Outcome of parsing and validating one text."""

    object: Any = None
    ok: bool = False
    parse_error: str = ""
    validation_error: str = ""


def parse_json_text(text: str) -> tuple[Any, str]:
    """Parse ``text`` as JSON, repairing it if needed: ``(value, "")`` or ``(None, error)``."""
    stripped = text.strip()
    if not stripped:
        return None, "the model produced no text"
    try:
        return json.loads(stripped), ""
    except (json.JSONDecodeError, RecursionError) as error:  # or nested too deeply
        strict_error = f"invalid JSON: {error}"
    fenced = _FENCE.search(stripped)
    if fenced is not None:
        try:
            return json.loads(fenced.group(1)), ""
        except (json.JSONDecodeError, RecursionError):
            pass
    repaired = _repair(stripped)
    if repaired is _NOTHING:
        return None, strict_error
    return repaired, ""


def _repair(text: str) -> Any:
    import json_repair

    try:
        value = json_repair.repair_json(text, return_objects=True)
    except (ValueError, TypeError, RecursionError):
        return _NOTHING
    if value == "" and not text.startswith('"'):  # json_repair's "nothing found"
        return _NOTHING
    return value


def try_object(target: ObjectTarget, text: str) -> ParseResult:
    """Parse, unwrap and validate ``text`` against ``target``."""
    value, parse_error = parse_json_text(text)
    if parse_error:
        return ParseResult(parse_error=parse_error)
    obj, validation_error = target.validate(target.unwrap(value))
    if validation_error:
        return ParseResult(validation_error=validation_error)
    return ParseResult(object=obj, ok=True)


def _error(
    message: str,
    raw_text: str,
    result: ParseResult,
    usage: Usage,
    finish_reason: FinishReason,
) -> NoObjectGeneratedError:
    if finish_reason == FinishReason.LENGTH:
        message += " (the output was cut off: finish reason 'length')"
    return NoObjectGeneratedError(
        message,
        raw_text=raw_text,
        parse_error=result.parse_error,
        validation_error=result.validation_error,
        usage=usage,
        finish_reason=finish_reason,
    )


def _reason(result: ParseResult) -> str:
    if result.parse_error:
        return f"could not parse the response: {result.parse_error}"
    return f"the response did not match the schema: {result.validation_error}"


async def finalize_object(
    target: ObjectTarget,
    raw_text: str,
    *,
    repair: RepairFunction | None,
    usage: Usage,
    finish_reason: FinishReason,
) -> Any:
    """The validated object of ``raw_text``, or raise :class:`NoObjectGeneratedError`."""
    result = try_object(target, raw_text)
    if result.ok:
        return result.object
    error = _error(
        "no object generated: " + _reason(result), raw_text, result, usage, finish_reason
    )
    if repair is None:
        raise error
    fixed = repair(raw_text, error)
    if inspect.isawaitable(fixed):
        fixed = await fixed
    if fixed is None:
        raise error
    if not isinstance(fixed, str):
        raise TypeError(f"the repair function must return str or None, not {type(fixed)!r}")
    retried = try_object(target, fixed)
    if retried.ok:
        return retried.object
    raise _error(
        "no object generated: after repair, " + _reason(retried),
        raw_text,
        retried,
        usage,
        finish_reason,
    ) from error
