"""Keeping secrets out of recorded cassettes (private).

Recording keeps only allow-listed headers, never keeps credential headers (even when they
are allow-listed), redacts credential query parameters such as `?key=` and replaces every
known secret string (given explicitly, or taken from the request's credential headers) with
`REDACTED` in URLs, bodies and kept header values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fantasy.errors import MIN_SECRET_LENGTH
from fantasy.testing._cassette_model import Body, Headers

REDACTED = "REDACTED"

DEFAULT_REQUEST_HEADERS: tuple[str, ...] = ("Accept", "Content-Type", "User-Agent")
"""Request headers recorded by default."""

DEFAULT_RESPONSE_HEADERS: tuple[str, ...] = ("Content-Type",)
"""Response headers recorded by default."""

_DENIED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
        "x-amz-security-token",
    }
)
_DENIED_HEADER_PATTERN = re.compile(
    r"auth|token|secret|api[-_]?key|cookie|credential|signature|password", re.IGNORECASE
)
_SECRET_QUERY = re.compile(
    r"(?P<name>[?&;](?:key|api_key|api-key|apikey|access_token)=)[^&#;]*", re.IGNORECASE
)
_AUTH_SCHEME = re.compile(r"^\s*(?:bearer|basic|token)\s+(?P<token>\S+)\s*$", re.IGNORECASE)


def canonical_header(name: str) -> str:
    """Return Go's canonical form of a header name (`content-type` -> `Content-Type`)."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def is_secret_header(name: str) -> bool:
    """Tell whether a header may carry credentials and must never be recorded."""
    lowered = name.lower()
    return lowered in _DENIED_HEADERS or _DENIED_HEADER_PATTERN.search(lowered) is not None


def redact_query(url: str) -> str:
    """Replace the values of credential query parameters (`key=`, `api_key=`...) in a URL."""
    return _SECRET_QUERY.sub(lambda match: match.group("name") + REDACTED, url)


@dataclass(frozen=True)
class Scrubber:
    """Removes secrets from what is written to (and matched against) a cassette.

    Attributes:
        secrets: Exact strings to replace with `REDACTED` wherever they appear.
        request_headers: Lower-cased names of request headers to keep.
        response_headers: Lower-cased names of response headers to keep.
    """

    secrets: tuple[str, ...] = ()
    request_headers: frozenset[str] = frozenset(h.lower() for h in DEFAULT_REQUEST_HEADERS)
    response_headers: frozenset[str] = frozenset(h.lower() for h in DEFAULT_RESPONSE_HEADERS)

    @classmethod
    def create(
        cls,
        *,
        secrets: Iterable[str] = (),
        request_headers: Iterable[str] = DEFAULT_REQUEST_HEADERS,
        response_headers: Iterable[str] = DEFAULT_RESPONSE_HEADERS,
    ) -> Scrubber:
        """Build a scrubber, replacing longer secrets first.

        Values shorter than :data:`fantasy.errors.MIN_SECRET_LENGTH` are placeholders,
        not keys, and are ignored (the rule every scrub in fantasy follows).
        """
        unique = {secret for secret in secrets if len(secret) >= MIN_SECRET_LENGTH}
        return cls(
            secrets=tuple(sorted(unique, key=len, reverse=True)),
            request_headers=frozenset(name.lower() for name in request_headers),
            response_headers=frozenset(name.lower() for name in response_headers),
        )

    def with_secrets(self, extra: Iterable[str]) -> Scrubber:
        """Return a copy that also scrubs `extra` secrets."""
        return Scrubber.create(
            secrets=(*self.secrets, *extra),
            request_headers=self.request_headers,
            response_headers=self.response_headers,
        )

    def text(self, text: str) -> str:
        """Replace every known secret in `text`."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def url(self, url: str) -> str:
        """Scrub a URL: known secrets and credential query parameter values."""
        return redact_query(self.text(url))

    def body(self, body: Body) -> Body:
        """Scrub a text or binary body."""
        if isinstance(body, str):
            return self.text(body)
        for secret in self.secrets:
            body = body.replace(secret.encode(), REDACTED.encode())
        return body

    def _headers(self, headers: Iterable[tuple[str, str]], keep: frozenset[str]) -> Headers:
        kept: Headers = {}
        for name, value in headers:
            if name.lower() not in keep or is_secret_header(name):
                continue
            kept.setdefault(canonical_header(name), []).append(self.text(value))
        return kept

    def request_headers_of(self, headers: Iterable[tuple[str, str]]) -> Headers:
        """Keep only allow-listed, non-secret request headers (scrubbed, canonical names)."""
        return self._headers(headers, self.request_headers)

    def response_headers_of(self, headers: Iterable[tuple[str, str]]) -> Headers:
        """Keep only allow-listed, non-secret response headers (scrubbed, canonical names)."""
        return self._headers(headers, self.response_headers)


def secrets_from_headers(headers: Iterable[tuple[str, str]]) -> list[str]:
    """Collect credential values carried by secret headers of a request.

    The full header value is collected, and for `Bearer`/`Basic`/`Token` schemes also the
    bare token, so that an echoed key in a body or URL is scrubbed too. Very short values
    are skipped to avoid redacting common words.
    """
    found: list[str] = []
    for name, value in headers:
        if not is_secret_header(name):
            continue
        candidates = [value.strip()]
        scheme = _AUTH_SCHEME.match(value)
        if scheme is not None:
            candidates.append(scheme.group("token"))
        found.extend(c for c in candidates if len(c) >= MIN_SECRET_LENGTH)
    return found
