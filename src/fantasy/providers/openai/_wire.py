"""Chat Completions wire shapes: only the fields fantasy sends or reads.

Tools and tool calls are built with these TypedDicts. Messages are plain
``dict[str, Any]`` because hooks add provider-specific keys to them (``reasoning_content``,
``reasoning_details``, ``cache_control``); their keys are: ``role``, ``content`` (a string,
or a list of content parts for user messages with files), ``tool_calls``, ``tool_call_id``.
Responses are read as plain dicts with ``.get``.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

__all__ = [
    "WireFunction",
    "WireFunctionCall",
    "WireTool",
    "WireToolCall",
]


class WireFunctionCall(TypedDict):
    """``tool_calls[i].function`` of an assistant message."""

    name: str
    arguments: str


class WireToolCall(TypedDict, total=False):
    """One entry of an assistant message's ``tool_calls``."""

    id: str
    type: Literal["function"]
    function: WireFunctionCall
    cache_control: dict[str, Any]


class WireFunction(TypedDict, total=False):
    """``tools[i].function``."""

    name: str
    description: str
    parameters: dict[str, Any]
    strict: bool


class WireTool(TypedDict):
    """One entry of ``tools``."""

    type: Literal["function"]
    function: WireFunction
