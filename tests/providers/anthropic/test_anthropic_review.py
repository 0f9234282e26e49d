"""Review findings for the Anthropic converter (paths the recorded scenarios do not cover)."""

from __future__ import annotations

from fantasy.messages import (
    Message,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from fantasy.model import Call
from fantasy.providers.anthropic.convert import convert_call
from fantasy.providers.openai.options import OpenAIResponsesItemMetadata


def test_foreign_provider_executed_tool_is_left_out_with_a_warning() -> None:
    # A conversation started on the OpenAI Responses API (server-side web search)
    # continued on Anthropic: the OpenAI item is not Anthropic's to replay.
    openai_item = {"openai": OpenAIResponsesItemMetadata(item_id="ws_1")}
    assistant = Message(
        role="assistant",
        content=(
            ToolCallPart(
                tool_call_id="ws_1",
                tool_name="web_search",
                input='{"query":"q"}',
                provider_executed=True,
                provider_options=openai_item,
            ),
            ToolResultPart(
                tool_call_id="ws_1",
                tool_name="web_search",
                output=TextOutput(text='{"status":"completed"}'),
                provider_executed=True,
                provider_options=openai_item,
            ),
            TextPart(text="Answer."),
        ),
    )
    call = Call(
        prompt=(
            Message(role="user", content=(TextPart(text="search"),)),
            assistant,
            Message(role="user", content=(TextPart(text="more"),)),
        )
    )
    converted = convert_call(call)
    assert converted.body["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Answer."}],
    }
    assert len(converted.warnings) == 2
