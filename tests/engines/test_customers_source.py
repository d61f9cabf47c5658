"""The Customers page on a source: the head counts, the RFM segment table and the margin rate
of `source_engine.customer_rfm` on each engine equal `customers.customer_overview` on the
store (counts exactly, money to 1e-9 relative), and so does the CLV fit read from the
source (`clv.fit_store(source=...)`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from experiments import clv, source_engine
from experiments.sources import parse_source
from experiments.store import customers

from ._compare import REL
from .conftest import export_transactions

pytestmark = pytest.mark.engines
ibis_customers = pytest.importorskip(
    "experiments.store.ibis_customers", reason="ibis-framework not installed"
)


@pytest.fixture(scope="session")
def customers_parquet(demo_store, tmp_path_factory):
    return export_transactions(demo_store, tmp_path_factory.mktemp("cust") / "demo.parquet")


def assert_same_overview(got: ibis_customers.RfmOverview, want: customers.CustomerOverview):
    assert got.until == want.until
    assert got.base == want.base
    assert got.segments["segment"].tolist() == want.segments["segment"].tolist()
    assert got.segments["customers"].tolist() == want.segments["customers"].tolist()
    for column in ("revenue", "revenue_share", "repeat_rate"):
        assert got.segments[column].to_numpy() == pytest.approx(
            want.segments[column].to_numpy(), rel=REL, abs=REL
        ), column
    assert got.margin_rate == pytest.approx(want.margin_rate, rel=REL)


@pytest.mark.parametrize("until", [None, dt.date(2025, 3, 1)])
def test_the_rfm_segments_on_a_source_equal_the_stores(
    loaded, demo_store, customers_parquet, until
):
    if loaded.kind == "spark_local" and until is not None:
        pytest.skip("the default cutoff is checked on Spark (each query costs seconds)")
    source, engine = loaded.engine(customers_parquet, "customers")
    with demo_store.cursor() as cur:
        want = customers.customer_overview(cur, until=until)
        store_rate = customers.margin_rate(cur)
    got = ibis_customers.rfm_overview(
        engine,
        source,
        until=want.until,
        lookback_days=365,
        active_days=365,
        store_margin_rate=store_rate,
    )
    assert want.base.customers > 300 and want.base.active_customers > 0
    assert (want.segments["customers"] > 0).sum() >= 6  # most segments are populated
    assert_same_overview(got, want)


def test_the_rfm_overview_asks_the_engine_twice(loaded, demo_store, customers_parquet, monkeypatch):
    """#15: the cut points, then the segments with the head counts and the margin sums in one
    query (was four: cuts, head counts, segments, margin rate); a warehouse charges per query."""
    source, engine = loaded.engine(customers_parquet, "customers")
    with demo_store.cursor() as cur:
        want = customers.customer_overview(cur)
        store_rate = customers.margin_rate(cur)
    asked = []
    real = engine.execute

    def counting(expr, *args, **kwargs):
        asked.append(expr)
        return real(expr, *args, **kwargs)

    monkeypatch.setattr(engine, "execute", counting)
    got = ibis_customers.rfm_overview(
        engine,
        source,
        until=want.until,
        lookback_days=365,
        active_days=365,
        store_margin_rate=store_rate,
    )
    assert len(asked) == 2
    assert_same_overview(got, want)


def test_customer_rfm_reads_the_configured_source(demo_store, customers_parquet, tmp_path):
    """The source_engine entry point: a DuckDB file; the default cutoff is its last day."""
    import duckdb

    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE transactions AS SELECT * FROM '{customers_parquet}'")
    source = parse_source(f"duckdb://{path}")
    source_engine.forget_engines()
    with demo_store.cursor() as cur:
        got = source_engine.customer_rfm(source, cur)
        want = customers.customer_overview(cur)
    assert_same_overview(got, want)


def test_an_empty_source_has_no_customers(demo_store, tmp_path):
    import duckdb

    path = tmp_path / "empty.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE transactions (customer_id VARCHAR, ts TIMESTAMP, amount DOUBLE,"
            " margin DOUBLE, discount DOUBLE, channel VARCHAR)"
        )
    source_engine.forget_engines()
    with demo_store.cursor() as cur:
        got = source_engine.customer_rfm(parse_source(f"duckdb://{path}"), cur)
    assert got.until is None and got.base.customers == 0
    assert got.segments["customers"].sum() == 0
    returns = source_engine.customer_returns(parse_source(f"duckdb://{path}"))
    assert returns.until is None and returns.cohorts.empty and returns.repeat_curve.empty
    with demo_store.cursor() as cur:
        historic = source_engine.historic_clv(parse_source(f"duckdb://{path}"), cur)
    assert historic.status == "insufficient_data" and historic.eligible_customers == 0


def test_the_clv_fit_on_a_source_equals_the_stores(demo_store, customers_parquet, tmp_path):
    import duckdb

    path = tmp_path / "clv.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE transactions AS SELECT * FROM '{customers_parquet}'")
    source_engine.forget_engines()
    source = parse_source(f"duckdb://{path}")
    with demo_store.cursor() as cur:
        want = clv.fit_store(cur, months=6, standard_errors=False)
        got = clv.fit_store(cur, months=6, standard_errors=False, source=source)
    w, g = want.as_json(), got.as_json()
    assert g["customers"] == w["customers"] and g["repeat_customers"] == w["repeat_customers"]
    assert g["clv"]["margin_rate"] == pytest.approx(w["clv"]["margin_rate"], rel=1e-12)
    # cells, not customers: the optimizer takes another path to its own tolerance (1e-6)
    for name in ("mean", "median", "expected_purchases_mean", "probability_alive_mean"):
        assert g["clv"][name] == pytest.approx(w["clv"][name], rel=1e-6), name
    assert len(got.model.predictions) == len(want.model.predictions)
    assert "customer_id" not in got.model.predictions  # no row per customer came back


def test_the_cell_count_is_the_number_of_cells_the_fit_brings_back(
    loaded, demo_store, customers_parquet
):
    from experiments.store import ibis_clv

    source, engine = loaded.engine(customers_parquet, "customers")
    until = ibis_clv.last_transaction_day(engine, source)
    assert until is not None
    cells = ibis_clv.summary_cells(engine, source, until)
    assert ibis_clv.cell_count(engine, source, until) == len(cells) > 100
    with demo_store.cursor() as cur:
        customers_count = len(customers.rfm_summary(cur, until=until))
    assert len(cells) < customers_count == cells["customers"].sum()


def test_the_cli_says_what_a_remote_clv_fit_brings_back(
    demo_store, customers_parquet, tmp_path, monkeypatch
):
    import duckdb

    from .conftest import run_cli

    path = tmp_path / "remote.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE transactions AS SELECT * FROM '{customers_parquet}'")
    source_engine.forget_engines()
    url = f"duckdb://{path}"
    code, _, err = run_cli("--db", str(demo_store.path), "--source", url, "clv", "--json")
    assert code == 0 and "distinct customer summary" not in err  # a local file: no note
    monkeypatch.setattr(source_engine, "is_remote", lambda source: source is not None)
    code, _, err = run_cli("--db", str(demo_store.path), "--source", url, "clv", "--json")
    assert code == 0, err
    assert f"one row per distinct customer summary from {url}" in err


# -- the cohorts, the repeat curve and historic CLV (#11) ------------------------------------------
ibis_returns = pytest.importorskip("experiments.store.ibis_returns")


def assert_same_returns(got: customers.CustomerReturns, want: customers.CustomerReturns):
    assert got.until == want.until
    pd.testing.assert_frame_equal(got.cohorts, want.cohorts, check_exact=True)
    pd.testing.assert_frame_equal(
        got.repeat_curve, want.repeat_curve, check_exact=False, rtol=REL, atol=0
    )
    for column in ("day", "at_risk", "second_purchases", "censored"):  # counts: exactly
        assert got.repeat_curve[column].tolist() == want.repeat_curve[column].tolist()


def assert_same_historic(got: customers.HistoricClv, want: customers.HistoricClv):
    assert (got.status, got.months, got.eligible_customers) == (
        want.status,
        want.months,
        want.eligible_customers,
    )
    for name in ("mean", "median", "p90", "total"):
        assert getattr(got, name) == pytest.approx(getattr(want, name), rel=REL), name
    assert got.histogram["customers"].tolist() == want.histogram["customers"].tolist()
    for column in ("bin_start", "bin_end"):
        assert got.histogram[column].to_numpy() == pytest.approx(
            want.histogram[column].to_numpy(), rel=REL, nan_ok=True
        ), column


@pytest.mark.parametrize("until", [None, dt.date(2025, 3, 1)])
def test_the_cohorts_and_repeat_curve_on_a_source_equal_the_stores(
    loaded, demo_store, customers_parquet, until
):
    if loaded.kind == "spark_local" and until is not None:
        pytest.skip("the default cutoff is checked on Spark (each query costs seconds)")
    source, engine = loaded.engine(customers_parquet, "customers")
    with demo_store.cursor() as cur:
        want = customers.customer_returns(cur, until=until, max_months=12, max_days=120)
    assert want.until is not None
    got = ibis_returns.customer_returns(
        engine, source, until=want.until, max_months=12, max_days=120
    )
    assert len(want.cohorts) > 10 and want.repeat_curve["second_purchases"].sum() > 100
    assert want.repeat_curve["censored"].sum() > 0  # the censoring is exercised
    assert_same_returns(got, want)


@pytest.mark.parametrize(("until", "months"), [(None, 12), (dt.date(2025, 3, 1), 3)])
def test_the_historic_clv_on_a_source_equals_the_stores(
    loaded, demo_store, customers_parquet, until, months
):
    if loaded.kind == "spark_local" and until is not None:
        pytest.skip("the default cutoff is checked on Spark (each query costs seconds)")
    source, engine = loaded.engine(customers_parquet, "customers")
    with demo_store.cursor() as cur:
        cutoff = until or customers.last_transaction_day(cur)
        want = customers.historic_clv(cur, until=until, months=months, bins=30)
        rate = customers.margin_rate(cur)
    assert cutoff is not None
    got = ibis_returns.historic_clv(
        engine, source, until=cutoff, months=months, bins=30, margin_rate=rate
    )
    assert want.eligible_customers > 100
    assert_same_historic(got, want)


# -- the experiment CLV projection's follow-up (#11) ------------------------------------------
ibis_followup = pytest.importorskip("experiments.store.ibis_followup")


def followup_rows(columns: dict) -> pd.DataFrame:
    """The rows of a `followup_summaries` part in one canonical order (the parts' rows come in
    no particular order)."""
    frame = pd.DataFrame({name: np.asarray(values) for name, values in columns.items()})
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def assert_same_followup(got: customers.Followup, want: customers.Followup):
    for part in ("summary", "calibration"):
        g, w = followup_rows(getattr(got, part)), followup_rows(getattr(want, part))
        assert len(g) == len(w) > 1000, part
        for name in ("arm_id", "frequency"):  # counts: exactly
            assert g[name].tolist() == w[name].tolist(), (part, name)
        for name in w.columns:
            assert g[name].to_numpy(dtype=float) == pytest.approx(
                w[name].to_numpy(dtype=float), rel=REL, abs=1e-9
            ), (part, name)


def test_the_projection_followup_on_a_source_equals_the_stores(
    loaded, demo_store, customers_parquet
):
    source, engine = loaded.engine(customers_parquet, "customers")
    with demo_store.cursor() as cur:
        end = customers.last_transaction_day(cur)
        assert end is not None
        window = {
            "start_days": 14,
            "calibration_end": end - dt.timedelta(days=30),
            "end": end,
            "time_unit": "weeks",
        }
        want = customers.followup_summaries(cur, 1, margin_rate=0.3, **window)
        got = ibis_followup.followup_summaries(engine, source, cur, 1, margin_rate=0.3, **window)
        assert engine.tables() == [t for t in engine.tables() if "loyalty_lab_" not in t]
    assert (want.summary["frequency"] > 0).sum() > 100  # buyers after time zero
    assert (want.calibration["holdout_margin"] != 0).sum() > 10  # the held-back days
    assert_same_followup(got, want)


def test_the_per_arm_projection_on_a_source_equals_the_stores(
    demo_store, customers_parquet, tmp_path
):
    """`clv.project_arms(source=...)`, bootstrap included: the rows come back as cells with
    counts in another order, the statistics are the same."""
    import duckdb

    path = tmp_path / "projection.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE transactions AS SELECT * FROM '{customers_parquet}'")
    source_engine.forget_engines()
    source = parse_source(f"duckdb://{path}")
    options = {"bootstrap": 20, "seed": 5, "direct_window_days": 0}  # every arm is checked
    with demo_store.cursor() as cur:
        want = clv.project_arms(cur, 1, **options)
        got = clv.project_arms(cur, 1, **options, source=source)
    assert want.status == "ok" and got.status == want.status
    assert all(a.status == "ok" for a in want.arms)
    assert sum(a.difference is not None and a.ci_lower is not None for a in want.arms) == 3
    assert (got.until, got.holdout_days, got.fit_start_days) == (
        want.until,
        want.holdout_days,
        want.fit_start_days,
    )
    assert len(got.arms) == len(want.arms) >= 3
    for g, w in zip(got.arms, want.arms, strict=True):
        assert (g.name, g.status, g.customers) == (w.name, w.status, w.customers)
        for name in ("observed_margin", "projected_clv", "difference", "ci_lower", "ci_upper"):
            value, wanted = getattr(g, name), getattr(w, name)
            assert (value is None) == (wanted is None), (w.name, name)
            if wanted is not None:
                assert value == pytest.approx(wanted, rel=1e-6, abs=1e-6), (w.name, name)
        assert (g.check is None) == (w.check is None)
        if w.check is not None and g.check is not None:
            assert g.check.customers == w.check.customers
            for name in ("actual_margin", "actual_difference", "predicted_difference"):
                value, wanted = getattr(g.check, name), getattr(w.check, name)
                assert (value is None) == (wanted is None), (w.name, name)
                if wanted is not None:
                    assert value == pytest.approx(wanted, rel=1e-6, abs=1e-6), (w.name, name)
