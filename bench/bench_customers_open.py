"""Benchmark: the Customers page's first open at 1M customers against main, in one run (#15).

Two parts, each measuring the baseline (a git revision, default 83b6ed0 = main before this
work; `git archive` for the page, `_baseline.module_at` for the query modules) and this tree in
the same run, alternating, so the ratios compare like with like on a shared, noisy machine:

* first open (AppTest, warm process): a fresh process per tree and round runs the app in
  AppTest (Results opens first, as `/` does, and its background work is waited for), then
  switches to the Customers page: that run's server time, wall and CPU (this process, DuckDB's
  threads included), is the first open; the store functions the page called are listed with
  their seconds (`bench_customers.TIMED_MODULES`). Then "What a customer is worth" is opened
  (this tree queries the historic CLV there; the baseline had it on the first open).
* queries (CPU, one process): `customers.customer_overview` of both trees, this tree's
  `historic_clv` (paid when its section opens) and both trees' `ibis_customers.rfm_overview`
  on the store file read as a DuckDB source, with the engine queries it asks for. The numbers
  of both trees are checked equal (relative 1e-9) before a time is written.

Usage:
    python bench/bench_customers_open.py [--db /tmp/demo1m/demo1m.duckdb] [--baseline 83b6ed0]
        [--rounds 2]

The store is copied (never written); appends its figures to bench/results/customers.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "customers.md"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baseline import module_at  # noqa: E402  (bench/ is the script's folder)
from bench_customers import TIMED_MODULES, _settle_background_work, export_baseline  # noqa: E402

DEFAULT_BASELINE = "83b6ed0"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(work: Callable[[], object]) -> tuple[float, float, object]:
    start, cpu_start = time.perf_counter(), _cpu()
    result = work()
    return time.perf_counter() - start, _cpu() - cpu_start, result


# -- child: AppTest in a fresh process ---------------------------------------------------------
def child_apptest(tree: Path) -> dict[str, object]:
    """Run inside `tree`: Results (settled), Customers' first open, then its worth section."""
    import importlib
    import inspect

    sys.path.insert(0, str(tree))
    os.chdir(tree)
    from streamlit.testing.v1 import AppTest

    calls: list[tuple[str, float]] = []
    depth = [0]

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        @functools.wraps(fn)  # cached_query finds the function by module and name
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            depth[0] += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    calls.append((name, time.perf_counter() - started))

        return wrapper

    for module_name in TIMED_MODULES:
        module = importlib.import_module(module_name)
        for name, fn in list(vars(module).items()):
            if inspect.isfunction(fn) and fn.__module__ == module_name and not name.startswith("_"):
                setattr(module, name, timed(f"{module_name.rsplit('.', 1)[-1]}.{name}", fn))

    at = AppTest.from_file(str(tree / "app.py"), default_timeout=900)
    at.run()
    assert not at.exception, at.exception
    _settle_background_work()
    calls.clear()
    at.switch_page("pages/customers.py")
    wall, cpu, _ = _timed(at.run)
    assert not at.exception, at.exception
    first_calls = list(calls)
    tiles = {m.label: m.value for m in at.metric}
    calls.clear()
    at.session_state["section_worth"] = True
    worth_wall, worth_cpu, _ = _timed(at.run)
    assert not at.exception, at.exception
    return {
        "first_open": wall,
        "first_open_cpu": cpu,
        "calls": first_calls,
        "worth": worth_wall,
        "worth_cpu": worth_cpu,
        "worth_calls": list(calls),
        "tiles": tiles,
        "median_tile": next((m.value for m in at.metric if "CLV" in m.label), None),
    }


