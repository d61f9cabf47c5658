"""Profile the Results analysis query (DuckDB's JSON profile): time per operator (#15).

Captures the SQL and parameters `metrics.aggregate_experiment` sends for experiment 1, runs it
once more with profiling on, and prints the operators by time with the floor
(`count(DISTINCT customer_id)` over transactions) measured in the same process.

Usage:
    python bench/bench_query_profile.py --db /tmp/copy-of-demo1m.duckdb [--top 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, required=True, help="a writable copy of the store")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from experiments import metrics
    from experiments.store import Store, metrics_sql

    store = Store(args.db)
    captured: dict[str, object] = {}
    original = metrics_sql._aggregate

    class Capturing:
        def __init__(self, cur):  # type: ignore[no-untyped-def]
            self.cur = cur

        def execute(self, sql, params=None):  # type: ignore[no-untyped-def]
            if "'groups' AS grain" in sql:
                captured.update(sql=sql, params=params)
            return self.cur.execute(sql) if params is None else self.cur.execute(sql, params)

    def capture(cur, spec, requests, window=None):  # type: ignore[no-untyped-def]
        return original(Capturing(cur), spec, requests, window)

    metrics_sql._aggregate = capture  # type: ignore[assignment]
    metrics.aggregate_experiment(store, 1)
    metrics_sql._aggregate = original  # type: ignore[assignment]
    out = Path(tempfile.mkdtemp(prefix="profile-")) / "profile.json"
    with store.cursor() as cur:
        started = time.perf_counter()
        cur.execute("SELECT count(DISTINCT customer_id) FROM transactions").fetchall()
        floor = time.perf_counter() - started
        cur.execute("PRAGMA enable_profiling='json'")
        cur.execute(f"SET profiling_output='{out}'")
        started = time.perf_counter()
        cur.execute(str(captured["sql"]), captured["params"]).df()
        seconds = time.perf_counter() - started
        cur.execute("PRAGMA disable_profiling")
    profile = json.loads(out.read_text())
    rows: list[tuple[float, int, str, str]] = []

    def walk(node: dict, depth: int = 0) -> None:  # type: ignore[type-arg]
        extra = node.get("extra_info") or {}
        what = extra.get("CTE Name") or extra.get("Table") or extra.get("Join Type") or ""
        what = what or str(extra.get("Groups", ""))[:60]
        rows.append((float(node.get("timing", 0)), depth, str(node.get("name")), str(what)))
        for child in node.get("children", []):
            walk(child, depth + 1)

    for node in profile["operator"]:
        walk(node)
    print(f"floor {floor:.2f} s, query {seconds:.2f} s ({seconds / floor:.1f}x), CPU "
          f"{profile['query']['cpu_time']:.2f} s, peak buffer "
          f"{profile['system']['peak_buffer_memory'] / 2**20:.0f} MiB")  # fmt: skip
    for timing, depth, name, what in sorted(rows, reverse=True)[: args.top]:
        print(f"{timing:7.3f} s  depth {depth:2d}  {name:22s} {what}")


if __name__ == "__main__":
    main()
