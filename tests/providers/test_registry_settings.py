"""The registry with settings: typed errors, and base URLs from arguments and variables."""

from __future__ import annotations

import httpx
import pytest

import fantasy
from fantasy.errors import InvalidArgumentError


def capture() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500, json={"error": {"message": "stop here"}})

    return httpx.MockTransport(handler), seen


def url_of(spec: str, **settings: object) -> str:
    transport, seen = capture()
    model = fantasy.language_model(spec, transport=transport, **settings)
    agent = fantasy.Agent(model, retry=fantasy.RetryPolicy(max_retries=0))
    with pytest.raises(fantasy.FantasyError):
        agent.generate_sync("hi")
    return str(seen[0].url)


@pytest.fixture(autouse=True)
def no_provider_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "OPENAI_COMPAT_BASE_URL",
        "OPENAI_COMPAT_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("spec", "settings", "message"),
    [
        ("openaicompat:qwen3", {}, "OPENAI_COMPAT_BASE_URL"),
        ("nope:model", {}, "unknown provider 'nope'"),
        ("no-colon", {}, "expected 'provider:model'"),
        ("openai:", {}, "expected 'provider:model'"),
        ("openai:gpt-4o", {}, "OPENAI_API_KEY"),
        ("openai:gpt-4o", {"api_key": "sk-x", "bogus": 1}, "has no setting 'bogus'"),
        ("openai-responses:gpt-5", {"api_key": "sk-x", "bogus": 1}, "bogus"),
    ],
)
def test_mistakes_raise_invalid_argument_error(
    spec: str, settings: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        fantasy.language_model(spec, **settings)


def test_a_non_string_spec_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError):
        fantasy.language_model(42)  # type: ignore[arg-type]


def test_openai_compat_base_url_and_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_COMPAT_BASE_URL", "http://127.0.0.1:11434/v1")
    assert url_of("openaicompat:qwen3") == "http://127.0.0.1:11434/v1/chat/completions"
    explicit = url_of("openaicompat:qwen3", base_url="http://127.0.0.1:8080/v1")
    assert explicit == "http://127.0.0.1:8080/v1/chat/completions"


def test_openai_compat_key_variable_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    transport, seen = capture()
    model = fantasy.language_model(
        "openaicompat:m", base_url="http://127.0.0.1:9/v1", transport=transport
    )
    with pytest.raises(fantasy.FantasyError):
        fantasy.Agent(model, retry=fantasy.RetryPolicy(max_retries=0)).generate_sync("hi")
    assert "authorization" not in seen[0].headers
    monkeypatch.setenv("OPENAI_COMPAT_API_KEY", "local-key")
    transport, seen = capture()
    model = fantasy.language_model(
        "openaicompat:m", base_url="http://127.0.0.1:9/v1", transport=transport
    )
    with pytest.raises(fantasy.FantasyError):
        fantasy.Agent(model, retry=fantasy.RetryPolicy(max_retries=0)).generate_sync("hi")
    assert seen[0].headers["authorization"] == "Bearer local-key"


def test_openai_base_url_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert url_of("openai:gpt-4o") == "https://api.openai.com/v1/chat/completions"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:4000/v1")
    assert url_of("openai:gpt-4o") == "http://127.0.0.1:4000/v1/chat/completions"
    assert url_of("openai-responses:gpt-5") == "http://127.0.0.1:4000/v1/responses"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:4000", "http://127.0.0.1:4000/v1/messages"),  # the SDK's meaning
        ("http://127.0.0.1:4000/", "http://127.0.0.1:4000/v1/messages"),
        ("http://127.0.0.1:4000/v1", "http://127.0.0.1:4000/v1/messages"),
        ("https://gateway.example/anthropic", "https://gateway.example/anthropic/v1/messages"),
    ],
)
def test_anthropic_base_url_means_the_host(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert url_of("anthropic:claude-sonnet-4-20250514") == "https://api.anthropic.com/v1/messages"
    assert url_of("anthropic:claude-sonnet-4-20250514", base_url=value) == expected
    monkeypatch.setenv("ANTHROPIC_BASE_URL", value)
    assert url_of("anthropic:claude-sonnet-4-20250514") == expected
