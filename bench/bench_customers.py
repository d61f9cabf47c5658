"""Benchmark: the Customers page at 1M customers - first open, its queries, the server's memory.

Two source trees run side by side in the same session, so the ratios compare like with like on
a shared, noisy machine: the baseline (a git revision, default main's 0c343b9, exported with
`git archive`) and this working tree. For each tree, on its own copy of the store:

* first open: a fresh process runs the app in AppTest (Results opens first, as `/` does), then
  switches to the Customers page; the server time of that run is the first open. Every public
  function of `experiments.store.customers`, `experiments.store.design_sql` and
  `experiments.clv` the page calls is timed on the way (top-level calls only); a second
  switch to the page gives the cached reopen.
* memory: `streamlit run app.py` on a free port, Debian's chromium (Playwright) opens Results
  and then Customers and waits for each script run to finish; the server's peak resident set
  (VmHWM in /proc/PID/status) is read after that.

Usage:
    python bench/bench_customers.py [--db /tmp/demo1m.duckdb] [--baseline 0c343b9]
        [--skip-memory]

Writes bench/results/customers.md and prints it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "customers.md"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
# the last element each page draws, by its widget key: the same in every language (the page is
# translated; waiting for the English heading "Predictive CLV" timed out on a Russian page)
LAST_ELEMENT = {"results": ".st-key-effects_excel_csv", "customers": ".st-key-fit_clv"}
TIMED_MODULES = ("experiments.store.customers", "experiments.store.design_sql", "experiments.clv")


# -- child: AppTest in a fresh process ---------------------------------------------------------
def _settle_background_work() -> None:
    """Wait for the Results page's background precompute (a person clicks on later; the
    trees without `experiments.precompute` have none)."""
    try:
        from experiments import precompute
    except ImportError:
        return
    for job in list(getattr(precompute, "_jobs", {}).values()):
        job.done.wait(600)
    precompute.settle()


def child_apptest(tree: Path, settle: bool = True) -> dict[str, object]:
    """Run inside `tree`: Results, then Customers twice; the page's query times on the way.

    With `settle`, the Customers page opens once the Results page's background work is done;
    without, at once, while that work competes for the two cores and DuckDB's memory."""
    import importlib
    import inspect

    sys.path.insert(0, str(tree))
    os.chdir(tree)
    from streamlit.testing.v1 import AppTest

    calls: list[tuple[str, float]] = []
    depth = [0]

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        @functools.wraps(fn)
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

    at = AppTest.from_file(str(tree / "app.py"), default_timeout=600)
    started = time.perf_counter()
    at.run()
    results_seconds = time.perf_counter() - started
    assert not at.exception, at.exception
    settle_started = time.perf_counter()
    if settle:
        _settle_background_work()
    settled_seconds = time.perf_counter() - settle_started
    calls.clear()
    at.switch_page("pages/customers.py")
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    first_calls = list(calls)
    at.switch_page("pages/results.py").run()
    at.switch_page("pages/customers.py")
    started = time.perf_counter()
    at.run()
    second = time.perf_counter() - started
    return {
        "results_seconds": results_seconds,
        "settled_seconds": settled_seconds,
        "first_open": first,
        "reopen": second,
        "calls": first_calls,
        "metrics": {m.label: m.value for m in at.metric},
    }


def child_analysis(tree: Path) -> dict[str, object]:
    """Run inside `tree`: the Results analysis query alone, under $LOYALTY_LAB_DUCKDB_MEMORY."""
    sys.path.insert(0, str(tree))
    from experiments import metrics
    from experiments.store import Store

    store = Store(os.environ["LOYALTY_LAB_DB"])
    started = time.perf_counter()
    metrics.analyze_experiment(store, 1)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak": _status(os.getpid())["VmHWM"]}


# -- parent ------------------------------------------------------------------------------------
def export_baseline(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def run_apptest(
    tree: Path, db: Path, mode: str = "--child", memory: str | None = None
) -> dict[str, object]:
    env = {**os.environ, "LOYALTY_LAB_DB": str(db)}
    if memory is not None:
        env["LOYALTY_LAB_DUCKDB_MEMORY"] = memory
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), mode, str(tree)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0]) * 1024
    return fields


