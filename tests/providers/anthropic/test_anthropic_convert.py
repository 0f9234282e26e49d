from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    Message,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    assistant_message,
    system_message,
    tool_message,
    user_message,
)
from fantasy.model import Call, ResponseFormat
from fantasy.providers.anthropic import (
    AnthropicProviderOptions,
    AnthropicReasoningMetadata,
    AnthropicServerToolResultMetadata,
    computer_use_tool,
    web_search_tool,
)
from fantasy.providers.anthropic.cache import CACHE_MARK
from fantasy.providers.anthropic.convert import Dialect, convert_call
from fantasy.tools import FunctionTool, ProviderDefinedTool, SpecificToolChoice

WEATHER = FunctionTool(
    name="weather",
    description="Get weather information for a location",
    input_schema={
        "type": "object",
        "properties": {"location": {"type": "string", "description": "the city"}},
        "required": ["location"],
    },
)
PNG = b"\x89PNG\r\n\x1a\nrest"


def body_of(call: Call, **kwargs: Any) -> dict[str, Any]:
    return convert_call(call, **kwargs).body


def simple(*messages: Message, **kwargs: Any) -> Call:
    return Call(prompt=messages, **kwargs)


def test_simple_body() -> None:
    body = body_of(
        simple(system_message("You are helpful"), user_message("Hi"), max_output_tokens=4000)
    )
    assert body == {
        "max_tokens": 4000,
        "system": [{"type": "text", "text": "You are helpful"}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
    }


def test_default_max_tokens_and_no_system() -> None:
    body = body_of(simple(user_message("Hi")))
    assert body["max_tokens"] == 4096
    assert "system" not in body


def test_tool_round_trip_groups_results_in_one_user_message() -> None:
    call = simple(
        system_message("sys"),
        user_message("add and multiply"),
        assistant_message(
            "Sure.",
            ToolCallPart(tool_call_id="t1", tool_name="add", input='{"a": 2, "b": 3}'),
            ToolCallPart(tool_call_id="t2", tool_name="multiply", input='{"b":3,"a":2}'),
        ),
        tool_message(
            [
                ToolResultPart(tool_call_id="t1", output=TextOutput(text="5")),
                ToolResultPart(tool_call_id="t2", output=ErrorOutput(error="boom")),
            ]
        ),
        tools=(WEATHER,),
        tool_choice="auto",
    )
    body = body_of(call)
    assert body["messages"][1:] == [
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Sure."},
                {"type": "tool_use", "id": "t1", "name": "add", "input": {"a": 2, "b": 3}},
                {"type": "tool_use", "id": "t2", "name": "multiply", "input": {"b": 3, "a": 2}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "t1",
                    "content": [{"type": "text", "text": "5"}],
                },
                {
                    "type": "tool_result",
                    "tool_use_id": "t2",
                    "content": [{"type": "text", "text": "boom"}],
                    "is_error": True,
                },
            ],
        },
    ]
    assert body["tools"] == [
        {
            "name": "weather",
            "description": "Get weather information for a location",
            "input_schema": dict(WEATHER.input_schema),
        }
    ]
    assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": False}


def test_empty_and_invalid_tool_input() -> None:
    converted = convert_call(
        simple(
            user_message("x"),
            assistant_message(
                ToolCallPart(tool_call_id="a", tool_name="now", input=""),
                ToolCallPart(tool_call_id="b", tool_name="now", input="{broken"),
            ),
        )
    )
    blocks = converted.body["messages"][1]["content"]
    assert [b["input"] for b in blocks] == [{}, {}]
    assert len(converted.warnings) == 1
    assert "b" in converted.warnings[0].message


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", {"type": "auto", "disable_parallel_tool_use": False}),
        ("required", {"type": "any", "disable_parallel_tool_use": False}),
        ("none", {"type": "none"}),
        (
            SpecificToolChoice("weather"),
            {"type": "tool", "name": "weather", "disable_parallel_tool_use": False},
        ),
        (None, None),
    ],
)
def test_tool_choice(choice: Any, wire: Any) -> None:
    body = body_of(simple(user_message("x"), tools=(WEATHER,), tool_choice=choice))
    assert body.get("tool_choice") == wire


