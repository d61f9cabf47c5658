"""Benchmark: what the VARCHAR customer id costs the first open, against an integer key (#15).

Measures levers (d) and (f) of issue #15 before anyone writes a schema migration for them. On a
private copy of a store it adds `customer_key` (a dense BIGINT, one per customer id) to copies
of transactions, assignments and customers, kept in the tables' order, then times in one
process, interleaved round by round on the app's connection settings (`store.duckdb_config()`):

* the first open's one statement (`metrics_sql.customer_sums` as `results_cache.build` runs it
  for experiment 1's opened horizon) as it is, on the integer key, without the assigned rows'
  GROUP BY (each customer has one assignment in the demo), and both;
* its parts alone: the transactions' scan, their join to the assigned customers, the assigned
  rows' GROUP BY, and the checks lever (f) would need (`count(*) = count(DISTINCT ...)`) and
  a query-time hash key would need (`count(DISTINCT hash(customer_id))`).

The first open's statement's per-customer rows are compared (EXCEPT ALL, all sums rounded to
1e-6: the integer key changes the units' numbering, so a sum's order of additions).

Usage:
    python bench/bench_customer_key.py --db /tmp/demo1m.duckdb [--rounds 5]

Prints CPU seconds (this process, DuckDB's threads included): best and median of the rounds.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from experiments import metrics  # noqa: E402
from experiments.store import Store, duckdb_config, results_cache  # noqa: E402
from experiments.store import metrics_sql as sql  # noqa: E402

GROUPED = """            SELECT customer_id, min(assigned_at) AS assigned_at,
                   arg_min(arm_id, assigned_at) AS arm_id,
                   arg_min(stratum, assigned_at) AS stratum,
                   count(*) - 1 AS extra_assignments
            FROM assignments WHERE experiment_id = $experiment_id
            GROUP BY customer_id"""
UNGROUPED = """            SELECT customer_id, assigned_at, arm_id, stratum, 0 AS extra_assignments
            FROM assignments WHERE experiment_id = $experiment_id"""

PARTS = {
    "scan, VARCHAR id": "SELECT sum(length(customer_id)), sum(epoch_us(ts)), sum(amount), "
    "sum(margin), sum(discount) FROM transactions",
    "scan, integer key": "SELECT sum(customer_key), sum(epoch_us(ts)), sum(amount), "
    "sum(margin), sum(discount) FROM tx_key",
    "join, VARCHAR id": "SELECT count(*), sum(epoch_us(t.ts) - s.assigned_us), sum(t.amount) "
    "FROM mem.assigned_id s JOIN transactions t ON t.customer_id = s.customer_id",
    "join, integer key": "SELECT count(*), sum(epoch_us(t.ts) - s.assigned_us), sum(t.amount) "
    "FROM mem.assigned_key s JOIN tx_key t ON t.customer_key = s.customer_key",
    "join, hash(id) at query time": "SELECT count(*), sum(epoch_us(t.ts) - s.assigned_us), "
    "sum(t.amount) FROM (SELECT hash(customer_id) AS h, assigned_us FROM mem.assigned_id) s "
    "JOIN (SELECT hash(customer_id) AS h, ts, amount FROM transactions) t ON t.h = s.h",
    "hash collision check": "SELECT count(DISTINCT hash(customer_id)) FROM customers",
    "assigned GROUP BY, VARCHAR id": "SELECT count(*) FROM (SELECT customer_id, "
    "min(assigned_at), arg_min(arm_id, assigned_at), arg_min(stratum, assigned_at), count(*) "
    "FROM assignments GROUP BY customer_id)",
    "assigned GROUP BY, integer key": "SELECT count(*) FROM (SELECT customer_key, "
    "min(assigned_at), arg_min(arm_id, assigned_at), arg_min(stratum, assigned_at), count(*) "
    "FROM as_key GROUP BY customer_key)",
    "one-assignment check": "SELECT count(*) = count(DISTINCT customer_id) FROM assignments "
    "WHERE experiment_id = 1",
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _statement(path: Path) -> tuple[str, dict[str, object]]:
    """The first open's one statement for experiment 1 and its parameters."""
    store = Store(path)
    try:
        with store.cursor() as cur:
            _, spec, _, _ = metrics.query_spec(cur, 1)
            h = spec.horizon_days
            params: dict[str, object] = {f"w{h}": h}
            columns = [f"{e} AS {n}_{h}" for n, e in sql.window_sums(f"$w{h}")]
            for d in results_cache.cutoffs((h,), spec.bucket_days):
                params[f"c{d}"] = d
                columns.append(f"{sql.contribution_to(f'$c{d}')} AS contribution_{d}")
            source = "data" if sql.discounts_recorded(cur, 1, max(spec.horizons)) else "configured"
            text = sql.customer_sums(spec, params, source, columns)
    finally:
        store.close()
    used = {k: v for k, v in params.items() if f"${k}" in text}
    return text, used


