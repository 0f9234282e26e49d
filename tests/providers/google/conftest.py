"""Fixtures of the Google provider tests: our own recorded-shape responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def load_json() -> Callable[[str], Any]:
    """Read ``fixtures/<name>`` as JSON."""

    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def sse_events() -> Callable[[str], list[str]]:
    """The event payloads (one JSON per line) of ``fixtures/<name>.jsonl``."""

    def events(name: str) -> list[str]:
        lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
        return [line for line in lines if line.strip()]

    return events


@pytest.fixture
def sse_body(sse_events: Callable[[str], list[str]]) -> Callable[[str], bytes]:
    """An SSE body as Gemini sends it: ``data:`` lines, events separated by CRLF CRLF."""

    def body(name: str) -> bytes:
        return "".join(f"data: {event}\r\n\r\n" for event in sse_events(name)).encode("utf-8")

    return body


@pytest.fixture
def counter_ids() -> Callable[[], str]:
    """A tool-call id generator returning "1", "2", ..."""
    state = {"n": 0}

    def next_id() -> str:
        state["n"] += 1
        return str(state["n"])

    return next_id
