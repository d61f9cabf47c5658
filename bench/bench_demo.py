"""Time the demo generator and its peak memory at several sizes; write bench/results/demo.md.

    python bench/bench_demo.py                      # 100k and 1M customers
    python bench/bench_demo.py --sizes 100000 5000000

Each size runs in its own Python process into a fresh DuckDB file, so the peak RSS
(resource.getrusage ru_maxrss of that process) is the generator's and nothing else's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "demo.md"


def run_one(customers: int, seed: int, directory: Path) -> dict[str, float]:
    """Seed `customers` into a fresh store in this process; returns the measurements."""
    sys.path.insert(0, str(ROOT))
    from experiments import demo
    from experiments.store import Store

    path = directory / f"demo_{customers}.duckdb"
    store = Store(path)
    started = time.perf_counter()
    demo.seed_demo(store, customers=customers, seed=seed, replace=True)
    seconds = time.perf_counter() - started
    with store.cursor() as cur:
        row = cur.execute("SELECT count(*) FROM transactions").fetchone()
    store.close()
    transactions = int(row[0]) if row else 0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "customers": customers,
        "transactions": transactions,
        "seconds": seconds,
        "rows_per_second": transactions / seconds,
        "peak_rss_mb": peak_kb / 1024,
        "db_mb": path.stat().st_size / 2**20,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one is not None:
        print(json.dumps(run_one(args.one, args.seed, args.dir)))
        return 0

    results = []
    print(_HEADER, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_demo_") as directory:
        for size in args.sizes:
            completed = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    str(size),
                    "--seed",
                    str(args.seed),
                    "--dir",
                    directory,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(completed.stdout.strip().splitlines()[-1])
            results.append(result)
            print(_row(result), flush=True)
            Path(directory, f"demo_{size}.duckdb").unlink(missing_ok=True)

    table = "\n".join([_HEADER, *(_row(r) for r in results)])
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now():%Y-%m-%d}, load average {os.getloadavg()[0]:.1f} at the end "
        "(other work on the cores slows the timings)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        "# Demo generator: `demo.seed_demo` into a fresh DuckDB file\n\n"
        f"Seed {args.seed}; one process per size; peak RSS = ru_maxrss of that process.\n"
        f"Machine: {machine}. Reproduce: `python bench/bench_demo.py --sizes "
        f"{' '.join(str(s) for s in args.sizes)}`.\n\n{table}\n",
        encoding="utf-8",
    )
    print(f"written to {args.out}")
    return 0


_HEADER = (
    "| customers | transactions | seconds | transactions/s | peak RSS MB | DuckDB file MB |\n"
    "|---:|---:|---:|---:|---:|---:|"
)


def _row(r: dict[str, float]) -> str:
    return (
        f"| {r['customers']:,.0f} | {r['transactions']:,.0f} | {r['seconds']:.1f} | "
        f"{r['rows_per_second']:,.0f} | {r['peak_rss_mb']:,.0f} | {r['db_mb']:,.0f} |"
    )


if __name__ == "__main__":
    sys.exit(main())
