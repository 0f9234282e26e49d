import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from _fakes import sse_events

from fantasy._http import HTTPClient, error_from_response, parse_retry_after
from fantasy.errors import (
    AuthenticationError,
    ContextTooLargeError,
    InvalidResponseError,
    ProviderError,
    RateLimitError,
    StreamIdleTimeoutError,
    is_retryable,
    redact,
)

SECRET = "sk-test-1234567890abcdefghij"


def client_for(handler: httpx.MockTransport, **kwargs: object) -> HTTPClient:
    return HTTPClient(
        provider="unit",
        headers={"Authorization": f"Bearer {SECRET}"},
        transport=handler,
        secrets=(SECRET,),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("status", "body", "cls", "retryable"),
    [
        (
            401,
            {"error": {"message": "bad key", "type": "invalid_request_error"}},
            AuthenticationError,
            False,
        ),
        (403, {"error": {"message": "forbidden"}}, AuthenticationError, False),
        (429, {"error": {"message": "slow down"}}, RateLimitError, True),
        (500, {"error": {"message": "oops"}}, ProviderError, True),
        (
            529,
            {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}},
            ProviderError,
            True,
        ),
        (408, {"message": "timeout"}, ProviderError, True),
        (409, {"message": "conflict"}, ProviderError, True),
        (404, {"error": {"message": "no such model"}}, ProviderError, False),
        (
            400,
            {
                "error": {
                    "message": "This model's maximum context length is 128000 tokens. "
                    "However, your messages resulted in 130000 tokens.",
                    "code": "context_length_exceeded",
                }
            },
            ContextTooLargeError,
            False,
        ),
    ],
)
def test_status_mapping(status: int, body: object, cls: type, retryable: bool) -> None:
    error = error_from_response(
        provider="p",
        status_code=status,
        url="https://x/y",
        headers={"retry-after": "3"},
        body=json.dumps(body),
    )
    assert type(error) is cls
    assert error.is_retryable is retryable
    assert is_retryable(error) is retryable
    if isinstance(error, RateLimitError):
        assert error.retry_after == 3.0
    if isinstance(error, ContextTooLargeError):
        assert (error.used_tokens, error.max_tokens) == (130000, 128000)


def test_anthropic_context_message() -> None:
    error = error_from_response(
        provider="anthropic",
        status_code=400,
        url="u",
        headers={},
        body=json.dumps(
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": "prompt is too long: 210000 tokens > 200000 maximum",
                },
            }
        ),
    )
    assert isinstance(error, ContextTooLargeError)
    assert error.used_tokens == 210000


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480) == 10
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_secrets_never_in_errors() -> None:
    error = error_from_response(
        provider="p",
        status_code=401,
        url=f"https://x/?key={SECRET}",
        headers={"x-api-key": SECRET},
        body=json.dumps({"error": {"message": f"bad {SECRET}"}}),
        secrets=(SECRET,),
    )
    for text in (
        str(error),
        repr(error),
        error.url,
        error.response_body,
        json.dumps(error.response_headers),
    ):
        assert SECRET not in text
    assert "AIzaSyA" not in redact("key AIzaSyA1234567890123456789012345")


@pytest.mark.anyio
async def test_post_json_sends_headers_and_decodes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    client = client_for(httpx.MockTransport(handler))
    data, _ = await client.post_json("https://api.test/v1/x", {"a": "é"}, headers={"X-Extra": "1"})
    assert data == {"ok": True}
    request = seen[0]
    assert request.headers["user-agent"].startswith("fantasy-python/")
    assert request.headers["x-extra"] == "1"
    assert json.loads(request.content) == {"a": "é"}
    assert SECRET not in repr(client)


@pytest.mark.anyio
async def test_invalid_json_is_typed() -> None:
    client = client_for(httpx.MockTransport(lambda r: httpx.Response(200, text="{nope")))
    with pytest.raises(InvalidResponseError) as info:
        await client.post_json("https://api.test/x", {})
    assert info.value.raw == "{nope"


@pytest.mark.anyio
async def test_transport_errors_are_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = client_for(httpx.MockTransport(handler))
    with pytest.raises(ProviderError) as info:
        await client.post_json("https://api.test/x", {})
    assert info.value.is_retryable


