"""Tools and tool choice on the Anthropic wire, plus the web-search tool helper."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fantasy._tool_schema import normalize_tool_schema
from fantasy.errors import InvalidArgumentError
from fantasy.providers.anthropic._prompt import cache_control_of
from fantasy.providers.anthropic._wire import Block
from fantasy.providers.anthropic.computer import COMPUTER_TOOL_ID, computer_tool_wire
from fantasy.tools import (
    FunctionTool,
    ProviderDefinedTool,
    SpecificToolChoice,
    Tool,
    ToolChoice,
)
from fantasy.usage import CallWarning

__all__ = ["WEB_SEARCH_TOOL_ID", "ToolsWire", "convert_tools", "web_search_tool"]

WEB_SEARCH_TOOL_ID = "anthropic.web_search"
WEB_SEARCH_VERSION = "web_search_20250305"
_LOCATION_FIELDS = ("city", "region", "country", "timezone")


def web_search_tool(
    *,
    max_uses: int | None = None,
    allowed_domains: Sequence[str] | None = None,
    blocked_domains: Sequence[str] | None = None,
    user_location: Mapping[str, str] | None = None,
) -> ProviderDefinedTool:
    """Anthropic's server-side web search (``web_search_20250305``).

    Args:
        max_uses: At most this many searches per request.
        allowed_domains: Only search these domains.
        blocked_domains: Never search these domains.
        user_location: ``{"city", "region", "country", "timezone"}`` to localise results.
    """
    if allowed_domains and blocked_domains:
        raise InvalidArgumentError("use allowed_domains or blocked_domains, not both")
    args: dict[str, Any] = {}
    if max_uses is not None:
        args["max_uses"] = max_uses
    if allowed_domains:
        args["allowed_domains"] = list(allowed_domains)
    if blocked_domains:
        args["blocked_domains"] = list(blocked_domains)
    if user_location:
        args["user_location"] = dict(user_location)
    return ProviderDefinedTool(id=WEB_SEARCH_TOOL_ID, name="web_search", args=args)


def _web_search_wire(tool: ProviderDefinedTool) -> Block:
    block: Block = {"type": WEB_SEARCH_VERSION, "name": tool.name or "web_search"}
    args = tool.args
    max_uses = args.get("max_uses")
    if max_uses is not None:
        if isinstance(max_uses, bool) or not isinstance(max_uses, int | float) or max_uses < 1:
            raise InvalidArgumentError(f"max_uses must be a positive integer, got {max_uses!r}")
        block["max_uses"] = int(max_uses)
    for key in ("allowed_domains", "blocked_domains"):
        if args.get(key):
            block[key] = list(args[key])
    location = args.get("user_location")
    if location:
        wire = {k: location[k] for k in _LOCATION_FIELDS if location.get(k)}
        block["user_location"] = {"type": location.get("type", "approximate"), **wire}
    return block


@dataclass(frozen=True, slots=True)
class ToolsWire:
    """The ``tools`` list, the ``tool_choice`` object and the betas the tools need."""

    tools: list[Block]
    choice: Block | None
    betas: tuple[str, ...]


def _function_wire(tool: FunctionTool) -> Block:
    block: Block = {"name": tool.name}
    if tool.description:
        block["description"] = tool.description
    block["input_schema"] = normalize_tool_schema(tool.input_schema)
    control = cache_control_of(tool.provider_options)
    if control is not None:
        block["cache_control"] = control
    return block


def _provider_wire(
    tool: ProviderDefinedTool, warnings: list[CallWarning]
) -> tuple[Block | None, str | None]:
    if tool.id == WEB_SEARCH_TOOL_ID:
        return _web_search_wire(tool), None
    if tool.id == COMPUTER_TOOL_ID:
        return computer_tool_wire(tool)
    warnings.append(
        CallWarning(
            type="unsupported-tool",
            setting=tool.name,
            message=f"provider-defined tool {tool.id!r} is not supported by Anthropic",
        )
    )
    return None, None


def convert_tools(
    tools: Sequence[Tool],
    choice: ToolChoice | None,
    *,
    disable_parallel: bool | None,
    always_send_parallel_flag: bool,
    warnings: list[CallWarning],
) -> ToolsWire:
    """Convert tools and tool choice; unsupported provider tools become warnings."""
    wire: list[Block] = []
    betas: list[str] = []
    for tool in tools:
        if isinstance(tool, FunctionTool):
            wire.append(_function_wire(tool))
            continue
        block, beta = _provider_wire(tool, warnings)
        if block is not None:
            wire.append(block)
        if beta and beta not in betas:
            betas.append(beta)
    if not wire:
        if choice is not None and choice != "auto" and choice != "none":
            raise InvalidArgumentError("a tool choice needs tools", argument="tool_choice")
        return ToolsWire(tools=[], choice=None, betas=tuple(betas))
    names = {block["name"] for block in wire}
    tool_choice = _choice(choice, names, disable_parallel, always_send_parallel_flag)
    return ToolsWire(tools=wire, choice=tool_choice, betas=tuple(betas))


def _choice(
    choice: ToolChoice | None,
    names: set[str],
    disable_parallel: bool | None,
    always_send_parallel_flag: bool,
) -> Block | None:
    if choice == "none":
        return {"type": "none"}
    if choice is None:
        if not disable_parallel:
            return None
        block: Block = {"type": "auto"}
    elif choice == "auto":
        block = {"type": "auto"}
    elif choice == "required":
        block = {"type": "any"}
    elif isinstance(choice, SpecificToolChoice):
        if choice.tool_name not in names:
            raise InvalidArgumentError(
                f"tool choice names unknown tool {choice.tool_name!r}", argument="tool_choice"
            )
        block = {"type": "tool", "name": choice.tool_name}
    else:
        raise InvalidArgumentError(f"unknown tool choice {choice!r}", argument="tool_choice")
    if disable_parallel or always_send_parallel_flag:
        block["disable_parallel_tool_use"] = bool(disable_parallel)
    return block
