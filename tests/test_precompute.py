"""Materialized results: the same numbers as the direct analysis, per store version only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from experiments import config, metrics, precompute
from experiments.store import Store, metrics_sql, results_cache

HORIZONS = (30, 60, 90, 180)


@pytest.fixture
def store(demo_copy: Store) -> Store:
    return demo_copy  # tests/conftest.py: a copy of the 3,000-customer demo store


def same(served: metrics.ExperimentAnalysis, direct: metrics.ExperimentAnalysis) -> None:
    """Equal analyses: every field and number, up to the last bits of a float sum (DuckDB's
    parallel sums add in varying order: two direct runs differ there too) and the row order
    of the follow-up histogram (a GROUP BY's output order)."""

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, float):
            return pytest.approx(value, rel=1e-9, abs=1e-9)
        return value

    left, right = served.as_json(), direct.as_json()
    for side in (left, right):
        side["survival"]["inputs"].sort(key=lambda r: (r["arm_id"], r["event"], r["duration_days"]))
    assert left == plain(right)


class Counting:
    """metrics_sql.experiment_aggregates, counting calls that read the transactions."""

    def __init__(self) -> None:
        self.direct = 0
        self.materialized = 0
        self.real = metrics_sql.experiment_aggregates

    def __call__(self, cur, spec, *, window=None):
        if window is None:
            self.direct += 1
        else:
            self.materialized += 1
        return self.real(cur, spec, window=window)


@pytest.mark.parametrize("cap", [False, True])
def test_materialized_sums_give_exactly_the_direct_analysis(store, cap):
    settings = metrics.AnalysisSettings(cap=cap)
    with store.cursor() as cur:
        _, spec, _, _ = metrics.query_spec(cur, 1, settings)
        materialized = results_cache.build(cur, spec, HORIZONS, store.version())
    for horizon in HORIZONS:
        chosen = replace(settings, horizon_days=horizon, correction="bh", confidence=0.9)
        served = metrics.analyse(
            metrics.aggregate_experiment(store, 1, chosen, window=materialized.window()), chosen
        )
        same(served, metrics.analyze_experiment(store, 1, chosen))
    with store.cursor() as cur:
        results_cache.drop(cur, materialized)


def test_materialized_table_refuses_what_it_does_not_hold(store):
    with store.cursor() as cur:
        _, spec, _, _ = metrics.query_spec(cur, 1)
        materialized = results_cache.build(cur, spec, (30, 60), store.version())
        assert materialized.covers(replace(spec, horizon_days=60, cap=True))
        assert not materialized.covers(replace(spec, horizon_days=90))
        assert not materialized.covers(replace(spec, horizon_days=60, margin_rate=0.5))
        assert not materialized.covers(replace(spec, horizon_days=60, segment_attribute="city"))
        with pytest.raises(ValueError):
            metrics_sql.experiment_aggregates(
                cur, replace(spec, horizon_days=90), window=materialized.window()
            )
        results_cache.drop(cur, materialized)


def test_horizon_and_capping_are_precomputed_without_reading_the_transactions(store, monkeypatch):
    counting = Counting()
    monkeypatch.setattr(metrics_sql, "experiment_aggregates", counting)
    first = precompute.aggregates(
        store, 1, metrics.AnalysisSettings(horizon_days=60), background=True
    )
    # the first open materializes the opened horizon's sums and reads its view from them;
    # the job materializes every offered horizon's, and later clicks read those
    assert counting.direct == 0 and counting.materialized == 1
    assert precompute.wait(store, 1, timeout=120)
    job = precompute.job_for(store, 1)
    assert job is not None and job.error is None and job.materialized is None  # dropped
    expected = len(precompute.standard_horizons(first)) * 2 - 1
    assert counting.materialized - 1 == job.computed == expected
    for horizon in HORIZONS:
        for cap in (False, True):
            settings = metrics.AnalysisSettings(horizon_days=horizon, cap=cap, confidence=0.99)
            served = precompute.aggregates(store, 1, settings)
            same(metrics.analyse(served, settings), metrics.analyze_experiment(store, 1, settings))
    assert counting.direct == 2 * len(HORIZONS)  # only the direct analyses above
    with store.cursor() as cur:
        tables = cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name IN (?, ?)",
            [results_cache.SCHEMA, results_cache.MEMORY_SCHEMA],
        ).fetchone()
    assert tables == (0,)


def test_a_store_write_invalidates_the_precomputed_results(store, monkeypatch):
    settings = metrics.AnalysisSettings(horizon_days=90, cap=True)
    before = precompute.aggregates(store, 1, settings, background=True)
    assert precompute.wait(store, 1, timeout=120)
    with store.transaction() as cur:  # new data: one more order for an assigned customer
        cur.execute(
            "INSERT INTO transactions (customer_id, ts, amount, discount, margin, upload_id) "
            "SELECT customer_id, assigned_at + INTERVAL 1 DAY, 5000, 0, NULL, "
            "(SELECT max(upload_id) FROM transactions) "
            "FROM assignments WHERE experiment_id = 1 ORDER BY customer_id LIMIT 1"
        )
    counting = Counting()
    monkeypatch.setattr(metrics_sql, "experiment_aggregates", counting)
    after = precompute.aggregates(store, 1, settings, background=True)
    assert counting.materialized == 1  # not served from the previous version: built anew
    assert after is not before
    same(metrics.analyse(after, settings), metrics.analyze_experiment(store, 1, settings))
    assert metrics.analyse(after).as_json() != metrics.analyse(before).as_json()
    assert precompute.wait(store, 1, timeout=120)
    with store.cursor() as cur:
        stale = results_cache.table_name(1, store.version() - 1)
        results_cache.build(cur, before.spec, (30,), store.version() - 1)  # a leftover
        dropped = results_cache.drop_stale(cur, store.version())
        assert {f"{stale}{part}" for part in ("_pre", "_window", "_assigned", "_bounds")} == set(
            dropped
        )


