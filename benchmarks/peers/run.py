"""fantasy against its floors and peers, on one loopback SSE server for every dialect.

    bash benchmarks/peers/run.sh --quick     # from a fresh clone: makes its own venv (~15 min)
    python benchmarks/peers/run.py --quick   # in an environment you prepared
    python benchmarks/peers/run.py --sizes 50 --reps 1 --concurrency 4x20 --out /tmp/x.json

Starts ``server.py`` in its own process, then runs every client of ``clients.py`` in a
fresh subprocess per (client, dialect, kind, N, mode): one warm-up stream and ``--reps``
timed ones, every result checked exactly. The figure is client CPU per chunk (µs, min
and median over the repetitions); ratios are to the httpx floor (httpx + byte line
split + orjson/json) and the asyncio floor. Then concurrent streams on one loop, import
time and the core install's footprint. Peers (openai and anthropic SDKs, pydantic-ai,
LiteLLM) are measured only when importable here. Prints Markdown tables, the issue's
targets marked met / not met, and writes the raw figures as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
from footprint import core_install, import_times  # noqa: E402
from scenarios import DIALECTS, KINDS  # noqa: E402

FLOORS = ["asyncio-floor", "httpx-floor"]
FANTASY = ["fantasy-model", "fantasy-agent", "fantasy-model+aiohttp", "fantasy-agent+aiohttp"]
PEERS = ["openai-sdk", "anthropic-sdk", "pydantic-ai", "litellm"]
SEQUENTIAL = FLOORS + FANTASY + PEERS
TARGETED = [*FLOORS, "fantasy-agent", "fantasy-agent+aiohttp"]
CONCURRENT = ["httpx-floor", "fantasy-agent", "fantasy-agent+aiohttp", "openai-sdk"]
README_BLOCKS = {
    REPO / "benchmarks" / "README.md": ("<!-- peers:start -->", "<!-- peers:end -->"),
    REPO / "README.md": ("<!-- peers-summary:start -->", "<!-- peers-summary:end -->"),
}

Row = dict[str, Any]


def start_server(pace_ms: float) -> tuple[subprocess.Popen[str], int]:
    cmd = [sys.executable, str(HERE / "server.py"), "--pace-ms", str(pace_ms)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        proc.wait()
        sys.exit(f"server did not start: {line!r}")
    return proc, int(line.split()[1])


def run_client(
    port: int, client: str, dialect: str, scenarios: list[str], reps: int, conc: int
) -> Row:
    """One client process: ``{"results": [...]}``, ``{"skipped": why}`` or ``{"error": why}``."""
    cmd = [sys.executable, str(HERE / "clients.py"), "--client", client, "--dialect", dialect]
    cmd += ["--port", str(port), "--reps", str(reps), "--concurrency", str(conc)]
    cmd += ["--scenarios", *scenarios]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after 3600 s"}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no output)"]
        return {"error": f"exit {done.returncode}: {lines[-1][:300]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def plan(args: argparse.Namespace) -> Iterable[tuple[str, str, list[str]]]:
    """(client, dialect, ``KIND:N:MODE`` scenarios) of each sequential process, floors first.

    ``--quick`` runs the larger sizes only where a target reads them (the floors and the
    agent stream, text and tool arguments); everything else at the smallest N.
    """
    clients = [c for c in SEQUENTIAL if c in set(args.clients or SEQUENTIAL)]
    for dialect in args.dialects:
        for client in clients:
            scenarios = []
            for mode in args.modes:
                sizes = args.sizes if mode == "burst" else [args.paced_n]
                for kind in args.kinds:
                    small = args.quick and (client not in TARGETED or kind == "reasoning")
                    scenarios += [f"{kind}:{n}:{mode}" for n in (sizes[:1] if small else sizes)]
            yield client, dialect, scenarios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few minutes: see --help")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--paced-n", type=int, default=None, help="N in paced mode (500; 200)")
    parser.add_argument("--pace-ms", type=float, default=1.0, help="gap between paced events")
    parser.add_argument(
        "--modes", nargs="+", choices=("burst", "paced"), default=["burst", "paced"]
    )
    parser.add_argument("--dialects", nargs="+", choices=DIALECTS, default=list(DIALECTS))
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--reps", type=int, default=None, help="timed streams per run (5; 3)")
    parser.add_argument(
        "--concurrency",
        nargs="*",
        default=None,
        help="STREAMSxCHUNKS runs, Chat Completions text (200x500 1000x500)",
    )
    parser.add_argument("--clients", nargs="+", choices=SEQUENTIAL, default=None)
    parser.add_argument("--import-runs", type=int, default=None, help="0 skips (20; 10)")
    parser.add_argument("--no-install", action="store_true", help="skip the core install size")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--update-readme", action="store_true", help="write the tables into the READMEs"
    )
    args = parser.parse_args()
    reps = args.reps or (3 if args.quick else 5)
    args.sizes = sorted(args.sizes)
    args.paced_n = args.paced_n or (100 if args.quick else 500)
    conc = args.concurrency if args.concurrency is not None else ["200x500", "1000x500"]
    import_runs = args.import_runs if args.import_runs is not None else (10 if args.quick else 20)

    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "packages": versions(),
        "quick": args.quick,
        "reps": reps,
        "sizes": args.sizes,
        "paced_n": args.paced_n,
        "pace_ms": args.pace_ms,
        "sequential": [],
        "concurrent": [],
        "skipped": {},
        "failed": [],
    }
    started = time.time()
    server, port = start_server(args.pace_ms)
    try:
        measure(args, report, port, reps, conc)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not args.no_install:
        log("core install (fresh venv, pip install .) and import time there ...")
        report["install"] = core_install(import_runs)
        report["imports_ms"] = report["install"].pop("imports_ms", None)
    elif import_runs:
        log("import time (this environment) ...")
        report["imports_ms"] = import_times(sys.executable, import_runs)
    report["seconds"] = round(time.time() - started, 1)
    report["targets"] = targets(report)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    text = tables(report)
    print(text)
    print(f"\nraw figures: {args.out}")
    if args.update_readme:
        update_readmes(report, text)


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for name in (
        "fantasy",
        "httpx",
        "orjson",
        "httpx-aiohttp",
        "aiohttp",
        "openai",
        "anthropic",
        "pydantic-ai-slim",
        "litellm",
    ):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return out


def measure(
    args: argparse.Namespace, report: dict[str, Any], port: int, reps: int, conc: list[str]
) -> None:
    skipped: dict[str, str] = report["skipped"]
    gone: set[str] = set()  # clients not importable here
    for client, dialect, scenarios in plan(args):
        if client in gone:
            continue
        log(f"  {client} / {dialect}: {len(scenarios)} scenarios ...")
        out = run_client(port, client, dialect, scenarios, reps, 1)
        if "skipped" in out:
            reason = str(out["skipped"])
            if reason.startswith("not installed"):
                gone.add(client)
                skipped[client] = reason
            else:
                skipped[f"{client} / {dialect}"] = reason
            continue
        where = {"client": client, "dialect": dialect}
        if "error" in out:
            report["failed"].append({**where, "why": out["error"]})
            log(f"    FAILED: {out['error']}")
            continue
        for result in out["results"]:
            record(
                report,
                {**where, "kind": result["kind"], "n": result["n"], "mode": result["mode"]},
                result,
                out["json"],
            )
    for spec in conc:
        streams, chunks = (int(x) for x in spec.split("x"))
        for client in CONCURRENT:
            if client in gone or (args.clients and client not in args.clients):
                continue
            if args.quick and client in PEERS and streams > 200:
                continue  # --quick: the SDK's 1,000 streams take minutes
            out = run_client(port, client, "chat", [f"text:{chunks}:burst"], 1, streams)
            where = {"client": client, "streams": streams, "chunks": chunks}
            if "skipped" in out:
                skipped[client] = str(out["skipped"])
                continue
            result = out["results"][0] if "results" in out else out
            if "mismatch" in result or "error" in result:
                report["failed"].append({**where, "why": result.get("mismatch") or result["error"]})
                log(f"  {client:22} {spec}: FAILED {report['failed'][-1]['why']}")
                continue
            row = {k: v for k, v in result.items() if k not in ("kind", "n", "mode")}
            report["concurrent"].append({**where, **row})
            log(f"  {client:22} {spec}: {row['wall_s']:.2f} s, +{row['rss_growth_mb']:.1f} MB")


def record(report: dict[str, Any], where: Row, result: Row, parser: str) -> None:
    label = f"    {where['kind']:9} N={where['n']:<6} {where['mode']}:"
    if "mismatch" in result:
        report["failed"].append({**where, "why": result["mismatch"]})
        log(f"{label} WRONG RESULT {result['mismatch']}")
        return
    cpu = result["cpu_us_per_chunk"]
    report["sequential"].append(
        {
            **where,
            "min": min(cpu),
            "median": statistics.median(cpu),
            "max": max(cpu),
            "wall_min": min(result["wall_us_per_chunk"]),
            "json": parser,
        }
    )
    log(f"{label} min {min(cpu):8.2f} µs/chunk")


# --- reading the figures --------------------------------------------------------------


def find(
    report: dict[str, Any], client: str, dialect: str, kind: str, n: int, mode: str = "burst"
) -> Row | None:
    key = (client, dialect, kind, n, mode)
    return next(
        (
            r
            for r in report["sequential"]
            if (r["client"], r["dialect"], r["kind"], r["n"], r["mode"]) == key
        ),
        None,
    )


def ratio(
    report: dict[str, Any],
    client: str,
    floor: str,
    dialect: str,
    kind: str,
    n: int,
    mode: str = "burst",
) -> float | None:
    a, b = find(report, client, dialect, kind, n, mode), find(report, floor, dialect, kind, n, mode)
    return float(a["min"]) / float(b["min"]) if a and b and b["min"] > 0 else None


def target_row(name: str, values: list[float], limit: float, unit: str) -> Row:
    """One target: the measured range, the limit, and met / not met (by how much)."""
    if not values:
        return {"target": name, "status": "not measured"}
    worst = max(values)
    digits = 0 if unit == "" else 2  # counts are whole numbers

    def show(v: float) -> str:
        return f"{v:.{digits}f}{unit}"

    return {
        "target": name,
        "measured": f"{show(min(values))} - {show(worst)}" if len(values) > 1 else show(worst),
        "limit": f"<= {limit:g}{unit}",
        "status": "met" if worst <= limit else f"not met (by {show(worst - limit)})",
    }


def targets(report: dict[str, Any]) -> list[Row]:
    """The issue's targets, each with the measured value and met / not met."""
    out: list[Row] = []

    def add(name: str, values: list[float], limit: float, unit: str = "x") -> None:
        out.append(target_row(name, values, limit, unit))

    sizes = report["sizes"]
    for dialect in [d for d in DIALECTS if any(r["dialect"] == d for r in report["sequential"])]:
        pairs = [(k, n) for k in ("text", "tool") for n in sizes]
        add(
            f"agent stream, default, {dialect}: vs httpx floor (text, tool; N={sizes})",
            [
                r
                for k, n in pairs
                if (r := ratio(report, "fantasy-agent", "httpx-floor", dialect, k, n))
            ],
            1.5,
        )
        if len(sizes) > 1:
            growth = []
            for k in ("text", "tool"):
                lo = find(report, "fantasy-agent", dialect, k, min(sizes))
                hi = find(report, "fantasy-agent", dialect, k, max(sizes))
                if lo and hi:
                    growth.append(float(hi["min"]) / float(lo["min"]))
            add(
                f"agent stream, default, {dialect}: flat in N "
                f"(µs at N={max(sizes)} / N={min(sizes)})",
                growth,
                1.25,
            )
        add(
            f"agent stream, fast transport, {dialect}: vs httpx floor",
            [
                r
                for k, n in pairs
                if (r := ratio(report, "fantasy-agent+aiohttp", "httpx-floor", dialect, k, n))
            ],
            1.0,
        )
        add(
            f"agent stream, fast transport, {dialect}: vs asyncio floor",
            [
                r
                for k, n in pairs
                if (r := ratio(report, "fantasy-agent+aiohttp", "asyncio-floor", dialect, k, n))
            ],
            2.5,
        )
    cc = {(r["client"], r["streams"]): r for r in report["concurrent"]}
    default, httpx_, sdk = (
        cc.get(("fantasy-agent", 200)),
        cc.get(("httpx-floor", 200)),
        cc.get(("openai-sdk", 200)),
    )
    if default and httpx_:
        add(
            "200 x 500 concurrent, default: wall vs raw httpx",
            [default["wall_s"] / httpx_["wall_s"]],
            1.0,
        )
    if default and sdk:
        add(
            "200 x 500 concurrent, default: peak RSS growth vs openai SDK (MB)",
            [default["rss_growth_mb"] - sdk["rss_growth_mb"]],
            0.0,
            " MB",
        )
    if any(s >= 1000 for _, s in cc) or any(f.get("streams", 0) >= 1000 for f in report["failed"]):
        done = cc.get(("fantasy-agent", 1000))
        out.append(
            {
                "target": "1,000 concurrent streams complete (default)",
                "measured": f"{done['wall_s']:.1f} s, +{done['rss_growth_mb']:.1f} MB"
                if done
                else "-",
                "status": "met" if done else "not met",
            }
        )
    imports = report.get("imports_ms")
    if imports:  # fastest CPU over a bare interpreter (steadier than wall on a loaded box)
        for name, label, limit in (
            ("import fantasy", "`import fantasy`", 25),
            ("from fantasy import Agent, tool", "`from fantasy import Agent, tool`", 120),
            ("a ready model", "a ready model (import, provider, model)", 150),
        ):
            add(
                f"{label}: ms over a bare interpreter (CPU)",
                [imports[name]["cpu_ms"]],
                limit,
                " ms",
            )
    install = report.get("install")
    if install:
        add("core install: distributions", [install["distributions"]], 13, "")
        add("core install: size (MB)", [install["mb"]], 12, " MB")
    for peer, limit in (("openai-sdk", 0.46), ("pydantic-ai", 0.21)):
        values = [
            r
            for d in DIALECTS
            for k in ("text", "tool")
            for n in sizes
            if (r := ratio(report, "fantasy-agent", peer, d, k, n))
        ]
        add(f"agent stream vs {peer} (per chunk, burst)", values, limit)
    return out


