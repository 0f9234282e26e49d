"""Import time and the core install's footprint, for the peer benchmark's report.

Install: a fresh venv in a temporary directory, ``pip install <repo>`` (no extras), then
the distributions installed besides the venv's own pip/setuptools (fantasy included) and
the total size of their files (each distribution's ``RECORD``; MB = 10^6 bytes).

Import time, measured in that core venv (no peer packages, no editable-install hooks):
each statement runs in ``runs`` fresh interpreters; the figure is the median wall time
minus that of an empty interpreter (``pass``).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
import venv
from pathlib import Path

IMPORTS: dict[str, str] = {
    "import fantasy": "import fantasy",
    "from fantasy import Agent, tool": "from fantasy import Agent, tool",
    "a ready model": (
        "from fantasy.providers.openai import OpenAIProvider; "
        "OpenAIProvider(api_key='k').language_model('gpt-4o-mini')"
    ),
}
SEED = {"pip", "setuptools", "wheel"}
_SIZE = """
import importlib.metadata as md, json, os
dists = [d for d in md.distributions() if d.metadata["Name"].lower() not in %r]
size = 0
for d in dists:
    for f in d.files or ():
        p = d.locate_file(f)
        if os.path.isfile(p):
            size += os.path.getsize(p)
print(json.dumps({"names": sorted(d.metadata["Name"] for d in dists), "bytes": size}))
"""


def _median_wall(python: str, statement: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, "-c", statement], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_times(python: str, runs: int) -> dict[str, float]:
    """Median import cost (ms, over an empty interpreter) of each statement."""
    empty = _median_wall(python, "pass", runs)
    out = {"empty interpreter": empty * 1000}
    for name, statement in IMPORTS.items():
        out[name] = (_median_wall(python, statement, runs) - empty) * 1000
    return out


def core_install(repo: Path, import_runs: int = 0) -> dict[str, object]:
    """Distributions and bytes of ``pip install <repo>`` in a fresh venv (and import times)."""
    with tempfile.TemporaryDirectory(prefix="fantasy-core-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True)
        python = str(env_dir / "bin" / "python")
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(repo)],
            check=True,
            capture_output=True,
            timeout=900,
        )
        done = subprocess.run(
            [python, "-c", _SIZE % (SEED,)], check=True, capture_output=True, text=True
        )
        imports = import_times(python, import_runs) if import_runs else None
    found = json.loads(done.stdout)
    return {
        "distributions": len(found["names"]),
        "names": found["names"],
        "mb": found["bytes"] / 1e6,
        "imports_ms": imports,
    }
