"""`fantasy.language_model` reuses one provider per name, settings and credentials."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

import fantasy
from fantasy import _provider_cache
from fantasy.provider import clear_provider_cache


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-first-key")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    clear_provider_cache()
    yield
    clear_provider_cache()


def provider_of(model: object) -> object:
    """The HTTP client (and so the connection pool) the model sends with."""
    return model._client  # type: ignore[attr-defined]


def test_same_settings_share_one_provider() -> None:
    first = fantasy.language_model("openai:gpt-4o")
    second = fantasy.language_model("openai:gpt-4o-mini")
    assert provider_of(first) is provider_of(second)
    embedder = fantasy.embedding_model("openai:text-embedding-3-small")
    assert provider_of(embedder) is provider_of(first)


def test_other_settings_get_another_provider() -> None:
    default = provider_of(fantasy.language_model("openai:gpt-4o"))
    other_key = provider_of(fantasy.language_model("openai:gpt-4o", api_key="sk-other"))
    other_url = provider_of(
        fantasy.language_model("openai:gpt-4o", base_url="http://127.0.0.1:9/v1")
    )
    assert len({id(default), id(other_key), id(other_url)}) == 3
    assert provider_of(fantasy.language_model("openai:gpt-4o", api_key="sk-other")) is other_key


def test_a_changed_environment_key_gives_a_new_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    before = provider_of(fantasy.language_model("openai:gpt-4o"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-rotated-key")
    after = provider_of(fantasy.language_model("openai:gpt-4o"))
    assert after is not before
    assert provider_of(fantasy.language_model("openai:gpt-4o")) is after
    # A variable read by the constructor counts too, not just the key.
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    moved = provider_of(fantasy.language_model("openai:gpt-4o"))
    assert moved is not after
    assert fantasy.language_model("openai:gpt-4o")._url.startswith("http://127.0.0.1:9/v1")  # type: ignore[attr-defined]


def test_objects_are_compared_by_identity() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    transport = httpx.MockTransport(handler)
    first = provider_of(fantasy.language_model("openai:gpt-4o", transport=transport))
    again = provider_of(fantasy.language_model("openai:gpt-4o", transport=transport))
    other = provider_of(
        fantasy.language_model("openai:gpt-4o", transport=httpx.MockTransport(handler))
    )
    assert first is again and other is not first


def test_no_key_in_the_cache_keys() -> None:
    fantasy.language_model(
        "openai:gpt-4o", api_key="sk-secret-explicit", headers={"X-Token": "tok-secret-header"}
    )
    fantasy.language_model("openai:gpt-4o")
    entries = _provider_cache._entries
    shown = repr(list(entries)) + repr([(e.env_names, e.env_digest) for e in entries.values()])
    for secret in ("sk-secret-explicit", "tok-secret-header", "sk-first-key"):
        assert secret not in shown
    assert "OPENAI_API_KEY" in shown  # the variable's name is kept, its value only as a digest


def test_get_provider_always_builds_a_new_one() -> None:
    assert fantasy.get_provider("openai") is not fantasy.get_provider("openai")
    assert not _provider_cache._entries


def test_threads_asking_at_once_get_one_provider() -> None:
    seen: list[object] = []
    barrier = threading.Barrier(8, timeout=30)

    def ask() -> None:
        barrier.wait()
        seen.append(provider_of(fantasy.language_model("openai:gpt-4o")))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(seen) == 8 and len({id(p) for p in seen}) == 1


def test_the_cache_is_bounded() -> None:
    for n in range(_provider_cache.MAX_PROVIDERS + 5):
        fantasy.language_model("openai:gpt-4o", api_key=f"sk-{n}")
    assert len(_provider_cache._entries) == _provider_cache.MAX_PROVIDERS


def test_errors_are_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(fantasy.InvalidArgumentError, match="OPENAI_API_KEY"):
        fantasy.language_model("openai:gpt-4o")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-now-set")
    assert fantasy.language_model("openai:gpt-4o") is not None
    with pytest.raises(fantasy.InvalidArgumentError, match="unknown provider"):
        fantasy.language_model("nope:model")
