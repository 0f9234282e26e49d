"""Tool definitions as a model sees them, and tool choice.

:class:`FunctionTool` is a JSON-Schema-described function the client runs;
:class:`ProviderDefinedTool` is a tool the provider defines (web search, computer
use), identified by ``"<provider>.<tool>"``. Agents wrap these with code to run
(see :mod:`fantasy.agent_tools`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from fantasy.errors import InvalidArgumentError

__all__ = [
    "MAX_TOOL_NAME_LENGTH",
    "FunctionTool",
    "ProviderDefinedTool",
    "SpecificToolChoice",
    "Tool",
    "ToolChoice",
    "check_tool_name",
]

MAX_TOOL_NAME_LENGTH = 64
"""Longest function tool name every provider accepts."""

_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]+")


def check_tool_name(name: str) -> str:
    """``name`` if every provider accepts it as a function tool name, else raise.

    Providers take 1 to 64 characters out of ``[a-zA-Z0-9_-]``; anything else is
    rejected by the API at the first call, so it is rejected here, at construction.

    Raises:
        InvalidArgumentError: The name is empty, too long or has another character.
    """
    if not name:
        raise InvalidArgumentError("a tool needs a name", argument="name")
    if len(name) > MAX_TOOL_NAME_LENGTH:
        raise InvalidArgumentError(
            f"tool name {name[:20]!r}... is {len(name)} characters long; providers accept "
            f"at most {MAX_TOOL_NAME_LENGTH}",
            argument="name",
        )
    if _TOOL_NAME.fullmatch(name) is None:
        bad = sorted({c for c in name if _TOOL_NAME.fullmatch(c) is None})
        raise InvalidArgumentError(
            f"tool name {name!r} has characters providers reject ({''.join(bad)!r}); "
            "use letters, digits, '_' and '-'",
            argument="name",
        )
    return name


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionTool:
    """A function the model may call; ``input_schema`` is a JSON Schema object."""

    name: str
    description: str = ""
    input_schema: Mapping[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )
    provider_options: Mapping[str, Any] = field(default_factory=dict)
    type: Literal["function"] = "function"

    def __post_init__(self) -> None:
        check_tool_name(self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderDefinedTool:
    """A tool defined by a provider, e.g. ``id="anthropic.web_search"``.

    ``args`` holds the tool's settings (display size, allowed domains, ...).
    """

    id: str
    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    type: Literal["provider-defined"] = "provider-defined"

    @property
    def provider(self) -> str:
        """The provider part of ``id``."""
        return self.id.split(".", 1)[0]


Tool: TypeAlias = FunctionTool | ProviderDefinedTool


@dataclass(frozen=True, slots=True)
class SpecificToolChoice:
    """Force the model to call the named tool."""

    tool_name: str


ToolChoice: TypeAlias = Literal["auto", "none", "required"] | SpecificToolChoice
"""``"auto"`` (model decides), ``"none"``, ``"required"`` (some tool) or one named tool."""
