"""Import-time benchmark: how long `import fantasy` (and friends) take in a fresh interpreter.

Usage:
    python benchmarks/import_time.py [--runs N] [--top K] [--update-readme]

For each target statement it runs N fresh `python -c STATEMENT` subprocesses and reports
the fastest and the median wall time and the fastest CPU time (user + system, from
`getrusage` of the child), each minus the same figure of an empty interpreter (`pass`)
so that it is the import cost alone. On a shared, loaded machine read the minimums: the
median carries the other jobs' noise, the fastest run does not (much). `import httpx` is
the baseline to beat (fantasy needs it anyway for its providers). It also runs
`python -X importtime` on the first statements and lists the modules that cost most.

`--update-readme` rewrites the "Import time" section of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

README = Path(__file__).with_name("README.md")
START = "<!-- import-time:start -->"
END = "<!-- import-time:end -->"

TARGETS: list[tuple[str, str]] = [
    ("empty interpreter (`pass`)", "pass"),
    ("`import httpx` (baseline)", "import httpx"),
    ("`import fantasy`", "import fantasy"),
    (
        "`import fantasy` + core names (Message, stream, Usage, Response, Call)",
        "import fantasy; fantasy.Message; fantasy.stream; fantasy.Usage; "
        "fantasy.Response; fantasy.Call",
    ),
    ("`from fantasy import Agent, tool`", "from fantasy import Agent, tool"),
    (
        'a ready model: `fantasy.language_model("openai:gpt-4o")` (dummy key)',
        "import os; os.environ['OPENAI_API_KEY'] = 'sk-dummy'; import fantasy; "
        "fantasy.language_model('openai:gpt-4o')",
    ),
    ("`import fantasy.cli` (`fantasy --help`)", "import fantasy.cli"),
]

IMPORTTIME_STATEMENTS = ["import fantasy", "from fantasy import Agent, tool"]

_IMPORTTIME = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(\s*)(\S+)")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_times(statement: str, runs: int) -> tuple[list[float], list[float]] | None:
    """(wall seconds, CPU seconds) of `runs` fresh interpreters running `statement`."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        cpu = _children_cpu()
        start = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", statement], capture_output=True, check=False
        )
        elapsed = time.perf_counter() - start
        if completed.returncode != 0:
            return None
        walls.append(elapsed)
        cpus.append(_children_cpu() - cpu)
    return walls, cpus


def importtime(statement: str) -> list[tuple[int, int, int, str]]:
    """(self µs, cumulative µs, depth, module) rows of `-X importtime`; [] on failure."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        return []
    rows = []
    for line in completed.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            own, cumulative, indent, name = match.groups()
            rows.append((int(own), int(cumulative), len(indent) // 2, name))
    return rows


def wall_table(runs: int) -> str:
    lines = [
        f"| statement (n={runs}) | fastest wall (ms) | median wall (ms) | fastest CPU (ms) |",
        "|---|---:|---:|---:|",
        "| | *minus empty* | *minus empty* | *minus empty* |",
    ]
    empty: tuple[float, float, float] | None = None
    for label, statement in TARGETS:
        times = run_times(statement, runs)
        if times is None:
            lines.append(f"| {label} | failed | | |")
            continue
        walls, cpus = times
        figures = (min(walls) * 1000, statistics.median(walls) * 1000, min(cpus) * 1000)
        if empty is None:
            empty = figures
            lines.append(f"| {label} | {figures[0]:.1f} | {figures[1]:.1f} | {figures[2]:.1f} |")
        else:
            cost = [f"{value - base:.1f}" for value, base in zip(figures, empty, strict=True)]
            lines.append(f"| {label} | {' | '.join(cost)} |")
    return "\n".join(lines)


def importtime_table(statement: str, top: int) -> str:
    startup = {name for *_, name in importtime("pass")}
    rows = [row for row in importtime(statement) if row[3] not in startup]
    if not rows:
        return f"`python -X importtime -c {statement!r}`: failed (not importable yet?)"
    total = sum(own for own, *_ in rows)
    lines = [
        f"`python -X importtime -c {statement!r}`: {len(rows)} modules beyond interpreter "
        f"startup, **{total / 1000:.1f} ms** in total; the heaviest (self time):",
        "",
        "| module | self (ms) | cumulative (ms) |",
        "|---|---:|---:|",
    ]
    for own, cumulative, _, name in sorted(rows, reverse=True)[:top]:
        lines.append(f"| `{name}` | {own / 1000:.2f} | {cumulative / 1000:.2f} |")
    return "\n".join(lines)


def report(runs: int, top: int) -> str:
    environment = (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}; {runs} fresh subprocesses per row; "
        f"click {'installed' if importlib.util.find_spec('click') else 'not installed'} "
        "(httpx imports its command line, click and pygments, when click is importable)."
    )
    tables = [importtime_table(statement, top) for statement in IMPORTTIME_STATEMENTS]
    return "\n\n".join([environment, wall_table(runs), *tables])


def update_readme(text: str) -> None:
    section = f"## Import time\n\n{START}\n{text}\n{END}\n"
    body = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if START in body and END in body:
        head, _, rest = body.partition(START)
        _, _, tail = rest.partition(END)
        body = f"{head}{START}\n{text}\n{END}{tail}"
    else:
        body = body.rstrip("\n") + "\n\n" + section
    README.write_text(body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="subprocesses per statement")
    parser.add_argument("--top", type=int, default=10, help="modules listed from -X importtime")
    parser.add_argument("--update-readme", action="store_true", help="rewrite README section")
    args = parser.parse_args()
    text = report(args.runs, args.top)
    print(text)
    if args.update_readme:
        update_readme(text)
        print(f"\nupdated {README}")


if __name__ == "__main__":
    main()
