"""Responses API output items → fantasy values, shared by whole-response and stream decoding.

Each ``output`` item of a response becomes content:

* ``message`` → one :class:`TextContent` (its ``output_text`` / ``refusal`` parts joined)
  followed by one :class:`SourceContent` per ``url_citation`` / ``file_citation``;
* ``reasoning`` → one :class:`ReasoningContent` whose text is the summary parts joined by
  a blank line, with :class:`OpenAIResponsesReasoningMetadata` (item id, encrypted
  content, summaries) as its ``"openai"`` metadata;
* ``function_call`` → a client :class:`ToolCallContent` (``call_id``, raw arguments);
* ``web_search_call`` → a provider-executed call (input: the search action) and its
  provider-executed result (status, and sources when the API sent them).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from fantasy.content import (
    Content,
    ReasoningContent,
    SourceContent,
    TextContent,
    ToolCallContent,
    ToolResultContent,
)
from fantasy.messages import ErrorOutput, TextOutput, ToolResultOutput
from fantasy.providers._toolcalls import new_tool_call_id
from fantasy.usage import FinishReason, Usage

__all__ = [
    "SUMMARY_SEPARATOR",
    "WEB_SEARCH_TOOL_NAME",
    "arguments_of",
    "finish_reason_of",
    "item_content",
    "item_metadata",
    "message_text",
    "reasoning_metadata",
    "reasoning_text",
    "source_of",
    "sources_of_message",
    "usage_from_responses",
    "web_search_input",
    "web_search_result",
]

SUMMARY_SEPARATOR = "\n\n"
WEB_SEARCH_TOOL_NAME = "web_search"

_INCOMPLETE_REASONS = {
    "max_output_tokens": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
}


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a dict, else ``{}``."""
    return value if isinstance(value, dict) else {}


def text_of(value: Any) -> str:
    """``value`` when it is a string, else ``""``."""
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- usage and finish reasons --------------------------------------------------------------


def usage_from_responses(raw: Mapping[str, Any]) -> Usage:
    """Usage from a Responses ``usage`` object.

    ``input_tokens`` already include cached tokens and ``output_tokens`` already
    include reasoning tokens, so both are reported unchanged.
    """
    input_details = as_dict(raw.get("input_tokens_details"))
    output_details = as_dict(raw.get("output_tokens_details"))
    total = _int(raw.get("total_tokens"))
    return Usage.of(
        input_tokens=_int(raw.get("input_tokens")),
        output_tokens=_int(raw.get("output_tokens")),
        total_tokens=total or None,
        reasoning_tokens=_int(output_details.get("reasoning_tokens")),
        cache_read_tokens=_int(input_details.get("cached_tokens")),
    )


def finish_reason_of(
    response: Mapping[str, Any], has_client_calls: bool
) -> tuple[FinishReason, str]:
    """``(finish reason, raw reason)`` of a response object.

    ``completed`` is ``stop``, or ``tool-calls`` when the answer holds client tool calls;
    ``incomplete`` maps its ``incomplete_details.reason`` (``max_output_tokens`` →
    ``length``, ``content_filter`` → ``content-filter``); ``failed`` is ``error``.
    """
    status = text_of(response.get("status"))
    if status == "completed":
        return (FinishReason.TOOL_CALLS if has_client_calls else FinishReason.STOP), status
    if status == "incomplete":
        reason = text_of(as_dict(response.get("incomplete_details")).get("reason"))
        return _INCOMPLETE_REASONS.get(reason, FinishReason.OTHER), reason or status
    if status == "failed":
        return FinishReason.ERROR, status
    if not status:
        return FinishReason.UNKNOWN, ""
    return FinishReason.OTHER, status


# --- messages and sources ---------------------------------------------------------------------


def message_text(item: Mapping[str, Any]) -> str:
    """The ``output_text`` (or ``refusal``) parts of a message item, joined."""
    texts: list[str] = []
    for part in item.get("content") or ():
        part = as_dict(part)
        if part.get("type") == "output_text":
            texts.append(text_of(part.get("text")))
        elif part.get("type") == "refusal":
            texts.append(text_of(part.get("refusal")))
    return "".join(texts)


def source_of(annotation: Mapping[str, Any]) -> SourceContent | None:
    """A ``url_citation`` or ``file_citation`` annotation as a source, else ``None``."""
    kind = annotation.get("type")
    source_id = f"source-{uuid.uuid4().hex[:12]}"
    if kind == "url_citation":
        url = text_of(annotation.get("url"))
        if not url:
            return None
        return SourceContent(
            source_type="url", id=source_id, url=url, title=text_of(annotation.get("title"))
        )
    if kind == "file_citation":
        filename = text_of(annotation.get("filename")) or text_of(annotation.get("file_id"))
        return SourceContent(
            source_type="document",
            id=source_id,
            title=filename,
            filename=filename,
            media_type="application/octet-stream",
        )
    return None


