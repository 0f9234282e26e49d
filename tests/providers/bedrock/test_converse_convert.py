"""Converse request bodies (pure): prompt, media, tools, reasoning replay, cache points,
inference settings and options."""

from __future__ import annotations

import base64
import json
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
    user_message,
)
from fantasy.model import Call, ResponseFormat
from fantasy.providers.bedrock.converse.convert import build_request, document_name
from fantasy.providers.bedrock.converse.options import BedrockReasoningMetadata
from fantasy.tools import FunctionTool, ProviderDefinedTool, SpecificToolChoice

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
WEATHER = FunctionTool(
    name="weather", description="Get weather", input_schema={"type": "object", "properties": {}}
)
POINT = {"cachePoint": {"type": "default"}}
CACHE = {"bedrock": {"cache_point": True}}


def body_of(call: Call) -> tuple[dict[str, Any], list[str]]:
    body, warnings = build_request(call)
    json.dumps(body)  # always JSON-ready
    return body, [w.setting or w.message for w in warnings]


def test_system_user_assistant_and_merged_tool_results() -> None:
    prompt = [
        system_message("Be brief."),
        user_message("Weather in Rome and Paris?"),
        Message(
            role="assistant",
            content=(
                TextPart(text="Checking."),
                ToolCallPart(tool_call_id="t1", tool_name="weather", input='{"city":"Rome"}'),
                ToolCallPart(tool_call_id="t2", tool_name="weather", input=""),
            ),
        ),
        Message(
            role="tool", content=(ToolResultPart(tool_call_id="t1", output=TextOutput(text="20C")),)
        ),
        Message(
            role="tool",
            content=(ToolResultPart(tool_call_id="t2", output=ErrorOutput(error="down")),),
        ),
        user_message("Thanks"),
    ]
    body, warnings = body_of(Call(prompt=prompt, tools=(WEATHER,)))
    assert body["system"] == [{"text": "Be brief."}]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == [
        {"text": "Checking."},
        {"toolUse": {"toolUseId": "t1", "name": "weather", "input": {"city": "Rome"}}},
        {"toolUse": {"toolUseId": "t2", "name": "weather", "input": {}}},
    ]
    assert body["messages"][2]["content"] == [
        {"toolResult": {"toolUseId": "t1", "content": [{"text": "20C"}], "status": "success"}},
        {"toolResult": {"toolUseId": "t2", "content": [{"text": "down"}], "status": "error"}},
        {"text": "Thanks"},
    ]
    assert body["toolConfig"] == {
        "tools": [
            {
                "toolSpec": {
                    "name": "weather",
                    "inputSchema": {"json": {"type": "object", "properties": {}}},
                    "description": "Get weather",
                }
            }
        ]
    }
    assert warnings == []


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"auto": {}}),
        ("required", {"any": {}}),
        (SpecificToolChoice(tool_name="weather"), {"tool": {"name": "weather"}}),
    ],
)
def test_tool_choice(choice: Any, expected: dict[str, Any]) -> None:
    body, _ = body_of(Call(prompt=[user_message("hi")], tools=(WEATHER,), tool_choice=choice))
    assert body["toolConfig"]["toolChoice"] == expected


def test_tool_choice_none_drops_tools_unless_history_needs_them() -> None:
    body, warnings = body_of(
        Call(prompt=[user_message("hi")], tools=(WEATHER,), tool_choice="none")
    )
    assert "toolConfig" not in body and warnings == []
    prompt = [
        user_message("hi"),
        Message(
            role="assistant",
            content=(ToolCallPart(tool_call_id="a", tool_name="weather", input="{}"),),
        ),
        Message(
            role="tool", content=(ToolResultPart(tool_call_id="a", output=TextOutput(text="x")),)
        ),
    ]
    body, warnings = body_of(Call(prompt=prompt, tools=(WEATHER,), tool_choice="none"))
    assert "toolChoice" not in body["toolConfig"] and warnings == ["tool_choice"]


