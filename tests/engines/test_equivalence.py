"""The Ibis builder on real engines gives the DuckDB builder's sums: counts exactly, money to
1e-9 relative; the semantic differences between engines are pinned on hand-made edge cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from experiments.catalogue import Request
from experiments.sources import parse_source
from experiments.store import Store, metrics_sql

from .conftest import export_transactions

pytestmark = pytest.mark.engines
ibis_builder = pytest.importorskip(
    "experiments.store.ibis_builder", reason="ibis-framework not installed"
)
pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")


def supported_requests(spec: metrics_sql.QuerySpec) -> list[Request]:
    """The spec's catalogue requests, restricted to what the Ibis builder covers now."""
    ok = ibis_builder._supported(spec)
    return [
        Request(r.value, r.days, r.squares, tuple(c for c in r.cross if c in ok))
        for r in spec.requests
        if r.value in ok
    ]


def assert_same(got, want) -> None:
    assert set(got) == set(want)
    for key in want:
        g, w = got[key], want[key]
        assert g.assigned == w.assigned, key
        assert dict(g.observed) == dict(w.observed), key
        assert set(g.moments) == set(w.moments), key
        for request, wm in w.moments.items():
            gm = g.moments[request]
            where = (key, request)
            assert gm.n == wm.n, where
            assert gm.sum == pytest.approx(wm.sum, rel=1e-9, abs=1e-9), where
            if wm.sum_squares is None:
                assert gm.sum_squares is None, where
            else:
                assert gm.sum_squares == pytest.approx(wm.sum_squares, rel=1e-9, abs=1e-9)
            assert set(gm.cross) == set(wm.cross), where
            for other, value in wm.cross.items():
                assert gm.cross[other] == pytest.approx(value, rel=1e-9, abs=1e-9), where


@pytest.fixture(scope="session")
def demo_parquet(demo_store, tmp_path_factory):
    return export_transactions(demo_store, tmp_path_factory.mktemp("src") / "demo.parquet")


@pytest.mark.parametrize("horizon", [30, 60])
def test_the_demo_store_gives_the_duckdb_sums_on_every_engine(
    loaded, demo_store, demo_parquet, horizon
):
    source, engine = loaded.engine(demo_parquet, "demo")
    spec = metrics_sql.QuerySpec(experiment_id=1, horizon_days=horizon, cap=False, discounts="data")
    requests = supported_requests(spec)
    assert len(requests) > 30  # a real slice of the catalogue, not a token one
    with demo_store.cursor() as cur:
        want = metrics_sql.DuckDBBuilder(cur).aggregate(spec, requests)
        got = ibis_builder.IbisBuilder(engine, source, cur).aggregate(spec, requests)
    assert len(want.arms) == 4 and sum(g.assigned for g in want.arms.values()) > 1500
    assert_same(got.arms, want.arms)
    assert_same(got.segments, {k: v for k, v in want.segments.items() if k[0] != "attribute"})
    assert (got.first_ts, got.last_ts) == (want.first_ts, want.last_ts)


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
    requests = supported_requests(spec)
    with edge_store.cursor() as cur:
        frame = metrics_sql.customer_frame(cur, spec).set_index("customer_id")
        want = metrics_sql.DuckDBBuilder(cur).aggregate(spec, requests)
        got = ibis_builder.IbisBuilder(engine, source, cur).aggregate(spec, requests)
    repeat = frame["repeat_30"].to_dict()
    assert repeat == {
        "c_exact": 1, "c_one_us_late": 0, "c_late_evening": 1, "c_next_morning": 0,
        "c_instant": 0, "c_pre": 0,
    }  # fmt: skip
    assert frame.loc["c_pre", "pre_orders"] == 2 and frame.loc["c_instant", "pre_orders"] == 0
    assert frame.loc["c_instant", "revenue"] == -5.0
    assert_same(got.arms, want.arms)
    assert_same(got.segments, {k: v for k, v in want.segments.items() if k[0] != "attribute"})


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
    ("spec", "requests", "message"),
    [
        (dict(cap=True), [Request("revenue", 30)], "does not cap yet"),
        (dict(discounts="configured"), [Request("revenue", 30)], "data's discounts only"),
        (dict(segment_attribute="city"), [Request("revenue", 30)], "attribute segments"),
        ({}, [Request("pre_spend_capped", 30)], "'pre_spend_capped'"),
        ({}, [Request("revenue", 30, cross=("pre_spend_capped",))], "'pre_spend_capped'"),
        ({}, [Request("1; DROP TABLE arms", 30)], "Not yet computed"),
    ],
)
def test_what_is_not_covered_yet_is_refused(edge_store, spec, requests, message):
    import duckdb

    defaults = dict(experiment_id=1, horizon_days=30, cap=False, discounts="data")
    full = metrics_sql.QuerySpec(**{**defaults, **spec})
    engine = ibis_builder.DuckDBEngine(duckdb.connect())
    builder = ibis_builder.IbisBuilder(engine, parse_source("duckdb://"), None)
    with pytest.raises(ValueError, match=message):
        builder.aggregate(full, requests)


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
    requests = supported_requests(spec)
    engine = ibis_builder.connect(source)
    with edge_store.cursor() as cur:
        want = metrics_sql.DuckDBBuilder(cur).aggregate(spec, requests)
        got = ibis_builder.IbisBuilder(engine, source, cur).aggregate(spec, requests)
    assert_same(got.arms, want.arms)
    wrong = replace(source, columns={**mapping, "amount": "paid"})
    with edge_store.cursor() as cur, pytest.raises(ValueError, match="has no column paid"):
        ibis_builder.IbisBuilder(engine, wrong, cur).aggregate(spec, requests)
