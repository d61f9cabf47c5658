"""Benchmark: the experiment CLV projection (`clv.project_arms`, as the Results page runs it).

Seeds the demo store (N customers, seed 7, four arms) in a temporary file, then, best of
--repeats, times `project_arms` with 100 bootstrap replicates: the default (one pooled fit on
behaviour after the levers' direct window, with the held-back check) and per-arm fits. The
table also shows each lever's projected 12-month difference vs control and whether the check
passed, beside the demo's true future value (`known_effects`, future_margin_12m).

Usage:
    python bench/bench_clv_projection.py [--customers 400000] [--repeats 2]

Writes bench/results/clv_projection.md and prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "clv_projection.md"
sys.path.insert(0, str(ROOT))

from experiments import clv, demo  # noqa: E402
from experiments.store import Store  # noqa: E402

# Measured on main before the change (9ec7554: per-arm fits on behaviour since assignment, no
# check), same demo stores, 100 replicates, best of 3, on this shared machine.
BEFORE = {100_000: 8.24, 400_000: 23.25}


def run(customers: int, repeats: int) -> str:
    with tempfile.TemporaryDirectory() as directory:
        store = Store(Path(directory) / "demo.duckdb")
        demo.seed_demo(store, customers=customers, seed=7, replace=True)
        with store.cursor() as cur:
            truth = dict(
                cur.execute(
                    "SELECT arm, true_value FROM known_effects WHERE metric = ?",
                    [demo.FUTURE_MARGIN_METRIC],
                ).fetchall()
            )
        rows = []
        for method in ("pooled", "per_arm"):
            best, result = float("inf"), None
            for _ in range(repeats):
                started = time.perf_counter()
                result = clv.project_arms(store, 1, bootstrap=100, method=method)  # type: ignore[arg-type]
                best = min(best, time.perf_counter() - started)
            assert result is not None
            rows.append((method, best, result))
        store.close()
    before = BEFORE.get(customers)
    lines = [
        "# Experiment CLV projection (`clv.project_arms`, 100 bootstrap replicates)",
        "",
        f"Run {datetime.now().isoformat(timespec='seconds')} on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared with other work; load average "
        f"{os.getloadavg()[0]:.1f}), Python {platform.python_version()}; best of {repeats}.",
        f"Demo store: {customers:,} customers, seed 7.",
        "",
        "| method | seconds | lever | vs control | 95% interval | check | true future value |",
        "|---|---:|---|---:|---|---|---:|",
    ]
    for method, seconds, result in rows:
        for arm in result.arms:
            if arm.kind == "control":
                continue
            interval = (
                f"[{arm.ci_lower:+.0f}, {arm.ci_upper:+.0f}]" if arm.ci_lower is not None else "-"
            )
            difference = f"{arm.difference:+.0f}" if arm.difference is not None else arm.status
            passed = arm.check.passed if arm.check else None
            lines.append(
                f"| {method} | {seconds:.2f} | {arm.name} | {difference} | {interval} | "
                f"{'passed' if passed else 'failed' if passed is False else 'not run'} | "
                f"{truth.get(arm.name, float('nan')):+.0f} |"
            )
    if before is not None:
        lines += [
            "",
            f"Before (per-arm fits since assignment, no check; main 9ec7554): {before:.2f} s.",
        ]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    report = run(args.customers, args.repeats)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
