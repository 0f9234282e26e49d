"""The Responses API language model: the only Responses module that does I/O.

:class:`ResponsesModel` serves OpenAI (``.../v1/responses``) and Azure
(``.../openai/v1/responses``) alike; what differs is the endpoint URL and the HTTP
client settings (auth headers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from fantasy import stream
from fantasy._http import HTTPClient
from fantasy.model import BaseLanguageModel, Call, ObjectMode
from fantasy.providers.openai.responses.convert import build_body
from fantasy.providers.openai.responses.decode import StreamDecoder, decode_response
from fantasy.response import Response, ResponseInfo
from fantasy.stream import StreamPart
from fantasy.usage import CallWarning

__all__ = ["ResponsesModel"]


class ResponsesModel(BaseLanguageModel):
    """A model behind a Responses API endpoint.

    Args:
        provider: Provider name reported by the model and in errors.
        model_id: The model id sent as ``model``.
        client: The provider's HTTP client (auth headers, timeouts, transport).
        url: The full ``.../responses`` URL (query string included).
        options_key: The ``provider_options`` namespace read for call options
            (:class:`~fantasy.providers.openai.OpenAIOptions`).
        object_mode: How structured objects are produced: ``"json"`` uses
            ``text.format``; ``"tool"`` forces a function tool.
    """

    default_object_mode: ObjectMode = "json"

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        client: HTTPClient,
        url: str,
        options_key: str = "openai",
        object_mode: ObjectMode = "json",
    ) -> None:
        super().__init__(provider=provider, model_id=model_id)
        self._client = client
        self._url = url
        self.options_key = options_key
        self.default_object_mode = object_mode

    @property
    def url(self) -> str:
        """The endpoint URL."""
        return self._url

    def build_request(
        self, call: Call, *, stream: bool
    ) -> tuple[dict[str, Any], list[CallWarning]]:
        """The request body for ``call`` and its warnings (no I/O)."""
        return build_body(call, self.model_id, stream=stream, options_key=self.options_key)

    async def generate(self, call: Call) -> Response:
        """Run ``call`` and return the whole response."""
        body, warnings = self.build_request(call, stream=False)
        data, headers = await self._client.post_json(
            self._url, body, headers=call.headers, user_agent=call.user_agent
        )
        response = decode_response(data, provider=self.provider)
        info = ResponseInfo(
            id=response.info.id, model_id=response.info.model_id, headers=dict(headers)
        )
        return dataclasses.replace(response, warnings=tuple(warnings), info=info)

    async def stream(self, call: Call) -> AsyncIterator[StreamPart]:
        """Run ``call`` as a stream: Warnings, ResponseMetadata, blocks, one Finish."""
        body, warnings = self.build_request(call, stream=True)
        if warnings:
            yield stream.Warnings(tuple(warnings))
        decoder = StreamDecoder(provider=self.provider)
        events = self._client.stream_sse(
            self._url, body, headers=call.headers, user_agent=call.user_agent
        )
        try:
            async for event, data in events:
                for part in decoder.feed(data, event):
                    yield part
                if decoder.done:
                    break
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
        for part in decoder.finish():
            yield part
