"""Extension points of the Chat Completions dialect.

The converter (:mod:`.convert`) and decoders (:mod:`.decode`) are written once; a
variant (Azure, OpenAI-compatible servers, OpenRouter, Vercel) subclasses
:class:`ChatHooks` and overrides the few methods where it differs, **adding**
behaviour around the shared dialect instead of copying it. Each method is small and
documented with when it runs and what it may change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fantasy.content import ReasoningContent
from fantasy.providers.openai.chat import convert
from fantasy.usage import CallWarning, FinishReason, Usage

if TYPE_CHECKING:
    from fantasy.content import Content
    from fantasy.messages import Message, ToolCallPart
    from fantasy.model import Call
    from fantasy.providers._blocks import BlockTracker
    from fantasy.providers.openai._wire import WireToolCall
    from fantasy.stream import StreamPart

__all__ = ["ChatHooks", "ChatStreamHooks", "reasoning_of", "usage_from_openai"]

_FINISH_REASONS = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "max_tokens": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
    "error": FinishReason.ERROR,
}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def reasoning_of(fields: Mapping[str, Any]) -> str:
    """The reasoning text of a message or delta (``reasoning_content``, else ``reasoning``)."""
    for key in ("reasoning_content", "reasoning"):
        value = fields.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def usage_from_openai(raw: Mapping[str, Any]) -> Usage:
    """Usage from an OpenAI-style ``usage`` object.

    ``prompt_tokens`` already include cached tokens (``prompt_tokens_details.cached_tokens``).
    ``completion_tokens`` include reasoning tokens at OpenAI; servers that count
    reasoning outside them (their ``total_tokens`` is prompt + completion + reasoning)
    get the reasoning tokens added so that ``output_tokens`` always includes reasoning.
    """
    prompt = _int(raw.get("prompt_tokens"))
    completion = _int(raw.get("completion_tokens"))
    total = _int(raw.get("total_tokens"))
    prompt_details = raw.get("prompt_tokens_details")
    completion_details = raw.get("completion_tokens_details")
    cached = _int(prompt_details.get("cached_tokens")) if isinstance(prompt_details, Mapping) else 0
    reasoning = (
        _int(completion_details.get("reasoning_tokens"))
        if isinstance(completion_details, Mapping)
        else 0
    )
    if reasoning and total == prompt + completion + reasoning:
        completion += reasoning
    return Usage.of(
        input_tokens=prompt,
        output_tokens=completion,
        total_tokens=total or None,
        reasoning_tokens=reasoning,
        cache_read_tokens=cached,
    )


class ChatHooks:
    """Overridable behaviour of the Chat Completions dialect (the defaults are OpenAI's).

    Attributes:
        options_key: The ``provider_options`` namespace read for call options.
        metadata_key: The ``provider_metadata`` key responses are reported under.
    """

    options_key: str = "openai"
    metadata_key: str = "openai"

    def is_reasoning_model(self, model_id: str) -> bool:
        """Whether ``model_id`` is a reasoning model.

        Reasoning models get ``max_completion_tokens`` instead of ``max_tokens`` and
        lose sampling settings (temperature, top_p, penalties, logprobs, logit_bias)
        and stop sequences, with a warning each.
        """
        return convert.is_reasoning_model(model_id)

    def prepare_body(self, body: dict[str, Any], call: Call) -> list[CallWarning]:
        """Add provider options to the finished ``body`` (mutate it); return warnings.

        Runs last in :func:`~.convert.build_body`, after messages, tools, response
        format and the stream flags. The default reads :class:`OpenAIOptions` from
        ``call.provider_options[self.options_key]``.
        """
        from fantasy.options import get_provider_data  # pydantic: on first use
        from fantasy.providers.openai.options import OpenAIOptions

        options = get_provider_data(call.provider_options, self.options_key, OpenAIOptions)
        if options is None:
            return []
        reasoning = self.is_reasoning_model(str(body.get("model", "")))
        return convert.apply_openai_options(body, options, reasoning=reasoning)

    def message_extras(self, message: Message, converted: dict[str, Any]) -> None:
        """Add keys to one converted message (mutate ``converted``).

        Runs for every wire message built from ``message`` (a tool message yields one
        per result). Use it for replayed reasoning (``reasoning_content``,
        ``reasoning_details``) or message-level ``cache_control``. A message left with
        only its ``role`` is dropped afterwards. The default does nothing.
        """

    def tool_call_extras(
        self, part: ToolCallPart, converted: WireToolCall, message: Message
    ) -> None:
        """Add keys to one replayed ``tool_calls`` entry (mutate ``converted``).

        ``message`` is the assistant message holding ``part``. The default does nothing.
        """

    def response_extras(
        self, choice: Mapping[str, Any], message: Mapping[str, Any]
    ) -> list[Content]:
        """Extra content read from a whole response's choice, placed **before** the text.

        Use it for reasoning fields. The default reads ``reasoning_content`` (else
        ``reasoning``) as one reasoning item: OpenAI sends neither, but the other models
        served on the same API (DeepSeek on Azure, compatible servers) do.
        """
        text = reasoning_of(message)
        return [ReasoningContent(text=text)] if text else []

    def open_stream(self) -> ChatStreamHooks:
        """The per-stream hooks of one streamed answer (a fresh object per stream).

        Override to return a :class:`ChatStreamHooks` subclass that reads a variant's
        extra delta fields and keeps what it gathers across deltas as attributes.
        """
        return ChatStreamHooks(self)

    def usage(self, raw: Mapping[str, Any]) -> Usage:
        """Token usage from a ``usage`` object (``{}`` when the provider sent none)."""
        return usage_from_openai(raw)

    def map_finish_reason(self, raw: str) -> FinishReason:
        """Map a raw ``finish_reason``; unknown non-empty values become ``other``.

        Tool calls in the answer turn ``stop``/``other``/``unknown`` into ``tool-calls``
        afterwards (see :func:`~.decode.final_finish_reason`).
        """
        if not raw:
            return FinishReason.UNKNOWN
        return _FINISH_REASONS.get(raw, FinishReason.OTHER)

    def response_metadata(
        self, response: Mapping[str, Any], choice: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Provider metadata of a whole response (logprobs, prediction token counts)."""
        logprobs = choice.get("logprobs")
        content = logprobs.get("content") if isinstance(logprobs, Mapping) else None
        entries = [e for e in content if isinstance(e, dict)] if isinstance(content, list) else []
        usage = response.get("usage")
        return self._metadata(entries, usage if isinstance(usage, Mapping) else {})

    def _metadata(self, logprobs: Any, usage: Mapping[str, Any]) -> dict[str, Any]:
        details = usage.get("completion_tokens_details")
        details = details if isinstance(details, Mapping) else {}
        accepted = _int(details.get("accepted_prediction_tokens"))
        rejected = _int(details.get("rejected_prediction_tokens"))
        if not logprobs and not accepted and not rejected:
            return {}
        from fantasy.providers.openai.options import OpenAIChatMetadata  # pydantic: on first use

        metadata = OpenAIChatMetadata(
            logprobs=list(logprobs) if logprobs else None,
            accepted_prediction_tokens=accepted or None,
            rejected_prediction_tokens=rejected or None,
        )
        return {self.metadata_key: metadata}


class ChatStreamHooks:
    """A variant's behaviour and state for one streamed answer (from ``open_stream()``).

    The decoder calls :meth:`chunk` once per chunk (before its choices), :meth:`delta`
    once per choice delta, before the delta's text and
    tool calls; :meth:`reasoning_end` whenever a reasoning block closes (text or a tool
    call begins, the choice finishes, the stream ends); :meth:`finish_metadata` once,
    for the ``Finish`` part. State gathered over several deltas lives in attributes of
    the subclass, so it never outlives its stream.

    Args:
        hooks: The model's :class:`ChatHooks`.
    """

    def __init__(self, hooks: ChatHooks) -> None:
        self.hooks = hooks

    def chunk(self, chunk: Mapping[str, Any]) -> None:
        """Read a variant's chunk-level fields (the upstream provider, finish details).

        Runs for every chunk, choices or not; keep what :meth:`finish_metadata` needs
        as attributes. The default reads nothing.
        """

    def delta(self, delta: Mapping[str, Any], blocks: BlockTracker, out: list[StreamPart]) -> None:
        """Read a variant's extra fields of one delta (reasoning), adding parts to ``out``.

        Open blocks through ``blocks.reasoning(out, ...)`` / ``blocks.text(out, ...)``
        so that blocks stay well formed. The default streams ``reasoning_content`` (else
        ``reasoning``) as a reasoning block: OpenAI sends neither, but other models on
        the same API (DeepSeek on Azure, compatible servers) do.
        """
        if delta:
            blocks.reasoning(out, reasoning_of(delta))

    def reasoning_end(self) -> Mapping[str, Any] | None:
        """Provider metadata that completes the reasoning block closing now.

        Use it for replay data gathered over several deltas (signatures, encrypted
        reasoning, summaries). The default returns ``None``.
        """
        return None

    def finish_metadata(self, logprobs: list[Any], usage: Mapping[str, Any]) -> dict[str, Any]:
        """Provider metadata of the streamed answer, for its ``Finish`` part."""
        return self.hooks._metadata(logprobs, usage)
