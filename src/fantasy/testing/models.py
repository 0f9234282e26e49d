"""Offline language models for tests, examples and the CLI.

* :class:`ScriptedModel` plays back a script: one :class:`~fantasy.response.Response`,
  list of stream parts or exception per call, and records every :class:`~fantasy.model.Call`.
* :class:`TestModel` answers on its own, deterministically: it calls each available
  function tool once with arguments valid against the tool's JSON Schema, then answers
  from the tool results; without tools it answers with a fixed text or an echo.
* :class:`TestProvider` is the ``"test"`` provider of the registry, so that
  ``language_model("test:anything")`` gives a :class:`TestModel`.

Both models stream the way providers do (see :func:`response_to_parts`)::

    model = ScriptedModel([text_response("hi"), RateLimitError("slow down")])
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, TypeAlias, assert_never

from fantasy import stream
from fantasy.content import (
    Content,
    FileContent,
    ReasoningContent,
    SourceContent,
    TextContent,
    ToolCallContent,
    ToolResultContent,
)
from fantasy.errors import FantasyError
from fantasy.messages import (
    ErrorOutput,
    MediaOutput,
    Message,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultOutput,
    ToolResultPart,
)
from fantasy.model import BaseLanguageModel, Call
from fantasy.response import Response, ResponseInfo
from fantasy.testing._embedding import TestEmbeddingModel
from fantasy.testing._examples import example_value
from fantasy.tools import FunctionTool, SpecificToolChoice
from fantasy.usage import FinishReason, Usage

__all__ = [
    "Chunker",
    "ScriptExhaustedError",
    "ScriptItem",
    "ScriptedModel",
    "TestModel",
    "TestProvider",
    "example_value",
    "response_to_parts",
    "split_words",
    "text_response",
    "tool_call_response",
]

ScriptItem: TypeAlias = Response | Sequence[stream.StreamPart] | BaseException | str
"""One scripted answer: a response, its stream parts, an exception to raise, or a text."""

_Answer: TypeAlias = Response | Sequence[stream.StreamPart] | str

Chunker: TypeAlias = Callable[[str], Iterable[str]]
"""Splits a text into the deltas that stream it; the chunks must join back to the text."""

_WORD = re.compile(r"\s*\S+\s*")


def split_words(text: str) -> list[str]:
    """Split ``text`` into word deltas (each keeps its surrounding spaces).

    ``"".join(split_words(text)) == text`` always holds.
    """
    chunks = _WORD.findall(text)
    return chunks if "".join(chunks) == text else [text]


def _whole(text: str) -> list[str]:
    return [text]


# --- Response → stream parts -----------------------------------------------------------


def response_to_parts(
    response: Response, *, chunker: Chunker | None = None
) -> list[stream.StreamPart]:
    """The stream parts a provider would send for ``response``, in provider order.

    Warnings and response metadata come first, then one start/delta/end block per text
    and reasoning item (their ``provider_metadata`` on the end part), tool-input
    start/delta/end plus a :class:`~fantasy.stream.ToolCall` per tool call, tool results,
    sources and files in content order, and :class:`~fantasy.stream.Finish` last.

    Feeding the parts to a :class:`~fantasy.stream.StreamAccumulator` gives ``response``
    back, except what a stream cannot carry: HTTP headers, empty text items and the
    agent's ``invalid``/``validation_error`` marks on tool calls.

    Args:
        response: The response to stream.
        chunker: Splits text, reasoning and tool input into deltas (default: one delta).

    Returns:
        The parts, ready to be yielded by a model's ``stream``.
    """
    split = chunker or _whole
    parts: list[stream.StreamPart] = []
    if response.warnings:
        parts.append(stream.Warnings(tuple(response.warnings)))
    if response.info.id or response.info.model_id:
        parts.append(stream.ResponseMetadata(id=response.info.id, model_id=response.info.model_id))
    for index, item in enumerate(response.content):
        parts.extend(_content_parts(item, str(index), split))
    parts.append(
        stream.Finish(
            finish_reason=response.finish_reason,
            usage=response.usage,
            raw_finish_reason=response.raw_finish_reason,
            provider_metadata=response.provider_metadata,
        )
    )
    return parts


def _content_parts(item: Content, block_id: str, split: Chunker) -> list[stream.StreamPart]:
    match item:
        case TextContent():
            return [
                stream.TextStart(block_id),
                *(stream.TextDelta(block_id, chunk) for chunk in split(item.text) if chunk),
                stream.TextEnd(block_id, provider_metadata=item.provider_metadata),
            ]
        case ReasoningContent():
            return [
                stream.ReasoningStart(block_id),
                *(stream.ReasoningDelta(block_id, chunk) for chunk in split(item.text) if chunk),
                stream.ReasoningEnd(block_id, provider_metadata=item.provider_metadata),
            ]
        case ToolCallContent():
            return _tool_call_parts(item, split)
        case ToolResultContent():
            return [
                stream.ToolResult(
                    tool_call_id=item.tool_call_id,
                    tool_name=item.tool_name,
                    result=item.result,
                    provider_executed=item.provider_executed,
                    client_metadata=item.client_metadata,
                    provider_metadata=item.provider_metadata,
                )
            ]
        case SourceContent():
            return [
                stream.Source(
                    source_type=item.source_type,
                    id=item.id,
                    url=item.url,
                    title=item.title,
                    media_type=item.media_type,
                    filename=item.filename,
                    provider_metadata=item.provider_metadata,
                )
            ]
        case FileContent():
            return [stream.File(item.media_type, item.data, item.provider_metadata)]
        case _:
            assert_never(item)


def _tool_call_parts(item: ToolCallContent, split: Chunker) -> list[stream.StreamPart]:
    call_id = item.tool_call_id
    return [
        stream.ToolInputStart(call_id, item.tool_name, provider_executed=item.provider_executed),
        *(stream.ToolInputDelta(call_id, chunk) for chunk in split(item.input) if chunk),
        stream.ToolInputEnd(call_id),
        stream.ToolCall(
            tool_call_id=call_id,
            tool_name=item.tool_name,
            input=item.input,
            provider_executed=item.provider_executed,
            provider_metadata=item.provider_metadata,
        ),
    ]


# --- canned responses ------------------------------------------------------------------


def text_response(text: str, *, usage: Usage | None = None) -> Response:
    """A response holding ``text``, finished with ``stop``."""
    return Response(
        content=(TextContent(text=text),),
        finish_reason=FinishReason.STOP,
        raw_finish_reason="stop",
        usage=usage or Usage(),
    )


def tool_call_response(
    tool_name: str,
    arguments: Mapping[str, Any] | str,
    *,
    tool_call_id: str = "call_1",
    usage: Usage | None = None,
) -> Response:
    """A response holding one tool call, finished with ``tool-calls``.

    Args:
        tool_name: The tool to call.
        arguments: The input, as a mapping (dumped to JSON) or raw JSON text (kept verbatim).
        tool_call_id: The call's id.
        usage: The response's usage.
    """
    raw = arguments if isinstance(arguments, str) else json.dumps(dict(arguments))
    call = ToolCallContent(tool_call_id=tool_call_id, tool_name=tool_name, input=raw)
    return Response(
        content=(call,),
        finish_reason=FinishReason.TOOL_CALLS,
        raw_finish_reason="tool_calls",
        usage=usage or Usage(),
    )


# --- ScriptedModel ---------------------------------------------------------------------


class ScriptExhaustedError(FantasyError):
    """A :class:`ScriptedModel` was called more often than its script has answers."""


class ScriptedModel(BaseLanguageModel):
    """A model that plays back a script, one item per call (``generate`` or ``stream``).

    Items: a :class:`~fantasy.response.Response`; a sequence of stream parts; an
    exception, raised at that call (to test retries); or a string, shorthand for
    :func:`text_response`. ``generate`` accumulates parts into a response and raises
    the error of a :class:`~fantasy.stream.Error` part; ``stream`` turns a response
    into parts with :func:`response_to_parts`.

    Attributes:
        calls: Every call received, in order.
    """

    def __init__(
        self,
        responses: Iterable[ScriptItem],
        *,
        provider: str = "test",
        model_id: str = "scripted",
    ) -> None:
        super().__init__(provider=provider, model_id=model_id)
        self._script: list[ScriptItem] = list(responses)
        self._position = 0
        self.calls: list[Call] = []

    @property
    def remaining(self) -> int:
        """How many scripted items are left."""
        return len(self._script) - self._position

    def _next(self, call: Call) -> _Answer:
        self.calls.append(call)
        if self._position >= len(self._script):
            raise ScriptExhaustedError(
                f"ScriptedModel got call #{len(self.calls)} but its script has only "
                f"{len(self._script)} item(s)"
            )
        item = self._script[self._position]
        self._position += 1
        if isinstance(item, BaseException):
            raise item
        return item

    async def generate(self, call: Call) -> Response:
        """The next scripted item as a response (parts are accumulated)."""
        item = self._next(call)
        if isinstance(item, str):
            return text_response(item)
        if isinstance(item, Response):
            return item
        accumulator = stream.StreamAccumulator()
        for part in item:
            accumulator.add(part)
        return accumulator.response()  # raises an in-band error

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        """The next scripted item as stream parts."""
        item = self._next(call)
        if isinstance(item, str):
            item = text_response(item)
        parts = response_to_parts(item) if isinstance(item, Response) else item
        for part in parts:
            yield part


# --- TestModel -------------------------------------------------------------------------


def _last_user_index(prompt: Sequence[Message]) -> int:
    for index in range(len(prompt) - 1, -1, -1):
        if prompt[index].role == "user":
            return index
    return -1


def _words(text: str) -> int:
    return len(text.split())


def _prompt_tokens(prompt: Sequence[Message]) -> int:
    count = 0
    for message in prompt:
        for part in message.content:
            if isinstance(part, TextPart | ReasoningPart):
                count += _words(part.text)
            elif isinstance(part, ToolCallPart):
                count += _words(part.input)
            elif isinstance(part, ToolResultPart):
                count += _words(_output_text(part.output))
    return count


def _output_text(output: ToolResultOutput) -> str:
    match output:
        case TextOutput():
            return output.text
        case ErrorOutput():
            return f"error: {output.error}"
        case MediaOutput():
            return output.text or f"[{output.media_type}, {len(output.data)} bytes]"
        case _:
            assert_never(output)


class TestModel(BaseLanguageModel):
    """A deterministic offline model: calls each tool once, then answers from the results.

    On a call with function tools (and ``tool_choice`` not ``"none"``) whose prompt holds
    no tool results since the last user message, it calls every tool once (only the
    chosen one for a specific tool choice) with arguments generated from the tool's JSON
    Schema by :func:`example_value`. City names ("in Florence") and arithmetic ("2 + 3")
    in the last user message fill location and expression fields. When the prompt holds
    tool results, it answers ``"<tool>: <result>; ..."``. Without tools it answers
    ``"echo: <last user text>"``. A fixed ``text`` always wins; otherwise a call asking
    for JSON (a ``response_format`` schema, or the schema a text-mode object call puts
    in its instructions) is answered with JSON matching it.

    Streams word by word; usage counts words as tokens.

    Args:
        provider: Provider name reported by the model.
        model_id: Model id reported by the model.
        text: A fixed final answer, used instead of the generated one.
        tool_call_id_prefix: Tool call ids are this prefix plus a running number.
        delay: Seconds to sleep before each streamed delta (for demos).

    Attributes:
        calls: Every call received, in order.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    def __init__(
        self,
        *,
        provider: str = "test",
        model_id: str = "test-model",
        text: str | None = None,
        tool_call_id_prefix: str = "call_",
        delay: float = 0.0,
    ) -> None:
        super().__init__(provider=provider, model_id=model_id)
        self.text = text
        self.tool_call_id_prefix = tool_call_id_prefix
        self.delay = delay
        self.calls: list[Call] = []

    async def generate(self, call: Call) -> Response:
        """Answer ``call`` (see the class docstring)."""
        self.calls.append(call)
        return self.respond(call)

    async def stream(self, call: Call) -> AsyncIterator[stream.StreamPart]:
        """Answer ``call`` as a stream of word-sized deltas."""
        self.calls.append(call)
        for part in response_to_parts(self.respond(call), chunker=split_words):
            if self.delay > 0 and isinstance(
                part, stream.TextDelta | stream.ReasoningDelta | stream.ToolInputDelta
            ):
                await asyncio.sleep(self.delay)
            yield part

    def respond(self, call: Call) -> Response:
        """The response to ``call``, without recording it (pure and deterministic)."""
        prompt = tuple(call.prompt)
        user_index = _last_user_index(prompt)
        user_text = prompt[user_index].text if user_index >= 0 else ""
        results = [
            part
            for message in prompt[user_index + 1 :]
            for part in message.content
            if isinstance(part, ToolResultPart)
        ]
        tools = [] if results else self._tools_to_call(call)
        if tools:
            content: tuple[Content, ...] = self._tool_calls(tools, prompt, user_text)
            reason = FinishReason.TOOL_CALLS
        else:
            content = (TextContent(text=self._answer(call, results, user_text)),)
            reason = FinishReason.STOP
        output = sum(
            _words(item.input if isinstance(item, ToolCallContent) else item.text)
            for item in content
            if isinstance(item, ToolCallContent | TextContent)
        )
        return Response(
            content=content,
            finish_reason=reason,
            raw_finish_reason=str(reason),
            usage=Usage.of(input_tokens=_prompt_tokens(prompt), output_tokens=output),
            info=ResponseInfo(id=f"test-{len(prompt)}", model_id=self.model_id),
        )

    @staticmethod
    def _tools_to_call(call: Call) -> list[FunctionTool]:
        if call.tool_choice == "none":
            return []
        tools = [tool for tool in call.tools if isinstance(tool, FunctionTool)]
        if isinstance(call.tool_choice, SpecificToolChoice):
            return [tool for tool in tools if tool.name == call.tool_choice.tool_name]
        return tools

    def _tool_calls(
        self, tools: list[FunctionTool], prompt: tuple[Message, ...], user_text: str
    ) -> tuple[ToolCallContent, ...]:
        # Number calls after those already in the prompt, so ids stay unique in a chat.
        earlier = sum(
            isinstance(part, ToolCallPart) for message in prompt for part in message.content
        )
        return tuple(
            ToolCallContent(
                tool_call_id=f"{self.tool_call_id_prefix}{earlier + number}",
                tool_name=tool.name,
                input=json.dumps(example_value(tool.input_schema, prompt=user_text)),
            )
            for number, tool in enumerate(tools, start=1)
        )

    def _answer(self, call: Call, results: list[ToolResultPart], user_text: str) -> str:
        if self.text is not None:
            return self.text
        if call.response_format is not None:
            schema = call.response_format.schema or {"type": "object"}
            return json.dumps(example_value(schema, prompt=user_text))
        instructed = _schema_in_instructions(call)
        if instructed is not None:
            return json.dumps(example_value(instructed, prompt=user_text))
        if results:
            return "; ".join(
                f"{result.tool_name or result.tool_call_id}: {_output_text(result.output)}"
                for result in results
            )
        return f"echo: {user_text}"


