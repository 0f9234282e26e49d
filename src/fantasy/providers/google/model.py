"""The Gemini language model: the only Google module that talks HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable

from fantasy import stream
from fantasy._http import HTTPClient
from fantasy.errors import InvalidResponseError
from fantasy.model import BaseLanguageModel, Call
from fantasy.providers.google.convert import build_request
from fantasy.providers.google.decode import StreamDecoder, decode_response
from fantasy.response import Response, ResponseInfo
from fantasy.stream import StreamPart

__all__ = ["GoogleLanguageModel"]


class GoogleLanguageModel(BaseLanguageModel):
    """A Gemini model on the Gemini API or on Vertex AI.

    Built by :class:`~fantasy.providers.google.GoogleProvider` or
    :class:`~fantasy.providers.google.GoogleVertexProvider`; structured output uses
    Gemini's JSON mode (``responseMimeType`` + ``responseJsonSchema``).
    """

    default_object_mode = "json"

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        client: HTTPClient,
        url: str,
        vertex: bool,
        tool_call_id_generator: Callable[[], str],
    ) -> None:
        super().__init__(provider=provider, model_id=model_id)
        self._client = client
        self._generate_url = f"{url}:generateContent"
        self._stream_url = f"{url}:streamGenerateContent?alt=sse"
        self._vertex = vertex
        self._ids = tool_call_id_generator

    @property
    def generate_url(self) -> str:
        """The ``generateContent`` URL of this model."""
        return self._generate_url

    @property
    def stream_url(self) -> str:
        """The ``streamGenerateContent`` (SSE) URL of this model."""
        return self._stream_url

    async def generate(self, call: Call) -> Response:
        """Run the call with ``generateContent``."""
        body, warnings = build_request(call, vertex=self._vertex)
        data, headers = await self._client.post_json(
            self._generate_url, body, headers=call.headers, user_agent=call.user_agent
        )
        if not isinstance(data, dict):
            raise InvalidResponseError(
                "response is not a JSON object", provider=self.provider, raw=str(data)[:10000]
            )
        response = decode_response(data, id_generator=self._ids, provider=self.provider)
        return dataclasses.replace(
            response,
            warnings=tuple(warnings),
            info=ResponseInfo(
                id=response.info.id, model_id=response.info.model_id, headers=dict(headers)
            ),
        )

    def stream(self, call: Call) -> AsyncIterator[StreamPart]:
        """Run the call with ``streamGenerateContent`` and yield its parts."""
        body, warnings = build_request(call, vertex=self._vertex)
        return self._client.stream_parts(
            self._stream_url,
            body,
            StreamDecoder(id_generator=self._ids, provider=self.provider),
            headers=call.headers,
            user_agent=call.user_agent,
            first=(stream.Warnings(tuple(warnings)),) if warnings else (),
        )
