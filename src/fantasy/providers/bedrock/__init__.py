"""Every model on Amazon Bedrock: the Converse API, and Claude's InvokeModel path.

``language_model(model_id)`` serves Claude models (``anthropic.claude-...``, with or
without an inference-profile prefix) through ``InvokeModel`` with the Anthropic Messages
body, which keeps Claude's own features (computer use, server tools, cache control as
Anthropic defines it) and matches recorded traffic; every other model (Nova, Llama,
Mistral, DeepSeek, Qwen, gpt-oss, Cohere, Writer, ...) goes through Converse
(:mod:`fantasy.providers.bedrock.converse`, options under ``"bedrock"``). ``api=
"converse"`` sends Claude through Converse too; ``converse_model`` and ``invoke_model``
pick one path for one model.

For InvokeModel, the request body is the Anthropic Messages body (see
:mod:`fantasy.providers.anthropic`) without ``model`` and ``stream`` and with
``anthropic_version: "bedrock-2023-05-31"``; the model id goes in the URL path. Streams
are AWS event-stream frames, each carrying one Anthropic stream event. Options and
metadata use the ``"anthropic"`` key.

Authentication: an API key (``Authorization: Bearer``, from ``api_key`` or
``AWS_BEARER_TOKEN_BEDROCK``), else AWS SigV4 with the standard credential chain
(needs ``botocore``: ``pip install 'fantasy[bedrock]'``), or nothing with ``skip_auth``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx

from fantasy._http import DEFAULT_STREAM_IDLE_TIMEOUT, Framing, HTTPClient
from fantasy.errors import ProviderError
from fantasy.model import LanguageModel
from fantasy.providers._base import HTTPSettings, bearer, env
from fantasy.providers.anthropic._provider import ClaudeProvider
from fantasy.providers.anthropic.convert import Dialect
from fantasy.providers.anthropic.endpoint import AnthropicEndpoint
from fantasy.providers.anthropic.model import AnthropicLanguageModel
from fantasy.providers.bedrock._eventstream import EventStreamFraming, exception_error
from fantasy.providers.bedrock.converse import (
    BedrockConverseOptions,
    BedrockGuardrail,
    BedrockReasoningMetadata,
    BedrockResponseMetadata,
    ConverseModel,
)
from fantasy.providers.bedrock.embed import BedrockEmbeddingModel, EmbeddingFamily
from fantasy.retry import RetryPolicy

__all__ = [
    "BEDROCK_ANTHROPIC_VERSION",
    "BedrockConverseOptions",
    "BedrockEndpoint",
    "BedrockGuardrail",
    "BedrockProvider",
    "BedrockReasoningMetadata",
    "BedrockResponseMetadata",
    "ConverseModel",
    "is_claude",
]

BedrockAPI = Literal["auto", "converse", "invoke"]


def is_claude(model_id: str) -> bool:
    """Whether ``model_id`` names an Anthropic Claude model (any profile prefix or ARN)."""
    return "anthropic.claude" in model_id.lower()


BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31"
DEFAULT_REGION = "us-east-1"


class BedrockEndpoint(AnthropicEndpoint):
    """``POST {base}/model/{model id}/invoke`` and ``/invoke-with-response-stream``."""

    provider_name: ClassVar[str] = "bedrock"
    dialect: ClassVar[Dialect] = Dialect(always_send_parallel_flag=False)

    def __init__(self, *, region: str, base_url: str | None = None) -> None:
        super().__init__(base_url=base_url or f"https://bedrock-runtime.{region}.amazonaws.com")
        self.region = region

    def __repr__(self) -> str:
        return f"BedrockEndpoint(region={self.region!r})"

    def url(self, model_id: str, *, stream: bool, betas: tuple[str, ...]) -> str:
        """The model's invoke URL; the id is fully escaped (``:`` → ``%3A``)."""
        action = "invoke-with-response-stream" if stream else "invoke"
        return f"{self.base_url}/model/{quote(model_id, safe='')}/{action}"

    def body(
        self, body: dict[str, Any], model_id: str, *, stream: bool, betas: tuple[str, ...]
    ) -> dict[str, Any]:
        """The converted body plus ``anthropic_version`` (and ``anthropic_beta``)."""
        out = {**body, "anthropic_version": BEDROCK_ANTHROPIC_VERSION}
        if betas:
            out["anthropic_beta"] = list(betas)
        return out

    def headers(self, *, stream: bool, betas: tuple[str, ...]) -> dict[str, str]:
        """Accept the binary event stream when streaming (betas travel in the body)."""
        return {"Accept": "application/vnd.amazon.eventstream"} if stream else {}

    def answer_error(
        self, data: Mapping[str, Any], headers: Mapping[str, str]
    ) -> ProviderError | None:
        """A Bedrock exception body (``{"message": ...}``) sent with status 200.

        Its kind comes from the ``x-amzn-ErrorType`` header or the body's ``__type``
        (``ServiceUnavailableException``, ``ThrottlingException``, ...) and is typed and
        marked retryable exactly like the stream's exception frames.
        """
        if "content" in data or data.get("type") in ("message", "error"):
            return None
        message = data.get("message") or data.get("Message")
        if not isinstance(message, str):
            return None
        kind = headers.get("x-amzn-errortype") or str(data.get("__type") or "")
        kind = kind.split(":", 1)[0].rsplit("#", 1)[-1]
        kind = kind[:1].lower() + kind[1:] if kind else "exception"
        return exception_error(self.provider_name, kind, message)

    def framing(self, client: HTTPClient) -> Framing:
        """AWS event-stream frames, each carrying one Anthropic stream event."""
        return EventStreamFraming(provider=self.provider_name, secrets=client.secrets)


