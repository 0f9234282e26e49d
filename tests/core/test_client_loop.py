"""An injected http_client is bound to one event loop; mixing loops is a clear UsageError."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from fantasy.errors import UsageError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.openaicompat import OpenAICompatProvider

CALL = Call(prompt=[user_message("Hi")])
ANSWER = {
    "id": "c1",
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
}


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, json=ANSWER))
    )


def test_using_one_client_from_two_live_loops_is_a_clear_error() -> None:
    shared = client()
    model = OpenAICompatProvider(base_url="http://x/v1", http_client=shared).language_model("m")
    # The *_sync methods run on fantasy's own (long-lived) event loop: the client is bound
    # to it by the first call...
    assert model.generate_sync(CALL).text == "hi"

    # ... so a call from the application's own loop cannot use it.
    async def from_my_loop() -> None:
        with pytest.raises(UsageError, match="in use on another event loop"):
            await model.generate(CALL)

    asyncio.run(from_my_loop())


def test_a_closed_loop_gives_the_client_up() -> None:
    shared = client()
    model = OpenAICompatProvider(base_url="http://x/v1", http_client=shared).language_model("m")

    async def once() -> str:
        return (await model.generate(CALL)).text

    assert asyncio.run(once()) == "hi"
    assert asyncio.run(once()) == "hi"  # the first loop is closed: the client moves on


def test_two_providers_sharing_a_client_on_one_loop_are_fine() -> None:
    shared = client()
    first = OpenAICompatProvider(base_url="http://x/v1", http_client=shared).language_model("m")
    second = OpenAICompatProvider(base_url="http://y/v1", http_client=shared).language_model("m")

    async def both() -> list[str]:
        answers = await asyncio.gather(first.generate(CALL), second.generate(CALL))
        return [answer.text for answer in answers]

    assert asyncio.run(both()) == ["hi", "hi"]
