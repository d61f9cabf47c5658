"""Coverage of the CLV projection's intervals against a known truth, before vs this tree.

Experiments with two arms of customers are drawn from BG/NBD + Gamma-Gamma with known
parameters and followed 12 months past their observation end. For each scenario, method (one
pooled fit, per-arm fits) and implementation (--base, a commit whose `experiments/` is
extracted to a temporary directory, and this tree), --datasets experiments are projected with
--bootstrap replicates (`project_arm_frame`, no held-back check, so the bootstrap interval
itself is tested). Every implementation projects
the same experiments (seeded), each in its own process (both run at once).

What the interval estimates (`ArmProjection.projected_clv`): the expected 12-month discounted
margin per customer of the population the arm's customers come from, given its parameters -
exact, `clv.true_future_clv`, the "truth" column. The table also reports how often the same
interval covers the realised future margin of the experiment's own customers (simulated past
T), which adds their future purchases' chance and which the interval does not claim to cover.

Per row: coverage of the truth with its Monte Carlo standard error sqrt(c(1-c)/n), coverage of
the realised value, bias of the point estimate, the standard deviation of the estimates across
experiments (the spread the interval's width must match), the mean interval half-width / the
normal quantile, the replicates dropped per experiment and the seconds per experiment.

Usage:
    python bench/bench_clv_coverage.py [--datasets 300] [--customers 2000] [--bootstrap 100]
        [--base main] [--seed 5000] [--scenario ...] [--method ...]

Writes bench/results/clv_coverage.md (this run's table under the notes kept there) and prints it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "clv_coverage.md"
MONTHS = 12
MARGIN_RATE = 0.35
MONTHLY_DISCOUNT_RATE = 0.01
WEEKS_PER_MONTH = 365.25 / 12 / 7
# spend: mean 100 per purchase day; purchases: time in weeks (as the bench's earlier runs)
SPEND = (5.0, 4.0, 60.0)
BASE = (0.6, 40.0 / 7, 0.8, 3.0)
SCENARIOS = {
    "no effect": BASE,
    "lasting +60% rate": (0.6, 25.0 / 7, 0.8, 3.0),
}
QUANTITIES = ("control", "lever", "difference")


def _experiment(clv, lever, T: np.ndarray, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    """One experiment's summary at T and each arm's realised discounted margin in the 12 months
    after T (customers simulated to T + 12 months, their purchases after T cut off)."""
    spend = clv.GammaGammaParams(*SPEND)
    frames, realised = [], []
    for arm_id, params in enumerate((BASE, lever)):
        sim = clv.simulate_customers(
            clv.BgNbdParams(*params), spend, T + MONTHS * WEEKS_PER_MONTH, rng
        )
        who, when, amount = sim.purchase_customer, sim.purchase_time, sim.purchase_spend
        before = when <= T[who]
        n = len(T)
        frequency = np.bincount(who[before], minlength=n).astype(float)
        recency = np.zeros(n)
        np.maximum.at(recency, who[before], when[before])
        total = np.bincount(who[before], weights=amount[before], minlength=n)
        monetary = np.divide(total, frequency, out=np.zeros(n), where=frequency > 0)
        offset = when[~before] - T[who[~before]]
        discount = (1 + MONTHLY_DISCOUNT_RATE) ** -np.ceil(offset / WEEKS_PER_MONTH)
        realised.append(float(np.sum(amount[~before] * discount) * MARGIN_RATE / n))
        revenue = frequency * monetary
        frames.append(
            pd.DataFrame(
                {
                    "arm_id": arm_id,
                    "frequency": frequency,
                    "recency": recency,
                    "T": T,
                    "monetary": monetary,
                    "revenue": revenue,
                    "margin": revenue * MARGIN_RATE,
                }
            )
        )
    return pd.concat(frames, ignore_index=True), realised


def speed_worker(args: argparse.Namespace) -> None:
    """Time `project_arm_frame` (--bootstrap replicates, both methods) on one experiment of
    --speed customers in four arms (control and three levers) with the code at --code."""
    sys.path.insert(0, str(Path(args.code).resolve()))
    from experiments import clv

    spend = clv.GammaGammaParams(*SPEND)
    levers = [BASE, SCENARIOS["lasting +60% rate"], (0.6, 30.0 / 7, 0.8, 3.0), BASE]
    rng = np.random.default_rng(args.seed)
    T = rng.integers(24, 29, args.speed // len(levers)).astype(float)
    summary = clv.simulate_arm_summary(
        {a: clv.BgNbdParams(*p) for a, p in enumerate(levers)}, spend, T, rng
    )
    # the store's summaries count time in whole days (recency) and here whole weeks (T), so
    # customers share cells; the simulation's continuous recency would make every one a cell
    summary["recency"] = np.floor(summary["recency"] * 7) / 7
    arms = pd.DataFrame(
        {"arm_id": [0, 1, 2, 3], "name": list("CABD"), "kind": ["control", "gift", "gift", "gift"]}
    )
    for method in ("pooled", "per_arm"):
        wall, cpu = time.perf_counter(), time.process_time()
        result = clv.project_arm_frame(summary, arms, bootstrap=args.bootstrap, method=method)
        row = {
            "method": method,
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "failed": result.failed_replicates,
            "intervals": [[a.ci_lower, a.ci_upper] for a in result.arms[1:]],
        }
        print(json.dumps(row), flush=True)


def worker(args: argparse.Namespace) -> None:
    """Project --datasets experiments with the code at --code; one JSON line per experiment."""
    sys.path.insert(0, str(Path(args.code).resolve()))
    from experiments import clv

    (scenario,), (method,) = args.scenario, args.method
    lever = SCENARIOS[scenario]
    T = np.random.default_rng(1).integers(24, 29, args.customers).astype(float)
    spend = clv.GammaGammaParams(*SPEND)
    truth = [clv.true_future_clv(clv.BgNbdParams(*p), spend, T) for p in (BASE, lever)]
    arms = pd.DataFrame(
        {"arm_id": [0, 1], "name": ["Control", "Lever"], "kind": ["control", "gift"]}
    )
    for number in range(args.datasets):
        summary, realised = _experiment(clv, lever, T, np.random.default_rng(args.seed + number))
        started = time.perf_counter()
        result = clv.project_arm_frame(
            summary, arms, bootstrap=args.bootstrap, seed=number, method=method
        )
        seconds = time.perf_counter() - started
        control, treated = result.arms
        row = {
            "truth": [*truth, truth[1] - truth[0]],
            "realised": [*realised, realised[1] - realised[0]],
            "estimate": [control.projected_clv, treated.projected_clv, treated.difference],
            "lower": [
                getattr(control, "projected_ci_lower", None),
                getattr(treated, "projected_ci_lower", None),
                treated.ci_lower,
            ],
            "upper": [
                getattr(control, "projected_ci_upper", None),
                getattr(treated, "projected_ci_upper", None),
                treated.ci_upper,
            ],
            "failed": result.failed_replicates,
            "seconds": seconds,
        }
        print(json.dumps(row), flush=True)


def _rows(lines: list[dict], quantile: float) -> list[tuple]:
    out = []
    for q, quantity in enumerate(QUANTITIES):
        usable = [r for r in lines if r["lower"][q] is not None and r["estimate"][q] is not None]
        if not usable:
            continue
        truth = usable[0]["truth"][q]
        e = np.array([r["estimate"][q] for r in usable])
        lo = np.array([r["lower"][q] for r in usable])
        hi = np.array([r["upper"][q] for r in usable])
        realised = np.array([r["realised"][q] for r in usable])
        covered = float(np.mean((lo <= truth) & (truth <= hi)))
        out.append(
            (
                quantity,
                truth,
                len(e),
                covered,
                math.sqrt(covered * (1 - covered) / len(e)),
                float(np.mean((lo <= realised) & (realised <= hi))),
                float(e.mean() - truth),
                float(e.std(ddof=1)),
                float(np.mean(hi - lo) / 2 / quantile),
            )
        )
    return out


def speed(
    args: argparse.Namespace, codes: dict[str, Path], commits: dict[str, str], started: datetime
) -> str:
    """Each implementation timed in turn (not at once), in its own process."""
    load = [os.getloadavg()[0]]
    rows = []
    for name, path in codes.items():
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                f"--speed={args.speed}",
                f"--bootstrap={args.bootstrap}",
                f"--seed={args.seed}",
                f"--code={path}",
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        ).stdout
        load.append(os.getloadavg()[0])
        rows += [(name, json.loads(line)) for line in output.splitlines() if line.strip()]
    lines = [
        f"## Speed, run {started.isoformat(timespec='seconds')}",
        "",
        f"`bench/bench_clv_coverage.py --speed {args.speed} --bootstrap {args.bootstrap}`: one "
        f"simulated experiment of {args.speed:,} customers in four arms (control + three "
        f"levers), recency in whole days as the store's summaries, `project_arm_frame` with "
        f"{args.bootstrap} replicates; load average "
        f"{min(load):.1f}-{max(load):.1f} on {os.cpu_count()} shared cores (wall time is "
        f"inflated by it, CPU time much less). before = {args.base} at {commits['before']}, "
        f"this = {commits['this']}.",
        "",
        "| method | code | wall s | CPU s | CPU s per lever | dropped replicates | "
        "first lever's interval |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, row in rows:
        low, high = row["intervals"][0]
        lines.append(
            f"| {row['method']} | {name} | {row['wall']:.2f} | {row['cpu']:.2f} | "
            f"{row['cpu'] / 3:.2f} | {row['failed']} | [{low:+.2f}, {high:+.2f}] |"
        )
    return "\n".join([*lines, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=300)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--base", default="main", help="commit to compare with")
    parser.add_argument("--seed", type=int, default=5000)
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    parser.add_argument("--method", action="append", choices=["pooled", "per_arm"])
    parser.add_argument(
        "--speed", type=int, default=0, help="time one experiment of this many customers instead"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        speed_worker(args) if args.speed else worker(args)
        return
    scenarios = args.scenario or list(SCENARIOS)
    methods = args.method or ["pooled", "per_arm"]
    base = Path(tempfile.mkdtemp(prefix="clv_coverage_base_"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", args.base, "experiments"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
    codes = {"before": base, "this": ROOT}
    commits = {
        name: subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", commit],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        for name, commit in (("before", args.base), ("this", "HEAD"))
    }
    load = [os.getloadavg()[0]]
    table = []
    started = datetime.now()
    if args.speed:
        lines = speed(args, codes, commits, started)
        shutil.rmtree(base, ignore_errors=True)
        print(lines)
        previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        RESULTS.write_text(previous.rstrip() + "\n\n" + lines, encoding="utf-8")
        return
    for scenario in scenarios:
        for method in methods:
            common = [
                sys.executable,
                __file__,
                "--worker",
                f"--scenario={scenario}",
                f"--method={method}",
                f"--datasets={args.datasets}",
                f"--customers={args.customers}",
                f"--bootstrap={args.bootstrap}",
                f"--seed={args.seed}",
            ]
            processes = {
                name: subprocess.Popen(
                    [*common, f"--code={path}"],
                    stdout=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                )
                for name, path in codes.items()
            }
            outputs = {name: p.communicate()[0] for name, p in processes.items()}
            load.append(os.getloadavg()[0])
            for name, output in outputs.items():
                lines = [json.loads(line) for line in output.splitlines() if line.strip()]
                seconds = float(np.mean([r["seconds"] for r in lines]))
                failed = float(np.mean([r["failed"] for r in lines]))
                for row in _rows(lines, 1.959964):
                    table.append((scenario, method, name, *row, failed, seconds))
                    print(table[-1], flush=True)
    lines = [
        f"## Run {started.isoformat(timespec='seconds')}",
        "",
        f"`bench/bench_clv_coverage.py --datasets {args.datasets} --customers {args.customers} "
        f"--bootstrap {args.bootstrap} --seed {args.seed}` on {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work (load average "
        f"{min(load):.1f}-{max(load):.1f}), Python {platform.python_version()}. before = "
        f"{args.base} at {commits['before']}, this = {commits['this']} (plus uncommitted "
        "changes, if any). Two arms of "
        f"{args.customers:,} customers, 24-28 whole weeks of follow-up, 95% nominal; the truth "
        "is the population's expected 12-month discounted margin per customer (exact); "
        "'covers realised' is the share covering the experiment's own customers' simulated "
        "future margin.",
        "",
        "| scenario | method | code | quantity | truth | experiments | covers truth (+- MC s.e.) "
        "| covers realised | bias | sd of estimates | mean half-width / 1.96 | dropped replicates "
        "| seconds per experiment |",
        "|---|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, method, name, quantity, truth, n, cov, se, real, bias, sd, width, f, s in table:
        lines.append(
            f"| {scenario} | {method} | {name} | {quantity} | {truth:+.2f} | {n} | "
            f"{cov:.3f} +- {se:.3f} | {real:.3f} | {bias:+.2f} | {sd:.2f} | {width:.2f} | "
            f"{f:.2f} | {s:.3f} |"
        )
    lines.append("")
    shutil.rmtree(base, ignore_errors=True)
    report = "\n".join(lines)
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    RESULTS.write_text(previous.rstrip() + "\n\n" + report, encoding="utf-8")


if __name__ == "__main__":
    main()
