"""Request signing for cloud endpoints, as ``httpx.Auth`` classes (optional extras).

* :class:`AWSSigV4Auth` signs requests with AWS Signature V4 using ``botocore`` and the
  standard AWS credential chain (extra ``fantasy[bedrock]``).
* :class:`GoogleBearerAuth` adds an OAuth bearer token from ``google-auth``
  application-default credentials (extra ``fantasy[vertex]``); with ``skip_auth`` it
  sends ``Bearer dummy-token`` and looks nothing up (recorded-traffic replay).

The optional packages are imported on first use, never when this module is imported.
Credential lookups and token refreshes may block (metadata servers, files), so the
async flows run them in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Generator, Mapping
from typing import Any

import httpx

from fantasy.errors import AuthenticationError, InvalidArgumentError

__all__ = ["CLOUD_PLATFORM_SCOPE", "DUMMY_TOKEN", "AWSSigV4Auth", "GoogleBearerAuth"]

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
DUMMY_TOKEN = "dummy-token"

# Signed headers (like botocore's own clients): others may be rewritten on the way.
_SIGNED_HEADERS = frozenset({"host", "content-type"})


def _missing_extra(package: str, extra: str, error: ImportError) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"{package} is needed for this provider: pip install 'fantasy[{extra}]' ({error})"
    )


class AWSSigV4Auth(httpx.Auth):
    """Sign each request with AWS Signature V4 (``botocore``).

    Args:
        region: The AWS region of the endpoint.
        service: The signing service name (``"bedrock"``).
        credentials: ``botocore`` credentials; by default the standard chain
            (environment, shared config and credentials files, SSO, instance roles).
        profile: A named profile of the shared config to read credentials from.
    """

    requires_request_body = True

    def __init__(
        self,
        *,
        region: str,
        service: str = "bedrock",
        credentials: Any = None,
        profile: str | None = None,
    ) -> None:
        self.region = region
        self.service = service
        self._credentials = credentials
        self._profile = profile
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AWSSigV4Auth(region={self.region!r}, service={self.service!r})"

    def _frozen_credentials(self) -> Any:
        with self._lock:
            if self._credentials is None:
                try:
                    import botocore.session
                except ImportError as error:
                    raise _missing_extra("botocore", "bedrock", error) from error
                session = botocore.session.Session(profile=self._profile)
                self._credentials = session.get_credentials()
            if self._credentials is None:
                raise AuthenticationError(
                    "no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                    "a profile, or pass an API key)",
                    provider="bedrock",
                )
            return self._credentials.get_frozen_credentials()

    def sign(self, request: httpx.Request, credentials: Any) -> None:
        """Add the SigV4 headers (``Authorization``, ``X-Amz-Date``, ...) to ``request``."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in _SIGNED_HEADERS or k.lower().startswith("x-amz-")
        }
        aws_request = AWSRequest(
            method=request.method, url=str(request.url), data=request.content, headers=headers
        )
        SigV4Auth(credentials, self.service, self.region).add_auth(aws_request)
        for name, value in aws_request.headers.items():
            request.headers[name] = value

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Sign and send (sync clients)."""
        self.sign(request, self._frozen_credentials())
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Sign and send (async clients); the credential lookup runs in a thread."""
        credentials = await asyncio.to_thread(self._frozen_credentials)
        self.sign(request, credentials)
        yield request


class _HttpxTransportRequest:
    """A ``google.auth.transport.Request`` on a synchronous ``httpx.Client``."""

    def __init__(self) -> None:
        self._client = httpx.Client(timeout=30.0)

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **_: Any,
    ) -> Any:
        from google.auth import exceptions

        try:
            response = self._client.request(
                method, url, content=body, headers=dict(headers or {}), timeout=timeout or 30.0
            )
        except httpx.HTTPError as error:
            raise exceptions.TransportError(str(error)) from error  # type: ignore[no-untyped-call]
        return _TransportResponse(response)


class _TransportResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content


class GoogleBearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` from Google credentials (``google-auth``).

    Args:
        skip_auth: Send ``Bearer dummy-token`` and look no credentials up.
        credentials: ``google.auth.credentials.Credentials``; by default the
            application-default credentials.
        scopes: OAuth scopes requested for default credentials.
    """

    def __init__(
        self,
        skip_auth: bool = False,
        *,
        credentials: Any = None,
        scopes: tuple[str, ...] = (CLOUD_PLATFORM_SCOPE,),
    ) -> None:
        self.skip_auth = skip_auth
        self._credentials = credentials
        self._scopes = scopes
        self._lock = threading.Lock()
        self._transport: _HttpxTransportRequest | None = None

    def __repr__(self) -> str:
        return f"GoogleBearerAuth(skip_auth={self.skip_auth!r})"

    def token(self) -> str:
        """A valid access token, refreshed when needed (blocking)."""
        if self.skip_auth:
            return DUMMY_TOKEN
        with self._lock:
            credentials = self._load()
            if not credentials.valid:
                self._refresh(credentials)
            return str(credentials.token)

    def _load(self) -> Any:
        if self._credentials is None:
            try:
                import google.auth
                from google.auth import exceptions
            except ImportError as error:
                raise _missing_extra("google-auth", "vertex", error) from error
            try:
                self._credentials, _project = google.auth.default(scopes=list(self._scopes))
            except exceptions.DefaultCredentialsError as error:
                raise AuthenticationError(
                    f"no Google credentials found: {error}", provider="google"
                ) from error
        return self._credentials

    def _refresh(self, credentials: Any) -> None:
        from google.auth import exceptions

        if self._transport is None:
            self._transport = _HttpxTransportRequest()
        try:
            credentials.refresh(self._transport)
        except exceptions.GoogleAuthError as error:
            raise AuthenticationError(
                f"refreshing Google credentials failed: {error}", provider="google"
            ) from error

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        """Add the bearer token (sync clients)."""
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Add the bearer token (async clients); refreshes run in a thread."""
        token = DUMMY_TOKEN if self.skip_auth else await asyncio.to_thread(self.token)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request
