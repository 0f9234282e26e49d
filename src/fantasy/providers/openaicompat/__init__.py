"""Any server that speaks the OpenAI Chat Completions API (xAI, Groq, vLLM, llama.cpp, ...).

Example::

    from fantasy.providers.openaicompat import OpenAICompatProvider

    provider = OpenAICompatProvider(base_url="http://localhost:8080/v1")
    model = provider.language_model("openai/gpt-oss-20b")

Call options go under ``provider_options={"openai-compat": OpenAICompatOptions(...)}``.
Structured objects are produced in tool mode (a forced function tool), which every
compatible server supports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT
from fantasy.errors import InvalidArgumentError
from fantasy.providers._base import HTTPSettings, bearer, env
from fantasy.providers.openai._provider import OpenAIStyleProvider, UseResponsesAPI
from fantasy.providers.openai.chat import ChatModel
from fantasy.providers.openai.responses import ResponsesModel
from fantasy.providers.openaicompat.hooks import CompatHooks
from fantasy.providers.openaicompat.options import OpenAICompatOptions

__all__ = [
    "API_KEY_VARIABLE",
    "BASE_URL_VARIABLE",
    "CompatHooks",
    "OpenAICompatOptions",
    "OpenAICompatProvider",
]

BASE_URL_VARIABLE = "OPENAI_COMPAT_BASE_URL"
"""The environment variable holding the server's API root when ``base_url`` is not given."""
API_KEY_VARIABLE = "OPENAI_COMPAT_API_KEY"
"""The environment variable holding the server's key (optional) when ``api_key`` is not given."""


class OpenAICompatProvider(OpenAIStyleProvider):
    """Builds models of an OpenAI-compatible server.

    Args:
        base_url: API root, e.g. ``http://127.0.0.1:11434/v1`` (requests go to
            ``<base_url>/chat/completions``); default ``OPENAI_COMPAT_BASE_URL``.
        api_key: Sent as ``Authorization: Bearer`` (default ``OPENAI_COMPAT_API_KEY``);
            no auth header when absent, as local servers need none.
        headers: Extra headers on every request.
        extra_body: Keys merged into every request body.
        http_client: An ``httpx.AsyncClient`` to send requests with (caller owns it).
        transport: An httpx transport for a client fantasy creates.
        timeout: Request timeout in seconds.
        stream_idle_timeout: Seconds without stream data before a stream fails.
        name: Provider name reported by models and errors.
        hooks: Dialect hooks (default: :class:`CompatHooks` with ``extra_body``).
        use_responses_api: Which models are served through the server's Responses API
            (``<base_url>/responses``; vLLM, LM Studio and gateways serve it): all
            (``True``), none (``False``, the default), those a predicate accepts, or the
            ids in a collection. Those models read call options under ``"openai"``
            (:class:`~fantasy.providers.openai.OpenAIOptions`); ``extra_body`` is sent
            to both APIs.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        name: str = "openai-compat",
        hooks: CompatHooks | None = None,
        use_responses_api: UseResponsesAPI = False,
    ) -> None:
        base_url = base_url or env(BASE_URL_VARIABLE)
        if not base_url or not base_url.strip():
            raise InvalidArgumentError(
                f"an OpenAI-compatible server needs its URL: pass base_url= or set "
                f"{BASE_URL_VARIABLE} (e.g. http://127.0.0.1:11434/v1)",
                argument="base_url",
            )
        api_key = api_key if api_key is not None else env(API_KEY_VARIABLE)
        self._hooks = hooks if hooks is not None else CompatHooks(extra_body)
        self._extra_body = dict(extra_body or {})
        self._set_routing(use_responses_api)
        settings = HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout)
        self._connect(
            name, base_url.strip(), settings, auth_headers=bearer(api_key), api_key=api_key
        )

    def language_model(self, model_id: str) -> ChatModel | ResponsesModel:
        """The model ``model_id`` of this server (per ``use_responses_api``)."""
        if self._uses_responses(model_id):
            return self.responses_model(model_id)
        return self.chat_model(model_id)

    def chat_model(self, model_id: str) -> ChatModel:
        """The Chat Completions model ``model_id`` (whatever ``use_responses_api`` says)."""
        return self._chat_model(model_id, self._hooks, object_mode="tool")

    def responses_model(self, model_id: str) -> ResponsesModel:
        """The Responses API model ``model_id`` at ``<base_url>/responses``."""
        return self._responses_model(model_id, object_mode="tool", extra_body=self._extra_body)
