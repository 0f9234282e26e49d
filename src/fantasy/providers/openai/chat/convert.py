"""Call → Chat Completions request body (pure; no I/O).

The same dialect serves OpenAI, Azure, every OpenAI-compatible server and the
gateways; a :class:`~fantasy.providers.openai.chat.hooks.ChatHooks` adds what a
variant needs (extra body keys, extra message keys) without copying this module.

Media tool results: the Chat Completions ``tool`` role only takes text, so a
:class:`~fantasy.messages.MediaOutput` becomes a tool message with the output's text
(or a short note) **plus one user message after the step's tool messages** that
carries the media as a content part (images as ``image_url``, wav/mp3 as
``input_audio``, PDFs as ``file``). Media the API cannot take stays text only, with a
warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    MediaOutput,
    Message,
    ReasoningPart,
    TextPart,
    ToolCallPart,
)
from fantasy.model import Call, ResponseFormat
from fantasy.providers import _media
from fantasy.providers._json import plain
from fantasy.providers.openai._convert import (
    add_sampling,
    add_tools,
    client_tool_results,
    copy_options,
    dropped_message,
    function_spec,
    image_detail,
    media_result,
    refuse_options,
    system_text,
    user_content,
)
from fantasy.providers.openai._wire import WireTool, WireToolCall
from fantasy.tools import FunctionTool, SpecificToolChoice, Tool, ToolChoice
from fantasy.usage import CallWarning

if TYPE_CHECKING:
    from fantasy.providers.openai.chat.hooks import ChatHooks
    from fantasy.providers.openai.options import OpenAIOptions

__all__ = [
    "apply_openai_options",
    "build_body",
    "is_reasoning_model",
    "strict_schema",
    "to_messages",
    "to_response_format",
    "to_tool_choice",
    "to_tools",
]

Body = dict[str, Any]

_REASONING_PREFIXES = ("o1", "o3", "o4")
# Schema keywords whose values are data, not subschemas.
_LITERAL_KEYS = frozenset({"enum", "const", "default", "examples", "required"})
_SAMPLING = ("temperature", "top_p", "frequency_penalty", "presence_penalty")


def is_reasoning_model(model_id: str) -> bool:
    """Whether ``model_id`` names an OpenAI reasoning model (o1/o3/o4, gpt-5, gpt-oss).

    The last path segment is checked, so ``openai/o4-mini`` counts too.
    """
    name = model_id.rsplit("/", 1)[-1].lower()
    return (
        name.startswith(_REASONING_PREFIXES)
        or "gpt-5" in name
        or "-oss" in name
        or name.startswith("oss")
    )


# --- messages ---------------------------------------------------------------------------


def to_messages(
    prompt: Sequence[Message], hooks: ChatHooks
) -> tuple[list[Body], list[CallWarning]]:
    """Convert a prompt into ``messages`` entries; ``hooks.message_extras`` runs on each."""
    messages: list[Body] = []
    warnings: list[CallWarning] = []
    for message in prompt:
        if message.role == "system":
            converted = [_system(message)]
        elif message.role == "user":
            converted = [_user(message, hooks.options_key)]
        elif message.role == "assistant":
            converted = [_assistant(message, hooks, warnings)]
        else:
            converted = _tool_results(message, warnings)
        for entry in converted:
            hooks.message_extras(message, entry)
            if set(entry) == {"role"}:
                warnings.append(dropped_message(message.role))
                continue
            messages.append(entry)
    return messages, warnings


def _system(message: Message) -> Body:
    text = system_text(message)
    return {"role": "system", "content": text} if text else {"role": "system"}


def _user(message: Message, options_key: str) -> Body:
    parts = message.content
    if len(parts) == 1 and isinstance(parts[0], TextPart):
        return {"role": "user", "content": parts[0].text}

    def file_part(part: FilePart, index: int) -> Body:
        return file_content_part(part, index, options_key=options_key)

    content = user_content(message, text_type="text", file_part=file_part)
    return {"role": "user", "content": content} if content else {"role": "user"}


def file_content_part(part: FilePart, index: int = 0, *, options_key: str = "openai") -> Body:
    """One user content part for a file: image_url, input_audio, file (PDF) or text.

    An image's ``image_detail`` option (under ``options_key``) becomes ``image_url.detail``.
    """
    media_type = part.media_type
    if _media.is_image(media_type):
        image: Body = {"url": _media.file_url(part)}
        detail = image_detail(part, options_key)
        if detail is not None:
            image["detail"] = detail
        return {"type": "image_url", "image_url": image}
    audio_format = _media.audio_format(media_type)
    if audio_format in ("wav", "mp3"):
        data = _media.encode_base64(_media.part_bytes(part))
        return {"type": "input_audio", "input_audio": {"data": data, "format": audio_format}}
    if _media.is_pdf(media_type):
        filename = part.filename or f"part-{index}.pdf"
        return {"type": "file", "file": {"filename": filename, "file_data": _media.data_url(part)}}
    if _media.is_text(media_type):
        return {"type": "text", "text": _media.part_text(part)}
    raise InvalidArgumentError(
        f"file media type {media_type!r} is not supported by the Chat Completions API "
        "(images, wav/mp3 audio, PDF and text are)"
    )


def _assistant(message: Message, hooks: ChatHooks, warnings: list[CallWarning]) -> Body:
    texts: list[str] = []
    calls: list[WireToolCall] = []
    for part in message.content:
        if isinstance(part, TextPart):
            texts.append(part.text)
        elif isinstance(part, ToolCallPart) and not part.provider_executed:
            call: WireToolCall = {
                "id": part.tool_call_id,
                "type": "function",
                "function": {"name": part.tool_name, "arguments": part.input or "{}"},
            }
            hooks.tool_call_extras(part, call, message)
            calls.append(call)
        elif not isinstance(part, ReasoningPart):
            warnings.append(
                CallWarning(
                    type="other",
                    message=f"assistant {part.type} part not supported by chat completions; "
                    "dropped",
                )
            )
    converted: Body = {"role": "assistant"}
    text = "".join(texts)
    if text:
        converted["content"] = text
    if calls:
        converted["tool_calls"] = calls
    return converted


def _tool_results(message: Message, warnings: list[CallWarning]) -> list[Body]:
    converted: list[Body] = []
    media: list[Body] = []
    for part in client_tool_results(message, warnings):
        output = part.output
        if isinstance(output, MediaOutput):
            text, extra = _media_result(part.tool_call_id, output, warnings)
            media.extend(extra)
        elif isinstance(output, ErrorOutput):
            text = output.error
        else:
            text = output.text
        converted.append({"role": "tool", "tool_call_id": part.tool_call_id, "content": text})
    if media:
        converted.append({"role": "user", "content": media})
    return converted


def _media_result(
    call_id: str, output: MediaOutput, warnings: list[CallWarning]
) -> tuple[str, list[Body]]:
    part = media_result(call_id, output, warnings, file_content_part)
    if isinstance(part, str):
        return part, []
    note = f"[{output.media_type} result of tool call {call_id} follows in the next message]"
    label = {"type": "text", "text": f"Result of tool call {call_id}:"}
    return (f"{output.text}\n{note}" if output.text else note), [label, part]


# --- tools ----------------------------------------------------------------------------


def to_tools(tools: Sequence[Tool]) -> tuple[list[WireTool], list[CallWarning]]:
    """Function tools as ``{"type":"function","function":{...,"strict":false}}``."""
    wire: list[WireTool] = []
    warnings: list[CallWarning] = []
    for tool in tools:
        if not isinstance(tool, FunctionTool):
            warnings.append(
                CallWarning(
                    type="unsupported-tool",
                    setting=tool.name,
                    message=f"provider-defined tool {tool.id!r} is not supported",
                )
            )
            continue
        wire.append({"type": "function", "function": function_spec(tool)})
    return wire, warnings


def to_tool_choice(choice: ToolChoice) -> str | Body:
    """``"auto"``/``"none"``/``"required"``, or ``{"type":"function","function":{"name"}}``."""
    if isinstance(choice, SpecificToolChoice):
        return {"type": "function", "function": {"name": choice.tool_name}}
    if choice not in ("auto", "none", "required"):
        raise InvalidArgumentError(f"unknown tool choice {choice!r}", argument="tool_choice")
    return choice


# --- response format --------------------------------------------------------------------


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` fit for strict mode.

    Every object gets ``additionalProperties: false`` and lists all its properties in
    ``required`` (given order kept, missing names appended in property order).
    """
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(
            value, Mapping
        ):
            out[key] = {name: _strict_value(sub) for name, sub in value.items()}
        elif key in _LITERAL_KEYS:
            out[key] = plain(value)
        else:
            out[key] = _strict_value(value)
    if out.get("type") == "object" or "properties" in out:
        out["additionalProperties"] = False
        properties = out.get("properties")
        if isinstance(properties, Mapping) and properties:
            required = [name for name in out.get("required", []) if name in properties]
            required += [name for name in properties if name not in required]
            out["required"] = required
    return out


