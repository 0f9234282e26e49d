"""Tool definitions as a model sees them, and tool choice.

:class:`FunctionTool` is a JSON-Schema-described function the client runs;
:class:`ProviderDefinedTool` is a tool the provider defines (web search, computer
use), identified by ``"<provider>.<tool>"``. Agents wrap these with code to run
(see :mod:`fantasy.agent_tools`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "FunctionTool",
    "ProviderDefinedTool",
    "SpecificToolChoice",
    "Tool",
    "ToolChoice",
]


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