def cell(report: dict[str, Any], row: Row) -> str:
    text = f"{row['min']:.1f} ({row['median']:.1f})"
    notes = []
    args = (row["dialect"], row["kind"], row["n"], row["mode"])
    if row["client"] != "httpx-floor" and (r := ratio(report, row["client"], "httpx-floor", *args)):
        notes.append(f"{r:.2f}x")
    if row["client"].endswith("aiohttp") and (
        r := ratio(report, row["client"], "asyncio-floor", *args)
    ):
        notes.append(f"{r:.2f}x aio")
    return text + (" " + ", ".join(notes) if notes else "")


def tables(report: dict[str, Any]) -> str:
    seq: list[Row] = report["sequential"]
    lines = [
        f"Python {report['python']}, {report['machine']}, {report['date']}; "
        + ", ".join(f"{k} {v}" for k, v in report["packages"].items())
        + ".",
        f"Client CPU µs per chunk, min (median) of {report['reps']} streams after a warm-up; "
        "`Nx` = min over the httpx floor's min (`aio`: over the asyncio floor's). "
        f"Paced: {report['pace_ms']:g} ms between events. **One run on a loaded, shared 2-core "
        "machine: compare the ratios within the run, not the absolute µs.**",
    ]
    for mode in ("burst", "paced"):
        rows = [r for r in seq if r["mode"] == mode]
        if not rows:
            continue
        columns = list(dict.fromkeys((r["kind"], r["n"]) for r in rows))
        columns.sort(key=lambda c: (KINDS.index(c[0]), c[1]))
        for dialect in DIALECTS:
            mine = [r for r in rows if r["dialect"] == dialect]
            if not mine:
                continue
            lines += ["", f"**{dialect}, {mode}**", ""]
            lines.append("| client | " + " | ".join(f"{k} N={n:,}" for k, n in columns) + " |")
            lines.append("|---|" + "---:|" * len(columns))
            for client in dict.fromkeys(r["client"] for r in mine):
                cells = []
                for kind, n in columns:
                    row = find(report, client, dialect, kind, n, mode)
                    failed = next(
                        (
                            f
                            for f in report["failed"]
                            if f.get("client") == client
                            and (f.get("dialect"), f.get("kind"), f.get("n"), f.get("mode"))
                            == (dialect, kind, n, mode)
                        ),
                        None,
                    )
                    cells.append(cell(report, row) if row else ("wrong result" if failed else "-"))
                lines.append(f"| {client} | " + " | ".join(cells) + " |")
    if report["concurrent"]:
        lines += [
            "",
            "| concurrent streams x chunks (Chat Completions text, one loop) | client "
            "| wall (s) | CPU (s) | peak RSS growth (MB) |",
            "|---|---|---:|---:|---:|",
        ]
        for r in report["concurrent"]:
            lines.append(
                f"| {r['streams']} x {r['chunks']} | {r['client']} | {r['wall_s']:.2f} | "
                f"{r['cpu_s']:.2f} | {r['rss_growth_mb']:.1f} |"
            )
    lines += footprint_lines(report)
    lines += ["", "| target (issue 13) | measured | limit | status |", "|---|---|---|---|"]
    for t in report["targets"]:
        lines.append(
            f"| {t['target']} | {t.get('measured', '-')} | {t.get('limit', '-')} | {t['status']} |"
        )
    notes = [f"{k}: {v}" for k, v in report["skipped"].items()]
    notes += [
        f"{f['client']} {f.get('dialect', '')} {f.get('kind', '')} "
        f"N={f.get('n', f.get('streams'))}: {str(f['why']).splitlines()[0]}"
        for f in report["failed"]
    ]
    if notes:
        lines += ["", "Not measured or wrong: " + "; ".join(notes) + "."]
    return "\n".join(lines)