class BedrockProvider(ClaudeProvider):
    """Builds Claude models on Amazon Bedrock.

    Args:
        region: AWS region (default ``AWS_REGION``, ``AWS_DEFAULT_REGION``, else us-east-1).
        api_key: Bedrock API key (default ``AWS_BEARER_TOKEN_BEDROCK``).
        skip_auth: Send no credentials and look none up (tests, proxies).
        base_url: Override ``https://bedrock-runtime.{region}.amazonaws.com``.
        headers: Extra headers on every request.
        http_client: An ``httpx.AsyncClient`` to use (you keep ownership).
        transport: A transport for the client this provider creates.
        timeout: Request timeout of the client this provider creates.
        stream_idle_timeout: Seconds without stream data before failing.
        credentials: ``botocore`` credentials for SigV4 (default: the standard chain).
        profile: A shared-config profile for SigV4 credentials.
        api: ``"auto"`` (Claude through InvokeModel, every other model through
            Converse), ``"converse"`` or ``"invoke"`` (Claude only) for every model.
        structured_outputs: Whether Converse models take ``outputConfig`` JSON schemas
            (the ``json`` object mode): a bool, or a predicate of the model id.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("region",)

    def __init__(
        self,
        *,
        region: str | None = None,
        api_key: str | None = None,
        skip_auth: bool = False,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        stream_idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
        credentials: Any = None,
        profile: str | None = None,
        api: BedrockAPI = "auto",
        structured_outputs: bool | Callable[[str], bool] = False,
    ) -> None:
        if api not in ("auto", "converse", "invoke"):
            from fantasy.errors import InvalidArgumentError

            raise InvalidArgumentError("must be 'auto', 'converse' or 'invoke'", argument="api")
        self._api: BedrockAPI = api
        self._structured_outputs = structured_outputs
        self.region = region or env("AWS_REGION", "AWS_DEFAULT_REGION") or DEFAULT_REGION
        key = api_key or env("AWS_BEARER_TOKEN_BEDROCK")
        auth: httpx.Auth | None = None
        if not key and not skip_auth:
            from fantasy.providers._auth import AWSSigV4Auth

            auth = AWSSigV4Auth(
                region=self.region, service="bedrock", credentials=credentials, profile=profile
            )
        self._connect(
            BedrockEndpoint(region=self.region, base_url=base_url),
            HTTPSettings(headers, http_client, transport, timeout, stream_idle_timeout),
            overrides=bearer(key),
            api_key=key,
            auth=auth,
        )

    def language_model(self, model_id: str) -> LanguageModel:
        """The model ``model_id``: Claude through InvokeModel, others through Converse.

        ``api="converse"`` on the provider sends every model through Converse;
        ``api="invoke"`` every model through InvokeModel (Anthropic body, Claude only).
        """
        if self._api == "invoke" or (self._api == "auto" and is_claude(model_id)):
            return self.invoke_model(model_id)
        return self.converse_model(model_id)

    def invoke_model(self, model_id: str) -> AnthropicLanguageModel:
        """The Claude model ``model_id`` through InvokeModel (the Anthropic Messages body)."""
        return self.claude_model(model_id)

    def converse_model(self, model_id: str) -> ConverseModel:
        """The model ``model_id`` through the Converse API."""
        structured = self._structured_outputs
        return ConverseModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            base_url=self._base_url,
            structured_outputs=structured(model_id) if callable(structured) else structured,
        )

    def embedding_model(
        self,
        model_id: str,
        *,
        family: EmbeddingFamily | None = None,
        max_inputs_per_call: int | None = None,
        max_parallel_calls: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> BedrockEmbeddingModel:
        """The Titan or Cohere embedding model ``model_id`` (InvokeModel).

        ``family`` names the body format when the id does not (a provisioned-model ARN).
        """
        return BedrockEmbeddingModel(
            provider=self._name,
            model_id=model_id,
            client=self._client,
            base_url=self._base_url,
            family=family,
            max_inputs_per_call=max_inputs_per_call,
            max_parallel_calls=max_parallel_calls,
            retry=retry,
        )
