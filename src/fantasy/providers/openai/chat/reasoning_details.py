"""``reasoning_details`` of the gateways (OpenRouter, Vercel AI Gateway), in and out.

Gateways that route one Chat Completions request to many model families return the
model's reasoning as a list of ``reasoning_details`` entries (``reasoning.text``,
``reasoning.summary``, ``reasoning.encrypted``, each with a ``format`` and an
``index``) and expect the same entries back on the assistant message of a later turn.

Reading:

* a whole response's details are grouped by ``(format, index)``; each group becomes
  one reasoning item whose text is its text entries joined, or its summaries joined
  by newlines;
* in a stream every detail joins the open reasoning block; a detail that arrives
  after the block was closed (by text or a tool call) opens a new one.

Each reasoning item carries a :class:`GatewayReasoningMetadata` under the gateway's
key (format, signature, encrypted data and its id, summaries) and, for Anthropic
models, an ``anthropic`` :class:`AnthropicReasoningMetadata` with the signature.

Replaying (:func:`replay_entries`): the entries depend on the model family, read
from the model id prefix (``anthropic/``, ``google/``, ``openai/``, anything else),
and the last reasoning part of a message that yields entries wins.

:class:`GatewayHooks` is the :class:`ChatHooks` base of both gateways: reasoning in and
out, Anthropic cache breakpoints (message-level ``cache_control``) and usage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from fantasy.content import Content, ReasoningContent
from fantasy.errors import InvalidArgumentError
from fantasy.messages import Message, ReasoningPart
from fantasy.options import ProviderData, get_provider_data
from fantasy.providers.anthropic.options import AnthropicReasoningMetadata
from fantasy.providers.openai.chat.hooks import (
    ChatHooks,
    ChatStreamHooks,
    reasoning_of,
    usage_from_openai,
)
from fantasy.usage import Usage

if TYPE_CHECKING:
    from fantasy.providers._blocks import BlockTracker
    from fantasy.stream import StreamPart

__all__ = [
    "DetailCollector",
    "GatewayHooks",
    "GatewayReasoning",
    "GatewayReasoningMetadata",
    "GatewayStream",
    "cache_control_of",
    "collect_details",
    "replay_entries",
]

_TEXT = "reasoning.text"
_SUMMARY = "reasoning.summary"
_ENCRYPTED = "reasoning.encrypted"
_ANTHROPIC_FORMAT = "anthropic-claude-v1"
_GOOGLE_FORMAT = "google-gemini-v1"
_OPENAI_FORMAT = "openai-responses-v1"
_UNKNOWN_FORMAT = "unknown"
Entry = dict[str, Any]


class GatewayReasoning(ProviderData):
    """The gateways' ``reasoning`` request object; only the set fields are sent.

    Attributes:
        enabled: Turn reasoning on with the model's defaults.
        effort: ``"minimal"``, ``"low"``, ``"medium"``, ``"high"`` (OpenAI-style).
        max_tokens: A reasoning token budget (Anthropic-style).
        exclude: Reason, but leave the reasoning out of the response.
    """

    enabled: bool | None = None
    effort: str | None = None
    max_tokens: int | None = None
    exclude: bool | None = None


class GatewayReasoningMetadata(ProviderData):
    """Replay data of one reasoning item received through a gateway.

    Each gateway registers a subclass with its own ``type_id``.

    Attributes:
        format: The ``format`` of the received details (``anthropic-claude-v1``, ...).
        signature: The reasoning signature (Anthropic models).
        data: The encrypted reasoning blob (``reasoning.encrypted`` ``data``).
        id: The id of the encrypted detail (OpenAI ``rs_...`` items, Gemini calls).
        summaries: The reasoning summaries, in order (OpenAI/xAI formats).
    """

    format: str | None = None
    signature: str | None = None
    data: str | None = None
    id: str | None = None
    summaries: list[str] | None = None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _field(value: Any, name: str) -> Any:
    """``value[name]`` of a mapping or ``value.name`` of an object (``None`` if absent)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return value.get(name)
    return getattr(value, name, None)


