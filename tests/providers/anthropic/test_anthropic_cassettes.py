"""Replay the recorded Anthropic / Vertex-Claude / Bedrock traffic with a minimal step loop.

Every request must match its recorded body (JSON equality) and URL; responses must pass
the scenario's checks. The step loop here mirrors the agent's message building only as
far as these cassettes need it; the full agent runs in ``tests/conformance``.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from fantasy.content import ReasoningContent, TextContent, ToolCallContent, ToolResultContent
from fantasy.messages import (
    FilePart,
    MediaOutput,
    Message,
    MessagePart,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    system_message,
    user_message,
)
from fantasy.model import Call
from fantasy.providers.anthropic import (
    AnthropicProvider,
    AnthropicReasoningMetadata,
    AnthropicVertexProvider,
    computer_use_tool,
    mark_cache_control,
    web_search_tool,
)
from fantasy.providers.bedrock import BedrockProvider
from fantasy.response import Response
from fantasy.stream import StreamAccumulator
from fantasy.tools import FunctionTool, SpecificToolChoice, Tool

yaml = pytest.importorskip("yaml", reason="PyYAML (testing extra) reads the scenarios")
cassette = pytest.importorskip(
    "fantasy.testing.cassette", reason="the cassette transport replays the recordings"
)

ROOT = Path(
    os.environ.get("FANTASY_CONFORMANCE_DIR")
    or Path(__file__).resolve().parents[3].parent / "shared" / "conformance"
)
FAMILY = ("anthropic", "anthropic-vertex", "bedrock")
SYSTEM = "You are a helpful assistant"


def _screenshot() -> str:
    """The 1x1 PNG (base64) the computer-use scenarios send back, from README 2.7."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"base64 `(iVBOR[A-Za-z0-9+/=]+)`", text)
    assert match, "README section 2.7 no longer names the screenshot it sends"
    return match.group(1)


def _scenarios() -> list[dict[str, Any]]:
    path = ROOT / "scenarios.yaml"
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text())
    return [s for s in data["scenarios"] if s["provider"] in FAMILY]


SCENARIOS = _scenarios()
pytestmark = pytest.mark.skipif(not SCENARIOS, reason="conformance folder not found")


@functools.cache
def _spec() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "scenarios.yaml").read_text()))


def _tool(name: str) -> FunctionTool:
    spec = _spec()["tools"][name]
    return FunctionTool(
        name=spec["name"], description=spec["description"], input_schema=spec["input_schema"]
    )


def _run_tool(name: str, raw: str) -> str:
    args = json.loads(raw)
    if name == "weather":
        return "40 C"
    return str(args["a"] + args["b"] if name == "add" else args["a"] * args["b"])


def _provider(scenario: dict[str, Any], client: httpx.AsyncClient) -> Any:
    config = scenario["config"]
    if scenario["provider"] == "anthropic":
        return AnthropicProvider(api_key="(missing)", http_client=client)
    if scenario["provider"] == "anthropic-vertex":
        return AnthropicVertexProvider(
            project=config["vertex_project"],
            location=config["vertex_location"],
            skip_auth=True,
            http_client=client,
        )
    key = "placeholder" if config.get("api_key_env") else None
    return BedrockProvider(api_key=key, skip_auth=True, http_client=client)


async def _call(model: Any, call: Call, streaming: bool) -> Response:
    if not streaming:
        response: Response = await model.generate(call)
        return response
    accumulator = StreamAccumulator()
    async for part in model.stream(call):
        accumulator.add(part)
    assert accumulator.error is None
    return accumulator.response()


def _step_messages(response: Response) -> list[Message]:
    parts: list[MessagePart] = []
    results: list[ToolResultPart] = []
    for item in response.content:
        if isinstance(item, TextContent):
            parts.append(TextPart(text=item.text))
        elif isinstance(item, ReasoningContent):
            parts.append(ReasoningPart(text=item.text, provider_options=item.provider_metadata))
        elif isinstance(item, ToolCallContent):
            parts.append(
                ToolCallPart(
                    tool_call_id=item.tool_call_id,
                    tool_name=item.tool_name,
                    input=item.input,
                    provider_executed=item.provider_executed,
                )
            )
            if not item.provider_executed:
                output = TextOutput(text=_run_tool(item.tool_name, item.input))
                results.append(ToolResultPart(tool_call_id=item.tool_call_id, output=output))
        elif isinstance(item, ToolResultContent):
            parts.append(
                ToolResultPart(
                    tool_call_id=item.tool_call_id,
                    tool_name=item.tool_name,
                    output=item.result,
                    provider_executed=True,
                    provider_options=item.provider_metadata,
                )
            )
    messages = [Message(role="assistant", content=tuple(parts))]
    if results:
        messages.append(Message(role="tool", content=tuple(results)))
    return messages