def test_tool_choice_bedrock_dialect_and_disable_parallel() -> None:
    bedrock = Dialect(always_send_parallel_flag=False)
    call = simple(user_message("x"), tools=(WEATHER,), tool_choice="auto")
    assert body_of(call, dialect=bedrock)["tool_choice"] == {"type": "auto"}
    disabled = call.replace(provider_options={"anthropic": {"disable_parallel_tool_use": True}})
    assert body_of(disabled, dialect=bedrock)["tool_choice"] == {
        "type": "auto",
        "disable_parallel_tool_use": True,
    }
    assert body_of(disabled.replace(tool_choice=None))["tool_choice"] == {
        "type": "auto",
        "disable_parallel_tool_use": True,
    }


def test_tool_choice_errors() -> None:
    with pytest.raises(InvalidArgumentError):
        convert_call(
            simple(user_message("x"), tools=(WEATHER,), tool_choice=SpecificToolChoice("nope"))
        )
    with pytest.raises(InvalidArgumentError):
        convert_call(simple(user_message("x"), tool_choice="required"))
    assert "tool_choice" not in body_of(simple(user_message("x"), tool_choice="auto"))


def test_thinking_options_max_tokens_and_sampling_warnings() -> None:
    call = simple(
        user_message("x"),
        temperature=0.5,
        top_k=3,
        provider_options={"anthropic": {"thinking": {"budget_tokens": 4000}}},
    )
    converted = convert_call(call)
    assert converted.body["thinking"] == {"type": "enabled", "budget_tokens": 4000}
    assert converted.body["max_tokens"] == 4096
    assert "temperature" not in converted.body
    assert "top_k" not in converted.body
    assert {w.setting for w in converted.warnings} == {"temperature", "top_k"}
    assert body_of(call.replace(max_output_tokens=1000))["max_tokens"] == 5000
    big = call.replace(provider_options={"anthropic": {"thinking": {"budget_tokens": 8000}}})
    assert body_of(big)["max_tokens"] == 12096


def test_thinking_typed_options_adaptive_and_effort() -> None:
    options = AnthropicProviderOptions.model_validate(
        {"thinking": {"type": "adaptive"}, "effort": "high"}
    )
    body = body_of(simple(user_message("x"), provider_options={"anthropic": options}))
    assert body["thinking"] == {"type": "adaptive"}
    assert body["output_config"] == {"effort": "high"}
    assert body["max_tokens"] == 4096
    with pytest.raises(InvalidArgumentError):
        convert_call(simple(user_message("x"), provider_options={"anthropic": {"thinking": {}}}))
    with pytest.raises(InvalidArgumentError):
        convert_call(simple(user_message("x"), provider_options={"anthropic": {"bogus": 1}}))


def test_sampling_and_unsupported_settings() -> None:
    converted = convert_call(
        simple(
            user_message("x"),
            temperature=0.2,
            top_p=0.9,
            top_k=5,
            stop_sequences=("END",),
            seed=1,
            presence_penalty=0.1,
            frequency_penalty=0.1,
            response_format=ResponseFormat(schema={"type": "object"}),
        )
    )
    body = converted.body
    assert body["temperature"] == 0.2
    assert "top_p" not in body
    assert body["top_k"] == 5
    assert body["stop_sequences"] == ["END"]
    assert {w.setting for w in converted.warnings} == {
        "top_p",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "response_format",
    }
    assert body_of(simple(user_message("x"), top_p=0.3))["top_p"] == 0.3


def test_reasoning_replay() -> None:
    assistant = assistant_message(
        ReasoningPart(
            text="thought",
            provider_options={"anthropic": AnthropicReasoningMetadata(signature="SIG")},
        ),
        ReasoningPart(
            text="", provider_options={"anthropic": AnthropicReasoningMetadata(redacted_data="RD")}
        ),
        ReasoningPart(text="unsigned"),
        "answer",
    )
    converted = convert_call(simple(user_message("x"), assistant, user_message("y")))
    assert converted.body["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "thought", "signature": "SIG"},
        {"type": "redacted_thinking", "data": "RD"},
        {"type": "text", "text": "answer"},
    ]
    assert len(converted.warnings) == 1
    no_reasoning = simple(
        user_message("x"),
        assistant,
        user_message("y"),
        provider_options={"anthropic": {"send_reasoning": False}},
    )
    blocks = body_of(no_reasoning)["messages"][1]["content"]
    assert blocks == [{"type": "text", "text": "answer"}]


def test_reasoning_metadata_as_plain_dict() -> None:
    assistant = assistant_message(
        ReasoningPart(text="t", provider_options={"anthropic": {"signature": "S"}})
    )
    blocks = body_of(simple(user_message("x"), assistant))["messages"][1]["content"]
    assert blocks == [{"type": "thinking", "thinking": "t", "signature": "S"}]


