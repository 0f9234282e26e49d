"""Object calls, object responses, and how each mode turns an object call into a model call.

Modes (see :class:`ObjectCall`):

* ``json``: ``Call.response_format`` carries the provider-neutral schema, its name and
  description; providers adapt it to their native JSON mode. On a model whose
  ``supports_json_schema()`` is false the call keeps ``response_format`` (the provider
  warns that it is unsupported) and also gets ``text`` mode's instruction; the JSON
  is then read from the answer as in ``text`` mode.
* ``tool``: one synthetic :class:`~fantasy.tools.FunctionTool` named after the schema
  (``"json"`` when unnamed) is forced with ``SpecificToolChoice``; its input is the object.
* ``text``: a system instruction with the schema follows the prompt's leading system
  messages, and the JSON is read from the answer.
* ``auto``: the model's ``default_object_mode``.

No mode adds a system message except ``text`` (and ``json`` without native support).
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal

from typing_extensions import TypeVar

from fantasy._object_parse import RepairFunction
from fantasy._object_schema import ObjectTarget, resolve_target
from fantasy.content import text_of
from fantasy.errors import InvalidArgumentError
from fantasy.messages import Message, system_message
from fantasy.model import Call, ObjectMode, ResponseFormat
from fantasy.response import Response
from fantasy.tools import FunctionTool, SpecificToolChoice
from fantasy.usage import CallWarning, FinishReason, Usage

__all__ = [
    "TEXT_INSTRUCTION",
    "ObjectCall",
    "ObjectPlan",
    "ObjectResponse",
    "build_plan",
    "supports_json_schema",
    "with_instruction",
]

T = TypeVar("T", default=Any)

TEXT_INSTRUCTION = "Respond only with JSON that matches this schema: "
"""Start of the system instruction added in ``text`` mode (the schema follows)."""

DEFAULT_TOOL_NAME = "json"
_MODES = frozenset({"auto", "json", "tool", "text"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectCall(Generic[T]):
    """A request for a structured object.

    Attributes:
        prompt: The messages.
        schema: A JSON Schema mapping (the object is then plain JSON data) or a Python
            type: a pydantic model, a dataclass, a ``typing_extensions.TypedDict``,
            ``list[...]`` or a union of them (the object is then an instance). Other
            type forms (``Literal[...]``, ``Annotated[...]``) work at run time; type
            checkers need ``typing.cast(Any, form)`` for them.
        schema_name: Name of the schema (tool name in ``tool`` mode); defaults to the
            type's name or the schema's ``title``.
        schema_description: What the object is.
        mode: ``"auto"`` (the model's default), ``"json"``, ``"tool"`` or ``"text"``.
        repair: ``repair(raw_text, error)`` returning fixed JSON text or ``None``; sync
            or async; called once when the answer does not parse or validate.

    The other fields are those of :class:`~fantasy.model.Call`.
    """

    prompt: Sequence[Message]
    schema: type[T] | Mapping[str, Any] | types.GenericAlias | types.UnionType
    schema_name: str = ""
    schema_description: str = ""
    mode: ObjectMode = "auto"
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    stop_sequences: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    user_agent: str | None = None
    provider_options: Mapping[str, Any] = field(default_factory=dict)
    repair: RepairFunction | None = None

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise InvalidArgumentError(
                f"unknown object mode {self.mode!r}; expected one of auto, json, tool, text",
                argument="mode",
            )

    def replace(self, **changes: Any) -> ObjectCall[T]:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectResponse(Generic[T]):
    """A generated object and the call it came from.

    Attributes:
        object: The validated object: JSON data for a schema mapping, an instance for a
            Python type.
        raw_text: What the model produced: the answer text, or the tool input in
            ``tool`` mode.
        finish_reason: The call's finish reason (``tool-calls`` reads ``stop`` in tool
            mode: the tool call is the answer).
        response: The underlying model response.
    """

    object: T
    raw_text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: FinishReason = FinishReason.UNKNOWN
    raw_finish_reason: str = ""
    warnings: tuple[CallWarning, ...] = ()
    provider_metadata: Mapping[str, Any] = field(default_factory=dict)
    response: Response = field(default_factory=Response)


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectPlan:
    """How one object call runs: its mode, target and model call."""

    mode: Literal["json", "tool", "text"]
    target: ObjectTarget
    call: Call
    tool_name: str = ""
    repair: RepairFunction | None = None

    def raw_text(self, response: Response) -> str:
        """The JSON text of a complete response."""
        if self.mode == "tool":
            calls = response.tool_calls
            for tool_call in calls:
                if tool_call.tool_name == self.tool_name:
                    return tool_call.input
            if calls:
                return calls[0].input
        return text_of(response.content)

    def finish_reason(self, reason: FinishReason) -> FinishReason:
        """The object's finish reason: the forced tool call ends a tool-mode answer."""
        if self.mode == "tool" and reason == FinishReason.TOOL_CALLS:
            return FinishReason.STOP
        return reason


