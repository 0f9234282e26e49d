"""Credential refresh: an authentication error gets one retry with refreshed headers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fantasy.errors import AuthenticationError, InvalidArgumentError
from fantasy.messages import user_message
from fantasy.model import Call
from fantasy.providers.openai import OpenAIProvider

OLD, NEW = "sk-old-0123456789abcdef", "sk-new-0123456789abcdef"
CALL = Call(prompt=(user_message("hi"),))
COMPLETION = {
    "id": "c",
    "model": "gpt-4o",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
    ],
}
SSE = (
    'data: {"id":"c","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"ok"}}]}\n\n'
    'data: {"id":"c","model":"gpt-4o",'
    '"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
    "data: [DONE]\n\n"
)


def server(seen: list[str]) -> httpx.MockTransport:
    """Accepts only the new key; records the Authorization header of every request."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        if request.headers["authorization"] != f"Bearer {NEW}":
            return httpx.Response(401, json={"error": {"message": f"expired key {OLD}"}})
        if json.loads(request.content).get("stream"):
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=SSE)
        return httpx.Response(200, json=COMPLETION)

    return httpx.MockTransport(handle)


async def async_refresh(error: AuthenticationError) -> dict[str, str]:
    return {"Authorization": f"Bearer {NEW}"}


# (name, callback, requests expected, succeeds?)
CASES: list[tuple[str, Callable[..., Any] | None, int, bool]] = [
    ("no callback", None, 1, False),
    ("sync callback", lambda error: {"Authorization": f"Bearer {NEW}"}, 2, True),
    ("async callback", async_refresh, 2, True),
    ("callback gives up", lambda error: None, 1, False),
    (
        "refreshed key still refused",
        lambda error: {"Authorization": "Bearer sk-bad-000000000000"},
        2,
        False,
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize("streaming", [False, True], ids=["generate", "stream"])
@pytest.mark.parametrize(
    ("callback", "requests", "ok"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_refresh_once_then_retry(
    callback: Callable[..., Any] | None, requests: int, ok: bool, streaming: bool
) -> None:
    seen: list[str] = []
    provider = OpenAIProvider(api_key=OLD, transport=server(seen))
    provider.on_auth_error = callback
    model = provider.language_model("gpt-4o")
    try:
        if ok:
            if streaming:
                parts = [part async for part in model.stream(CALL)]
                assert any(getattr(part, "delta", "") == "ok" for part in parts)
            else:
                assert (await model.generate(CALL)).text == "ok"
        else:
            with pytest.raises(AuthenticationError) as info:
                if streaming:
                    [part async for part in model.stream(CALL)]
                else:
                    await model.generate(CALL)
            assert OLD not in str(info.value)
    finally:
        await provider.aclose()
    assert len(seen) == requests
    if ok:  # the refreshed headers stay for later calls
        seen.clear()
        provider2 = provider
        await provider2.language_model("gpt-4o").generate(CALL)
        assert seen == [f"Bearer {NEW}"]
        await provider2.aclose()


@pytest.mark.anyio
async def test_bad_callback_result_is_a_typed_error() -> None:
    provider = OpenAIProvider(api_key=OLD, transport=server([]))
    provider.on_auth_error = lambda error: {"Authorization": 5}
    with pytest.raises(InvalidArgumentError, match="on_auth_error"):
        await provider.language_model("gpt-4o").generate(CALL)
    await provider.aclose()
