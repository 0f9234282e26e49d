"""The providers :func:`fantasy.language_model` reuses, one per name, settings and credentials.

Building a provider is cheap, but each one owns its connection pool: a new provider per
``language_model("openai:...")`` call would pay a new TLS handshake per model. So
``language_model`` and ``embedding_model`` keep the providers they built here, keyed by

- the provider name and the registry target it resolved to;
- the settings passed, each reduced to a *token*: strings (keys, URLs, header values)
  as a SHA-256 digest, so no secret is kept in a key or shown by one; numbers, booleans
  and ``None`` as themselves; mappings and sequences item by item; any other object
  (an ``http_client``, a ``transport``, a callback) by identity, held alive by the entry;
- the environment variables the constructor read through :func:`read_env` (the API key,
  a base URL), as one digest of their values: when one changes, the next call builds a
  new provider, with the new key.

The cache holds at most :data:`MAX_PROVIDERS` providers (least recently used go first;
an evicted provider is not closed: its client closes with its event loop). A lock makes
lookups and insertions thread-safe, and two threads asking at once get one provider.
:func:`fantasy.get_provider` never caches: it builds a new provider on every call.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

__all__ = ["MAX_PROVIDERS", "cached_provider", "clear", "read_env"]

MAX_PROVIDERS = 32
"""How many providers the cache keeps."""

T = TypeVar("T")

_reads: ContextVar[dict[str, str] | None] = ContextVar("fantasy_env_reads", default=None)


def read_env(name: str) -> str:
    """``os.environ[name]`` or ``""``, noted when a provider is being built for the cache."""
    value = os.environ.get(name, "")
    noted = _reads.get()
    if noted is not None:
        noted[name] = value
    return value


@contextmanager
def _noting_env() -> Iterator[dict[str, str]]:
    noted: dict[str, str] = {}
    token = _reads.set(noted)
    try:
        yield noted
    finally:
        _reads.reset(token)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _env_digest(names: tuple[str, ...]) -> str:
    return _digest("\0".join(f"{name}={os.environ.get(name, '')}" for name in names))


class _Same:
    """An object compared by identity (and kept alive, so its id is not reused)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value

    def __repr__(self) -> str:
        return f"<same {type(self.value).__name__}>"


def _token(value: Any) -> Hashable:
    if isinstance(value, str):
        return ("str", _digest(value))
    if value is None or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _token(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_token(item) for item in value))
    return ("same", _Same(value))


class _Entry:
    __slots__ = ("env_digest", "env_names", "provider")

    def __init__(self, provider: object, env_names: tuple[str, ...]) -> None:
        self.provider = provider
        self.env_names = env_names
        self.env_digest = _env_digest(env_names)


# Reentrant: a provider's constructor may itself resolve a model (a fallback chain).
_lock = threading.RLock()
_entries: OrderedDict[Hashable, _Entry] = OrderedDict()


def cached_provider(
    name: str, target: str, settings: Mapping[str, Any], build: Callable[[], T]
) -> T:
    """The cached provider for ``name``/``target``/``settings``, built with ``build()`` if none.

    An entry whose environment variables changed since it was built is replaced.
    """
    key = (name, target, tuple(sorted((k, _token(v)) for k, v in settings.items())))
    with _lock:
        entry = _entries.get(key)
        if entry is not None and entry.env_digest == _env_digest(entry.env_names):
            _entries.move_to_end(key)
            return cast(T, entry.provider)
        with _noting_env() as noted:
            provider = build()
        _entries[key] = _Entry(provider, tuple(sorted(noted)))
        _entries.move_to_end(key)
        while len(_entries) > MAX_PROVIDERS:
            _entries.popitem(last=False)
        return provider


def clear() -> None:
    """Forget every cached provider (they are not closed)."""
    with _lock:
        _entries.clear()
