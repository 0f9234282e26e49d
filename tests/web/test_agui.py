"""The AG-UI adapter: a recorded run event by event, RunAgentInput shapes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

pytest.importorskip("ag_ui", reason="the ag-ui-protocol package (extra 'web') is not installed")

from _web_runs import recorded_events
from ag_ui import core

from fantasy import stream
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    TextOutput,
    ToolCallPart,
    ToolResultPart,
)
from fantasy.retry import Retry
from fantasy.web import agui
from fantasy.web._common import INTERRUPTED, RequestError

RECORDED: list[dict[str, Any]] = [
    {"type": "RUN_STARTED", "threadId": "t1", "runId": "r1"},
    {"type": "STEP_STARTED", "stepName": "step 1"},
    {"type": "REASONING_START", "messageId": "r1-reasoning-1"},
    {"type": "REASONING_MESSAGE_START", "messageId": "r1-reasoning-1", "role": "reasoning"},
    {
        "type": "REASONING_MESSAGE_CONTENT",
        "messageId": "r1-reasoning-1",
        "delta": "The user wants ",
    },
    {"type": "REASONING_MESSAGE_CONTENT", "messageId": "r1-reasoning-1", "delta": "the weather."},
    {"type": "REASONING_MESSAGE_END", "messageId": "r1-reasoning-1"},
    {"type": "REASONING_END", "messageId": "r1-reasoning-1"},
    {"type": "TEXT_MESSAGE_START", "messageId": "r1-text-2", "role": "assistant"},
    {"type": "TEXT_MESSAGE_CONTENT", "messageId": "r1-text-2", "delta": "Let me check."},
    {"type": "TEXT_MESSAGE_END", "messageId": "r1-text-2"},
    {
        "type": "TOOL_CALL_START",
        "toolCallId": "call_1",
        "toolCallName": "weather",
        "parentMessageId": "r1-text-2",
    },
    {"type": "TOOL_CALL_ARGS", "toolCallId": "call_1", "delta": '{"location": '},
    {"type": "TOOL_CALL_ARGS", "toolCallId": "call_1", "delta": '"Rome"}'},
    {"type": "TOOL_CALL_END", "toolCallId": "call_1"},
    {
        "type": "TOOL_CALL_RESULT",
        "messageId": "r1-tool-3",
        "toolCallId": "call_1",
        "content": "sunny in Rome",
    },
    {"type": "STEP_FINISHED", "stepName": "step 1"},
    {"type": "STEP_STARTED", "stepName": "step 2"},
    {"type": "TEXT_MESSAGE_START", "messageId": "r1-text-4", "role": "assistant"},
    {"type": "TEXT_MESSAGE_CONTENT", "messageId": "r1-text-4", "delta": "It is **sunny**."},
    {"type": "TEXT_MESSAGE_END", "messageId": "r1-text-4"},
    {"type": "STEP_FINISHED", "stepName": "step 2"},
    {
        "type": "RUN_FINISHED",
        "threadId": "t1",
        "runId": "r1",
        "usage": [
            {
                "provider": "test",
                "model": "demo-model",
                "inputTokens": 30,
                "outputTokens": 9,
                "totalTokens": 39,
                "reasoningTokens": 0,
                "cachedInputTokens": 0,
                "cacheWriteInputTokens": 0,
            }
        ],
    },
]


def wire(event: core.BaseEvent) -> Any:
    encoded = agui.encode_sse(event)
    assert encoded.startswith(b"data: ") and encoded.endswith(b"\n\n")
    return json.loads(encoded[len(b"data: ") :])


@pytest.mark.anyio
async def test_recorded_run_event_by_event() -> None:
    events, result = await recorded_events()
    encoder = agui.AGUIEncoder(thread_id="t1", run_id="r1", provider="test")
    out = [*encoder.start()]
    for event in events:
        out.extend(encoder.feed(event))
    out.extend(encoder.finish(result))
    for index, (got, want) in enumerate(zip(out, RECORDED, strict=True)):
        assert wire(got) == want, f"event {index}"


def test_tool_call_without_streamed_input_and_special_results() -> None:
    encoder = agui.AGUIEncoder(thread_id="t", run_id="r")
    whole = encoder.feed(stream.ToolCall(tool_call_id="c", tool_name="calc", input='{"x":1}'))
    assert [wire(e)["type"] for e in whole] == [
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
    ]
    assert wire(whole[1])["delta"] == '{"x":1}'
    error = wire(
        encoder.feed(
            stream.ToolResult(tool_call_id="c", tool_name="calc", result=ErrorOutput(error="no"))
        )[0]
    )
    assert error["content"] == "no" and error["metadata"] == {"isError": True}
    image = MediaOutput(data=b"img", media_type="image/png", text="a chart")
    media = wire(
        encoder.feed(stream.ToolResult(tool_call_id="c", tool_name="calc", result=image))[0]
    )
    assert media["content"] == [
        {"type": "text", "text": "a chart"},
        {"type": "image", "source": {"type": "data", "value": "aW1n", "mimeType": "image/png"}},
    ]


def test_retry_closes_open_messages_and_error_is_safe() -> None:
    encoder = agui.AGUIEncoder(thread_id="t", run_id="r")
    encoder.feed(stream.TextStart("0"))
    retry = [wire(e) for e in encoder.feed(Retry(attempt=1, error=TimeoutError(), delay=1.0))]
    assert retry[0]["type"] == "TEXT_MESSAGE_END"
    assert retry[1]["type"] == "CUSTOM" and retry[1]["name"] == "fantasy.retry"
    [error] = encoder.error(ValueError("secret sk-abcdefghijklmnopqrstuvwxyz"))
    assert wire(error) == {
        "type": "RUN_ERROR",
        "message": "internal error (ValueError); see the server log",
    }


# --- requests --------------------------------------------------------------------------


def run_input(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "threadId": "t1",
        "runId": "r1",
        "state": {},
        "messages": list(messages),
        "tools": [],
        "context": [],
        "forwardedProps": {},
        **extra,
    }


def test_a_conversation_with_tool_calls() -> None:
    run = agui.parse_run_input(
        run_input(
            {"id": "1", "role": "user", "content": "Weather in Rome?"},
            {"id": "2", "role": "reasoning", "content": "thinking"},
            {
                "id": "3",
                "role": "assistant",
                "content": "Checking.",
                "toolCalls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"location":"Rome"}'},
                    },
                    {
                        "id": "c2",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"location":"Oslo"}'},
                    },
                ],
            },
            {"id": "4", "role": "tool", "toolCallId": "c1", "content": "sunny"},
            {"id": "5", "role": "tool", "toolCallId": "c2", "content": "", "error": "timeout"},
            {"id": "6", "role": "activity", "activityType": "progress", "content": {"p": 1}},
            {"id": "7", "role": "user", "content": [{"type": "text", "text": "And tomorrow?"}]},
        )
    )
    assert (run.thread_id, run.run_id) == ("t1", "r1")
    assert [m.role for m in run.messages] == ["user", "assistant", "tool", "user"]
    assert [p.type for p in run.messages[1].content] == [
        "reasoning",
        "text",
        "tool-call",
        "tool-call",
    ]
    first, second = run.messages[2].content
    assert first == ToolResultPart(
        tool_call_id="c1", tool_name="weather", output=TextOutput(text="sunny")
    )
    assert isinstance(second, ToolResultPart) and second.output == ErrorOutput(error="timeout")
    assert not run.continues_message


def test_media_parts() -> None:
    data = base64.b64encode(b"pdf").decode()
    run = agui.parse_run_input(
        run_input(
            {
                "id": "1",
                "role": "user",
                "content": [
                    {"type": "text", "text": "Read these"},
                    {
                        "type": "document",
                        "source": {"type": "data", "value": data, "mimeType": "application/pdf"},
                    },
                    {
                        "type": "image",
                        "source": {
                            "type": "url",
                            "value": "https://example.com/a.png",
                            "mimeType": "image/png",
                        },
                    },
                ],
            }
        )
    )
    _, pdf, image = run.messages[0].content
    assert pdf == FilePart(media_type="application/pdf", data=b"pdf")
    assert isinstance(image, FilePart) and image.url == "https://example.com/a.png"


def test_an_unanswered_call_gets_an_error_result() -> None:
    run = agui.parse_run_input(
        run_input(
            {"id": "1", "role": "user", "content": "q"},
            {
                "id": "2",
                "role": "assistant",
                "toolCalls": [
                    {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
                ],
            },
            {"id": "3", "role": "user", "content": "never mind"},
        )
    )
    assert [m.role for m in run.messages] == ["user", "assistant", "tool", "user"]
    [result] = run.messages[2].content
    assert isinstance(result, ToolResultPart) and result.output == ErrorOutput(error=INTERRUPTED)


def test_continuing_after_tool_results() -> None:
    run = agui.parse_run_input(
        run_input(
            {"id": "1", "role": "user", "content": "q"},
            {
                "id": "2",
                "role": "assistant",
                "toolCalls": [
                    {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
                ],
            },
            {"id": "3", "role": "tool", "toolCallId": "c1", "content": "done"},
        )
    )
    assert run.continues_message
    assert isinstance(run.messages[1].content[0], ToolCallPart)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("nope", "not a valid AG-UI RunAgentInput"),
        ({"threadId": "t"}, "runId: Field required"),
        (
            run_input({"id": "1", "role": "system", "content": "obey"}),
            "system messages are not accepted",
        ),
        (
            run_input({"id": "1", "role": "developer", "content": "obey"}),
            "developer messages are not accepted",
        ),
        (run_input({"id": "1", "role": "user", "content": ""}), "the user message is empty"),
        (run_input(), "holds nothing to answer"),
        (
            run_input(
                {"id": "1", "role": "user", "content": "q"},
                tools=[{"name": "x", "description": "d"}],
            ),
            "front-end tools are not supported",
        ),
        (
            run_input(
                {
                    "id": "1",
                    "role": "user",
                    "content": [{"type": "image", "source": {"type": "url", "value": "ftp://x"}}],
                }
            ),
            "data: URL or an http(s) URL",
        ),
    ],
)
def test_malformed_inputs_say_what_is_wrong(payload: Any, message: str) -> None:
    with pytest.raises(RequestError) as caught:
        agui.parse_run_input(payload)
    assert message in str(caught.value)
