"""The Claude language model: one class for every endpoint (direct, Vertex, Bedrock)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fantasy import stream as parts
from fantasy._http import HTTPClient
from fantasy.errors import InvalidResponseError
from fantasy.model import BaseLanguageModel, Call, ObjectMode
from fantasy.options import namespace_warnings
from fantasy.providers.anthropic._structured import supports_structured_outputs
from fantasy.providers.anthropic.convert import convert_call
from fantasy.providers.anthropic.decode import StreamDecoder, decode_response
from fantasy.providers.anthropic.endpoint import AnthropicEndpoint
from fantasy.response import Response
from fantasy.usage import CallWarning

__all__ = ["AnthropicLanguageModel"]


@dataclass(frozen=True, slots=True)
class _Prepared:
    url: str
    body: dict[str, Any]
    headers: dict[str, str]
    warnings: tuple[CallWarning, ...]


class AnthropicLanguageModel(BaseLanguageModel):
    """A Claude model behind an :class:`~.endpoint.AnthropicEndpoint`.

    Structured objects default to the tool mode (a forced tool named after the schema).
    The ``json`` mode uses native structured outputs (``output_config.format``) on the
    models and endpoints that have them (see :meth:`supports_json_schema`).
    """

    default_object_mode: ObjectMode = "tool"

    def __init__(self, *, model_id: str, endpoint: AnthropicEndpoint, client: HTTPClient) -> None:
        super().__init__(provider=endpoint.provider_name, model_id=model_id)
        self._endpoint = endpoint
        self._client = client

    def supports_json_schema(self) -> bool:
        """Whether this model takes ``output_config.format`` on its endpoint.

        The Anthropic API: Claude 4.5 generation and newer; Bedrock: the 4.5 and 4.6
        generations; Vertex AI: never (see :mod:`fantasy.providers.anthropic._structured`).
        """
        return supports_structured_outputs(self._endpoint.provider_name, self.model_id)

    def _prepare(self, call: Call, *, stream: bool) -> _Prepared:
        converted = convert_call(
            call,
            dialect=self._endpoint.dialect,
            structured_outputs=self.supports_json_schema(),
            model_id=self.model_id,
        )
        betas = converted.betas
        headers = {
            **self._endpoint.headers(stream=stream, betas=betas),
            **dict(call.headers),
        }
        return _Prepared(
            url=self._endpoint.url(self.model_id, stream=stream, betas=betas),
            body=self._endpoint.body(converted.body, self.model_id, stream=stream, betas=betas),
            headers=headers,
            warnings=(*converted.warnings, *namespace_warnings(call.provider_options)),
        )

    async def generate(self, call: Call) -> Response:
        """Run the call and return the whole response."""
        prepared = self._prepare(call, stream=False)
        data, headers = await self._client.post_json(
            prepared.url, prepared.body, headers=prepared.headers, user_agent=call.user_agent
        )
        if not isinstance(data, dict):
            raise InvalidResponseError(
                "response is not a JSON object", provider=self.provider, raw=str(data)[:10000]
            )
        error = self._endpoint.answer_error(data, headers)
        if error is not None:
            raise error
        return decode_response(
            data, provider=self.provider, warnings=prepared.warnings, headers=dict(headers)
        )

    def stream(self, call: Call) -> AsyncIterator[parts.StreamPart]:
        """Run the call as a stream of parts."""
        prepared = self._prepare(call, stream=True)
        return self._client.stream_parts(
            prepared.url,
            prepared.body,
            StreamDecoder(provider=self.provider),
            framing=self._endpoint.framing(self._client),
            headers=prepared.headers,
            user_agent=call.user_agent,
            first=(parts.Warnings(prepared.warnings),) if prepared.warnings else (),
        )
