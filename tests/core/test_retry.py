"""RetryPolicy schedule, the Retrier's give-up rules, the async drivers, and Retry-After
honoured end to end against a loopback HTTP server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from _fakes import HTTPJSONModel

from fantasy.agent import Agent
from fantasy.errors import (
    AuthenticationError,
    IncompleteStreamError,
    InvalidArgumentError,
    ProviderError,
    RateLimitError,
    StreamIdleTimeoutError,
    attempts_of,
)
from fantasy.retry import Retrier, Retry, RetryPolicy, retry_after_of, retry_call, retry_iter

pytestmark = pytest.mark.anyio

RETRYABLE = ProviderError("busy", status_code=503)


def test_backoff_schedule_without_jitter() -> None:
    policy = RetryPolicy(initial_delay=2, multiplier=2, max_delay=10, jitter=False)
    assert [policy.delay(n) for n in range(1, 6)] == [2, 4, 8, 10, 10]


def test_jitter_scales_between_half_and_full() -> None:
    policy = RetryPolicy(initial_delay=4)
    assert policy.delay(1, rng=lambda: 0.0) == 2.0
    assert policy.delay(1, rng=lambda: 0.999) == pytest.approx(3.998)


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    policy = RetryPolicy(initial_delay=5, jitter=False, max_retry_after=30)
    assert policy.delay(1, RateLimitError("x", retry_after=12.5)) == 12.5
    assert policy.delay(1, RateLimitError("x", retry_after=0)) == 0
    assert policy.delay(1, RateLimitError("x", retry_after=31)) == 5  # too long: backoff
    ms = ProviderError("x", status_code=503, response_headers={"retry-after-ms": "250"})
    assert policy.delay(2, ms) == 0.25
    seconds = ProviderError("x", status_code=503, response_headers={"Retry-After": "3"})
    assert retry_after_of(seconds) == 3
    assert retry_after_of(ValueError()) is None


def test_policy_validation() -> None:
    with pytest.raises(InvalidArgumentError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(InvalidArgumentError):
        RetryPolicy(initial_delay=-1)
    with pytest.raises(InvalidArgumentError):
        RetryPolicy(multiplier=0.5)


def busy() -> ProviderError:
    return ProviderError("busy", status_code=503)


def test_retrier_give_up_rules() -> None:
    auth = AuthenticationError("no", status_code=401)
    # first attempt non-retryable: the error itself
    with pytest.raises(AuthenticationError) as first:
        Retrier(RetryPolicy()).next_retry(auth)
    assert first.value.attempts == (auth,)
    # retrying disabled: the error itself, even if retryable
    error = busy()
    with pytest.raises(ProviderError) as single:
        Retrier(RetryPolicy(max_retries=0)).next_retry(error)
    assert single.value is error
    assert attempts_of(single.value) == (error,)
    # exhausted: the last error itself, every attempt's error on it, in order
    errors = [busy(), busy(), busy()]
    retrier = Retrier(RetryPolicy(max_retries=2, jitter=False))
    assert retrier.next_retry(errors[0]).attempt == 1
    assert retrier.next_retry(errors[1]).attempt == 2
    with pytest.raises(ProviderError) as exhausted:
        retrier.next_retry(errors[2])
    assert exhausted.value is errors[2]
    assert exhausted.value.attempts == tuple(errors)
    assert exhausted.value.__notes__ == [
        "fantasy: gave up after 3 attempts (earlier: ProviderError: busy (status 503); "
        "ProviderError: busy (status 503))"
    ]
    # a later non-retryable error: that error, the earlier ones on it
    earlier = busy()
    retrier = Retrier(RetryPolicy())
    retrier.next_retry(earlier)
    auth = AuthenticationError("no", status_code=401)
    with pytest.raises(AuthenticationError) as later:
        retrier.next_retry(auth)
    assert later.value.attempts == (earlier, auth)


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_persistent_rate_limit_is_a_rate_limit_error_whatever_the_retries(
    max_retries: int,
) -> None:
    # `except RateLimitError` must match in tests (no retries) and in production alike.
    made: list[RateLimitError] = []

    async def throttled() -> str:
        made.append(RateLimitError("slow down", status_code=429, retry_after=0))
        raise made[-1]

    policy = RetryPolicy(max_retries=max_retries, initial_delay=0, jitter=False)
    with pytest.raises(RateLimitError) as caught:
        await retry_call(policy, throttled, sleep=no_sleep)
    assert len(made) == max_retries + 1
    assert caught.value is made[-1]
    assert attempts_of(caught.value) == tuple(made)


async def no_sleep(_: float) -> None:
    return None


def test_attempts_of_a_plain_error_is_itself() -> None:
    error = ValueError("x")
    assert attempts_of(error) == (error,)


@pytest.mark.parametrize(
    "error",
    [
        IncompleteStreamError(),
        StreamIdleTimeoutError(),
        ProviderError("x", status_code=529),
        ProviderError("x", status_code=408),
        ProviderError("x", status_code=409),
        httpx.ConnectError("refused"),
    ],
)
def test_retryable_errors(error: Exception) -> None:
    assert Retrier(RetryPolicy(jitter=False)).next_retry(error).attempt == 1


async def test_retry_call_sleeps_and_reports() -> None:
    attempts: list[int] = []
    slept: list[float] = []
    reported: list[Retry] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise RETRYABLE
        return "ok"

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def on_retry(retry: Retry) -> None:
        reported.append(retry)

    policy = RetryPolicy(initial_delay=1, jitter=False)
    assert await retry_call(policy, flaky, on_retry=on_retry, sleep=sleep) == "ok"
    assert slept == [1, 2]
    assert [r.attempt for r in reported] == [1, 2]


async def test_cancellation_is_never_retried() -> None:
    calls = 0

    async def cancelled() -> None:
        nonlocal calls
        calls += 1
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await retry_call(RetryPolicy(initial_delay=0), cancelled)
    assert calls == 1


async def test_retry_iter_yields_retry_and_closes_failed_attempts() -> None:
    closed: list[int] = []
    attempt = 0

    async def items() -> AsyncIterator[int]:
        nonlocal attempt
        attempt += 1
        mine = attempt
        try:
            yield mine * 10
            if mine == 1:
                raise RETRYABLE
            yield mine * 10 + 1
        finally:
            closed.append(mine)

    async def no_sleep(seconds: float) -> None:
        return None

    got: list[Any] = [item async for item in retry_iter(RetryPolicy(), items, sleep=no_sleep)]
    assert got[0] == 10 and isinstance(got[1], Retry) and got[2:] == [20, 21]
    assert closed == [1, 2]


# --- loopback HTTP server ---------------------------------------------------------------


class LoopbackServer:
    """Answers POSTs on 127.0.0.1 from a list of (status, headers, body) replies."""

    def __init__(self, replies: list[tuple[int, dict[str, str], dict[str, Any]]]) -> None:
        self.replies = replies
        self.bodies: list[Any] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1/generate"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.decode().split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        self.bodies.append(json.loads(await reader.readexactly(length)))
        status, headers, body = self.replies.pop(0)
        payload = json.dumps(body).encode()
        lines = [f"HTTP/1.1 {status} X", f"content-length: {len(payload)}", "connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        writer.close()
        await writer.wait_closed()


async def test_agent_retry_honours_retry_after_from_loopback_server() -> None:
    replies = [
        (429, {"retry-after": "0"}, {"error": {"message": "slow down", "type": "rate_limit"}}),
        (200, {}, {"text": "hello after retry"}),
    ]
    server = LoopbackServer(replies)
    retries: list[Retry] = []
    async with server as url:
        # A 300 s backoff would blow the 30 s budget: only Retry-After: 0 keeps it fast.
        agent = Agent(
            HTTPJSONModel(url),
            retry=RetryPolicy(initial_delay=300, max_delay=300, jitter=False),
            on_retry=retries.append,
        )
        result = await asyncio.wait_for(agent.generate("hi"), 30)
        streamed = Agent(HTTPJSONModel(url), retry=RetryPolicy(max_retries=0))
        replies.append((200, {}, {"text": "streamed"}))
        stream_result = await asyncio.wait_for(streamed.stream("hi").result(), 30)
    assert result.text == "hello after retry"
    assert stream_result.text == "streamed"
    [retry] = retries
    assert isinstance(retry.error, RateLimitError)
    assert retry.delay == 0
    assert server.bodies[0] == server.bodies[1] == {"prompt": ["hi"]}


async def test_agent_gives_up_with_retry_error_from_loopback_server() -> None:
    busy = (503, {"retry-after-ms": "1"}, {"error": {"message": "overloaded"}})
    server = LoopbackServer([busy, busy])
    async with server as url:
        agent = Agent(
            HTTPJSONModel(url), retry=RetryPolicy(max_retries=1, initial_delay=300, max_delay=300)
        )
        with pytest.raises(ProviderError) as info:
            await asyncio.wait_for(agent.generate("hi"), 30)
    assert [getattr(e, "status_code", None) for e in attempts_of(info.value)] == [503, 503]


# --- x-should-retry -----------------------------------------------------------------------

# (status, x-should-retry header or None, retried?)
SHOULD_RETRY = [
    (400, "true", True),
    (401, "TRUE", True),
    (503, "false", False),
    (429, "false", False),  # even throttling, which is retryable by default
    (503, None, True),
    (400, None, False),
    (500, "maybe", True),  # an unclear value leaves the status rule in charge
]


@pytest.mark.parametrize(("status", "header", "retried"), SHOULD_RETRY)
def test_x_should_retry_header_decides(status: int, header: str | None, retried: bool) -> None:
    from fantasy._http import error_from_response

    headers = {"X-Should-Retry": header} if header is not None else {}
    error = error_from_response(provider="p", status_code=status, url="u", headers=headers, body="")
    assert error.is_retryable is retried
    if retried:
        assert Retrier(RetryPolicy(jitter=False)).next_retry(error).attempt == 1
    else:
        with pytest.raises(ProviderError):
            Retrier(RetryPolicy(jitter=False)).next_retry(error)


async def test_x_should_retry_from_loopback_server() -> None:
    replies = [
        (400, {"x-should-retry": "true"}, {"error": {"message": "try again"}}),
        (200, {}, {"text": "second time lucky"}),
        (503, {"x-should-retry": "false"}, {"error": {"message": "do not retry"}}),
    ]
    server = LoopbackServer(replies)
    async with server as url:
        agent = Agent(HTTPJSONModel(url), retry=RetryPolicy(initial_delay=0, jitter=False))
        result = await asyncio.wait_for(agent.generate("hi"), 30)
        with pytest.raises(ProviderError) as info:
            await asyncio.wait_for(agent.generate("hi"), 30)
    assert result.text == "second time lucky"
    assert info.value.status_code == 503
    assert len(server.bodies) == 3