def sources_of_message(item: Mapping[str, Any]) -> list[SourceContent]:
    """The sources of every annotation of a message item's text parts."""
    sources: list[SourceContent] = []
    for part in item.get("content") or ():
        for annotation in as_dict(part).get("annotations") or ():
            source = source_of(annotation) if isinstance(annotation, dict) else None
            if source is not None:
                sources.append(source)
    return sources


# --- reasoning ----------------------------------------------------------------------------------


def _summaries(item: Mapping[str, Any]) -> list[str]:
    return [
        text_of(as_dict(part).get("text"))
        for part in item.get("summary") or ()
        if as_dict(part).get("type", "summary_text") == "summary_text"
    ]


def reasoning_text(item: Mapping[str, Any]) -> str:
    """The summary texts of a reasoning item (or its raw ``reasoning_text`` content)."""
    summaries = [text for text in _summaries(item) if text]
    if summaries:
        return SUMMARY_SEPARATOR.join(summaries)
    return "".join(
        text_of(as_dict(part).get("text"))
        for part in item.get("content") or ()
        if as_dict(part).get("type") == "reasoning_text"
    )


def reasoning_metadata(item: Mapping[str, Any]) -> dict[str, Any]:
    """``{"openai": OpenAIResponsesReasoningMetadata}`` of a reasoning item."""
    from fantasy.providers.openai.options import (
        OpenAIResponsesReasoningMetadata,  # pydantic: on first use
    )

    return {
        "openai": OpenAIResponsesReasoningMetadata(
            item_id=text_of(item.get("id")),
            encrypted_content=text_of(item.get("encrypted_content")) or None,
            summary=[text for text in _summaries(item) if text],
        )
    }


def item_metadata(item: Mapping[str, Any]) -> dict[str, Any]:
    """``{"openai": OpenAIResponsesItemMetadata}`` naming an output item."""
    from fantasy.providers.openai.options import (
        OpenAIResponsesItemMetadata,  # pydantic: on first use
    )

    return {"openai": OpenAIResponsesItemMetadata(item_id=text_of(item.get("id")))}


# --- tool calls -----------------------------------------------------------------------------------


def arguments_of(value: Any) -> str:
    """Raw function-call arguments; a parsed object is serialised, empty becomes ``{}``."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = text_of(value)
    return text if text.strip() else "{}"


def web_search_input(item: Mapping[str, Any]) -> str:
    """The input of a web search call: its ``action`` as JSON (``{}`` when absent)."""
    action = as_dict(item.get("action"))
    action = {key: value for key, value in action.items() if key != "sources"}
    return json.dumps(action, ensure_ascii=False, separators=(",", ":"))


def web_search_result(item: Mapping[str, Any]) -> ToolResultOutput:
    """The result of a web search call: its status, and its sources when included."""
    status = text_of(item.get("status")) or "completed"
    if status == "failed":
        return ErrorOutput(error="web search failed")
    result: dict[str, Any] = {"status": status}
    sources = as_dict(item.get("action")).get("sources")
    if isinstance(sources, list) and sources:
        result["sources"] = sources
    return TextOutput(text=json.dumps(result, ensure_ascii=False, separators=(",", ":")))


def _web_search_content(item: Mapping[str, Any]) -> list[Content]:
    call_id = text_of(item.get("id")) or new_tool_call_id()
    metadata = item_metadata(item)
    return [
        ToolCallContent(
            tool_call_id=call_id,
            tool_name=WEB_SEARCH_TOOL_NAME,
            input=web_search_input(item),
            provider_executed=True,
            provider_metadata=metadata,
        ),
        ToolResultContent(
            tool_call_id=call_id,
            tool_name=WEB_SEARCH_TOOL_NAME,
            result=web_search_result(item),
            provider_executed=True,
            provider_metadata=metadata,
        ),
    ]


def item_content(item: Mapping[str, Any]) -> list[Content]:
    """The content of one output item (``[]`` for kinds fantasy does not model)."""
    kind = item.get("type")
    if kind == "message":
        text = message_text(item)
        head: list[Content] = [TextContent(text=text)] if text else []
        return [*head, *sources_of_message(item)]
    if kind == "reasoning":
        return [
            ReasoningContent(text=reasoning_text(item), provider_metadata=reasoning_metadata(item))
        ]
    if kind == "function_call":
        return [
            ToolCallContent(
                tool_call_id=text_of(item.get("call_id")) or new_tool_call_id(),
                tool_name=text_of(item.get("name")),
                input=arguments_of(item.get("arguments")),
            )
        ]
    if kind == "web_search_call":
        return _web_search_content(item)
    return []
