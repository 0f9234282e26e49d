"""Tools an agent can run: typed Python functions, raw JSON-schema tools, provider tools.

* :func:`tool` / :meth:`AgentTool.from_function` turn a (sync or async) function into
  a tool: the input schema comes from its type hints (see :mod:`fantasy.schema`), the
  description from its docstring, and the model's input is validated and converted by
  pydantic before the call. A parameter annotated :class:`ToolContext` receives the
  call's context instead of model input.
* :class:`AgentTool` with an explicit JSON Schema and ``run(input, ctx)`` is the raw
  form (the input arrives as the decoded JSON object).
* A :class:`~fantasy.tools.ProviderDefinedTool` given to an agent is sent and never
  run; :class:`ExecutableProviderTool` is sent as provider-defined but its calls are run
  locally (computer use returning a screenshot, for example).

A tool returns ``str``, :class:`ToolResponse`, a tool result output
(:class:`~fantasy.messages.TextOutput`...), a pydantic model, or any JSON-encodable
value (sent as JSON text). Raising an exception sends ``"<ExceptionType>: <message>"``
to the model as an error result (or ends the run, with the agent's
``tool_errors="raise"``); :class:`~fantasy.errors.ModelRetry` sends its message and
asks the model to try again; :class:`~fantasy.errors.ToolExecutionError` aborts the run.
Sync functions run in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, overload

from typing_extensions import ParamSpec, TypeVar

from fantasy.errors import FantasyWarning, InvalidArgumentError, ToolInputError
from fantasy.messages import ErrorOutput, MediaOutput, Message, TextOutput, ToolResultOutput
from fantasy.tools import FunctionTool, ProviderDefinedTool, check_tool_name
from fantasy.usage import Usage

if TYPE_CHECKING:
    from pydantic import ValidationError

    from fantasy.schema import FunctionSchema

P = ParamSpec("P", default=...)
R = TypeVar("R", default=Any)

__all__ = [
    "AgentTool",
    "AnyTool",
    "NeedsApproval",
    "NO_DEPS",
    "DepsT",
    "ExecutableProviderTool",
    "RunContext",
    "ToolContext",
    "ToolResponse",
    "ToolRun",
    "run_tool",
    "tool",
    "to_tool_response",
]


DepsT = TypeVar("DepsT", default=None)
"""The type of a run's dependencies (``deps=``); ``None`` when an agent has none."""

