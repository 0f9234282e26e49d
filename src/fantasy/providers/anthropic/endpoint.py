"""Where and how a Messages request is sent: the direct API, Claude on Vertex AI.

An endpoint builds the URL, adds its fields to the converted body, adds its headers,
and says how its stream's body becomes events (:meth:`AnthropicEndpoint.framing`).
The converter and decoder are the same for every endpoint; Bedrock's endpoint lives
in :mod:`fantasy.providers.bedrock`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from fantasy._http import Framing, HTTPClient
from fantasy._sse import SSEFraming
from fantasy.errors import InvalidArgumentError, ProviderError
from fantasy.providers._base import vertex_url
from fantasy.providers.anthropic.convert import Dialect

__all__ = [
    "DEFAULT_BASE_URL",
    "VERTEX_ANTHROPIC_VERSION",
    "AnthropicEndpoint",
    "VertexEndpoint",
    "api_root",
]

DEFAULT_BASE_URL = "https://api.anthropic.com/v1"
VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16"


def api_root(base_url: str) -> str:
    """The Messages API root of ``base_url``: the host as Anthropic's SDK reads it.

    ``https://api.anthropic.com`` and ``https://api.anthropic.com/v1`` both give
    ``https://api.anthropic.com/v1`` (requests go to ``<root>/messages``).

    Raises:
        InvalidArgumentError: ``base_url`` is blank.
    """
    url = base_url.strip().rstrip("/")
    if not url:
        raise InvalidArgumentError("base_url is empty", argument="base_url")
    return url if url.endswith("/v1") else f"{url}/v1"


class AnthropicEndpoint:
    """The direct Messages API (``POST {base_url}/messages``).

    Subclasses override :meth:`url`, :meth:`body`, :meth:`headers` and :meth:`framing`.
    """

    provider_name: ClassVar[str] = "anthropic"
    dialect: ClassVar[Dialect] = Dialect()

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL) -> None:
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def url(self, model_id: str, *, stream: bool, betas: tuple[str, ...]) -> str:
        """The request URL (``?beta=true`` when beta features are used)."""
        url = f"{self.base_url}/messages"
        return f"{url}?beta=true" if betas else url

    def body(
        self, body: dict[str, Any], model_id: str, *, stream: bool, betas: tuple[str, ...]
    ) -> dict[str, Any]:
        """The converted body plus ``model`` and, when streaming, ``stream``."""
        out = {"model": model_id, **body}
        if stream:
            out["stream"] = True
        return out

    def headers(self, *, stream: bool, betas: tuple[str, ...]) -> dict[str, str]:
        """Per-request headers (the ``anthropic-beta`` list)."""
        return {"anthropic-beta": ",".join(betas)} if betas else {}

    def answer_error(
        self, data: Mapping[str, Any], headers: Mapping[str, str]
    ) -> ProviderError | None:
        """The in-band error of a whole answer (status 200) in this endpoint's own shape.

        ``None`` when there is none; Anthropic's ``{"type": "error"}`` is the decoder's job.
        """
        return None

    def framing(self, client: HTTPClient) -> Framing:
        """How this endpoint's stream body becomes events (server-sent events)."""
        return SSEFraming()


class VertexEndpoint(AnthropicEndpoint):
    """Claude on Vertex AI: ``…/publishers/anthropic/models/{model}:rawPredict``.

    The body has no ``model`` (it is in the path) and carries ``anthropic_version``;
    ``stream: true`` selects streaming together with ``:streamRawPredict``.
    """

    provider_name: ClassVar[str] = "anthropic-vertex"

    def __init__(self, *, project: str, location: str, base_url: str | None = None) -> None:
        super().__init__(base_url=base_url or f"{vertex_url(location)}/v1")
        self.project = project
        self.location = location

    def __repr__(self) -> str:
        return f"VertexEndpoint(project={self.project!r}, location={self.location!r})"

    def url(self, model_id: str, *, stream: bool, betas: tuple[str, ...]) -> str:
        """The model's ``rawPredict`` / ``streamRawPredict`` URL (``@`` kept as is)."""
        method = "streamRawPredict" if stream else "rawPredict"
        return (
            f"{self.base_url}/projects/{self.project}/locations/{self.location}"
            f"/publishers/anthropic/models/{model_id}:{method}"
        )

    def body(
        self, body: dict[str, Any], model_id: str, *, stream: bool, betas: tuple[str, ...]
    ) -> dict[str, Any]:
        """The converted body plus ``anthropic_version`` and ``stream``."""
        out = {**body, "anthropic_version": VERTEX_ANTHROPIC_VERSION}
        if stream:
            out["stream"] = True
        return out
