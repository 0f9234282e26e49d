"""Review findings for the OpenAI dialects (paths the recorded scenarios do not cover)."""

from __future__ import annotations

from fantasy.messages import Message, TextPart
from fantasy.model import Call
from fantasy.providers.openai.chat import convert
from fantasy.providers.openai.chat.hooks import ChatHooks


def _call(**settings: object) -> Call:
    prompt = (Message(role="user", content=(TextPart(text="hi"),)),)
    return Call(prompt=prompt, **settings)  # type: ignore[arg-type]


def test_reasoning_models_get_no_stop_sequences() -> None:
    # Chat Completions `stop`: "Not supported with latest reasoning models o3 and o4-mini".
    body, warnings = convert.build_body(
        _call(stop_sequences=("END",)), "o4-mini", stream=False, hooks=ChatHooks()
    )
    assert "stop" not in body
    assert [w.setting for w in warnings] == ["stop_sequences"]


def test_other_models_still_get_stop_sequences() -> None:
    body, warnings = convert.build_body(
        _call(stop_sequences=("END",)), "gpt-4o", stream=False, hooks=ChatHooks()
    )
    assert body["stop"] == ["END"]
    assert warnings == []