async def _agent(
    model: Any,
    scenario: dict[str, Any],
    prompt: list[Message],
    tools: tuple[Tool, ...],
    max_tokens: int | None,
) -> list[tuple[Response, list[Message]]]:
    streaming = "stream" in scenario["case"]
    cache = scenario.get("prepare_step") == "anthropic_cache_last_messages"
    messages = list(prompt)
    steps = []
    while True:
        call = Call(
            prompt=tuple(mark_cache_control(messages) if cache else messages),
            max_output_tokens=max_tokens,
            tools=tools,
            tool_choice="auto",
            provider_options=scenario.get("provider_options") or {},
        )
        response = await _call(model, call, streaming)
        new = _step_messages(response)
        steps.append((response, new))
        messages += new
        client_calls = [c for c in response.tool_calls if not c.provider_executed]
        if not (client_calls and response.finish_reason == "tool-calls"):
            return steps


def _final_text(steps: list[tuple[Response, list[Message]]]) -> str:
    final = steps[-1][0]
    for response, _ in steps:
        if any(isinstance(c, TextContent) and c.text.strip() for c in response.content):
            final = response
    return final.text


async def _common(model: Any, scenario: dict[str, Any]) -> None:
    case = scenario["case"].removesuffix("_streaming")
    if case == "simple":
        steps = await _agent(
            model,
            scenario,
            [system_message(SYSTEM), user_message("Say hi in Portuguese")],
            (),
            4000,
        )
        assert any(word in _final_text(steps) for word in ("Oi", "oi", "Olá", "olá"))
    elif case == "tool":
        prompt = [system_message(SYSTEM), user_message("What's the weather in Florence,Italy?")]
        steps = await _agent(model, scenario, prompt, (_tool("weather"),), 4000)
        assert len(steps) >= 2
        assert [c.tool_name for c in steps[0][0].tool_calls] == ["weather"]
        assert "Florence" in _final_text(steps)
        assert "40" in _final_text(steps)
    else:
        system = (
            f"{SYSTEM}. CRITICAL: Always use both add and multiply at the same time ALWAYS."
            if scenario["case"] == "multi_tool"
            else f"{SYSTEM}. Always use both add and multiply at the same time."
        )
        prompt = [system_message(system), user_message("Add and multiply the number 2 and 3")]
        steps = await _agent(model, scenario, prompt, (_tool("add"), _tool("multiply")), 4000)
        assert len(steps) == 2
        assert len(steps[0][0].tool_calls) == 2
        assert "5" in _final_text(steps)
        assert "6" in _final_text(steps)


async def _thinking(model: Any, scenario: dict[str, Any]) -> None:
    prompt = [system_message(SYSTEM), user_message("What's the weather in Florence, Italy?")]
    steps = await _agent(model, scenario, prompt, (_tool("weather"),), None)
    assert "Florence" in _final_text(steps)
    reasoning = [
        part
        for _, messages in steps
        for message in messages
        for part in message.content
        if isinstance(part, ReasoningPart)
    ]
    assert reasoning
    for part in reasoning:
        metadata = part.provider_options["anthropic"]
        assert isinstance(metadata, AnthropicReasoningMetadata)
        assert part.text
        assert metadata.signature


