"""Call → Chat Completions body: pure conversion tests."""

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
from fantasy.providers.openai.chat import ChatHooks
from fantasy.providers.openai.chat.convert import (
    build_body,
    is_reasoning_model,
    strict_schema,
    to_messages,
    to_tool_choice,
    to_tools,
)
from fantasy.providers.openai.options import OpenAIOptions
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


def body_of(
    call: Call, model: str = "gpt-4o", *, stream: bool = False
) -> tuple[dict[str, Any], list[Any]]:
    return build_body(call, model, stream=stream, hooks=ChatHooks())


def messages_of(*messages: Message) -> list[dict[str, Any]]:
    converted, warnings = to_messages(messages, ChatHooks())
    assert warnings == []
    return converted


def test_simple_body_matches_wire_shape() -> None:
    call = Call(
        prompt=(
            system_message("You are a helpful assistant"),
            user_message("Say hi in Portuguese"),
        ),
        max_output_tokens=4000,
    )
    body, warnings = body_of(call)
    assert warnings == []
    assert body == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant"},
            {"role": "user", "content": "Say hi in Portuguese"},
        ],
        "max_tokens": 4000,
    }


def test_streaming_adds_stream_flags_only_when_streaming() -> None:
    call = Call(prompt=(user_message("hi"),))
    body, _ = body_of(call, stream=True)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    body, _ = body_of(call)
    assert "stream" not in body
    assert "stream_options" not in body


def test_tools_and_tool_choice() -> None:
    call = Call(prompt=(user_message("weather?"),), tools=(WEATHER,), tool_choice="auto")
    body, _ = body_of(call)
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "description": "Get weather information for a location",
                "parameters": WEATHER.input_schema,
                "strict": False,
            },
        }
    ]
    assert body["tool_choice"] == "auto"


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        (SpecificToolChoice("Book"), {"type": "function", "function": {"name": "Book"}}),
    ],
)
def test_tool_choice_forms(choice: Any, wire: Any) -> None:
    assert to_tool_choice(choice) == wire


def test_tool_without_description_and_provider_tools() -> None:
    tools, warnings = to_tools(
        (
            FunctionTool(name="now"),
            ProviderDefinedTool(id="anthropic.web_search", name="web_search"),
        )
    )
    assert tools == [
        {
            "type": "function",
            "function": {
                "name": "now",
                "parameters": {"type": "object", "properties": {}},
                "strict": False,
            },
        }
    ]
    assert [w.type for w in warnings] == ["unsupported-tool"]


def test_tool_choice_without_tools_is_dropped_with_warning() -> None:
    body, warnings = body_of(Call(prompt=(user_message("x"),), tool_choice="required"))
    assert "tool_choice" not in body
    assert [w.setting for w in warnings] == ["tool_choice"]


def test_assistant_replay_keeps_arguments_verbatim_and_omits_empty_content() -> None:
    assistant = assistant_message(
        ReasoningPart(text="thinking"),
        ToolCallPart(
            tool_call_id="call_1", tool_name="weather", input='{"location": "Florence,Italy"}'
        ),
    )
    results = tool_message(
        [ToolResultPart(tool_call_id="call_1", tool_name="weather", output=TextOutput(text="40 C"))]
    )
    assert messages_of(assistant, results) == [
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"location": "Florence,Italy"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "40 C"},
    ]


def test_assistant_text_is_content() -> None:
    converted = messages_of(
        assistant_message("I'll add.", ToolCallPart(tool_call_id="c", tool_name="add", input=""))
    )
    assert converted[0]["content"] == "I'll add."
    assert converted[0]["tool_calls"][0]["function"]["arguments"] == "{}"


def test_error_tool_result_is_its_text() -> None:
    converted = messages_of(
        tool_message([ToolResultPart(tool_call_id="c", output=ErrorOutput(error="boom"))])
    )
    assert converted == [{"role": "tool", "tool_call_id": "c", "content": "boom"}]


def test_media_tool_result_adds_a_user_message_with_the_image() -> None:
    results = tool_message(
        [
            ToolResultPart(tool_call_id="c1", output=MediaOutput(data=PNG, media_type="image/png")),
            ToolResultPart(tool_call_id="c2", output=TextOutput(text="ok")),
        ]
    )
    converted = messages_of(results)
    assert [m["role"] for m in converted] == ["tool", "tool", "user"]
    assert "image/png" in converted[0]["content"]
    image = converted[2]["content"][1]
    assert image["type"] == "image_url"
    assert image["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")


