"""Benchmark: DuckDB settings against time and memory at 1M customers (#15).

Each setting runs in fresh processes, interleaved round by round so the load of a shared machine
falls on every setting alike, each on a fresh copy of the store:

* analysis: `metrics.aggregate_experiment` alone (the Results page's query), and the floor
  `count(DISTINCT customer_id)` over transactions in the same process;
* pages: the app in AppTest, Results first (as `/` opens), then Customers; the Results first
  open's server time and the process's peak resident set (VmHWM) after both pages - the
  server's peak with the browser taken out (bench/bench_customers.py measures it with one).

Usage:
    python bench/bench_memory.py [--db /tmp/demo1m.duckdb] [--rounds 2]

Writes bench/results/memory.md and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "memory.md"
SPILL = "/tmp/speed2-spill"

# label -> environment (LOYALTY_LAB_DUCKDB_*: experiments.config)
SETTINGS: dict[str, dict[str, str]] = {
    "unset": {"LOYALTY_LAB_DUCKDB_MEMORY": ""},
    "512MB": {"LOYALTY_LAB_DUCKDB_MEMORY": "512MB"},
    "768MB": {"LOYALTY_LAB_DUCKDB_MEMORY": "768MB"},
    "1GB": {"LOYALTY_LAB_DUCKDB_MEMORY": "1GB"},
    "512MB, threads 1": {"LOYALTY_LAB_DUCKDB_MEMORY": "512MB", "LOYALTY_LAB_DUCKDB_THREADS": "1"},
    "512MB, no insertion order": {
        "LOYALTY_LAB_DUCKDB_MEMORY": "512MB",
        "LOYALTY_LAB_DUCKDB_PRESERVE_ORDER": "false",
    },
    "512MB, temp_directory": {
        "LOYALTY_LAB_DUCKDB_MEMORY": "512MB",
        "LOYALTY_LAB_DUCKDB_TEMP": SPILL,
    },
    "768MB, no insertion order": {
        "LOYALTY_LAB_DUCKDB_MEMORY": "768MB",
        "LOYALTY_LAB_DUCKDB_PRESERVE_ORDER": "false",
    },
    "unset, threads 1": {"LOYALTY_LAB_DUCKDB_MEMORY": "", "LOYALTY_LAB_DUCKDB_THREADS": "1"},
}


def _peak() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def child_analysis() -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from experiments import metrics
    from experiments.store import Store

    store = Store(os.environ["LOYALTY_LAB_DB"])
    with store.cursor() as cur:
        started = time.perf_counter()
        cur.execute("SELECT count(DISTINCT customer_id) FROM transactions").fetchall()
        floor = time.perf_counter() - started
    started = time.perf_counter()
    metrics.aggregate_experiment(store, 1)
    seconds = time.perf_counter() - started
    return {"floor": floor, "seconds": seconds, "peak": _peak()}


def child_pages() -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_customers import child_apptest

    got = child_apptest(ROOT)
    return {"results": got["results_seconds"], "customers": got["first_open"], "peak": _peak()}


def run(mode: str, db: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), mode],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **env, "LOYALTY_LAB_DB": str(db)},
        cwd=ROOT,
    )
    if done.returncode:  # e.g. DuckDB's "Out of Memory Error" under a tight limit
        errors = [line for line in done.stderr.splitlines() if "Error" in line]
        return {"failed": (errors or done.stderr.splitlines() or ["?"])[-1][:160]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("/tmp/demo1m.duckdb"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="setting labels to run (default: all)")
    parser.add_argument("--mode", choices=("analysis", "pages"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode == "analysis":
        print(json.dumps(child_analysis()))
        return
    if args.mode == "pages":
        print(json.dumps(child_pages()))
        return
    Path(SPILL).mkdir(exist_ok=True)
    settings = {k: v for k, v in SETTINGS.items() if not args.only or k in args.only}
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="speed2-memory-", dir="/tmp"))
    got: dict[str, list[dict[str, float]]] = {label: [] for label in settings}
    try:
        db = work / "store.duckdb"
        for r in range(args.rounds):
            for label, env in settings.items():
                shutil.copyfile(args.db, db)
                os.chmod(db, 0o644)
                analysis = run("--mode=analysis", db, env)
                shutil.copyfile(args.db, db)
                pages = run("--mode=pages", db, env)
                row = {**analysis, **{f"pages_{k}": v for k, v in pages.items()}}
                row["load"] = os.getloadavg()[0]
                got[label].append(row)
                print(r, label, json.dumps(row), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = render(args, got, load_before, os.getloadavg())
    RESULTS.write_text(report)
    print(report)


def render(args, got, load_before, load_after) -> str:  # type: ignore[no-untyped-def]
    def best(label: str, key: str) -> float:
        values = [float(r[key]) for r in got[label] if key in r]
        return min(values) if values else float("nan")

    def worst(label: str, key: str) -> float:
        values = [float(r[key]) for r in got[label] if key in r]
        return max(values) if values else float("nan")

    base = "unset" if "unset" in got else next(iter(got))
    lines = [
        "# DuckDB settings: the Results query, the Results first open and the peak memory (#15)",
        "",
        f"Run {time.strftime('%Y-%m-%dT%H:%M:%S')} on {platform.machine()}, {os.cpu_count()} "
        f"cores shared with other work (load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after). Store: {args.db}, a fresh copy per process. "
        f"{args.rounds} rounds, the settings interleaved within each; best of the rounds for "
        "times, the highest for the peak. Ratios against the first row, same run.",
        "",
        "| setting | floor | query | query / floor | query vs base | Results first open "
        "| vs base | peak RSS (Results + Customers) | query process peak | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label in got:
        q, f = best(label, "seconds"), best(label, "floor")
        p = best(label, "pages_results")
        failures = "; ".join(str(r[k]) for r in got[label] for k in r if k.endswith("failed"))
        lines.append(
            f"| {label} | {f:.2f} s | {q:.2f} s | {q / f:.1f}x "
            f"| {q / best(base, 'seconds'):.2f}x | {p:.2f} s "
            f"| {p / best(base, 'pages_results'):.2f}x "
            f"| {worst(label, 'pages_peak') / 2**20:.0f} MiB "
            f"| {worst(label, 'peak') / 2**20:.0f} MiB | {failures or '-'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
