"""The Vercel AI SDK UI message stream adapter: a recorded run event by event, request shapes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from _web_runs import recorded_events

from fantasy import stream
from fantasy.errors import AuthenticationError
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    TextOutput,
    ToolCallPart,
    ToolResultPart,
)
from fantasy.retry import Retry
from fantasy.web import vercel
from fantasy.web._common import INTERRUPTED, RequestError

# The keys each chunk type may carry: the AI SDK validates chunks with strict objects, so
# one unknown key makes useChat reject the whole stream.
ALLOWED_KEYS: dict[str, set[str]] = {
    "start": {"messageId", "messageMetadata"},
    "finish": {"finishReason", "messageMetadata"},
    "start-step": set(),
    "finish-step": set(),
    "text-start": {"id", "providerMetadata"},
    "text-delta": {"id", "delta", "providerMetadata"},
    "text-end": {"id", "providerMetadata"},
    "reasoning-start": {"id", "providerMetadata"},
    "reasoning-delta": {"id", "delta", "providerMetadata"},
    "reasoning-end": {"id", "providerMetadata"},
    "tool-input-start": {"toolCallId", "toolName", "providerExecuted", "dynamic", "title"},
    "tool-input-delta": {"toolCallId", "inputTextDelta"},
    "tool-input-available": {"toolCallId", "toolName", "input", "providerExecuted", "dynamic"},
    "tool-approval-request": {"approvalId", "toolCallId"},
    "tool-output-available": {"toolCallId", "output", "providerExecuted", "dynamic", "preliminary"},
    "tool-output-error": {"toolCallId", "errorText", "providerExecuted", "dynamic"},
    "tool-output-denied": {"toolCallId"},
    "source-url": {"sourceId", "url", "title", "providerMetadata"},
    "source-document": {"sourceId", "mediaType", "title", "filename", "providerMetadata"},
    "file": {"url", "mediaType", "providerMetadata"},
    "error": {"errorText"},
    "message-metadata": {"messageMetadata"},
}


def check_chunk(chunk: dict[str, Any]) -> None:
    kind = chunk["type"]
    if kind.startswith("data-"):
        assert set(chunk) - {"type"} <= {"id", "data", "transient"}
        return
    assert kind in ALLOWED_KEYS, kind
    assert set(chunk) - {"type"} <= ALLOWED_KEYS[kind], chunk
    json.dumps(chunk)  # JSON-ready


RECORDED = [
    {"type": "start", "messageId": "msg_1"},
    {"type": "start-step"},
    {"type": "reasoning-start", "id": "reasoning-1"},
    {"type": "reasoning-delta", "id": "reasoning-1", "delta": "The user wants "},
    {"type": "reasoning-delta", "id": "reasoning-1", "delta": "the weather."},
    {"type": "reasoning-end", "id": "reasoning-1"},
    {"type": "text-start", "id": "text-2"},
    {"type": "text-delta", "id": "text-2", "delta": "Let me check."},
    {"type": "text-end", "id": "text-2"},
    {"type": "tool-input-start", "toolCallId": "call_1", "toolName": "weather"},
    {"type": "tool-input-delta", "toolCallId": "call_1", "inputTextDelta": '{"location": '},
    {"type": "tool-input-delta", "toolCallId": "call_1", "inputTextDelta": '"Rome"}'},
    {
        "type": "tool-input-available",
        "toolCallId": "call_1",
        "toolName": "weather",
        "input": {"location": "Rome"},
    },
    {"type": "tool-output-available", "toolCallId": "call_1", "output": "sunny in Rome"},
    {"type": "finish-step"},
    {"type": "start-step"},
    {"type": "text-start", "id": "text-3"},
    {"type": "text-delta", "id": "text-3", "delta": "It is **sunny**."},
    {"type": "text-end", "id": "text-3"},
    {"type": "finish-step"},
    {
        "type": "finish",
        "finishReason": "stop",
        "messageMetadata": {
            "usage": {
                "inputTokens": 30,
                "outputTokens": 9,
                "totalTokens": 39,
                "reasoningTokens": 0,
                "cachedInputTokens": 0,
            },
            "model": "demo-model",
        },
    },
]


@pytest.mark.anyio
async def test_recorded_run_event_by_event() -> None:
    events, result = await recorded_events()
    encoder = vercel.UIStreamEncoder(message_id="msg_1")
    chunks = [*encoder.start()]
    for event in events:
        chunks.extend(encoder.feed(event))
    chunks.extend(encoder.finish(result))
    for index, (got, want) in enumerate(zip(chunks, RECORDED, strict=True)):
        assert got == want, f"chunk {index}"
        check_chunk(got)


def test_sse_framing_and_headers() -> None:
    assert vercel.encode_sse({"type": "text-delta", "id": "t", "delta": "é\n"}) == (
        b'data: {"type":"text-delta","id":"t","delta":"\xc3\xa9\\n"}\n\n'
    )
    assert vercel.DONE == b"data: [DONE]\n\n"
    assert vercel.HEADERS["x-vercel-ai-ui-message-stream"] == "v1"
    assert vercel.HEADERS["content-type"] == "text/event-stream"


def test_continuing_a_message_sends_no_id() -> None:
    assert vercel.UIStreamEncoder(message_id=None).start() == [{"type": "start"}]


def test_block_ids_reused_by_a_provider_never_collide() -> None:
    encoder = vercel.UIStreamEncoder()
    ids = []
    for _ in range(2):  # a provider numbering blocks from 0 again in the next step
        ids.append(encoder.feed(stream.TextStart("0"))[0]["id"])
        encoder.feed(stream.TextEnd("0"))
    assert ids[0] != ids[1]


def test_delta_without_start_opens_the_block() -> None:
    encoder = vercel.UIStreamEncoder()
    chunks = encoder.feed(stream.TextDelta("x", "hi"))
    assert [c["type"] for c in chunks] == ["text-start", "text-delta"]


def test_errors_results_sources_files_and_retries() -> None:
    encoder = vercel.UIStreamEncoder()
    error = encoder.feed(
        stream.ToolResult(tool_call_id="c", tool_name="t", result=ErrorOutput(error="boom"))
    )
    assert error == [{"type": "tool-output-error", "toolCallId": "c", "errorText": "boom"}]
    media = encoder.feed(
        stream.ToolResult(
            tool_call_id="m",
            tool_name="t",
            result=MediaOutput(data=b"\x89PNG", media_type="image/png"),
        )
    )[0]
    assert (
        media["output"]["url"] == "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()
    )
    url = encoder.feed(stream.Source(id="s1", url="https://example.com", title="Ex"))
    assert url == [
        {"type": "source-url", "sourceId": "s1", "url": "https://example.com", "title": "Ex"}
    ]
    doc = encoder.feed(
        stream.Source(source_type="document", id="d", title="Doc", media_type="text/plain")
    )
    assert doc[0]["type"] == "source-document"
    file = encoder.feed(stream.File("text/plain", b"hi"))
    assert file == [
        {"type": "file", "url": "data:text/plain;base64,aGk=", "mediaType": "text/plain"}
    ]
    encoder.feed(stream.TextStart("0"))
    retry = encoder.feed(Retry(attempt=1, error=TimeoutError(), delay=0.5))
    assert retry[0] == {"type": "text-end", "id": "text-1"}
    assert retry[1]["type"] == "data-retry" and retry[1]["transient"] is True
    for chunk in [*error, media, *url, *doc, *file, *retry]:
        check_chunk(chunk)


def test_error_text_never_leaks_a_key_or_a_foreign_message() -> None:
    encoder = vercel.UIStreamEncoder()
    key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
    [chunk] = encoder.error(
        AuthenticationError(f"bad key {key}", provider="openai", status_code=401)
    )
    assert chunk["type"] == "error" and key not in chunk["errorText"]
    [chunk] = encoder.error(RuntimeError(f"db password hunter2 {key}"))
    assert "hunter2" not in chunk["errorText"] and "RuntimeError" in chunk["errorText"]


# --- requests --------------------------------------------------------------------------


def user(text: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {"id": "u1", "role": "user", "parts": [{"type": "text", "text": text}, *extra]}


def body(*messages: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chat_1",
        "messages": list(messages),
        "trigger": "submit-message",
        "messageId": None,
    }


def test_a_first_message() -> None:
    run = vercel.parse_request(body(user("Hello")))
    assert [m.role for m in run.messages] == ["user"]
    assert run.messages[0].text == "Hello"
    assert run.thread_id == "chat_1"
    assert not run.continues_message


def test_files_inline_and_by_url() -> None:
    data_url = "data:image/png;base64," + base64.b64encode(b"png!").decode()
    run = vercel.parse_request(
        body(
            user(
                "Look",
                {"type": "file", "mediaType": "image/png", "url": data_url, "filename": "a.png"},
                {
                    "type": "file",
                    "mediaType": "application/pdf",
                    "url": "https://example.com/a.pdf",
                },
            )
        )
    )
    inline, linked = run.messages[0].content[1:]
    assert inline == FilePart(media_type="image/png", data=b"png!", filename="a.png")
    assert isinstance(linked, FilePart) and linked.url == "https://example.com/a.pdf"


def assistant_turn() -> dict[str, Any]:
    # What useChat holds after the recorded run (and sends back on the next turn).
    return {
        "id": "msg_1",
        "role": "assistant",
        "metadata": {"usage": {"inputTokens": 30}},
        "parts": [
            {"type": "step-start"},
            {"type": "reasoning", "text": "The user wants the weather.", "state": "done"},
            {"type": "text", "text": "Let me check.", "state": "done"},
            {
                "type": "tool-weather",
                "toolCallId": "call_1",
                "state": "output-available",
                "input": {"location": "Rome"},
                "output": "sunny in Rome",
            },
            {"type": "step-start"},
            {"type": "text", "text": "It is sunny.", "state": "done"},
            {"type": "data-note", "data": {"x": 1}},
            {"type": "source-url", "sourceId": "s", "url": "https://example.com"},
        ],
    }


def test_assistant_turn_becomes_steps() -> None:
    run = vercel.parse_request(body(user("Weather in Rome?"), assistant_turn(), user("Thanks")))
    roles = [m.role for m in run.messages]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]
    first = run.messages[1].content
    assert [p.type for p in first] == ["reasoning", "text", "tool-call"]
    call = first[2]
    assert isinstance(call, ToolCallPart) and json.loads(call.input) == {"location": "Rome"}
    [result] = run.messages[2].content
    assert result == ToolResultPart(
        tool_call_id="call_1", tool_name="weather", output=TextOutput(text="sunny in Rome")
    )
    assert run.messages[3].text == "It is sunny."


def test_text_after_a_result_starts_a_step_without_step_start() -> None:
    turn = assistant_turn()
    turn["parts"] = [p for p in turn["parts"] if p["type"] != "step-start"]
    run = vercel.parse_request(body(user("q"), turn, user("more")))
    assert [m.role for m in run.messages] == ["user", "assistant", "tool", "assistant", "user"]


def tool_part(state: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "tool-weather",
        "toolCallId": "c9",
        "state": state,
        "input": {"location": "X"},
        **fields,
    }


def assistant(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"id": "a1", "role": "assistant", "parts": list(parts)}


def only_result(run: vercel.RunInput) -> ToolResultPart:
    results = [p for m in run.messages for p in m.content if isinstance(p, ToolResultPart)]
    assert len(results) == 1
    return results[0]


def test_tool_states_map_to_results() -> None:
    error = vercel.parse_request(
        body(user("q"), assistant(tool_part("output-error", errorText="no")))
    )
    assert only_result(error).output == ErrorOutput(error="no")
    denied = vercel.parse_request(
        body(
            user("q"),
            assistant(
                tool_part(
                    "output-denied", approval={"id": "a", "approved": False, "reason": "nope"}
                )
            ),
        )
    )
    assert only_result(denied).output == ErrorOutput(error="the user denied this tool call: nope")
    structured = vercel.parse_request(
        body(user("q"), assistant(tool_part("output-available", output={"t": 1})))
    )
    assert only_result(structured).output == TextOutput(text='{"t":1}')


def test_a_stopped_run_leaves_valid_history() -> None:
    run = vercel.parse_request(
        body(
            user("q"),
            assistant(
                tool_part("input-available"),
                {"type": "tool-weather", "toolCallId": "c10", "state": "input-streaming"},
            ),
            user("again"),
        )
    )
    assert [m.role for m in run.messages] == ["user", "assistant", "tool", "user"]
    assert only_result(run).output == ErrorOutput(error=INTERRUPTED)
    calls = [p for p in run.messages[1].content if isinstance(p, ToolCallPart)]
    assert [c.tool_call_id for c in calls] == ["c9"]  # the unfinished input is left out


def test_dynamic_and_provider_executed_tools() -> None:
    run = vercel.parse_request(
        body(
            user("q"),
            assistant(
                {
                    "type": "dynamic-tool",
                    "toolName": "web_search",
                    "toolCallId": "ws",
                    "state": "output-available",
                    "input": {"q": "x"},
                    "output": "found",
                    "providerExecuted": True,
                }
            ),
        )
    )
    assert run.continues_message
    [message] = [m for m in run.messages if m.role == "assistant"]
    call, result = message.content
    assert (
        isinstance(call, ToolCallPart) and call.provider_executed and call.tool_name == "web_search"
    )
    assert isinstance(result, ToolResultPart) and result.provider_executed


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "the request body must be an object"),
        ({}, "'messages' must be an array"),
        ({"messages": []}, "'messages' is empty"),
        ({"messages": ["x"]}, "messages[0] must be an object"),
        ({"messages": [{"role": "user"}]}, "messages[0].parts must be an array"),
        ({"messages": [{"role": "system", "parts": []}]}, "system messages are not accepted"),
        ({"messages": [{"role": "robot", "parts": []}]}, "must be 'user' or 'assistant'"),
        ({"messages": [{"role": "user", "parts": []}]}, "the user message is empty"),
        (
            {"messages": [{"role": "user", "parts": [{"type": "text", "text": 3}]}]},
            "text must be a string",
        ),
        (
            {"messages": [{"role": "user", "parts": [{"type": "tool-x"}]}]},
            "cannot hold a 'tool-x' part",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "parts": [{"type": "file", "url": "data:image/png;base64,%%%"}],
                    }
                ]
            },
            "valid base64",
        ),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "parts": [{"type": "file", "url": "file:///etc/passwd", "mediaType": "t"}],
                    }
                ]
            },
            "data: URL or an http(s) URL",
        ),
        ({"messages": [assistant({"type": "mystery"})]}, "unknown part type 'mystery'"),
        ({"messages": [assistant(tool_part("weird"))]}, "unknown tool state 'weird'"),
        (
            {"messages": [assistant({"type": "tool-x", "state": "output-available"})]},
            "toolCallId must be a string",
        ),
    ],
)
def test_malformed_requests_say_what_is_wrong(payload: Any, message: str) -> None:
    with pytest.raises(RequestError, match=None) as caught:
        vercel.parse_request(payload)
    assert message in str(caught.value)
    assert caught.value.status == 422