def test_unsupported_media_tool_result_is_text_with_warning() -> None:
    results = tool_message(
        [
            ToolResultPart(
                tool_call_id="c", output=MediaOutput(data=b"x", media_type="video/mp4", text="clip")
            )
        ]
    )
    converted, warnings = to_messages((results,), ChatHooks())
    assert converted == [{"role": "tool", "tool_call_id": "c", "content": "clip"}]
    assert len(warnings) == 1


def test_user_files() -> None:
    message = user_message(
        "Describe",
        FilePart(media_type="image/png", data=PNG, filename="wish.png"),
        FilePart(media_type="image/jpeg", url="https://img.test/a.jpg"),
        FilePart(media_type="audio/wav", data=b"RIFF"),
        FilePart(media_type="audio/mpeg", data=b"ID3"),
        FilePart(media_type="application/pdf", data=b"%PDF", filename="doc.pdf"),
        FilePart(media_type="text/plain; charset=utf-8", data="olá".encode()),
    )
    [converted] = messages_of(message)
    content = converted["content"]
    assert content[0] == {"type": "text", "text": "Describe"}
    assert content[1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAAAAAAAAA=="},
    }
    assert content[2] == {"type": "image_url", "image_url": {"url": "https://img.test/a.jpg"}}
    assert content[3] == {
        "type": "input_audio",
        "input_audio": {"data": "UklGRg==", "format": "wav"},
    }
    assert content[4]["input_audio"]["format"] == "mp3"
    assert content[5] == {
        "type": "file",
        "file": {"filename": "doc.pdf", "file_data": "data:application/pdf;base64,JVBERg=="},
    }
    assert content[6] == {"type": "text", "text": "olá"}


def test_unnamed_pdf_gets_a_filename_and_bad_files_raise() -> None:
    [converted] = messages_of(
        user_message("x", FilePart(media_type="application/pdf", data=b"%PDF"))
    )
    assert converted["content"][1]["file"]["filename"] == "part-1.pdf"
    with pytest.raises(InvalidArgumentError):
        to_messages((user_message("x", FilePart(media_type="video/mp4", data=b"v")),), ChatHooks())
    with pytest.raises(InvalidArgumentError):
        to_messages(
            (user_message("x", FilePart(media_type="audio/wav", url="https://a.test/x.wav")),),
            ChatHooks(),
        )


def test_empty_system_message_is_dropped_with_warning() -> None:
    converted, warnings = to_messages((system_message(""), user_message("hi")), ChatHooks())
    assert converted == [{"role": "user", "content": "hi"}]
    assert len(warnings) == 1


def test_tool_message_rejects_other_parts() -> None:
    with pytest.raises(InvalidArgumentError):
        to_messages((Message(role="tool", content=(TextPart(text="x"),)),), ChatHooks())


@pytest.mark.parametrize(
    ("model", "reasoning"),
    [
        ("gpt-4o", False),
        ("gpt-4o-mini", False),
        ("gpt-4.1", False),
        ("o1", True),
        ("o3-mini", True),
        ("o4-mini", True),
        ("gpt-5", True),
        ("gpt-5-mini", True),
        ("openai/gpt-5.4-nano", True),
        ("openai/gpt-oss-20b", True),
        ("grok-3-mini", False),
        ("moonshotai/kimi-k2-instruct-0905", False),
    ],
)
def test_reasoning_model_rule(model: str, reasoning: bool) -> None:
    assert is_reasoning_model(model) is reasoning


def test_reasoning_models_use_max_completion_tokens_and_drop_sampling() -> None:
    call = Call(
        prompt=(user_message("hi"),),
        max_output_tokens=100,
        temperature=0.2,
        top_p=0.9,
        presence_penalty=0.1,
        frequency_penalty=0.1,
        top_k=5,
        seed=7,
        stop_sequences=("END",),
    )
    body, warnings = body_of(call, "o4-mini")
    assert body["max_completion_tokens"] == 100
    assert "max_tokens" not in body
    for name in ("temperature", "top_p", "presence_penalty", "frequency_penalty"):
        assert name not in body
    assert body["seed"] == 7
    assert "stop" not in body  # documented as not supported by o3/o4-mini
    assert sorted(w.setting for w in warnings) == [
        "frequency_penalty",
        "presence_penalty",
        "stop_sequences",
        "temperature",
        "top_k",
        "top_p",
    ]
    body, warnings = body_of(call, "gpt-4o")
    assert body["temperature"] == 0.2
    assert body["top_p"] == 0.9
    assert body["max_tokens"] == 100
    assert [w.setting for w in warnings] == ["top_k"]


BOOK = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "author": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "nationality": {"type": "string"}},
            "required": ["name"],
        },
        "genres": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["title", "author", "genres"],
}


