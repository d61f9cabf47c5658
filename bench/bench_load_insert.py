"""What the upload's ORDER BY costs: the staged rows into `transactions`, by order (#15).

    python bench/bench_load_insert.py [--rows 10000000] [--repeats 1]

Stages --rows generated transactions (bench_load.generate) once into a DuckDB file, then times,
each in a fresh process on a fresh store with this tree's schema and memory limit (the store's
512 MB unless LOYALTY_LAB_DUCKDB_MEMORY says otherwise), interleaved: INSERT ... SELECT from the
staged rows with no order, ORDER BY customer_id and ORDER BY hash(customer_id), then the
customers upsert (keys in id order) and the commit. Prints wall and CPU seconds of each step.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
ORDERS = {"none": "", "customer": " ORDER BY customer_id", "hash": " ORDER BY hash(customer_id)"}


def stage(csv: Path, staged: Path) -> None:
    con = duckdb.connect(str(staged))
    con.execute(
        "CREATE TABLE stage AS SELECT customer_id::VARCHAR AS customer_id,"
        " order_id::VARCHAR AS order_id, channel::VARCHAR AS channel, ts::TIMESTAMP AS ts,"
        " amount::DOUBLE AS amount, NULL::DOUBLE AS margin, 0::DOUBLE AS discount"
        " FROM read_csv(?)",
        [str(csv)],
    )
    con.close()


def one(order: str, staged: Path, work: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from experiments.store import Store

    db = work / "insert.duckdb"
    for leftover in (db, db.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    store = Store(db)
    out: dict[str, float] = {}
    with store.transaction() as cur:
        cur.execute(f"ATTACH '{staged}' AS st (READ_ONLY)")
        cur.execute("CREATE TEMP TABLE ll_staging AS SELECT * FROM st.stage")
        cur.execute(
            "INSERT INTO uploads (upload_id, file_name, sha256, kind, target_table, rows,"
            " loaded_at, status) VALUES (1, 'x', 'x', 'transactions', 'transactions', 1,"
            " now()::TIMESTAMP, 'loaded')"
        )
        steps = {
            "insert": "INSERT INTO transactions (order_id, customer_id, ts, amount, margin,"
            " channel, discount, upload_id) SELECT order_id, customer_id, ts, amount, margin,"
            " channel, discount, 1 FROM ll_staging" + ORDERS[order],
            "upsert": "INSERT INTO customers (customer_id, first_seen) SELECT customer_id,"
            " min(ts) FROM transactions WHERE upload_id = 1 GROUP BY customer_id"
            " ORDER BY customer_id ON CONFLICT (customer_id) DO UPDATE SET"
            " first_seen = least(customers.first_seen, excluded.first_seen)",
        }
        for name, sql in steps.items():
            started, cpu = time.perf_counter(), time.process_time()
            cur.execute(sql)
            out[name] = time.perf_counter() - started
            out[f"{name}_cpu"] = time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
    out["commit"] = time.perf_counter() - started
    out["commit_cpu"] = time.process_time() - cpu
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--staged", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.staged, args.work)))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_load import generate

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv, staged = work / "tx.csv", work / "staged.duckdb"
        generate(csv, args.rows)
        stage(csv, staged)
        csv.unlink()
        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
        for _ in range(args.repeats):
            for order in ORDERS:
                command = [sys.executable, __file__, "--one", order, "--staged", str(staged)]
                command += ["--work", str(work)]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                got = json.loads(done.stdout.strip().splitlines()[-1])
                print(order, {k: round(v, 2) for k, v in got.items()}, flush=True)
        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
