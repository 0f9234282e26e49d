import json

import pytest

from fantasy.content import ReasoningContent, SourceContent, TextContent, ToolCallContent
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
from fantasy.options import ProviderData
from fantasy.response import Response, ResponseInfo
from fantasy.usage import CallWarning, FinishReason, Usage


class SigMeta(ProviderData):
    type_id = "testprov.reasoning"
    signature: str


def roundtrip(message: Message) -> Message:
    return Message.from_dict(json.loads(json.dumps(message.to_dict())))


def test_every_part_round_trips_through_json() -> None:
    messages = [
        system_message("sys"),
        user_message(
            "look",
            FilePart(data=b"\x89PNG\x00", media_type="image/png", filename="a.png"),
            FilePart(url="https://example.com/a.pdf", media_type="application/pdf"),
        ),
        assistant_message(
            ReasoningPart(text="hmm", provider_options={"testprov": SigMeta(signature="s1")}),
            "answer",
            ToolCallPart(tool_call_id="c1", tool_name="t", input='{"b":3,"a":2}'),
        ),
        tool_message(
            [
                ToolResultPart(tool_call_id="c1", output=TextOutput(text="5")),
                ToolResultPart(tool_call_id="c2", output=ErrorOutput(error="boom")),
                ToolResultPart(
                    tool_call_id="c3",
                    output=MediaOutput(data=b"img", media_type="image/png", text="shot"),
                    client_metadata={"k": 1},
                ),
            ]
        ),
        Message(role="user", content=(TextPart(text="x"),), provider_options={"p": {"a": 1}}),
    ]
    for message in messages:
        assert roundtrip(message) == message
    reasoning = roundtrip(messages[2]).content[0]
    assert isinstance(reasoning, ReasoningPart)
    assert isinstance(reasoning.provider_options["testprov"], SigMeta)


def test_unknown_provider_type_is_rejected() -> None:
    data = system_message("s").to_dict()
    data["provider_options"] = {"x": {"type": "nope.unknown", "data": {}}}
    with pytest.raises(InvalidArgumentError, match="unknown provider data type"):
        Message.from_dict(data)


def test_bad_role_and_file_part_are_rejected() -> None:
    with pytest.raises(InvalidArgumentError):
        Message(role="robot", content=())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        FilePart(media_type="image/png")
    with pytest.raises(InvalidArgumentError):
        FilePart(media_type="image/png", data=b"x", url="https://x")


def test_response_round_trips() -> None:
    response = Response(
        content=(
            ReasoningContent(text="", provider_metadata={"testprov": SigMeta(signature="z")}),
            TextContent(text="hi"),
            ToolCallContent(
                tool_call_id="1", tool_name="t", input="{}", invalid=True, validation_error="bad"
            ),
            SourceContent(url="https://a", title="A"),
        ),
        finish_reason=FinishReason.TOOL_CALLS,
        raw_finish_reason="tool_use",
        usage=Usage.of(input_tokens=1, output_tokens=2),
        warnings=(CallWarning.unsupported("seed"),),
        info=ResponseInfo(id="r", model_id="m"),
    )
    again = Response.from_dict(json.loads(json.dumps(response.to_dict())))
    assert again == response
    assert again.text == "hi"
