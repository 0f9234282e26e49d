"""The fake OpenAI-compatible server of the CLI tests, as a fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _cli_fake_server import FakeServer
from _cli_helpers import InProcess


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    """The OpenAI-compatible fake server on 127.0.0.1, stopped after the test."""
    server = FakeServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fantasy_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> InProcess:
    """``fantasy_main("run", "hi")``: the command in this process, with a clean environment."""
    return InProcess(monkeypatch, capsys)
