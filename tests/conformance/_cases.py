"""One function per recorded case kind (README section 2), each with its checks."""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _harness import make_tools, provider_value, step_message_parts

from fantasy.messages import FilePart, Message, TextPart

CaseRunner = Callable[[Any, dict[str, Any], dict[str, Any], Path], Awaitable[None]]

HELPFUL = "You are a helpful assistant"


def screenshot_png(root: Path) -> bytes:
    """The 1x1 PNG the computer-use scenarios send back (README 2.7), read at run time."""
    text = (root / "README.md").read_text(encoding="utf-8")
    match = re.search(r"base64 `(iVBOR[A-Za-z0-9+/=]+)`", text)
    assert match, "README section 2.7 no longer names the screenshot it sends"
    return base64.b64decode(match.group(1))


COMMON = {
    "simple": (HELPFUL, "Say hi in Portuguese", []),
    "tool": (HELPFUL, "What's the weather in Florence,Italy?", ["weather"]),
    "multi_tool": (
        HELPFUL + ". CRITICAL: Always use both add and multiply at the same time ALWAYS.",
        "Add and multiply the number 2 and 3",
        ["add", "multiply"],
    ),
    "multi_tool_streaming": (
        HELPFUL + ". Always use both add and multiply at the same time.",
        "Add and multiply the number 2 and 3",
        ["add", "multiply"],
    ),
}


def prepare_step_for(name: str | None) -> Any:
    if name is None:
        return None
    if name == "anthropic_cache_last_messages":
        from fantasy.providers.anthropic import cache_last_messages

        return cache_last_messages
    raise AssertionError(f"unknown prepare_step {name!r}")


def make_agent(model: Any, scenario: dict[str, Any], system: str, tools: list[Any]) -> Any:
    from fantasy.agent import Agent

    return Agent(
        model,
        system_prompt=system,
        tools=tools,
        prepare_step=prepare_step_for(scenario.get("prepare_step")),
    )


async def run_agent(agent: Any, streaming: bool, **kwargs: Any) -> Any:
    if not streaming:
        return await agent.generate(**kwargs)
    stream = agent.stream(**kwargs)
    async for _event in stream:
        pass
    return await stream.result()


def tool_calls(content: Any) -> list[Any]:
    return [c for c in content if getattr(c, "type", "") == "tool-call"]


async def common_case(model: Any, scenario: dict[str, Any], spec: dict[str, Any], _: Path) -> None:
    case = scenario["case"]
    streaming = case.endswith("_streaming")
    base = case.removesuffix("_streaming")
    system, prompt, names = COMMON[case if case in COMMON else base]
    agent = make_agent(model, scenario, system, make_tools(spec["tools"], names))
    result = await run_agent(
        agent,
        streaming,
        prompt=prompt,
        max_output_tokens=4000,
        provider_options=scenario.get("provider_options") or None,
    )
    text = result.text
    if base == "simple":
        assert any(word in text for word in ("Oi", "oi", "Olá", "olá")), text
    elif base == "tool":
        assert len(result.steps) >= 2
        calls = tool_calls(result.steps[0].content)
        assert len(calls) == 1, calls
        assert not calls[0].invalid, calls[0].validation_error
        assert calls[0].tool_name == "weather"
        assert "Florence" in text and "40" in text, text
    else:
        assert len(result.steps) == 2, len(result.steps)
        calls = tool_calls(result.steps[0].content)
        assert len(calls) == 2, calls
        assert not any(call.invalid for call in calls), calls
        assert "5" in text and "6" in text, text


