"""The Ibis builder on real engines gives the DuckDB builder's answers: counts exactly, money to
1e-9 relative, for everything the Results analysis asks (`metrics.aggregate_experiment` then
`analyse`); the semantic differences between engines are pinned on hand-made edge cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from experiments import metrics
from experiments.catalogue import Request
from experiments.metrics import AnalysisSettings
from experiments.sources import parse_source
from experiments.store import Store, metrics_sql

from ._compare import assert_same, assert_same_aggregates, assert_same_json
from .conftest import export_transactions

pytestmark = pytest.mark.engines
ibis_builder = pytest.importorskip(
    "experiments.store.ibis_builder", reason="ibis-framework not installed"
)
pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")


@pytest.fixture(scope="session")
def demo_parquet(demo_store, tmp_path_factory):
    return export_transactions(demo_store, tmp_path_factory.mktemp("src") / "demo.parquet")


# The Results page's settings that change the query (metrics.AGGREGATION_FIELDS), and the
# discount rule: defaults (no capping, the data's discounts), capping with CUPED's RFM
# indicators, and everything else at once (horizon 60, capping at 95%, attribute segments,
# configured discounts). Spark runs the first and the last (each Spark query costs seconds).
SPARK_CASES = ("defaults", "attribute_configured_95")
ANALYSIS_CASES = {
    "defaults": (AnalysisSettings(), {}),
    "capped": (AnalysisSettings(cap=True), {}),
    "attribute_configured_95": (
        AnalysisSettings(cap=True, cap_percentile=95, segment_attribute="city", horizon_days=60),
        {"discounts": "configured"},
    ),
}


@pytest.mark.parametrize("case", list(ANALYSIS_CASES))
def test_the_results_analysis_on_a_source_equals_duckdb(loaded, demo_store, demo_parquet, case):
    """`aggregate_experiment` on the store, the same spec through the Ibis builder, then
    `analyse` of each: the whole Results analysis (effects, CUPED, caps, decay, payback and
    fading, segments, KM curves, distribution) as `analyze --json` prints it."""
    if loaded.kind == "spark_local" and case not in SPARK_CASES:
        pytest.skip("capping is checked on Spark by attribute_configured_95")
    settings, overrides = ANALYSIS_CASES[case]
    source, engine = loaded.engine(demo_parquet, "demo")
    want = metrics.aggregate_experiment(demo_store, 1, settings)
    spec = replace(want.spec, **overrides)
    with demo_store.cursor() as cur:
        if overrides:
            want = replace(want, spec=spec, aggregates=metrics_sql.DuckDBBuilder(cur).aggregate(
                spec, spec.requests))  # fmt: skip
        got = replace(
            want,
            aggregates=ibis_builder.IbisBuilder(engine, source, cur).aggregate(spec, spec.requests),
        )
    assert_same_aggregates(got.aggregates, want.aggregates)
    w = want.aggregates
    assert bool(w.caps) == settings.cap and len(w.survival) > 50 and len(w.distribution) > 20
    assert any(k[0] == "attribute" for k in w.segments) == (settings.segment_attribute is not None)
    assert any(n.startswith("rfm_segment=") for n in w.moments[1]["net_value"].names)
    assert w.discount_source == overrides.get("discounts", "data")
    assert sum(g.assigned for g in w.arms.values()) > 1500 and len(w.arms) == 4
    assert len(spec.requests) > 30 and len(w.moments[1]) == 5  # the whole catalogue
    want_json = metrics.analyse(want, settings).as_json()
    assert_same_json(metrics.analyse(got, settings).as_json(), want_json)
    assert want_json["effects"]


START = datetime(2024, 3, 1, 23, 0, 0)
DAY = timedelta(days=1)
US = timedelta(microseconds=1)
# customer -> (assigned_at, purchases): each pins one boundary of "within 30 days"
EDGES = {
    # 30 x 24 hours exactly: in; one microsecond later: not (microsecond offsets, no rounding)
    "c_exact": (START, [START + 30 * DAY]),
    "c_one_us_late": (START, [START + 30 * DAY + US]),
    # 29 days 1 hour: in, though it is 30 calendar days later (a day-boundary diff says 30)
    "c_late_evening": (START, [START + 29 * DAY + timedelta(hours=1, minutes=30)]),
    # 30 calendar days, 30 days + 2 hours: out (a 24-hour-unit diff truncates to 30: in)
    "c_next_morning": (datetime(2024, 3, 1, 1, 0), [datetime(2024, 3, 31, 3, 0)]),
    # at the assignment instant: neither pre-period nor window; a refund counts in revenue only
    "c_instant": (START, [START, START + 2 * DAY]),
    "c_pre": (START, [START - 10 * DAY - US, START - US]),
}


@pytest.fixture(scope="session")
def edge_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("edges") / "edges.duckdb")
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO uploads VALUES (1, 'edges', 'x', 'transactions', 'transactions', 0, now(),"
            " 'ok', NULL, NULL)"
        )
        cur.execute(
            "INSERT INTO experiments (experiment_id, name, status, salt, created_at)"
            " VALUES (1, 'edges', 'running', 's', now())"
        )
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation, cost_per_customer)"
            " VALUES (1, 0, 'control', 'control', 0.5, 0), (1, 1, 'gift', 'gift', 0.5, 1.25)"
        )
        for i, (customer, (assigned, purchases)) in enumerate(EDGES.items()):
            cur.execute("INSERT INTO customers VALUES (?, ?)", [customer, assigned - 400 * DAY])
            cur.execute(
                "INSERT INTO assignments (experiment_id, customer_id, arm_id, assigned_at)"
                " VALUES (1, ?, ?, ?)",
                [customer, i % 2, assigned],
            )
            for j, ts in enumerate(purchases):
                amount = -5.0 if customer == "c_instant" and j == 1 else 10.0 + j
                cur.execute(
                    "INSERT INTO transactions (customer_id, ts, amount, margin, discount,"
                    " upload_id) VALUES (?, ?, ?, ?, 0.5, 1)",
                    [customer, ts, amount, None if j else 3.0],
                )
        # the data's end, far enough for every customer to be observed at 30 days
        cur.execute(
            "INSERT INTO transactions (customer_id, ts, amount, discount, upload_id)"
            " VALUES ('c_other', ?, 1.0, 0, 1)",
            [START + 90 * DAY],
        )
    yield store
    store.close()


def test_day_boundaries_are_24_hour_units_in_microseconds_on_every_engine(
    loaded, edge_store, tmp_path_factory
):
    """The known answer first (DuckDB), then every engine equal to it."""
    parquet = export_transactions(edge_store, tmp_path_factory.mktemp("e") / "edges.parquet")
    source, engine = loaded.engine(parquet, "edges")
    spec = metrics_sql.QuerySpec(
        experiment_id=1, horizon_days=30, repeat_horizons=(30,), cap=False, discounts="data"
    )
    requests = spec.requests
    with edge_store.cursor() as cur:
        frame = metrics_sql.customer_frame(cur, spec).set_index("customer_id")
        want = metrics_sql.DuckDBBuilder(cur).aggregate(spec, requests)
        got = ibis_builder.IbisBuilder(engine, source, cur).aggregate(spec, requests)
        capped = replace(spec, cap=True, cap_percentile=90)  # Spark caps in the analysis test
        want_capped = metrics_sql.DuckDBBuilder(cur).aggregate(capped, capped.requests)
        got_capped = (
            want_capped
            if loaded.kind == "spark_local"
            else ibis_builder.IbisBuilder(engine, source, cur).aggregate(capped, capped.requests)
        )
    repeat = frame["repeat_30"].to_dict()
    assert repeat == {
        "c_exact": 1, "c_one_us_late": 0, "c_late_evening": 1, "c_next_morning": 0,
        "c_instant": 0, "c_pre": 0,
    }  # fmt: skip
    assert frame.loc["c_pre", "pre_orders"] == 2 and frame.loc["c_instant", "pre_orders"] == 0
    assert frame.loc["c_instant", "revenue"] == -5.0
    assert_same_aggregates(got, want)
    # Kaplan-Meier: the purchase at exactly 30 x 24 hours is an event on day 30
    events = want.survival[want.survival["event"]]
    assert 30 in events["duration_days"].tolist()
    assert_same_aggregates(got_capped, want_capped)
    assert want_capped.caps["net_value"][0] is not None  # the refund: a lower cap too


def test_the_temporary_assignments_table_is_dropped_even_on_failure(
    loaded, edge_store, tmp_path_factory
):
    parquet = export_transactions(edge_store, tmp_path_factory.mktemp("d") / "edges.parquet")
    _, engine = loaded.engine(parquet, "drop")
    frame = ibis_builder.assignment_frame(edge_store.cursor(), 1)
    with pytest.raises(RuntimeError, match="boom"), engine.temporary_table(frame) as table:
        name = table.get_name()
        assert name.startswith(ibis_builder.ASSIGNMENTS_PREFIX) and len(name) > 30
        assert len(engine.execute(table)) == len(EDGES)
        assert name in engine.tables()  # so the check after the block can see it
        raise RuntimeError("boom")
    with engine.temporary_table(frame) as table:
        assert table.get_name() != name  # a fresh name each time: two runs cannot clash
    assert not [t for t in engine.tables() if t.startswith(ibis_builder.ASSIGNMENTS_PREFIX)]


@pytest.mark.parametrize(
    "requests",
    [
        [Request("1; DROP TABLE arms", 30)],
        [Request("revenue", 30, cross=("customer_id",))],
        [Request("rfm_segment", 30)],
    ],
)
def test_a_value_that_is_not_the_analysiss_is_refused(requests):
    """Every value of the catalogue's requests is computed now; a name that is none of them
    never reaches the engine (the whitelist is what makes names safe in expressions)."""
    defaults = dict(experiment_id=1, horizon_days=30, cap=False, discounts="data")
    engine = ibis_builder.DuckDBEngine(duckdb.connect())
    builder = ibis_builder.IbisBuilder(engine, parse_source("duckdb://"), None)
    with pytest.raises(ValueError, match="Not a per-customer value of the analysis"):
        builder.aggregate(metrics_sql.QuerySpec(**defaults), requests)


def test_the_store_itself_is_not_read_through_ibis():
    """`duckdb://` (the store) stays on `metrics_sql.DuckDBBuilder`: the local path does not
    go through Ibis."""
    with pytest.raises(ValueError, match="DuckDBBuilder"):
        ibis_builder.connect(parse_source("duckdb://"))


def test_clickhouse_quantiles_compile_to_the_exact_interpolating_one():
    """Ibis 12 compiles `quantile` to ClickHouse's approximate `quantile`; the builder's
    compiler uses `quantileExactInclusive` (DuckDB's `quantile_cont` rule), and DuckDB and
    Spark keep their exact ones."""
    import ibis

    t = ibis.table({"x": "float64"}, name="t")
    expr = t.aggregate(cap=t.x.quantile(0.99, where=t.x > 0))
    sql = ibis_builder.compiled_sql(expr, "clickhouse")
    assert "quantileExactInclusiveIf(0.99)" in sql and "quantile(" not in sql
    assert "quantileIf(" in ibis.to_sql(expr, dialect="clickhouse")  # what Ibis alone gives
    assert "QUANTILE_CONT" in ibis_builder.compiled_sql(expr, "duckdb")
    # a ClickHouse server: `connect` sets the compiler on the connection, which Ibis then uses
    from ibis.backends.clickhouse import Backend

    server = Backend()
    server.compiler = ibis_builder.exact_clickhouse_compiler()
    assert "quantileExactInclusiveIf(0.99)" in server.compile(expr)


# pre-period orders of 10 buyers, ties included: 10 x 0.2 and 10 x 0.6 are whole, where
# PERCENTILE_DISC (DuckDB) takes the element below ClickHouse's quantileExact (index n x q)
CUT_ORDERS = [8.0, 1.0, 3.0, 13.0, 1.0, 3.0, 2.0, 5.0, 3.0, 8.0]


@pytest.mark.parametrize("n", [5, 10])
def test_cut_points_are_duckdbs_exact_quantiles_on_every_engine(loaded, demo_parquet, n):
    """The RFM cuts (discrete) and the caps (linear interpolation) on each engine equal
    DuckDB's quantile_disc and quantile_cont, on values where the rules differ: n = 5 has
    0.6 x 5 just above 3 in doubles; n = 10 has whole n x q."""
    import ibis

    _, engine = loaded.engine(demo_parquet, "demo")
    orders = CUT_ORDERS[:n]
    spend = [round(17.5 * v + i, 2) for i, v in enumerate(orders)]
    frame = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(n)], "pre_orders": orders, "spend": spend}
    )
    with duckdb.connect() as con:
        con.register("f", frame)
        cuts, cap = con.execute(
            "SELECT quantile_disc(pre_orders, [0.2, 0.4, 0.6, 0.8]),"
            " quantile_cont(spend, 0.9) FROM f"
        ).fetchone()
    assert cap not in spend  # the interpolation matters
    with engine.temporary_table(frame) as table:
        expr = ibis_builder._discrete_cuts(table, ["pre_orders", "spend"], ibis).cross_join(
            table.aggregate(cap=table.spend.quantile(0.9))
        )
        got = engine.execute(expr).set_index("name").loc["pre_orders"]
    assert [float(got[f"c{i}"]) for i in range(1, 5)] == cuts
    assert float(got["cap"]) == pytest.approx(cap, rel=1e-12)
    if n == 10:  # the element at index n x q (ClickHouse's quantileExact) is another cut
        ordered = sorted(orders)
        assert [ordered[int(n * q)] for q in ibis_builder.RFM_QUANTILES] != cuts


def test_a_column_mapping_reads_a_source_with_its_own_names(edge_store, tmp_path):
    """`[source.columns]`: a warehouse table with other column names gives the same sums."""
    import duckdb

    parquet = export_transactions(edge_store, tmp_path / "edges.parquet")
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE receipts AS SELECT customer_id AS card_no, ts AS sold_at, amount,"
            f" margin AS gross_margin, discount FROM read_parquet('{parquet}')"
        )
    mapping = {"customer_id": "card_no", "ts": "sold_at", "margin": "gross_margin"}
    source = replace(parse_source(f"duckdb://{path}", mapping), table="receipts")
    spec = metrics_sql.QuerySpec(experiment_id=1, horizon_days=30, cap=False, discounts="data")
    requests = spec.requests
    engine = ibis_builder.connect(source)
    with edge_store.cursor() as cur:
        want = metrics_sql.DuckDBBuilder(cur).aggregate(spec, requests)
        got = ibis_builder.IbisBuilder(engine, source, cur).aggregate(spec, requests)
    assert_same(got.arms, want.arms)
    wrong = replace(source, columns={**mapping, "amount": "paid"})
    with edge_store.cursor() as cur, pytest.raises(ValueError, match="has no column paid"):
        ibis_builder.IbisBuilder(engine, wrong, cur).aggregate(spec, requests)