def _schema_in_instructions(call: Call) -> dict[str, Any] | None:
    """The JSON Schema that a text-mode object call put in a system message, if any."""
    from fantasy._object_call import TEXT_INSTRUCTION

    for message in call.prompt:
        if message.role != "system":
            continue
        text = message.text
        if text.startswith(TEXT_INSTRUCTION):
            schema_text = text[len(TEXT_INSTRUCTION) :].split("\n", 1)[0]
            try:
                schema = json.loads(schema_text)
            except ValueError:
                return None
            return schema if isinstance(schema, dict) else None
    return None


class TestProvider:
    """The ``"test"`` provider: ``language_model(model_id)`` gives a :class:`TestModel`.

    Every setting (API key, base URL, HTTP client...) is accepted and ignored.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    def __init__(self, **settings: Any) -> None:
        del settings

    @property
    def name(self) -> str:
        """Provider name: ``"test"``."""
        return "test"

    def language_model(self, model_id: str) -> TestModel:
        """A :class:`TestModel` reporting ``model_id``."""
        return TestModel(model_id=model_id)

    def embedding_model(self, model_id: str) -> TestEmbeddingModel:
        """A :class:`~fantasy.testing.TestEmbeddingModel` reporting ``model_id``."""
        return TestEmbeddingModel(model_id)

    def __repr__(self) -> str:
        return "TestProvider()"
