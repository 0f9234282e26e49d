"""Call → Gemini request body."""

from __future__ import annotations

import base64
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
from fantasy.providers.google import GoogleProviderOptions, GoogleReasoningMetadata
from fantasy.providers.google.convert import build_request
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
PNG = b"\x89PNG\r\n\x1a\n rest of the image"


def _sig(signature: str) -> dict[str, Any]:
    return {"google": GoogleReasoningMetadata(signature=signature)}


def _turn() -> list[Message]:
    """A tool round trip: thoughts, a signed call, an unsigned call, their results."""
    return [
        system_message("You are a helpful assistant"),
        user_message("Weather in Florence and Rome?"),
        assistant_message(
            ReasoningPart(text="I should look both up.", provider_options=_sig("c2ln")),
            ToolCallPart(tool_call_id="1", tool_name="weather", input='{"location": "Florence"}'),
            ToolCallPart(tool_call_id="2", tool_name="weather", input='{"location":"Rome"}'),
        ),
        tool_message(
            [
                ToolResultPart(tool_call_id="1", output=TextOutput(text="40 C")),
                ToolResultPart(tool_call_id="2", output=ErrorOutput(error="no data")),
            ]
        ),
    ]


def test_simple_call_body() -> None:
    call = Call(
        prompt=(system_message("You are a helpful assistant"), user_message("Say hi")),
        max_output_tokens=4000,
    )
    body, warnings = build_request(call)
    assert body == {
        "contents": [{"role": "user", "parts": [{"text": "Say hi"}]}],
        "systemInstruction": {"parts": [{"text": "You are a helpful assistant"}], "role": "user"},
        "generationConfig": {"maxOutputTokens": 4000},
    }
    assert warnings == []


def test_tool_round_trip_replays_signature_on_first_call_only() -> None:
    call = Call(prompt=tuple(_turn()), tools=(WEATHER,), tool_choice="auto")
    body, _ = build_request(call)
    assert body["contents"][1:] == [
        {
            "role": "model",
            "parts": [
                {
                    "functionCall": {
                        "id": "1",
                        "name": "weather",
                        "args": {"location": "Florence"},
                    },
                    "thoughtSignature": "c2ln",
                },
                {"functionCall": {"id": "2", "name": "weather", "args": {"location": "Rome"}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "id": "1",
                        "name": "weather",
                        "response": {"result": "40 C"},
                    }
                },
                {
                    "functionResponse": {
                        "id": "2",
                        "name": "weather",
                        "response": {"error": "no data"},
                    }
                },
            ],
        },
    ]
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "weather",
                    "description": "Get weather information for a location",
                    "parameters": {
                        "type": "OBJECT",
                        "properties": {"location": {"type": "STRING", "description": "the city"}},
                        "required": ["location"],
                    },
                }
            ]
        }
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    assert "generationConfig" not in body


def test_vertex_omits_function_ids() -> None:
    body, _ = build_request(Call(prompt=tuple(_turn())), vertex=True)
    model, results = body["contents"][1], body["contents"][2]
    assert all("id" not in part["functionCall"] for part in model["parts"])
    assert all("id" not in part["functionResponse"] for part in results["parts"])


def test_signature_without_thought_text_and_trailing_signature() -> None:
    call = Call(
        prompt=(
            user_message("hi"),
            assistant_message(
                ReasoningPart(text="", provider_options=_sig("first")),
                TextPart(text="Hello"),
                TextPart(text=" again"),
                ReasoningPart(text="", provider_options={"google": {"signature": "last"}}),
            ),
            user_message("bye"),
        )
    )
    body, _ = build_request(call)
    assert body["contents"][1] == {
        "role": "model",
        "parts": [
            {"text": "Hello", "thoughtSignature": "first"},
            {"text": " again"},
            {"text": "", "thoughtSignature": "last"},
        ],
    }


def test_reasoning_without_google_metadata_is_not_sent() -> None:
    call = Call(
        prompt=(
            user_message("hi"),
            assistant_message(
                ReasoningPart(text="thinking", provider_options={"anthropic": {"x": 1}}),
                TextPart(text="Hello"),
            ),
        )
    )
    body, _ = build_request(call)
    assert body["contents"][1] == {"role": "model", "parts": [{"text": "Hello"}]}


