"""Errors that say what happened, over real sockets on 127.0.0.1 (issue 9 item 6, 12 item 7).

A reset reads "connection reset by the server", a read timeout "no response within
0.5 s" (a typed, retryable RequestTimeoutError carrying the URL and the limit), an HTML
page is reported as an HTML page in one line, a stalled stream's error carries its URL,
and a short placeholder key is never cut out of messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from fantasy.errors import (
    ContextTooLargeError,
    InvalidResponseError,
    ProviderError,
    RequestTimeoutError,
    StreamIdleTimeoutError,
    is_retryable,
)
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.anthropic import AnthropicProvider
from fantasy.providers.bedrock import BedrockProvider
from fantasy.providers.openai import OpenAIProvider

pytestmark = pytest.mark.anyio

CALL = Call(prompt=[user_message("Hi")])
KEY = "sk-messages-test-key-0123456789abcdef"
HTML = (
    "<!DOCTYPE html><html><head><title>404 Not Found</title><style>p{}</style></head>"
    "<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p>"
    "</body></html>"
)

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def raw_server(serve: Serve) -> AsyncIterator[str]:
    """A TCP server on 127.0.0.1 running ``serve`` per connection; yields its base URL."""
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            tasks.discard(task)
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    await reader.readexactly(length)


def answer(status: int, content_type: str, body: bytes) -> Serve:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        head = (
            f"HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\n"
            f"content-length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        await reader.read()  # until the client closes

    return serve


async def reset_before_headers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.transport.abort()  # RST: nothing of an answer was sent


async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await reader.read()  # hold the connection open until the client gives up


async def headers_then_stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n")
    writer.write(b"transfer-encoding: chunked\r\n\r\n")
    await writer.drain()
    await reader.read()


def openai(url: str, **kwargs: object) -> OpenAIProvider:
    return OpenAIProvider(api_key=KEY, base_url=f"{url}/v1", **kwargs)  # type: ignore[arg-type]


async def test_a_reset_says_connection_reset_by_the_server_with_the_url() -> None:
    async with raw_server(reset_before_headers) as url:
        provider = openai(url)
        try:
            with pytest.raises(ProviderError) as caught:
                await asyncio.wait_for(provider.language_model("m").generate(CALL), 30)
        finally:
            await provider.aclose()
    message = str(caught.value)
    assert message.startswith("[openai] ")
    assert (
        "connection reset by the server" in message
        or "the server closed the connection early" in message
    ), message
    assert f"{url}/v1/chat/completions" in message
    assert caught.value.url == f"{url}/v1/chat/completions"
    assert caught.value.is_retryable
    assert "\n" not in message
    assert "ReadError" not in message


@pytest.mark.parametrize("streaming", [False, True])
async def test_a_read_timeout_is_a_typed_retryable_error_naming_the_limit(
    streaming: bool,
) -> None:
    async with raw_server(never_answer) as url:
        provider = openai(url, timeout=httpx.Timeout(10.0, read=0.5))
        model = provider.language_model("m")
        try:
            with pytest.raises(RequestTimeoutError) as caught:
                if streaming:
                    await asyncio.wait_for(anext(aiter(model.stream(CALL))), 30)
                else:
                    await asyncio.wait_for(model.generate(CALL), 30)
        finally:
            await provider.aclose()
    error = caught.value
    assert str(error) == f"[openai] no response within 0.5 s ({url}/v1/chat/completions)"
    assert (error.phase, error.timeout, error.url) == ("read", 0.5, f"{url}/v1/chat/completions")
    assert error.is_retryable and is_retryable(error)
    assert isinstance(error, ProviderError)


async def test_a_connect_failure_says_so() -> None:
    async with raw_server(never_answer) as url:
        pass  # the port is closed again: nothing listens there now
    provider = openai(url)
    try:
        with pytest.raises(ProviderError) as caught:
            await asyncio.wait_for(provider.language_model("m").generate(CALL), 30)
    finally:
        await provider.aclose()
    assert "cannot connect to the server" in str(caught.value)
    assert url in str(caught.value)


async def test_an_html_error_page_is_one_line_with_status_url_and_excerpt() -> None:
    async with raw_server(answer(404, "text/html; charset=utf-8", HTML.encode())) as url:
        provider = openai(url)
        try:
            with pytest.raises(ProviderError) as caught:
                await asyncio.wait_for(provider.language_model("m").generate(CALL), 30)
        finally:
            await provider.aclose()
    assert str(caught.value) == (
        f"[openai] response from {url}/v1/chat/completions is an HTML page: "
        "'404 Not Found' (status 404)"
    )
    assert caught.value.response_body == HTML  # the whole body stays reachable


async def test_a_long_plain_text_error_body_is_cut_to_an_excerpt() -> None:
    body = ("Bad gateway. " * 100).encode()
    async with raw_server(answer(502, "text/plain", body)) as url:
        provider = openai(url)
        try:
            with pytest.raises(ProviderError) as caught:
                await asyncio.wait_for(provider.language_model("m").generate(CALL), 30)
        finally:
            await provider.aclose()
    message = str(caught.value)
    assert message.startswith(f"[openai] response from {url}/v1/chat/completions is 'Bad gateway.")
    assert message.endswith("...' (status 502)")
    assert len(message) < 300


async def test_an_html_page_with_status_200_on_a_json_path_is_named() -> None:
    async with raw_server(answer(200, "text/html", HTML.encode())) as url:
        provider = openai(url)
        try:
            with pytest.raises(InvalidResponseError) as caught:
                await asyncio.wait_for(provider.language_model("m").generate(CALL), 30)
        finally:
            await provider.aclose()
    message = str(caught.value)
    assert f"expected JSON from {url}/v1/chat/completions, got an HTML page: '404 Not Found'" in (
        message
    )
    assert "\n" not in message


async def test_bedrock_reports_an_html_page_as_an_html_page_not_a_frame_error() -> None:
    async with raw_server(answer(200, "text/html", HTML.encode())) as url:
        provider = BedrockProvider(api_key=KEY, base_url=url)
        try:
            model = provider.language_model("anthropic.claude-sonnet-4")
            with pytest.raises(InvalidResponseError) as caught:
                async with contextlib.aclosing(model.stream(CALL)) as parts:
                    async for part in parts:
                        if getattr(part, "error", None) is not None:
                            raise part.error  # type: ignore[attr-defined]
        finally:
            await provider.aclose()
    message = str(caught.value)
    assert "an HTML page: '404 Not Found'" in message
    assert "application/vnd.amazon.eventstream" in message
    assert "checksum" not in message.lower() and "crc" not in message.lower()


async def test_a_stalled_stream_names_its_url() -> None:
    async with raw_server(headers_then_stall) as url:
        provider = openai(url, stream_idle_timeout=0.5)
        try:
            with pytest.raises(StreamIdleTimeoutError) as caught:
                async with contextlib.aclosing(provider.language_model("m").stream(CALL)) as parts:
                    async for _ in parts:
                        pass
        finally:
            await provider.aclose()
    assert caught.value.url == f"{url}/v1/chat/completions"
    assert f"({url}/v1/chat/completions)" in str(caught.value)


@pytest.mark.parametrize("placeholder", ["k", "ollama", "none", "1234567"])
async def test_a_short_placeholder_key_is_not_cut_out_of_messages(placeholder: str) -> None:
    body = json.dumps(
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "message": "prompt is too long: 210000 tokens > 200000 maximum (ollama, ok)",
            },
        }
    ).encode()
    async with raw_server(answer(400, "application/json", body)) as url:
        provider = AnthropicProvider(api_key=placeholder, base_url=f"{url}/v1")
        try:
            with pytest.raises(ContextTooLargeError) as caught:
                await asyncio.wait_for(provider.language_model("claude").generate(CALL), 30)
        finally:
            await provider.aclose()
    assert (caught.value.used_tokens, caught.value.max_tokens) == (210000, 200000)
    assert "prompt is too long: 210000 tokens > 200000 maximum (ollama, ok)" in str(caught.value)
    assert "[REDACTED]" not in str(caught.value)


async def test_a_real_key_is_still_redacted_from_an_error_body() -> None:
    body = json.dumps({"error": {"message": f"invalid key {KEY}", "type": "auth"}}).encode()
    async with raw_server(answer(401, "application/json", body)) as url:
        provider = openai(url)
        try:
            with pytest.raises(ProviderError) as caught:
                await asyncio.wait_for(provider.language_model("m").generate(CALL), 30)
        finally:
            await provider.aclose()
    assert KEY not in str(caught.value) and KEY not in caught.value.response_body
    assert "invalid key [REDACTED]" in str(caught.value)


def test_one_minimum_length_rule_for_every_scrub() -> None:
    from fantasy.errors import MIN_SECRET_LENGTH, redact
    from fantasy.testing._cassette_scrub import Scrubber

    assert MIN_SECRET_LENGTH == 8
    text = "ollama says ok to key k"
    assert redact(text, ("ollama", "k")) == text
    assert redact("token abcdefgh!", ("abcdefgh",)) == "token [REDACTED]!"
    scrubber = Scrubber.create(secrets=["k", "ollama", "abcdefgh"])
    assert scrubber.secrets == ("abcdefgh",)