# --- reading ----------------------------------------------------------------------------


class DetailCollector:
    """Gathers the details of one reasoning item (one group, or one streamed block).

    Args:
        streaming: Whether details are stream deltas: summary pieces sharing an
            ``index`` then belong to one summary; otherwise every summary detail is a
            whole summary.
    """

    __slots__ = ("_last_summary", "_streaming", "data", "format", "id", "signature", "summaries")

    def __init__(self, *, streaming: bool) -> None:
        self._streaming = streaming
        self._last_summary: Any = None
        self.format = ""
        self.signature = ""
        self.data = ""
        self.id = ""
        self.summaries: list[list[str]] = []

    def add(self, detail: Mapping[str, Any]) -> str:
        """Fold one detail in; return the text it adds to the item's text."""
        kind = detail.get("type")
        self.format = self.format or _str(detail.get("format"))
        self.signature = _str(detail.get("signature")) or self.signature
        if kind == _ENCRYPTED:
            self.data = _str(detail.get("data")) or self.data
            self.id = _str(detail.get("id")) or self.id
            return ""
        if kind == _SUMMARY:
            return self._summary(_str(detail.get("summary")), detail.get("index"))
        return _str(detail.get("text"))

    def _summary(self, text: str, index: Any) -> str:
        new = not self.summaries or not self._streaming or index != self._last_summary
        self._last_summary = index
        if new:
            self.summaries.append([text])
            return f"\n{text}" if len(self.summaries) > 1 else text
        self.summaries[-1].append(text)
        return text

    @property
    def has_data(self) -> bool:
        """Whether replay data (not just text) was collected."""
        return bool(self.signature or self.data or self.id or self.summaries)

    def metadata(self, key: str, cls: type[GatewayReasoningMetadata]) -> dict[str, ProviderData]:
        """Provider metadata of the item: the gateway's, plus Anthropic's signature."""
        if not self.format and not self.has_data:
            return {}
        summaries = ["".join(chunks) for chunks in self.summaries]
        out: dict[str, ProviderData] = {
            key: cls(
                format=self.format or None,
                signature=self.signature or None,
                data=self.data or None,
                id=self.id or None,
                summaries=summaries or None,
            )
        }
        if self.signature and self.format.startswith("anthropic"):
            out["anthropic"] = AnthropicReasoningMetadata(signature=self.signature)
        return out


