"""The agent the command runs: system prompt, tools (demo or ``--tools``), step cap."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fantasy.cli._models import UsageError

if TYPE_CHECKING:
    from types import ModuleType

    from fantasy.agent import Agent, AgentResult
    from fantasy.agent_tools import AnyTool
    from fantasy.model import LanguageModel

__all__ = ["DEFAULT_SYSTEM", "build_agent", "load_tools", "max_steps_of", "stopped_at_step_cap"]

DEFAULT_SYSTEM = "You are a concise, helpful assistant. Use the tools when they help."


def max_steps_of(args: argparse.Namespace) -> int:
    """The step cap of the run: ``--max-steps`` or the agent's default."""
    from fantasy._agent_settings import DEFAULT_MAX_STEPS

    value: int = args.max_steps or DEFAULT_MAX_STEPS
    return value


def build_agent(model: LanguageModel, args: argparse.Namespace) -> Agent:
    """The agent for ``args``: demo tools unless ``--tools`` or ``--no-tools`` say otherwise.

    Raises:
        UsageError: A ``--tools`` value cannot be loaded.
    """
    from fantasy.agent import Agent

    tools: list[AnyTool] = []
    if args.tools:
        tools = load_tools(args.tools)
    elif not args.no_tools:
        from fantasy._demo_tools import demo_tools

        tools = list(demo_tools())
    return Agent(model, system_prompt=args.system, tools=tools, max_steps=max_steps_of(args))


def stopped_at_step_cap(result: AgentResult) -> bool:
    """Whether the run ended because it reached its step cap with tool calls pending."""
    from fantasy.agent import StopReason

    return result.stop_reason is StopReason.STEP_CAP


# --- --tools module:attribute -------------------------------------------------------------


def load_tools(specs: Sequence[str]) -> list[AnyTool]:
    """The tools named by ``--tools`` values (``package.module:name`` or ``path.py:name``).

    The attribute may be a tool, a plain function (wrapped with :func:`fantasy.tool`),
    or a list or tuple of those.

    Raises:
        UsageError: A value is malformed, its module cannot be imported, or the
            attribute is missing or holds no tool.
    """
    tools: list[AnyTool] = []
    for spec in specs:
        module_name, sep, attribute = spec.rpartition(":")
        if not sep or not module_name or not attribute:
            raise UsageError(f"--tools {spec}: expected MODULE:ATTRIBUTE, e.g. mytools:tools")
        value: Any = _import(spec, module_name)
        for part in attribute.split("."):
            try:
                value = getattr(value, part)
            except AttributeError:
                raise UsageError(f"--tools {spec}: {module_name} has no {attribute!r}") from None
        tools.extend(_as_tools(spec, value))
    names = [getattr(tool, "name", "") for tool in tools]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UsageError(f"--tools: more than one tool named {', '.join(duplicates)}")
    return tools


def _import(spec: str, module_name: str) -> ModuleType:
    try:
        if module_name.endswith(".py") or os.sep in module_name or "/" in module_name:
            return _import_path(spec, Path(module_name))
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # as `python -m` does: modules of the cwd
        return importlib.import_module(module_name)
    except UsageError:
        raise
    except Exception as error:
        raise UsageError(
            f"--tools {spec}: cannot import {module_name} ({type(error).__name__}: {error})"
        ) from error


def _import_path(spec: str, path: Path) -> ModuleType:
    if not path.is_file():
        raise UsageError(f"--tools {spec}: no such file {str(path)!r}")
    name = f"fantasy_cli_tools_{path.stem}"
    found = importlib.util.spec_from_file_location(name, path)
    if found is None or found.loader is None:
        raise UsageError(f"--tools {spec}: cannot load {str(path)!r}")
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    found.loader.exec_module(module)
    return module


def _as_tools(spec: str, value: Any) -> list[AnyTool]:
    from fantasy.agent_tools import AgentTool, ExecutableProviderTool, tool
    from fantasy.tools import ProviderDefinedTool

    items = list(value) if isinstance(value, list | tuple) else [value]
    tools: list[AnyTool] = []
    for item in items:
        if isinstance(item, AgentTool | ExecutableProviderTool | ProviderDefinedTool):
            tools.append(item)
        elif callable(item) and not isinstance(item, type):
            try:
                tools.append(tool(item))
            except Exception as error:
                raise UsageError(f"--tools {spec}: {error}") from error
        else:
            raise UsageError(f"--tools {spec}: {type(item).__name__} is not a tool or a function")
    if not tools:
        raise UsageError(f"--tools {spec}: holds no tools")
    return tools
