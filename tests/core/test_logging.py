"""The 'fantasy' logger has a NullHandler: an application without logging config sees nothing."""

from __future__ import annotations

import logging
import subprocess
import sys

import fantasy

SCRIPT = """
import asyncio
import fantasy
from fantasy.retry import RetryPolicy, retry_call

calls = []

async def flaky():
    calls.append(1)
    if len(calls) == 1:
        raise fantasy.ProviderError("busy", status_code=503)
    return "ok"

# A retry logs a WARNING on the 'fantasy' logger.
print(asyncio.run(retry_call(RetryPolicy(initial_delay=0, jitter=False), flaky)))
"""


def test_fantasy_logger_has_a_null_handler() -> None:
    assert fantasy.__version__
    handlers = logging.getLogger("fantasy").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


def test_an_unconfigured_application_sees_no_log_output() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.strip() == "ok"
    assert completed.stderr == ""


def test_a_configured_application_still_sees_the_records() -> None:
    script = "import logging\nlogging.basicConfig(level=logging.WARNING)\n" + SCRIPT
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert "WARNING:fantasy:retry 1/2" in completed.stderr