def build_plan(model: Any, call: ObjectCall[Any]) -> ObjectPlan:
    """Resolve the mode and schema of ``call`` and build the model call."""
    if not isinstance(call, ObjectCall):
        raise InvalidArgumentError(
            f"expected an ObjectCall, got {type(call).__name__}", argument="call"
        )
    mode = _resolve_mode(model, call.mode)
    target = resolve_target(call.schema, call.schema_name, call.schema_description)
    base = Call(
        prompt=tuple(call.prompt),
        max_output_tokens=call.max_output_tokens,
        temperature=call.temperature,
        top_p=call.top_p,
        top_k=call.top_k,
        presence_penalty=call.presence_penalty,
        frequency_penalty=call.frequency_penalty,
        stop_sequences=tuple(call.stop_sequences),
        seed=call.seed,
        headers=call.headers,
        user_agent=call.user_agent,
        provider_options=call.provider_options,
    )
    if mode == "json":
        response_format = ResponseFormat(
            schema=target.schema, name=target.name, description=target.description
        )
        base = base.replace(response_format=response_format)
        if supports_json_schema(model):
            return ObjectPlan(mode=mode, target=target, call=base, repair=call.repair)
        # No native JSON mode: fall through to text mode, keeping response_format.
    if mode == "tool":
        name = target.name or DEFAULT_TOOL_NAME
        tool = FunctionTool(name=name, description=target.description, input_schema=target.schema)
        return ObjectPlan(
            mode=mode,
            target=target,
            call=base.replace(tools=(tool,), tool_choice=SpecificToolChoice(name)),
            tool_name=name,
            repair=call.repair,
        )
    # text mode: the schema goes into the prompt, unwrapped.
    target = dataclasses.replace(target, schema=target.object_schema, wrapped=False)
    return ObjectPlan(
        mode="text",
        target=target,
        call=base.replace(prompt=with_instruction(base.prompt, target)),
        repair=call.repair,
    )


def supports_json_schema(model: Any) -> bool:
    """Whether ``model`` honours ``response_format`` schemas (true unless it says not)."""
    check = getattr(model, "supports_json_schema", None)
    return True if check is None else bool(check())


def _resolve_mode(model: Any, mode: ObjectMode) -> Literal["json", "tool", "text"]:
    if mode == "auto":
        mode = getattr(model, "default_object_mode", "json")
    if mode == "tool" or mode == "text":
        return mode
    if mode in ("json", "auto"):
        return "json"
    raise InvalidArgumentError(f"unknown object mode {mode!r}", argument="mode")


def with_instruction(prompt: Sequence[Message], target: ObjectTarget) -> tuple[Message, ...]:
    """``prompt`` with ``text`` mode's schema instruction after its leading system messages."""
    text = TEXT_INSTRUCTION + json.dumps(target.object_schema, ensure_ascii=False)
    if target.description:
        text += f"\nThe object: {target.description}"
    instruction = system_message(text)
    leading = 0
    while leading < len(prompt) and prompt[leading].role == "system":
        leading += 1
    return (*prompt[:leading], instruction, *prompt[leading:])