def test_files_inline_and_by_uri() -> None:
    message = user_message(
        "Describe",
        FilePart(media_type="image/png", data=PNG, filename="a.png"),
        FilePart(media_type="application/pdf", url="gs://bucket/doc.pdf"),
        FilePart(media_type="image/*", data=PNG),
        FilePart(media_type="audio/wav", url="data:audio/wav;base64,UklGRg=="),
    )
    body, _ = build_request(Call(prompt=(message,)))
    encoded = base64.b64encode(PNG).decode()
    assert body["contents"][0]["parts"] == [
        {"text": "Describe"},
        {"inlineData": {"mimeType": "image/png", "data": encoded}},
        {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://bucket/doc.pdf"}},
        {"inlineData": {"mimeType": "image/png", "data": encoded}},
        {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
    ]


def test_media_tool_result_goes_in_function_response_parts() -> None:
    call = Call(
        prompt=(
            user_message("screenshot please"),
            assistant_message(ToolCallPart(tool_call_id="c1", tool_name="shot", input="{}")),
            tool_message(
                [
                    ToolResultPart(
                        tool_call_id="c1",
                        output=MediaOutput(data=PNG, media_type="image/png", text="the screen"),
                    )
                ]
            ),
        )
    )
    body, _ = build_request(call)
    assert body["contents"][1] == {
        "role": "model",
        "parts": [{"functionCall": {"id": "c1", "name": "shot"}}],
    }
    assert body["contents"][2]["parts"][0] == {
        "functionResponse": {
            "id": "c1",
            "name": "shot",
            "response": {"result": "the screen"},
            "parts": [
                {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}}
            ],
        }
    }


def test_tool_result_without_call_uses_its_tool_name_or_fails() -> None:
    named = ToolResultPart(tool_call_id="x", tool_name="weather", output=TextOutput(text="ok"))
    body, _ = build_request(Call(prompt=(user_message("q"), tool_message([named]))))
    assert body["contents"][1]["parts"][0]["functionResponse"]["name"] == "weather"
    anonymous = ToolResultPart(tool_call_id="x", output=TextOutput(text="ok"))
    with pytest.raises(InvalidArgumentError, match="function name"):
        build_request(Call(prompt=(user_message("q"), tool_message([anonymous]))))


def test_tool_call_input_must_be_a_json_object() -> None:
    bad = assistant_message(ToolCallPart(tool_call_id="1", tool_name="w", input="not json"))
    with pytest.raises(InvalidArgumentError, match="not JSON"):
        build_request(Call(prompt=(user_message("q"), bad)))


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        (SpecificToolChoice("weather"), {"mode": "ANY", "allowedFunctionNames": ["weather"]}),
    ],
)
def test_tool_choice(choice: Any, expected: dict[str, Any]) -> None:
    body, _ = build_request(Call(prompt=(user_message("q"),), tools=(WEATHER,), tool_choice=choice))
    assert body["toolConfig"] == {"functionCallingConfig": expected}


def test_tool_choice_of_unknown_tool_is_an_error() -> None:
    call = Call(prompt=(user_message("q"),), tools=(WEATHER,), tool_choice=SpecificToolChoice("x"))
    with pytest.raises(InvalidArgumentError):
        build_request(call)


def test_no_tool_choice_sends_no_tool_config() -> None:
    body, _ = build_request(Call(prompt=(user_message("q"),), tools=(WEATHER,)))
    assert "toolConfig" not in body


def test_builtin_and_unknown_provider_tools() -> None:
    tools = (
        ProviderDefinedTool(id="google.google_search", name="google_search"),
        ProviderDefinedTool(id="anthropic.web_search", name="web_search"),
    )
    body, warnings = build_request(Call(prompt=(user_message("q"),), tools=tools))
    assert body["tools"] == [{"googleSearch": {}}]
    assert [(w.type, w.setting) for w in warnings] == [("unsupported-tool", "web_search")]


def test_generation_config_and_options() -> None:
    call = Call(
        prompt=(user_message("q"),),
        max_output_tokens=100,
        temperature=0.5,
        top_p=0.9,
        top_k=40,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        stop_sequences=("END",),
        seed=7,
        provider_options={
            "google": {
                "thinking_config": {"thinking_budget": 100, "include_thoughts": True},
                "safety_settings": [
                    {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}
                ],
                "cached_content": "cachedContents/abc",
            }
        },
    )
    body, warnings = build_request(call)
    assert body["generationConfig"] == {
        "maxOutputTokens": 100,
        "temperature": 0.5,
        "topP": 0.9,
        "topK": 40,
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.2,
        "stopSequences": ["END"],
        "seed": 7,
        "thinkingConfig": {"includeThoughts": True, "thinkingBudget": 128},
    }
    assert body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}
    ]
    assert body["cachedContent"] == "cachedContents/abc"
    assert warnings == []


