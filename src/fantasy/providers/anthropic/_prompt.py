"""Prompt messages → Anthropic ``system`` blocks and ``messages`` (pure).

Rules:

* System messages become text blocks of the top-level ``system`` array.
* User and tool messages become ``user`` messages, assistant messages ``assistant``
  ones; consecutive messages of the same wire role are merged (so the results of one
  step's tool calls share one user message).
* A message-level cache mark goes on the message's last block; a part-level mark on
  the part's block.
* Assistant replay keeps the part order: text, thinking (with its signature) or
  redacted thinking, tool use, server tool use and server tool results. Provider-
  executed parts that carry only another provider's metadata (a conversation started
  elsewhere) are left out with a warning.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    Message,
    MessagePart,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from fantasy.options import get_provider_data
from fantasy.providers._media import (
    encode_base64,
    is_image,
    is_pdf,
    is_text,
    media_type_of,
    parse_data_url,
    part_bytes,
    part_text,
    sniff_image_type,
)
from fantasy.providers.anthropic._wire import Block, MessageParam
from fantasy.providers.anthropic.options import (
    PROVIDER_KEY,
    AnthropicProviderOptions,
    AnthropicReasoningMetadata,
    AnthropicServerToolResultMetadata,
)
from fantasy.usage import CallWarning

__all__ = ["cache_control_of", "convert_prompt", "file_block", "media_block"]


@dataclass(slots=True)
class _Context:
    send_reasoning: bool
    warnings: list[CallWarning] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(CallWarning(type="other", message=message))


def cache_control_of(options: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The wire ``cache_control`` of a message, part or tool, if it has one."""
    parsed = get_provider_data(options, PROVIDER_KEY, AnthropicProviderOptions)
    if parsed is None or parsed.cache_control is None:
        return None
    return parsed.cache_control.to_dict()


def _with_cache(block: Block, options: Mapping[str, Any]) -> Block:
    control = cache_control_of(options)
    if control is not None:
        block["cache_control"] = control
    return block


def convert_prompt(
    prompt: Sequence[Message], *, send_reasoning: bool, warnings: list[CallWarning]
) -> tuple[list[Block], list[MessageParam]]:
    """Convert ``prompt`` into ``(system blocks, messages)``; warnings are appended."""
    context = _Context(send_reasoning=send_reasoning, warnings=warnings)
    system: list[Block] = []
    messages: list[MessageParam] = []
    for index, message in enumerate(prompt):
        if message.role == "system":
            if messages:
                context.warn(
                    f"system message {index} follows other messages; it was sent in the "
                    "top-level system prompt"
                )
            system.extend(_mark_last(_system_blocks(message), message))
            continue
        blocks = _mark_last(_message_blocks(message, context), message)
        if not blocks:
            continue
        role: Any = "assistant" if message.role == "assistant" else "user"
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    if not messages:
        raise InvalidArgumentError("the prompt needs at least one user or assistant message")
    return system, messages


def _mark_last(blocks: list[Block], message: Message) -> list[Block]:
    control = cache_control_of(message.provider_options)
    if control is not None and blocks:
        blocks[-1]["cache_control"] = control
    return blocks


def _wrong_part(message: Message, part: MessagePart) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"a {message.role} message cannot hold {part.type} parts", argument="prompt"
    )


def _text_block(part: TextPart) -> Block:
    return _with_cache({"type": "text", "text": part.text}, part.provider_options)


def _system_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    for part in message.content:
        if not isinstance(part, TextPart):
            raise _wrong_part(message, part)
        if part.text:
            blocks.append(_text_block(part))
    return blocks


def _message_blocks(message: Message, context: _Context) -> list[Block]:
    if message.role == "user":
        return [_user_block(message, part) for part in message.content if _has_content(part)]
    if message.role == "tool":
        return _tool_blocks(message, context)
    return _assistant_blocks(message, context)


def _has_content(part: MessagePart) -> bool:
    return not (isinstance(part, TextPart) and not part.text)


def _user_block(message: Message, part: MessagePart) -> Block:
    if isinstance(part, TextPart):
        return _text_block(part)
    if isinstance(part, FilePart):
        return _with_cache(file_block(part), part.provider_options)
    raise _wrong_part(message, part)


def _tool_blocks(message: Message, context: _Context) -> list[Block]:
    blocks: list[Block] = []
    for part in message.content:
        if not isinstance(part, ToolResultPart):
            raise _wrong_part(message, part)
        if part.provider_executed:
            context.warn(
                f"provider-executed tool result {part.tool_call_id} in a tool message was "
                "not sent (it belongs in the assistant message)"
            )
            continue
        blocks.append(_with_cache(_tool_result_block(part), part.provider_options))
    return blocks


def _assistant_blocks(message: Message, context: _Context) -> list[Block]:
    blocks: list[Block] = []
    for part in message.content:
        block = _assistant_block(message, part, context)
        if block is not None:
            blocks.append(block)
    return blocks


def _assistant_block(message: Message, part: MessagePart, context: _Context) -> Block | None:
    if isinstance(part, TextPart):
        return _text_block(part) if part.text else None
    if isinstance(part, ReasoningPart):
        return _reasoning_block(part, context)
    if isinstance(part, ToolCallPart | ToolResultPart) and _is_foreign(part):
        context.warn(
            f"provider-executed {part.type} {part.tool_call_id} of another provider was not "
            "sent: Anthropic cannot replay it"
        )
        return None
    if isinstance(part, ToolCallPart):
        return _with_cache(_tool_use_block(part, context), part.provider_options)
    if isinstance(part, ToolResultPart) and part.provider_executed:
        return _server_result_block(part)
    if isinstance(part, FilePart):
        context.warn(f"assistant file part ({part.media_type}) was not sent: not supported")
        return None
    raise _wrong_part(message, part)