def _details(fields: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    details = fields.get("reasoning_details")
    if not isinstance(details, list):
        return []
    return [d for d in details if isinstance(d, Mapping)]


def collect_details(details: Sequence[Mapping[str, Any]]) -> list[tuple[str, DetailCollector]]:
    """Group a whole response's details by ``(format, index)``: ``(text, collector)`` each."""
    groups: dict[tuple[str, int | None], tuple[list[str], DetailCollector]] = {}
    for detail in details:
        index = detail.get("index")
        key = (_str(detail.get("format")), index if isinstance(index, int) else None)
        if key not in groups:
            groups[key] = ([], DetailCollector(streaming=False))
        texts, collector = groups[key]
        texts.append(collector.add(detail))
    return [("".join(texts), collector) for texts, collector in groups.values()]


# --- replaying ----------------------------------------------------------------------------


def replay_entries(
    model_id: str, text: str, metadata: GatewayReasoningMetadata | None, signature: str = ""
) -> tuple[list[Entry], str]:
    """The ``reasoning_details`` entries of one reasoning part, and its ``reasoning`` text.

    ``signature`` is the part's Anthropic signature, if it has one. The top-level
    ``reasoning`` text is only set for Anthropic models. No entries means the part
    cannot be replayed for this model family.
    """
    family = model_id.split("/", 1)[0].lower() if "/" in model_id else ""
    meta = metadata or GatewayReasoningMetadata()
    if family == "anthropic":
        signature = signature or meta.signature or ""
        if not text or not signature:
            return [], ""
        signed: Entry = {"type": _TEXT, "format": _ANTHROPIC_FORMAT, "text": text}
        return [{**signed, "signature": signature, "index": 0}], text
    if family == "google":
        return _google_entries(text, metadata), ""
    if family == "openai":
        return _openai_entries(text, meta), ""
    entry: Entry = {"type": _TEXT, "format": _UNKNOWN_FORMAT, "index": 0}
    if text:
        entry["text"] = text
    return [entry], ""


def _encrypted(fmt: str, meta: GatewayReasoningMetadata) -> Entry:
    entry: Entry = {"type": _ENCRYPTED, "format": fmt, "index": 0}
    if meta.data:
        entry["data"] = meta.data
    if meta.id:
        entry["id"] = meta.id
    return entry


def _google_entries(text: str, meta: GatewayReasoningMetadata | None) -> list[Entry]:
    entries: list[Entry] = []
    if text:
        entries.append({"type": _TEXT, "format": _GOOGLE_FORMAT, "text": text, "index": 0})
    if meta is not None:  # no gateway data (another provider's part): invent no blob
        entries.append(_encrypted(_GOOGLE_FORMAT, meta))
    return entries


def _openai_entries(text: str, meta: GatewayReasoningMetadata) -> list[Entry]:
    summaries = meta.summaries if meta.summaries is not None else ([text] if text else [])
    entries: list[Entry] = [
        {"type": _SUMMARY, "format": _OPENAI_FORMAT, "summary": summary, "index": index}
        for index, summary in enumerate(summaries)
        if summary
    ]
    if meta.data:
        entries.append(_encrypted(_OPENAI_FORMAT, meta))
    return entries


def cache_control_of(message: Message) -> dict[str, Any] | None:
    """The Anthropic cache breakpoint set on ``message``, as its wire object, or ``None``.

    The ``anthropic`` option may be a dict (``{"cache_control": {"type": "ephemeral"}}``)
    or the Anthropic options model.
    """
    options = message.provider_options or {}
    cache_control = _field(options.get("anthropic"), "cache_control")
    if cache_control is None:
        return None
    if isinstance(cache_control, ProviderData):
        return cache_control.to_dict()
    if isinstance(cache_control, Mapping):
        return {str(k): v for k, v in cache_control.items() if v is not None}
    raise InvalidArgumentError(
        f"cache_control must be a mapping, not {type(cache_control).__name__}",
        argument="provider_options['anthropic'].cache_control",
    )


def _apply_cache_control(message: Message, converted: dict[str, Any]) -> None:
    cache_control = cache_control_of(message)
    if cache_control is None or message.role == "tool":
        return  # tool messages never carry a breakpoint on the chat wire
    calls = converted.get("tool_calls")
    content = converted.get("content")
    if calls:
        calls[-1]["cache_control"] = cache_control
    elif isinstance(content, list) and content:
        content[-1]["cache_control"] = cache_control
    elif len(converted) > 1:
        converted["cache_control"] = cache_control


# --- hooks ------------------------------------------------------------------------------


class GatewayHooks(ChatHooks):
    """Chat hooks shared by the gateways; one instance per model.

    Subclasses set ``options_key``/``metadata_key`` and ``metadata_class``, and add
    their request options in :meth:`prepare_body`.

    Args:
        model_id: The routed model id (``anthropic/claude-sonnet-4``); its prefix picks
            how reasoning is replayed.
    """

    metadata_class: ClassVar[type[GatewayReasoningMetadata]] = GatewayReasoningMetadata

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def _reasoning_metadata(self, collector: DetailCollector) -> dict[str, ProviderData]:
        return collector.metadata(self.metadata_key, self.metadata_class)

    def response_extras(
        self, choice: Mapping[str, Any], message: Mapping[str, Any]
    ) -> list[Content]:
        """One reasoning item per ``(format, index)`` group of ``reasoning_details``."""
        details = _details(message)
        if not details:
            text = reasoning_of(message)
            return [ReasoningContent(text=text)] if text else []
        return [
            ReasoningContent(text=text, provider_metadata=self._reasoning_metadata(collector))
            for text, collector in collect_details(details)
        ]

    def open_stream(self) -> GatewayStream:
        """Reasoning details (or plain ``reasoning`` text) join the open reasoning block."""
        return GatewayStream(self)

    def message_extras(self, message: Message, converted: dict[str, Any]) -> None:
        """Replay the step's reasoning as ``reasoning_details``; render cache breakpoints."""
        if message.role == "assistant":
            self._replay_reasoning(message, converted)
        _apply_cache_control(message, converted)

    def _replay_reasoning(self, message: Message, converted: dict[str, Any]) -> None:
        entries: list[Entry] = []
        reasoning = ""
        for part in message.content:
            if not isinstance(part, ReasoningPart):
                continue
            metadata = get_provider_data(
                part.provider_options, self.metadata_key, self.metadata_class
            )
            signature = _str(_field(part.provider_options.get("anthropic"), "signature"))
            found, text = replay_entries(self.model_id, part.text, metadata, signature)
            if found:
                entries, reasoning = found, text
        if entries:
            converted["reasoning_details"] = entries
        if reasoning:
            converted["reasoning"] = reasoning

    def usage(self, raw: Mapping[str, Any]) -> Usage:
        """OpenAI-style usage plus cache writes; reasoning counted outside output is added.

        OpenRouter reports cache writes as ``prompt_tokens_details.cache_write_tokens``,
        Vercel as ``cache_creation_input_tokens``; both are part of ``prompt_tokens``.
        """
        usage = usage_from_openai(raw)
        details = raw.get("prompt_tokens_details")
        written = _count(details.get("cache_write_tokens")) if isinstance(details, Mapping) else 0
        written = written or _count(raw.get("cache_creation_input_tokens"))
        output = usage.output_tokens
        if usage.reasoning_tokens > output:  # completion tokens left the reasoning out
            output += usage.reasoning_tokens
        return Usage(
            input_tokens=usage.input_tokens,
            output_tokens=output,
            total_tokens=max(usage.total_tokens, usage.input_tokens + output),
            reasoning_tokens=usage.reasoning_tokens,
            cache_creation_tokens=written,
            cache_read_tokens=usage.cache_read_tokens,
        )


class GatewayStream(ChatStreamHooks):
    """A gateway's per-stream hooks: the replay data of the open reasoning block.

    Attributes:
        collector: Gathers the ``reasoning_details`` of the open reasoning block.
    """

    hooks: GatewayHooks

    def __init__(self, hooks: GatewayHooks) -> None:
        super().__init__(hooks)
        self.collector: DetailCollector | None = None

    def delta(self, delta: Mapping[str, Any], blocks: BlockTracker, out: list[StreamPart]) -> None:
        """Reasoning details (or plain ``reasoning`` text) join the open reasoning block."""
        details = _details(delta)
        if not details:
            blocks.reasoning(out, reasoning_of(delta))
            return
        if self.collector is None or blocks.open_kind != "reasoning":
            # A collector belongs to one reasoning block: details that opened none
            # (no text, no replay data) never leak into the next block.
            self.collector = DetailCollector(streaming=True)
        collector = self.collector
        for detail in details:
            had_data = collector.has_data
            text = collector.add(detail)
            # Replay data without text still opens (and is kept in) a reasoning block.
            fresh = collector.has_data and not had_data
            blocks.reasoning(
                out, text, self.hooks._reasoning_metadata(collector) if fresh else None
            )

    def reasoning_end(self) -> Mapping[str, Any] | None:
        """The replay data collected over the closing block."""
        collector, self.collector = self.collector, None
        if collector is None:
            return None
        return self.hooks._reasoning_metadata(collector) or None
