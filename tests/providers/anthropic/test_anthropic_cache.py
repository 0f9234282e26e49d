from __future__ import annotations

from fantasy.messages import (
    Message,
    TextOutput,
    ToolCallPart,
    ToolResultPart,
    assistant_message,
    system_message,
    tool_message,
    user_message,
)
from fantasy.providers.anthropic import cache_last_messages, mark_cache_control
from fantasy.providers.anthropic.cache import CACHE_MARK


def marked(messages: list[Message]) -> list[bool]:
    return [m.provider_options.get("anthropic") == CACHE_MARK for m in messages]


def test_first_step_marks_system_and_user() -> None:
    assert marked(mark_cache_control([system_message("s"), user_message("u")])) == [True, True]


def test_later_step_skips_the_user_message() -> None:
    messages = [
        system_message("s"),
        user_message("u", other={"x": 1}),
        assistant_message(ToolCallPart(tool_call_id="t", tool_name="w", input="{}")),
        tool_message([ToolResultPart(tool_call_id="t", output=TextOutput(text="1"))]),
    ]
    result = mark_cache_control(messages)
    assert marked(result) == [True, False, True, True]
    assert result[1].provider_options == {}  # other options are cleared
    assert messages[1].provider_options == {"other": {"x": 1}}  # input untouched


def test_last_of_several_leading_system_messages() -> None:
    messages = [system_message("a"), system_message("b"), user_message("u"), assistant_message("x")]
    assert marked(mark_cache_control(messages)) == [False, True, True, True]
    many = [
        system_message("a"),
        user_message("1"),
        assistant_message("2"),
        user_message("3"),
        assistant_message("4"),
    ]
    assert marked(mark_cache_control(many)) == [True, False, False, True, True]


def test_without_system_marks_index_zero() -> None:
    messages = [
        user_message("1"),
        assistant_message("2"),
        user_message("3"),
        assistant_message("4"),
    ]
    assert marked(mark_cache_control(messages)) == [True, False, True, True]
    assert mark_cache_control([]) == []
    assert marked(mark_cache_control([user_message("only")])) == [True]


def test_prepare_step_hook() -> None:
    from fantasy.agent import PrepareStepContext, PrepareStepResult

    messages = (system_message("s"), user_message("u"))
    ctx = PrepareStepContext(step_number=0, steps=(), messages=messages, model=None)  # type: ignore[arg-type]
    result = cache_last_messages(ctx)
    assert isinstance(result, PrepareStepResult)
    assert list(result.messages or []) == mark_cache_control(messages)
