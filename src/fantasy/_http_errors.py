"""Errors that say what happened on the wire: transport failures, non-JSON bodies, context.

httpx's own messages are often empty (``ReadTimeout()``, ``ReadError()``); these helpers
name the failure, the limit that fired and the URL, in one line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import httpx

from fantasy.errors import ProviderError, RequestTimeoutError

__all__ = ["body_excerpt", "content_type", "context_error", "transport_error"]

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


_CONTEXT_PATTERNS = (
    # OpenAI: "maximum context length is 128000 tokens. However, your messages resulted in
    # 130000 tokens"
    re.compile(r"maximum context length is (?P<max>\d+) tokens.*?(?P<used>\d+) tokens", re.S),
    # Anthropic: "prompt is too long: 210000 tokens > 200000 maximum"
    re.compile(r"prompt is too long: (?P<used>\d+) tokens > (?P<max>\d+)"),
    # Gemini: "input token count (1200000) exceeds the maximum number of tokens allowed (1048576)"
    re.compile(r"input token count \(?(?P<used>\d+)\)? exceeds the maximum.*?\(?(?P<max>\d+)\)?"),
)
_CONTEXT_CODES = frozenset({"context_length_exceeded", "string_above_max_length"})
_CONTEXT_WORDS = ("context length", "context window", "prompt is too long", "too many tokens")


def context_error(message: str, code: str) -> tuple[int | None, int | None] | None:
    """``(used, max)`` tokens (either ``None`` when unsaid) of a context-window error."""
    for pattern in _CONTEXT_PATTERNS:
        match = pattern.search(message)
        if match and len(match["used"]) <= 18 and len(match["max"]) <= 18:
            return int(match["used"]), int(match["max"])
    lowered = message.lower()
    if code in _CONTEXT_CODES or any(word in lowered for word in _CONTEXT_WORDS):
        return None, None
    return None


def content_type(headers: Mapping[str, str]) -> str:
    """The ``Content-Type`` of ``headers`` (``""`` when absent)."""
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")
