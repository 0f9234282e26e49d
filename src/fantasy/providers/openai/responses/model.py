"""The Responses API language model.

:class:`ResponsesModel` serves OpenAI (``.../v1/responses``) and Azure
(``.../openai/v1/responses``) alike; what differs is the endpoint URL and the HTTP
client settings (auth headers). The I/O is :class:`~fantasy.providers.openai._model.OpenAIModel`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fantasy._http import HTTPClient
from fantasy.model import Call, ObjectMode
from fantasy.providers.openai._model import OpenAIModel
from fantasy.providers.openai.responses.convert import build_body
from fantasy.providers.openai.responses.decode import StreamDecoder, decode_response
from fantasy.response import Response
from fantasy.usage import CallWarning

__all__ = ["ResponsesModel"]


class ResponsesModel(OpenAIModel):
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
        extra_body: Keys merged into every request body (an OpenAI-compatible
            server's own fields), before the call's options.
    """

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        client: HTTPClient,
        url: str,
        options_key: str = "openai",
        object_mode: ObjectMode = "json",
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            provider=provider, model_id=model_id, client=client, url=url, object_mode=object_mode
        )
        self.options_key = options_key
        self._extra_body = dict(extra_body or {})

    def build_request(
        self, call: Call, *, stream: bool
    ) -> tuple[dict[str, Any], list[CallWarning]]:
        """The request body for ``call`` and its warnings (no I/O)."""
        body, warnings = build_body(
            call, self.model_id, stream=stream, options_key=self.options_key
        )
        if self._extra_body:
            body = {**body, **self._extra_body}
        return body, warnings

    def _decode(self, data: Any) -> Response:
        """A whole Responses API answer as a response."""
        return decode_response(data, provider=self.provider)

    def _decoder(self) -> StreamDecoder:
        """A fresh decoder for one streamed answer."""
        return StreamDecoder(provider=self.provider)
