"""The I/O both OpenAI APIs share: post a body and decode the answer, or stream it.

:class:`OpenAIModel` drives a request; a subclass says how a call becomes a body
(:meth:`~OpenAIModel.build_request`), how a whole answer is decoded
(:meth:`~OpenAIModel._decode`) and which decoder reads the stream's events
(:meth:`~OpenAIModel._decoder`). Only the message shapes differ between the APIs.
"""

from __future__ import annotations

import dataclasses
from abc import abstractmethod
from collections.abc import AsyncIterator
from typing import Any

from fantasy import stream
from fantasy._http import HTTPClient
from fantasy.model import BaseLanguageModel, Call, ObjectMode
from fantasy.providers._decode import EventDecoder
from fantasy.response import Response, ResponseInfo
from fantasy.stream import StreamPart
from fantasy.usage import CallWarning

__all__ = ["OpenAIModel"]


class OpenAIModel(BaseLanguageModel):
    """A model behind one endpoint URL of an OpenAI API.

    Args:
        provider: Provider name reported by the model and in errors.
        model_id: The model id sent as ``model``.
        client: The provider's HTTP client (auth headers, timeouts, transport).
        url: The full endpoint URL (query string included).
        object_mode: How structured objects are produced: ``"json"`` uses the API's
            JSON schema format; ``"tool"`` forces a function tool.
    """

    default_object_mode: ObjectMode = "json"

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        client: HTTPClient,
        url: str,
        object_mode: ObjectMode = "json",
    ) -> None:
        super().__init__(provider=provider, model_id=model_id)
        self._client = client
        self._url = url
        self.default_object_mode = object_mode

    @property
    def url(self) -> str:
        """The endpoint URL."""
        return self._url

    @abstractmethod
    def build_request(
        self, call: Call, *, stream: bool
    ) -> tuple[dict[str, Any], list[CallWarning]]:
        """The request body for ``call`` and its warnings (no I/O)."""

    @abstractmethod
    def _decode(self, data: Any) -> Response:
        """The whole answer ``data`` (parsed JSON) as a response."""

    @abstractmethod
    def _decoder(self) -> EventDecoder:
        """A fresh decoder for one streamed answer."""

    async def generate(self, call: Call) -> Response:
        """Run ``call`` and return the whole response."""
        from fantasy.options import namespace_warnings  # pydantic: on first use

        body, warnings = self.build_request(call, stream=False)
        warnings += namespace_warnings(call.provider_options)
        data, headers = await self._client.post_json(
            self._url, body, headers=call.headers, user_agent=call.user_agent
        )
        response = self._decode(data)
        info = ResponseInfo(
            id=response.info.id, model_id=response.info.model_id, headers=dict(headers)
        )
        return dataclasses.replace(response, warnings=tuple(warnings), info=info)

    def stream(self, call: Call) -> AsyncIterator[StreamPart]:
        """Run ``call`` as a stream: Warnings, ResponseMetadata, blocks, one Finish."""
        from fantasy.options import namespace_warnings  # pydantic: on first use

        body, warnings = self.build_request(call, stream=True)
        warnings += namespace_warnings(call.provider_options)
        return self._client.stream_parts(
            self._url,
            body,
            self._decoder(),
            headers=call.headers,
            user_agent=call.user_agent,
            first=(stream.Warnings(tuple(warnings)),) if warnings else (),
        )
