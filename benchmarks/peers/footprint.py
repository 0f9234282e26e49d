"""Import time and the core install's footprint, for the peer benchmark's report.

Install: ``benchmarks/install_size.py`` makes a fresh venv in a temporary directory and
runs ``pip install <repo>`` (no extras); the figures are its distributions besides pip
and setuptools (fantasy included) and the size of their files with the bytecode pip
compiles (MB = 10^6 bytes).

Import time, measured in that core venv (no peer packages, no editable-install hooks),
for the statements of ``benchmarks/import_time.py`` that issue 13 sets targets for: each
runs in ``runs`` fresh interpreters; the figures are the fastest CPU time and the median
wall time, each minus that of an empty interpreter (``pass``). On a loaded machine the
fastest CPU is the steadier of the two, and the targets are read from it.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from import_time import TARGETS
from install_size import fresh_venv, measure

LABELS = {  # the statements of import_time.TARGETS, by the names issue 13 gives them
    "import fantasy": "`import fantasy`",
    "from fantasy import Agent, tool": "`from fantasy import Agent, tool`",
    "a ready model": "a ready model: ",
}
STATEMENTS = {
    name: next(stmt for label, stmt in TARGETS if label.startswith(prefix))
    for name, prefix in LABELS.items()
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _times(python: str, statement: str, runs: int) -> tuple[float, float]:
    """(fastest CPU, median wall) in ms of ``runs`` fresh interpreters."""
    cpus, walls = [], []
    for _ in range(runs):
        cpu, start = _children_cpu(), time.perf_counter()
        subprocess.run([python, "-c", statement], check=True, capture_output=True, timeout=120)
        walls.append(time.perf_counter() - start)
        cpus.append(_children_cpu() - cpu)
    return min(cpus) * 1000, statistics.median(walls) * 1000


def import_times(python: str, runs: int) -> dict[str, dict[str, float]]:
    """Import cost of each statement over an empty interpreter (``cpu_ms``, ``wall_ms``)."""
    empty_cpu, empty_wall = _times(python, "pass", runs)
    out = {"empty interpreter": {"cpu_ms": empty_cpu, "wall_ms": empty_wall}}
    for name, statement in STATEMENTS.items():
        cpu, wall = _times(python, statement, runs)
        out[name] = {"cpu_ms": cpu - empty_cpu, "wall_ms": wall - empty_wall}
    return out


def core_install(import_runs: int = 0) -> dict[str, object]:
    """Distributions and MB of ``pip install .`` in a fresh venv (and import times there)."""
    with tempfile.TemporaryDirectory(prefix="fantasy-core-") as tmp:
        python = fresh_venv(Path(tmp) / "venv")
        rows = measure(python)
        imports = import_times(str(python), import_runs) if import_runs else None
    return {
        "distributions": len(rows),
        "names": sorted(name for name, _, _ in rows),
        "mb": sum(plain + compiled for _, plain, compiled in rows) / 1e6,
        "imports_ms": imports,
    }
