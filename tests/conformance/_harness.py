"""Builds providers, tools and prompts for the recorded scenarios (README sections 2-5).

Everything here goes through fantasy's public API only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

import fantasy
from fantasy.testing.cassette import CassetteTransport

REPO = Path(__file__).resolve().parents[2]


def conformance_dir() -> Path:
    return Path(os.environ.get("FANTASY_CONFORMANCE_DIR", REPO.parent / "shared" / "conformance"))


def counter_ids() -> Callable[[], str]:
    state = {"n": 0}

    def next_id() -> str:
        state["n"] += 1
        return str(state["n"])

    return next_id


def key_from(config: dict[str, Any], field: str) -> str:
    variable = config.get(field)
    return (os.environ.get(variable) if variable else None) or "(missing)"


def build_model(scenario: dict[str, Any], client: httpx.AsyncClient) -> Any:
    """The language model a scenario's Go test built (README section 5)."""
    provider = scenario["provider"]
    config = scenario.get("config") or {}
    model_id = scenario["model"]
    ids = counter_ids() if config.get("tool_call_ids") == "counter" else None
    if provider in ("openai", "openai-responses"):
        from fantasy.providers.openai import OpenAIProvider

        return OpenAIProvider(
            api_key=key_from(config, "api_key_env"),
            http_client=client,
            **({"use_responses_api": True} if config.get("use_responses_api") else {}),
        ).language_model(model_id)
    if provider in ("azure", "azure-responses"):
        from fantasy.providers.azure import AzureProvider

        return AzureProvider(
            base_url=config["base_url"],
            api_key=key_from(config, "api_key_env"),
            http_client=client,
            **({"use_responses_api": True} if config.get("use_responses_api") else {}),
        ).language_model(model_id)
    if provider == "openaicompat":
        from fantasy.providers.openaicompat import OpenAICompatProvider

        api_key = os.environ.get(config["api_key_env"], "") if "api_key_env" in config else ""
        return OpenAICompatProvider(
            base_url=config["base_url"],
            api_key=api_key or ("(missing)" if "api_key_env" in config else None),
            http_client=client,
        ).language_model(model_id)
    if provider == "anthropic":
        from fantasy.providers.anthropic import AnthropicProvider

        return AnthropicProvider(
            api_key=key_from(config, "api_key_env"), http_client=client
        ).language_model(model_id)
    if provider == "anthropic-vertex":
        from fantasy.providers.anthropic import AnthropicVertexProvider

        return AnthropicVertexProvider(
            project=config["vertex_project"],
            location=config["vertex_location"],
            skip_auth=bool(config.get("skip_auth")),
            http_client=client,
        ).language_model(model_id)
    if provider == "bedrock":
        from fantasy.providers.bedrock import BedrockProvider

        api_key = os.environ.get(config["api_key_env"], "") if "api_key_env" in config else ""
        return BedrockProvider(
            api_key=api_key or ("(missing)" if "api_key_env" in config else None),
            skip_auth=bool(config.get("skip_auth")),
            http_client=client,
        ).language_model(model_id)
    if provider == "google":
        from fantasy.providers.google import GoogleProvider

        return GoogleProvider(
            api_key=key_from(config, "gemini_api_key_env"),
            http_client=client,
            tool_call_id_generator=ids,
        ).language_model(model_id)
    if provider == "google-vertex":
        from fantasy.providers.google import GoogleVertexProvider

        return GoogleVertexProvider(
            project=config["vertex_project"],
            location=config["vertex_location"],
            skip_auth=bool(config.get("skip_auth")),
            http_client=client,
            tool_call_id_generator=ids,
        ).language_model(model_id)
    if provider == "openrouter":
        from fantasy.providers.openrouter import OpenRouterProvider

        return OpenRouterProvider(
            api_key=key_from(config, "api_key_env"), http_client=client
        ).language_model(model_id)
    if provider == "vercel":
        from fantasy.providers.vercel import VercelProvider

        return VercelProvider(
            api_key=key_from(config, "api_key_env"), http_client=client
        ).language_model(model_id)
    raise AssertionError(f"unknown provider {provider!r}")


def make_tools(spec: dict[str, Any], names: list[str]) -> list[Any]:
    """The shared weather/add/multiply tools (README 2.2) from their raw schemas."""
    from fantasy.agent_tools import AgentTool

    def weather(_input: dict[str, Any]) -> str:
        return "40 C"

    def add(args: dict[str, Any]) -> str:
        return str(int(args["a"]) + int(args["b"]))

    def multiply(args: dict[str, Any]) -> str:
        return str(int(args["a"]) * int(args["b"]))

    runners = {"weather": weather, "add": add, "multiply": multiply}
    tools = []
    for name in names:
        definition = spec[name]
        tools.append(
            AgentTool(
                name=definition["name"],
                description=definition["description"],
                input_schema=definition["input_schema"],
                run=_wrap(runners[name]),
            )
        )
    return tools


def _wrap(fn: Callable[[dict[str, Any]], str]) -> Callable[..., str]:
    def run(input: dict[str, Any], *_: Any) -> str:
        return fn(input)

    return run


def cassette_client(path: Path) -> tuple[httpx.AsyncClient, CassetteTransport]:
    transport = CassetteTransport(path, mode="replay")
    return httpx.AsyncClient(transport=transport, timeout=30.0), transport


def step_message_parts(result: Any) -> Iterator[Any]:
    for step in result.steps:
        for message in step.messages:
            yield from message.content


def provider_value(options: Any, key: str, field: str) -> Any:
    """Read ``field`` of ``options[key]`` whether it is a model or a dict."""
    if not options:
        return None
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(field)
    return getattr(value, field, None)


__all__ = ["fantasy"]