def _strict_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return strict_schema(value)
    if isinstance(value, list):
        return [_strict_value(item) for item in value]
    return value


def to_response_format(response_format: ResponseFormat) -> Body:
    """``json_schema`` (strict) when a schema is given, else ``json_object``."""
    if response_format.schema is None:
        return {"type": "json_object"}
    json_schema: Body = {"name": response_format.name or "response", "strict": True}
    if response_format.description:
        json_schema["description"] = response_format.description
    json_schema["schema"] = strict_schema(response_format.schema)
    return {"type": "json_schema", "json_schema": json_schema}


# --- body ---------------------------------------------------------------------------------


def build_body(
    call: Call, model_id: str, *, stream: bool, hooks: ChatHooks
) -> tuple[Body, list[CallWarning]]:
    """The whole request body for ``call``, and the warnings of dropped settings."""
    messages, warnings = to_messages(call.prompt, hooks)
    body: Body = {"model": model_id, "messages": messages}
    reasoning = hooks.is_reasoning_model(model_id)
    if call.max_output_tokens is not None:
        body["max_completion_tokens" if reasoning else "max_tokens"] = call.max_output_tokens
    warnings += add_sampling(body, call, _SAMPLING, reasoning=reasoning)
    warnings += _other_settings(body, call, reasoning=reasoning)
    if call.response_format is not None:
        body["response_format"] = to_response_format(call.response_format)
    warnings += add_tools(body, call, to_tools(call.tools), to_tool_choice)
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    warnings += hooks.prepare_body(body, call)
    return body, warnings


