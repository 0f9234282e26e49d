"""Call → Responses API request body (pure; no I/O).

Input items, in prompt order:

* system → ``{"role": "system" | "developer", "content": "<text>"}`` (``developer`` for
  reasoning models: o-series, gpt-5);
* user → ``{"role": "user", "content": [input_text | input_image | input_file, ...]}``;
* assistant text → ``{"role": "assistant", "content": [{"type": "output_text", "text"}]}``;
* tool calls → ``{"type": "function_call", "call_id", "name", "arguments"}`` with the
  arguments replayed verbatim (no item ``id``, no ``status``);
* tool results → ``{"type": "function_call_output", "call_id", "output"}``; a media
  result's output is a list of ``input_text`` / ``input_image`` / ``input_file`` parts.

Reasoning parts are never replayed. Provider-executed calls (web search) are replayed
as an ``item_reference`` when ``store`` is on, and skipped otherwise (the API cannot
resolve an item it did not store). ``store`` is always sent: ``false`` unless the
options turn it on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fantasy.errors import InvalidArgumentError
from fantasy.messages import (
    ErrorOutput,
    FilePart,
    Message,
    ReasoningPart,
    TextOutput,
    TextPart,
    ToolCallPart,
    ToolResultOutput,
    ToolResultPart,
)
from fantasy.model import Call, ResponseFormat
from fantasy.providers import _media
from fantasy.providers.openai._convert import (
    add_sampling,
    add_tools,
    client_tool_results,
    copy_options,
    dropped_message,
    image_detail,
    media_result,
    refuse_options,
    system_text,
    user_content,
)
from fantasy.providers.openai.chat.convert import is_reasoning_model, strict_schema
from fantasy.providers.openai.responses.tools import to_tool_choice, to_tools
from fantasy.usage import CallWarning

if TYPE_CHECKING:
    from fantasy.providers.openai.options import OpenAIOptions

__all__ = [
    "build_body",
    "input_file_part",
    "to_input",
    "to_text_format",
    "uses_developer_role",
]

Body = dict[str, Any]

_SAMPLING = ("temperature", "top_p")
_UNSUPPORTED_SETTINGS = ("presence_penalty", "frequency_penalty", "seed", "top_k")
_PLAIN_OPTIONS = (
    "parallel_tool_calls",
    "user",
    "service_tier",
    "metadata",
    "prompt_cache_key",
    "safety_identifier",
    "previous_response_id",
    "truncation",
    "instructions",
    "max_tool_calls",
)
_LOGPROBS_INCLUDE = "message.output_text.logprobs"


def uses_developer_role(model_id: str) -> bool:
    """Whether system messages go out as ``developer`` (reasoning models).

    ``gpt-5-chat`` models are chat models, not reasoning models.
    """
    return is_reasoning_model(model_id) and "gpt-5-chat" not in model_id.lower()


# --- input items ------------------------------------------------------------------------


def to_input(
    prompt: Sequence[Message],
    *,
    system_role: str = "system",
    store: bool = False,
    options_key: str = "openai",
) -> tuple[list[Body], list[CallWarning]]:
    """Convert a prompt into ``input`` items and the warnings of dropped parts.

    File parts' options (``image_detail``) are read under ``options_key``.
    """
    items: list[Body] = []
    warnings: list[CallWarning] = []
    for message in prompt:
        if message.role == "system":
            items.extend(_system(message, system_role, warnings))
        elif message.role == "user":
            items.extend(_user(message, warnings, options_key))
        elif message.role == "assistant":
            items.extend(_assistant(message, store, warnings))
        else:
            items.extend(_tool_results(message, warnings))
    return items, warnings


def _system(message: Message, role: str, warnings: list[CallWarning]) -> list[Body]:
    text = system_text(message)
    if not text:
        warnings.append(dropped_message("system"))
        return []
    return [{"role": role, "content": text}]


def _user(message: Message, warnings: list[CallWarning], options_key: str) -> list[Body]:
    def file_part(part: FilePart, index: int) -> Body:
        return input_file_part(part, index, options_key=options_key)

    content = user_content(message, text_type="input_text", file_part=file_part)
    if not content:
        warnings.append(dropped_message("user"))
        return []
    return [{"role": "user", "content": content}]


def input_file_part(part: FilePart, index: int = 0, *, options_key: str = "openai") -> Body:
    """One input content part for a file: ``input_image``, ``input_file`` (PDF) or text.

    An image's ``image_detail`` option (under ``options_key``) becomes its ``detail``.
    """
    media_type = part.media_type
    if _media.is_image(media_type):
        image: Body = {"type": "input_image", "image_url": _media.file_url(part)}
        detail = image_detail(part, options_key)
        if detail is not None:
            image["detail"] = detail
        return image
    if _media.is_pdf(media_type):
        if part.url is not None:
            return {"type": "input_file", "file_url": part.url}
        filename = part.filename or f"part-{index}.pdf"
        return {"type": "input_file", "filename": filename, "file_data": _media.data_url(part)}
    if _media.is_text(media_type):
        return {"type": "input_text", "text": _media.part_text(part)}
    raise InvalidArgumentError(
        f"file media type {media_type!r} is not supported by the Responses API "
        "(images, PDF and text are)"
    )


def _flush_text(items: list[Body], texts: list[Body]) -> None:
    if texts:
        items.append({"role": "assistant", "content": list(texts)})
        texts.clear()


def _assistant(message: Message, store: bool, warnings: list[CallWarning]) -> list[Body]:
    items: list[Body] = []
    texts: list[Body] = []
    for part in message.content:
        if isinstance(part, TextPart):
            if part.text:
                texts.append({"type": "output_text", "text": part.text})
        elif isinstance(part, ToolCallPart):
            _flush_text(items, texts)
            items.extend(_tool_call(part, store, warnings))
        elif isinstance(part, ReasoningPart):
            continue  # the Responses dialect replays no reasoning items
        elif isinstance(part, ToolResultPart) and part.provider_executed:
            continue  # replayed through its call's item reference
        else:
            warnings.append(
                CallWarning(
                    type="other",
                    message=f"assistant {part.type} part not supported by the Responses API; "
                    "dropped",
                )
            )
    _flush_text(items, texts)
    return items


def _tool_call(part: ToolCallPart, store: bool, warnings: list[CallWarning]) -> list[Body]:
    if not part.provider_executed:
        return [
            {
                "type": "function_call",
                "call_id": part.tool_call_id,
                "name": part.tool_name,
                "arguments": part.input or "{}",
            }
        ]
    if not store:
        return []  # an unstored provider item cannot be referenced
    from fantasy.options import get_provider_data  # pydantic: on first use
    from fantasy.providers.openai.options import OpenAIResponsesItemMetadata

    metadata = get_provider_data(part.provider_options, "openai", OpenAIResponsesItemMetadata)
    if metadata is None or not metadata.item_id:
        warnings.append(
            CallWarning(
                type="other",
                message=f"provider-executed {part.tool_name} call without an item id dropped",
            )
        )
        return []
    return [{"type": "item_reference", "id": metadata.item_id}]


def _tool_results(message: Message, warnings: list[CallWarning]) -> list[Body]:
    items: list[Body] = []
    for part in client_tool_results(message, warnings):
        items.append(
            {
                "type": "function_call_output",
                "call_id": part.tool_call_id,
                "output": _output(part.tool_call_id, part.output, warnings),
            }
        )
    return items


def _output(
    call_id: str, output: ToolResultOutput, warnings: list[CallWarning]
) -> str | list[Body]:
    if isinstance(output, TextOutput):
        return output.text
    if isinstance(output, ErrorOutput):
        return output.error
    media = media_result(call_id, output, warnings, input_file_part)
    if isinstance(media, str):
        return media
    parts: list[Body] = []
    if output.text:
        parts.append({"type": "input_text", "text": output.text})
    parts.append(media)
    return parts


# --- body -----------------------------------------------------------------------------------


def to_text_format(response_format: ResponseFormat) -> Body:
    """``json_schema`` (every object closed) when a schema is given, else ``json_object``."""
    if response_format.schema is None:
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "name": response_format.name or "response",
        "schema": strict_schema(response_format.schema),
    }


def build_body(
    call: Call, model_id: str, *, stream: bool, options_key: str = "openai"
) -> tuple[Body, list[CallWarning]]:
    """The whole request body for ``call``, and the warnings of dropped settings."""
    from fantasy.options import get_provider_data  # pydantic: on first use
    from fantasy.providers.openai.options import OpenAIOptions

    options = get_provider_data(call.provider_options, options_key, OpenAIOptions)
    options = options if options is not None else OpenAIOptions()
    store = options.store is True
    role = "developer" if uses_developer_role(model_id) else "system"
    items, warnings = to_input(call.prompt, system_role=role, store=store, options_key=options_key)
    body: Body = {"model": model_id, "input": items, "store": store}
    if call.max_output_tokens is not None:
        body["max_output_tokens"] = call.max_output_tokens
    warnings += add_sampling(body, call, _SAMPLING, reasoning=is_reasoning_model(model_id))
    warnings += _unsupported_settings(call)
    warnings += add_tools(
        body, call, to_tools(call.tools), lambda choice: to_tool_choice(choice, call.tools)
    )
    if call.response_format is not None:
        body["text"] = {"format": to_text_format(call.response_format)}
    warnings += apply_options(body, options)
    if stream:
        body["stream"] = True
    return body, warnings


def _unsupported_settings(call: Call) -> list[CallWarning]:
    warnings: list[CallWarning] = []
    for name in _UNSUPPORTED_SETTINGS:
        if getattr(call, name) is not None:
            warnings.append(CallWarning.unsupported(name, "not supported by the Responses API"))
    if call.stop_sequences:
        warnings.append(
            CallWarning.unsupported("stop_sequences", "not supported by the Responses API")
        )
    return warnings


def apply_options(body: Body, options: OpenAIOptions) -> list[CallWarning]:
    """Write the set fields of ``options`` into ``body``; chat-only ones become warnings."""
    copy_options(body, options, _PLAIN_OPTIONS, unsent=({}, ""))
    reasoning: Body = {}
    if options.reasoning_effort:
        reasoning["effort"] = options.reasoning_effort
    if options.reasoning_summary:
        reasoning["summary"] = options.reasoning_summary
    if reasoning:
        body["reasoning"] = reasoning
    if options.text_verbosity:
        body.setdefault("text", {})["verbosity"] = options.text_verbosity
    if options.max_completion_tokens is not None:
        body["max_output_tokens"] = options.max_completion_tokens
    include = list(options.include or ())
    if options.top_logprobs is not None:
        body["top_logprobs"] = options.top_logprobs
        include.append(_LOGPROBS_INCLUDE)
    elif options.logprobs:
        include.append(_LOGPROBS_INCLUDE)
    if include:
        body["include"] = list(dict.fromkeys(include))
    from fantasy.providers.openai.options import CHAT_ONLY_OPTIONS

    return refuse_options(
        options, CHAT_ONLY_OPTIONS, "Chat Completions only; not sent to the Responses API"
    )
