"""What the core install costs: distributions and megabytes, `pip install .` in a fresh venv.

    python benchmarks/install_size.py               # builds a venv in a temporary folder
    python benchmarks/install_size.py --venv PATH   # measures an existing venv instead

Counts every distribution in the venv's site-packages except pip and setuptools (they
come with any venv), fantasy included, and sums the size of the files each one
installed: with the bytecode pip compiles at install time, and without it (the source
and binary files alone). Prints one row per distribution, largest first.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"pip", "setuptools"}

# Run inside the measured venv: (name, bytes without bytecode, bytecode bytes) per distribution.
_PROBE = """
import importlib.metadata as md, json, os
seen, rows = set(), []
for dist in md.distributions():
    name = dist.metadata["Name"]
    if name in seen:
        continue
    seen.add(name)
    plain = compiled = 0
    for file in dist.files or []:
        try:
            size = os.path.getsize(dist.locate_file(file))
        except OSError:
            continue
        if str(file).endswith(".pyc"):
            compiled += size
        else:
            plain += size
    rows.append((name, plain, compiled))
print(json.dumps(rows))
"""


def measure(python: Path) -> list[tuple[str, int, int]]:
    out = subprocess.run(
        [str(python), "-c", _PROBE], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    rows = [(str(n), int(p), int(c)) for n, p, c in json.loads(out)]
    return sorted((row for row in rows if row[0] not in SKIP), key=lambda r: -(r[1] + r[2]))


def fresh_venv(folder: Path) -> Path:
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        check=True,
        timeout=900,
    )
    return python


def report(rows: list[tuple[str, int, int]]) -> str:
    lines = ["| distribution | installed (MB) | without bytecode (MB) |", "|---|---:|---:|"]
    for name, plain, compiled in rows:
        lines.append(f"| {name} | {(plain + compiled) / 1e6:.2f} | {plain / 1e6:.2f} |")
    total = sum(p + c for _, p, c in rows) / 1e6
    plain_total = sum(p for _, p, _ in rows) / 1e6
    lines.append(f"| **{len(rows)} distributions** | **{total:.1f}** | **{plain_total:.1f}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, help="measure this venv instead of a fresh one")
    args = parser.parse_args()
    if args.venv is not None:
        print(report(measure(args.venv / "bin" / "python")))
        return
    with tempfile.TemporaryDirectory(prefix="fantasy-install-") as folder:
        print(report(measure(fresh_venv(Path(folder)))))


if __name__ == "__main__":
    sys.exit(main())
