"""A provider whose language models retry their plain calls: ``with_retry(provider, policy)``.

:class:`RetryingProvider` wraps any :class:`~fantasy.provider.Provider`: its
``language_model(model_id)`` is the provider's model wrapped by
:func:`fantasy.fallback.with_retry`, so ``generate``, ``stream`` and the object calls of
every model it builds retry under the one policy. Everything else (``name``,
``base_url``, other model builders, ``aclose``/``close`` and ``async with``/``with``)
is the provider's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from fantasy.fallback import FallbackModel
    from fantasy.provider import Provider
    from fantasy.retry import RetryPolicy

__all__ = ["RetryingProvider"]


class RetryingProvider:
    """``provider`` with its language models' plain calls retried under ``retry``.

    Attributes:
        provider: The wrapped provider.
        retry: The policy of every model it builds.
    """

    def __init__(self, provider: Provider, retry: RetryPolicy) -> None:
        self.provider = provider
        self.retry = retry

    def __repr__(self) -> str:
        return f"RetryingProvider({self.provider!r})"

    @property
    def name(self) -> str:
        """The provider's name."""
        return self.provider.name

    def language_model(self, model_id: str) -> FallbackModel:
        """The provider's model ``model_id``, its plain calls retried under the policy."""
        from fantasy.fallback import with_retry

        return with_retry(self.provider.language_model(model_id), self.retry)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.provider, name)  # everything but language_model is the provider's

    async def aclose(self) -> None:
        """Close the provider's connections on the running loop (when it has any)."""
        aclose = getattr(self.provider, "aclose", None)
        if aclose is not None:
            await aclose()

    def close(self) -> None:
        """Close the connections the provider's sync API opened (when it has any)."""
        close = getattr(self.provider, "close", None)
        if close is not None:
            close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
