"""Any Bedrock model through the Converse API: ``/model/{id}/converse`` and ``/converse-stream``.

The request body is the same for both; the stream is AWS event-stream frames whose
``:event-type`` header names the Converse event and whose payload is its JSON
(exceptions arrive as ``exception`` frames and become typed errors).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, cast
from urllib.parse import quote

from fantasy import stream as parts
from fantasy._http import HTTPClient
from fantasy.errors import ProviderError
from fantasy.model import BaseLanguageModel, Call, ObjectMode
from fantasy.providers._json import invalid
from fantasy.providers.bedrock._eventstream import EventStreamDecoder, header_text
from fantasy.providers.bedrock.converse.convert import build_request
from fantasy.providers.bedrock.converse.decode import StreamDecoder, decode_response
from fantasy.response import Response

__all__ = ["ConverseEventDecoder", "ConverseModel"]


class ConverseEventDecoder(EventStreamDecoder):
    """Event-stream frames of ``converse-stream`` → ``(event type, payload JSON)`` pairs."""

    def _message(self, headers: dict[str, Any], payload: bytes) -> Any:
        if header_text(headers, ":message-type") == "event":
            event = header_text(headers, ":event-type")
            try:
                return event, json.loads(payload)
            except (ValueError, RecursionError) as error:
                raise invalid(
                    f"{event} payload is not valid JSON: {error}", payload, self.provider
                ) from error
        return super()._message(headers, payload)

    def events(self, data: bytes) -> list[tuple[str, Any] | ProviderError]:
        """Add ``data``; return the complete frames' ``(event, payload)`` pairs and errors."""
        return cast("list[tuple[str, Any] | ProviderError]", self.feed(data))


class ConverseModel(BaseLanguageModel):
    """A Bedrock model (Nova, Llama, Mistral, DeepSeek, Qwen, gpt-oss, Cohere, Claude, ...).

    Structured objects default to the tool mode, which every Converse model with tool use
    supports; the ``json`` mode sends ``outputConfig.textFormat`` (a JSON schema) and is
    offered only when the model was built with ``structured_outputs=True``.

    Args:
        provider: Provider name.
        model_id: Model id, inference profile (``us.``, ``eu.``, ``global.``) or ARN.
        client: The provider's HTTP client (SigV4 or bearer key).
        base_url: The Bedrock runtime root.
        structured_outputs: Whether the model takes ``outputConfig`` JSON schemas.
    """

    default_object_mode: ObjectMode = "tool"

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        client: HTTPClient,
        base_url: str,
        structured_outputs: bool = False,
    ) -> None:
        super().__init__(provider=provider, model_id=model_id)
        self._client = client
        # Bedrock wants the id escaped whole in the path (``:`` and ``/`` of ARNs too).
        self._root = f"{base_url.rstrip('/')}/model/{quote(model_id, safe='')}"
        self._structured_outputs = structured_outputs
        if structured_outputs:
            self.default_object_mode = "json"

    def supports_json_schema(self) -> bool:
        """Whether ``response_format`` schemas are sent as ``outputConfig``."""
        return self._structured_outputs

    def url(self, *, stream: bool) -> str:
        """The ``converse`` or ``converse-stream`` URL."""
        return f"{self._root}/converse-stream" if stream else f"{self._root}/converse"

    async def generate(self, call: Call) -> Response:
        """Run the call and return the whole response."""
        body, warnings = build_request(call)
        data, headers = await self._client.post_json(
            self.url(stream=False), body, headers=call.headers, user_agent=call.user_agent
        )
        return decode_response(
            data, provider=self.provider, warnings=tuple(warnings), headers=dict(headers)
        )

    async def stream(self, call: Call) -> AsyncIterator[parts.StreamPart]:
        """Run the call as a stream of parts."""
        body, warnings = build_request(call)
        if warnings:
            yield parts.Warnings(tuple(warnings))
        frames = ConverseEventDecoder(provider=self.provider, secrets=self._client.secrets)
        decoder = StreamDecoder(provider=self.provider)
        headers = {"Accept": "application/vnd.amazon.eventstream", **dict(call.headers)}
        chunks = self._client.stream_bytes(
            self.url(stream=True), body, headers=headers, user_agent=call.user_agent
        )
        try:
            async for chunk in chunks:
                for item in frames.events(chunk):
                    if isinstance(item, ProviderError):
                        yield parts.Error(item)
                        return
                    event, payload = item
                    for part in decoder.feed(event, payload):
                        yield part
                if decoder.done:
                    break
        finally:
            aclose = getattr(chunks, "aclose", None)  # close the HTTP response now, not at GC
            if aclose is not None:
                await aclose()
        if not decoder.done:
            frames.close()
        for part in decoder.finish():
            yield part
