"""Call → Responses API request body: input items, tools, text format, options, warnings."""

from __future__ import annotations

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
from fantasy.providers.openai import (
    OpenAIOptions,
    OpenAIResponsesItemMetadata,
    OpenAIResponsesReasoningMetadata,
    web_search_tool,
)
from fantasy.providers.openai.chat import ChatHooks
from fantasy.providers.openai.chat.convert import build_body as build_chat_body
from fantasy.providers.openai.responses import build_body, uses_developer_role
from fantasy.tools import FunctionTool, ProviderDefinedTool, SpecificToolChoice

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
WEATHER = FunctionTool(
    name="weather",
    description="Get weather information for a location",
    input_schema={
        "type": "object",
        "properties": {"location": {"type": "string", "description": "the city"}},
        "required": ["location"],
    },
)


def body_of(call: Call, model_id: str = "gpt-4o", stream: bool = False) -> dict[str, Any]:
    body, _ = build_body(call, model_id, stream=stream)
    return body


def settings(warnings: list[Any]) -> list[str]:
    return [w.setting for w in warnings]


# --- system and user ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_id", "role"),
    [
        ("gpt-4o", "system"),
        ("gpt-4.1", "system"),
        ("gpt-5", "developer"),
        ("gpt-5-mini", "developer"),
        ("o4-mini", "developer"),
        ("gpt-5-chat-latest", "system"),
    ],
)
def test_system_role_depends_on_reasoning_models(model_id: str, role: str) -> None:
    call = Call(prompt=[system_message("Be brief"), user_message("Hi")])
    assert uses_developer_role(model_id) == (role == "developer")
    assert body_of(call, model_id) == {
        "model": model_id,
        "input": [
            {"role": role, "content": "Be brief"},
            {"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
        ],
        "store": False,
    }


def test_streaming_adds_only_stream_true() -> None:
    body = body_of(Call(prompt=[user_message("Hi")], max_output_tokens=4000), stream=True)
    assert body["stream"] is True
    assert body["max_output_tokens"] == 4000
    assert "stream_options" not in body


def test_user_files() -> None:
    files = (
        FilePart(media_type="image/png", data=PNG),
        FilePart(media_type="image/jpeg", url="https://example.org/a.jpg"),
        FilePart(media_type="application/pdf", data=b"%PDF-1", filename="doc.pdf"),
        FilePart(media_type="application/pdf", url="https://example.org/b.pdf"),
        FilePart(media_type="text/plain", data=b"plain notes"),
    )
    body = body_of(Call(prompt=[user_message("Look", *files)]))
    content = body["input"][0]["content"]
    assert content[0] == {"type": "input_text", "text": "Look"}
    assert content[1]["type"] == "input_image"
    assert content[1]["image_url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert content[2] == {"type": "input_image", "image_url": "https://example.org/a.jpg"}
    assert content[3] == {
        "type": "input_file",
        "filename": "doc.pdf",
        "file_data": "data:application/pdf;base64,JVBERi0x",
    }
    assert content[4] == {"type": "input_file", "file_url": "https://example.org/b.pdf"}
    assert content[5] == {"type": "input_text", "text": "plain notes"}


def test_unsupported_user_file_is_an_error() -> None:
    call = Call(prompt=[user_message("Hear", FilePart(media_type="audio/wav", data=b"RIFF"))])
    with pytest.raises(InvalidArgumentError, match="audio/wav"):
        build_body(call, "gpt-4o", stream=False)


def test_empty_messages_are_dropped_with_a_warning() -> None:
    call = Call(prompt=[system_message(""), user_message("Hi")])
    body, warnings = build_body(call, "gpt-4o", stream=False)
    assert body["input"] == [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}]
    assert [w.message for w in warnings] == ["empty system message dropped"]


# --- assistant and tool messages ---------------------------------------------------------------


def agent_history(store_metadata: bool = True) -> list[Message]:
    search_meta = {"openai": OpenAIResponsesItemMetadata(item_id="ws_1")} if store_metadata else {}
    reasoning_meta = {
        "openai": OpenAIResponsesReasoningMetadata(
            item_id="rs_1", encrypted_content="enc", summary=["s"]
        )
    }
    return [
        user_message("Weather?"),
        assistant_message(
            ReasoningPart(text="s", provider_options=reasoning_meta),
            ToolCallPart(
                tool_call_id="ws_1",
                tool_name="web_search",
                input='{"type":"search"}',
                provider_executed=True,
                provider_options=search_meta,
            ),
            ToolResultPart(
                tool_call_id="ws_1",
                tool_name="web_search",
                output=TextOutput(text='{"status":"completed"}'),
                provider_executed=True,
            ),
            "Let me check.",
            ToolCallPart(
                tool_call_id="call_1", tool_name="weather", input='{"location": "Florence,Italy"}'
            ),
            ToolCallPart(tool_call_id="call_2", tool_name="weather", input=""),
        ),
        tool_message(
            [
                ToolResultPart(tool_call_id="call_1", output=TextOutput(text="40 C")),
                ToolResultPart(tool_call_id="call_2", output=ErrorOutput(error="no city")),
            ]
        ),
    ]


def test_assistant_replay_without_store() -> None:
    body, warnings = build_body(Call(prompt=agent_history()), "gpt-5", stream=False)
    assert body["input"][1:] == [
        {"role": "assistant", "content": [{"type": "output_text", "text": "Let me check."}]},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "weather",
            "arguments": '{"location": "Florence,Italy"}',
        },
        {"type": "function_call", "call_id": "call_2", "name": "weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "40 C"},
        {"type": "function_call_output", "call_id": "call_2", "output": "no city"},
    ]
    assert warnings == []


def test_assistant_replay_with_store_references_provider_items() -> None:
    call = Call(prompt=agent_history(), provider_options={"openai": {"store": True}})
    body = body_of(call, "gpt-5")
    assert body["store"] is True
    assert body["input"][1] == {"type": "item_reference", "id": "ws_1"}
    assert body["input"][2]["role"] == "assistant"


def test_stored_provider_call_without_item_id_warns() -> None:
    call = Call(
        prompt=agent_history(store_metadata=False), provider_options={"openai": {"store": True}}
    )
    body, warnings = build_body(call, "gpt-5", stream=False)
    assert all(item.get("type") != "item_reference" for item in body["input"])
    assert any("without an item id" in w.message for w in warnings)


def test_text_parts_around_tool_calls_keep_their_order() -> None:
    message = assistant_message(
        "before", ToolCallPart(tool_call_id="c", tool_name="f", input="{}"), "after"
    )
    body = body_of(Call(prompt=[user_message("go"), message]))
    assert [item.get("role", item.get("type")) for item in body["input"]] == [
        "user",
        "assistant",
        "function_call",
        "assistant",
    ]


def test_media_tool_results() -> None:
    results = tool_message(
        [
            ToolResultPart(
                tool_call_id="c1", output=MediaOutput(data=PNG, media_type="image/png", text="shot")
            ),
            ToolResultPart(
                tool_call_id="c2", output=MediaOutput(data=b"RIFF", media_type="audio/wav")
            ),
        ]
    )
    body, warnings = build_body(Call(prompt=[user_message("go"), results]), "gpt-4o", stream=False)
    image_output, audio_output = (item["output"] for item in body["input"][1:])
    assert image_output[0] == {"type": "input_text", "text": "shot"}
    assert image_output[1]["type"] == "input_image"
    assert image_output[1]["image_url"].startswith("data:image/png;base64,")
    assert audio_output == "[audio/wav result omitted]"
    assert "c2" in warnings[0].message


def test_bad_parts_are_errors() -> None:
    with pytest.raises(InvalidArgumentError):
        build_body(
            Call(prompt=[Message(role="tool", content=(TextPart(text="x"),))]),
            "gpt-4o",
            stream=False,
        )


# --- tools, tool choice, text format -------------------------------------------------------------


def test_function_tools_are_flat_and_not_strict() -> None:
    body = body_of(Call(prompt=[user_message("Hi")], tools=(WEATHER,), tool_choice="auto"))
    assert body["tools"] == [
        {
            "type": "function",
            "name": "weather",
            "description": "Get weather information for a location",
            "parameters": WEATHER.input_schema,
            "strict": False,
        }
    ]
    assert body["tool_choice"] == "auto"


def test_web_search_tool() -> None:
    plain = body_of(Call(prompt=[user_message("Hi")], tools=(web_search_tool(),)))
    assert plain["tools"] == [{"type": "web_search"}]
    tool = web_search_tool(
        search_context_size="low", allowed_domains=["example.org"], user_location={"country": "IT"}
    )
    assert tool.id == "openai.web_search" and tool.name == "web_search"
    body = body_of(
        Call(
            prompt=[user_message("Hi")],
            tools=(WEATHER, tool),
            tool_choice=SpecificToolChoice("web_search"),
        )
    )
    assert body["tools"][1] == {
        "type": "web_search",
        "search_context_size": "low",
        "filters": {"allowed_domains": ["example.org"]},
        "user_location": {"type": "approximate", "country": "IT"},
    }
    assert body["tool_choice"] == {"type": "web_search"}
    with pytest.raises(InvalidArgumentError):
        web_search_tool(search_context_size="huge")  # type: ignore[arg-type]


def test_specific_function_choice_and_unsupported_tools() -> None:
    other = ProviderDefinedTool(id="anthropic.web_search", name="web_search")
    body, warnings = build_body(
        Call(
            prompt=[user_message("Hi")],
            tools=(WEATHER, other),
            tool_choice=SpecificToolChoice("weather"),
        ),
        "gpt-4o",
        stream=False,
    )
    assert body["tool_choice"] == {"type": "function", "name": "weather"}
    assert len(body["tools"]) == 1
    assert warnings[0].type == "unsupported-tool"


def test_tool_choice_without_tools_warns() -> None:
    body, warnings = build_body(
        Call(prompt=[user_message("Hi")], tool_choice="required"), "gpt-4o", stream=False
    )
    assert "tool_choice" not in body and "tools" not in body
    assert settings(warnings) == ["tool_choice"]


def test_json_schema_text_format() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "author": {"type": "object", "properties": {"n": {"type": "string"}}},
        },
        "required": ["name", "author"],
    }
    format_ = ResponseFormat(schema=schema, name="Book", description="A book")
    body = body_of(Call(prompt=[user_message("Go")], response_format=format_))
    assert body["text"] == {
        "format": {
            "type": "json_schema",
            "name": "Book",
            "schema": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "author": {
                        "type": "object",
                        "properties": {"n": {"type": "string"}},
                        "additionalProperties": False,
                        "required": ["n"],
                    },
                },
                "required": ["name", "author"],
                "additionalProperties": False,
            },
        }
    }
    plain = body_of(Call(prompt=[user_message("Go")], response_format=ResponseFormat()))
    assert plain["text"] == {"format": {"type": "json_object"}}