def _keyed(text: str) -> str:
    """The statement on the integer key: the assigned rows and the customers' and
    transactions' joins read `customer_key` (named customer_id in the assigned rows)."""
    keyed = (
        text.replace("FROM assignments WHERE", "FROM as_key WHERE")
        .replace("SELECT customer_id, min(", "SELECT customer_key AS customer_id, min(")
        .replace(
            "SELECT customer_id, assigned_at,", "SELECT customer_key AS customer_id, assigned_at,"
        )
        .replace("GROUP BY customer_id", "GROUP BY customer_key")
        .replace(
            "LEFT JOIN customers c ON c.customer_id = a.customer_id",
            "LEFT JOIN cu_key c ON c.customer_key = a.customer_id",
        )
        .replace(
            "JOIN transactions t ON t.customer_id = s.customer_id",
            "JOIN tx_key t ON t.customer_key = s.customer_id",
        )
    )
    if "tx_key" not in keyed or "cu_key" not in keyed:
        raise RuntimeError("customer_sums changed: the integer-key rewrite no longer applies")
    return keyed


def _add_keys(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE key_map AS SELECT customer_id, row_number() OVER () AS customer_key FROM "
        "(SELECT customer_id FROM customers UNION SELECT customer_id FROM transactions "
        "UNION SELECT customer_id FROM assignments)"
    )
    for table, copy in (
        ("transactions", "tx_key"),
        ("assignments", "as_key"),
        ("customers", "cu_key"),
    ):
        con.execute(
            f"CREATE TABLE {copy} AS SELECT t.*, k.customer_key "
            f"FROM (SELECT rowid AS row_id, * FROM {table}) t JOIN key_map k USING (customer_id) "
            "ORDER BY row_id"
        )
        con.execute(f"ALTER TABLE {copy} DROP COLUMN row_id")
    con.execute("CHECKPOINT")


def measure(db: str, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="customer-key-"))
    copy = folder / "store.duckdb"
    try:
        shutil.copyfile(db, copy)
        text, params = _statement(copy)
        statements = {
            "first open statement": text,
            "  on the integer key": _keyed(text),
            "  without the GROUP BY": text.replace(GROUPED, UNGROUPED),
            "  both": _keyed(text.replace(GROUPED, UNGROUPED)),
        }
        if statements["  without the GROUP BY"] == text:
            raise RuntimeError("customer_sums changed: the GROUP BY rewrite no longer applies")
        # the copies in the tables' order: insertion order kept (the app's settings drop it)
        con = duckdb.connect(str(copy), config={"memory_limit": "2GB"})
        _add_keys(con)
        con.close()
        con = duckdb.connect(str(copy), config=duckdb_config())
        con.execute("ATTACH ':memory:' AS mem")
        con.execute(
            "CREATE TABLE mem.assigned_id AS SELECT customer_id, epoch_us(assigned_at) AS "
            "assigned_us FROM assignments WHERE experiment_id = 1"
        )
        con.execute(
            "CREATE TABLE mem.assigned_key AS SELECT customer_key, epoch_us(assigned_at) AS "
            "assigned_us FROM as_key WHERE experiment_id = 1"
        )
        times: dict[str, list[float]] = {name: [] for name in [*statements, *PARTS]}
        load = [os.getloadavg()[0]]
        for _ in range(rounds):
            for i, (name, statement) in enumerate(statements.items()):
                start = _cpu()
                con.execute(f"CREATE OR REPLACE TABLE mem.rows_{i} AS {statement}", params)
                times[name].append(_cpu() - start)
            for name, statement in PARTS.items():
                start = _cpu()
                con.execute(statement).fetchall()
                times[name].append(_cpu() - start)
            load.append(os.getloadavg()[0])
        print(f"{db}, {rounds} rounds, load (1 min) {min(load):.1f}-{max(load):.1f}")
        print("| step | best CPU s | median CPU s |\n|---|---:|---:|")
        for name, values in times.items():
            print(f"| {name} | {min(values):.3f} | {statistics.median(values):.3f} |")
        columns = [
            str(r[0])
            for r in con.execute("DESCRIBE mem.rows_0").fetchall()
            if r[0] not in ("unit", "customer_id")
        ]
        rounded = ", ".join(
            f"round({c}, 6)" if c not in ("stratum", "first_seen", "attribute_segment") else c
            for c in columns
        )
        for i, name in enumerate(list(statements)[1:], start=1):
            differ = con.execute(
                f"SELECT count(*) FROM (SELECT {rounded} FROM mem.rows_0 "
                f"EXCEPT ALL SELECT {rounded} FROM mem.rows_{i})"
            ).fetchone()[0]  # type: ignore[index]
            print(f"- {name.strip()}: {differ} customer rows differ from the statement's")
        con.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    measure(args.db, args.rounds)


if __name__ == "__main__":
    main()
