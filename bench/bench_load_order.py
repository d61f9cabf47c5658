"""What keeping transactions sorted by customer buys the analysis: same rows, three orders.

    python bench/bench_load_order.py --store /tmp/upload-data/demo1m.duckdb [--repeats 3]

The store (e.g. a 1M-customer demo: `python -m experiments --db PATH demo --customers 1000000`)
is copied three times with its transactions rewritten in customer order (what the upload's
INSERT ... ORDER BY customer_id gives), in hash(customer_id) order (every customer's rows
together, cheaper to sort) and shuffled (what a load without the sort gives for an export in
date order). Each copy is then timed, each run in its own process, interleaved:
`metrics.aggregate_experiment` of experiment 1 (the analysis query; wall and CPU), the floor
`count(DISTINCT customer_id)`, a per-customer aggregate, one customer's rows and the Customers
page's `customers.customer_overview`. Prints medians and the file sizes, and with --out writes
them as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
ORDERS = {"customer": "customer_id", "hash": "hash(customer_id)", "shuffled": "hash(order_id, ts)"}


def prepare(source: Path, work: Path, names: list[str]) -> dict[str, Path]:
    copies = {}
    for name in names:
        order = ORDERS[name]
        target = work / f"order-{name}.duckdb"
        rewritten = work / f"order-{name}.tmp.duckdb"
        shutil.copy(source, rewritten)
        con = duckdb.connect(str(rewritten))
        con.execute(f"CREATE TABLE ll_t AS SELECT * FROM transactions ORDER BY {order}")
        con.execute("DELETE FROM transactions")
        con.execute("INSERT INTO transactions SELECT * FROM ll_t")
        con.execute("DROP TABLE ll_t")
        con.close()
        target.unlink(missing_ok=True)
        con = duckdb.connect()  # a fresh file, so freed blocks do not count in its size
        con.execute(f"ATTACH '{rewritten}' AS src (READ_ONLY)")
        con.execute(f"ATTACH '{target}' AS dst")
        con.execute("COPY FROM DATABASE src TO dst")
        con.close()
        rewritten.unlink()
        copies[name] = target
    return copies


def one(path: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from experiments import metrics
    from experiments.store import Store, customers

    store = Store(path, read_only=True)
    out = {}
    start, cpu = time.perf_counter(), time.process_time()
    metrics.aggregate_experiment(store, 1)
    out["analysis"] = time.perf_counter() - start
    out["analysis_cpu"] = time.process_time() - cpu
    with store.cursor() as cur:
        start = time.perf_counter()
        customers.customer_overview(cur)
        out["customer_overview"] = time.perf_counter() - start
    queries = {
        "floor": "SELECT count(DISTINCT customer_id) FROM transactions",
        "per_customer": "SELECT customer_id, sum(amount), count(*), min(ts), max(ts)"
        " FROM transactions GROUP BY customer_id",
        "one_customer": "SELECT sum(amount) FROM transactions"
        " WHERE customer_id = (SELECT min(customer_id) FROM customers)",
    }
    with store.cursor() as cur:
        for name, sql in queries.items():
            start = time.perf_counter()
            cur.execute(sql).fetchall()
            out[name] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--orders", nargs="+", choices=list(ORDERS), default=list(ORDERS))
    parser.add_argument("--out", type=Path, help="also write the medians here (Markdown)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    copies = prepare(args.store, args.work, args.orders)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in copies}
    load = os.getloadavg()[0]
    for _ in range(args.repeats):
        for name, path in copies.items():
            command = [sys.executable, __file__, "--one", str(path)]
            out = subprocess.run(command, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    lines = []
    for name, measured in runs.items():
        medians = {k: round(statistics.median(r[k] for r in measured), 3) for k in measured[0]}
        size = copies[name].stat().st_size >> 20
        print(f"{name:9s} {size:5d} MB  {medians}")
        if not lines:
            lines = [
                "| order | file MB | " + " | ".join(f"{k} s" for k in medians) + " |",
                "|---|---:|" + "---:|" * len(medians),
            ]
        lines.append(f"| {name} | {size} | " + " | ".join(f"{v}" for v in medians.values()) + " |")
    footer = f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}, median of {args.repeats}"
    print(footer)
    if args.out:
        args.out.write_text("\n".join([*lines, "", footer, ""]), encoding="utf-8")


if __name__ == "__main__":
    main()