def test_response_format_json_schema_is_strict() -> None:
    call = Call(
        prompt=(user_message("book"),),
        response_format=ResponseFormat(schema=BOOK, name="Book", description="A book"),
    )
    body, _ = body_of(call)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Book",
            "strict": True,
            "description": "A book",
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "title": {"type": "string"},
                    "author": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string"},
                            "nationality": {"type": "string"},
                        },
                        "required": ["name", "nationality"],
                    },
                    "genres": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["title", "author", "genres"],
            },
        },
    }
    assert "additionalProperties" not in BOOK  # input untouched


def test_response_format_without_schema_is_json_object() -> None:
    body, _ = body_of(Call(prompt=(user_message("json"),), response_format=ResponseFormat()))
    assert body["response_format"] == {"type": "json_object"}


def test_strict_schema_handles_defs_and_any_of() -> None:
    schema = {
        "type": "object",
        "properties": {
            "x": {"anyOf": [{"$ref": "#/$defs/P"}, {"type": "null"}]},
            "y": {"type": "object", "default": {"type": "object", "properties": {}}},
        },
        "$defs": {"P": {"type": "object", "properties": {"a": {"type": "integer"}}}},
    }
    strict = strict_schema(schema)
    assert strict["$defs"]["P"]["additionalProperties"] is False
    assert strict["$defs"]["P"]["required"] == ["a"]
    assert strict["required"] == ["x", "y"]
    assert strict["properties"]["y"]["default"] == {"type": "object", "properties": {}}
    assert strict["properties"]["y"]["additionalProperties"] is False


def test_provider_options_only_set_keys() -> None:
    options = OpenAIOptions(
        reasoning_effort="high",
        parallel_tool_calls=False,
        user="u1",
        service_tier="flex",
        store=False,
        metadata={"k": "v"},
        prompt_cache_key="pc",
        safety_identifier="sid",
        text_verbosity="low",
        prediction={"type": "content", "content": "x"},
        max_completion_tokens=50,
    )
    call = Call(
        prompt=(user_message("hi"),), max_output_tokens=10, provider_options={"openai": options}
    )
    body, warnings = body_of(call)
    assert warnings == []
    assert body == {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": 50,
        "reasoning_effort": "high",
        "parallel_tool_calls": False,
        "user": "u1",
        "service_tier": "flex",
        "store": False,
        "metadata": {"k": "v"},
        "prompt_cache_key": "pc",
        "safety_identifier": "sid",
        "verbosity": "low",
        "prediction": {"type": "content", "content": "x"},
    }


def test_options_as_dict_and_logprobs() -> None:
    call = Call(
        prompt=(user_message("hi"),),
        provider_options={"openai": {"top_logprobs": 3, "logit_bias": {"50256": -100}}},
    )
    body, warnings = body_of(call)
    assert body["logprobs"] is True
    assert body["top_logprobs"] == 3
    assert body["logit_bias"] == {"50256": -100}
    assert warnings == []
    body, warnings = body_of(call, "gpt-5")
    assert "logprobs" not in body
    assert "logit_bias" not in body
    assert sorted(w.setting for w in warnings) == ["logit_bias", "logprobs", "top_logprobs"]


def test_reasoning_effort_option() -> None:
    call = Call(
        prompt=(user_message("hi"),), provider_options={"openai": {"reasoning_effort": "high"}}
    )
    body, _ = body_of(call, "gpt-5-mini")
    assert body["reasoning_effort"] == "high"
    assert "max_completion_tokens" not in body


def test_bad_options_raise() -> None:
    call = Call(
        prompt=(user_message("hi"),), provider_options={"openai": {"reasoning_efort": "high"}}
    )
    with pytest.raises(InvalidArgumentError):
        body_of(call)


class ExtraHooks(ChatHooks):
    def message_extras(self, message: Message, converted: dict[str, Any]) -> None:
        if message.provider_options.get("mark"):
            converted["cache_control"] = {"type": "ephemeral"}

    def tool_call_extras(self, part: ToolCallPart, converted: Any, message: Message) -> None:
        converted["cache_control"] = {"type": "ephemeral"}


def test_hooks_add_message_and_tool_call_keys() -> None:
    prompt = (
        system_message("sys", mark=True),
        assistant_message(ToolCallPart(tool_call_id="c", tool_name="t", input="{}")),
    )
    converted, _ = to_messages(prompt, ExtraHooks())
    assert converted[0] == {
        "role": "system",
        "content": "sys",
        "cache_control": {"type": "ephemeral"},
    }
    assert converted[1]["tool_calls"][0]["cache_control"] == {"type": "ephemeral"}
