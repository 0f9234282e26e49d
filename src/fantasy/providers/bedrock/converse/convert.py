"""A :class:`~fantasy.model.Call` → the Bedrock Converse request body (pure).

Rules (Bedrock's ``Converse`` / ``ConverseStream`` API reference):

* System messages become ``system`` text blocks; user and tool messages ``user``
  messages, assistant messages ``assistant`` ones; consecutive messages of one role are
  merged (the results of one step's tool calls share one user message).
* Files are sent as bytes (base64 in JSON) or as an ``s3://`` location: images
  (png, jpeg, gif, webp), documents (pdf, csv, doc, docx, xls, xlsx, html, txt, md; the
  name restricted to the characters Bedrock accepts) and videos. Other URLs and audio
  are refused with a clear error.
* Reasoning received from Converse is replayed as received (text with signature, or
  redacted content); reasoning of another provider is left out with a warning.
* ``{"bedrock": {"cache_point": True}}`` on a message, part or tool adds a
  ``cachePoint`` block after it.
* ``inferenceConfig`` takes max tokens, temperature, top-p and stop sequences; other
  settings go in ``additionalModelRequestFields`` (provider options) or are warned.
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
from fantasy.model import Call
from fantasy.options import get_provider_data, namespace_warnings
from fantasy.providers._media import (
    encode_base64,
    is_image,
    is_text,
    is_video,
    media_type_of,
    parse_data_url,
    part_bytes,
    sniff_image_type,
)
from fantasy.providers.bedrock.converse.options import (
    PROVIDER_KEY,
    BedrockConverseOptions,
    BedrockReasoningMetadata,
)
from fantasy.tools import FunctionTool, SpecificToolChoice
from fantasy.usage import CallWarning

__all__ = ["build_request", "document_name"]

Block = dict[str, Any]

_IMAGE_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
}
_DOCUMENT_FORMATS = {
    "application/pdf": "pdf",
    "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html",
    "text/plain": "txt",
    "text/markdown": "md",
}
_VIDEO_FORMATS = {
    "video/x-matroska": "mkv",
    "video/quicktime": "mov",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/x-flv": "flv",
    "video/mpeg": "mpeg",
    "video/x-ms-wmv": "wmv",
    "video/3gpp": "three_gp",
}
_CACHE_POINT: Block = {"cachePoint": {"type": "default"}}
# Document names: letters, digits, single spaces, hyphens, parentheses and brackets.
_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9\s\-()\[\]]")


@dataclass(slots=True)
class _Context:
    send_reasoning: bool
    warnings: list[CallWarning] = field(default_factory=list)
    documents: int = 0

    def warn(self, message: str) -> None:
        self.warnings.append(CallWarning(type="other", message=message))


def options_of(values: Mapping[str, Any] | None) -> BedrockConverseOptions | None:
    """The Converse options in a provider map, if any."""
    return get_provider_data(values, PROVIDER_KEY, BedrockConverseOptions)


def _cache_point(values: Mapping[str, Any] | None) -> bool:
    # Parts also carry replay metadata under "bedrock" (reasoning), so only a
    # ``cache_point`` field is looked for here, whatever else the mapping holds.
    value = (values or {}).get(PROVIDER_KEY)
    if isinstance(value, BedrockConverseOptions):
        return bool(value.cache_point)
    if isinstance(value, Mapping):
        return bool(value.get("cache_point"))
    return False


def build_request(call: Call) -> tuple[dict[str, Any], list[CallWarning]]:
    """The Converse body for ``call`` (the same for ``converse`` and ``converse-stream``).

    Raises:
        InvalidArgumentError: The prompt has no user or assistant message, or holds a
            part Converse cannot take.
    """
    options = options_of(call.provider_options) or BedrockConverseOptions()
    context = _Context(send_reasoning=options.send_reasoning is not False)
    context.warnings += namespace_warnings(call.provider_options)
    system, messages = _prompt(call.prompt, context)
    body: dict[str, Any] = {"messages": messages}
    if system:
        body["system"] = system
    inference = _inference_config(call, context)
    if inference:
        body["inferenceConfig"] = inference
    tool_config = _tool_config(call, messages, context)
    if tool_config:
        body["toolConfig"] = tool_config
    if call.response_format is not None and call.response_format.schema is not None:
        body["outputConfig"] = _output_config(call)
    _apply_options(body, options)
    return body, context.warnings


def _apply_options(body: dict[str, Any], options: BedrockConverseOptions) -> None:
    if options.additional_model_request_fields:
        body["additionalModelRequestFields"] = dict(options.additional_model_request_fields)
    if options.additional_model_response_field_paths:
        body["additionalModelResponseFieldPaths"] = list(
            options.additional_model_response_field_paths
        )
    if options.guardrail is not None:
        guardrail = options.guardrail
        config: dict[str, Any] = {
            "guardrailIdentifier": guardrail.identifier,
            "guardrailVersion": guardrail.version,
        }
        if guardrail.trace is not None:
            config["trace"] = guardrail.trace
        if guardrail.stream_processing_mode is not None:
            config["streamProcessingMode"] = guardrail.stream_processing_mode
        body["guardrailConfig"] = config
    if options.performance_latency is not None:
        body["performanceConfig"] = {"latency": options.performance_latency}
    if options.request_metadata:
        body["requestMetadata"] = dict(options.request_metadata)


def _inference_config(call: Call, context: _Context) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if call.max_output_tokens is not None:
        config["maxTokens"] = call.max_output_tokens
    if call.temperature is not None:
        config["temperature"] = call.temperature
    if call.top_p is not None:
        config["topP"] = call.top_p
    if call.stop_sequences:
        config["stopSequences"] = list(call.stop_sequences)
    for name, value in (
        ("top_k", call.top_k),
        ("presence_penalty", call.presence_penalty),
        ("frequency_penalty", call.frequency_penalty),
        ("seed", call.seed),
    ):
        if value is not None:
            context.warnings.append(
                CallWarning.unsupported(
                    name, "not a Converse setting; pass it in additional_model_request_fields"
                )
            )
    return config


def _output_config(call: Call) -> dict[str, Any]:
    assert call.response_format is not None  # checked by the caller
    schema = call.response_format.schema
    definition: dict[str, Any] = {"schema": json.dumps(schema, separators=(",", ":"))}
    if call.response_format.name:
        definition["name"] = call.response_format.name
    if call.response_format.description:
        definition["description"] = call.response_format.description
    return {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": definition}}}


def _tool_config(
    call: Call, messages: list[dict[str, Any]], context: _Context
) -> dict[str, Any] | None:
    tools: list[Block] = []
    for tool in call.tools:
        if not isinstance(tool, FunctionTool):
            context.warnings.append(CallWarning(type="unsupported-tool", setting=tool.name))
            continue
        spec: dict[str, Any] = {"name": tool.name, "inputSchema": {"json": dict(tool.input_schema)}}
        if tool.description:
            spec["description"] = tool.description
        tools.append({"toolSpec": spec})
        if _cache_point(tool.provider_options):
            tools.append(dict(_CACHE_POINT))
    if not tools:
        return None
    choice = call.tool_choice
    if choice == "none":
        if not _has_tool_blocks(messages):
            return None
        # Converse has no "none": a history with tool blocks needs the tools declared.
        context.warnings.append(
            CallWarning.unsupported("tool_choice", "Converse has no 'none'; tools stay declared")
        )
        choice = None
    config: dict[str, Any] = {"tools": tools}
    if choice == "auto":
        config["toolChoice"] = {"auto": {}}
    elif choice == "required":
        config["toolChoice"] = {"any": {}}
    elif isinstance(choice, SpecificToolChoice):
        config["toolChoice"] = {"tool": {"name": choice.tool_name}}
    return config


def _has_tool_blocks(messages: list[dict[str, Any]]) -> bool:
    return any(
        "toolUse" in block or "toolResult" in block
        for message in messages
        for block in message["content"]
    )


def _prompt(
    prompt: Sequence[Message], context: _Context
) -> tuple[list[Block], list[dict[str, Any]]]:
    system: list[Block] = []
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(prompt):
        if message.role == "system":
            if messages:
                context.warn(
                    f"system message {index} follows other messages; it was sent in the "
                    "top-level system prompt"
                )
            system.extend(_with_point(_system_blocks(message), message.provider_options))
            continue
        blocks = _with_point(_message_blocks(message, context), message.provider_options)
        if not blocks:
            continue
        role = "assistant" if message.role == "assistant" else "user"
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    if not messages:
        raise InvalidArgumentError("the prompt needs at least one user or assistant message")
    return system, messages


def _with_point(blocks: list[Block], options: Mapping[str, Any]) -> list[Block]:
    if blocks and _cache_point(options):
        blocks.append(dict(_CACHE_POINT))
    return blocks


def _wrong_part(message: Message, part: MessagePart) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"a {message.role} message cannot hold {part.type} parts", argument="prompt"
    )


def _system_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    for part in message.content:
        if not isinstance(part, TextPart):
            raise _wrong_part(message, part)
        if part.text:
            blocks.extend(_with_point([{"text": part.text}], part.provider_options))
    return blocks


def _message_blocks(message: Message, context: _Context) -> list[Block]:
    blocks: list[Block] = []
    for part in message.content:
        block = _block(message, part, context)
        if block is not None:
            blocks.extend(_with_point([block], part.provider_options))
    return blocks


def _block(message: Message, part: MessagePart, context: _Context) -> Block | None:
    role = message.role
    if isinstance(part, TextPart):
        return {"text": part.text} if part.text else None
    if isinstance(part, FilePart) and role == "user":
        return file_block(part, context)
    if isinstance(part, ToolResultPart) and role == "tool":
        return _tool_result_block(part, context)
    if role == "assistant":
        return _assistant_block(message, part, context)
    raise _wrong_part(message, part)


def _assistant_block(message: Message, part: MessagePart, context: _Context) -> Block | None:
    if isinstance(part, ReasoningPart):
        return _reasoning_block(part, context)
    if isinstance(part, ToolCallPart):
        if part.provider_executed:
            context.warn(f"provider-executed tool call {part.tool_call_id} was not sent")
            return None
        return {
            "toolUse": {
                "toolUseId": part.tool_call_id,
                "name": part.tool_name,
                "input": _tool_input(part, context),
            }
        }
    if isinstance(part, ToolResultPart | FilePart):
        context.warn(f"assistant {part.type} part was not sent: Converse cannot replay it")
        return None
    raise _wrong_part(message, part)


def _tool_input(part: ToolCallPart, context: _Context) -> Any:
    if not part.input.strip():
        return {}
    try:
        value = json.loads(part.input)
    except ValueError:
        value = None
    if isinstance(value, dict):
        return value
    context.warn(f"tool call {part.tool_call_id} input is not a JSON object; replayed as {{}}")
    return {}


def _reasoning_block(part: ReasoningPart, context: _Context) -> Block | None:
    if not context.send_reasoning:
        return None
    if PROVIDER_KEY not in part.provider_options:
        context.warn("a reasoning part from another provider was not sent")
        return None
    metadata = get_provider_data(part.provider_options, PROVIDER_KEY, BedrockReasoningMetadata)
    if metadata is not None and metadata.redacted_content:
        return {"reasoningContent": {"redactedContent": metadata.redacted_content}}
    text: dict[str, Any] = {"text": part.text}
    if metadata is not None and metadata.signature:
        text["signature"] = metadata.signature
    return {"reasoningContent": {"reasoningText": text}}


def _tool_result_block(part: ToolResultPart, context: _Context) -> Block:
    output = part.output
    content: list[Block] = []
    status = "success"
    if isinstance(output, TextOutput):
        content.append({"text": output.text})
    elif isinstance(output, ErrorOutput):
        content.append({"text": output.error})
        status = "error"
    elif isinstance(output, MediaOutput):
        if output.text:
            content.append({"text": output.text})
        content.append(_media_block(output.data, output.media_type, "", context))
    result: dict[str, Any] = {"toolUseId": part.tool_call_id, "content": content}
    result["status"] = status
    return {"toolResult": result}


def document_name(filename: str, index: int) -> str:
    """A document name Bedrock accepts, from ``filename`` (its extension dropped).

    Bedrock allows letters, digits, single spaces, hyphens, parentheses and square
    brackets; accents are dropped from letters (``é`` → ``e``) and anything else becomes
    a space. An empty result is ``document-<n>``.
    """
    stem = filename.rsplit("/", 1)[-1]
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    cleaned = " ".join(_NAME_CHARACTERS.sub(" ", stem).split())
    return cleaned or f"document-{index}"


def _media_block(data: bytes, media_type: str, filename: str, context: _Context) -> Block:
    return _source_block(media_type, filename, {"bytes": encode_base64(data)}, data, context)


def _source_block(
    media_type: str, filename: str, source: dict[str, Any], data: bytes, context: _Context
) -> Block:
    media = media_type_of(media_type)
    if is_image(media) or media in ("image", "image/*"):
        if media not in _IMAGE_FORMATS:
            media = sniff_image_type(data) or media
        image_format = _IMAGE_FORMATS.get(media)
        if image_format is None:
            raise InvalidArgumentError(f"Bedrock Converse does not accept {media_type} images")
        return {"image": {"format": image_format, "source": source}}
    if is_video(media):
        video_format = _VIDEO_FORMATS.get(media)
        if video_format is None:
            raise InvalidArgumentError(f"Bedrock Converse does not accept {media_type} video")
        return {"video": {"format": video_format, "source": source}}
    document_format = _DOCUMENT_FORMATS.get(media) or ("txt" if is_text(media) else None)
    if document_format is None:
        raise InvalidArgumentError(f"Bedrock Converse does not accept {media_type} files")
    context.documents += 1
    name = document_name(filename, context.documents)
    return {"document": {"format": document_format, "name": name, "source": source}}


def file_block(part: FilePart, context: _Context) -> Block:
    """The image, document or video block of a user file part."""
    if part.url is not None:
        parsed = parse_data_url(part.url)
        if parsed is not None:
            return _media_block(parsed[1], part.media_type, part.filename, context)
        if part.url.startswith("s3://"):
            source = {"s3Location": {"uri": part.url}}
            return _source_block(part.media_type, part.filename, source, b"", context)
        raise InvalidArgumentError(
            "Bedrock Converse takes files as bytes or s3:// locations, not "
            f"{part.url.split(':', 1)[0]} URLs",
            argument="prompt",
        )
    return _media_block(part_bytes(part), part.media_type, part.filename, context)
