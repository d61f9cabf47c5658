"""The Design page on a source: the audience counts, spend summary and histogram, the planner's
baseline and the audience's per-customer rows for the assignment, computed by each engine
(`store.ibis_design`), equal `design_sql`'s on the store (counts exactly, money to 1e-9
relative); the randomization stays in Python, so the same salt gives the same hash units."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from experiments import source_engine
from experiments.design.audience import AudienceFilter
from experiments.store import design_sql
from experiments.store import settings as store_settings

from ._compare import REL
from .conftest import export_transactions

pytestmark = pytest.mark.engines
ibis_design = pytest.importorskip(
    "experiments.store.ibis_design", reason="ibis-framework not installed"
)

# no filter; named segments and a channel (the last order's); ranges with fractional bounds,
# scores and an uploaded attribute (its ids travel as a temporary table); an old day
FILTERS = {
    "everyone": AudienceFilter(),
    "segments_channel": AudienceFilter(
        segments=("loyal", "champions", "at risk"), channels=("app",)
    ),
    "ranges_scores_attribute": AudienceFilter(
        recency_max=90.5,
        monetary_min=1500.25,
        tenure_min=30,
        r_scores=(3, 4, 5),
        f_scores=(2, 3, 4, 5),
        attributes=(("city", ("Moscow", "Kazan")),),
    ),
    "as_of_lookback": AudienceFilter(as_of=dt.date(2026, 6, 1), lookback_days=90, frequency_min=1),
}
SPARK_FILTERS = ("ranges_scores_attribute",)


@pytest.fixture(scope="session")
def design_parquet(demo_store, tmp_path_factory):
    return export_transactions(demo_store, tmp_path_factory.mktemp("design") / "demo.parquet")


def engine_for(loaded, design_parquet, name):
    if loaded.kind == "spark_local" and name not in SPARK_FILTERS:
        pytest.skip("Spark runs the filter case with every kind of filter (seconds a query)")
    return loaded.engine(design_parquet, "design")


@pytest.mark.parametrize("name", list(FILTERS))
def test_the_audience_on_a_source_equals_the_stores(loaded, demo_store, design_parquet, name):
    source, engine = engine_for(loaded, design_parquet, name)
    filters = FILTERS[name]
    with demo_store.cursor() as cur:
        want = design_sql.audience(cur, filters)
        got = ibis_design.audience(engine, source, cur, filters)
    assert want.customers > 50
    assert got.customers == want.customers and got.as_of == want.as_of
    assert got.spend_mean == pytest.approx(want.spend_mean, rel=REL)
    assert got.spend_median == pytest.approx(want.spend_median, rel=REL)
    assert got.histogram["customers"].tolist() == want.histogram["customers"].tolist()
    np.testing.assert_allclose(got.histogram["bin_end"], want.histogram["bin_end"], rtol=REL)


@pytest.mark.parametrize("name", list(FILTERS))
def test_the_planner_inputs_on_a_source_equal_the_stores(loaded, demo_store, design_parquet, name):
    source, engine = engine_for(loaded, design_parquet, name)
    filters = FILTERS[name]
    with demo_store.cursor() as cur:
        want = design_sql.planner_inputs(cur, filters, 30)
        rate = store_settings.margin_rate(cur)
        got = ibis_design.planner_inputs(engine, source, cur, filters, 30, rate)
    assert want.history_customers > 50 and want.status == "ok"
    assert got.customers == want.customers
    assert got.history_customers == want.history_customers
    assert got.weekly_flow == want.weekly_flow
    for field in ("baseline_rate", "value_mean", "value_variance", "pre_post_correlation"):
        assert getattr(got, field) == pytest.approx(getattr(want, field), rel=REL), field


@pytest.mark.parametrize("name", list(FILTERS))
def test_the_audience_units_on_a_source_equal_the_stores(
    loaded, demo_store, design_parquet, name, monkeypatch
):
    source, engine = engine_for(loaded, design_parquet, name)
    filters = FILTERS[name]
    monkeypatch.setattr(source_engine, "open_engine", lambda _source: engine)
    with demo_store.cursor() as cur:
        want = design_sql.audience_units(cur, filters, "salt-7")
        got = source_engine.audience_units(cur, filters, "salt-7", source)
        assert ibis_design.audience_size(engine, source, cur, filters) == len(want)
    assert list(got.columns) == list(want.columns)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert (got["unit"].to_numpy() == want["unit"].to_numpy()).all()  # bit for bit
    for column in ("segment", "spend_tier", "pre_orders", "recency_days", "pre_repeat"):
        assert got[column].astype(str).tolist() == want[column].astype(str).tolist(), column
    np.testing.assert_allclose(got["pre_spend"], want["pre_spend"], rtol=REL)


def test_the_audience_options_on_a_source_equal_the_stores(loaded, demo_store, design_parquet):
    if loaded.kind == "spark_local":
        pytest.skip("two plain queries: DuckDB and chDB suffice")
    source, engine = loaded.engine(design_parquet, "design")
    with demo_store.cursor() as cur:
        want = design_sql.audience_options(cur)
        got = ibis_design.audience_options(engine, source, cur)
    assert got.channels == want.channels and len(want.channels) >= 2
    assert got.attributes == want.attributes
    assert got.average_order_value == pytest.approx(want.average_order_value, rel=REL)


def test_only_a_server_is_a_remote_source():
    from experiments.sources import parse_source

    assert source_engine.is_remote(parse_source("spark://host:15002"))
    assert source_engine.is_remote(parse_source("clickhouse://u@host:8123/db"))
    for url in ("duckdb:///tmp/x.duckdb", "spark+local://2", "chdb:///tmp/ch"):
        assert not source_engine.is_remote(parse_source(url)), url
    assert not source_engine.is_remote(None)


def test_the_spend_tiers_are_duckdbs_ntile(monkeypatch):
    """`audience_units`' tiers on a source: ntile(4) over (spend, customer id) - ties in
    spend broken by the id, the first n % 4 tiles one longer."""
    import duckdb

    from experiments.sources import parse_source

    rows = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in (5, 3, 1, 4, 2, 6, 0)],
            "segment": "lost",
            "pre_spend": [10.0, 10.0, 5.0, 20.0, 5.0, 0.0, 30.0],
            "pre_orders": 1,
            "recency_days": 3,
        }
    )
    with duckdb.connect() as con:
        con.register("rows_frame", rows)
        want = con.execute(
            "SELECT customer_id, ntile(4) OVER (ORDER BY pre_spend, customer_id) AS tier"
            " FROM rows_frame"
        ).df()
    monkeypatch.setattr(ibis_design, "audience_rows", lambda *_: rows)
    monkeypatch.setattr(source_engine, "open_engine", lambda _source: None)
    source = parse_source("duckdb:///nowhere.duckdb")
    units = source_engine.audience_units(None, AudienceFilter(), "s", source)  # type: ignore[arg-type]
    got = dict(zip(units["customer_id"], units["spend_tier"].astype(int), strict=True))
    assert got == dict(zip(want["customer_id"], want["tier"].astype(int), strict=True))


@pytest.mark.parametrize("as_of", [dt.date(2026, 5, 1), dt.date(2026, 9, 15)])
def test_the_balance_sums_on_a_source_equal_the_stores(loaded, demo_store, design_parquet, as_of):
    """The frozen experiment's balance check: its assignments joined to the pre-period
    features on the engine (a temporary table), the sums per arm equal the store's."""
    if loaded.kind == "spark_local" and as_of.month != 9:
        pytest.skip("one day on Spark")
    source, engine = loaded.engine(design_parquet, "design")
    with demo_store.cursor() as cur:
        want = design_sql.balance_sums(cur, 1, as_of, 365)
        got = ibis_design.balance_sums(engine, source, cur, 1, as_of, 365)
    assert len(want) == 4 and sum(n for _, n, _ in want) > 1500
    assert [(arm, n) for arm, n, _ in got] == [(arm, n) for arm, n, _ in want]
    for (_, _, g), (_, _, w) in zip(got, want, strict=True):
        assert g == pytest.approx(w, rel=REL)
    assert any(s > 0 for _, _, sums in want for s in sums)
    assert engine.tables() == [t for t in engine.tables() if not t.startswith("loyalty_lab_")]