def test_server_tool_replay_is_verbatim() -> None:
    block = {
        "type": "web_search_tool_result",
        "tool_use_id": "srv1",
        "content": [
            {"type": "web_search_result", "url": "u", "title": "t", "encrypted_content": "E"}
        ],
    }
    assistant = assistant_message(
        ToolCallPart(
            tool_call_id="srv1",
            tool_name="web_search",
            input='{"query":"q"}',
            provider_executed=True,
        ),
        ToolResultPart(
            tool_call_id="srv1",
            tool_name="web_search",
            output=TextOutput(text="[]"),
            provider_executed=True,
            provider_options={"anthropic": AnthropicServerToolResultMetadata(block=block)},
        ),
        "Answer.",
    )
    blocks = body_of(simple(user_message("x"), assistant))["messages"][1]["content"]
    assert blocks == [
        {"type": "server_tool_use", "id": "srv1", "name": "web_search", "input": {"query": "q"}},
        block,
        {"type": "text", "text": "Answer."},
    ]
    bare = assistant_message(
        ToolResultPart(tool_call_id="srv1", output=TextOutput(text="[]"), provider_executed=True)
    )
    with pytest.raises(InvalidArgumentError):
        convert_call(simple(user_message("x"), bare))


def test_message_cache_marks_render_on_last_block() -> None:
    mark = {"anthropic": CACHE_MARK}
    call = simple(
        Message(role="system", content=(TextPart(text="sys"),), provider_options=mark),
        user_message("q"),
        Message(
            role="assistant",
            content=(TextPart(text="a"), ToolCallPart(tool_call_id="t", tool_name="w", input="{}")),
            provider_options=mark,
        ),
        Message(
            role="tool",
            content=(
                ToolResultPart(tool_call_id="t", output=TextOutput(text="1")),
                ToolResultPart(tool_call_id="u", output=TextOutput(text="2")),
            ),
            provider_options={"anthropic": {"cache_control": {"type": "ephemeral"}}},
        ),
    )
    body = body_of(call)
    ephemeral = {"type": "ephemeral"}
    assert body["system"] == [{"type": "text", "text": "sys", "cache_control": ephemeral}]
    assert "cache_control" not in body["messages"][0]["content"][0]
    assistant = body["messages"][1]["content"]
    assert "cache_control" not in assistant[0]
    assert assistant[1]["cache_control"] == ephemeral
    results = body["messages"][2]["content"]
    assert "cache_control" not in results[0]
    assert results[1]["cache_control"] == ephemeral


def test_part_and_tool_cache_control() -> None:
    cache = {"anthropic": {"cache_control": {"type": "ephemeral", "ttl": "1h"}}}
    tool = FunctionTool(name="f", provider_options=cache)
    call = simple(
        Message(
            role="user", content=(TextPart(text="a", provider_options=cache), TextPart(text="b"))
        ),
        tools=(tool,),
    )
    body = body_of(call)
    assert body["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert "cache_control" not in body["messages"][0]["content"][1]
    assert body["tools"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert body["tools"][0]["input_schema"] == {"type": "object", "properties": {}}


def test_files() -> None:
    user = Message(
        role="user",
        content=(
            TextPart(text="look"),
            FilePart(media_type="image/png", data=PNG, filename="a.png"),
            FilePart(media_type="image/jpeg", url="https://x/y.jpg"),
            FilePart(media_type="application/pdf", data=b"%PDF", filename="doc.pdf"),
            FilePart(media_type="application/pdf", url="https://x/doc.pdf"),
            FilePart(media_type="text/plain", data=b"hello", filename="n.txt"),
            FilePart(media_type="image/*", data=PNG),
            FilePart(media_type="image/png", url="data:image/png;base64,iVBORw=="),
        ),
    )
    blocks = body_of(simple(user))["messages"][0]["content"]
    assert blocks[1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgpyZXN0"},
    }
    assert blocks[2] == {"type": "image", "source": {"type": "url", "url": "https://x/y.jpg"}}
    assert blocks[3] == {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERg=="},
        "title": "doc",
        "context": "filename: doc.pdf",
    }
    assert blocks[4] == {"type": "document", "source": {"type": "url", "url": "https://x/doc.pdf"}}
    assert blocks[5] == {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "hello"},
        "title": "n",
        "context": "filename: n.txt",
    }
    assert blocks[6]["source"]["media_type"] == "image/png"
    assert blocks[7]["source"] == {"type": "base64", "media_type": "image/png", "data": "iVBORw=="}
    with pytest.raises(InvalidArgumentError):
        convert_call(simple(user_message("x", FilePart(media_type="video/mp4", data=b"v"))))


# (filename, title sent, context sent)
DOCUMENT_TITLES = [
    ("Annual Report (2024) [draft]", "Annual Report (2024) [draft]", None),
    ("Q3_report.v2.pdf", "Q3 report v2", "filename: Q3_report.v2.pdf"),
    ("Résumé  final.pdf", "Resume final", "filename: Résumé  final.pdf"),
    ("notes/2024:ideas!.txt", "notes 2024 ideas", "filename: notes/2024:ideas!.txt"),
    ("日本語.pdf", None, "filename: 日本語.pdf"),
    ("x" * 600, "x" * 500, "filename: " + "x" * 600),
]


@pytest.mark.parametrize(("filename", "title", "context"), DOCUMENT_TITLES)
def test_document_title_is_sanitised_and_filename_kept(
    filename: str, title: str | None, context: str | None
) -> None:
    pdf = FilePart(media_type="application/pdf", data=b"%PDF", filename=filename)
    [_, block] = body_of(simple(user_message("read", pdf)))["messages"][0]["content"]
    assert block.get("title") == title
    assert block.get("context") == context
    if title is not None:
        assert re.fullmatch(r"[A-Za-z0-9()\[\]-]+( [A-Za-z0-9()\[\]-]+)*", title)


def test_media_tool_result() -> None:
    result = ToolResultPart(
        tool_call_id="t", output=MediaOutput(data=PNG, media_type="image/png", text="shot")
    )
    call = simple(
        user_message("x"),
        assistant_message(ToolCallPart(tool_call_id="t", tool_name="computer", input="{}")),
        tool_message([result]),
    )
    block = body_of(call)["messages"][2]["content"][0]
    assert block["content"] == [
        {"type": "text", "text": "shot"},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgpyZXN0"},
        },
    ]


