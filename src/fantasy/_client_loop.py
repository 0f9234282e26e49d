"""Injected httpx clients belong to one event loop: bind each, and fail clearly on misuse."""

from __future__ import annotations

import asyncio
import weakref

import httpx

from fantasy.errors import UsageError

__all__ = ["check_loop"]

# The event loop each injected client was first used on: an httpx.AsyncClient's pooled
# connections belong to one loop, and using them from another fails obscurely or hangs.
_BOUND: weakref.WeakKeyDictionary[httpx.AsyncClient, weakref.ref[asyncio.AbstractEventLoop]] = (
    weakref.WeakKeyDictionary()
)


def check_loop(client: httpx.AsyncClient, provider: str) -> None:
    """Bind ``client`` to the running loop, or fail clearly if another live loop has it.

    A loop that has been closed gives the client up (``asyncio.run`` twice in a script).
    """
    loop = asyncio.get_running_loop()
    bound = _BOUND.get(client)
    owner = bound() if bound is not None else None
    if owner is None or owner.is_closed():
        _BOUND[client] = weakref.ref(loop)
        return
    if owner is not loop:
        raise UsageError(
            f"[{provider}] the http_client given to this provider is in use on another event "
            "loop: an httpx.AsyncClient belongs to the event loop it is first used on. Create "
            "it inside the loop that uses it, give each loop its own client, or omit "
            "http_client (fantasy then owns one client per event loop, *_sync methods included)"
        )
