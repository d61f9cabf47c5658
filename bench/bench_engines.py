"""Benchmark: one experiment's analysis at ~10M transactions on each engine a source can be (#11).

The same aggregation (`QuerySpec` at a 60-day horizon, uncapped, the data's discounts; the
catalogue requests the Ibis builder covers today) is run

* on the local store by `metrics_sql.DuckDBBuilder` (today's query),
* on DuckDB through the catalogue's Ibis expressions (`ibis_builder.IbisBuilder` over
  `duckdb:///` the same file, read-only),
* on Spark in local mode (`spark+local://2`, the transactions a parquet file as a view),
* on chDB (a MergeTree table loaded from the same parquet file),

each timed against its own floor, `SELECT count(DISTINCT customer_id)` over the same
transactions on the same engine, in the same run (the machine is shared: ratios, not seconds,
are what compare). Every engine's per-arm sums are checked against the local query's (largest
relative difference reported). On one 2-core machine Spark proves the semantics, not the
speed: its cost is the JVM and the shuffle, which a cluster spreads.

Usage:
    python bench/bench_engines.py --db /tmp/demo1m.duckdb [--repeats 3] [--engines ...]

The store is opened read-only; the transactions are exported once to /tmp (parquet) for
Spark and chDB. Writes bench/results/engines.md (and prints it).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "engines.md"
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from experiments.catalogue import Request  # noqa: E402
from experiments.sources import Source, parse_source  # noqa: E402
from experiments.store import ibis_builder, metrics_sql  # noqa: E402

COLUMNS = "customer_id, ts, amount, margin, discount"


def requests_covered(spec: metrics_sql.QuerySpec) -> list[Request]:
    """The spec's requests the Ibis builder computes today (the `ibis` branch extends it)."""
    ok = ibis_builder._supported(spec)
    return [
        Request(r.value, r.days, r.squares, tuple(c for c in r.cross if c in ok))
        for r in spec.requests
        if r.value in ok
    ]


