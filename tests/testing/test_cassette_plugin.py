"""The `cassette` fixture and `--record-cassettes` option of fantasy's pytest plugin."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

from fantasy.testing import CassetteError
from fantasy.testing.pytest_plugin import CassetteFactory

pytest_plugins = ["pytester"]

URL = "https://api.example.com/v1/chat"

INNER_TESTS = f"""
import json
from pathlib import Path

import httpx
import pytest

URL = {URL!r}


def make(tmp_path, n=1):
    doc = {{"version": 2, "interactions": [
        {{"request": {{"method": "POST", "url": URL, "body": "{{}}"}},
          "response": {{"code": 200, "body": "ok"}}}} for _ in range(n)]}}
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps(doc))
    return path


def test_all_played(cassette, tmp_path):
    transport = cassette(make(tmp_path))
    with httpx.Client(transport=transport) as client:  # closing the client finishes nothing
        assert client.post(URL, content="{{}}").text == "ok"


def test_unplayed_fails_at_teardown(cassette, tmp_path):
    cassette(make(tmp_path, n=2))
    cassette(make(tmp_path), allow_unplayed=True)


def test_failed_test_reports_only_its_own_error(cassette, tmp_path):
    cassette(make(tmp_path))
    assert False, "the test's own failure"


def test_relative_paths_use_the_test_directory(cassette, tmp_path):
    (Path(__file__).parent / "rel.yaml").write_text((make(tmp_path)).read_text())
    transport = cassette("rel.yaml", allow_unplayed=True)
    assert transport.path == Path(__file__).parent / "rel.yaml"
"""

RECORD_TEST = f"""
import httpx

URL = {URL!r}


def upstream(request):
    return httpx.Response(200, json={{"ok": True}})


def test_records_when_enabled(cassette, tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "recorded.yaml"
    transport = cassette(path, inner=httpx.MockTransport(upstream))
    assert transport.mode == "once"
    assert transport.recording
    httpx.Client(transport=transport).post(URL, json={{"q": 1}})
"""


def _plugin_args() -> list[str]:
    installed = any(
        ep.value == "fantasy.testing.pytest_plugin" for ep in entry_points(group="pytest11")
    )
    return [] if installed else ["-p", "fantasy.testing.pytest_plugin"]


def test_fixture_checks_every_cassette_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1, errors=1)
    output = result.stdout.str()
    assert "2 of 2 interactions were not played" in output
    assert "ERROR at teardown of test_unplayed_fails_at_teardown" in output
    assert "ERROR at teardown of test_failed_test" not in output


@pytest.mark.parametrize("how", ["option", "env"])
def test_record_option_switches_replay_to_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pytester.makepyfile(test_record=RECORD_TEST)
    args = [*_plugin_args(), "-p", "no:cacheprovider", f"--basetemp={pytester.path / 'tmp'}"]
    if how == "option":
        args.append("--record-cassettes")
    else:
        monkeypatch.setenv("FANTASY_RECORD", "1")
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1)
    recorded = pytester.path / "tmp" / "recorded.yaml"
    assert "version: 2" in recorded.read_text(encoding="utf-8")


def test_without_record_option_a_missing_cassette_errors(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FANTASY_RECORD", raising=False)
    pytester.makepyfile(test_record=RECORD_TEST)
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert "does not exist; record it" in result.stdout.str()


def test_factory_directly(tmp_path: Path) -> None:
    doc = {
        "version": 2,
        "interactions": [
            {"request": {"method": "POST", "url": URL, "body": ""}, "response": {"code": 204}}
        ],
    }
    (tmp_path / "c.yaml").write_text(json.dumps(doc), encoding="utf-8")
    factory = CassetteFactory(tmp_path)
    transport = factory("c.yaml")
    assert transport.mode == "replay"
    with pytest.raises(CassetteError, match="were not played"):
        factory.finish()
    factory.finish(failed=True)  # nothing asserted for a failed test
    with httpx.Client(transport=transport) as client:
        assert client.post(URL).status_code == 204
    factory.finish()
