"""Gemini responses → fantasy content and stream parts (pure; no I/O).

A full ``generateContent`` response and each ``streamGenerateContent`` chunk have the
same shape, so both go through :class:`StreamDecoder`; :func:`decode_response` feeds
it one whole response and accumulates the parts.

Part rules:

* ``{"text", "thought": true}`` → reasoning; other text → text. Empty text produces
  nothing.
* A ``thoughtSignature`` on a thought part completes that reasoning item. On any
  other part it completes the thoughts just before it, or, when none are open, makes
  an empty reasoning item of its own placed before the part. Either way the
  signature is kept as ``google`` :class:`GoogleReasoningMetadata` and replayed on the
  part that follows the reasoning item.
* ``functionCall`` → a complete tool call (Gemini sends whole calls). Calls without an
  ``id`` (Gemini 2.5, Vertex) get one from the id generator.
* ``inlineData`` → a file; grounding chunks → URL sources.

Finish reasons: ``STOP`` with tool calls → tool-calls; ``MAX_TOKENS`` → length; safety
and recitation blocks (and a blocked prompt) → content-filter; malformed or unexpected
function calls → error; other reasons → other.

Malformed input (not an object, a function call without a name, bad inline data, a
value of the wrong type) raises :class:`~fantasy.errors.InvalidResponseError` keeping
the chunk; a stream without a finish reason raises
:class:`~fantasy.errors.IncompleteStreamError`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from fantasy import stream
from fantasy.errors import (
    IncompleteResponseError,
    IncompleteStreamError,
    InvalidArgumentError,
    InvalidResponseError,
)
from fantasy.providers._blocks import BlockTracker
from fantasy.providers._decode import EventDecoder
from fantasy.providers._json import invalid, wire_errors
from fantasy.providers._media import decode_base64
from fantasy.providers.google._errors import error_from_payload
from fantasy.providers.google.options import (
    PROVIDER_KEY,
    GoogleReasoningMetadata,
    GoogleResponseMetadata,
)
from fantasy.response import Response
from fantasy.stream import StreamAccumulator, StreamPart
from fantasy.usage import FinishReason, Usage

__all__ = [
    "StreamDecoder",
    "decode_response",
    "finish_reason_of",
    "new_tool_call_id",
    "usage_of",
]

_FILTERED = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)
_ERRORS = frozenset({"MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"})


def new_tool_call_id() -> str:
    """The default id of a function call Gemini sent without one."""
    return f"call_{uuid.uuid4().hex[:24]}"


def finish_reason_of(raw: str, *, has_tool_calls: bool) -> FinishReason:
    """Map a Gemini ``finishReason`` to a :class:`FinishReason`."""
    if raw == "STOP":
        return FinishReason.TOOL_CALLS if has_tool_calls else FinishReason.STOP
    if raw == "MAX_TOKENS":
        return FinishReason.LENGTH
    if raw in _FILTERED:
        return FinishReason.CONTENT_FILTER
    if raw in _ERRORS:
        return FinishReason.ERROR
    return FinishReason.OTHER if raw else FinishReason.UNKNOWN


def _count(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_of(usage: Mapping[str, Any]) -> Usage:
    """Token usage from ``usageMetadata`` (missing counts are 0).

    Input includes cached and tool-use prompt tokens; output includes thoughts.
    """
    thoughts = _count(usage, "thoughtsTokenCount")
    return Usage.of(
        input_tokens=_count(usage, "promptTokenCount") + _count(usage, "toolUsePromptTokenCount"),
        output_tokens=_count(usage, "candidatesTokenCount") + thoughts,
        total_tokens=_count(usage, "totalTokenCount") or None,
        reasoning_tokens=thoughts,
        cache_read_tokens=_count(usage, "cachedContentTokenCount"),
    )


class StreamDecoder(EventDecoder):
    """Turns Gemini response chunks into stream parts.

    Args:
        id_generator: Makes ids for function calls sent without one.
        provider: Provider name used in errors.
        require_finish: Raise :class:`IncompleteStreamError` from :meth:`finish` when
            no finish reason arrived (streams); full responses pass ``False``.
    """

    def __init__(
        self,
        *,
        id_generator: Callable[[], str] = new_tool_call_id,
        provider: str = "google",
        require_finish: bool = True,
    ) -> None:
        super().__init__(provider=provider)
        self._ids = id_generator
        self._provider = provider
        self._require_finish = require_finish
        self.blocks = BlockTracker(named=False)
        self._saw_candidate = False
        self._metadata_sent = False
        self._finish_reason = ""
        self._block_reason = ""
        self._has_tool_calls = False
        self._usage: Mapping[str, Any] = {}
        self._sources: set[str] = set()
        self._details: dict[str, Any] = {}

    # --- input ------------------------------------------------------------------------

    _what = "stream chunk"

    def _on_event(self, payload: dict[str, Any], event: str) -> list[StreamPart]:
        # Gemini has no finish event: ``done`` stays false until an in-band error, and
        # the answer ends with the body (usage may follow the finish reason).
        return self._chunk(payload)

    def feed_chunk(self, chunk: Any) -> list[StreamPart]:
        """Decode one already-parsed chunk (or a whole response).

        Raises:
            InvalidResponseError: ``chunk`` is not a JSON object, or is malformed.
        """
        if not isinstance(chunk, Mapping):
            raise invalid("response is not a JSON object", chunk, self._provider)
        with wire_errors(chunk, provider=self._provider, what="response"):
            return self._chunk(chunk)

    def _chunk(self, chunk: Mapping[str, Any]) -> list[StreamPart]:
        if "error" in chunk:
            self._failed = True
            return [stream.Error(error_from_payload(chunk, provider=self._provider))]
        out: list[StreamPart] = []
        self._response_metadata(chunk, out)
        usage = chunk.get("usageMetadata")
        if isinstance(usage, Mapping):
            self._usage = usage
        feedback = chunk.get("promptFeedback")
        if isinstance(feedback, Mapping):
            self._details["prompt_feedback"] = dict(feedback)
            self._block_reason = str(feedback.get("blockReason") or self._block_reason)
        candidates = chunk.get("candidates")
        if isinstance(candidates, list) and candidates and isinstance(candidates[0], Mapping):
            self._saw_candidate = True
            self._candidate(candidates[0], out)
        return out

    def finish(self) -> list[StreamPart]:
        """Close open blocks and emit the finish part.

        Raises:
            IncompleteStreamError: no finish reason arrived and one is required.
        """
        out: list[StreamPart] = []
        self.blocks.close(out)
        raw = self._finish_reason or self._block_reason
        if not raw and self._require_finish:
            raise IncompleteStreamError(
                "Gemini stream ended without a finish reason", provider=self._provider
            )
        if self._finish_reason:
            reason = finish_reason_of(self._finish_reason, has_tool_calls=self._has_tool_calls)
        else:
            reason = FinishReason.CONTENT_FILTER if raw else FinishReason.UNKNOWN
        if self._usage:
            self._details["usage_metadata"] = dict(self._usage)
        metadata = {PROVIDER_KEY: GoogleResponseMetadata(**self._details)} if self._details else {}
        out.append(
            stream.Finish(
                finish_reason=reason,
                usage=usage_of(self._usage),
                raw_finish_reason=raw,
                provider_metadata=metadata,
            )
        )
        return out

    @property
    def unfinished(self) -> bool:
        """Whether a candidate arrived but no finish reason (nor a blocked prompt) yet."""
        return self._saw_candidate and not (self._finish_reason or self._block_reason)

    # --- chunk pieces -------------------------------------------------------------------

    def _response_metadata(self, chunk: Mapping[str, Any], out: list[StreamPart]) -> None:
        if self._metadata_sent:
            return
        response_id = chunk.get("responseId")
        model = chunk.get("modelVersion")
        if response_id or model:
            self._metadata_sent = True
            out.append(
                stream.ResponseMetadata(id=str(response_id or ""), model_id=str(model or ""))
            )

    def _candidate(self, candidate: Mapping[str, Any], out: list[StreamPart]) -> None:
        content = candidate.get("content")
        parts = content.get("parts") if isinstance(content, Mapping) else None
        for part in parts if isinstance(parts, list) else ():
            if isinstance(part, Mapping):
                self._part(part, out)
        grounding = candidate.get("groundingMetadata")
        if isinstance(grounding, Mapping):
            self._details["grounding_metadata"] = dict(grounding)
            self._grounding(grounding, out)
        ratings = candidate.get("safetyRatings")
        if isinstance(ratings, list) and ratings:
            self._details["safety_ratings"] = [r for r in ratings if isinstance(r, Mapping)]
        if candidate.get("finishMessage"):
            self._details["finish_message"] = str(candidate["finishMessage"])
        if candidate.get("finishReason"):
            self._finish_reason = str(candidate["finishReason"])

    def _part(self, part: Mapping[str, Any], out: list[StreamPart]) -> None:
        signature = part.get("thoughtSignature")
        signature = signature if isinstance(signature, str) else ""
        if part.get("thought"):
            block = self.blocks.open_reasoning(out)
            text = part.get("text")
            if isinstance(text, str) and text:
                out.append(stream.ReasoningDelta(id=block, delta=text))
            if signature:
                self.blocks.end_reasoning(out, _signed(signature))
            return
        if signature:
            # The signature belongs to the thoughts before this part: complete the open
            # reasoning item with it, or make an empty one.
            self.blocks.open_reasoning(out)
            self.blocks.end_reasoning(out, _signed(signature))
        if "text" in part:
            self._text(part["text"], out)
        elif isinstance(part.get("functionCall"), Mapping):
            self._function_call(part["functionCall"], out)
        elif isinstance(part.get("inlineData"), Mapping):
            self._file(part["inlineData"], out)

    def _text(self, text: Any, out: list[StreamPart]) -> None:
        if isinstance(text, str):
            self.blocks.text(out, text)

    def _function_call(self, call: Mapping[str, Any], out: list[StreamPart]) -> None:
        self.blocks.close(out)
        name = call.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidResponseError("function call without a name", provider=self._provider)
        args = call.get("args")
        if args is None:
            args = {}
        if not isinstance(args, Mapping):
            raise InvalidResponseError(
                f"function call {name!r} has non-object args", provider=self._provider
            )
        call_id = call.get("id")
        call_id = call_id if isinstance(call_id, str) and call_id else self._ids()
        raw = json.dumps(args, ensure_ascii=False, separators=(",", ":"))
        self._has_tool_calls = True
        out.append(stream.ToolInputStart(id=call_id, tool_name=name))
        out.append(stream.ToolInputDelta(id=call_id, delta=raw))
        out.append(stream.ToolInputEnd(id=call_id))
        out.append(stream.ToolCall(tool_call_id=call_id, tool_name=name, input=raw))

    def _file(self, blob: Mapping[str, Any], out: list[StreamPart]) -> None:
        self.blocks.close(out)
        data = blob.get("data")
        media_type = blob.get("mimeType")
        if not isinstance(data, str) or not isinstance(media_type, str):
            raise InvalidResponseError(
                "inlineData without data or mimeType", provider=self._provider
            )
        try:
            decoded = decode_base64(data)
        except InvalidArgumentError as error:
            raise InvalidResponseError(
                f"inlineData is not valid base64: {error}", provider=self._provider
            ) from error
        out.append(stream.File(media_type=media_type, data=decoded))

    def _grounding(self, grounding: Mapping[str, Any], out: list[StreamPart]) -> None:
        chunks = grounding.get("groundingChunks")
        for chunk in chunks if isinstance(chunks, list) else ():
            if not isinstance(chunk, Mapping):
                continue
            source = chunk.get("web") or chunk.get("retrievedContext")
            if not isinstance(source, Mapping):
                continue
            url = source.get("uri")
            if not isinstance(url, str) or not url or url in self._sources:
                continue
            self._sources.add(url)
            out.append(
                stream.Source(
                    source_type="url",
                    id=f"source-{len(self._sources)}",
                    url=url,
                    title=str(source.get("title") or ""),
                )
            )


def _signed(signature: str) -> dict[str, Any]:
    return {PROVIDER_KEY: GoogleReasoningMetadata(signature=signature)}


def decode_response(
    data: Any,
    *,
    id_generator: Callable[[], str] = new_tool_call_id,
    provider: str = "google",
) -> Response:
    """Decode a full ``generateContent`` response.

    Raises:
        ProviderError: the response is an error object.
        InvalidResponseError: the response is malformed.
    """
    decoder = StreamDecoder(id_generator=id_generator, provider=provider, require_finish=False)
    accumulator = StreamAccumulator()
    for part in decoder.feed_chunk(data):
        accumulator.add(part)
    if accumulator.error is not None:
        raise accumulator.error
    if decoder.unfinished:
        # "If empty, the model has not stopped generating the tokens" (the API's
        # finishReason): tool calls of such an answer must not run as if it were final.
        raise IncompleteResponseError("Gemini response has no finishReason", provider=provider)
    for part in decoder.finish():
        accumulator.add(part)
    return accumulator.response()
