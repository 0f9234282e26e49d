"""Typed output inside the agent loop (``Agent(model, output_type=Report)``).

The output is asked for in every step of the run, so it never costs an extra request:

* ``tool`` mode: an output tool (named after the type, see :mod:`fantasy.object`) is
  offered next to the agent's tools; the model ends the run by calling it. Tool choice
  becomes ``"required"`` (or the output tool itself when it is the only tool) unless
  the run sets ``tool_choice``;
* ``json`` mode: the step's call carries ``response_format`` with the schema, together
  with the tools; the answer that makes no client tool call is the output (a model
  without native JSON output gets the schema in an instruction, as in ``text`` mode);
* ``text`` mode: the schema goes into a system instruction; the answer is parsed;
* ``auto``: ``tool`` when the run has tools (every provider can combine them), else
  the model's ``default_object_mode``.

Parsing and validation are those of :mod:`fantasy.object` (strict JSON, repair,
schema or pydantic validation); the streamed partial outputs come from its incremental
parser. A rejected output (parse or validation failure, or an output validator raising
:class:`~fantasy.errors.ModelRetry`) goes back to the model with the reason: as the
output tool's error result in ``tool`` mode, as a user message otherwise. After
``output_retries`` rejections the run raises
:class:`~fantasy.errors.NoObjectGeneratedError`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from fantasy._object_call import ObjectCall, ObjectPlan, build_plan, with_instruction
from fantasy._object_parse import try_object
from fantasy._object_stream import JSONCollector, ObjectPart
from fantasy.agent_tools import RunContext
from fantasy.content import Content, ToolCallContent, ToolResultContent, text_of
from fantasy.errors import InvalidArgumentError, ModelRetry, NoObjectGeneratedError
from fantasy.messages import ErrorOutput, Message, TextOutput, user_message
from fantasy.model import Call, LanguageModel, ObjectMode
from fantasy.stream import Retry, StreamPart
from fantasy.tools import SpecificToolChoice, ToolChoice
from fantasy.usage import FinishReason, Usage

__all__ = [
    "OUTPUT_RECEIVED",
    "OutputSpec",
    "OutputValidator",
    "PartialOutputs",
    "RunOutput",
    "Verdict",
]

OutputValidator: TypeAlias = Callable[[RunContext[Any], Any], Any]
"""``validator(ctx, output)`` (sync or async) → the output (maybe changed); raise
:class:`~fantasy.errors.ModelRetry` to reject it and ask the model again."""

OUTPUT_RECEIVED = "Final output received."
"""The output tool's result when the output was accepted (keeps the history valid)."""

