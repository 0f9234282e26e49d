"""Tools on the Responses API: function tools, OpenAI's built-in web search, tool choice.

Function tools are flat on this API (``{"type": "function", "name", "description",
"parameters", "strict": false}``, no nested ``function`` object). The one provider-defined
tool is web search, built with :func:`web_search_tool` and sent as
``{"type": "web_search", ...settings}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from fantasy.errors import InvalidArgumentError
from fantasy.providers._json import plain
from fantasy.providers.openai._convert import function_spec
from fantasy.tools import FunctionTool, ProviderDefinedTool, SpecificToolChoice, Tool, ToolChoice
from fantasy.usage import CallWarning

__all__ = [
    "WEB_SEARCH_TOOL_ID",
    "plain",
    "to_tool_choice",
    "to_tools",
    "web_search_tool",
]

WEB_SEARCH_TOOL_ID = "openai.web_search"

Body = dict[str, Any]
SearchContextSize = Literal["low", "medium", "high"]


def web_search_tool(
    *,
    search_context_size: SearchContextSize | None = None,
    allowed_domains: Sequence[str] | None = None,
    user_location: Mapping[str, str] | None = None,
) -> ProviderDefinedTool:
    """OpenAI's built-in web search (Responses API), run by OpenAI.

    The answer carries a provider-executed ``web_search`` tool call and result, and
    ``url_citation`` annotations as sources.

    Args:
        search_context_size: How much search context the model gets: ``"low"``,
            ``"medium"`` (OpenAI's default) or ``"high"``.
        allowed_domains: Only search these domains (sent as ``filters.allowed_domains``).
        user_location: ``{"city", "region", "country", "timezone"}`` to localise results.
    """
    if search_context_size is not None and search_context_size not in ("low", "medium", "high"):
        raise InvalidArgumentError(
            f"search_context_size must be low, medium or high, not {search_context_size!r}",
            argument="search_context_size",
        )
    args: dict[str, Any] = {}
    if search_context_size is not None:
        args["search_context_size"] = search_context_size
    if allowed_domains:
        args["filters"] = {"allowed_domains": list(allowed_domains)}
    if user_location:
        args["user_location"] = {"type": "approximate", **dict(user_location)}
    return ProviderDefinedTool(id=WEB_SEARCH_TOOL_ID, name="web_search", args=args)


def _web_search_wire(tool: ProviderDefinedTool) -> Body:
    wire: Body = {"type": "web_search"}
    for key, value in tool.args.items():
        if value is not None and value != {} and value != [] and value != "":
            wire[key] = plain(value)
    return wire


def to_tools(tools: Sequence[Tool]) -> tuple[list[Body], list[CallWarning]]:
    """Function tools and web search in wire form; other provider tools become warnings."""
    wire: list[Body] = []
    warnings: list[CallWarning] = []
    for tool in tools:
        if isinstance(tool, FunctionTool):
            wire.append({"type": "function", **function_spec(tool)})
        elif tool.id == WEB_SEARCH_TOOL_ID:
            wire.append(_web_search_wire(tool))
        else:
            warnings.append(
                CallWarning(
                    type="unsupported-tool",
                    setting=tool.name,
                    message=f"provider-defined tool {tool.id!r} is not supported by the "
                    "Responses API; dropped",
                )
            )
    return wire, warnings


def to_tool_choice(choice: ToolChoice, tools: Sequence[Tool]) -> str | Body:
    """``"auto"``/``"none"``/``"required"``, ``{"type":"function","name"}`` or a built-in."""
    if isinstance(choice, SpecificToolChoice):
        for tool in tools:
            if (
                isinstance(tool, ProviderDefinedTool)
                and tool.name == choice.tool_name
                and tool.id == WEB_SEARCH_TOOL_ID
            ):
                return {"type": "web_search"}
        return {"type": "function", "name": choice.tool_name}
    if choice not in ("auto", "none", "required"):
        raise InvalidArgumentError(f"unknown tool choice {choice!r}", argument="tool_choice")
    return choice