# --- settings and options ------------------------------------------------------------------------


def test_summary_thinking_options() -> None:
    options = {
        "openai": {
            "include": ["reasoning.encrypted_content"],
            "reasoning_effort": "high",
            "reasoning_summary": "auto",
        }
    }
    body, warnings = build_body(
        Call(prompt=[user_message("Hi")], provider_options=options), "gpt-5", stream=False
    )
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert warnings == []


def test_plain_options_and_verbosity() -> None:
    options = OpenAIOptions(
        parallel_tool_calls=False,
        user="u1",
        service_tier="flex",
        metadata={"k": "v"},
        prompt_cache_key="pk",
        safety_identifier="sid",
        previous_response_id="resp_0",
        truncation="auto",
        instructions="Be nice",
        max_tool_calls=3,
        text_verbosity="low",
        max_completion_tokens=77,
        top_logprobs=2,
    )
    format_ = ResponseFormat(schema={"type": "object", "properties": {}})
    call = Call(
        prompt=[user_message("Hi")],
        max_output_tokens=10,
        response_format=format_,
        provider_options={"openai": options},
    )
    body = body_of(call)
    for key, value in {
        "parallel_tool_calls": False,
        "user": "u1",
        "service_tier": "flex",
        "metadata": {"k": "v"},
        "prompt_cache_key": "pk",
        "safety_identifier": "sid",
        "previous_response_id": "resp_0",
        "truncation": "auto",
        "instructions": "Be nice",
        "max_tool_calls": 3,
        "max_output_tokens": 77,
        "top_logprobs": 2,
        "include": ["message.output_text.logprobs"],
    }.items():
        assert body[key] == value, key
    assert body["text"]["verbosity"] == "low"
    assert body["text"]["format"]["type"] == "json_schema"