_MODES = frozenset({"auto", "json", "tool", "text"})


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputSpec:
    """What an agent's typed output is and how it is asked for (see the module docstring).

    Attributes:
        schema: A Python type (pydantic model, dataclass, TypedDict, primitive, list,
            union) or a JSON Schema mapping.
        mode: ``"auto"``, ``"tool"``, ``"json"`` or ``"text"``.
        name: The schema name (the output tool's name in tool mode).
        description: What the output is.
        retries: How many rejected outputs the model may correct.
        validators: Output validators, run in order on each valid output.
    """

    schema: Any
    mode: ObjectMode = "auto"
    name: str = ""
    description: str = ""
    retries: int = 1
    validators: tuple[OutputValidator, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise InvalidArgumentError(
                f"unknown output mode {self.mode!r}; expected one of auto, tool, json, text",
                argument="output_mode",
            )
        if self.retries < 0:
            raise InvalidArgumentError("must be >= 0", argument="output_retries")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a step's answer means for the output.

    Attributes:
        done: Whether a valid output arrived (it is ``value``).
        value: The output.
        rejection: Why the answer was rejected (``""`` when it was not).
        raw_text: The rejected text or tool input.
        results: Tool results for the output tool's calls (append to the step).
        messages: Messages to add after the step (a request to answer again).
    """

    done: bool = False
    value: Any = None
    rejection: str = ""
    raw_text: str = ""
    results: tuple[ToolResultContent, ...] = ()
    messages: tuple[Message, ...] = ()


async def _validated(
    validators: Sequence[OutputValidator], context: RunContext[Any], value: Any
) -> Any:
    for validator in validators:
        outcome = validator(context, value)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        value = outcome
    return value


class PartialOutputs:
    """Partial outputs of one streamed step, from the incremental JSON parser.

    Fed every event of the step's request; a :class:`~fantasy.retry.Retry` starts over
    (the failed attempt's text is void). Each delta is scanned once.
    """

    __slots__ = ("_collector", "_plan")

    def __init__(self, plan: ObjectPlan) -> None:
        self._plan = plan
        self._collector = JSONCollector(plan)

    def feed(self, part: StreamPart) -> ObjectPart | None:
        """The partial output after ``part``, when it changed the visible value."""
        if isinstance(part, Retry):
            self._collector = JSONCollector(self._plan)
            return None
        delta = self._collector.json_delta(part)
        return self._collector.partial(delta) if delta else None


class RunOutput:
    """The typed output of one run: how its steps ask for it and how answers are judged."""

    def __init__(self, spec: OutputSpec, model: LanguageModel, tool_names: Sequence[str]) -> None:
        mode = spec.mode
        if mode == "auto" and tool_names:
            mode = "tool"
        call: ObjectCall[Any] = ObjectCall(
            prompt=(),
            schema=spec.schema,
            schema_name=spec.name,
            schema_description=spec.description,
            mode=mode,
        )
        self.spec = spec
        self.plan: ObjectPlan = build_plan(model, call)
        if self.plan.mode == "tool" and self.plan.tool_name in tool_names:
            raise InvalidArgumentError(
                f"the output tool's name {self.plan.tool_name!r} is also a tool's name; "
                "set output_name",
                argument="output_name",
            )
        self.rejected = 0

    @property
    def tool_name(self) -> str:
        """The output tool's name (``""`` unless in tool mode)."""
        return self.plan.tool_name

    def apply(self, call: Call, tool_choice: ToolChoice | None) -> Call:
        """The step's call, asking for the output (``tool_choice``: the run's setting)."""
        plan = self.plan
        if plan.mode == "tool":
            tools = (*call.tools, *plan.call.tools)
            if tool_choice is None:
                tool_choice = "required" if call.tools else SpecificToolChoice(plan.tool_name)
            return call.replace(tools=tools, tool_choice=tool_choice)
        if plan.mode == "text":
            call = call.replace(prompt=with_instruction(call.prompt, plan.target))
        if plan.call.response_format is not None:
            call = call.replace(response_format=plan.call.response_format)
        return call

    def partials(self) -> PartialOutputs:
        """The partial outputs of one streamed step."""
        return PartialOutputs(self.plan)

    def is_output_call(self, item: Content) -> bool:
        """Whether ``item`` is a call of the output tool."""
        return (
            self.plan.mode == "tool"
            and isinstance(item, ToolCallContent)
            and not item.provider_executed
            and item.tool_name == self.plan.tool_name
        )

    async def _judge_text(self, text: str, context: RunContext[Any]) -> tuple[Any, str]:
        parsed = try_object(self.plan.target, text)
        if not parsed.ok:
            reason = parsed.parse_error or parsed.validation_error
            return None, f"The output is not valid: {reason}"
        try:
            return await _validated(self.spec.validators, context, parsed.object), ""
        except ModelRetry as retry:
            return None, retry.message

    async def judge(
        self, content: Sequence[Content], client_calls: int, context: RunContext[Any]
    ) -> Verdict:
        """Judge a step's content (``client_calls``: its calls of the agent's tools)."""
        if self.plan.mode == "tool":
            return await self._judge_calls(content, client_calls, context)
        if client_calls:
            return Verdict()
        text = text_of(content)
        value, rejection = await self._judge_text(text, context)
        if not rejection:
            return Verdict(done=True, value=value)
        ask = f"{rejection}\nAnswer again with only the corrected JSON."
        return Verdict(rejection=rejection, raw_text=text, messages=(user_message(ask),))

    async def _judge_calls(
        self, content: Sequence[Content], client_calls: int, context: RunContext[Any]
    ) -> Verdict:
        calls = [item for item in content if self.is_output_call(item)]
        if not calls:
            if client_calls:
                return Verdict()
            rejection = f"Give your final answer by calling the tool {self.plan.tool_name!r}."
            return Verdict(
                rejection=rejection, raw_text=text_of(content), messages=(user_message(rejection),)
            )
        # The first valid call is the output; every call gets a result (a valid history).
        chosen: Verdict | None = None
        first_rejected: Verdict | None = None
        results: list[ToolResultContent] = []
        for call in calls:
            assert isinstance(call, ToolCallContent)
            if chosen is not None:
                value, rejection = None, "Only the first final output is used."
            else:
                value, rejection = await self._judge_text(call.input or "{}", context)
            if chosen is None and not rejection:
                chosen = Verdict(done=True, value=value)
            elif first_rejected is None and rejection and chosen is None:
                first_rejected = Verdict(rejection=rejection, raw_text=call.input)
            output = ErrorOutput(error=rejection) if rejection else TextOutput(text=OUTPUT_RECEIVED)
            results.append(
                ToolResultContent(
                    tool_call_id=call.tool_call_id, tool_name=call.tool_name, result=output
                )
            )
        verdict = chosen or first_rejected
        assert verdict is not None
        return dataclasses.replace(verdict, results=tuple(results))

    def reject(self, verdict: Verdict, usage: Usage, finish_reason: FinishReason) -> None:
        """Count a rejection; raise when no retry is left.

        Raises:
            NoObjectGeneratedError: After ``retries`` rejections.
        """
        self.rejected += 1
        if self.rejected <= self.spec.retries:
            return
        raise NoObjectGeneratedError(
            f"no valid output after {self.rejected} tries: {verdict.rejection}",
            raw_text=verdict.raw_text,
            validation_error=verdict.rejection,
            usage=usage,
            finish_reason=finish_reason,
        )
