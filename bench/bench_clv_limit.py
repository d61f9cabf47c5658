"""Benchmark: the per-arm CLV projection when BG/NBD fits are its constant-dropout limit.

Four arms of --customers / 4 customers each, drawn (days since assignment, 150-200 days of
follow-up) from BG/NBD with one drop-out chance p = 0.03 for every customer (the demo's per-arm
control: the limit), and, as the baseline measured in the same run, from a Beta mixture with
the same mean p (a = 3.3, b = 107: the demo's pooled fit). Each is projected with
`project_arm_frame(..., bootstrap=100)` as `project_arms` calls it (per arm and pooled),
interleaved A/B, best of --repeats, CPU time (time.process_time) beside wall time. Target
(#15): a projection per lever at 1M customers <= 5 s; here per lever = time / 3 levers.

Usage:
    python bench/bench_clv_limit.py [--customers 100000] [--repeats 3]

Writes bench/results/clv_limit.md and prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from experiments import clv  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "clv_limit.md"
SPEND = clv.GammaGammaParams(5.0, 4.0, 60.0)
TRUTHS = {
    "limit (p = 0.03)": clv.BgNbdParams.constant(0.33, 17.0, 0.03),
    "Beta(3.3, 107) (baseline)": clv.BgNbdParams(0.33, 17.0, 3.3, 106.7),
}
ARMS = pd.DataFrame(
    {
        "arm_id": [1, 2, 3, 4],
        "name": ["Control", "Discount", "Gift", "Call"],
        "kind": ["control", "discount", "gift", "outreach"],
    }
)


def summary(truth: clv.BgNbdParams, customers: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    T = rng.integers(150, 200, customers // 4).astype(float)
    frame = clv.simulate_arm_summary(dict.fromkeys(range(1, 5), truth), SPEND, T, rng)
    # the store's summaries are in whole days: recency too
    frame["recency"] = np.floor(frame["recency"])
    return frame


def timed(frame: pd.DataFrame, method: str) -> tuple[float, float, clv.ProjectionResult]:
    started, started_cpu = time.perf_counter(), time.process_time()
    result = clv.project_arm_frame(
        frame,
        ARMS,
        bootstrap=100,
        seed=1,
        method=method,
        time_unit="days",  # type: ignore[arg-type]
    )
    return time.perf_counter() - started, time.process_time() - started_cpu, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    frames = {name: summary(truth, args.customers, 5) for name, truth in TRUTHS.items()}
    best: dict[tuple[str, str], tuple[float, float]] = {}
    models: dict[tuple[str, str], str] = {}
    for _ in range(args.repeats):
        for method in ("per_arm", "pooled"):
            for name, frame in frames.items():  # interleaved A/B
                wall, cpu, result = timed(frame, method)
                key = (name, method)
                old = best.get(key, (float("inf"), float("inf")))
                best[key] = (min(old[0], wall), min(old[1], cpu))
                models[key] = ", ".join(
                    f"{a.name}: {a.dropout_model or a.status}" for a in result.arms
                ) + (f"; failed replicates {result.failed_replicates}")
    lines = [
        "# CLV projection with BG/NBD's constant-dropout limit",
        "",
        f"{datetime.now():%Y-%m-%d %H:%M}, {platform.processor() or platform.machine()}, "
        f"load average {os.getloadavg()[0]:.2f}; {args.customers:,} customers in 4 arms, "
        f"bootstrap 100, best of {args.repeats} (`python bench/bench_clv_limit.py`).",
        "",
        "| truth | method | wall s | CPU s | CPU s per lever | CPU ratio to baseline "
        "| fits (dropout model) |",
        "|---|---|---|---|---|---|---|",
    ]
    baseline = "Beta(3.3, 107) (baseline)"
    for method in ("per_arm", "pooled"):
        for name in TRUTHS:
            wall, cpu = best[(name, method)]
            ratio = cpu / best[(baseline, method)][1]
            lines.append(
                f"| {name} | {method} | {wall:.2f} | {cpu:.2f} | {cpu / 3:.2f} | {ratio:.2f} "
                f"| {models[(name, method)]} |"
            )
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
