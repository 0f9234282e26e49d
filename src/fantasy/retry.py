"""Retrying transient model-call failures.

Three layers, so that the schedule exists once whatever the I/O style:

* :class:`RetryPolicy` is a pure value: how many retries and how long to wait before
  each (exponential backoff with optional jitter; a provider's ``Retry-After`` wins when
  it is within :attr:`RetryPolicy.max_retry_after`).
* :class:`Retrier` tracks one operation's failed attempts and decides, per error,
  whether to retry (and after which delay) or to give up.
* :func:`retry_iter` (async iterators, used by the agent around every step's model
  call, streaming or not) and :func:`retry_call` (coroutines) are the async drivers.

What is retried is decided by :func:`fantasy.errors.is_retryable`: 408, 409, 429, 5xx
and 529 statuses, transport failures, :class:`~fantasy.errors.IncompleteStreamError`,
:class:`~fantasy.errors.StreamIdleTimeoutError` and retryable in-band stream errors;
:attr:`RetryPolicy.retry_if` replaces that rule with a predicate of your own.
Cancellation is never retried: :class:`asyncio.CancelledError` propagates at once.

Time: :attr:`RetryPolicy.timeout` bounds each attempt of a whole (non-streamed) call
and :attr:`RetryPolicy.deadline` the whole operation, attempts and waits included
(:meth:`Retrier.attempt`, :meth:`Retrier.bounded` for a stream's parts); a stream's
attempts are also bounded by the stream idle timeout, and no retry starts once its
wait would pass the deadline (:class:`~fantasy.errors.DeadlineExceededError`).

Giving up follows one rule, whatever the number of attempts: the last attempt's error
is raised as it is (``except RateLimitError`` catches a persistent rate limit with
``max_retries=0`` and with ``max_retries=5``), with its ``attempts`` attribute holding
every attempt's error in order (:func:`fantasy.errors.attempts_of`) and a note (PEP 678,
shown in tracebacks) summing the earlier ones up.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from fantasy.errors import (
    AttemptTimeoutError,
    DeadlineExceededError,
    InvalidArgumentError,
    ProviderError,
    RateLimitError,
    attempts_of,
    is_retryable,
)
from fantasy.stream import Retry

__all__ = ["Retrier", "Retry", "RetryPolicy", "retry_after_of", "retry_call", "retry_iter"]

T = TypeVar("T")

logger = logging.getLogger("fantasy")

Sleep = Callable[[float], Awaitable[object]]


def retry_after_of(error: BaseException) -> float | None:
    """The wait (seconds) the provider asked for in ``error``, if it said one.

    Reads :attr:`RateLimitError.retry_after`, then the ``retry-after-ms`` /
    ``retry-after`` headers of any :class:`~fantasy.errors.ProviderError`.
    """
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        return error.retry_after
    if isinstance(error, ProviderError) and error.response_headers:
        # Imported here: fantasy._http loads httpx, which an agent needs only once a
        # provider is in use (and then it is loaded already).
        from fantasy._http import parse_retry_after

        return parse_retry_after(error.response_headers)
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often and how patiently to retry a failed model call.

    The wait before retry ``n`` (1-based) is ``initial_delay * multiplier ** (n - 1)``,
    capped at ``max_delay``; with ``jitter`` it is scaled by a random factor in
    ``[0.5, 1.0)`` so that many clients do not retry in lockstep. When the provider says
    how long to wait (``Retry-After``) and that is at most ``max_retry_after`` seconds,
    that wait is used as is; a longer one falls back to the backoff schedule.

    Attributes:
        max_retries: Retries after the first attempt (``0`` disables retrying).
        initial_delay: Seconds before the first retry.
        multiplier: Growth factor of the delay per retry.
        max_delay: Upper bound of a backoff delay, in seconds.
        jitter: Randomise backoff delays.
        max_retry_after: Longest provider-requested wait that is honoured, in seconds.
        retry_if: Decides which errors are retried, replacing
            :func:`~fantasy.errors.is_retryable` (widen or narrow it: ``lambda e:
            is_retryable(e) and not isinstance(e, RateLimitError)``). Cancellation is
            never passed to it.
        timeout: Seconds one attempt of a whole (non-streamed) call may take; past it
            the attempt fails with :class:`~fantasy.errors.AttemptTimeoutError`
            (retryable). ``None``: only the HTTP timeouts apply.
        deadline: Seconds the whole operation may take, attempts and waits included
            (a stream still running is ended); past it
            :class:`~fantasy.errors.DeadlineExceededError` (never retried).
    """

    max_retries: int = 2
    initial_delay: float = 2.0
    multiplier: float = 2.0
    max_delay: float = 60.0
    jitter: bool = True
    max_retry_after: float = 60.0
    retry_if: Callable[[BaseException], bool] | None = None
    timeout: float | None = None
    deadline: float | None = None

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise InvalidArgumentError("must be >= 0", argument="max_retries")
        if min(self.initial_delay, self.max_delay, self.max_retry_after) < 0:
            raise InvalidArgumentError("delays must be >= 0", argument="retry")
        if self.multiplier < 1:
            raise InvalidArgumentError("must be >= 1", argument="multiplier")
        for name in ("timeout", "deadline"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise InvalidArgumentError("must be > 0 seconds (or None)", argument=name)

    def backoff(self, retry: int, rng: Callable[[], float] = random.random) -> float:
        """The backoff delay before retry number ``retry`` (1-based), ignoring Retry-After."""
        delay = min(self.initial_delay * self.multiplier ** max(retry - 1, 0), self.max_delay)
        if self.jitter:
            delay *= 0.5 + rng() / 2
        return delay

    def delay(
        self,
        retry: int,
        error: BaseException | None = None,
        rng: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry number ``retry`` (1-based) after ``error``."""
        requested = retry_after_of(error) if error is not None else None
        if requested is not None and 0 <= requested <= self.max_retry_after:
            return requested
        return self.backoff(retry, rng)


class Retrier:
    """Tracks the failed attempts of one operation under a :class:`RetryPolicy`.

    Args:
        policy: The schedule.
        rng: Random source for jitter (``random.random`` by default).
    """

    def __init__(
        self,
        policy: RetryPolicy,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.errors: list[BaseException] = []
        self._rng = rng
        self._clock = clock
        self._started = clock()

    def retryable(self, error: BaseException) -> bool:
        """Whether ``error`` is worth another attempt under this policy."""
        check = self.policy.retry_if
        return check(error) if check is not None else is_retryable(error)

    def remaining(self) -> float | None:
        """Seconds left before the policy's deadline (``None``: no deadline)."""
        if self.policy.deadline is None:
            return None
        return self.policy.deadline - (self._clock() - self._started)

    @asynccontextmanager
    async def attempt(self) -> AsyncIterator[None]:
        """Bound one attempt (awaited inside this block) by the timeout and the deadline.

        Never wrap a ``yield`` in it: the limit cancels the task running the block.
        """
        timeout, left = self.policy.timeout, self.remaining()
        limit = left if timeout is None else timeout if left is None else min(timeout, left)
        if limit is None:
            yield
            return
        deadline_first = left is not None and (timeout is None or left <= timeout)
        scope = asyncio.timeout(max(limit, 0.0))
        try:
            async with scope:
                yield
        except TimeoutError:
            if not scope.expired():
                raise
            if deadline_first:
                raise self._deadline_passed() from None
            raise AttemptTimeoutError(
                f"attempt {len(self.errors) + 1} took longer than {timeout:g}s"
            ) from None

    def bounded(self, next_item: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
        """``next_item`` (a stream's ``__anext__``) with each call bounded by the deadline.

        A stream that is still running when the deadline passes fails with
        :class:`~fantasy.errors.DeadlineExceededError` while waiting for its next part.
        Without a deadline, ``next_item`` itself (no cost per part).
        """
        if self.policy.deadline is None:
            return next_item

        async def within() -> T:
            left = self.remaining()
            assert left is not None
            scope = asyncio.timeout(max(left, 0.0))
            try:
                async with scope:
                    return await next_item()
            except TimeoutError:
                if not scope.expired():
                    raise
                raise self._deadline_passed() from None

        return within

    def _deadline_passed(self) -> DeadlineExceededError:
        return DeadlineExceededError(
            f"deadline of {self.policy.deadline:g}s passed during attempt {len(self.errors) + 1}"
        )

    def next_retry(self, error: Exception) -> Retry:
        """Record ``error``; return the retry to make, or raise when giving up.

        Raises:
            Exception: ``error`` itself when giving up (retries exhausted or disabled, or
                a non-retryable error), with ``attempts`` set to every attempt's error.
        """
        self.errors.append(error)
        count = len(self.errors)
        if count > self.policy.max_retries or not self.retryable(error):
            raise self.give_up(error)
        retry = Retry(attempt=count, error=error, delay=self.policy.delay(count, error, self._rng))
        left = self.remaining()
        if left is not None and retry.delay >= left:
            deadline = DeadlineExceededError(
                f"deadline of {self.policy.deadline:g}s reached after {count} attempts: {error}",
                provider=getattr(error, "provider", ""),
            )
            deadline.attempts = self.attempts()
            raise deadline from error
        # Errors are redacted when built (fantasy.errors), so the message is safe to log.
        logger.warning(
            "retry %d/%d in %.2fs after %s: %s",
            count,
            self.policy.max_retries,
            retry.delay,
            type(error).__name__,
            error,
        )
        return retry

    def attempts(self) -> tuple[BaseException, ...]:
        """Every attempt's error so far, those of retries inside an attempt included.

        An attempt whose error an inner retry driver gave up on (a model wrapped by
        :func:`~fantasy.fallback.with_retry`) counts with all of that driver's attempts.
        """
        return tuple(attempt for error in self.errors for attempt in attempts_of(error))

    def give_up(self, error: Exception) -> Exception:
        """``error``, marked as the final error of the attempts made so far."""
        known = len(attempts_of(error))
        attempts = self.attempts()
        # Set on any exception (not only fantasy's): its instance dict takes it.
        error.attempts = attempts  # type: ignore[attr-defined]
        if len(attempts) > max(known, 1):  # an inner driver's note already counts its own
            earlier = "; ".join(f"{type(e).__name__}: {e}" for e in attempts[:-1])
            error.add_note(f"fantasy: gave up after {len(attempts)} attempts (earlier: {earlier})")
        return error


async def _close(iterator: AsyncIterator[object]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


async def retry_iter(
    policy: RetryPolicy,
    factory: Callable[[], AsyncIterator[T]],
    *,
    sleep: Sleep = asyncio.sleep,
    rng: Callable[[], float] = random.random,
) -> AsyncGenerator[T | Retry, None]:
    """Yield the items of ``factory()``, re-running it after transient failures.

    Before each retry a :class:`Retry` is yielded, then the driver sleeps. Items already
    yielded by a failed attempt are not taken back: the consumer decides what a
    :class:`Retry` means (the agent drops the partial step). The iterator of each
    attempt is closed when that attempt ends, however it ends.
    """
    retrier = Retrier(policy, rng)
    while True:
        iterator = factory()
        try:
            async for item in iterator:
                yield item
            return
        except Exception as error:  # noqa: BLE001 - classified by the retrier
            retry = retrier.next_retry(error)
        finally:
            await _close(iterator)
        yield retry
        await sleep(retry.delay)


async def retry_call(
    policy: RetryPolicy,
    function: Callable[[], Awaitable[T]],
    *,
    on_retry: Callable[[Retry], Awaitable[object] | object] | None = None,
    sleep: Sleep = asyncio.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    """Await ``function()``, retrying transient failures per ``policy``.

    ``on_retry`` (sync or async) is told about each retry before the wait.
    """
    retrier = Retrier(policy, rng)
    while True:
        try:
            async with retrier.attempt():
                return await function()
        except Exception as error:  # noqa: BLE001 - classified by the retrier
            retry = retrier.next_retry(error)
        if on_retry is not None:
            outcome = on_retry(retry)
            if isinstance(outcome, Awaitable):
                await outcome
        await sleep(retry.delay)
