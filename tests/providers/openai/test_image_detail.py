"""The per-file ``image_detail`` option on the Chat and Responses dialects and variants."""

from __future__ import annotations

from typing import Any

import pytest

from fantasy.errors import InvalidArgumentError
from fantasy.messages import FilePart, user_message
from fantasy.model import Call
from fantasy.providers.openai.chat.convert import build_body
from fantasy.providers.openai.chat.hooks import ChatHooks
from fantasy.providers.openai.options import OpenAIFileOptions
from fantasy.providers.openai.responses.convert import build_body as responses_body
from fantasy.providers.openaicompat import CompatHooks
from fantasy.providers.openrouter.hooks import OpenRouterHooks
from fantasy.providers.vercel.hooks import VercelHooks

PNG = b"\x89PNG\r\n\x1a\nrest"

# (variant, hooks, options key)
CHAT_VARIANTS = [
    ("openai/azure", ChatHooks(), "openai"),
    ("openai-compat", CompatHooks(), "openai-compat"),
    ("openrouter", OpenRouterHooks("openai/gpt-5"), "openrouter"),
    ("vercel", VercelHooks("openai/gpt-5"), "vercel"),
]
DETAILS: list[Any] = ["low", "high", "auto", OpenAIFileOptions(image_detail="low"), None]


def call_with(options: dict[str, Any]) -> Call:
    image = FilePart(media_type="image/png", data=PNG, provider_options=options)
    return Call(prompt=(user_message("what is this?", image),))


def _wanted(detail: Any) -> str | None:
    return detail.image_detail if isinstance(detail, OpenAIFileOptions) else detail


def _options(key: str, detail: Any) -> dict[str, Any]:
    if detail is None:
        return {}
    return {key: detail if isinstance(detail, OpenAIFileOptions) else {"image_detail": detail}}


@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize(
    ("hooks", "key"), [v[1:] for v in CHAT_VARIANTS], ids=[v[0] for v in CHAT_VARIANTS]
)
def test_chat_image_detail(hooks: ChatHooks, key: str, detail: Any) -> None:
    body, _ = build_body(call_with(_options(key, detail)), "gpt-5", stream=False, hooks=hooks)
    image = body["messages"][0]["content"][1]["image_url"]
    assert image.get("detail") == _wanted(detail)


@pytest.mark.parametrize("detail", DETAILS)
def test_responses_image_detail(detail: Any) -> None:
    body, _ = responses_body(call_with(_options("openai", detail)), "gpt-5", stream=False)
    image = body["input"][0]["content"][1]
    assert image["type"] == "input_image"
    assert image.get("detail") == _wanted(detail)


def test_another_providers_namespace_is_ignored_and_bad_values_rejected() -> None:
    body, _ = build_body(
        call_with({"anthropic": {"cache_control": {"type": "ephemeral"}}}),
        "gpt-5",
        stream=False,
        hooks=ChatHooks(),
    )
    assert "detail" not in body["messages"][0]["content"][1]["image_url"]
    with pytest.raises(InvalidArgumentError):
        build_body(
            call_with({"openai": {"image_detail": "ultra"}}),
            "gpt-5",
            stream=False,
            hooks=ChatHooks(),
        )
