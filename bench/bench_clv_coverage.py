"""Coverage of the CLV projection's intervals against a known truth, main's bootstrap vs this one.

Experiments with two arms are drawn from BG/NBD + Gamma-Gamma with known parameters
(`clv.simulate_arm_summary`); each arm's true 12-month discounted margin per customer is exact
(`clv.true_future_clv`). For every scenario, method (one pooled fit, per-arm fits) and
implementation (main's code at --base, and this tree's), --datasets experiments are projected
with --bootstrap replicates (`project_arm_frame`, no held-back check, so the bootstrap
interval itself is tested) and the table reports how often the interval covers the true
difference (with its Monte Carlo standard error), the bias of the point estimate, the
standard deviation of the estimates across experiments (the truth the interval's width must
match) and the mean interval half-width over 1.96.

Usage:
    python bench/bench_clv_coverage.py [--datasets 200] [--customers 2000] [--bootstrap 100]
        [--base 0c343b9]

Writes bench/results/clv_coverage.md and prints it.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "clv_coverage.md"
sys.path.insert(0, str(ROOT))

from experiments import clv  # noqa: E402

SPEND = clv.GammaGammaParams(5.0, 4.0, 60.0)  # mean spend 100 per purchase day
BASE = clv.BgNbdParams(0.6, 40.0 / 7, 0.8, 3.0)  # weeks
SCENARIOS = {
    "no effect": BASE,
    "lasting +60% rate": clv.BgNbdParams(0.6, 25.0 / 7, 0.8, 3.0),
}
ARMS = pd.DataFrame({"arm_id": [0, 1], "name": ["Control", "Lever"], "kind": ["control", "gift"]})


def load_base(commit: str, directory: Path) -> ModuleType:
    """main's experiments/clv.py at `commit` as its own module (it imports only config and
    progress from `experiments`, which this tree has)."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:experiments/clv.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = directory / "clv_base.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("clv_base", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["clv_base"] = module
    spec.loader.exec_module(module)
    return module


def observation_lengths(customers: int, rng: np.random.Generator) -> np.ndarray:
    """24 to 28 whole weeks of follow-up (assignment spread over five weeks)."""
    return rng.integers(24, 29, customers).astype(float)


def run(
    datasets: int, customers: int, bootstrap: int, base_commit: str, scenarios: list[str]
) -> str:
    with tempfile.TemporaryDirectory() as directory:
        implementations = {"main": load_base(base_commit, Path(directory)), "this": clv}
        rows = []
        for scenario in scenarios:
            lever = SCENARIOS[scenario]
            T = observation_lengths(customers, np.random.default_rng(1))
            truth = clv.true_future_clv(lever, SPEND, T) - clv.true_future_clv(BASE, SPEND, T)
            for method in ("pooled", "per_arm"):
                for name, module in implementations.items():
                    estimates, lows, highs = [], [], []
                    started = time.perf_counter()
                    for number in range(datasets):
                        rng = np.random.default_rng(1000 + number)
                        summary = clv.simulate_arm_summary({0: BASE, 1: lever}, SPEND, T, rng)
                        result = module.project_arm_frame(
                            summary, ARMS, bootstrap=bootstrap, seed=number, method=method
                        )
                        arm = result.arms[1]
                        if arm.ci_lower is None:
                            continue
                        estimates.append(arm.difference)
                        lows.append(arm.ci_lower)
                        highs.append(arm.ci_upper)
                    seconds = (time.perf_counter() - started) / datasets
                    e, lo, hi = np.array(estimates), np.array(lows), np.array(highs)
                    covered = float(np.mean((lo <= truth) & (truth <= hi)))
                    rows.append(
                        (
                            scenario,
                            truth,
                            method,
                            name,
                            len(e),
                            covered,
                            math.sqrt(covered * (1 - covered) / max(len(e), 1)),
                            float(e.mean() - truth),
                            float(e.std(ddof=1)),
                            float(np.mean(hi - lo) / 2 / 1.96),
                            seconds,
                        )
                    )
                    print(rows[-1], flush=True)
    lines = [
        "# CLV projection: coverage of the bootstrap interval against a known truth",
        "",
        f"Run {datetime.now().isoformat(timespec='seconds')} on {platform.machine()}, "
        f"{os.cpu_count()} cores (shared; load average {os.getloadavg()[0]:.1f}), Python "
        f"{platform.python_version()}. {datasets} simulated experiments per row, two arms of "
        f"{customers:,} customers, 24-28 weeks of follow-up (whole weeks), {bootstrap} "
        "bootstrap replicates, "
        f"95% percentile intervals, `project_arm_frame` without the held-back check. main = "
        f"{base_commit} (per-arm: full refits per replicate; pooled: customers' predictions "
        "resampled under the fixed point fit); this = cells, BG/NBD refitted, Gamma-Gamma one "
        "Newton step, for both methods.",
        "",
        "| scenario | true difference | method | code | experiments | coverage (+- MC s.e.) "
        "| bias | sd of estimates | mean half-width / 1.96 | seconds per experiment |",
        "|---|---:|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for scenario, truth, method, name, n, cov, se, bias, sd, width, seconds in rows:
        lines.append(
            f"| {scenario} | {truth:+.2f} | {method} | {name} | {n} | {cov:.3f} +- {se:.3f} | "
            f"{bias:+.2f} | {sd:.2f} | {width:.2f} | {seconds:.3f} |"
        )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--base", default="0c343b9")
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    args = parser.parse_args()
    scenarios = args.scenario or list(SCENARIOS)
    report = run(args.datasets, args.customers, args.bootstrap, args.base, scenarios)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
