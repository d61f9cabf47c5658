"""Benchmark: the experiment CLV projection (`clv.project_arms`) at 1M customers, before vs after.

On a demo store (default /tmp/demo1m.duckdb: 1M customers, 9.9M transactions, experiment 1 with
four arms) it times, in fresh processes and alternating, main's code (a checkout at --base,
e.g. `git worktree add /tmp/clv-base 0c343b9`) and this tree's:

* `page`: `project_arms(store, 1, bootstrap=100)` as the Results page calls it (imports warm,
  as in the running server), best of --repeats;
* `cli`: `python -m experiments --db COPY clv --experiment 1 --json` (the CLI's default
  replicates: 200 before #15's second pass, then config.CLV_BOOTSTRAP_REPLICATES = 100, the
  page's), wall time including start-up, best of two, on a writable copy of the store;
* `per_arm`: `project_arms(..., bootstrap=100, method="per_arm")`, once (main's takes minutes).

It reports the seconds, the ratio after/before measured in the same run, the load average, and
each lever's projected difference and interval from both, which must agree up to the
bootstrap's Monte Carlo noise.

Usage:
    python bench/bench_clv_projection.py [--store /tmp/demo1m.duckdb] [--base /tmp/clv-base]
        [--repeats 2] [--no-per-arm]

Writes bench/results/clv_projection.md and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "clv_projection.md"
CLI_ARGUMENTS = ["clv", "--experiment", "1", "--json"]

TIMED = """
import json, sys, time
sys.path.insert(0, {tree!r})
from experiments import clv
from experiments.store import Store, customers  # noqa: F401 - warm imports, as in the server
import scipy.stats  # noqa: F401
store = Store({db!r}, read_only=True)
best, cpu, result = float("inf"), float("inf"), None
for _ in range({repeats}):
    started, started_cpu = time.perf_counter(), time.process_time()
    result = clv.project_arms(store, 1, bootstrap={bootstrap}, method={method!r})
    best = min(best, time.perf_counter() - started)
    cpu = min(cpu, time.process_time() - started_cpu)
arms = [
    [a.name, a.status, a.difference, a.ci_lower, a.ci_upper]
    for a in result.arms
    if a.kind != "control"
]
print(json.dumps({{"seconds": best, "cpu": cpu, "arms": arms}}))
"""


def timed(tree: Path, db: Path, repeats: int, bootstrap: int, method: str) -> dict:
    code = TIMED.format(
        tree=str(tree), db=str(db), repeats=repeats, bootstrap=bootstrap, method=method
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tree
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cli(tree: Path, db: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "experiments", "--db", str(db), *CLI_ARGUMENTS],
        capture_output=True,
        text=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    document = json.loads(out.stdout)
    arms = [
        [a["name"], a["status"], a["difference"], a["ci_lower"], a["ci_upper"]]
        for a in document["arms"]
        if a["kind"] != "control"
    ]
    return {
        "seconds": seconds,
        "cpu": cpu,
        "arms": arms,
        "fields": sorted(document),
        "code": out.returncode,
    }


def money(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}"


def run(store: Path, base: Path, repeats: int, per_arm: bool) -> str:
    trees = {"before (main)": base, "after": ROOT}
    # a copy of its own (a fixed /tmp name was shared by every checkout running this bench)
    copy = Path(tempfile.mkdtemp(prefix="clv-bench-")) / "cli.duckdb"
    shutil.copyfile(store, copy)
    copy.chmod(0o644)
    load_start = os.getloadavg()
    measured: dict[str, dict[str, dict]] = {name: {} for name in trees}
    for _ in range(2):  # alternate, so both see the same machine
        for name, tree in trees.items():
            page = timed(tree, store, max(1, repeats // 2), 100, "pooled")
            if "page" not in measured[name] or page["seconds"] < measured[name]["page"]["seconds"]:
                measured[name]["page"] = page
    for _ in range(2):
        for name, tree in trees.items():
            run_once = cli(tree, copy)
            if (
                "cli" not in measured[name]
                or run_once["seconds"] < measured[name]["cli"]["seconds"]
            ):
                measured[name]["cli"] = run_once
    if per_arm:
        for name, tree in trees.items():
            measured[name]["per_arm"] = timed(tree, store, 1, 100, "per_arm")
    load_end = os.getloadavg()
    shutil.rmtree(copy.parent, ignore_errors=True)
    before, after = measured["before (main)"], measured["after"]
    lines = [
        "# Experiment CLV projection at 1M customers (`clv.project_arms`), before vs after",
        "",
        f"Run {datetime.now().isoformat(timespec='seconds')} on {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work (load average {load_start[0]:.1f} at the "
        f"start, {load_end[0]:.1f} at the end), Python {platform.python_version()}. Store "
        f"{store} (experiment 1, four arms). Before = main at {base}; both measured in this run, "
        "alternating, each in a fresh process. CPU s = user + system time of the run (the"
        " page rows: of the timed call; the CLI: of the whole process), which the load on the"
        " shared machine inflates far less than the wall time.",
        "",
        "| what | before s | after s | after / before | before CPU s | after CPU s | CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "page": "Results page: project_arms, 100 replicates (best of runs)",
        "cli": "CLI: clv --experiment 1 --json, default replicates, wall incl. start-up",
        "per_arm": "per-arm fits, 100 replicates",
    }
    for key, label in labels.items():
        if key in before:
            b, a = before[key]["seconds"], after[key]["seconds"]
            bc, ac = before[key]["cpu"], after[key]["cpu"]
            lines.append(
                f"| {label} | {b:.2f} | {a:.2f} | {a / b:.3f} "
                f"| {bc:.2f} | {ac:.2f} | {ac / bc:.3f} |"
            )
    lines += [
        "",
        f"CLI JSON fields identical: {before['cli']['fields'] == after['cli']['fields']} "
        f"(exit codes {before['cli']['code']} / {after['cli']['code']}).",
        "",
        "| run | lever | code | status | vs control | 95% interval |",
        "|---|---|---|---|---:|---|",
    ]
    for key in labels:
        if key not in before:
            continue
        for name, found in (("before", before[key]), ("after", after[key])):
            for lever, status, difference, low, high in found["arms"]:
                interval = f"[{money(low)}, {money(high)}]" if low is not None else "-"
                lines.append(
                    f"| {key} | {lever} | {name} | {status} | {money(difference)} | {interval} |"
                )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/demo1m.duckdb"))
    parser.add_argument("--base", type=Path, default=Path("/tmp/clv-base"))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-per-arm", action="store_true")
    args = parser.parse_args()
    report = run(args.store, args.base, args.repeats, not args.no_per_arm)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
