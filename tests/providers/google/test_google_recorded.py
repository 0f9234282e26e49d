"""Decode every Gemini response Fantasy recorded (skipped without the conformance folder)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from fantasy.providers.google.decode import StreamDecoder, decode_response
from fantasy.stream import StreamAccumulator
from fantasy.usage import FinishReason

yaml = pytest.importorskip("yaml", reason="PyYAML (testing extra) reads the scenarios")

ROOT = Path(
    os.environ.get(
        "FANTASY_CONFORMANCE_DIR",
        Path(__file__).resolve().parents[3].parent / "shared" / "conformance",
    )
)
PATTERNS = ("TestGoogle*/*/*.yaml", "TestImageUpload*/gemini-*.yaml")


def _cassettes() -> list[Any]:
    if not (ROOT / "cassettes").is_dir():
        return [
            pytest.param(None, marks=pytest.mark.skip(reason=f"no conformance folder at {ROOT}"))
        ]
    paths = sorted(p for pattern in PATTERNS for p in (ROOT / "cassettes").glob(pattern))
    return [
        pytest.param(path, id=str(path.relative_to(ROOT / "cassettes")))
        for path in paths
        if "claude" not in path.name and "claude" not in path.parent.name
    ]


def _ids() -> Any:
    count = iter(range(1, 1000))
    return lambda: str(next(count))


@pytest.mark.parametrize("path", _cassettes())
def test_recorded_responses_decode(path: Path) -> None:
    interactions = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]
    for interaction in interactions:
        body = interaction["response"]["body"]
        if "alt=sse" in interaction["request"]["url"]:
            decoder = StreamDecoder(id_generator=_ids())
            accumulator = StreamAccumulator()
            events = [e for e in body.split("\r\n\r\n") if e.strip()]
            assert len(events) >= 1
            for event in events:
                assert event.startswith("data: ")
                for part in decoder.feed(event.removeprefix("data: ")):
                    accumulator.add(part)
            for part in decoder.finish():
                accumulator.add(part)
            response = accumulator.response()
        else:
            response = decode_response(json.loads(body), id_generator=_ids())
        assert response.finish_reason in (FinishReason.STOP, FinishReason.TOOL_CALLS)
        assert response.usage.total_tokens > 0
        assert response.text.strip() or response.tool_calls
        if response.tool_calls:
            assert response.finish_reason == FinishReason.TOOL_CALLS
            assert all(json.loads(call.input) for call in response.tool_calls)
