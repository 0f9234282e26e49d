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

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT, HTTPClient
from fantasy.errors import InvalidArgumentError
from fantasy.providers.openai._errors import parse_error
from fantasy.providers.openai.chat import ChatModel
from fantasy.providers.openaicompat.hooks import CompatHooks
from fantasy.providers.openaicompat.options import OpenAICompatOptions

__all__ = ["CompatHooks", "OpenAICompatOptions", "OpenAICompatProvider"]


class OpenAICompatProvider:
    """Builds models of an OpenAI-compatible server.

    Args:
        base_url: API root, e.g. ``https://api.x.ai/v1`` (requests go to
            ``<base_url>/chat/completions``).
        api_key: Sent as ``Authorization: Bearer``; no auth header when absent.
        headers: Extra headers on every request.
        extra_body: Keys merged into every request body.
        http_client: An ``httpx.AsyncClient`` to send requests with (caller owns it).
        transport: An httpx transport for a client fantasy creates.
        timeout: Request timeout in seconds.
        stream_idle_timeout: Seconds without stream data before a stream fails.
        name: Provider name reported by models and errors.
        hooks: Dialect hooks (default: :class:`CompatHooks` with ``extra_body``).
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        name: str = "openai-compat",
        hooks: CompatHooks | None = None,
    ) -> None:
        if not base_url or not base_url.strip():
            raise InvalidArgumentError("base_url is required", argument="base_url")
        self._name = name
        self._base_url = base_url.strip().rstrip("/")
        self._hooks = hooks if hooks is not None else CompatHooks(extra_body)
        all_headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        all_headers.update(headers or {})
        self._client = HTTPClient(
            provider=name,
            headers=all_headers,
            http_client=http_client,
            transport=transport,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            secrets=(api_key,) if api_key else (),
            error_parser=parse_error,
        )

    @property
    def name(self) -> str:
        """Provider name."""
        return self._name

    @property
    def base_url(self) -> str:
        """The API root URL."""
        return self._base_url

    def __repr__(self) -> str:
        return f"OpenAICompatProvider(name={self._name!r}, base_url={self._base_url!r})"

    def language_model(self, model_id: str) -> ChatModel:
        """The model ``model_id`` of this server."""
        return ChatModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            url=f"{self._base_url}/chat/completions",
            hooks=self._hooks,
            object_mode="tool",
        )
