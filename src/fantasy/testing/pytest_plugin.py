"""pytest plugin for fantasy.

Registered through the `pytest11` entry point. It provides:

* the `cassette` fixture, a factory: `cassette(path, mode="replay")` returns a
  `fantasy.testing.cassette.CassetteTransport`; at teardown every cassette opened by the test
  is saved (when recording) and checked: each interaction must have been played;
* the `--record-cassettes` option (or environment variable `FANTASY_RECORD=1`), which turns
  the default `"replay"` mode into `"once"`: missing cassettes are recorded from the network.

Relative cassette paths are resolved against the directory of the test file. The plugin
imports the cassette machinery (httpx, and PyYAML when a cassette is read) only when the
fixture is used.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from fantasy.testing.cassette import CassetteMode, CassetteTransport, MatchOn, StrPath

__all__ = [
    "RECORD_ENV_VAR",
    "CassetteFactory",
    "cassette",
    "fake_model",
    "pytest_addoption",
    "pytest_runtest_makereport",
    "recording_requested",
    "scripted_model",
]

RECORD_ENV_VAR = "FANTASY_RECORD"
"""Environment variable that, when truthy (`1`, `true`, `yes`), enables recording."""

_TRUTHY = frozenset({"1", "true", "yes", "on"})
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add `--record-cassettes`."""
    group = parser.getgroup("fantasy", "fantasy cassettes")
    group.addoption(
        "--record-cassettes",
        action="store_true",
        default=False,
        help=(
            "record cassettes that do not exist yet instead of failing "
            f"(go-vcr 'record once' mode); same as {RECORD_ENV_VAR}=1"
        ),
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report so the fixture knows at teardown if the test failed."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def recording_requested(config: pytest.Config) -> bool:
    """Tell whether `--record-cassettes` or `FANTASY_RECORD` asks for recording."""
    if config.getoption("record_cassettes", default=False):
        return True
    return os.environ.get(RECORD_ENV_VAR, "").strip().lower() in _TRUTHY


class CassetteFactory:
    """What the `cassette` fixture provides: call it to open a cassette transport.

    Attributes:
        base_dir: Directory relative cassette paths are resolved against.
        record: Whether `"replay"` requests are upgraded to `"once"` (recording enabled).
        transports: Every transport opened so far.
    """

    def __init__(self, base_dir: Path, *, record: bool = False) -> None:
        """Create a factory resolving relative paths against `base_dir`."""
        self.base_dir = base_dir
        self.record = record
        self.transports: list[CassetteTransport] = []

    def __call__(
        self,
        path: StrPath,
        mode: CassetteMode = "replay",
        *,
        match_on: MatchOn | None = None,
        secrets: Iterable[str] = (),
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        allow_unplayed: bool = False,
    ) -> CassetteTransport:
        """Open a cassette transport that is finished at test teardown.

        Args:
            path: The cassette file (relative paths: against the test file's directory).
            mode: `"replay"` (upgraded to `"once"` when recording is enabled), `"record"`
                or `"once"`.
            match_on: Request parts to compare or a custom matcher (default: all).
            secrets: Exact strings never to write into a recording.
            inner: Transport used for real requests when recording.
            allow_unplayed: Skip the all-played check at teardown.

        Returns:
            The transport; pass it to `httpx.Client(transport=...)` or an async client.
        """
        from fantasy.testing.cassette import DEFAULT_MATCH_ON, CassetteTransport

        file = Path(path)
        if not file.is_absolute():
            file = self.base_dir / file
        if self.record and mode == "replay":
            mode = "once"
        transport = CassetteTransport(
            file,
            mode=mode,
            match_on=DEFAULT_MATCH_ON if match_on is None else match_on,
            secrets=secrets,
            inner=inner,
            allow_unplayed=allow_unplayed,
        )
        # Hold the transport open so that httpx clients leaving their own `with` blocks
        # never finish it early; teardown finishes it.
        transport.__enter__()
        self.transports.append(transport)
        return transport

    def finish(self, *, failed: bool = False) -> None:
        """Save recordings and assert all interactions were played, for every transport.

        Args:
            failed: The test already failed: save nothing and check nothing.

        Raises:
            CassetteError: Some cassette has unplayed interactions (all are reported).
        """
        from fantasy.testing.cassette import CassetteError

        problems: list[str] = []
        for transport in self.transports:
            try:
                transport.finish(failed=failed)
            except CassetteError as exc:
                problems.append(str(exc))
            finally:
                transport.close()
        if problems:
            raise CassetteError("\n\n".join(problems))


def _test_failed(item: pytest.Item) -> bool:
    reports = item.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[CassetteFactory]:
    """Factory fixture: `cassette(path, mode="replay") -> CassetteTransport`.

    At teardown each opened cassette is saved if it was recording and must have had every
    interaction played (skipped when the test itself failed).
    """
    factory = CassetteFactory(request.path.parent, record=recording_requested(request.config))
    yield factory
    factory.finish(failed=_test_failed(request.node))


@pytest.fixture
def fake_model() -> Any:
    """A deterministic :class:`~fantasy.testing.models.TestModel` (calls each tool once)."""
    from fantasy.testing.models import TestModel

    return TestModel()


@pytest.fixture
def scripted_model() -> Any:
    """Factory: ``scripted_model(item, ...)`` → a ScriptedModel playing those items."""
    from fantasy.testing.models import ScriptedModel

    def build(*items: Any) -> ScriptedModel:
        return ScriptedModel(items)

    return build