def _is_foreign(part: ToolCallPart | ToolResultPart) -> bool:
    """Whether a provider-executed part carries another provider's metadata only.

    Anthropic's own server tool calls carry no metadata and their results carry
    ``anthropic`` metadata; a part with metadata of other providers alone (an OpenAI
    web search item, say) comes from a conversation started elsewhere.
    """
    options = part.provider_options
    return part.provider_executed and bool(options) and PROVIDER_KEY not in options


def _reasoning_block(part: ReasoningPart, context: _Context) -> Block | None:
    if not context.send_reasoning:
        return None
    metadata = get_provider_data(part.provider_options, PROVIDER_KEY, AnthropicReasoningMetadata)
    if metadata is not None and metadata.redacted_data:
        return {"type": "redacted_thinking", "data": metadata.redacted_data}
    if metadata is not None and metadata.signature:
        return {"type": "thinking", "thinking": part.text, "signature": metadata.signature}
    context.warn("a reasoning part without an Anthropic signature was not sent")
    return None


def _tool_use_block(part: ToolCallPart, context: _Context) -> Block:
    kind = "server_tool_use" if part.provider_executed else "tool_use"
    return {
        "type": kind,
        "id": part.tool_call_id,
        "name": part.tool_name,
        "input": _tool_input(part, context),
    }


def _tool_input(part: ToolCallPart, context: _Context) -> dict[str, Any]:
    if not part.input.strip():
        return {}
    try:
        value = json.loads(part.input)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    context.warn(
        f"tool call {part.tool_call_id} input is not a JSON object; it was replayed as {{}}"
    )
    return {}


def _server_result_block(part: ToolResultPart) -> Block:
    metadata = get_provider_data(
        part.provider_options, PROVIDER_KEY, AnthropicServerToolResultMetadata
    )
    if metadata is None:
        raise InvalidArgumentError(
            f"provider-executed tool result {part.tool_call_id} has no Anthropic metadata "
            "to replay (keep the content's provider_metadata as the part's provider_options)",
            argument="prompt",
        )
    block = dict(metadata.block)
    block["tool_use_id"] = part.tool_call_id
    return block


def _tool_result_block(part: ToolResultPart) -> Block:
    block: Block = {"type": "tool_result", "tool_use_id": part.tool_call_id}
    output = part.output
    content: list[Block] = []
    if isinstance(output, TextOutput):
        if output.text:
            content.append({"type": "text", "text": output.text})
    elif isinstance(output, ErrorOutput):
        if output.error:
            content.append({"type": "text", "text": output.error})
        block["is_error"] = True
    elif isinstance(output, MediaOutput):
        if output.text:
            content.append({"type": "text", "text": output.text})
        content.append(media_block(output.data, output.media_type))
    if content:
        block["content"] = content
    return block


_TITLE_OTHER = re.compile(r"[^A-Za-z0-9\s()\[\]-]")
_TITLE_SPACES = re.compile(r"\s+")
_TITLE_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TITLE_MAX = 500


def _image_type(media_type: str, data: bytes) -> str:
    if media_type in ("image/*", "image"):
        return sniff_image_type(data) or "image/png"
    return media_type


def media_block(data: bytes, media_type: str) -> Block:
    """An image, PDF document or text block holding ``data``."""
    media = media_type_of(media_type)
    if is_image(media) or media == "image":
        source = {"type": "base64", "media_type": _image_type(media, data)}
        source["data"] = encode_base64(data)
        return {"type": "image", "source": source}
    if is_pdf(media):
        source = {"type": "base64", "media_type": media, "data": encode_base64(data)}
        return {"type": "document", "source": source}
    if is_text(media):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidArgumentError(f"{media_type} data is not valid UTF-8") from error
        return {"type": "text", "text": text}
    raise InvalidArgumentError(f"Anthropic does not accept {media_type} media")


def file_block(part: FilePart) -> Block:
    """The image or document block of a user file part."""
    media = media_type_of(part.media_type)
    if part.url is not None:
        parsed = parse_data_url(part.url)
        if parsed is not None:
            return _titled(media_block(parsed[1], part.media_type), part)
        if is_image(media):
            return {"type": "image", "source": {"type": "url", "url": part.url}}
        if is_pdf(media):
            return _titled({"type": "document", "source": {"type": "url", "url": part.url}}, part)
        raise InvalidArgumentError(
            f"Anthropic accepts URLs only for images and PDFs, not {part.media_type}"
        )
    if is_text(media):
        source = {"type": "text", "media_type": "text/plain", "data": part_text(part)}
        return _titled({"type": "document", "source": source}, part)
    block = media_block(part_bytes(part), part.media_type)
    return _titled(block, part) if block["type"] == "document" else block


def document_title(filename: str) -> str:
    """``filename`` as a document title Anthropic accepts (``""`` if nothing is left).

    Titles may hold only letters, digits, whitespace (one at a time) and ``-()[]``.
    The extension is dropped (the media type says it), accents too (``é`` → ``e``),
    every run of other characters (``_``, ``.``,
    ``/``, punctuation, non-Latin letters) and of whitespace becomes one space, and the
    result is trimmed to 500 characters.
    """
    stem = _TITLE_EXTENSION.sub("", filename) or filename
    ascii_name = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    title = _TITLE_SPACES.sub(" ", _TITLE_OTHER.sub(" ", ascii_name)).strip()
    return title[:_TITLE_MAX].strip()


def _titled(block: Block, part: FilePart) -> Block:
    if block["type"] != "document" or not part.filename:
        return block
    title = document_title(part.filename)
    if title:
        block["title"] = title
    if title != part.filename:  # the model still learns the file's real name
        block["context"] = f"filename: {part.filename}"
    return block
