"""The Chat Completions language model: the only chat module that does I/O.

:class:`ChatModel` serves OpenAI, Azure and OpenAI-compatible servers alike; what
differs between them is the endpoint URL, the HTTP client settings (auth headers) and
a :class:`ChatHooks` instance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from fantasy import stream
from fantasy._http import HTTPClient
from fantasy.model import BaseLanguageModel, Call, ObjectMode
from fantasy.providers.openai.chat.convert import build_body
from fantasy.providers.openai.chat.decode import StreamDecoder, decode_response
from fantasy.providers.openai.chat.hooks import ChatHooks
from fantasy.response import Response, ResponseInfo
from fantasy.stream import StreamPart
from fantasy.usage import CallWarning

__all__ = ["ChatHooks", "ChatModel"]


class ChatModel(BaseLanguageModel):
    """A model behind a Chat Completions endpoint.

    Args:
        provider: Provider name reported by the model and in errors.
        model_id: The model id sent as ``model``.
        client: The provider's HTTP client (auth headers, timeouts, transport).
        url: The full ``.../chat/completions`` URL (query string included).
        hooks: The dialect's extension points (defaults to OpenAI's).
        object_mode: How structured objects are produced: ``"json"`` uses
            ``response_format``; ``"tool"`` forces a function tool.
    """

    default_object_mode: ObjectMode = "json"

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        client: HTTPClient,
        url: str,
        hooks: ChatHooks | None = None,
        object_mode: ObjectMode = "json",
    ) -> None:
        super().__init__(provider=provider, model_id=model_id)
        self._client = client
        self._url = url
        self.hooks = hooks if hooks is not None else ChatHooks()
        self.default_object_mode = object_mode

    @property
    def url(self) -> str:
        """The endpoint URL."""
        return self._url

    def build_request(
        self, call: Call, *, stream: bool
    ) -> tuple[dict[str, Any], list[CallWarning]]:
        """The request body for ``call`` and its warnings (no I/O)."""
        return build_body(call, self.model_id, stream=stream, hooks=self.hooks)

    async def generate(self, call: Call) -> Response:
        """Run ``call`` and return the whole response."""
        body, warnings = self.build_request(call, stream=False)
        data, headers = await self._client.post_json(
            self._url, body, headers=call.headers, user_agent=call.user_agent
        )
        response = decode_response(data, hooks=self.hooks, provider=self.provider)
        info = ResponseInfo(
            id=response.info.id, model_id=response.info.model_id, headers=dict(headers)
        )
        return dataclasses.replace(response, warnings=tuple(warnings), info=info)

    async def stream(self, call: Call) -> AsyncIterator[StreamPart]:
        """Run ``call`` as a stream: Warnings, ResponseMetadata, blocks, one Finish."""
        body, warnings = self.build_request(call, stream=True)
        if warnings:
            yield stream.Warnings(tuple(warnings))
        decoder = StreamDecoder(hooks=self.hooks, provider=self.provider)
        events = self._client.stream_sse(
            self._url, body, headers=call.headers, user_agent=call.user_agent
        )
        try:
            async for _event, data in events:
                for part in decoder.feed(data):
                    yield part
                if decoder.done:
                    break
        finally:
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
        for part in decoder.finish():
            yield part