def timed(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def worst_difference(got: metrics_sql.Aggregates, want: metrics_sql.Aggregates) -> float:
    worst = 0.0
    for arm, stats in want.arms.items():
        other = got.arms[arm]
        assert other.assigned == stats.assigned, arm
        for request, moments in stats.moments.items():
            g = other.moments[request]
            assert g.n == moments.n, (arm, request)
            for a, b in ((g.sum, moments.sum), (g.sum_squares, moments.sum_squares)):
                if a is not None and b is not None and b != 0:
                    worst = max(worst, abs(a - b) / abs(b))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/demo1m.duckdb")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--experiment", type=int, default=1)
    parser.add_argument("--parquet", default="/tmp/bench_engines_transactions.parquet")
    parser.add_argument(
        "--engines", nargs="+", default=["duckdb", "ibis_duckdb", "chdb", "spark_local"]
    )
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    store = duckdb.connect(args.db, read_only=True)
    rows = store.execute("SELECT count(*) FROM transactions").fetchone()[0]
    assigned = store.execute(
        "SELECT count(*) FROM assignments WHERE experiment_id = ?", [args.experiment]
    ).fetchone()[0]
    parquet = Path(args.parquet)
    if not parquet.exists():
        store.execute(f"COPY (SELECT {COLUMNS} FROM transactions) TO '{parquet}' (FORMAT parquet)")
    spec = metrics_sql.QuerySpec(
        experiment_id=args.experiment, horizon_days=60, cap=False, discounts="data"
    )
    requests = requests_covered(spec)
    lines: list[tuple[str, float, float, float | None, str]] = []

    def floor_duckdb() -> object:
        return store.execute("SELECT count(DISTINCT customer_id) FROM transactions").fetchone()

    floor, _ = timed(floor_duckdb, args.repeats)
    local_s, want = timed(
        lambda: metrics_sql.DuckDBBuilder(store.cursor()).aggregate(spec, requests), args.repeats
    )
    assert isinstance(want, metrics_sql.Aggregates)
    lines.append(("DuckDB, the store's query (DuckDBBuilder)", floor, local_s, 0.0, ""))

    def via(engine: ibis_builder.Engine, source: Source, repeats: int) -> tuple[float, float]:
        seconds, got = timed(
            lambda: ibis_builder.IbisBuilder(engine, source, store.cursor()).aggregate(
                spec, requests
            ),
            repeats,
        )
        assert isinstance(got, metrics_sql.Aggregates)
        return seconds, worst_difference(got, want)

    if "ibis_duckdb" in args.engines:
        source = parse_source(f"duckdb://{args.db}")
        engine = ibis_builder.connect(source)
        seconds, worst = via(engine, source, args.repeats)
        lines.append(("DuckDB through the catalogue (Ibis, duckdb:///)", floor, seconds, worst, ""))
    if "chdb" in args.engines:
        import chdb.session

        session = chdb.session.Session("/tmp/bench_engines_chdb")
        session.query("DROP TABLE IF EXISTS transactions")
        started = time.perf_counter()
        session.query(
            "CREATE TABLE transactions ENGINE = MergeTree ORDER BY customer_id"
            f" AS SELECT * FROM file('{parquet}', Parquet)"
        )
        load = time.perf_counter() - started
        source = parse_source("chdb:///tmp/bench_engines_chdb")
        engine = ibis_builder.ChdbEngine(session)
        ch_floor, _ = timed(
            lambda: session.query("SELECT count(DISTINCT customer_id) FROM transactions"),
            args.repeats,
        )
        seconds, worst = via(engine, source, args.repeats)
        lines.append(("chDB (chdb:///)", ch_floor, seconds, worst, f"load {load:.1f} s"))
    if "spark_local" in args.engines:
        import ibis
        from pyspark.sql import SparkSession

        started = time.perf_counter()
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.driver.memory", "3g")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate()
        )
        spark.read.parquet(str(parquet)).createOrReplaceTempView("transactions")
        start = time.perf_counter() - started
        source = Source("spark_local", threads=2)
        engine = ibis_builder.SparkEngine(ibis.pyspark.connect(spark), spark)
        repeats = max(1, min(args.repeats, 2))
        sp_floor, _ = timed(
            lambda: spark.sql("SELECT count(DISTINCT customer_id) FROM transactions").collect(),
            repeats,
        )
        seconds, worst = via(engine, source, repeats)
        lines.append(
            (
                "Spark local[2] (spark+local://2)",
                sp_floor,
                seconds,
                worst,
                f"JVM start {start:.1f} s",
            )
        )
        spark.stop()
    load_after = os.getloadavg()[0]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = [
        "# Engines benchmark: one analysis on DuckDB, DuckDB through the catalogue, chDB, Spark",
        "",
        f"Run {now} by `python bench/bench_engines.py --db {args.db} --repeats {args.repeats}` "
        f"on {platform.machine()} with {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}; {rows:,} transactions, "
        f"{assigned:,} assigned customers, {len(requests)} catalogue requests (what the Ibis "
        f"builder covers: uncapped, no CUPED moments), 60-day horizon. Load average (1 min) "
        f"{load_before:.1f} before, {load_after:.1f} after (a shared machine: the ratios are "
        "what counts). Medians of the repeats (Spark at most 2).",
        "",
        "| engine | floor `count(DISTINCT customer_id)` s | analysis s | analysis / floor "
        "| worst relative difference vs the store's query | notes |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, floor_s, seconds, worst, note in lines:
        shown = "-" if worst is None else f"{worst:.0e}"
        text.append(
            f"| {name} | {floor_s:.2f} | {seconds:.2f} | {seconds / floor_s:.1f}x | {shown} "
            f"| {note} |"
        )
    text += [
        "",
        "The DuckDB rows compare the catalogue's Ibis path with the store's own query on the "
        "same file in the same process (ratio of the two analysis columns). The Ibis path "
        "sends the assignments as a temporary table and runs two small queries before the "
        "aggregation (the data's bounds, the follow-up classes computed in Python). Spark on "
        "one 2-core machine proves the semantics (the sums equal), not the speed: the JVM, "
        "the shuffle of ~10M rows between two threads and the transfer of the assignments "
        "dominate; on a cluster behind Spark Connect the scan and the per-customer grouping "
        "spread over the executors and only the finest-group sums (a few hundred rows) come "
        "back.",
        "",
    ]
    report = "\n".join(text)
    print(report)
    RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
