"""fantasy against its floors and peers on one loopback Chat Completions SSE server.

    python benchmarks/peers/run.py --quick            # ~2 minutes on a loaded 2-core box
    python benchmarks/peers/run.py                    # more repetitions, 1,000 concurrent too
    python benchmarks/peers/run.py --sizes 50 --reps 1 --concurrency 4x20 --out /tmp/x.json

Starts ``server.py`` in its own process, then runs every client of ``clients.py`` in a
fresh subprocess per (client, kind, N): one warm-up stream and ``--reps`` timed ones.
The figure is client CPU per chunk (µs, min and median over the repetitions); ratios are
to the httpx floor (httpx + byte line split + orjson/json) and the asyncio floor. Peers
(openai SDK, ...) are measured only when importable here; the benchmark never installs
them (see benchmarks/README.md for a separate venv). Prints a Markdown table and writes
the raw figures as JSON (``--out``, default ``benchmarks/peers/results.json``).
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEQUENTIAL = [
    "asyncio-floor",
    "httpx-floor",
    "fantasy-model",
    "fantasy-agent",
    "fantasy-model+aiohttp",
    "fantasy-agent+aiohttp",
    "openai-sdk",
]
CONCURRENT = ["httpx-floor", "fantasy-agent", "fantasy-agent+aiohttp", "openai-sdk"]
NOT_MEASURED = {
    "anthropic SDK": "speaks the Anthropic dialect; this server serves Chat Completions only",
    "pydantic-ai": "no client adapter yet",
    "LiteLLM": "no client adapter yet",
}


def start_server() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "server.py")], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        sys.exit(f"server did not start: {line!r}")
    return proc, int(line.split()[1])


def run_client(
    port: int, client: str, kind: str, n: int, reps: int, conc: int
) -> dict[str, object]:
    cmd = [sys.executable, str(HERE / "clients.py"), "--client", client, "--kind", kind]
    cmd += ["--n", str(n), "--port", str(port), "--reps", str(reps), "--concurrency", str(conc)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{client} {kind} N={n} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repetitions, 200 concurrent only")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument(
        "--reps", type=int, default=None, help="timed streams per client (5; 3 with --quick)"
    )
    parser.add_argument(
        "--concurrency",
        nargs="*",
        default=None,
        help="STREAMSxCHUNKS runs (default 200x500, plus 1000x500 without --quick)",
    )
    parser.add_argument("--clients", nargs="+", default=None, help="only these clients")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    reps = args.reps or (3 if args.quick else 5)
    conc = (
        args.concurrency
        if args.concurrency is not None
        else (["200x500"] if args.quick else ["200x500", "1000x500"])
    )
    wanted = set(args.clients or SEQUENTIAL)

    server, port = start_server()
    started = time.time()
    report: dict[str, object] = {
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "reps": reps,
        "sizes": args.sizes,
        "sequential": [],
        "concurrent": [],
        "skipped": {},
        "not_measured": NOT_MEASURED,
    }
    seq: list[dict[str, object]] = report["sequential"]  # type: ignore[assignment]
    cc: list[dict[str, object]] = report["concurrent"]  # type: ignore[assignment]
    skipped: dict[str, str] = report["skipped"]  # type: ignore[assignment]
    try:
        for client in [c for c in SEQUENTIAL if c in wanted]:
            for kind in ("text", "tool"):
                for n in args.sizes:
                    out = run_client(port, client, kind, n, reps, 1)
                    if "skipped" in out:
                        skipped[client] = str(out["skipped"])
                        break
                    cpu = out["cpu_us_per_chunk"]
                    assert isinstance(cpu, list)
                    seq.append(
                        {
                            "client": client,
                            "kind": kind,
                            "n": n,
                            "min": min(cpu),
                            "median": statistics.median(cpu),
                            "max": max(cpu),
                            "json": out["json"],
                        }
                    )
                    print(
                        f"  {client:24} {kind:4} N={n:<6} min {min(cpu):7.2f} µs/chunk",
                        file=sys.stderr,
                    )
                if client in skipped:
                    break
        for spec in conc:
            streams, chunks = (int(x) for x in spec.split("x"))
            for client in [c for c in CONCURRENT if c in wanted and c not in skipped]:
                out = run_client(port, client, "text", chunks, 1, streams)
                if "skipped" in out:
                    skipped[client] = str(out["skipped"])
                    continue
                cc.append({"client": client, "streams": streams, "chunks": chunks, **out})
                print(f"  {client:24} {spec}: {out['wall_s']:.2f} s", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)
    report["seconds"] = round(time.time() - started, 1)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"\nraw figures: {args.out}")


def table(report: dict[str, object]) -> str:
    seq: list[dict[str, object]] = report["sequential"]  # type: ignore[assignment]
    sizes: list[int] = report["sizes"]  # type: ignore[assignment]

    def find(client: str, kind: str, n: int) -> dict[str, object] | None:
        return next((r for r in seq if (r["client"], r["kind"], r["n"]) == (client, kind, n)), None)

    lines = [
        f"Python {report['python']}, {report['machine']}; client CPU µs per chunk, "
        f"min (median) of {report['reps']} streams after a warm-up; x = ratio of min to the "
        "floor's min. Figures from a loaded, shared machine: compare ratios within one run.",
        "",
    ]
    head = (
        "| client | "
        + " | ".join(f"{kind} N={n:,}" for kind in ("text", "tool") for n in sizes)
        + " |"
    )
    lines += [head, "|---|" + "---:|" * (2 * len(sizes))]
    clients = list(dict.fromkeys(str(r["client"]) for r in seq))
    for client in clients:
        cells = []
        for kind in ("text", "tool"):
            for n in sizes:
                r = find(client, kind, n)
                if r is None:
                    cells.append("-")
                    continue
                cell = f"{r['min']:.1f} ({r['median']:.1f})"
                hx, aio = find("httpx-floor", kind, n), find("asyncio-floor", kind, n)
                ratios = []
                if hx and client != "httpx-floor":
                    ratios.append(f"{float(r['min']) / float(hx['min']):.2f}x httpx")  # type: ignore[arg-type]
                if aio and client not in ("asyncio-floor",) and client.endswith("aiohttp"):
                    ratios.append(f"{float(r['min']) / float(aio['min']):.2f}x asyncio")  # type: ignore[arg-type]
                cells.append(cell + (" " + ", ".join(ratios) if ratios else ""))
        lines.append(f"| {client} | " + " | ".join(cells) + " |")
    cc: list[dict[str, object]] = report["concurrent"]  # type: ignore[assignment]
    if cc:
        lines += [
            "",
            "| concurrent (streams x chunks, text) | client | wall (s) | CPU (s) "
            "| peak RSS growth (MB) |",
            "|---|---|---:|---:|---:|",
        ]
        for r in cc:
            lines.append(
                f"| {r['streams']} x {r['chunks']} | {r['client']} | {float(r['wall_s']):.2f} | "  # type: ignore[arg-type]
                f"{float(r['cpu_s']):.2f} | {float(r['rss_growth_mb']):.1f} |"  # type: ignore[arg-type]
            )
    skipped: dict[str, str] = report["skipped"]  # type: ignore[assignment]
    notes = [f"{k}: {v}" for k, v in skipped.items()]
    notes += [f"{k}: not measured ({v})" for k, v in report["not_measured"].items()]  # type: ignore[attr-defined]
    lines += ["", "Not in the table: " + "; ".join(notes) + "."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
