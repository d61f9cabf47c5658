"""The first open's path (materialized sums of every offered horizon, the view read from them)
and today's direct query give the numbers the analysis query of ddbe897 gave, to 1e-9.

The golden numbers (`first_open_golden.json`) were written by the query of ddbe897 (before the
first open was reworked) on the demo store `small_demo_path` (tests/conftest.py):
`python tests/test_first_open.py --write` reads that commit's `experiments/store/metrics_sql.py`
from git and runs it.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("first_open_golden.json")
BASELINE_COMMIT = "ddbe897"
# (horizon, cap, discounts) pinned: the shortest and longest offered horizons, capping off and
# on, and the configured-discount rule (the demo's data carries discounts: 'auto' reads them)
CASES = [(30, False, "auto"), (60, False, "auto"), (60, True, "auto"), (180, True, "auto")]
CASES += [(60, True, "configured")]


def summary(aggregates) -> dict:  # type: ignore[no-untyped-def]
    """The numbers of an `Aggregates` as plain JSON values (keys as text, rows sorted)."""

    def stats(group) -> dict:  # type: ignore[no-untyped-def]
        return {
            "assigned": int(group.assigned),
            "observed": {str(k): int(v) for k, v in sorted(group.observed.items())},
            "moments": {
                f"{value}@{days}": [
                    int(m.n),
                    float(m.sum),
                    None if m.sum_squares is None else float(m.sum_squares),
                    {k: float(v) for k, v in sorted(m.cross.items())},
                ]
                for (value, days), m in sorted(
                    group.moments.items(), key=lambda kv: (kv[0][0], kv[0][1] or -1)
                )
            },
        }

    def rows(frame) -> list:  # type: ignore[no-untyped-def]
        return sorted(json.loads(frame.to_json(orient="values")))

    return {
        "bounds": [aggregates.first_ts, aggregates.last_ts],
        "discount_source": aggregates.discount_source,
        "arms": {str(k): stats(v) for k, v in sorted(aggregates.arms.items())},
        "segments": {
            "|".join(map(str, k)): stats(v) for k, v in sorted(aggregates.segments.items())
        },
        "survival": rows(aggregates.survival),
        "distribution": rows(aggregates.distribution),
        "caps": {k: list(v) for k, v in sorted(aggregates.caps.items())},
    }


def _case_key(horizon: int, cap: bool, discounts: str) -> str:
    return f"h{horizon}-cap{int(cap)}-{discounts}"


def _close(expected, got, where: str = "") -> None:  # type: ignore[no-untyped-def]
    if isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected), where
        for key in expected:
            _close(expected[key], got[key], f"{where}/{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(expected, got, strict=True)):
            _close(a, b, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(got, str):
        assert got is not None and math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-9), (
            f"{where}: {got} != {expected}"
        )
    else:
        assert got == expected, f"{where}: {got!r} != {expected!r}"


@pytest.fixture
def store(demo_copy):  # type: ignore[no-untyped-def]
    return demo_copy  # tests/conftest.py: a copy of the demo store the golden numbers are of


def _spec(store, horizon: int, cap: bool, discounts: str):  # type: ignore[no-untyped-def]
    from experiments import metrics

    settings = metrics.AnalysisSettings(horizon_days=horizon, cap=cap)
    with store.cursor() as cur:
        _, spec, _, _ = metrics.query_spec(cur, 1, settings)
    return settings, replace(spec, discounts=discounts)  # type: ignore[arg-type]


@pytest.mark.parametrize(("horizon", "cap", "discounts"), CASES)
def test_direct_query_gives_the_numbers_of_ddbe897(store, horizon, cap, discounts):
    from experiments.store import metrics_sql

    golden = json.loads(GOLDEN.read_text())[_case_key(horizon, cap, discounts)]
    _, spec = _spec(store, horizon, cap, discounts)
    with store.cursor() as cur:
        got = summary(metrics_sql.experiment_aggregates(cur, spec))
    _close(golden, json.loads(json.dumps(got)))


@pytest.mark.parametrize(("horizon", "cap", "discounts"), CASES)
def test_materialized_sums_give_the_numbers_of_ddbe897(store, horizon, cap, discounts):
    from experiments.store import metrics_sql, results_cache

    golden = json.loads(GOLDEN.read_text())[_case_key(horizon, cap, discounts)]
    _, spec = _spec(store, horizon, cap, discounts)
    with store.cursor() as cur:
        materialized = results_cache.build(cur, spec, (30, 60, 90, 180), store.version())
        got = summary(metrics_sql.experiment_aggregates(cur, spec, window=materialized.window()))
        results_cache.drop(cur, materialized)
    _close(golden, json.loads(json.dumps(got)))


def test_first_open_serves_the_numbers_of_ddbe897_and_builds_the_opened_horizon_first(
    store, monkeypatch
):
    from experiments import metrics, precompute
    from experiments.store import results_cache

    builds = []
    real_build = results_cache.build
    monkeypatch.setattr(
        results_cache, "build", lambda *a, **k: builds.append(a[2]) or real_build(*a, **k)
    )
    golden = json.loads(GOLDEN.read_text())
    opened = precompute.first_open(store, 1, metrics.AnalysisSettings(horizon_days=60))
    _close(golden[_case_key(60, False, "auto")], json.loads(json.dumps(summary(opened.aggregates))))
    assert precompute.precompute_after(store, 1, opened.settings) is not None
    assert precompute.wait(store, 1, timeout=120)
    for horizon, cap, _ in CASES[:-1]:
        settings = metrics.AnalysisSettings(horizon_days=horizon, cap=cap)
        served = precompute.aggregates(store, 1, settings)
        got = json.loads(json.dumps(summary(served.aggregates)))
        _close(golden[_case_key(horizon, cap, "auto")], got, f"h{horizon} cap {cap}")
    # the page waits for the opened horizon's sums only; the background job then builds every
    # offered horizon's once
    assert [set(b) for b in builds] == [{60}, {30, 60, 90, 180}]


def _write() -> None:
    """Write the golden numbers with the query of BASELINE_COMMIT (read from git)."""
    import subprocess
    import tempfile
    import types

    sys.path.insert(0, str(ROOT))
    from experiments import demo, metrics
    from experiments.store import Store
    from tests.conftest import SMALL_DEMO_CUSTOMERS, SMALL_DEMO_SEED

    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BASELINE_COMMIT}:experiments/store/metrics_sql.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    baseline = types.ModuleType("baseline_metrics_sql")
    sys.modules[baseline.__name__] = baseline
    exec(compile(source, f"{BASELINE_COMMIT}:metrics_sql.py", "exec"), baseline.__dict__)
    path = Path(tempfile.mkdtemp()) / "demo.duckdb"
    store = Store(path)
    demo.seed_demo(store, customers=SMALL_DEMO_CUSTOMERS, seed=SMALL_DEMO_SEED, replace=True)
    out = {}
    for horizon, cap, discounts in CASES:
        settings = metrics.AnalysisSettings(horizon_days=horizon, cap=cap)
        with store.cursor() as cur:
            _, spec, _, _ = metrics.query_spec(cur, 1, settings)
            fields = {k: getattr(spec, k) for k in spec.__dataclass_fields__}
            old = baseline.QuerySpec(**{**fields, "discounts": discounts})
            out[_case_key(horizon, cap, discounts)] = summary(
                baseline.experiment_aggregates(cur, old)
            )
    GOLDEN.write_text(json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size:,} bytes)")


if __name__ == "__main__":
    if "--write" in sys.argv:
        _write()