async def thinking_case(
    model: Any, scenario: dict[str, Any], spec: dict[str, Any], _: Path
) -> None:
    streaming = scenario["case"].endswith("-streaming")
    agent = make_agent(model, scenario, HELPFUL, make_tools(spec["tools"], ["weather"]))
    result = await run_agent(
        agent,
        streaming,
        prompt="What's the weather in Florence, Italy?",
        provider_options=scenario.get("provider_options") or None,
    )
    assert "Florence" in result.text and "40" in result.text, result.text
    check = scenario.get("thinking_check")
    reasoning = [p for p in step_message_parts(result) if getattr(p, "type", "") == "reasoning"]
    if check == "reasoning_parts":
        assert reasoning, "no reasoning parts in the step messages"
    elif check == "anthropic_signatures":
        assert reasoning
        signed = [
            p
            for p in reasoning
            if p.text and provider_value(p.provider_options, "anthropic", "signature")
        ]
        assert len(signed) == len(reasoning), (len(signed), len(reasoning))
    elif check == "openai_encrypted_reasoning":
        assert reasoning
        encrypted = [
            p
            for p in reasoning
            if provider_value(p.provider_options, "openai", "encrypted_content")
        ]
        assert len(encrypted) == len(reasoning)
    elif check == "final_usage_reasoning_tokens":
        assert result.response.usage.reasoning_tokens > 0, result.response.usage
    elif check is not None:
        raise AssertionError(f"unknown thinking_check {check!r}: teach the runner about it")


def _object_call(spec: dict[str, Any], complex_case: bool) -> Any:
    from fantasy.object import ObjectCall

    if complex_case:
        prompt = (
            "Generate information about 'The Lord of the Rings' book by J.R.R. Tolkien, "
            "including genres like fantasy and adventure, and its publication year (1954)."
        )
        name, description = "Book", "A book with title, author, genres, and publication year"
    else:
        prompt = (
            "Generate information about a person named Alice who is 30 years old "
            "and lives in Paris."
        )
        name, description = "Person", "A person with name, age, and city"
    return ObjectCall(
        prompt=[Message(role="user", content=(TextPart(text=prompt),))],
        schema=spec["object_schemas"][name],
        schema_name=name,
        schema_description=description,
        max_output_tokens=4000,
    )


def check_object(obj: Any, complex_case: bool) -> None:
    assert isinstance(obj, dict), obj
    if complex_case:
        assert "rings" in str(obj.get("title", "")).lower()
        author = obj.get("author")
        assert isinstance(author, dict) and "name" in author and "nationality" in author
        genres = obj.get("genres")
        assert isinstance(genres, list) and genres and all(isinstance(g, str) for g in genres)
        assert float(obj.get("published_year", 0)) > 1900
    else:
        assert isinstance(obj.get("name"), str) and obj["name"]
        assert float(obj.get("age", 0)) > 0
        assert isinstance(obj.get("city"), str) and obj["city"]


async def object_case(model: Any, scenario: dict[str, Any], spec: dict[str, Any], _: Path) -> None:
    case = scenario["case"]
    complex_case = case.startswith("complex")
    call = _object_call(spec, complex_case)
    if not case.endswith("_streaming"):
        response = await model.generate_object(call)
        assert response.object is not None
        assert response.raw_text
        assert response.usage.total_tokens > 0
        check_object(response.object, complex_case)
        return
    last, count, finish = None, 0, None
    async for part in model.stream_object(call):
        kind = getattr(part, "type", "")
        assert kind != "error", part
        if kind == "object":
            last, count = part.object, count + 1
        elif kind == "finish":
            finish = part
    assert count >= 1 and finish is not None
    assert finish.finish_reason != "unknown"
    assert finish.usage.total_tokens > 0
    check_object(last, complex_case)


async def image_case(
    model: Any, scenario: dict[str, Any], spec: dict[str, Any], root: Path
) -> None:
    data = (root / "cassettes" / "wish.png").read_bytes()
    agent = make_agent(model, scenario, HELPFUL, [])
    result = await run_agent(
        agent,
        scenario["case"].endswith("_stream"),
        prompt="Describe the image briefly in English.",
        files=[FilePart(data=data, media_type="image/png", filename="wish.png")],
        max_output_tokens=4000,
    )
    assert result.text.strip()


def _web_search_tool(provider: str) -> Any:
    if provider == "anthropic":
        from fantasy.providers.anthropic import web_search_tool

        return web_search_tool()
    from fantasy.providers.openai import web_search_tool as openai_web_search

    return openai_web_search()


