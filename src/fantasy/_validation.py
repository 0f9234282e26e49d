"""Tool-call validation and repair (pure checks plus one async driver).

A client tool call is valid when its tool is among the step's runnable tools, its
input is a JSON object (an empty or blank input counts as ``{}``) and that object
validates against the tool's JSON Schema (:mod:`fantasy._jsonschema`, types included).

Repair, tried in this order on failure:

1. malformed JSON is repaired with the ``json_repair`` library;
2. the user's ``repair_tool_call(call, tools, error)`` hook (sync or async) may return a
   fixed :class:`~fantasy.content.ToolCallContent` (re-validated, never re-repaired) or
   ``None``.

The raw ``input`` string of a call that is valid as the model sent it is kept byte for
byte (it is replayed verbatim to the provider). A call that repair changed carries the
repaired input instead. A call that stays invalid is returned with ``invalid=True`` and
``validation_error`` set, and keeps the input it had.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

from fantasy._jsonschema import Validator, validator_for
from fantasy.agent_tools import AgentTool, AnyTool, ExecutableProviderTool
from fantasy.content import ToolCallContent
from fantasy.errors import FantasyError
from fantasy.tools import ProviderDefinedTool

__all__ = [
    "InvalidToolCallError",
    "RepairToolCall",
    "ValidatedCall",
    "check_tool_call",
    "validate_tool_call",
]

ErrorKind = Literal["unknown-tool", "not-executable", "invalid-json", "invalid-input"]


class InvalidToolCallError(FantasyError):
    """Why a tool call cannot be run (given to the repair hook, then to the model).

    Attributes:
        tool_name: The tool the model called.
        tool_call_id: The call's id.
        kind: ``"unknown-tool"``, ``"not-executable"`` (a provider-defined tool the agent
            cannot run), ``"invalid-json"`` or ``"invalid-input"`` (schema mismatch).
    """

    def __init__(self, message: str, *, call: ToolCallContent, kind: ErrorKind) -> None:
        super().__init__(message)
        self.tool_name = call.tool_name
        self.tool_call_id = call.tool_call_id
        self.kind = kind


RepairToolCall: TypeAlias = Callable[
    [ToolCallContent, Sequence[AnyTool], InvalidToolCallError],
    "ToolCallContent | Awaitable[ToolCallContent | None] | None",
]
"""``repair_tool_call(call, tools, error)`` → a fixed call, or ``None`` to give up."""

Runnable: TypeAlias = AgentTool | ExecutableProviderTool


@dataclasses.dataclass(frozen=True, slots=True)
class ValidatedCall:
    """A checked tool call: the call (maybe repaired or marked invalid) and its input.

    Attributes:
        call: The call as it goes into the step content and messages.
        tool: The tool to run, or ``None`` when the call is invalid.
        arguments: The decoded input object (``None`` when invalid).
    """

    call: ToolCallContent
    tool: Runnable | None = None
    arguments: dict[str, Any] | None = None


def _runnable(tools: Sequence[AnyTool]) -> dict[str, Runnable]:
    return {t.name: t for t in tools if isinstance(t, AgentTool | ExecutableProviderTool)}


def _find_tool(call: ToolCallContent, tools: Sequence[AnyTool]) -> Runnable:
    runnable = _runnable(tools)
    found = runnable.get(call.tool_name)
    if found is not None:
        return found
    if any(isinstance(t, ProviderDefinedTool) and t.name == call.tool_name for t in tools):
        raise InvalidToolCallError(
            f"tool {call.tool_name!r} is provider-defined and cannot be run by the agent",
            call=call,
            kind="not-executable",
        )
    names = ", ".join(sorted(runnable)) or "none"
    raise InvalidToolCallError(
        f"unknown tool {call.tool_name!r}; available tools: {names}", call=call, kind="unknown-tool"
    )


def _repair_json(text: str) -> str | None:
    """``json_repair``'s fix of ``text`` if it yields a JSON object, else ``None``."""
    import json_repair  # loaded on the first malformed call

    try:
        repaired = str(json_repair.repair_json(text, ensure_ascii=False))
        value = json.loads(repaired)
    except (ValueError, RecursionError):
        return None
    return repaired if isinstance(value, dict) else None


def _parse_input(call: ToolCallContent) -> tuple[ToolCallContent, Any]:
    if not call.input.strip():
        return call, {}
    try:
        return call, json.loads(call.input)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
        repaired = _repair_json(call.input)
        if repaired is None:
            raise InvalidToolCallError(
                f"input of tool {call.tool_name!r} is not valid JSON: {error}",
                call=call,
                kind="invalid-json",
            ) from error
        return dataclasses.replace(call, input=repaired), json.loads(repaired)


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> Validator:
    """A validator per distinct schema (a schema it cannot check goes to ``jsonschema``)."""
    return validator_for(json.loads(schema_json))


def _check_schema(call: ToolCallContent, schema: Mapping[str, Any], value: Any) -> None:
    validator = _validator(json.dumps(schema, sort_keys=True, default=str))
    error = validator.best_error(value)
    if error is None:
        return
    where = "/".join(str(part) for part in error.path)
    at = f" at '{where}'" if where else ""
    raise InvalidToolCallError(
        f"invalid input for tool {call.tool_name!r}{at}: {error.message}",
        call=call,
        kind="invalid-input",
    )


def check_tool_call(call: ToolCallContent, tools: Sequence[AnyTool]) -> ValidatedCall:
    """Validate ``call`` against ``tools`` (with JSON repair); raise if it stays invalid.

    Raises:
        InvalidToolCallError: Unknown tool, unrepairable JSON, or a schema mismatch.
    """
    tool = _find_tool(call, tools)
    call, value = _parse_input(call)
    if not isinstance(value, dict):
        raise InvalidToolCallError(
            f"input of tool {call.tool_name!r} must be a JSON object, not {type(value).__name__}",
            call=call,
            kind="invalid-input",
        )
    if isinstance(tool, AgentTool):
        _check_schema(call, tool.input_schema, value)
    return ValidatedCall(call, tool, value)


def _invalid(call: ToolCallContent, error: InvalidToolCallError) -> ValidatedCall:
    return ValidatedCall(
        dataclasses.replace(call, invalid=True, validation_error=str(error)), None, None
    )


async def validate_tool_call(
    call: ToolCallContent,
    tools: Sequence[AnyTool],
    repair: RepairToolCall | None = None,
) -> ValidatedCall:
    """Validate a client tool call, repairing it if possible (see the module docstring)."""
    try:
        return check_tool_call(call, tools)
    except InvalidToolCallError as error:
        if repair is None:
            return _invalid(call, error)
        fixed = repair(call, tools, error)
        if inspect.isawaitable(fixed):
            fixed = await fixed
        if fixed is None:
            return _invalid(call, error)
        # The result must answer the call the model made, whatever id the hook used.
        fixed = dataclasses.replace(fixed, tool_call_id=call.tool_call_id)
        try:
            return check_tool_call(fixed, tools)
        except InvalidToolCallError as second:
            return _invalid(fixed, second)