def test_statistics_settings_share_one_aggregation():
    plain = metrics.AnalysisSettings(horizon_days=60)
    assert metrics.aggregation_settings(
        replace(plain, use_covariate=False, correction="none", confidence=0.9)
    ) == metrics.aggregation_settings(plain)
    assert metrics.aggregation_settings(replace(plain, cap=True)) != (
        metrics.aggregation_settings(plain)
    )
    assert set(metrics.STATISTICS_FIELDS) == {"use_covariate", "correction", "confidence"}
    assert config.DEFAULT_CAP in (False, True)


def test_a_late_result_of_an_older_version_is_not_kept():
    from collections import OrderedDict

    entries: OrderedDict = OrderedDict()
    plain = metrics.AnalysisSettings(horizon_days=60)
    precompute._keep(entries, ("db", 1, 5, plain), "v5", 10)
    precompute._keep(entries, ("db", 1, 4, plain), "v4 finished late", 10)  # a stale job
    precompute._keep(entries, ("other", 1, 1, plain), "another store", 10)
    assert dict(entries) == {("db", 1, 5, plain): "v5", ("other", 1, 1, plain): "another store"}
    precompute._keep(entries, ("db", 1, 6, plain), "v6", 10)
    assert ("db", 1, 5, plain) not in entries and entries[("db", 1, 6, plain)] == "v6"


def test_a_superseded_job_is_stopped_and_still_awaited_at_exit(store, monkeypatch):
    """A write while a job joins the transactions: the old version's job is told to stop
    (not left running a second join beside the new one) and stop_all still waits for it."""
    import threading

    release = threading.Event()
    real_build = results_cache.build

    def slow_build(cur, spec, horizons, version):
        release.wait(30)
        return real_build(cur, spec, horizons, version)

    monkeypatch.setattr(results_cache, "build", slow_build)
    settings = metrics.AnalysisSettings(horizon_days=60)
    first = metrics.aggregate_experiment(store, 1, settings)
    old = precompute.start(store, 1, 1, first)
    new = precompute.start(store, 1, 2, first)
    assert old.stop.is_set() and not new.stop.is_set()
    assert old in precompute._retired
    release.set()
    precompute.stop_all(timeout=60)
    assert old.done.is_set() and new.done.is_set()
    assert old.computed == 0  # it stopped before computing anything for a stale version


def test_the_background_job_waits_while_a_page_query_runs(store):
    """A page's own query goes first: the job starts no aggregate while one runs."""
    import time

    precompute.first_open(store, 1, metrics.AnalysisSettings(horizon_days=60))
    job = precompute.job_for(store, 1)
    assert job is not None and job.materialized is not None  # built by the first open
    with precompute._serving():  # a page query in flight
        job.go.set()  # the page is drawn: the job may run
        time.sleep(1.5)
        assert job.computed == 0 and not job.done.is_set()
    assert precompute.wait(store, 1, timeout=120)
    assert job.error is None and job.computed > 0 and job.materialized is None


def test_a_labelled_build_has_tables_of_its_own_and_goes_stale_like_the_others(store):
    """The job's build of every offered horizon sits beside the first open's (a view may still
    read those): its own names, dropped with its version."""
    version = store.version()
    with store.cursor() as cur:
        _, spec, _, _ = metrics.query_spec(cur, 1)
        opened = results_cache.build(cur, spec, (60,), version)
        offered = results_cache.build(cur, spec, HORIZONS, version, label="offered")
        assert opened.table != offered.table
        served = metrics_sql.experiment_aggregates(cur, spec, window=opened.window())
        assert results_cache.drop_stale(cur, version) == []  # both are of this version
        again = metrics_sql.experiment_aggregates(cur, spec, window=opened.window())
        assert served.arms[1].n(60) == again.arms[1].n(60) > 0
        assert len(results_cache.drop_stale(cur, version + 1)) == 8  # 4 parts of each build
    with pytest.raises(ValueError):
        results_cache.table_name(1, version, "x; DROP TABLE transactions")


def test_the_assigned_table_is_held_in_memory_and_the_sums_in_the_scratch_file(store):
    """The assigned customers' table is on the first open's critical path: written into the
    scratch file it cost 0.78 s of CPU at 1M customers, into memory 0.43 s. The folds stay in
    the file (evictable within the memory limit); all parts are dropped alike."""
    version = store.version()
    with store.cursor() as cur:
        _, spec, _, _ = metrics.query_spec(cur, 1)
        built = results_cache.build(cur, spec, (60,), version)
        where = dict(
            cur.execute(
                "SELECT t.table_name, d.path FROM duckdb_tables() t "
                "JOIN duckdb_databases() d ON d.database_name = t.database_name "
                "WHERE t.table_name LIKE ?",
                [f"{built.table}%"],
            ).fetchall()
        )
        assert where.keys() == {f"{built.table}{part}" for part in results_cache._PARTS}
        assert where.pop(f"{built.table}_assigned") is None  # an in-memory database
        assert all(path and str(path).endswith(".duckdb") for path in where.values())
        direct = metrics_sql.experiment_aggregates(cur, spec)
        served = metrics_sql.experiment_aggregates(cur, spec, window=built.window())
        assert served.arms[1].n(60) == direct.arms[1].n(60) > 0
        assert len(results_cache.drop_stale(cur, version + 1)) == len(results_cache._PARTS)
        left = cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE ?", [f"{built.table}%"]
        ).fetchone()
    assert left == (0,)