NO_DEPS: Any = None
"""The ``deps`` of a run given none (typed ``Any`` so it fits every ``DepsT``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunContext(Generic[DepsT]):
    """What code called during an agent run knows about the run.

    Tools (:class:`ToolContext`), ``prepare_step`` hooks, output validators and a
    dynamic system prompt receive it.

    Attributes:
        deps: The run's dependencies (``deps=`` of ``generate``/``stream``).
        step_number: The current step (0-based).
        messages: The messages of the step (for a tool: the prompt sent in that step).
        usage: The usage of the run's model calls so far.
        retry: How many times the thing being run has been rejected so far in this run
            (a tool: its failed calls; an output validator: the rejected outputs).
    """

    deps: DepsT = NO_DEPS
    step_number: int = 0
    messages: tuple[Message, ...] = ()
    usage: Usage = field(default_factory=Usage)
    retry: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolContext(RunContext[DepsT]):
    """What a running tool may know about its call (and its run: :class:`RunContext`).

    Attributes:
        tool_call_id: The id of the call being run.
        tool_name: The tool's name.
    """

    tool_call_id: str
    tool_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolResponse:
    """A tool's answer with more than text.

    Attributes:
        text: Text for the model (with media: a caption sent along).
        error: When set, the result is an error the model sees (and may react to).
        media: Image or audio bytes for the model (needs ``media_type``).
        media_type: MIME type of ``media``, e.g. ``"image/png"``.
        client_metadata: Data for the application only; never sent to the model.
        stop_turn: End the agent loop after this step.
    """

    text: str = ""
    error: str | None = None
    media: bytes | None = None
    media_type: str = ""
    client_metadata: Mapping[str, Any] = field(default_factory=dict)
    stop_turn: bool = False

    def __post_init__(self) -> None:
        if self.media is not None and not self.media_type:
            raise InvalidArgumentError("media needs a media_type", argument="media_type")

    def output(self) -> ToolResultOutput:
        """The tool result output sent to the model."""
        if self.error is not None:
            return ErrorOutput(error=self.error)
        if self.media is not None:
            return MediaOutput(data=self.media, media_type=self.media_type, text=self.text)
        return TextOutput(text=self.text)


ToolRun: TypeAlias = Callable[[dict[str, Any], ToolContext[Any]], Any]
"""``run(input, ctx)``: sync or async; ``input`` is the decoded JSON object."""

NeedsApproval: TypeAlias = bool | Callable[[dict[str, Any]], bool | Awaitable[bool]]
"""Whether a call needs approval: a flag, or a predicate of its validated arguments."""


def _check_schema(name: str, schema: Mapping[str, Any]) -> None:
    from fantasy._jsonschema import SchemaError, check_schema

    try:
        check_schema(dict(schema))
    except SchemaError as error:
        raise InvalidArgumentError(
            f"invalid JSON Schema for tool {name!r}: {error.message}", argument="input_schema"
        ) from error


@dataclass(frozen=True, slots=True)
class AgentTool(Generic[P, R]):
    """A function tool the agent runs: name, description, input JSON Schema and code.

    A tool made from a function (:func:`tool`, :meth:`from_function`) stays callable as
    that function, with its signature (``weather("Rome")`` runs the function itself, for
    unit tests); its type is ``AgentTool[<parameters>, <return type>]``.

    Args:
        name: The name the model calls the tool by: 1 to 64 characters out of
            ``[a-zA-Z0-9_-]`` (what every provider accepts), else ``InvalidArgumentError``.
        description: What the tool does, for the model (empty: a :class:`FantasyWarning`).
        input_schema: JSON Schema of the input object.
        run: ``run(input, ctx)`` (sync or async) returning the result.
        parallel: Whether calls may run concurrently with other parallel-safe calls.
        provider_options: Provider options of the tool definition.
        function: The function the tool was made from (called by ``tool(...)``).
        needs_approval: ``True``, or a predicate (sync or async) of the call's
            validated arguments: such a call is not run until approved (see
            :mod:`fantasy.approval`).
        deferred: The result is produced outside the run (a job queue, a front end):
            calls are never run here; the run pauses until their result is supplied.
    """

    name: str
    description: str
    input_schema: Mapping[str, Any]
    run: ToolRun
    _: KW_ONLY
    parallel: bool = False
    provider_options: Mapping[str, Any] = field(default_factory=dict)
    function: Callable[P, R] | None = field(default=None, repr=False, compare=False)
    needs_approval: NeedsApproval = False
    deferred: bool = False

    def __post_init__(self) -> None:
        check_tool_name(self.name)
        _check_schema(self.name, self.input_schema)
        if not self.description.strip():
            warnings.warn(
                f"tool {self.name!r} has no description: the model sees only its name and "
                "schema (give the function a docstring or pass description=...)",
                FantasyWarning,
                stacklevel=_caller_stacklevel(),
            )

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the function the tool was made from, as is (no validation, no context)."""
        if self.function is None:
            raise TypeError(
                f"tool {self.name!r} was built from a JSON Schema, not a function: "
                "call its run(input, ctx)"
            )
        return self.function(*args, **kwargs)

    @property
    def definition(self) -> FunctionTool:
        """The tool as the model sees it."""
        return FunctionTool(
            name=self.name,
            description=self.description,
            input_schema=self.input_schema,
            provider_options=self.provider_options,
        )

    @staticmethod
    def from_function(
        function: Callable[P, R],
        *,
        name: str | None = None,
        description: str | None = None,
        parallel: bool = False,
        provider_options: Mapping[str, Any] | None = None,
        needs_approval: NeedsApproval = False,
        deferred: bool = False,
    ) -> AgentTool[P, R]:
        """A tool from a typed (sync or async) function.

        Args:
            function: The function; its parameters are the tool's input.
            name: Tool name (default: the function's name).
            description: Tool description (default: the docstring's summary).
            parallel: Whether calls may run concurrently.
            provider_options: Provider options of the tool definition.
            needs_approval: ``True`` or a predicate of the validated arguments.
            deferred: The result comes from outside the run (the body never runs).
        """
        # pydantic (through fantasy.schema) loads with the first typed tool, not on import.
        from fantasy.schema import function_schema

        signature = function_schema(function, context_type=ToolContext, name=name)
        return AgentTool(
            signature.name,
            signature.description if description is None else description,
            signature.schema,
            _typed_runner(function, signature),
            parallel=parallel,
            provider_options=dict(provider_options or {}),
            function=function,
            needs_approval=needs_approval,
            deferred=deferred,
        )


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside fantasy."""
    frame = inspect.currentframe()
    frame = frame.f_back if frame is not None else None  # the function calling warn()
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("fantasy"):
        frame = frame.f_back
        level += 1
    return level


def _validation_message(name: str, error: ValidationError) -> str:
    details = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'input'}: {item['msg']}"
        for item in error.errors()
    )
    return f"invalid input for tool {name!r}: {details}"


def _typed_runner(function: Callable[..., Any], signature: FunctionSchema) -> ToolRun:
    from pydantic import ValidationError  # loaded already: the signature is a pydantic model

    def arguments(data: dict[str, Any], ctx: ToolContext[Any]) -> dict[str, Any]:
        try:
            parsed = signature.model.model_validate(data)
        except ValidationError as error:
            raise ToolInputError(_validation_message(signature.name, error)) from error
        values = {
            signature.parameters[field_name]: getattr(parsed, field_name)
            for field_name in type(parsed).model_fields
        }
        if signature.context_parameter is not None:
            values[signature.context_parameter] = ctx
        return values

    if _is_async(function):

        async def run_async(data: dict[str, Any], ctx: ToolContext[Any]) -> Any:
            return await function(**arguments(data, ctx))

        return run_async

    def run_sync(data: dict[str, Any], ctx: ToolContext[Any]) -> Any:
        return function(**arguments(data, ctx))

    return run_sync


class _ToolDecorator:
    """What ``tool(name=...)`` returns: applied to a function, gives its tool."""

    __slots__ = ("_settings",)

    def __init__(self, settings: dict[str, Any]) -> None:
        self._settings = settings

    def __call__(self, function: Callable[P, R], /) -> AgentTool[P, R]:
        return AgentTool.from_function(function, **self._settings)


@overload
def tool(function: Callable[P, R], /) -> AgentTool[P, R]: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    parallel: bool = False,
    provider_options: Mapping[str, Any] | None = None,
    needs_approval: NeedsApproval = False,
    deferred: bool = False,
) -> _ToolDecorator: ...


def tool(
    function: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    parallel: bool = False,
    provider_options: Mapping[str, Any] | None = None,
    needs_approval: NeedsApproval = False,
    deferred: bool = False,
) -> AgentTool[..., Any] | _ToolDecorator:
    """Decorator: turn a typed function into an :class:`AgentTool`.

    Use bare (``@tool``) or with settings (``@tool(name="x", parallel=True)``,
    ``@tool(needs_approval=True)``, ``@tool(deferred=True)``). The result is still
    callable as the function (``add(1, 2)``), typed as it.
    """
    decorator = _ToolDecorator(
        {
            "name": name,
            "description": description,
            "parallel": parallel,
            "provider_options": provider_options,
            "needs_approval": needs_approval,
            "deferred": deferred,
        }
    )
    return decorator if function is None else decorator(function)


@dataclass(frozen=True, slots=True)
class ExecutableProviderTool:
    """A provider-defined tool whose calls the agent runs locally.

    Args:
        definition: The provider tool sent to the model (e.g. Anthropic computer use).
        run: ``run(input, ctx)`` (sync or async) returning the result.
        parallel: Whether calls may run concurrently with other parallel-safe calls.
        needs_approval: As for :class:`AgentTool`.
        deferred: As for :class:`AgentTool`.
    """

    definition: ProviderDefinedTool
    run: ToolRun
    _: KW_ONLY
    parallel: bool = False
    needs_approval: NeedsApproval = False
    deferred: bool = False

    @property
    def name(self) -> str:
        """The name the model calls the tool by."""
        return self.definition.name


AnyTool: TypeAlias = AgentTool | ExecutableProviderTool | ProviderDefinedTool
"""What an agent's ``tools`` may hold."""


