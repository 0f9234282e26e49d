"""The long-lived ``httpx.AsyncClient`` a provider owns: one per event loop, gated.

Without an injected client, an :class:`~fantasy._http.HTTPClient` sends through a
:class:`ClientPool`: one ``httpx.AsyncClient`` per event loop (asyncio objects belong
to one loop; the sync API runs on its own), created on first use with
:data:`DEFAULT_LIMITS`, and closed by :meth:`ClientPool.aclose` or, at the latest,
when its loop shuts down its async generators (``asyncio.run`` and ``asyncio.Runner``
do), so connections never wait for the garbage collector.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import NamedTuple

import httpx

from fantasy.errors import ProviderError

__all__ = ["DEFAULT_LIMITS", "ClientPool"]

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)
"""Pool limits of the clients fantasy creates: at most 100 connections per provider and
event loop, all of them kept alive between requests. More concurrent requests wait at
the pool's gate (bounded by ``timeout.pool``), so 1,000 concurrent calls on one loop
reuse these 100 connections instead of opening and closing one per request."""


async def _close_with_loop(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    # Started once on the loop that uses ``client``: the loop's shutdown_asyncgens()
    # closes it, which closes the client's connections.
    try:
        yield
    finally:
        await client.aclose()


class _Owned(NamedTuple):
    client: httpx.AsyncClient
    keeper: AsyncGenerator[None, None]  # closes the client when its loop shuts down
    gate: asyncio.Semaphore


class ClientPool:
    """The clients one :class:`~fantasy._http.HTTPClient` owns, one per event loop.

    Args:
        provider: Provider name used in errors.
        transport: The transport of the clients (``None``: httpx's own).
        timeout: The clients' default timeout; its ``pool`` part bounds the gate wait.
    """

    def __init__(
        self, *, provider: str, transport: httpx.AsyncBaseTransport | None, timeout: httpx.Timeout
    ) -> None:
        self._provider = provider
        self._transport = transport
        self._timeout = timeout
        self._owned: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Owned] = (
            weakref.WeakKeyDictionary()
        )

    async def _current(self) -> _Owned:
        loop = asyncio.get_running_loop()
        owned = self._owned.get(loop)
        if owned is None or owned.client.is_closed:
            client = httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout, limits=DEFAULT_LIMITS
            )
            keeper = _close_with_loop(client)
            await anext(keeper)
            gate = asyncio.Semaphore(DEFAULT_LIMITS.max_connections or 100)
            owned = self._owned[loop] = _Owned(client, keeper, gate)
        return owned

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[httpx.AsyncClient]:
        """The running loop's client, once its gate admits one more request.

        Hold it until the answer is read (a stream: until it closes). Speed: httpcore
        matches every queued request against every connection whenever one changes
        state, so 1,000 requests queued in its pool cost seconds of CPU; waiting at this
        FIFO gate instead costs nothing until a connection is free.
        """
        owned = await self._current()
        gate = owned.gate
        if gate.locked():  # wait (bounded like httpx's own pool wait) only when full
            try:
                async with asyncio.timeout(self._timeout.pool):
                    await gate.acquire()
            except TimeoutError:
                raise ProviderError(
                    f"no free connection within {self._timeout.pool:g}s "
                    f"({DEFAULT_LIMITS.max_connections} requests in flight)",
                    provider=self._provider,
                    retryable=True,
                ) from None
        else:
            await gate.acquire()
        try:
            yield owned.client
        finally:
            gate.release()

    async def aclose(self) -> None:
        """Close the running loop's client; a later request opens a new one."""
        owned = self._owned.pop(asyncio.get_running_loop(), None)
        if owned is not None:
            await owned.keeper.aclose()