def run_child(tree: Path, db: Path) -> dict[str, object]:
    env = {**os.environ, "LOYALTY_LAB_DB": str(db)}
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(tree)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# -- queries in this process -------------------------------------------------------------------
def _close(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _same_overview(old: object, new: object) -> list[str]:
    """Head counts, segments and margin rate of two overviews; what differs, else []."""
    problems = []
    if vars(old.base) != vars(new.base):  # type: ignore[attr-defined]
        problems.append(f"base {old.base} != {new.base}")  # type: ignore[attr-defined]
    a, b = old.segments, new.segments  # type: ignore[attr-defined]
    if list(a["segment"]) != list(b["segment"]) or list(a["customers"]) != list(b["customers"]):
        problems.append("segment customers")
    for column in ("revenue", "revenue_share", "repeat_rate"):
        if not all(_close(x, y) for x, y in zip(a[column], b[column], strict=True)):
            problems.append(f"segments {column}")
    if not _close(old.margin_rate, new.margin_rate):  # type: ignore[attr-defined]
        problems.append("margin rate")
    return problems


def _same_historic(old: object, new: object) -> list[str]:
    names = ("eligible_customers", "mean", "median", "p90", "total")
    return [n for n in names if not _close(getattr(old, n), getattr(new, n))]


def measure_queries(db: Path, source_db: Path, baseline: str, rounds: int) -> dict[str, object]:
    """CPU and wall of the page's store queries, both trees alternating in this process."""
    sys.path.insert(0, str(ROOT))
    from experiments.sources import parse_source
    from experiments.store import Store, customers, ibis_customers
    from experiments.store import settings as store_settings

    old = module_at(baseline, "experiments/store/customers.py", "baseline_customers")
    old_ibis = module_at(baseline, "experiments/store/ibis_customers.py", "baseline_ibis")
    from experiments.source_engine import open_engine

    store = Store(db)
    source = parse_source(f"duckdb://{source_db}")  # a copy: one file, one DuckDB configuration
    engine = open_engine(source)
    asked: list[object] = []
    execute = engine.execute

    def counting(expr, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(expr)
        return execute(expr, *args, **kwargs)

    engine.execute = counting  # type: ignore[method-assign]
    with store.cursor() as cur:
        until = customers.last_transaction_day(cur)
        rate = store_settings.margin_rate(cur)
    times: dict[str, list[tuple[float, float]]] = {}
    queries: dict[str, int] = {}
    problems: list[str] = []

    def rfm(module):  # type: ignore[no-untyped-def]
        return lambda: module.rfm_overview(
            engine, source, until=until, lookback_days=365, active_days=365,
            store_margin_rate=rate,
        )  # fmt: skip

    with store.cursor() as cur:
        steps = {
            "baseline customer_overview (headline + historic CLV)": lambda: old.customer_overview(
                cur
            ),
            "this tree customer_overview (headline)": lambda: customers.customer_overview(cur),
            "this tree historic_clv (when its section opens)": lambda: customers.historic_clv(cur),
            "baseline rfm_overview (DuckDB source)": rfm(old_ibis),
            "this tree rfm_overview (DuckDB source)": rfm(ibis_customers),
        }
        for _ in range(rounds):
            got: dict[str, object] = {}
            for name, work in steps.items():
                asked.clear()
                wall, cpu, got[name] = _timed(work)
                times.setdefault(name, []).append((wall, cpu))
                queries[name] = len(asked)
            keys = list(steps)
            problems += _same_overview(got[keys[0]], got[keys[1]])
            problems += _same_historic(got[keys[0]].historic, got[keys[2]])  # type: ignore[attr-defined]
            problems += _same_overview(got[keys[3]], got[keys[4]])
            problems += _same_overview(got[keys[1]], got[keys[4]])
    store.close()
    return {"times": times, "queries": queries, "problems": problems}


# -- parent ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("/tmp/demo1m/demo1m.duckdb"))
    parser.add_argument("--baseline", default=DEFAULT_BASELINE)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_apptest(args.child)), flush=True)
        os._exit(0)  # the Results page's threads may still hold DuckDB (bench_customers)

    load = [os.getloadavg()[0]]
    work = Path(tempfile.mkdtemp(prefix="customers-open-", dir="/tmp"))
    try:
        trees = {"baseline": export_baseline(args.baseline, work / "baseline"), "this tree": ROOT}
        dbs = {}
        for label in trees:
            dbs[label] = work / f"{label.split()[0]}.duckdb"
            shutil.copyfile(args.db, dbs[label])
            os.chmod(dbs[label], 0o644)
        apptest: dict[str, list[dict[str, object]]] = {label: [] for label in trees}
        for _ in range(args.rounds):
            for label, tree in trees.items():
                apptest[label].append(run_child(tree, dbs[label]))
                print(label, json.dumps(apptest[label][-1]), flush=True)
                load.append(os.getloadavg()[0])
        query_db, source_db = work / "queries.duckdb", work / "source.duckdb"
        shutil.copyfile(args.db, query_db)
        shutil.copyfile(args.db, source_db)
        queries = measure_queries(query_db, source_db, args.baseline, args.rounds + 1)
        load.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = render(args, apptest, queries, load)
    with RESULTS.open("a") as out:
        out.write("\n" + report)
    print(report)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def render(args, apptest, queries, load) -> str:  # type: ignore[no-untyped-def]
    base, new = apptest["baseline"], apptest["this tree"]
    lines = [
        f"## First open, one-pass headline ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        "`bench/bench_customers_open.py`)",
        "",
        f"{platform.machine()}, {os.cpu_count()} cores shared with other work, load average "
        f"{min(load):.1f}-{max(load):.1f} during the run, Python {platform.python_version()}. "
        f"Store: {args.db} (copied). Baseline: `git archive {args.baseline}` (main before this "
        f"work) for the page, `_baseline.module_at({args.baseline!r}, ...)` for the queries; both "
        f"measured in this run, alternating, {args.rounds} rounds (medians; every round listed).",
        "",
        "### The page (AppTest, warm process: Results opened and settled first)",
        "",
        "| | baseline | this tree | ratio |",
        "|---|---:|---:|---:|",
    ]
    for key, label in (
        ("first_open_cpu", "Customers, first open: CPU s"),
        ("first_open", "Customers, first open: wall s"),
        ("worth_cpu", "then 'What a customer is worth' opened: CPU s"),
        ("worth", "then 'What a customer is worth' opened: wall s"),
    ):
        b = _median([float(r[key]) for r in base])
        n = _median([float(r[key]) for r in new])
        every = ", ".join(f"{float(r[key]):.2f}" for r in base) + " / "
        every += ", ".join(f"{float(r[key]):.2f}" for r in new)
        lines.append(f"| {label} ({every}) | {b:.2f} | {n:.2f} | {n / b:.3f}x |")
    for label, runs in (("baseline", base), ("this tree", new)):
        lines += ["", f"Store calls, {label} (first round): first open "]
        lines[-1] += ", ".join(f"`{name}` {seconds:.3f} s" for name, seconds in runs[0]["calls"])
        lines[-1] += "; worth section " + (
            ", ".join(f"`{name}` {seconds:.3f} s" for name, seconds in runs[0]["worth_calls"])
            or "none"
        )
        lines[-1] += f". Median CLV tile: {runs[0]['median_tile']}."
    lines += [
        "",
        "### The queries (one process, CPU of this process incl. DuckDB threads, median)",
        "",
        "| query | engine queries | CPU s | wall s | CPU ratio to baseline |",
        "|---|---:|---:|---:|---:|",
    ]
    times, asked = queries["times"], queries["queries"]
    reference: dict[str, float] = {}
    for name, runs in times.items():
        cpu = _median([c for _, c in runs])
        wall = _median([w for w, _ in runs])
        kind = "rfm" if "rfm_overview" in name else "overview"
        if name.startswith("baseline"):
            reference[kind] = cpu
        ratio = f"{cpu / reference[kind]:.3f}x" if "historic_clv" not in name else "-"
        count = asked[name] if kind == "rfm" else "-"  # a store query is one statement
        lines.append(f"| {name} | {count} | {cpu:.3f} | {wall:.3f} | {ratio} |")
    lines += [
        "",
        "Numbers equal (relative 1e-9: head counts, segments, margin rate, historic CLV; both "
        "trees and both builders): "
        + ("yes" if not queries["problems"] else "NO: " + "; ".join(queries["problems"])),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
