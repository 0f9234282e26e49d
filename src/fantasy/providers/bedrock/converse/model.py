"""Any Bedrock model through the Converse API: ``/model/{id}/converse`` and ``/converse-stream``.

The request body is the same for both; the stream is AWS event-stream frames whose
``:event-type`` header names the Converse event and whose payload is its JSON
(exceptions arrive as ``exception`` frames and become typed errors).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from fantasy import stream as parts
from fantasy._http import HTTPClient
from fantasy.model import BaseLanguageModel, Call, ObjectMode
from fantasy.providers.bedrock._eventstream import EventStreamFraming
from fantasy.providers.bedrock.converse.convert import build_request
from fantasy.providers.bedrock.converse.decode import StreamDecoder, decode_response
from fantasy.response import Response

__all__ = ["ConverseFraming", "ConverseModel"]


class ConverseFraming(EventStreamFraming):
    """Event-stream frames of ``converse-stream`` → ``(event type, payload JSON text)``."""

    def _event(self, event_type: str, payload: bytes) -> tuple[str, str] | None:
        return event_type, payload.decode("utf-8")


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

    def stream(self, call: Call) -> AsyncIterator[parts.StreamPart]:
        """Run the call as a stream of parts (one driver: :meth:`HTTPClient.stream_parts`)."""
        body, warnings = build_request(call)
        return self._client.stream_parts(
            self.url(stream=True),
            body,
            StreamDecoder(provider=self.provider),
            framing=ConverseFraming(provider=self.provider, secrets=self._client.secrets),
            headers=call.headers,
            user_agent=call.user_agent,
            first=(parts.Warnings(tuple(warnings)),) if warnings else (),
        )
