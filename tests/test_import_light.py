"""`import fantasy` stays light: no provider module, no optional or heavy dependency."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Module prefixes that must not be loaded by a bare `import fantasy`.
HEAVY = (
    "fantasy.providers.",
    "botocore",
    "google.auth",
    "yaml",
    "jsonschema",
    "json_repair",
    "fantasy.web",
    "starlette",
    "uvicorn",
    "ag_ui",
    "selenium",
    "fantasy.mcp",
    "mcp",
    "mcp.",
    "mcp_types",
    "httpx2",
    "opentelemetry",
    "dbos",
    "fantasy.durable",
    "fantasy.otel",
    "genai_prices",
    "httpx_aiohttp",
    "aiohttp",
    "orjson",
)


def modules_after(code: str) -> set[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(completed.stdout.splitlines()[-1]))


def heavy(modules: set[str], prefixes: tuple[str, ...] = HEAVY) -> set[str]:
    return {
        name
        for name in modules
        for prefix in prefixes
        if name.startswith(prefix) or name == prefix.rstrip(".")
    }


def test_import_fantasy_loads_nothing_heavy() -> None:
    modules = modules_after("import fantasy")
    assert "fantasy" in modules
    assert not heavy(modules)


def test_core_names_load_nothing_heavy() -> None:
    names = [
        "Message",
        "stream",
        "Usage",
        "Response",
        "Call",
        "FantasyError",
        "TextContent",
        "FunctionTool",
        "language_model",
    ]
    code = "import fantasy\n" + "\n".join(f"fantasy.{name}" for name in names)
    modules = modules_after(code)
    assert not heavy(modules)


@pytest.mark.parametrize("module", ["fantasy.cli", "fantasy.__main__"])
def test_cli_import_is_light(module: str) -> None:
    modules = modules_after(f"import {module}")
    assert not heavy(modules)
    assert not heavy(modules, ("fantasy.agent", "fantasy.testing", "httpx", "pydantic"))


def test_test_model_needs_no_provider_or_optional_dependency() -> None:
    modules = modules_after("import fantasy.testing.models")
    assert not heavy(modules, ("fantasy.providers.", "botocore", "google.auth", "yaml"))


def test_cli_parser_and_web_package_load_no_web_stack() -> None:
    # `fantasy run` must not pay for the web stack; `import fantasy.web` alone neither.
    web_stack = ("starlette", "uvicorn", "ag_ui", "selenium", "anyio")
    modules = modules_after("import fantasy.cli\nfantasy.cli.build_parser()")
    assert not heavy(modules, web_stack)
    assert not heavy(modules_after("import fantasy.web"), web_stack)


def test_agents_and_toolsets_do_not_load_mcp() -> None:
    modules = modules_after("import fantasy\nfantasy.Agent\nfantasy.Toolset")
    assert not heavy(modules, ("fantasy.mcp", "mcp.", "mcp_types", "httpx2"))


def test_agent_and_tool_load_neither_pydantic_nor_httpx() -> None:
    # pydantic loads with the first typed tool (or provider options), httpx with the
    # first provider: an agent module that only imports fantasy pays for neither.
    modules = modules_after("from fantasy import Agent, tool, Toolset, RetryPolicy")
    assert not heavy(modules, ("pydantic", "pydantic_core", "httpx", "fantasy.options"))
    assert not heavy(modules, ("fantasy.schema", "fantasy._http", "jsonschema", "json_repair"))


def test_a_typed_tool_loads_pydantic_but_no_transport() -> None:
    code = (
        "from fantasy import tool\n@tool\ndef double(n: int) -> int:\n"
        "    '''Twice n.'''\n    return 2 * n"
    )
    modules = modules_after(code)
    assert "pydantic" in modules
    assert not heavy(modules, ("httpx", "fantasy.providers."))


def test_a_ready_openai_model_loads_no_pydantic() -> None:
    # The option models (pydantic) load with the first call that reads options, not with
    # the provider; httpx is the transport and loads with it.
    code = (
        "import os\nos.environ['OPENAI_API_KEY'] = 'sk-dummy'\nimport fantasy\n"
        "fantasy.language_model('openai:gpt-4o')\nfantasy.language_model('openai-responses:gpt-5')"
    )
    modules = modules_after(code)
    assert "httpx" in modules
    assert not heavy(modules, ("pydantic", "pydantic_core", "fantasy.options", "jsonschema"))


def test_the_demo_tools_need_no_pydantic() -> None:
    # `fantasy web` and `fantasy run` build them at start.
    modules = modules_after("from fantasy._demo_tools import demo_tools\ndemo_tools()")
    assert not heavy(modules, ("pydantic", "httpx", "jsonschema"))