def _is_async(function: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(function):
        return True
    call = getattr(type(function), "__call__", None)  # noqa: B004 - async callable objects
    return call is not None and inspect.iscoroutinefunction(call)


async def run_tool(run: ToolRun, data: dict[str, Any], ctx: ToolContext[Any]) -> ToolResponse:
    """Run a tool function (sync ones in a worker thread) and normalise its result."""
    if _is_async(run):
        result = await run(data, ctx)
    else:
        result = await asyncio.to_thread(run, data, ctx)
    if inspect.isawaitable(result):
        result = await result
    return to_tool_response(result)


def to_tool_response(value: Any) -> ToolResponse:
    """Normalise what a tool returned into a :class:`ToolResponse`."""
    if isinstance(value, ToolResponse):
        return value
    if isinstance(value, str):
        return ToolResponse(text=value)
    if value is None:
        return ToolResponse()
    if isinstance(value, TextOutput):
        return ToolResponse(text=value.text)
    if isinstance(value, ErrorOutput):
        return ToolResponse(error=value.error)
    if isinstance(value, MediaOutput):
        return ToolResponse(text=value.text, media=value.data, media_type=value.media_type)
    # A pydantic model can only exist once pydantic is imported: no import just to check.
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return ToolResponse(text=value.model_dump_json())
    import pydantic_core  # the JSON encoder of any other value (dataclasses, dates, ...)

    try:
        return ToolResponse(text=pydantic_core.to_json(value).decode("utf-8"))
    except pydantic_core.PydanticSerializationError as error:
        raise InvalidArgumentError(
            f"tool returned a {type(value).__name__}, which is not JSON-encodable"
        ) from error
