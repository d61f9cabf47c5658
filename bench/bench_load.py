"""Validated CSV upload vs DuckDB's raw read_csv of the same file, timed in the same run.

    python bench/bench_load.py                 # 1M rows
    python bench/bench_load.py --rows 1000000 10000000 --repeats 3

For each size it writes a transactions CSV (customer id, timestamp, amount, order id, channel)
into a temp dir with DuckDB's COPY, then times, each in a fresh child process so peak memory
(ru_maxrss) belongs to that step alone:
  raw_count  SELECT count(*) FROM read_csv(file)               (the brief's baseline)
  raw_table  CREATE TABLE AS SELECT * FROM read_csv(file)      (DuckDB's plain typed load)
  load       experiments.ingest.load_file into a new store     (sniff, hash, stage, validate,
                                                                insert sorted by customer)
Times are the median of --repeats runs. Results go to bench/results/load.json (per size) and
bench/results/load.md. The machine's other load skews absolute times; ratios are from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGET_RATIO = 1.5


def generate(path: Path, rows: int) -> None:
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
            SELECT 'C' || lpad(CAST(hash(i) % {max(rows // 8, 1)} AS VARCHAR), 9, '0')
                       AS customer_id,
                   TIMESTAMP '2023-01-01' + to_seconds(CAST(hash(i * 7) % 47304000 AS BIGINT))
                       AS ts,
                   round(CAST(hash(i * 13) % 50000 AS DOUBLE) / 100 + 1, 2) AS amount,
                   'O' || i AS order_id,
                   CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'store' ELSE 'app' END AS channel
            FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM).

    Not ru_maxrss: Linux carries it over from the parent across fork + exec, so a child could
    report the parent's peak (the parent generates the CSV with DuckDB).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(phase: str, file: Path, work: Path) -> dict[str, float]:
    """One measurement, in this (child) process."""
    if phase == "raw_count":
        con = duckdb.connect()
        start = time.perf_counter()
        (count,) = con.execute("SELECT count(*) FROM read_csv(?)", [str(file)]).fetchone()
        elapsed = time.perf_counter() - start
    elif phase == "raw_table":
        db = work / "raw.duckdb"
        db.unlink(missing_ok=True)
        con = duckdb.connect(str(db))
        start = time.perf_counter()
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(file)])
        (count,) = con.execute("SELECT count(*) FROM t").fetchone()
        elapsed = time.perf_counter() - start
        con.close()
    else:
        sys.path.insert(0, str(ROOT))
        from experiments import ingest
        from experiments.store import Store

        db = work / "store.duckdb"
        for leftover in (db, db.with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)
        store = Store(db)
        start = time.perf_counter()
        result = ingest.load_file(store, "transactions", file)
        elapsed = time.perf_counter() - start
        if not result.ok:
            raise SystemExit(result.summary())
        count = result.rows
        store.close()
    return {"seconds": elapsed, "rows": float(count), "peak_mb": _peak_mb()}


def measure(phase: str, file: Path, work: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--file", str(file), "--work", str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(rows: int, repeats: int, tmp: Path) -> dict[str, object]:
    file = tmp / f"tx_{rows}.csv"
    start = time.perf_counter()
    generate(file, rows)
    print(f"{rows:,} rows: generated {file.stat().st_size / 2**20:,.0f} MB "
          f"in {time.perf_counter() - start:.1f}s", flush=True)  # fmt: skip
    runs: dict[str, list[dict[str, float]]] = {"raw_count": [], "raw_table": [], "load": []}
    load_before = os.getloadavg()[0]
    for _ in range(repeats):  # interleaved, so a busy moment hits every phase alike
        for phase in runs:
            m = measure(phase, file, tmp)
            assert int(m["rows"]) == rows, (phase, m)
            runs[phase].append(m)
            print(f"  {phase:9s} {m['seconds']:7.2f}s  peak {m['peak_mb']:7.0f} MB", flush=True)
    med = {p: statistics.median(r["seconds"] for r in v) for p, v in runs.items()}
    peak = {p: max(r["peak_mb"] for r in v) for p, v in runs.items()}
    result = {
        "rows": rows,
        "file_mb": round(file.stat().st_size / 2**20, 1),
        "repeats": repeats,
        "seconds": {p: round(s, 3) for p, s in med.items()},
        "peak_mb": {p: round(m) for p, m in peak.items()},
        "ratio_vs_count": round(med["load"] / med["raw_count"], 2),
        "ratio_vs_table": round(med["load"] / med["raw_table"], 2),
        "rows_per_second": round(rows / med["load"]),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    file.unlink()
    print(
        f"  => load {med['load']:.2f}s = {result['ratio_vs_count']}x raw count(*), "
        f"{result['ratio_vs_table']}x raw CREATE TABLE (target {TARGET_RATIO}x); "
        f"peak {peak['load']:.0f} MB",
        flush=True,
    )
    return result


def write_results(new: list[dict[str, object]]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    store = RESULTS / "load.json"
    saved = json.loads(store.read_text()) if store.exists() else {}
    for r in new:
        saved[str(r["rows"])] = r
    store.write_text(json.dumps(saved, indent=2) + "\n")
    lines = [
        "# Validated CSV upload vs DuckDB raw read_csv",
        "",
        f"Machine: {platform.machine()}, {platform.python_version()}, duckdb {duckdb.__version__};"
        " shared 2-core VM, so absolute times vary with other work; ratios come from the same run"
        " (median of repeats, phases interleaved).",
        "",
        "`load` = `ingest.load_file`: sniff + sha256 + stage with read_csv(all text) + validate"
        " (empty ids, dates, amounts, future dates, duplicate order ids in file and store, cell"
        " length, formula cells) + INSERT ORDER BY customer_id + customers upsert + audit row,"
        " one transaction. `raw count` = `SELECT count(*) FROM read_csv(f)`; `raw table` ="
        " `CREATE TABLE t AS SELECT * FROM read_csv(f)` (typed load, no checks). Rows without a"
        " load average come from an earlier run (peak memory then read from ru_maxrss).",
        "",
        "| rows | file MB | load avg | raw count s | raw table s | load s | load / raw count |"
        " load / raw table | target | peak MB raw count | peak MB raw table | peak MB load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key in sorted(saved, key=int):
        r = saved[key]
        s, m = r["seconds"], r["peak_mb"]
        load = " / ".join(str(x) for x in r.get("load_average", [])) or "-"
        lines.append(
            f"| {int(r['rows']):,} | {r['file_mb']} | {load} | {s['raw_count']} "
            f"| {s['raw_table']} | "
            f"{s['load']} | {r['ratio_vs_count']}x | {r['ratio_vs_table']}x | {TARGET_RATIO}x | "
            f"{m['raw_count']} | {m['raw_table']} | {m['load']} |"
        )
    (RESULTS / "load.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--phase", choices=["raw_count", "raw_table", "load"])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.file, args.work)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        results = [bench(rows, args.repeats, Path(tmp)) for rows in args.rows]
    write_results(results)
    print(f"wrote {RESULTS / 'load.md'}")


if __name__ == "__main__":
    main()
