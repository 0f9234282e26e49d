"""Messages that say what happened on the wire: transport failures and non-JSON bodies.

httpx's own messages are often empty (``ReadTimeout()``, ``ReadError()``); these helpers
name the failure, the limit that fired and the URL, in one line.
"""

from __future__ import annotations

import html
import re

import httpx

from fantasy.errors import ProviderError, RequestTimeoutError

__all__ = ["body_excerpt", "transport_error"]

_EXCERPT = 160
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.I | re.S)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_SPACE = re.compile(r"\s+")

# Which limit of an httpx.Timeout each timeout exception means.
_PHASES: tuple[tuple[type[httpx.TimeoutException], str, str], ...] = (
    (httpx.ConnectTimeout, "connect", "could not connect within {limit}"),
    (httpx.WriteTimeout, "write", "could not send the request within {limit}"),
    (httpx.PoolTimeout, "pool", "no free connection in the pool within {limit}"),
    (httpx.ReadTimeout, "read", "no response within {limit}"),
)


def _seconds(value: float | None) -> str:
    return "the time limit" if value is None else f"{value:.1f} s"


def _limit(error: httpx.TransportError, phase: str) -> float | None:
    try:
        timeouts = error.request.extensions.get("timeout") or {}
    except RuntimeError:  # an error raised without its request
        return None
    value = timeouts.get(phase)
    return float(value) if isinstance(value, int | float) else None


def transport_error(provider: str, error: httpx.TransportError, url: str) -> ProviderError:
    """The retryable error for a transport failure of a request to ``url``.

    A timeout becomes :class:`~fantasy.errors.RequestTimeoutError` with the limit that
    fired; a reset, a closed connection or a refused connection say so in words.
    """
    detail = str(error).strip()
    if isinstance(error, httpx.TimeoutException):
        phase, template = "read", "no response within {limit}"
        for cls, name, text in _PHASES:
            if isinstance(error, cls):
                phase, template = name, text
                break
        limit = _limit(error, phase)
        return RequestTimeoutError(
            f"{template.format(limit=_seconds(limit))} ({url})",
            provider=provider,
            url=url,
            phase=phase,
            timeout=limit,
        )
    if isinstance(error, httpx.RemoteProtocolError):
        what = "the server closed the connection early"
    elif isinstance(error, httpx.ReadError | httpx.WriteError):
        what = "connection reset by the server"
    elif isinstance(error, httpx.ConnectError):
        what = "cannot connect to the server"
    else:
        what = f"{type(error).__name__}"
    if detail and detail.lower() not in what:
        what = f"{what}: {detail}"
    return ProviderError(f"{what} ({url})", provider=provider, url=url, retryable=True)


def body_excerpt(body: str, content_type: str = "") -> str:
    """A short one-line excerpt of a body that is not the JSON expected.

    An HTML page is named as one, with its title (or its text without tags).
    """
    text = body.strip()
    is_html = "html" in content_type.lower() or text[:15].lower().startswith(("<!doctype", "<html"))
    if is_html:
        title = _TITLE.search(text)
        words = title.group(1) if title else _TAG.sub(" ", text)
        words = _SPACE.sub(" ", html.unescape(words)).strip()
        return f"an HTML page: {_cut(words)!r}" if words else "an HTML page"
    words = _SPACE.sub(" ", text)
    return repr(_cut(words)) if words else "an empty body"


def _cut(text: str) -> str:
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 3].rstrip() + "..."