@pytest.mark.anyio
async def test_sse_stream_and_comments() -> None:
    body = (
        b': OPENROUTER PROCESSING\n\ndata: {"a":1}\r\n\r\nevent: ping\ndata: x\n\ndata: [DONE]\n\n'
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    client = client_for(httpx.MockTransport(handler))
    events = [e async for e in sse_events(client, "https://api.test/s", {"stream": True})]
    assert events == [("message", '{"a":1}'), ("ping", "x"), ("message", "[DONE]")]


@pytest.mark.anyio
async def test_stream_error_status_is_typed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429, json={"error": {"message": "later"}}, headers={"retry-after-ms": "250"}
        )

    client = client_for(httpx.MockTransport(handler))
    with pytest.raises(RateLimitError) as info:
        async for _ in sse_events(client, "https://api.test/s", {}):
            pass
    assert info.value.retry_after == 0.25


class StallingStream(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"data: {}\n\n"
        await asyncio.sleep(30)
        yield b"data: never\n\n"


@pytest.mark.anyio
async def test_stalled_stream_fails_with_retryable_idle_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, stream=StallingStream(), headers={"content-type": "text/event-stream"}
        )

    client = client_for(httpx.MockTransport(handler), stream_idle_timeout=0.05)
    received = []
    with pytest.raises(StreamIdleTimeoutError) as info:
        async for event in sse_events(client, "https://api.test/s", {}):
            received.append(event)
    assert received == [("message", "{}")]
    assert info.value.is_retryable


class SlowThenStallStream(httpx.AsyncByteStream):
    def __init__(self, pause: float) -> None:
        self.pause = pause

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for index in range(3):
            await asyncio.sleep(self.pause)
            yield f"data: {index}\n\n".encode()


@pytest.mark.anyio
async def test_idle_timeout_counts_only_waiting_not_the_consumer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, stream=SlowThenStallStream(0), headers={"content-type": "text/event-stream"}
        )

    # The stream answers at once; only the consumer is slow. The idle timeout is a second so
    # that a loaded machine's pause between two items cannot trip it.
    client = client_for(httpx.MockTransport(handler), stream_idle_timeout=1.0)
    received = []
    async for event in sse_events(client, "https://api.test/s", {}):
        received.append(event)
        await asyncio.sleep(1.3)  # a slow consumer is not an idle stream
    assert [data for _, data in received] == ["0", "1", "2"]


@pytest.mark.anyio
async def test_idle_timeout_fires_between_items_and_leaves_task_usable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, stream=SlowThenStallStream(0.3), headers={"content-type": "text/event-stream"}
        )

    client = client_for(httpx.MockTransport(handler), stream_idle_timeout=0.05)
    with pytest.raises(StreamIdleTimeoutError):
        async for _ in sse_events(client, "https://api.test/s", {}):
            pass
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    await asyncio.sleep(0)  # the task was not left cancelled


def test_keys_of_every_client_are_scrubbed_from_any_error() -> None:
    from fantasy.errors import InvalidResponseError

    key = "sk-registered-0123456789-secret"
    HTTPClient(provider="unit", secrets=(key,))
    error = InvalidResponseError(f"bad event {key}", raw=f'{{"echo": "{key}"}}')
    assert key not in str(error)
    assert key not in error.raw


@pytest.mark.anyio
async def test_debug_log_names_the_request_but_never_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True})

    client = client_for(httpx.MockTransport(handler))
    with caplog.at_level("DEBUG", logger="fantasy"):
        await client.post_json(f"https://api.test/v1/x?key={SECRET}", {"a": 1})
    assert "POST https://api.test/v1/x" in caplog.text
    assert "-> 200" in caplog.text
    assert SECRET not in caplog.text


def test_retries_are_logged_as_warnings(caplog: pytest.LogCaptureFixture) -> None:
    from fantasy.retry import Retrier, RetryPolicy

    retrier = Retrier(RetryPolicy(max_retries=2, jitter=False), lambda: 0.5)
    with caplog.at_level("WARNING", logger="fantasy"):
        retrier.next_retry(RateLimitError(f"slow down {SECRET}", status_code=429))
    assert "retry 1/2" in caplog.text
    assert SECRET not in caplog.text
