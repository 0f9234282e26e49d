"""Serving agents to browsers: protocol adapters, an ASGI app and a built-in chat page.

``fantasy.web.app(agent)`` is a Starlette app (extra ``web``: ``pip install
"fantasy[web]"``): ``POST /api/chat`` streams one agent run per request in the Vercel AI
SDK UI message stream protocol (``useChat``) or in AG-UI, and ``GET /`` serves a chat
page. The adapters are pure functions: :mod:`fantasy.web.vercel`, :mod:`fantasy.web.agui`.

Importing this package loads no optional dependency; :func:`app` loads Starlette.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fantasy.web._common import RequestError, RunInput

if TYPE_CHECKING:
    from fantasy.web._app import Protocol, app

__all__ = ["Protocol", "RequestError", "RunInput", "app"]


def __getattr__(name: str) -> Any:
    if name in ("app", "Protocol"):
        try:
            from fantasy.web import _app
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError(
                f"fantasy.web.app needs the 'web' extra: pip install 'fantasy[web]' ({error})"
            ) from error
        return getattr(_app, name)
    raise AttributeError(f"module 'fantasy.web' has no attribute {name!r}")
