"""What both OpenAI request converters decide alike (Chat Completions and Responses).

The two APIs differ in their message shapes; these rules are the same on both:
which parts a user message holds, which tool results are sent, what becomes of media
the API cannot take, how a function tool is described, when tools and tool choice go
out, which sampling settings reasoning models refuse, and how provider options are
copied or refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from fantasy._tool_schema import normalize_tool_schema
from fantasy.errors import InvalidArgumentError
from fantasy.messages import FilePart, MediaOutput, Message, TextPart, ToolResultPart
from fantasy.model import Call
from fantasy.providers._json import plain
from fantasy.providers.openai._wire import WireFunction
from fantasy.tools import FunctionTool, ToolChoice
from fantasy.usage import CallWarning

if TYPE_CHECKING:
    from fantasy.providers.openai.options import OpenAIOptions

__all__ = [
    "image_detail",
    "add_sampling",
    "add_tools",
    "client_tool_results",
    "copy_options",
    "dropped_message",
    "function_spec",
    "media_result",
    "refuse_options",
    "system_text",
    "user_content",
]

Body = dict[str, Any]


def dropped_message(role: str) -> CallWarning:
    """The warning for a message that had nothing left to send."""
    return CallWarning(type="other", message=f"empty {role} message dropped")


def system_text(message: Message) -> str:
    """The text parts of a system message, one per line."""
    return "\n".join(part.text for part in message.content if isinstance(part, TextPart))


def image_detail(part: FilePart, options_key: str) -> str | None:
    """The part's ``image_detail`` option (:class:`OpenAIFileOptions`), if set."""
    from fantasy.options import get_provider_data  # pydantic: on first use
    from fantasy.providers.openai.options import OpenAIFileOptions

    options = get_provider_data(part.provider_options, options_key, OpenAIFileOptions)
    return options.image_detail if options is not None else None


def user_content(
    message: Message, *, text_type: str, file_part: Callable[[FilePart, int], Body]
) -> list[Body]:
    """A user message's content parts: non-empty texts as ``text_type``, files by ``file_part``."""
    content: list[Body] = []
    for index, part in enumerate(message.content):
        if isinstance(part, TextPart):
            if part.text:
                content.append({"type": text_type, "text": part.text})
        elif isinstance(part, FilePart):
            content.append(file_part(part, index))
        else:
            raise InvalidArgumentError(f"a user message cannot hold a {part.type} part")
    return content


def client_tool_results(message: Message, warnings: list[CallWarning]) -> Iterator[ToolResultPart]:
    """The tool message's results to send; provider-executed ones are dropped with a warning."""
    for part in message.content:
        if not isinstance(part, ToolResultPart):
            raise InvalidArgumentError(f"a tool message cannot hold a {part.type} part")
        if part.provider_executed:
            warnings.append(
                CallWarning(type="other", message="provider-executed tool result dropped")
            )
            continue
        yield part


def media_result(
    call_id: str,
    output: MediaOutput,
    warnings: list[CallWarning],
    file_part: Callable[[FilePart], Body],
) -> Body | str:
    """A media tool result as a content part (by ``file_part``).

    Media the API cannot take becomes the text sent instead (the output's text or a
    note), with a warning.
    """
    try:
        return file_part(FilePart(media_type=output.media_type, data=output.data))
    except InvalidArgumentError as error:
        warnings.append(
            CallWarning(type="other", message=f"tool {call_id} media result sent as text: {error}")
        )
        return output.text or f"[{output.media_type} result omitted]"


def function_spec(tool: FunctionTool) -> WireFunction:
    """``name``, ``description`` (when set), ``parameters`` and ``strict: false``."""
    function: WireFunction = {"name": tool.name}
    if tool.description:
        function["description"] = tool.description
    function["parameters"] = normalize_tool_schema(plain(tool.input_schema))
    function["strict"] = False
    return function


def add_tools(
    body: Body,
    call: Call,
    converted: tuple[list[Any], list[CallWarning]],
    tool_choice: Callable[[ToolChoice], str | Body],
) -> list[CallWarning]:
    """Add the ``converted`` tools and the call's tool choice; a choice without tools warns."""
    tools, warnings = converted
    if tools:
        body["tools"] = tools
        if call.tool_choice is not None:
            body["tool_choice"] = tool_choice(call.tool_choice)
    elif call.tool_choice is not None and call.tool_choice != "auto":
        warnings.append(CallWarning.unsupported("tool_choice", "no tools given; dropped"))
    return warnings


def add_sampling(
    body: Body, call: Call, names: Sequence[str], *, reasoning: bool
) -> list[CallWarning]:
    """Copy the call's settings ``names`` that are set; reasoning models get warnings instead."""
    warnings: list[CallWarning] = []
    for name in names:
        value = getattr(call, name)
        if value is None:
            continue
        if reasoning:
            warnings.append(
                CallWarning.unsupported(name, "not supported by reasoning models; dropped")
            )
        else:
            body[name] = value
    return warnings


def copy_options(
    body: Body,
    options: OpenAIOptions,
    names: Sequence[str],
    *,
    unsent: tuple[Any, ...] = ({}, "", []),
) -> None:
    """Copy the options ``names`` that are set; ``None`` and empty values are never sent."""
    for name in names:
        value = getattr(options, name)
        if value is not None and value not in unsent:
            body[name] = plain(value)


def refuse_options(options: OpenAIOptions, names: Sequence[str], reason: str) -> list[CallWarning]:
    """A warning for each option of ``names`` that is set although this API cannot send it."""
    return [
        CallWarning.unsupported(name, reason)
        for name in names
        if getattr(options, name) is not None
    ]
