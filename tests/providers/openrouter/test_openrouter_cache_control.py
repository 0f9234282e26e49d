"""Anthropic cache breakpoints on the gateway chat wire (README section 3 placement)."""

from __future__ import annotations

from typing import Any

import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    FilePart,
    Message,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    system_message,
    tool_message,
    user_message,
)
from fantasy.model import Call
from fantasy.providers.anthropic import mark_cache_control
from fantasy.providers.openai.chat.convert import build_body
from fantasy.providers.openai.chat.reasoning_details import cache_control_of
from fantasy.providers.openrouter import OpenRouterHooks

MODEL = "anthropic/claude-haiku-4.5"
EPHEMERAL = {"type": "ephemeral"}
MARK = {"anthropic": {"cache_control": EPHEMERAL}}


def messages_of(*prompt: Message) -> list[dict[str, Any]]:
    body, _ = build_body(Call(prompt=prompt), MODEL, stream=False, hooks=OpenRouterHooks(MODEL))
    messages: list[dict[str, Any]] = body["messages"]
    return messages


def calls(*ids: str) -> Message:
    return Message(
        role="assistant",
        content=tuple(ToolCallPart(tool_call_id=i, tool_name="add", input="{}") for i in ids),
        provider_options=MARK,
    )


def results(*ids: str) -> Message:
    return tool_message(
        [ToolResultPart(tool_call_id=i, output=TextOutput(text="5")) for i in ids]
    ).replace(provider_options=MARK)


def test_prepare_step_marks_render_per_role() -> None:
    step = [
        system_message("sys"),
        user_message("add"),
        Message(
            role="assistant",
            content=(
                TextPart(text="Adding."),
                ToolCallPart(tool_call_id="a", tool_name="add", input="{}"),
                ToolCallPart(tool_call_id="b", tool_name="mul", input="{}"),
            ),
        ),
        tool_message(
            [
                ToolResultPart(tool_call_id="a", output=TextOutput(text="5")),
                ToolResultPart(tool_call_id="b", output=TextOutput(text="6")),
            ]
        ),
    ]
    system, user, assistant, first, second = messages_of(*mark_cache_control(step))
    assert system == {"role": "system", "content": "sys", "cache_control": EPHEMERAL}
    assert user == {"role": "user", "content": "add"}  # not among the last two
    assert "cache_control" not in assistant
    assert assistant["content"] == "Adding."
    assert "cache_control" not in assistant["tool_calls"][0]
    assert assistant["tool_calls"][1]["cache_control"] == EPHEMERAL
    assert "cache_control" not in first and "cache_control" not in second


def test_first_step_marks_system_and_user() -> None:
    system, user = messages_of(*mark_cache_control([system_message("s"), user_message("u")]))
    assert system["cache_control"] == EPHEMERAL
    assert user == {"role": "user", "content": "u", "cache_control": EPHEMERAL}


def test_dict_marks_and_multi_part_user_content() -> None:
    image = FilePart(media_type="image/png", data=b"\x89PNG")
    user = user_message("look", image).replace(provider_options=MARK)
    text_only = Message(role="assistant", content=(TextPart(text="Hi"),), provider_options=MARK)
    rendered_user, rendered_text, rendered_calls, rendered_tool = messages_of(
        user, text_only, calls("c1", "c2"), results("c1")
    )
    assert "cache_control" not in rendered_user
    assert rendered_user["content"][-1]["cache_control"] == EPHEMERAL
    assert "cache_control" not in rendered_user["content"][0]
    assert rendered_text == {"role": "assistant", "content": "Hi", "cache_control": EPHEMERAL}
    assert [c.get("cache_control") for c in rendered_calls["tool_calls"]] == [None, EPHEMERAL]
    assert "cache_control" not in rendered_tool


def test_unmarked_messages_and_other_anthropic_options_send_nothing() -> None:
    thinking = {"anthropic": {"thinking": {"budget_tokens": 1000}}}
    assert cache_control_of(system_message("s")) is None
    assert cache_control_of(system_message("s", **thinking)) is None
    ttl = {"anthropic": {"cache_control": {"type": "ephemeral", "ttl": "1h"}}}
    assert cache_control_of(system_message("s", **ttl)) == {"type": "ephemeral", "ttl": "1h"}


def test_bad_cache_control_is_a_clear_error() -> None:
    with pytest.raises(InvalidArgumentError):
        messages_of(system_message("s", anthropic={"cache_control": "ephemeral"}))