def test_provider_defined_tools_are_warned() -> None:
    tool = ProviderDefinedTool(id="anthropic.web_search", name="web_search")
    body, warnings = body_of(Call(prompt=[user_message("hi")], tools=(tool,)))
    assert "toolConfig" not in body and warnings == ["web_search"]


def test_media_blocks() -> None:
    pdf = FilePart(
        media_type="application/pdf", data=b"%PDF-1", filename="Q3 report (final).v2.pdf"
    )
    prompt = [
        Message(
            role="user",
            content=(
                FilePart(media_type="image/png", data=PNG),
                FilePart(media_type="image/*", data=PNG),
                pdf,
                FilePart(media_type="text/markdown", data=b"# hi"),
                FilePart(media_type="video/mp4", url="s3://bucket/clip.mp4"),
                FilePart(media_type="image/jpeg", url="data:image/jpeg;base64,/9j/"),
            ),
        )
    ]
    blocks = body_of(Call(prompt=prompt))[0]["messages"][0]["content"]
    encoded = base64.b64encode(PNG).decode()
    assert blocks[0] == {"image": {"format": "png", "source": {"bytes": encoded}}}
    assert blocks[1]["image"]["format"] == "png"
    assert blocks[2] == {
        "document": {
            "format": "pdf",
            "name": "Q3 report (final) v2",
            "source": {"bytes": base64.b64encode(b"%PDF-1").decode()},
        }
    }
    assert blocks[3]["document"]["format"] == "md" and blocks[3]["document"]["name"] == "document-2"
    assert blocks[4] == {
        "video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://bucket/clip.mp4"}}}
    }
    assert blocks[5]["image"]["format"] == "jpeg"


@pytest.mark.parametrize(
    "part",
    [
        FilePart(media_type="image/png", url="https://example.com/cat.png"),
        FilePart(media_type="audio/wav", data=b"RIFF"),
        FilePart(media_type="image/bmp", data=b"BM"),
        FilePart(media_type="application/zip", data=b"PK"),
    ],
)
def test_files_converse_cannot_take_are_clear_errors(part: FilePart) -> None:
    with pytest.raises(InvalidArgumentError, match="Converse"):
        build_request(Call(prompt=[Message(role="user", content=(part,))]))


def test_document_names_are_sanitised() -> None:
    assert document_name("my_file#1..final.pdf", 1) == "my file 1 final"
    assert document_name("rapport été.docx", 1) == "rapport ete"
    assert document_name("***.pdf", 3) == "document-3"
    assert document_name("a  [b]-(c).txt", 1) == "a [b]-(c)"


def test_tool_result_media() -> None:
    result = ToolResultPart(
        tool_call_id="s", output=MediaOutput(data=PNG, media_type="image/png", text="shot")
    )
    prompt = [user_message("x"), Message(role="tool", content=(result,))]
    blocks = body_of(Call(prompt=prompt))[0]["messages"][0]["content"]
    assert blocks[1]["toolResult"]["content"][0] == {"text": "shot"}
    assert blocks[1]["toolResult"]["content"][1]["image"]["format"] == "png"