def test_chat_only_options_warn() -> None:
    options = {"openai": {"logit_bias": {"1": 2}, "prediction": {"type": "content"}}}
    body, warnings = build_body(
        Call(prompt=[user_message("Hi")], provider_options=options), "gpt-4o", stream=False
    )
    assert "logit_bias" not in body and "prediction" not in body
    assert settings(warnings) == ["logit_bias", "prediction"]


def test_unknown_option_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError):
        build_body(
            Call(prompt=[user_message("Hi")], provider_options={"openai": {"nope": 1}}),
            "gpt-4o",
            stream=False,
        )


def test_sampling_settings() -> None:
    call = Call(
        prompt=[user_message("Hi")],
        temperature=0.3,
        top_p=0.9,
        top_k=4,
        seed=1,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        stop_sequences=("END",),
    )
    body, warnings = build_body(call, "gpt-4o", stream=False)
    assert (body["temperature"], body["top_p"]) == (0.3, 0.9)
    assert settings(warnings) == [
        "presence_penalty",
        "frequency_penalty",
        "seed",
        "top_k",
        "stop_sequences",
    ]
    for key in ("seed", "stop", "top_k", "presence_penalty", "frequency_penalty"):
        assert key not in body
    reasoning_body, reasoning_warnings = build_body(call, "o4-mini", stream=False)
    assert "temperature" not in reasoning_body and "top_p" not in reasoning_body
    assert settings(reasoning_warnings)[:2] == ["temperature", "top_p"]


def test_chat_completions_warn_on_responses_only_options() -> None:
    options = {"openai": {"include": ["reasoning.encrypted_content"], "reasoning_summary": "auto"}}
    body, warnings = build_chat_body(
        Call(prompt=[user_message("Hi")], provider_options=options),
        "gpt-5",
        stream=False,
        hooks=ChatHooks(),
    )
    assert "include" not in body and "reasoning_summary" not in body
    assert settings(warnings) == ["include", "reasoning_summary"]
