"""The dialects the object-mode tests run on: their models, canned answers and requests.

One :class:`~_object_modes_kit.Dialect` per wire format: OpenAI Chat Completions (and
the OpenAI-compatible and OpenRouter servers speaking it), the OpenAI Responses API,
Gemini and Claude (in ``_object_modes_claude.py``). ``test_object_modes.py`` runs every
mode on every dialect.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx
from _object_modes_claude import ANTHROPIC
from _object_modes_kit import (
    ALICE,
    ALICE_JSON,
    ALICE_PIECES,
    CLOSED_PERSON,
    DESCRIPTION,
    INSTRUCTION,
    KEY,
    PERSON,
    Dialect,
    Recorder,
    StreamCase,
    roles,
)

from fantasy.model import ObjectMode
from fantasy.providers.google import GoogleLanguageModel, GoogleProvider
from fantasy.providers.openai import OpenAIProvider, ResponsesModel
from fantasy.providers.openai.chat import ChatModel
from fantasy.providers.openaicompat import OpenAICompatProvider
from fantasy.providers.openrouter import OpenRouterProvider


def system_first(items: str, absent: str) -> Any:
    """Text-mode check: ``body[items]`` is a system instruction then the user message."""

    def check(body: dict[str, Any]) -> None:
        system, user = body[items]
        assert system["role"] == "system"
        assert system["content"].startswith(INSTRUCTION)
        assert user["role"] == "user"
        assert "tools" not in body
        assert absent not in body

    return check


# --- Chat Completions (OpenAI, OpenAI-compatible, OpenRouter) ---------------------------

CHAT_USAGE = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "Person", "arguments": ""}}
STRICT_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "Person",
        "description": DESCRIPTION,
        "strict": True,
        "schema": CLOSED_PERSON,
    },
}


def chat_completion(
    message: dict[str, Any], finish_reason: str = "stop", *, id: str, model: str, **extra: Any
) -> dict[str, Any]:
    choice = {"index": 0, "message": {"role": "assistant", **message}}
    return {
        "id": id,
        "object": "chat.completion",
        "model": model,
        **extra,
        "choices": [{**choice, "finish_reason": finish_reason}],
        "usage": CHAT_USAGE,
    }


def chat_answers(completion: Any, text: str, **tool_message: Any) -> dict[str, dict[str, Any]]:
    """The json, tool and text answers of a Chat Completions server."""
    call = {**TOOL_CALL, "function": {"name": "Person", "arguments": ALICE_JSON}}
    return {
        "json": completion({"content": ALICE_JSON}),
        "tool": completion({**tool_message, "tool_calls": [call]}, "tool_calls"),
        "text": completion({"content": text}),
    }


def chat_stream(
    chunk: dict[str, Any], first: dict[str, Any], piece: Any, finish_reason: str
) -> list[dict[str, Any] | str]:
    """Chunks: ``first`` delta, one ``piece(p)`` delta per piece, finish, usage, done."""

    def delta(fields: dict[str, Any]) -> dict[str, Any]:
        return {**chunk, "choices": [{"index": 0, "delta": fields}]}

    return [
        delta(first),
        *(delta(piece(p)) for p in ALICE_PIECES),
        {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": finish_reason}]},
        {**chunk, "choices": [], "usage": CHAT_USAGE},
        "[DONE]",
    ]


def chat_stream_case(mode: ObjectMode, chunk_id: str, model: str, *comments: str) -> StreamCase:
    """A streamed ``mode`` call on a Chat Completions server: text deltas, or arguments."""
    chunk = {"id": chunk_id, "object": "chat.completion.chunk", "model": model}
    if mode == "json":
        first: dict[str, Any] = {"role": "assistant", "content": ""}
        events = chat_stream(chunk, first, lambda p: {"content": p}, "stop")
    else:
        first = {"role": "assistant", "tool_calls": [{"index": 0, **TOOL_CALL}]}
        events = chat_stream(chunk, first, _arguments_delta, "tool_calls")
    return StreamCase(mode=mode, events=[*comments, *events])


def _arguments_delta(piece: str) -> dict[str, Any]:
    return {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}


def chat_json_request(body: dict[str, Any]) -> None:
    assert body["response_format"] == STRICT_FORMAT
    assert "tools" not in body
    assert "tool_choice" not in body
    assert roles(body["messages"]) == ["user"]


def chat_tool_request(body: dict[str, Any]) -> None:
    (tool,) = body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "Person"
    assert tool["function"]["description"] == DESCRIPTION
    assert tool["function"]["parameters"] == PERSON
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert "response_format" not in body
    assert roles(body["messages"]) == ["user"]


CHAT_REQUESTS = {
    "json": chat_json_request,
    "tool": chat_tool_request,
    "text": system_first("messages", "response_format"),
}


def openai_chat_model(recorder: Recorder) -> ChatModel:
    model = OpenAIProvider(api_key=KEY, transport=recorder.transport).language_model("gpt-4o")
    assert isinstance(model, ChatModel)
    return model


OPENAI_CHAT = Dialect(
    name="openai_chat",
    build=openai_chat_model,
    url="https://api.openai.com/v1/chat/completions",
    auto="json",
    answers=chat_answers(
        partial(chat_completion, id="chatcmpl-1", model="gpt-4o-2024-08-06"),
        "```json\n" + ALICE_JSON + "\n```",
        content=None,
    ),
    requests=CHAT_REQUESTS,
    streams=[chat_stream_case("json", "chatcmpl-2", "gpt-4o")],
)

COMPAT_URL = "http://compat.test/v1"


def compat_model(recorder: Recorder) -> ChatModel:
    provider = OpenAICompatProvider(base_url=COMPAT_URL, api_key=KEY, transport=recorder.transport)
    return provider.language_model("grok-4")


OPENAICOMPAT = Dialect(
    name="openaicompat",
    build=compat_model,
    url=f"{COMPAT_URL}/chat/completions",
    auto="tool",
    answers=chat_answers(partial(chat_completion, id="cmpl-1", model="grok-4"), ALICE_JSON),
    requests=CHAT_REQUESTS,
    streams=[chat_stream_case("auto", "cmpl-2", "grok-4")],
)

ROUTER_MODEL = "openai/gpt-4o"


def router_model(recorder: Recorder) -> ChatModel:
    provider = OpenRouterProvider(api_key=KEY, transport=recorder.transport)
    return provider.language_model(ROUTER_MODEL)


def router_request(request: httpx.Request, body: dict[str, Any]) -> None:
    assert body["model"] == ROUTER_MODEL
    assert body["usage"] == {"include": True}


OPENROUTER = Dialect(
    name="openrouter",
    build=router_model,
    url="https://openrouter.ai/api/v1/chat/completions",
    auto="tool",
    answers=chat_answers(
        partial(chat_completion, id="gen-1", model=ROUTER_MODEL, provider="OpenAI"), ALICE_JSON
    ),
    requests=CHAT_REQUESTS,
    every_request=router_request,
    streams=[chat_stream_case("auto", "gen-2", ROUTER_MODEL, ": OPENROUTER PROCESSING")],
)


# --- OpenAI Responses ---------------------------------------------------------------------

RESPONSES_USAGE = {"input_tokens": 12, "output_tokens": 9, "total_tokens": 21}


def response_with(*output: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-4o-2024-08-06",
        "output": list(output),
        "usage": RESPONSES_USAGE,
    }


def output_message(text: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def responses_stream() -> list[dict[str, Any] | str]:
    created = {"id": "resp_2", "object": "response", "status": "in_progress", "model": "gpt-4o"}
    where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    done = {**created, "status": "completed", "output": [], "usage": RESPONSES_USAGE}
    return [
        {"type": "response.created", "response": {**created, "output": []}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"id": "msg_1", "type": "message", "role": "assistant", "content": []},
        },
        *({"type": "response.output_text.delta", **where, "delta": p} for p in ALICE_PIECES),
        {"type": "response.output_text.done", **where, "text": ALICE_JSON},
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": output_message(ALICE_JSON),
        },
        {"type": "response.completed", "response": done},
    ]


def responses_model(recorder: Recorder) -> ResponsesModel:
    provider = OpenAIProvider(api_key=KEY, transport=recorder.transport, use_responses_api=True)
    model = provider.language_model("gpt-4o")
    assert isinstance(model, ResponsesModel)
    return model


def responses_json_request(body: dict[str, Any]) -> None:
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "Person", "schema": CLOSED_PERSON}
    }
    assert "tools" not in body
    assert "tool_choice" not in body
    assert roles(body["input"]) == ["user"]


def responses_tool_request(body: dict[str, Any]) -> None:
    (tool,) = body["tools"]
    assert tool["type"] == "function"
    assert tool["name"] == "Person"
    assert tool["parameters"] == PERSON
    assert body["tool_choice"] == {"type": "function", "name": "Person"}
    assert "text" not in body


FUNCTION_CALL = {
    "id": "fc_1",
    "type": "function_call",
    "status": "completed",
    "call_id": "call_1",
    "name": "Person",
    "arguments": ALICE_JSON,
}

OPENAI_RESPONSES = Dialect(
    name="openai_responses",
    build=responses_model,
    url="https://api.openai.com/v1/responses",
    auto="json",
    answers={
        "json": response_with(output_message(ALICE_JSON)),
        "tool": response_with(FUNCTION_CALL),
        "text": response_with(output_message("Here it is: " + ALICE_JSON)),
    },
    requests={
        "json": responses_json_request,
        "tool": responses_tool_request,
        "text": system_first("input", "text"),
    },
    streams=[StreamCase(mode="json", events=responses_stream(), named=True)],
)


# --- Gemini -------------------------------------------------------------------------------

GEMINI_URL = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"


def gemini(*parts: dict[str, Any], finish: str | None = "STOP") -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": list(parts), "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 9, "totalTokenCount": 21},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "resp-1",
    }


def gemini_model(recorder: Recorder) -> GoogleLanguageModel:
    provider = GoogleProvider(api_key=KEY, transport=recorder.transport)
    return provider.language_model("gemini-2.5-flash")


def gemini_json_request(body: dict[str, Any]) -> None:
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == PERSON
    assert config["maxOutputTokens"] == 500
    assert "tools" not in body
    assert "toolConfig" not in body
    assert "systemInstruction" not in body


def gemini_tool_request(body: dict[str, Any]) -> None:
    (tools,) = body["tools"]
    (declaration,) = tools["functionDeclarations"]
    assert declaration["name"] == "Person"
    assert declaration["description"] == DESCRIPTION
    assert body["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["Person"]}
    }
    assert "responseMimeType" not in body["generationConfig"]


def gemini_text_request(body: dict[str, Any]) -> None:
    (part,) = body["systemInstruction"]["parts"]
    assert part["text"].startswith(INSTRUCTION)
    assert roles(body["contents"]) == ["user"]
    assert "tools" not in body
    assert "responseMimeType" not in body["generationConfig"]
    assert "responseJsonSchema" not in body["generationConfig"]


GOOGLE = Dialect(
    name="google",
    build=gemini_model,
    url=f"{GEMINI_URL}:generateContent",
    stream_url=f"{GEMINI_URL}:streamGenerateContent?alt=sse",
    auto="json",
    answers={
        "json": gemini({"text": ALICE_JSON}),
        "tool": gemini({"functionCall": {"name": "Person", "args": ALICE}}),
        "text": gemini({"text": "```json\n" + ALICE_JSON + "\n```"}),
    },
    requests={
        "json": gemini_json_request,
        "tool": gemini_tool_request,
        "text": gemini_text_request,
    },
    streams=[
        StreamCase(
            mode="json",
            events=[
                *(gemini({"text": piece}, finish=None) for piece in ALICE_PIECES),
                gemini({"text": ""}),
            ],
            sep="\r\n\r\n",
        )
    ],
    stream_flag=False,
    verbatim_arguments=False,
)


DIALECTS = (OPENAI_CHAT, OPENAI_RESPONSES, OPENAICOMPAT, OPENROUTER, GOOGLE, ANTHROPIC)