def test_reasoning_replay() -> None:
    prompt = [
        user_message("think"),
        Message(
            role="assistant",
            content=(
                ReasoningPart(
                    text="hmm",
                    provider_options={"bedrock": BedrockReasoningMetadata(signature="sig")},
                ),
                ReasoningPart(text="", provider_options={"bedrock": {"redacted_content": "AAEC"}}),
                ReasoningPart(
                    text="plain", provider_options={"bedrock": BedrockReasoningMetadata()}
                ),
                ReasoningPart(text="foreign", provider_options={"anthropic": {"signature": "x"}}),
                TextPart(text="answer"),
            ),
        ),
    ]
    body, warnings = body_of(Call(prompt=prompt))
    assert body["messages"][1]["content"] == [
        {"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "sig"}}},
        {"reasoningContent": {"redactedContent": "AAEC"}},
        {"reasoningContent": {"reasoningText": {"text": "plain"}}},
        {"text": "answer"},
    ]
    assert len(warnings) == 1 and "another provider" in warnings[0]
    body, _ = body_of(Call(prompt=prompt, provider_options={"bedrock": {"send_reasoning": False}}))
    assert body["messages"][1]["content"] == [{"text": "answer"}]


def test_cache_points_on_system_messages_parts_and_tools() -> None:
    tool = FunctionTool(name="t", input_schema={"type": "object"}, provider_options=CACHE)
    prompt = [
        Message(role="system", content=(TextPart(text="long system"),), provider_options=CACHE),
        Message(
            role="user", content=(TextPart(text="doc", provider_options=CACHE), TextPart(text="q"))
        ),
        Message(role="assistant", content=(TextPart(text="a"),), provider_options=CACHE),
    ]
    body, _ = body_of(Call(prompt=prompt, tools=(tool,)))
    assert body["system"] == [{"text": "long system"}, POINT]
    assert body["messages"][0]["content"] == [{"text": "doc"}, POINT, {"text": "q"}]
    assert body["messages"][1]["content"] == [{"text": "a"}, POINT]
    assert body["toolConfig"]["tools"][1] == POINT


def test_inference_config_and_unsupported_settings() -> None:
    call = Call(
        prompt=[user_message("hi")],
        max_output_tokens=100,
        temperature=0.2,
        top_p=0.9,
        stop_sequences=("END",),
        top_k=5,
        seed=1,
    )
    body, warnings = body_of(call)
    assert body["inferenceConfig"] == {
        "maxTokens": 100,
        "temperature": 0.2,
        "topP": 0.9,
        "stopSequences": ["END"],
    }
    assert warnings == ["top_k", "seed"]


def test_call_options() -> None:
    options = {
        "bedrock": {
            "additional_model_request_fields": {"top_k": 40},
            "additional_model_response_field_paths": ["/stop_sequence"],
            "guardrail": {"identifier": "gr-1", "version": "2", "trace": "enabled"},
            "performance_latency": "optimized",
            "request_metadata": {"team": "a"},
        }
    }
    body, _ = body_of(Call(prompt=[user_message("hi")], provider_options=options))
    assert body["additionalModelRequestFields"] == {"top_k": 40}
    assert body["additionalModelResponseFieldPaths"] == ["/stop_sequence"]
    assert body["guardrailConfig"] == {
        "guardrailIdentifier": "gr-1",
        "guardrailVersion": "2",
        "trace": "enabled",
    }
    assert body["performanceConfig"] == {"latency": "optimized"}
    assert body["requestMetadata"] == {"team": "a"}
    with pytest.raises(InvalidArgumentError):
        build_request(Call(prompt=[user_message("hi")], provider_options={"bedrock": {"nope": 1}}))


def test_native_json_output_config() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    fmt = ResponseFormat(schema=schema, name="answer", description="the answer")
    body, _ = body_of(Call(prompt=[user_message("hi")], response_format=fmt))
    definition = body["outputConfig"]["textFormat"]["structure"]["jsonSchema"]
    assert body["outputConfig"]["textFormat"]["type"] == "json_schema"
    assert json.loads(definition["schema"]) == schema
    assert definition["name"] == "answer" and definition["description"] == "the answer"


def test_empty_prompt_and_wrong_parts() -> None:
    with pytest.raises(InvalidArgumentError):
        build_request(Call(prompt=[system_message("only system")]))
    with pytest.raises(InvalidArgumentError):
        build_request(
            Call(
                prompt=[
                    Message(
                        role="user",
                        content=(ToolCallPart(tool_call_id="x", tool_name="t", input="{}"),),
                    )
                ]
            )
        )
    assert assistant_message("x").role == "assistant"