def footprint_lines(report: dict[str, Any]) -> list[str]:
    """The import-time table and the core install line."""
    lines: list[str] = []
    if imports := report.get("imports_ms"):
        lines += [
            "",
            "| import, in the core install's venv | fastest CPU (ms) | median wall (ms) |",
            "|---|---:|---:|",
        ]
        for name, t in imports.items():
            label = "bare interpreter (itself)" if name == "empty interpreter" else f"`{name}`"
            if name == "a ready model":
                label = 'a ready model (`fantasy.language_model("openai:gpt-4o")`)'
            lines.append(f"| {label} | {t['cpu_ms']:.1f} | {t['wall_ms']:.1f} |")
        lines.append("(each minus the bare interpreter's, which is shown itself)")
    if install := report.get("install"):
        lines += [
            "",
            f"Core install (`pip install .` in a fresh venv, no extras): "
            f"{install['distributions']} distributions, {install['mb']:.1f} MB "
            f"({', '.join(install['names'])}).",
        ]
    return lines


def update_readmes(report: dict[str, Any], text: str) -> None:
    for path, (start, end) in README_BLOCKS.items():
        body = path.read_text()
        if start not in body or end not in body:
            log(f"{path}: no {start} ... {end} block; not updated")
            continue
        block = (
            text
            if path.name == "README.md" and path.parent.name == "benchmarks"
            else summary(report)
        )
        head, rest = body.split(start, 1)
        body = head + start + "\n" + block + "\n" + end + rest.split(end, 1)[1]
        path.write_text(body)
        log(f"updated {path}")