async def _web_search(model: Any, scenario: dict[str, Any]) -> None:
    question = "What is the current population of Tokyo? Cite your source."
    tools = (web_search_tool(),)
    steps = await _agent(
        model, scenario, [system_message(SYSTEM), user_message(question)], tools, 4000
    )
    assert "Tokyo" in _final_text(steps)
    calls = [c for response, _ in steps for c in response.tool_calls if c.provider_executed]
    assert calls[0].tool_name == "web_search"
    if scenario["case"] == "generate":
        assert any(source.url for response, _ in steps for source in response.sources)
        return
    assert any(r.provider_executed for response, _ in steps for r in response.tool_results)
    history = [user_message(question)] + [m for _, messages in steps for m in messages]
    prompt = [system_message(SYSTEM), *history, user_message("How does that compare to Osaka?")]
    assert "Osaka" in _final_text(await _agent(model, scenario, prompt, tools, 4000))


async def _computer_use(model: Any, scenario: dict[str, Any]) -> None:
    streaming = scenario["case"].endswith("streaming")
    version = "computer_20251124" if "opus-4-6" in scenario["label"] else "computer_20250124"
    tool = computer_use_tool(version, 1920.0, 1080.0)
    prompt = (system_message(SYSTEM), user_message("Take a screenshot of the desktop"))
    first = await _call(model, Call(prompt=prompt, tools=(tool,)), streaming)
    assert first.finish_reason == "tool-calls"
    (call,) = first.tool_calls
    assert "screenshot" in call.input
    screenshot = MediaOutput(data=base64.b64decode(_screenshot()), media_type="image/png")
    follow_up = (
        *prompt,
        Message(
            role="assistant",
            content=(
                ToolCallPart(
                    tool_call_id=call.tool_call_id, tool_name="computer", input=call.input
                ),
            ),
        ),
        Message(
            role="tool",
            content=(ToolResultPart(tool_call_id=call.tool_call_id, output=screenshot),),
        ),
    )
    second = await _call(model, Call(prompt=follow_up, tools=(tool,)), streaming)
    assert "desktop" in "".join(c.text for c in second.content if isinstance(c, TextContent))


async def _image(model: Any, scenario: dict[str, Any]) -> None:
    image = FilePart(media_type="image/png", data=(ROOT / "cassettes" / "wish.png").read_bytes())
    prompt = [system_message(SYSTEM), user_message("Describe the image briefly in English.", image)]
    assert _final_text(await _agent(model, scenario, prompt, (), 4000)).strip()


async def _object(model: Any, scenario: dict[str, Any]) -> None:
    book = "complex" in scenario["case"]
    name = "Book" if book else "Person"
    text = (
        "Generate information about 'The Lord of the Rings' book by J.R.R. Tolkien, including "
        "genres like fantasy and adventure, and its publication year (1954)."
        if book
        else "Generate information about a person named Alice who is 30 years old and lives in "
        "Paris."
    )
    description = (
        "A book with title, author, genres, and publication year"
        if book
        else "A person with name, age, and city"
    )
    tool = FunctionTool(
        name=name, description=description, input_schema=_spec()["object_schemas"][name]
    )
    call = Call(
        prompt=(user_message(text),),
        max_output_tokens=4000,
        tools=(tool,),
        tool_choice=SpecificToolChoice(name),
    )
    response = await _call(model, call, scenario["case"].endswith("streaming"))
    assert json.loads(response.tool_calls[0].input)
    assert response.usage.total_tokens > 0


RUNNERS = {
    "simple": _common,
    "simple_streaming": _common,
    "tool": _common,
    "tool_streaming": _common,
    "multi_tool": _common,
    "multi_tool_streaming": _common,
    "thinking": _thinking,
    "thinking-streaming": _thinking,
    "generate": _web_search,
    "stream": _web_search,
    "computer_use": _computer_use,
    "computer_use_streaming": _computer_use,
    "image_upload": _image,
    "image_upload_stream": _image,
    "simple_object": _object,
    "simple_object_streaming": _object,
    "complex_object": _object,
    "complex_object_streaming": _object,
}


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["cassette"] for s in SCENARIOS])
async def test_cassette(scenario: dict[str, Any]) -> None:
    runner = RUNNERS[scenario["case"]]
    path = ROOT / "cassettes" / scenario["cassette"]
    async with (
        cassette.use_cassette(path) as transport,
        httpx.AsyncClient(transport=transport) as client,
    ):
        model = _provider(scenario, client).language_model(scenario["model"])
        await runner(model, scenario)
