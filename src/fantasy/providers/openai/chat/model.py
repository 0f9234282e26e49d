"""The Chat Completions language model.

:class:`ChatModel` serves OpenAI, Azure and OpenAI-compatible servers alike; what
differs between them is the endpoint URL, the HTTP client settings (auth headers) and
a :class:`ChatHooks` instance. The I/O is :class:`~fantasy.providers.openai._model.OpenAIModel`'s.
"""

from __future__ import annotations

from typing import Any

from fantasy._http import HTTPClient
from fantasy.model import Call, ObjectMode
from fantasy.providers.openai._model import OpenAIModel
from fantasy.providers.openai.chat.convert import build_body
from fantasy.providers.openai.chat.decode import StreamDecoder, decode_response
from fantasy.providers.openai.chat.hooks import ChatHooks
from fantasy.response import Response
from fantasy.usage import CallWarning

__all__ = ["ChatHooks", "ChatModel"]


class ChatModel(OpenAIModel):
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
        super().__init__(
            provider=provider, model_id=model_id, client=client, url=url, object_mode=object_mode
        )
        self.hooks = hooks if hooks is not None else ChatHooks()

    def build_request(
        self, call: Call, *, stream: bool
    ) -> tuple[dict[str, Any], list[CallWarning]]:
        """The request body for ``call`` and its warnings (no I/O)."""
        return build_body(call, self.model_id, stream=stream, hooks=self.hooks)

    def _decode(self, data: Any) -> Response:
        """A whole chat completion as a response."""
        return decode_response(data, hooks=self.hooks, provider=self.provider)

    def _decoder(self) -> StreamDecoder:
        """A fresh decoder for one streamed chat completion."""
        return StreamDecoder(hooks=self.hooks, provider=self.provider)
