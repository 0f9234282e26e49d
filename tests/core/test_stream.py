import pytest

from fantasy import stream
from fantasy.content import ReasoningContent, TextContent, ToolCallContent
from fantasy.errors import ProviderError
from fantasy.messages import TextOutput
from fantasy.usage import CallWarning, FinishReason, Usage


def accumulate(parts: list[stream.StreamPart]) -> stream.StreamAccumulator:
    accumulator = stream.StreamAccumulator()
    for part in parts:
        accumulator.add(part)
    return accumulator


def test_text_reasoning_and_tool_calls_keep_content_order() -> None:
    usage = Usage.of(input_tokens=3, output_tokens=4)
    acc = accumulate(
        [
            stream.Warnings((CallWarning.unsupported("top_k"),)),
            stream.ResponseMetadata(id="r1", model_id="m"),
            stream.ReasoningStart("r"),
            stream.ReasoningDelta("r", "think"),
            stream.ReasoningDelta("r", "ing"),
            stream.ReasoningEnd("r", provider_metadata={"anthropic": {"signature": "sig"}}),
            stream.TextStart("t"),
            stream.TextDelta("t", "Hel"),
            stream.TextDelta("t", ""),
            stream.TextDelta("t", "lo"),
            stream.TextEnd("t"),
            stream.ToolInputStart("c1", "weather"),
            stream.ToolInputDelta("c1", '{"a":'),
            stream.ToolInputDelta("c1", "1}"),
            stream.ToolInputEnd("c1"),
            stream.ToolCall("c1", "weather", '{"a":1}'),
            stream.Finish(FinishReason.TOOL_CALLS, usage, raw_finish_reason="tool_calls"),
        ]
    )
    response = acc.response()
    assert response.content == (
        ReasoningContent(text="thinking", provider_metadata={"anthropic": {"signature": "sig"}}),
        TextContent(text="Hello"),
        ToolCallContent(tool_call_id="c1", tool_name="weather", input='{"a":1}'),
    )
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.raw_finish_reason == "tool_calls"
    assert response.usage == usage
    assert response.warnings == (CallWarning.unsupported("top_k"),)
    assert response.info.id == "r1"
    assert response.text == "Hello"


def test_empty_text_blocks_dropped_but_empty_reasoning_kept() -> None:
    acc = accumulate(
        [
            stream.TextStart("0"),
            stream.TextDelta("0", ""),
            stream.TextEnd("0"),
            stream.ReasoningStart("1", provider_metadata={"google": {"signature": "s"}}),
            stream.ReasoningEnd("1"),
        ]
    )
    assert acc.content() == (
        ReasoningContent(text="", provider_metadata={"google": {"signature": "s"}}),
    )


def test_block_ids_may_be_reused_after_end() -> None:
    acc = accumulate(
        [
            stream.TextStart("0"),
            stream.TextDelta("0", "a"),
            stream.TextEnd("0"),
            stream.ToolCall("x", "t", "{}"),
            stream.TextStart("0"),
            stream.TextDelta("0", "b"),
            stream.TextEnd("0"),
        ]
    )
    texts = [c.text for c in acc.content() if isinstance(c, TextContent)]
    assert texts == ["a", "b"]


def test_delta_without_start_creates_block() -> None:
    acc = accumulate([stream.TextDelta("z", "hi")])
    assert acc.content() == (TextContent(text="hi"),)


def test_tool_results_sources_and_errors() -> None:
    error = ProviderError("overloaded", provider="x", retryable=True)
    acc = accumulate(
        [
            stream.ToolCall("s1", "web_search", '{"q":"x"}', provider_executed=True),
            stream.ToolResult("s1", "web_search", TextOutput(text="r"), provider_executed=True),
            stream.Source(url="https://example.com", title="Example"),
            stream.Error(error),
        ]
    )
    content = acc.content()
    assert [c.type for c in content] == ["tool-call", "tool-result", "source"]
    assert acc.error is error
    with pytest.raises(ProviderError) as info:  # a stream that failed has no response
        acc.response()
    assert info.value is error


def test_usage_addition_and_defaults() -> None:
    a = Usage.of(input_tokens=10, output_tokens=5, reasoning_tokens=2, cache_read_tokens=4)
    b = Usage.of(input_tokens=1, output_tokens=1, total_tokens=3)
    total = a + b
    assert total.input_tokens == 11
    assert total.total_tokens == 18
    assert total.reasoning_tokens == 2
    assert total.cache_read_tokens == 4
    assert Usage.from_dict(total.to_dict()) == total


def test_usage_sum_builtin() -> None:
    usages = [Usage.of(input_tokens=1, output_tokens=2), Usage.of(input_tokens=3)]
    assert sum(usages) == usages[0] + usages[1]
