"""Benchmark: the Results page's first open against the floor, before and after (#15).

In one process on one store, interleaved round by round so that the machine's load falls on
all of them alike:

* floor: `SELECT count(DISTINCT customer_id) FROM transactions`;
* before: the analysis query of ddbe897 (read from git, no frozen copy in the tree), which the
  first open ran for one horizon; the precomputation then joined the transactions again for
  every offered horizon in the background;
* direct: today's one-horizon query (`metrics_sql.experiment_aggregates`, used by the CLI and
  for views the materialized results do not cover);
* first open: what the page runs now on a first open (`precompute.first_open`: the
  per-customer window sums of the opened horizon materialized, `results_cache.build`, then
  the view's aggregates read from them; the background job, stopped before it starts here,
  builds every offered horizon's afterwards).

Each is timed on the app's own connection settings (`store.duckdb_config()`: 512MB memory
limit, insertion order off), wall and CPU (this process, DuckDB's threads included). The
numbers of before, direct and first open are checked equal (relative 1e-9).

Usage:
    python bench/bench_first_open.py --db /tmp/demo1m.duckdb [--db /tmp/demo5m.duckdb]
        [--rounds 3]

Appends to bench/results/first_open.md (and prints it).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "first_open.md"
sys.path.insert(0, str(ROOT))

from _baseline import module_at  # noqa: E402  (bench/ is the script's folder)

from experiments import metrics, precompute  # noqa: E402
from experiments.store import Store, metrics_sql, results_cache  # noqa: E402

FLOOR = "SELECT count(DISTINCT customer_id) FROM transactions"
BASELINE_COMMIT = "ddbe897"  # main before this work: the query the first open ran


baseline = module_at(BASELINE_COMMIT, "experiments/store/metrics_sql.py", "baseline_metrics_sql")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(work: Callable[[], object]) -> tuple[float, float, object]:
    start, cpu_start = time.perf_counter(), _cpu()
    result = work()
    return time.perf_counter() - start, _cpu() - cpu_start, result


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _same(left: metrics_sql.Aggregates, right: object) -> list[str]:
    """Per-arm moments of every request equal (relative 1e-9); what differs, else []."""
    problems = []
    for arm_id, stats in left.arms.items():
        other = right.arms[arm_id]  # type: ignore[attr-defined]
        if stats.assigned != other.assigned or dict(stats.observed) != dict(other.observed):
            problems.append(f"arm {arm_id}: customers differ")
        for key, moments in stats.moments.items():
            theirs = other.moments[key]
            pairs = [(moments.sum, theirs.sum), (moments.n, theirs.n)]
            if moments.sum_squares is not None:
                pairs.append((moments.sum_squares, theirs.sum_squares))
            pairs += [(v, theirs.cross[k]) for k, v in moments.cross.items()]
            if not all(_close(float(a), float(b)) for a, b in pairs):
                problems.append(f"arm {arm_id} {key}")
    return problems


def measure(db: str, rounds: int) -> dict[str, object]:
    """Interleaved rounds on a private copy of `db`; times per step."""
    folder = tempfile.mkdtemp(prefix="first-open-")
    copy = Path(folder) / "store.duckdb"
    shutil.copyfile(db, copy)
    copy.chmod(0o644)
    store = Store(copy)
    try:
        with store.cursor() as cur:
            transactions = int(cur.execute("SELECT count(*) FROM transactions").fetchone()[0])  # type: ignore[index]
            _, spec, _, _ = metrics.query_spec(cur, 1)
            assigned = int(
                cur.execute(  # type: ignore[index]
                    "SELECT count(DISTINCT customer_id) FROM assignments WHERE experiment_id = 1"
                ).fetchone()[0]
            )
        settings = metrics.AnalysisSettings()
        old_spec = baseline.QuerySpec(**{k: getattr(spec, k) for k in spec.__dataclass_fields__})
        times: dict[str, list[tuple[float, float]]] = {
            "floor": [], "before": [], "direct": [], "first open": [],
        }  # fmt: skip
        problems: list[str] = []
        load: list[float] = [os.getloadavg()[0]]

        def floor() -> object:
            with store.cursor() as cur:
                return cur.execute(
                    "SELECT count(DISTINCT customer_id) FROM transactions"
                ).fetchall()

        def before() -> object:
            with store.cursor() as cur:
                return baseline.experiment_aggregates(cur, old_spec)

        def direct() -> object:
            with store.cursor() as cur:
                return metrics_sql.experiment_aggregates(cur, spec)

        def first_open() -> object:
            return precompute.first_open(store, 1, settings)

        def forget() -> None:
            """Stop the background job and drop its table: the next round opens anew."""
            precompute.stop_all(timeout=600)
            precompute.clear()
            with store.cursor() as cur:
                results_cache.drop_stale(cur, -1)

        for _ in range(rounds):
            results: dict[str, object] = {}
            for name, work in (
                ("floor", floor), ("before", before), ("direct", direct),
                ("first open", first_open), ("floor", floor),
            ):  # fmt: skip
                if name == "first open":
                    forget()
                try:
                    wall, cpu, result = _timed(work)
                except Exception as error:  # e.g. out of memory: recorded, not hidden
                    problems.append(f"{name} failed: {str(error).splitlines()[0]}")
                    wall = cpu = math.inf
                    result = None
                if name == "first open":
                    forget()  # its background job would run beside the next steps
                times[name].append((wall, cpu))
                results[name] = result
                load.append(os.getloadavg()[0])
            if results["before"] is not None and results["direct"] is not None:
                problems += _same(results["direct"], results["before"])  # type: ignore[arg-type]
            if results["before"] is not None and results["first open"] is not None:
                opened = results["first open"].aggregates  # type: ignore[attr-defined]
                problems += _same(opened, results["before"])
        return {
            "db": db,
            "transactions": transactions,
            "assigned": assigned,
            "times": times,
            "load": load,
            "problems": problems,
        }
    finally:
        precompute.stop_all(timeout=600)  # under load a job takes a while to stop
        with contextlib.suppress(Exception):  # never lose the measurements to the clean-up
            store.close()
        shutil.rmtree(folder, ignore_errors=True)


def report(run: dict[str, object], rounds: int) -> list[str]:
    times: dict[str, list[tuple[float, float]]] = run["times"]  # type: ignore[assignment]
    floor = min(w for w, _ in times["floor"])
    floor_cpu = min(c for _, c in times["floor"])
    load: list[float] = run["load"]  # type: ignore[assignment]
    lines = [
        f"### {run['db']}: {run['transactions']:,} transactions, {run['assigned']:,} assigned",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {rounds} interleaved rounds; load "
        f"average (1 min) {min(load):.2f}-{max(load):.2f}, median {statistics.median(load):.2f}.",
        "",
        "| step | best wall s | x floor | median wall s | best CPU s | CPU x floor CPU |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, values in times.items():
        best = min(w for w, _ in values)
        cpu = min(c for _, c in values)
        lines.append(
            f"| {name} | {best:.3f} | {best / floor:.1f} | "
            f"{statistics.median(w for w, _ in values):.3f} | {cpu:.2f} | {cpu / floor_cpu:.1f} |"
        )
    ratio = min(w for w, _ in times["first open"]) / min(w for w, _ in times["before"])
    same = "before, direct and first open equal (relative 1e-9)"
    checked = same if not run["problems"] else f"DIFFER: {run['problems'][:5]}"  # type: ignore[index]
    lines += [
        "",
        f"- first open / before (best wall): {ratio:.2f}",
        f"- numbers: {checked}",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    lines = [
        f"## `python bench/bench_first_open.py --rounds {args.rounds} "
        + " ".join(f"--db {d}" for d in args.db)
        + "`",
        "",
    ]
    for db in args.db:
        lines += report(measure(db, args.rounds), args.rounds)
        print("\n".join(lines), flush=True)
        if not args.no_write:
            _write(lines)
        lines = []


def _write(lines: list[str]) -> None:
    header = "" if RESULTS.exists() else (
        "# Results page first open against the floor (#15)\n\n"
        "Made by `bench/bench_first_open.py` (see its docstring for what each step is). "
        "Ratios are to the floor measured in the same rounds.\n\n"
    )  # fmt: skip
    with RESULTS.open("a") as out:
        out.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