def test_bad_prompts() -> None:
    with pytest.raises(InvalidArgumentError):
        convert_call(simple(system_message("only system")))
    with pytest.raises(InvalidArgumentError):
        convert_call(simple(Message(role="user", content=(ReasoningPart(text="r"),))))


def test_late_system_message_warns() -> None:
    converted = convert_call(simple(user_message("a"), system_message("late")))
    assert converted.body["system"] == [{"type": "text", "text": "late"}]
    assert converted.warnings


def test_web_search_tool_wire() -> None:
    assert body_of(simple(user_message("x"), tools=(web_search_tool(),)))["tools"] == [
        {"type": "web_search_20250305", "name": "web_search"}
    ]
    tool = web_search_tool(
        max_uses=3,
        allowed_domains=["a.com"],
        user_location={"city": "Rome", "country": "IT"},
    )
    wire = body_of(simple(user_message("x"), tools=(tool,)))["tools"][0]
    assert wire == {
        "type": "web_search_20250305",
        "name": "web_search",
        "max_uses": 3,
        "allowed_domains": ["a.com"],
        "user_location": {"type": "approximate", "city": "Rome", "country": "IT"},
    }
    with pytest.raises(InvalidArgumentError):
        web_search_tool(allowed_domains=["a"], blocked_domains=["b"])


def test_computer_tool_wire_integers_and_beta() -> None:
    tool = computer_use_tool("computer_20251124", 1920.0, 1080.0, enable_zoom=True)
    converted = convert_call(simple(user_message("x"), tools=(tool,)))
    wire = converted.body["tools"][0]
    assert wire == {
        "type": "computer_20251124",
        "name": "computer",
        "display_width_px": 1920,
        "display_height_px": 1080,
        "enable_zoom": True,
    }
    assert isinstance(wire["display_width_px"], int)
    assert json.dumps(wire).count("1920.0") == 0
    assert converted.betas == ("computer-use-2025-11-24",)
    assert "tool_choice" not in converted.body
    raw = ProviderDefinedTool(
        id="anthropic.computer",
        name="computer",
        args={"version": "computer_20250124", "display_width_px": 1024.0, "display_height_px": 768},
    )
    converted = convert_call(simple(user_message("x"), tools=(raw,)))
    assert converted.body["tools"][0]["display_width_px"] == 1024
    assert converted.betas == ("computer-use-2025-01-24",)


def test_unsupported_provider_tool_warns() -> None:
    tool = ProviderDefinedTool(id="openai.web_search", name="web_search")
    converted = convert_call(simple(user_message("x"), tools=(tool,), tool_choice="auto"))
    assert "tools" not in converted.body
    assert "tool_choice" not in converted.body
    assert converted.warnings[0].type == "unsupported-tool"
