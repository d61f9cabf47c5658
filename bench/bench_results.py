"""Benchmark: Results page server time per click on a large store, before and after (#15).

Each measured tree (this one, and --base: a checkout of the code before, e.g.
`git worktree add /tmp/clicks-base 0c343b9`) runs in its own child process on its own copy of
the store: Streamlit's AppTest opens the Results page (first open), waits for the background
precomputation where the tree has one, opens it again in a new session (second open), then
changes one setting at a time - every standard horizon, capping, the adjustment, the
correction, the confidence - and reruns unchanged. AppTest runs the script in-process, so a
run's wall time is the server time of that click (no browser, no network). The floor query
`SELECT count(DISTINCT customer_id) FROM transactions` runs in the same child, before and
after the clicks, and every time is also given as a ratio to it.

Usage:
    python bench/bench_results.py --db /tmp/demo1m.duckdb --base /tmp/clicks-base

Writes bench/results/results_clicks.md (and prints it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "results_clicks.md"

# (label, selectbox label prefix, value); applied in this order, each from the previous state
CLICKS = [
    ("horizon 30", "Horizon", "30"),
    ("horizon 90", "Horizon", "90"),
    ("horizon 180", "Horizon", "180"),
    ("horizon 60 (back to the first)", "Horizon", "60"),
    ("capping on", "Cap", "on"),
    ("horizon 90, capping on", "Horizon", "90"),
    ("capping off", "Cap", "off"),
    ("adjustment (CUPED) off", "Adjust", "off"),
    ("correction bh", "Correction", "bh"),
    ("confidence 90", "Confidence", "90"),
]


def _floor(db: str) -> float:
    """Best of 3 of the floor query, on the app's own connection (`open_store`)."""
    from experiments.store import open_store

    with open_store(db).cursor() as cur:
        best = []
        for _ in range(3):
            start = time.perf_counter()
            cur.execute("SELECT count(DISTINCT customer_id) FROM transactions").fetchall()
            best.append(time.perf_counter() - start)
    return min(best)


def child(root: Path, db: str) -> dict[str, object]:
    """Measure one tree (runs in its own process)."""
    os.environ["LOYALTY_LAB_DB"] = db
    os.chdir(root)
    sys.path.insert(0, str(root))
    from streamlit.testing.v1 import AppTest

    floor_before = _floor(db)
    app = str(root / "app.py")
    times: dict[str, float] = {}

    def timed(label: str, at: AppTest) -> AppTest:
        start = time.perf_counter()
        at.run()
        times[label] = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"{label}: {at.exception}")
        return at

    settled: list[float] = []
    try:
        from experiments import precompute  # the tree after #15
        from experiments.store import open_store
    except ImportError:
        precompute = None  # type: ignore[assignment]

    def settle() -> None:
        """Let the background prefetch of the views one click away finish (a person takes
        seconds between clicks); its time is reported apart."""
        if precompute is not None:
            start = time.perf_counter()
            precompute.settle()
            settled.append(time.perf_counter() - start)

    first = timed("first open", AppTest.from_file(app, default_timeout=600))
    precomputed = None
    if precompute is not None:
        start = time.perf_counter()
        precompute.wait(open_store(db), 1, timeout=600)
        precomputed = time.perf_counter() - start
    settle()
    # A server discovers the installed Streamlit components once, at start-up
    # (`Runtime.__init__`); AppTest does it on the first run of every AppTest object,
    # reading the metadata of every installed package (~0.3 s here, seconds under load).
    # A new session on a running server is a new AppTest sharing the first one's registry;
    # the AppTest-only scan is timed apart.
    timed("second open, AppTest rescanning components", AppTest.from_file(app, default_timeout=600))
    settle()
    second = AppTest.from_file(app, default_timeout=600)
    if hasattr(first, "_bidi_component_manager"):
        second._bidi_component_manager = first._bidi_component_manager
    at = timed("second open", second)
    for label, widget, value in CLICKS:
        settle()
        box = next(w for w in at.selectbox if w.label.startswith(widget))
        box.set_value(value)
        timed(label, at)
    settle()
    timed("unchanged rerun", at)
    settle()
    floor_after = _floor(db)
    return {
        "times": times,
        "settled": settled,
        "precomputed_after_first_open": precomputed,
        "floor": min(floor_before, floor_after),
        "floors": [floor_before, floor_after],
    }


