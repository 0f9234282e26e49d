"""Reasoning on Chat Completions, whichever OpenAI-family provider decodes it.

Two wire forms: a ``reasoning_content`` (or ``reasoning``) field next to ``content``,
and Mistral's typed content chunks (``{"type": "thinking", "thinking": [...]}``).
Both yield reasoning on every variant; thinking chunks are replayed as chunks.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from fantasy import stream
from fantasy.content import ReasoningContent, TextContent
from fantasy.messages import Message, ReasoningPart, TextPart, user_message
from fantasy.model import Call
from fantasy.providers.mistral import MistralHooks
from fantasy.providers.openai.chat import ChatHooks, StreamDecoder, decode_response
from fantasy.providers.openai.chat.convert import build_body
from fantasy.providers.openai.options import ChatReasoningMetadata
from fantasy.providers.openaicompat import CompatHooks
from fantasy.providers.openrouter.hooks import OpenRouterHooks
from fantasy.providers.vercel.hooks import VercelHooks
from fantasy.stream import StreamAccumulator

# The hooks of every provider on the Chat Completions dialect (OpenAI and Azure share
# the default hooks).
HOOKS = {
    "openai/azure": lambda: ChatHooks(),
    "openai-compat": lambda: CompatHooks(),
    "mistral": lambda: MistralHooks(),
    "openrouter": lambda: OpenRouterHooks("deepseek/deepseek-r1"),
    "vercel": lambda: VercelHooks("deepseek/deepseek-r1"),
}

THINKING = [
    {
        "type": "thinking",
        "thinking": [{"type": "text", "text": "Two "}, {"type": "text", "text": "plus two."}],
    },
    {"type": "text", "text": "4"},
]

# (name, message, expected [(kind, text)])
WHOLE: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "reasoning_content",
        {"content": "4", "reasoning_content": "Two plus two."},
        [("r", "Two plus two."), ("t", "4")],
    ),
    (
        "reasoning",
        {"content": "4", "reasoning": "Two plus two."},
        [("r", "Two plus two."), ("t", "4")],
    ),
    ("thinking chunks", {"content": THINKING}, [("r", "Two plus two."), ("t", "4")]),
    (
        "chunks in order, unknown chunk types skipped",
        {
            "content": [
                {"type": "text", "text": "a"},
                {"type": "image_url", "image_url": {"url": "x"}},
                {"type": "thinking", "thinking": "b"},
                {"type": "text", "text": "c"},
                {"type": "thinking", "thinking": [], "closed": True},
            ]
        },
        [("t", "a"), ("r", "b"), ("t", "c")],
    ),
    ("plain text list", {"content": [{"type": "text", "text": "x"}, {"text": "y"}]}, [("t", "xy")]),
]


def completion(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "c1",
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}
        ],
    }


def kinds(content: Any) -> list[tuple[str, str]]:
    out = []
    for item in content:
        if isinstance(item, ReasoningContent):
            out.append(("r", item.text))
        elif isinstance(item, TextContent):
            out.append(("t", item.text))
    return out


@pytest.mark.parametrize("hooks", HOOKS.values(), ids=HOOKS.keys())
@pytest.mark.parametrize(("message", "expected"), [c[1:] for c in WHOLE], ids=[c[0] for c in WHOLE])
def test_whole_response_reasoning(hooks: Any, message: dict[str, Any], expected: Any) -> None:
    response = decode_response(completion(message), hooks=hooks(), provider="p")
    assert kinds(response.content) == expected


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    choice: dict[str, Any] = {"index": 0, "delta": delta}
    if finish:
        choice["finish_reason"] = finish
    return json.dumps({"id": "c1", "model": "m", "choices": [choice]})


STREAMS: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "reasoning_content",
        [{"reasoning_content": "Two "}, {"reasoning_content": "plus two."}, {"content": "4"}],
    ),
    ("reasoning", [{"reasoning": "Two "}, {"reasoning": "plus two."}, {"content": "4"}]),
    (
        "thinking chunks",
        [
            {"content": [{"type": "thinking", "thinking": [{"type": "text", "text": "Two "}]}]},
            {
                "content": [
                    {"type": "thinking", "thinking": [{"type": "text", "text": "plus two."}]}
                ]
            },
            {"content": "4"},
        ],
    ),
    ("thinking and text in one delta", [{"content": THINKING}]),
]


def run_stream(hooks: ChatHooks, deltas: list[dict[str, Any]]) -> list[stream.StreamPart]:
    decoder = StreamDecoder(hooks=hooks, provider="p")
    parts: list[stream.StreamPart] = []
    for delta in deltas:
        parts += decoder.feed(chunk(delta))
    parts += decoder.feed(chunk({}, "stop"))
    parts += decoder.feed("[DONE]")
    return parts


@pytest.mark.parametrize("hooks", HOOKS.values(), ids=HOOKS.keys())
@pytest.mark.parametrize("deltas", [c[1] for c in STREAMS], ids=[c[0] for c in STREAMS])
def test_streamed_reasoning_blocks(hooks: Any, deltas: list[dict[str, Any]]) -> None:
    parts = run_stream(hooks(), deltas)
    names = [type(p).__name__ for p in parts if not isinstance(p, stream.ResponseMetadata)]
    assert names[:3] == ["ReasoningStart", "ReasoningDelta", "ReasoningDelta"] or names[:2] == [
        "ReasoningStart",
        "ReasoningDelta",
    ]
    assert names.index("ReasoningEnd") < names.index("TextStart")
    accumulator = StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    assert kinds(accumulator.response().content) == [("r", "Two plus two."), ("t", "4")]


def test_thinking_chunks_are_marked_for_replay() -> None:
    hooks = CompatHooks()
    response = decode_response(completion({"content": THINKING}), hooks=hooks, provider="p")
    reasoning = response.content[0]
    assert isinstance(reasoning, ReasoningContent)
    assert reasoning.provider_metadata == {
        "openai-compat": ChatReasoningMetadata(form="thinking-chunks")
    }
    parts = run_stream(hooks, [{"content": THINKING}])
    accumulator = StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    assert accumulator.response().content[0] == reasoning


def assistant_with(reasoning: ReasoningPart) -> Call:
    return Call(
        prompt=(
            user_message("2+2?"),
            Message(role="assistant", content=(reasoning, TextPart(text="4"))),
            user_message("and 3+3?"),
        )
    )


CHUNKS_BACK = [
    {"type": "thinking", "thinking": [{"type": "text", "text": "Two plus two."}]},
    {"type": "text", "text": "4"},
]
MARKED = ReasoningPart(
    text="Two plus two.", provider_options={"openai-compat": {"form": "thinking-chunks"}}
)
PLAIN = ReasoningPart(text="Two plus two.")

# (name, hooks, reasoning part, expected assistant message)
REPLAY = [
    ("compat field", CompatHooks(), PLAIN, {"content": "4", "reasoning_content": "Two plus two."}),
    ("compat chunks when received as chunks", CompatHooks(), MARKED, {"content": CHUNKS_BACK}),
    ("mistral always chunks", MistralHooks(), PLAIN, {"content": CHUNKS_BACK}),
    ("openai replays none", ChatHooks(), MARKED, {"content": "4"}),
]


@pytest.mark.parametrize(
    ("hooks", "part", "expected"), [c[1:] for c in REPLAY], ids=[c[0] for c in REPLAY]
)
def test_reasoning_replay_form(
    hooks: ChatHooks, part: ReasoningPart, expected: dict[str, Any]
) -> None:
    body, _ = build_body(assistant_with(part), "m", stream=False, hooks=hooks)
    assert body["messages"][1] == {"role": "assistant", **expected}