def run_server(tree: Path, db: Path) -> dict[str, float]:
    """Peak RSS of a real server after a browser opens Results, then Customers."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "LOYALTY_LAB_DB": str(db)}
    log = open(db.with_suffix(".log"), "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ],
        cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.3)
        started_rss = _status(process.pid)["VmRSS"]
        times: dict[str, float] = {}
        peaks: dict[str, int] = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            # the last element each page draws: the run has got to its end, not just started
            for name, last in LAST_ELEMENT.items():
                started = time.perf_counter()
                page.goto(f"{url}/{name}")
                page.wait_for_selector(last, timeout=600_000)
                page.wait_for_selector(
                    "[data-testid='stApp'][data-test-script-state='notRunning']",
                    timeout=600_000,
                )
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                    timeout=600_000,
                )
                times[name] = time.perf_counter() - started
                peaks[name] = _status(process.pid)["VmHWM"]
            after = _status(process.pid)
            browser.close()
        return {
            "start_rss": started_rss,
            "peak_after_results": peaks["results"],
            "peak": after["VmHWM"],
            "rss": after["VmRSS"],
            "results_seconds": times["results"],
            "customers_seconds": times["customers"],
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=Path("/tmp/demo1m.duckdb"))
    parser.add_argument("--baseline", default="0c343b9")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-contended", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-analysis", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.child_contended:
        found = child_apptest(args.child or args.child_contended, settle=bool(args.child))
        print(json.dumps(found), flush=True)
        # the Results page's background threads may still hold DuckDB: leaving through the
        # interpreter's teardown then aborted the child ("FATAL: exception not rethrown")
        os._exit(0)
    if args.child_analysis:
        print(json.dumps(child_analysis(args.child_analysis)))
        return

    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="customers-bench-", dir="/tmp"))
    try:
        trees = {
            f"baseline ({args.baseline})": export_baseline(args.baseline, work / "baseline"),
            "this tree": ROOT,
        }
        apptest: dict[str, dict[str, object]] = {}
        contended: dict[str, dict[str, object]] = {}
        memory: dict[str, dict[str, float]] = {}
        for label, tree in trees.items():
            db = work / f"{label.split()[0]}.duckdb"
            shutil.copyfile(args.db, db)
            os.chmod(db, 0o644)
            apptest[label] = run_apptest(tree, db)
            shutil.copyfile(args.db, db)
            contended[label] = run_apptest(tree, db, "--child-contended")
            if not args.skip_memory:
                shutil.copyfile(args.db, db)
                memory[label] = run_server(tree, db)
            print(label, json.dumps(apptest[label]), json.dumps(memory.get(label)), flush=True)
        # what the memory limit costs the Results page's analysis query (this tree, both ways)
        limits: dict[str, dict[str, object]] = {}
        if not args.skip_memory:
            db = work / "limits.duckdb"
            shutil.copyfile(args.db, db)
            os.chmod(db, 0o644)
            for _ in range(2):
                for setting in ("", None):
                    label = "no limit (DuckDB default)" if setting == "" else "config default"
                    got = run_apptest(ROOT, db, "--child-analysis", setting)
                    best = limits.get(label)
                    if best is None or float(got["seconds"]) < float(best["seconds"]):
                        limits[label] = got
            print(json.dumps(limits), flush=True)
        load_after = os.getloadavg()
        report = render(args, apptest, contended, memory, load_before, load_after, limits)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.write_text(report)
    print(report)


def render(args, apptest, contended, memory, load_before, load_after, limits) -> str:  # type: ignore[no-untyped-def]
    base, new = list(apptest)
    lines = [
        "# Customers page at 1M customers: first open, its queries, server memory (#15)",
        "",
        f"Run {time.strftime('%Y-%m-%dT%H:%M:%S')} on {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work (load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after), Python "
        f"{platform.python_version()}. Store: {args.db} (copied per tree). Baseline: "
        f"`git archive {args.baseline}`; both trees measured in this run, one after the other.",
        "",
        "## First open (AppTest server time, after Results opened in the same session)",
        "",
        "Settled: the Customers page opens once the Results page's background precompute has"
        " finished (a person reads Results first). Contended: at once, in another process,"
        " while that work still runs on the same two cores and under the same DuckDB memory.",
        "",
        "| | baseline | this tree | ratio |",
        "|---|---:|---:|---:|",
    ]
    for runs, key, label in (
        (apptest, "first_open", "Customers, first open (settled)"),
        (apptest, "reopen", "Customers, reopen"),
        (contended, "first_open", "Customers, first open (contended)"),
        (apptest, "results_seconds", "Results, first open (before it)"),
    ):
        b, n = float(runs[base][key]), float(runs[new][key])
        lines.append(f"| {label} | {b:.2f} s | {n:.2f} s | {n / b:.3f}x |")
    for label in (base, new):
        lines += ["", f"### Store calls of the first open: {label}", "", "| call | seconds |"]
        lines.append("|---|---:|")
        total = 0.0
        for name, seconds in apptest[label]["calls"]:
            total += seconds
            lines.append(f"| `{name}` | {seconds:.3f} |")
        lines.append(f"| **total** | **{total:.3f}** |")
    if memory:
        lines += [
            "",
            "## Server memory (streamlit run + chromium: Results, then Customers)",
            "",
            "| | baseline | this tree | ratio |",
            "|---|---:|---:|---:|",
        ]
        for key, label in (
            ("start_rss", "RSS after start"),
            ("peak_after_results", "peak RSS after Results"),
            ("peak", "peak RSS (VmHWM)"),
            ("rss", "RSS at the end"),
        ):
            b, n = memory[base][key], memory[new][key]
            lines.append(f"| {label} | {b / 2**20:.0f} MiB | {n / 2**20:.0f} MiB | {n / b:.2f}x |")
        for key, label in (
            ("results_seconds", "Results in the browser"),
            ("customers_seconds", "Customers in the browser"),
        ):
            b, n = memory[base][key], memory[new][key]
            lines.append(f"| {label} | {b:.2f} s | {n:.2f} s | {n / b:.2f}x |")
    if limits:
        sys.path.insert(0, str(ROOT))
        from experiments import config

        lines += [
            "",
            "## The Results analysis query under the memory limit (this tree, best of 2)",
            "",
            f"`metrics.analyze_experiment` alone in a fresh process; config default "
            f"`DUCKDB_MEMORY_LIMIT = {config.DUCKDB_MEMORY_LIMIT!r}`.",
            "",
            "| DuckDB memory | seconds | process peak RSS |",
            "|---|---:|---:|",
        ]
        for label, got in limits.items():
            lines.append(
                f"| {label} | {float(got['seconds']):.2f} | {int(got['peak']) / 2**20:.0f} MiB |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
