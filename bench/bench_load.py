"""Validated CSV upload vs DuckDB's raw read_csv of the same file, timed in the same run.

    python bench/bench_load.py                 # 1M rows
    python bench/bench_load.py --rows 1000000 10000000 --repeats 3
    python bench/bench_load.py --rows 10000000 --baseline /tmp/upload-base   # + main's code

--baseline is a checkout of the code to compare with (e.g. `git archive main | tar -x -C
/tmp/upload-base`): its `load_file` is timed in the same run as `load_main`.

For each size it writes a transactions CSV (customer id, timestamp, amount, order id, channel)
into a temp dir with DuckDB's COPY, then times, each in a fresh child process so peak memory
(ru_maxrss) belongs to that step alone:
  raw_count  SELECT count(*) FROM read_csv(file)               (the brief's baseline)
  raw_table  CREATE TABLE AS SELECT * FROM read_csv(file)      (DuckDB's plain typed load)
  raw_sorted the same ... ORDER BY customer_id                 (typed load sorted by customer,
                                                                as the store keeps transactions)
  load_main  the --baseline checkout's load_file               (before)
  load       experiments.ingest.load_file into a new store     (sniff, hash, one-pass insert,
                                                                sorted by customer, checks)
Each also records its CPU time (user + system, all threads): on a shared machine the wall
time of one step depends on what else runs, its CPU time much less.
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


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_phase(phase: str, file: Path, work: Path, root: Path = ROOT) -> dict[str, float]:
    """One measurement, in this (child) process."""
    cpu = _cpu_seconds()
    if phase == "raw_count":
        con = duckdb.connect()
        start = time.perf_counter()
        (count,) = con.execute("SELECT count(*) FROM read_csv(?)", [str(file)]).fetchone()
        elapsed = time.perf_counter() - start
    elif phase in ("raw_table", "raw_sorted"):
        db = work / "raw.duckdb"
        db.unlink(missing_ok=True)
        con = duckdb.connect(str(db))
        start = time.perf_counter()
        order = " ORDER BY customer_id" if phase == "raw_sorted" else ""
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv(?){order}", [str(file)])
        (count,) = con.execute("SELECT count(*) FROM t").fetchone()
        elapsed = time.perf_counter() - start
        con.close()
    else:
        sys.path.insert(0, str(root))
        from experiments import ingest
        from experiments.store import Store

        db = work / "store.duckdb"
        for leftover in (db, db.with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)
        store = Store(db)
        cpu = _cpu_seconds()  # not the imports
        start = time.perf_counter()
        result = ingest.load_file(store, "transactions", file)
        elapsed = time.perf_counter() - start
        if not result.ok:
            raise SystemExit(result.summary())
        count = result.rows
        store.close()
    cpu = _cpu_seconds() - cpu
    return {"seconds": elapsed, "rows": float(count), "peak_mb": _peak_mb(), "cpu": cpu}


def measure(phase: str, file: Path, work: Path, baseline: Path | None) -> dict[str, float]:
    root = baseline if phase == "load_main" and baseline else ROOT
    step = "load" if phase == "load_main" else phase
    command = [sys.executable, __file__, "--phase", step, "--file", str(file)]
    command += ["--work", str(work), "--root", str(root)]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(rows: int, repeats: int, tmp: Path, baseline: Path | None) -> dict[str, object]:
    file = tmp / f"tx_{rows}.csv"
    start = time.perf_counter()
    generate(file, rows)
    print(f"{rows:,} rows: generated {file.stat().st_size / 2**20:,.0f} MB "
          f"in {time.perf_counter() - start:.1f}s", flush=True)  # fmt: skip
    phases = ["raw_count", "raw_table", "raw_sorted", *(["load_main"] if baseline else []), "load"]
    runs: dict[str, list[dict[str, float]]] = {p: [] for p in phases}
    load_before = os.getloadavg()[0]
    for _ in range(repeats):  # interleaved, so a busy moment hits every phase alike
        for phase in runs:
            m = measure(phase, file, tmp, baseline)
            assert int(m["rows"]) == rows, (phase, m)
            runs[phase].append(m)
            print(f"  {phase:10s} {m['seconds']:7.2f}s  cpu {m['cpu']:6.2f}s  "
                  f"peak {m['peak_mb']:7.0f} MB", flush=True)  # fmt: skip
    med = {p: statistics.median(r["seconds"] for r in v) for p, v in runs.items()}
    cpu = {p: statistics.median(r["cpu"] for r in v) for p, v in runs.items()}
    peak = {p: max(r["peak_mb"] for r in v) for p, v in runs.items()}
    result = {
        "rows": rows,
        "file_mb": round(file.stat().st_size / 2**20, 1),
        "repeats": repeats,
        "seconds": {p: round(s, 3) for p, s in med.items()},
        "cpu_seconds": {p: round(s, 3) for p, s in cpu.items()},
        "ratio_vs_sorted": round(med["load"] / med["raw_sorted"], 2),
        "cpu_ratio_vs_table": round(cpu["load"] / cpu["raw_table"], 2),
        "cpu_ratio_vs_sorted": round(cpu["load"] / cpu["raw_sorted"], 2),
        "peak_mb": {p: round(m) for p, m in peak.items()},
        "ratio_vs_count": round(med["load"] / med["raw_count"], 2),
        "ratio_vs_table": round(med["load"] / med["raw_table"], 2),
        "rows_per_second": round(rows / med["load"]),
        **(
            {
                "main_ratio_vs_table": round(med["load_main"] / med["raw_table"], 2),
                "main_ratio_vs_sorted": round(med["load_main"] / med["raw_sorted"], 2),
                "main_cpu_ratio_vs_table": round(cpu["load_main"] / cpu["raw_table"], 2),
                "main_cpu_ratio_vs_sorted": round(cpu["load_main"] / cpu["raw_sorted"], 2),
            }
            if baseline
            else {}
        ),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    file.unlink()
    print(json.dumps(result), flush=True)
    print(
        f"  => load {med['load']:.2f}s = {result['ratio_vs_count']}x raw count(*), "
        f"{result['ratio_vs_table']}x raw CREATE TABLE (target {TARGET_RATIO}x); "
        f"peak {peak['load']:.0f} MB",
        flush=True,
    )
    return result


def _x(value: object) -> str:
    return f"{value}x" if value is not None else "-"


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
        " (median of repeats, phases interleaved, each in its own process). `cpu` is user +"
        " system time of all the process' threads: with the load average far above the 2 cores"
        " it is the steadier measure; wall-clock ratios are given too.",
        "",
        "`load` = `ingest.load_file` (this tree): sniff + sha256 (on a thread, while DuckDB reads"
        " the file) + one pass: INSERT straight from read_csv(all text, cast and trimmed in the"
        " statement) ORDER BY hash(customer_id) (clustered by customer), rows with a missing or"
        " unreadable value under a negative upload id + one scan of the new rows (those rows,"
        " rows to set aside, future dates, duplicate order ids in file and store, cell length,"
        " formula cells, refunds) + customers upsert + audit row; a file with rows to set aside"
        " or errors rolls back and is loaded through the staging table as before,"
        " one transaction, under the load's memory limit (`config.DUCKDB_LOAD_MEMORY_LIMIT`,"
        " 2GB since the third pass; the pages keep 512MB). `load_main` = the same file through"
        " main's code (`--baseline`), in"
        " the same run. `raw table` = `CREATE TABLE t AS SELECT * FROM read_csv(f)` (typed"
        " load, no checks); `raw sorted` = the same `ORDER BY customer_id`, which is how the"
        " store keeps transactions (see below for what that buys).",
        "",
        "| rows | file MB | load avg | raw table s | raw sorted s | main s | load s |"
        " main / raw table | load / raw table | main / raw sorted | load / raw sorted |"
        " target | peak MB raw table / sorted / main / load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cpu_lines = [
        "",
        "CPU time (user + system) of the same runs:",
        "",
        "| rows | raw table cpu s | raw sorted cpu s | main cpu s | load cpu s |"
        " main / raw table | load / raw table | main / raw sorted | load / raw sorted |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    old = [
        "",
        "Earlier runs (before `raw sorted` and `load_main` were measured):",
        "",
        "| rows | file MB | load avg | raw count s | raw table s | load s | load / raw table |"
        " peak MB raw table | peak MB load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key in sorted(saved, key=int):
        r = saved[key]
        s, m = r["seconds"], r["peak_mb"]
        load = " / ".join(str(x) for x in r.get("load_average", [])) or "-"
        if "raw_sorted" not in s:
            old.append(
                f"| {int(r['rows']):,} | {r['file_mb']} | {load} | {s['raw_count']} "
                f"| {s['raw_table']} | {s['load']} | {r['ratio_vs_table']}x "
                f"| {m['raw_table']} | {m['load']} |"
            )
            continue
        peaks = " / ".join(
            str(m.get(p, "-")) for p in ("raw_table", "raw_sorted", "load_main", "load")
        )
        lines.append(
            f"| {int(r['rows']):,} | {r['file_mb']} | {load} | {s['raw_table']} "
            f"| {s['raw_sorted']} | {s.get('load_main', '-')} | {s['load']} "
            f"| {_x(r.get('main_ratio_vs_table'))} | {_x(r['ratio_vs_table'])} "
            f"| {_x(r.get('main_ratio_vs_sorted'))} | {_x(r['ratio_vs_sorted'])} "
            f"| {TARGET_RATIO}x | {peaks} |"
        )
        c = r["cpu_seconds"]
        cpu_lines.append(
            f"| {int(r['rows']):,} | {c['raw_table']} | {c['raw_sorted']} "
            f"| {c.get('load_main', '-')} | {c['load']} "
            f"| {_x(r.get('main_cpu_ratio_vs_table'))} | {_x(r['cpu_ratio_vs_table'])} "
            f"| {_x(r.get('main_cpu_ratio_vs_sorted'))} | {_x(r['cpu_ratio_vs_sorted'])} |"
        )
    notes = (RESULTS / "load_notes.md").read_text() if (RESULTS / "load_notes.md").exists() else ""
    text = "\n".join(lines + cpu_lines + (old if len(old) > 6 else [])) + "\n"
    (RESULTS / "load.md").write_text(text + ("\n" + notes if notes else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--phase", choices=["raw_count", "raw_table", "raw_sorted", "load"])
    parser.add_argument("--file", type=Path)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--tmp", type=Path, help="where the CSV files go (default: $TMPDIR)")
    parser.add_argument("--render", action="store_true", help="rewrite load.md from load.json")
    args = parser.parse_args()
    if args.render:
        write_results([])
        return
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.file, args.work, args.root)))
        return
    with tempfile.TemporaryDirectory(prefix="upload-bench-load-", dir=args.tmp) as tmp:
        results = [bench(rows, args.repeats, Path(tmp), args.baseline) for rows in args.rows]
    write_results(results)
    print(f"wrote {RESULTS / 'load.md'}")


if __name__ == "__main__":
    main()