@pytest.mark.parametrize(("budget", "sent"), [(0, 0), (-1, -1), (1, 128), (127, 128), (2048, 2048)])
def test_thinking_budget_floor(budget: int, sent: int) -> None:
    options = GoogleProviderOptions.model_validate({"thinking_config": {"thinking_budget": budget}})
    body, _ = build_request(Call(prompt=(user_message("q"),), provider_options={"google": options}))
    assert body["generationConfig"] == {"thinkingConfig": {"thinkingBudget": sent}}


def test_thinking_level() -> None:
    options = {"google": {"thinking_config": {"thinking_level": "high", "include_thoughts": True}}}
    body, _ = build_request(Call(prompt=(user_message("q"),), provider_options=options))
    assert body["generationConfig"] == {
        "thinkingConfig": {"includeThoughts": True, "thinkingLevel": "HIGH"}
    }


def test_misspelt_option_is_an_error() -> None:
    with pytest.raises(InvalidArgumentError):
        build_request(
            Call(prompt=(user_message("q"),), provider_options={"google": {"thinking": {}}})
        )


def test_labels_are_vertex_only() -> None:
    call = Call(prompt=(user_message("q"),), provider_options={"google": {"labels": {"a": "b"}}})
    body, warnings = build_request(call, vertex=True)
    assert body["labels"] == {"a": "b"}
    body, warnings = build_request(call)
    assert "labels" not in body
    assert [w.setting for w in warnings] == ["labels"]


def test_object_mode_sends_json_schema() -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "description": "The person's name"}},
        "required": ["name"],
    }
    call = Call(
        prompt=(user_message("Alice"),),
        max_output_tokens=4000,
        response_format=ResponseFormat(schema=schema, name="Person", description="A person"),
    )
    body, _ = build_request(call)
    assert body == {
        "contents": [{"role": "user", "parts": [{"text": "Alice"}]}],
        "generationConfig": {
            "maxOutputTokens": 4000,
            "responseMimeType": "application/json",
            "responseJsonSchema": schema,
        },
    }


def test_late_system_message_is_merged_with_a_warning() -> None:
    call = Call(prompt=(user_message("q"), system_message("be brief")))
    body, warnings = build_request(call)
    assert body["systemInstruction"] == {"parts": [{"text": "be brief"}], "role": "user"}
    assert len(warnings) == 1


def test_empty_values_are_never_sent() -> None:
    call = Call(
        prompt=(user_message(""), assistant_message(TextPart(text="")), user_message("q")),
        tools=(FunctionTool(name="ping"),),
        tool_choice="auto",
    )
    body, _ = build_request(call)
    assert body == {
        "contents": [{"role": "user", "parts": [{"text": "q"}]}],
        "tools": [{"functionDeclarations": [{"name": "ping"}]}],
        "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
    }


# (name, google options, vertex, expected body subset, warned settings)
REQUEST_EXTRAS: list[tuple[str, dict[str, Any], bool, dict[str, Any], list[str]]] = [
    (
        "extra_body adds a new field",
        {"extra_body": {"serviceTier": "flex"}},
        False,
        {"serviceTier": "flex"},
        [],
    ),
    (
        "extra_body merges into an object fantasy built",
        {"extra_body": {"generationConfig": {"mediaResolution": "MEDIA_RESOLUTION_LOW"}}},
        False,
        {"generationConfig": {"maxOutputTokens": 50, "mediaResolution": "MEDIA_RESOLUTION_LOW"}},
        [],
    ),
    (
        "streamed arguments on Vertex",
        {"stream_function_call_arguments": True},
        True,
        {"toolConfig": {"functionCallingConfig": {"streamFunctionCallArguments": True}}},
        [],
    ),
    (
        "streamed arguments are Vertex only",
        {"stream_function_call_arguments": True},
        False,
        {},
        ["stream_function_call_arguments"],
    ),
]


@pytest.mark.parametrize(
    ("options", "vertex", "expected", "warned"),
    [case[1:] for case in REQUEST_EXTRAS],
    ids=[case[0] for case in REQUEST_EXTRAS],
)
def test_request_extras(
    options: dict[str, Any], vertex: bool, expected: dict[str, Any], warned: list[str]
) -> None:
    call = Call(
        prompt=(user_message("hi"),),
        max_output_tokens=50,
        tools=(WEATHER,),
        provider_options={"google": options},
    )
    body, warnings = build_request(call, vertex=vertex)
    for key, value in expected.items():
        assert body[key] == value  # type: ignore[literal-required]
    assert [w.setting for w in warnings] == warned


def test_streamed_arguments_keep_the_tool_choice() -> None:
    call = Call(
        prompt=(user_message("hi"),),
        tools=(WEATHER,),
        tool_choice="required",
        provider_options={"google": {"stream_function_call_arguments": True}},
    )
    body, _ = build_request(call, vertex=True)
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "streamFunctionCallArguments": True}
    }