def summary(report: dict[str, Any]) -> str:
    """The short table for the top-level README: the agent stream per dialect."""
    sizes = report["sizes"]
    lines = [
        f"`bash benchmarks/peers/run.sh{' --quick' if report['quick'] else ''}`, "
        f"{report['date']}, one run on "
        "a loaded, shared 2-core machine (ratios within the run are what to compare). "
        f"`Agent.stream`, client CPU µs per chunk (burst, N = {' / '.join(map(str, sizes))}) "
        "and, in brackets, the ratio to the httpx floor (httpx + line split + orjson):",
        "",
        "| dialect | kind | default (httpx) | fast transport (`[fast]`) | openai SDK "
        "| anthropic SDK | pydantic-ai | LiteLLM |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for dialect in DIALECTS:
        for kind in KINDS:
            cells = []
            for client in (
                "fantasy-agent",
                "fantasy-agent+aiohttp",
                "openai-sdk",
                "anthropic-sdk",
                "pydantic-ai",
                "litellm",
            ):
                parts = []
                for n in sizes:
                    row = find(report, client, dialect, kind, n)
                    if row:
                        r = ratio(report, client, "httpx-floor", dialect, kind, n)
                        parts.append(f"{row['min']:.0f}" + (f" ({r:.1f}x)" if r else ""))
                cells.append(" / ".join(parts) or "-")
            if any(c != "-" for c in cells):
                lines.append(f"| {dialect} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
