"""The long-lived ``httpx.AsyncClient`` s a provider owns: per event loop, gated.

Without an injected client, an :class:`~fantasy._http.HTTPClient` sends through a
:class:`ClientPool`: per event loop (asyncio objects belong to one loop; the sync API
runs on its own), clients created on first use within :data:`DEFAULT_LIMITS`, and
closed by :meth:`ClientPool.aclose` or, at the latest, when their loop shuts down its
async generators (``asyncio.run`` and ``asyncio.Runner`` do), so connections never
wait for the garbage collector.

Speed at 1,000 concurrent calls: httpcore's pool matches every waiting request
against every connection whenever one changes state (and asks each idle connection's
socket whether it is readable), so its cost per request grows with the connections it
holds. Requests therefore wait at one FIFO gate in front of the pools (free until a
connection is free), and the :data:`DEFAULT_LIMITS` connections are split into shards
of at most :data:`SHARD_CONNECTIONS`, one client each, created as load needs them. A
request takes the first shard with room, so sequential requests share one connection.
"""

from __future__ import annotations

import asyncio
import math
import ssl
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager

import httpx

from fantasy.errors import ProviderError

__all__ = ["DEFAULT_LIMITS", "SHARD_CONNECTIONS", "ClientPool"]

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)
"""Pool limits of the clients fantasy creates: at most 100 connections per provider and
event loop (split into shards of :data:`SHARD_CONNECTIONS`), all of them kept alive
between requests. More concurrent requests wait at the pool's gate (bounded by
``timeout.pool``), so 1,000 concurrent calls on one loop reuse these 100 connections
instead of opening and closing one per request."""

SHARD_CONNECTIONS = 10
"""Connections of one client of a pool (see the module docstring)."""


async def _close_with_loop(clients: list[httpx.AsyncClient]) -> AsyncGenerator[None, None]:
    # Started once on the loop that uses ``clients``: the loop's shutdown_asyncgens()
    # closes it, which closes the clients' connections.
    try:
        yield
    finally:
        for client in clients:
            await client.aclose()


class _Owned:
    """One event loop's clients (the shards), their loads and the gate in front of them."""

    __slots__ = ("clients", "gate", "keeper", "loads", "size")

    def __init__(self, shards: int, size: int, gate: int) -> None:
        self.size = size  # connections per shard
        self.clients: list[httpx.AsyncClient] = []  # created as load needs them
        self.loads = [0] * shards  # requests in flight per shard
        self.gate = asyncio.Semaphore(gate)
        self.keeper = _close_with_loop(self.clients)  # closes them when the loop shuts down

    @property
    def closed(self) -> bool:
        return bool(self.clients) and self.clients[0].is_closed


class ClientPool:
    """The clients one :class:`~fantasy._http.HTTPClient` owns, per event loop.

    Args:
        provider: Provider name used in errors.
        transport: The transport of the clients (``None``: httpx's own; a transport of
            yours has its own pool, so one client sends through it).
        timeout: The clients' default timeout; its ``pool`` part bounds the gate wait.
    """

    def __init__(
        self, *, provider: str, transport: httpx.AsyncBaseTransport | None, timeout: httpx.Timeout
    ) -> None:
        self._provider = provider
        self._transport = transport
        self._timeout = timeout
        self._ssl: ssl.SSLContext | None = None  # one for all shards: building one is slow
        self._owned: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Owned] = (
            weakref.WeakKeyDictionary()
        )

    async def _current(self) -> _Owned:
        loop = asyncio.get_running_loop()
        owned = self._owned.get(loop)
        if owned is None or owned.closed:
            total = DEFAULT_LIMITS.max_connections or 100
            shards = 1 if self._transport is not None else math.ceil(total / SHARD_CONNECTIONS)
            owned = self._owned[loop] = _Owned(shards, math.ceil(total / shards), total)
            await anext(owned.keeper)
        return owned

    def _client(self, owned: _Owned, shard: int) -> httpx.AsyncClient:
        while len(owned.clients) <= shard:
            size = owned.size
            limits = httpx.Limits(
                max_connections=size,
                max_keepalive_connections=min(
                    size, DEFAULT_LIMITS.max_keepalive_connections or size
                ),
                keepalive_expiry=DEFAULT_LIMITS.keepalive_expiry,
            )
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            owned.clients.append(
                httpx.AsyncClient(
                    transport=self._transport,
                    timeout=self._timeout,
                    limits=limits,
                    verify=self._ssl,
                )
            )
        return owned.clients[shard]

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[httpx.AsyncClient]:
        """A client of the running loop, once the gate admits one more request.

        Hold it until the answer is read (a stream: until it closes). Waiting at this
        FIFO gate costs nothing until a connection is free (see the module docstring).
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
        loads = owned.loads
        # The gate admits at most as many requests as the shards have room for.
        shard = next(index for index, load in enumerate(loads) if load < owned.size)
        loads[shard] += 1
        try:
            yield self._client(owned, shard)
        finally:
            loads[shard] -= 1
            gate.release()

    async def aclose(self) -> None:
        """Close the running loop's clients; a later request opens new ones."""
        owned = self._owned.pop(asyncio.get_running_loop(), None)
        if owned is not None:
            await owned.keeper.aclose()