def _run_child(root: Path, db: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="clicks-bench-") as folder:
        copy = Path(folder) / "store.duckdb"
        shutil.copyfile(db, copy)
        copy.chmod(0o644)
        env = {**os.environ, "PYTHONPATH": str(root)}
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(root), "--db", str(copy)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/demo1m.duckdb")
    parser.add_argument("--base", help="checkout of the code before (main's 0c343b9)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child), args.db)))
        return
    load_before = os.getloadavg()
    runs = {}
    if args.base:
        runs["before"] = _run_child(Path(args.base), args.db)
    runs["after"] = _run_child(ROOT, args.db)
    load_after = os.getloadavg()
    lines = [
        "# Results page: server time per click (#15)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {args.db} with "
        f"`python bench/bench_results.py --db {args.db}"
        + (f" --base {args.base}`" if args.base else "`")
        + f"; {os.cpu_count()} cores shared with other work, load average "
        f"{load_before[0]:.2f} before and {load_after[0]:.2f} after the runs.",
        "",
        "AppTest server time of each run (seconds), and as a multiple of the floor query "
        "`count(DISTINCT customer_id)` measured in the same child process. 'before' is main's "
        "code (0c343b9), 'after' this tree. Clicks run in order, each from the previous "
        "state; 'after' measures them once the background precomputation has finished.",
        "",
    ]
    header = "| step |"
    rule = "|---|"
    for name in runs:
        header += f" {name} s | {name} x floor |"
        rule += "---:|---:|"
    if "before" in runs:
        header += " after / before |"
        rule += "---:|"
    lines += [header, rule]
    labels = list(runs["after"]["times"])  # type: ignore[call-overload]
    for label in labels:
        row = f"| {label} |"
        for run in runs.values():
            seconds = run["times"][label]  # type: ignore[index]
            row += f" {seconds:.3f} | {seconds / run['floor']:.1f} |"  # type: ignore[operator]
        if "before" in runs:
            ratio = runs["after"]["times"][label] / runs["before"]["times"][label]  # type: ignore[index]
            row += f" {ratio:.2f} |"
        lines.append(row)
    for name, run in runs.items():
        floors = ", ".join(f"{f:.3f}" for f in run["floors"])  # type: ignore[attr-defined]
        lines.append("")
        lines.append(
            f"- {name}: floor {run['floor']:.3f} s (best of 3, before and after: {floors})"
        )
        if run.get("settled"):
            waits = run["settled"]  # type: ignore[index]
            lines.append(
                f"- {name}: before each click the background prefetch of the views one click "
                f"away was let finish: {statistics.median(waits):.2f} s median, "
                f"{max(waits):.2f} s longest"
            )
        if run.get("precomputed_after_first_open") is not None:
            lines.append(
                f"- {name}: the background precomputation (every offered horizon x capping) "
                f"finished {run['precomputed_after_first_open']:.1f} s after the first open "
                "returned"
            )
    after = runs["after"]["times"]  # type: ignore[index]
    clicks = [after[label] for label, _, _ in CLICKS] + [after["unchanged rerun"]]
    lines += [
        "",
        f"- after: slowest setting change {max(clicks):.3f} s, median "
        f"{statistics.median(clicks):.3f} s",
    ]
    lines += [
        "",
        "What 'after' does: the first open joins the transactions once for every offered "
        "horizon (`store/results_cache.py`, transient tables in a scratch database file) and "
        "reads its view from them; once the page is drawn, a background job computes each "
        "other horizon x capping from the same tables, one at a time while no page query runs "
        "(`experiments/precompute.py`); after each render the views one click away "
        "are analysed and their figures built in the background (`experiments/precompute.py`). "
        "A click then is a lookup plus Streamlit's own work (it re-validates every plotly "
        "figure it draws, cached or not). Times are wall seconds on a machine whose load "
        "varied during the run (see the two floors of each child), so the ratios are noisy.",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
