import json

import pytest

import fantasy
from fantasy.agent_tools import AgentTool, ToolContext
from fantasy.errors import RateLimitError, is_retryable
from fantasy.testing import ScriptedModel, TestModel


@pytest.mark.anyio
async def test_history_continues_a_conversation() -> None:
    model = ScriptedModel(["Hello Ada", "Your name is Ada"])
    agent = fantasy.Agent(model, system_prompt="Be brief.")
    first = await agent.generate("Hi, I'm Ada.")
    assert [m.role for m in first.history] == ["user", "assistant"]
    second = await agent.generate("What's my name?", messages=first.history)
    assert [m.role for m in model.calls[1].prompt] == ["system", "user", "assistant", "user"]
    assert [m.role for m in second.history] == ["user", "assistant", "user", "assistant"]
    again = fantasy.AgentResult.from_dict(json.loads(json.dumps(second.to_dict())))
    assert again.history == second.history


def test_optional_tool_context_is_injected_not_exposed() -> None:
    def lookup(term: str, ctx: ToolContext | None = None) -> str:
        """Look a term up."""
        return f"{term}:{ctx is not None}"

    tool = AgentTool.from_function(lookup)
    assert set(tool.input_schema["properties"]) == {"term"}


@pytest.mark.anyio
async def test_optional_tool_context_receives_the_context() -> None:
    seen: list[object] = []

    @fantasy.tool
    def lookup(term: str, ctx: ToolContext | None = None) -> str:
        """Look a term up."""
        seen.append(ctx)
        return "ok"

    await fantasy.Agent(TestModel(), tools=[lookup]).generate("look up corgi")
    assert seen
    assert isinstance(seen[0], ToolContext)


def test_rate_limit_errors_are_retryable_by_default() -> None:
    assert is_retryable(RateLimitError("slow down"))
    assert not RateLimitError("quota exhausted for good", retryable=False).is_retryable


@pytest.mark.anyio
async def test_user_agent_and_headers_reach_the_call() -> None:
    model = ScriptedModel(["ok"])
    agent = fantasy.Agent(model, headers={"X-Team": "a"}, user_agent="my-app/1.0")
    await agent.generate("hi", headers={"X-Run": "b"})
    call = model.calls[0]
    assert call.user_agent == "my-app/1.0"
    assert call.headers == {"X-Team": "a", "X-Run": "b"}


def test_registry_resolves_responses_variants() -> None:
    from fantasy.providers.azure import AzureProvider
    from fantasy.providers.openai import ResponsesModel

    model = fantasy.language_model("openai-responses:gpt-5", api_key="sk-example-key")
    assert isinstance(model, ResponsesModel)
    azure = fantasy.get_provider(
        "azure-responses", base_url="my-resource", api_key="azure-example-key"
    )
    assert isinstance(azure, AzureProvider)
    assert isinstance(azure.language_model("gpt-5-mini"), ResponsesModel)
