"""CLI start-up: `python -m experiments --help` against a bare interpreter, in the same run.

Usage: python bench/bench_cli.py [--runs 10]

Prints the median wall time of each and their ratio, and writes bench/results/cli.md. The
bare interpreter (`python -c pass`) is the floor no command can go below.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    floor = _median_seconds([sys.executable, "-c", "pass"], args.runs)
    help_ = _median_seconds([sys.executable, "-m", "experiments", "--help"], args.runs)
    lines = [
        "# CLI start-up",
        "",
        f"median of {args.runs} runs, same machine, same run",
        "",
        "| command | seconds | x bare interpreter |",
        "|---|---|---|",
        f"| `python -c pass` | {floor:.3f} | 1.0 |",
        f"| `python -m experiments --help` | {help_:.3f} | {help_ / floor:.1f} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "bench" / "results" / "cli.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
