"""Replays every recorded scenario of ``$FANTASY_CONFORMANCE_DIR`` (README sections 1-2).

Each scenario is one test whose id is its cassette path without ``.yaml``. It builds the
provider named by the scenario, runs the case through fantasy's public API with an
httpx client whose transport replays only that cassette, checks the case's assertions,
and requires that every recorded interaction was played.

Scenarios that do not pass yet are listed in ``expected_failures.txt`` with a reason and
run as strict expected failures: one that starts passing must leave the list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _cases import CASES
from _harness import build_model, cassette_client, conformance_dir

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read the scenarios")

ROOT = conformance_dir()
EXPECTED_FAILURES = Path(__file__).with_name("expected_failures.txt")


def load_expected_failures() -> dict[str, str]:
    failures: dict[str, str] = {}
    for line in EXPECTED_FAILURES.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        scenario_id, _, reason = line.partition(" ")
        failures[scenario_id] = reason.strip(" #-") or "not passing yet"
    return failures


def load_spec() -> dict[str, Any]:
    with (ROOT / "scenarios.yaml").open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def scenario_params() -> list[Any]:
    if not (ROOT / "scenarios.yaml").is_file():
        return [
            pytest.param(
                None,
                id="no-conformance-dir",
                marks=pytest.mark.skip(
                    reason=f"conformance folder not found at {ROOT} "
                    "(set FANTASY_CONFORMANCE_DIR to replay Fantasy's recorded scenarios)"
                ),
            )
        ]
    failures = load_expected_failures()
    params = []
    for scenario in load_spec()["scenarios"]:
        scenario_id = scenario["cassette"].removesuffix(".yaml")
        marks = []
        if scenario_id in failures:
            marks.append(pytest.mark.xfail(reason=failures[scenario_id], strict=True))
        params.append(pytest.param(scenario, id=scenario_id, marks=marks))
    return params


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", scenario_params())
async def test_scenario(scenario: dict[str, Any], spec: dict[str, Any]) -> None:
    runner = CASES[scenario["case"]]
    client, transport = cassette_client(ROOT / "cassettes" / scenario["cassette"])
    async with client:
        model = build_model(scenario, client)
        await runner(model, scenario, spec, ROOT)
    transport.assert_all_played()


def test_expected_failures_are_known_scenarios() -> None:
    """Every entry of the expected-failures list names a real scenario."""
    if not (ROOT / "scenarios.yaml").is_file():
        pytest.skip(f"conformance folder not found at {ROOT}")
    known = {s["cassette"].removesuffix(".yaml") for s in load_spec()["scenarios"]}
    unknown = sorted(set(load_expected_failures()) - known)
    assert not unknown, unknown
