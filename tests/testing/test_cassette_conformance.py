"""fantasy.testing.cassette against the real go-vcr cassettes recorded by Go Fantasy.

The cassettes are read at run time from `$FANTASY_CONFORMANCE_DIR` (default:
`<repo>/../shared/conformance`); the tests skip when that folder is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
import yaml

from fantasy.testing import Cassette, CassetteTransport, match_request

REPO = Path(__file__).resolve().parents[2]


def conformance_dir() -> Path:
    configured = os.environ.get("FANTASY_CONFORMANCE_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "conformance"


@pytest.fixture(scope="module")
def cassettes_dir() -> Path:
    folder = conformance_dir() / "cassettes"
    if not folder.is_dir():
        pytest.skip(
            f"conformance cassettes not found at {folder} "
            "(set FANTASY_CONFORMANCE_DIR to the shared conformance folder)"
        )
    return folder


def test_every_conformance_cassette_loads(cassettes_dir: Path) -> None:
    files = sorted(cassettes_dir.rglob("*.yaml"))
    assert files, f"no cassettes under {cassettes_dir}"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    problems: list[str] = []
    total = 0
    for file in files:
        cassette = Cassette.load(file)
        raw = yaml.load(file.read_bytes(), Loader=loader)
        raw_interactions = raw["interactions"]
        if len(raw_interactions) != len(cassette) or not len(cassette):
            problems.append(f"{file}: {len(cassette)} interactions loaded")
        for interaction, raw_item in zip(cassette.interactions, raw_interactions, strict=False):
            total += 1
            where = f"{file.relative_to(cassettes_dir)}#{interaction.index}"
            if "method" not in raw_item["request"] or "url" not in raw_item["request"]:
                problems.append(f"{where}: request without method/url")
            if "code" not in raw_item["response"]:
                problems.append(f"{where}: response without code")
            if not interaction.request.url.startswith(("http://", "https://")):
                problems.append(f"{where}: bad url {interaction.request.url!r}")
            if not 100 <= interaction.response.code <= 599:
                problems.append(f"{where}: bad code {interaction.response.code}")
            if interaction.request.body != raw_item["request"].get("body", ""):
                problems.append(f"{where}: request body differs from the raw YAML")
    assert not problems, "\n".join(problems)
    assert total >= len(files)


def test_reordered_json_matches_every_recorded_request(cassettes_dir: Path) -> None:
    cassette = Cassette.load(
        cassettes_dir / "TestOpenAICommon" / "openai-gpt-4o" / "tool_streaming.yaml"
    )
    for interaction in cassette.interactions:
        recorded = interaction.request
        assert isinstance(recorded.body, str)
        reordered = json.dumps(json.loads(recorded.body), sort_keys=True, indent=1)
        assert match_request(recorded, recorded.method, recorded.url, reordered.encode())
        changed = json.loads(recorded.body)
        changed["parallel_tool_calls"] = False
        assert not match_request(recorded, recorded.method, recorded.url, json.dumps(changed))


def _first_file(folder: Path, pattern: str) -> Path:
    matches = sorted(folder.glob(pattern))
    if not matches:
        pytest.skip(f"no cassette matching {pattern} under {folder}")
    return matches[0]


@pytest.mark.anyio
async def test_replay_google_crlf_sse_stream(cassettes_dir: Path) -> None:
    path = _first_file(cassettes_dir, "TestGoogleCommon/*/simple_streaming.yaml")
    (interaction,) = Cassette.load(path).interactions
    recorded = interaction.request
    async with (
        CassetteTransport(path) as transport,
        httpx.AsyncClient(transport=transport) as client,
        client.stream(
            recorded.method, recorded.url, content=str(recorded.body).strip().encode()
        ) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line async for line in response.aiter_lines()]
    data = [line for line in lines if line.startswith("data: ")]
    assert data
    assert all(json.loads(line.removeprefix("data: ")) for line in data)


def test_replay_bedrock_binary_event_stream(cassettes_dir: Path) -> None:
    path = _first_file(cassettes_dir, "TestBedrockCommon/*/simple_streaming.yaml")
    (interaction,) = Cassette.load(path).interactions
    assert isinstance(interaction.response.body, bytes)
    recorded = interaction.request
    with CassetteTransport(path) as transport:
        client = httpx.Client(transport=transport)
        response = client.request(recorded.method, recorded.url, content=recorded.body)
        assert response.content == interaction.response.body
        # AWS event-stream frames start with a 4-byte big-endian total length
        assert int.from_bytes(response.content[:4], "big") <= len(response.content)