async def web_search_case(
    model: Any, scenario: dict[str, Any], spec: dict[str, Any], _: Path
) -> None:
    provider = scenario["provider"]
    prompt = "What is the current population of Tokyo? Cite your source."
    agent = make_agent(model, scenario, HELPFUL, [_web_search_tool(provider)])
    streaming = scenario["case"] == "stream"
    result = await run_agent(agent, streaming, prompt=prompt, max_output_tokens=4000)
    assert result.text and "Tokyo" in result.text, result.text
    content = [c for step in result.steps for c in step.content]
    executed = [c for c in tool_calls(content) if c.provider_executed]
    assert executed and executed[0].tool_name == "web_search"
    sources = [c for c in content if getattr(c, "type", "") == "source"]
    if provider == "anthropic":
        assert any(s.url for s in sources)
    else:
        assert all(s.url for s in sources)
    if not streaming:
        return
    results = [c for c in content if getattr(c, "type", "") == "tool-result"]
    assert any(r.provider_executed for r in results)
    if provider != "anthropic":
        return
    history = [Message(role="user", content=(TextPart(text=prompt),))]
    history += [m for step in result.steps for m in step.messages]
    turn2 = await run_agent(
        agent,
        True,
        prompt="How does that compare to Osaka?",
        messages=history,
        max_output_tokens=4000,
    )
    assert turn2.text and "Osaka" in turn2.text, turn2.text


async def computer_case(
    model: Any, scenario: dict[str, Any], spec: dict[str, Any], root: Path
) -> None:
    from fantasy import stream as parts
    from fantasy.messages import MediaOutput, ToolCallPart, ToolResultPart
    from fantasy.model import Call
    from fantasy.providers.anthropic import computer_use_tool

    version = "computer_20251124" if "opus-4-6" in scenario["model"] else "computer_20250124"
    tool = computer_use_tool(version=version, display_width_px=1920.0, display_height_px=1080.0)
    definition = getattr(tool, "definition", tool)
    prompt = [
        Message(role="system", content=(TextPart(text=HELPFUL),)),
        Message(role="user", content=(TextPart(text="Take a screenshot of the desktop"),)),
    ]
    call = Call(prompt=prompt, tools=(definition,))
    streaming = scenario["case"].endswith("_streaming")
    if streaming:
        found, finish = [], None
        async for part in model.stream(call):
            if isinstance(part, parts.ToolCall):
                found.append(part)
            elif isinstance(part, parts.Finish):
                finish = part
        assert finish is not None and finish.finish_reason == "tool-calls"
    else:
        response = await model.generate(call)
        assert response.finish_reason == "tool-calls"
        found = response.tool_calls
    assert len(found) == 1 and found[0].tool_name == "computer"
    assert "screenshot" in found[0].input
    first = found[0]
    follow = [
        *prompt,
        Message(
            role="assistant",
            content=(
                ToolCallPart(
                    tool_call_id=first.tool_call_id, tool_name=first.tool_name, input=first.input
                ),
            ),
        ),
        Message(
            role="tool",
            content=(
                ToolResultPart(
                    tool_call_id=first.tool_call_id,
                    tool_name="computer",
                    output=MediaOutput(data=screenshot_png(root), media_type="image/png"),
                ),
            ),
        ),
    ]
    call2 = call.replace(prompt=follow)
    if streaming:
        chunks = [p.delta async for p in model.stream(call2) if isinstance(p, parts.TextDelta)]
        text = "".join(chunks)
    else:
        text = (await model.generate(call2)).text
    assert text and "desktop" in text, text


CASES: dict[str, CaseRunner] = {
    "simple": common_case,
    "simple_streaming": common_case,
    "tool": common_case,
    "tool_streaming": common_case,
    "multi_tool": common_case,
    "multi_tool_streaming": common_case,
    "thinking": thinking_case,
    "thinking-streaming": thinking_case,
    "simple_object": object_case,
    "simple_object_streaming": object_case,
    "complex_object": object_case,
    "complex_object_streaming": object_case,
    "image_upload": image_case,
    "image_upload_stream": image_case,
    "generate": web_search_case,
    "stream": web_search_case,
    "computer_use": computer_case,
    "computer_use_streaming": computer_case,
}
