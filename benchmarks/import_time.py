"""Import-time benchmark: how long `import fantasy` (and friends) take in a fresh interpreter.

Usage:
    python benchmarks/import_time.py [--runs N] [--top K] [--update-readme]

For each target statement it runs N fresh `python -c STATEMENT` subprocesses and reports
the median wall time, minus the median of an empty interpreter (`pass`) so that the
figure is the import cost alone. `import httpx` is the baseline to beat (fantasy needs
it anyway for its providers). It also runs `python -X importtime -c "import fantasy"`
and lists the modules with the largest cumulative import time.

`--update-readme` rewrites the "Import time" section of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import platform
import re
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
    ("`import fantasy.cli` (`fantasy --help`)", "import fantasy.cli"),
]

IMPORTTIME_STATEMENTS = ["import fantasy", "from fantasy import Agent, tool"]

_IMPORTTIME = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(\s*)(\S+)")


def wall_times(statement: str, runs: int) -> list[float] | None:
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", statement], capture_output=True, check=False
        )
        elapsed = time.perf_counter() - start
        if completed.returncode != 0:
            return None
        times.append(elapsed)
    return times


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
        f"| statement | median wall (ms, n={runs}) | import cost (ms, minus empty) |",
        "|---|---:|---:|",
    ]
    empty: float | None = None
    for label, statement in TARGETS:
        times = wall_times(statement, runs)
        if times is None:
            lines.append(f"| {label} | failed | |")
            continue
        median = statistics.median(times) * 1000
        if empty is None:
            empty = median
            lines.append(f"| {label} | {median:.1f} | 0.0 |")
        else:
            lines.append(f"| {label} | {median:.1f} | {median - empty:.1f} |")
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
        f"{platform.system()} {platform.machine()}; {runs} fresh subprocesses per row."
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