def _other_settings(body: Body, call: Call, *, reasoning: bool) -> list[CallWarning]:
    warnings: list[CallWarning] = []
    if call.top_k is not None:
        warnings.append(CallWarning.unsupported("top_k", "not supported by chat completions"))
    if call.seed is not None:
        body["seed"] = call.seed
    if call.stop_sequences and reasoning:
        # The API documents ``stop`` as not supported by the reasoning models.
        warnings.append(
            CallWarning.unsupported("stop_sequences", "not supported by reasoning models; dropped")
        )
    elif call.stop_sequences:
        body["stop"] = list(call.stop_sequences)
    return warnings


# --- provider options ----------------------------------------------------------------------

_PLAIN_OPTIONS = (
    "reasoning_effort",
    "parallel_tool_calls",
    "user",
    "service_tier",
    "store",
    "metadata",
    "prompt_cache_key",
    "safety_identifier",
    "prediction",
)


def apply_openai_options(
    body: Body, options: OpenAIOptions, *, reasoning: bool
) -> list[CallWarning]:
    """Write the set fields of ``options`` into ``body``; unsupported ones become warnings."""
    from fantasy.providers.openai.options import RESPONSES_ONLY_OPTIONS

    warnings = refuse_options(
        options, RESPONSES_ONLY_OPTIONS, "Responses API only; not sent to chat completions"
    )
    copy_options(body, options, _PLAIN_OPTIONS)
    if options.text_verbosity is not None:
        body["verbosity"] = options.text_verbosity
    if options.max_completion_tokens is not None:
        body.pop("max_tokens", None)
        body["max_completion_tokens"] = options.max_completion_tokens
    return warnings + _logprob_options(body, options, reasoning)


def _logprob_options(body: Body, options: OpenAIOptions, reasoning: bool) -> list[CallWarning]:
    wanted: dict[str, Any] = {}
    if options.logit_bias:
        wanted["logit_bias"] = dict(options.logit_bias)
    if options.logprobs is not None:
        wanted["logprobs"] = options.logprobs
    if options.top_logprobs is not None:
        wanted["logprobs"] = True
        wanted["top_logprobs"] = options.top_logprobs
    if not reasoning:
        body.update(wanted)
        return []
    return [
        CallWarning.unsupported(name, "not supported by reasoning models; dropped")
        for name in wanted
    ]
