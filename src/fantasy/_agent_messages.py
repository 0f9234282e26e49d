"""Pure message building for the agent: the initial prompt and each step's messages."""

from __future__ import annotations

from collections.abc import Sequence

from fantasy.content import (
    Content,
    FileContent,
    ReasoningContent,
    SourceContent,
    TextContent,
    ToolCallContent,
    ToolResultContent,
)
from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    FilePart,
    Message,
    MessagePart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)

__all__ = ["initial_prompt", "step_messages", "with_system"]


def initial_prompt(
    system_prompt: str,
    history: Sequence[Message],
    prompt: str | None,
    files: Sequence[FilePart],
    resuming: bool = False,
) -> list[Message]:
    """``[system] + history + [user: prompt text, then one part per file]``.

    Raises:
        InvalidArgumentError: When there is nothing to send (a resumed run always has
            its paused step to go on from).
    """
    messages: list[Message] = []
    if system_prompt:
        messages.append(Message(role="system", content=(TextPart(text=system_prompt),)))
    messages.extend(history)
    if prompt is not None or files:
        text = () if prompt is None else (TextPart(text=prompt),)
        messages.append(Message(role="user", content=(*text, *files)))
    if not resuming and not any(message.role != "system" for message in messages):
        raise InvalidArgumentError("give a prompt, files or messages", argument="prompt")
    return messages


def with_system(messages: Sequence[Message], system: str) -> list[Message]:
    """``messages`` with the leading system message replaced by ``system`` (or prepended)."""
    rest = list(messages[1:]) if messages and messages[0].role == "system" else list(messages)
    return [Message(role="system", content=(TextPart(text=system),)), *rest]


def _assistant_part(item: Content) -> MessagePart | None:
    """The assistant part replaying ``item``; its provider metadata become options."""
    match item:
        case TextContent():
            return (
                TextPart(text=item.text, provider_options=item.provider_metadata)
                if item.text
                else None
            )
        case ReasoningContent():
            return ReasoningPart(text=item.text, provider_options=item.provider_metadata)
        case ToolCallContent():
            return ToolCallPart(
                tool_call_id=item.tool_call_id,
                tool_name=item.tool_name,
                input=item.input,
                provider_executed=item.provider_executed,
                provider_options=item.provider_metadata,
            )
        case FileContent():
            return FilePart(
                media_type=item.media_type, data=item.data, provider_options=item.provider_metadata
            )
        case ToolResultContent():
            return _result_part(item) if item.provider_executed else None
        case SourceContent():
            return None  # citations are not replayed


def _result_part(item: ToolResultContent) -> ToolResultPart:
    return ToolResultPart(
        tool_call_id=item.tool_call_id,
        output=item.result,
        tool_name=item.tool_name,
        provider_executed=item.provider_executed,
        client_metadata=item.client_metadata,
        provider_options=item.provider_metadata,
    )


def step_messages(content: Sequence[Content]) -> tuple[Message, ...]:
    """The messages a step adds, built from its content in order.

    One assistant message (text, reasoning, tool calls, files, provider-executed tool
    results), then one tool message with the client tool results; an empty one is
    left out. Each part's ``provider_options`` are its content item's
    ``provider_metadata`` (how reasoning signatures and server-tool data are replayed).
    """
    assistant = [part for part in map(_assistant_part, content) if part is not None]
    results = [
        _result_part(item)
        for item in content
        if isinstance(item, ToolResultContent) and not item.provider_executed
    ]
    messages: list[Message] = []
    if assistant:
        messages.append(Message(role="assistant", content=tuple(assistant)))
    if results:
        messages.append(Message(role="tool", content=tuple(results)))
    return tuple(messages)
