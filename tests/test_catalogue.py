"""The metric catalogue: one declaration per metric, read by every layer; one capping rule."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from experiments import catalogue, decision, demo, design, metrics, stats
from experiments.catalogue import GroupStats, Moments, Request
from experiments.charts import results as chart_results
from experiments.store import builder, capping, filestats


def test_every_layer_reads_the_catalogue_lists():
    assert design.GUARDRAIL_METRICS == {
        "margin_per_customer": "kept_margin",
        "repeat_purchase": "repeat_purchase",
        "orders": "orders",
    }
    assert design.GUARDRAIL_METRICS is catalogue.GUARDRAILS
    assert decision.DECISION_METRIC == catalogue.DECISION_METRIC.name == "net_value"
    assert tuple(m.name for m in catalogue.METRICS if m.tested) == demo.METRICS
    assert catalogue.HORIZON_METRICS == (
        "repeat_purchase", "orders", "revenue", "margin", "cost", "net_value",
    )  # fmt: skip
    assert catalogue.CAPPED == ("revenue", "margin", "net_value")  # cost is paid in full
    for currency in ("RUB", "EUR"):  # money in the store's currency
        units = {chart_results._metric_unit(m.name, currency) for m in catalogue.METRICS}
        assert units == {"pp", "orders", currency}


def test_each_metric_declares_what_its_inference_needs():
    for m in catalogue.METRICS:
        assert {"count", "sum"} <= set(m.aggregates), m.name
        assert m.covariate in catalogue.PRE_PERIOD_COVARIATES
        assert m.test_kind == ("binary" if m.kind == "binary" else "money")
        if m.kind == "binary":  # a 0/1 value's squares are its sum: not computed
            assert "sum_squares" not in m.aggregates
    assert catalogue.KEPT_MARGIN.derived_from == catalogue.DECISION_METRIC.name
    assert catalogue.KEPT_MARGIN.aggregates == ()  # read from net value, never aggregated


def test_requests_ask_each_sum_once_and_only_the_declared_ones():
    requests = catalogue.requests(60, (30, 60, 90), (20, 40, 60))
    keys = [(r.value, r.days) for r in requests]
    assert len(keys) == len(set(keys))
    by_key = {(r.value, r.days): r for r in requests}
    # pre_orders at the horizon: the classic covariate and a CUPED one, merged into one request
    orders_cov = by_key[("pre_orders", 60)]
    assert orders_cov.squares and set(orders_cov.cross) == {
        "pre_recency",
        "pre_buyer",
        "tenure_days",
    }
    rate = by_key[("repeat_purchase", 60)]
    assert not rate.squares and rate.cross == ("pre_buyer",)
    net = by_key[("net_value", 60)]
    assert net.squares and net.cross == ("pre_spend", *catalogue.CUPED_COVARIATES)
    products = builder.products(requests)
    assert builder.Product("repeat_purchase", "repeat_purchase") not in products
    # a cross product asked from both sides is one sum
    assert builder.Product("orders", "pre_orders") in products
    assert builder.Product("pre_orders", "orders") not in products
    assert len(products) == len(set(products))


def test_rollup_counts_only_the_classes_observed_for_each_request():
    """Finest groups -> typed GroupStats: a request at day d sums the groups whose follow-up
    class passes d; products asked from either side read the same column."""
    thresholds = (30, 60)
    groups = pd.DataFrame(
        {
            "arm_id": [1, 1, 1, 2],
            "follow_class": [0, 1, 2, 2],  # observed for: nothing, 30 days, 30 and 60 days
            "customers": [1, 2, 3, 4],
            "x": [10.0, 20.0, 30.0, 40.0],
            "xx": [100.0, 200.0, 300.0, 400.0],
            "xy": [1.0, 2.0, np.nan, 4.0],  # NULL sum of a group: 0
        }
    )
    columns = {
        builder.Product("x"): "x",
        builder.Product("x", "x"): "xx",
        builder.Product("x", "y"): "xy",
    }
    requests = [Request("x", None), Request("x", 30, cross=("y",)), Request("x", 60, False)]
    out = builder.rollup(groups, ["arm_id"], requests, columns, thresholds)
    one = out[(1,)]
    assert one.assigned == 6 and one.observed == {30: 5, 60: 3}
    assert one.get("x", None) == Moments(6, 60.0, 600.0, {})
    assert one.get("x", 30) == Moments(5, 50.0, 500.0, {"y": 2.0})
    assert one.get("x", 60) == Moments(3, 30.0, None, {})
    assert out[(2,)].get("x", 60) == Moments(4, 40.0, None, {})
    # unrequested: zero sums over the right customers; no squares -> the sum (a 0/1 value)
    assert one.get("z", 30) == Moments(5, 0.0)
    assert one.sample("x", 60) == stats.SampleStats(3, 30.0, 30.0)
    assert GroupStats().sample("x", 60) == stats.SampleStats(0, 0.0, 0.0)


def test_metric_stats_reads_typed_moments_with_the_metric_covariate():
    group = GroupStats(
        5,
        {60: 4},
        {
            ("net_value", 60): Moments(4, 10.0, 50.0, {"pre_spend": 7.0}),
            ("pre_spend", 60): Moments(4, 3.0, 9.0),
        },
    )
    assert metrics.metric_stats(group, "net_value", 60) == stats.SampleStats(
        4, 10.0, 50.0, 3.0, 9.0, 7.0
    )
    assert metrics.metric_stats(None, "net_value", 60) == stats.SampleStats(0, 0.0, 0.0)


# -- capping: one rule, numpy and SQL -------------------------------------------------------------
TRICKY = {
    "ties": [5.0, 5.0, 5.0, 5.0, 0.0],
    "negatives only": [-1.0, -2.0, -3.0, -3.0],
    "all zeros": [0.0, 0.0, 0.0],
    "one value": [7.0],
    "one negative": [-7.0],
    "two values": [1.0, -1.0],
    "three values": [0.0, 2.0, 2.5],
    "with NULLs": [None, 3.0, None, -4.0, 1.0],
    "only NULLs": [None, None],
    "refunds and a tail": [-50.0, -1.0, 0.0, 0.0, 1.0, 2.0, 3.0, 1000.0],
}
RULES = [(99.0, None), (50.0, None), (90.0, 75.0)]


def _sql_thresholds(values, rule: stats.CapRule) -> tuple[float | None, float | None]:
    con = duckdb.connect()
    con.execute("CREATE TABLE v (x DOUBLE)")
    if values:
        con.executemany("INSERT INTO v VALUES (?)", [[x] for x in values])
    params: dict[str, object] = {}
    lower, upper = capping.thresholds("x", rule, params)
    row = con.execute(f"SELECT {lower}, {upper} FROM v", params).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize(("percentile", "lower_percentile"), RULES)
@pytest.mark.parametrize("case", sorted(TRICKY))
def test_sql_and_numpy_capping_agree_on_tricky_data(case, percentile, lower_percentile):
    values = TRICKY[case]
    numbers = np.array([np.nan if v is None else v for v in values], dtype=float)
    expected = stats.cap_thresholds(numbers, percentile, lower_percentile)
    rule = stats.CapRule(percentile, lower_percentile)
    got = _sql_thresholds(values, rule)
    from_file = filestats_thresholds(values, percentile, lower_percentile)
    for side in (0, 1):
        if expected[side] is None:
            assert got[side] is None and from_file[side] is None
        else:
            assert got[side] == pytest.approx(expected[side], rel=1e-12)
            assert from_file[side] == pytest.approx(expected[side], rel=1e-12)
    # no negative value, no lower cap; no positive value, no upper cap
    present = [v for v in values if v is not None]
    assert (expected[0] is None) == (not any(v < 0 for v in present))
    assert (expected[1] is None) == (not any(v > 0 for v in present))
    # and the SQL clip is numpy's clip (a missing threshold: that side unbounded)
    lo, hi = (
        (-np.inf if expected[0] is None else expected[0]),
        (np.inf if expected[1] is None else expected[1]),
    )
    con = duckdb.connect()
    clipped = capping.capped("x", "CAST($lo AS DOUBLE)", "CAST($hi AS DOUBLE)")
    for value in present:
        row = con.execute(
            f"SELECT {clipped} FROM (SELECT CAST($x AS DOUBLE) AS x)",
            {"x": value, "lo": expected[0], "hi": expected[1]},
        ).fetchone()
        assert row is not None
        assert row[0] == pytest.approx(float(np.clip(value, lo, hi)))


def filestats_thresholds(values, percentile, lower_percentile):
    con = duckdb.connect()
    filestats.load_source(con, pd.DataFrame({"spend": pd.array(values, dtype="Float64")}))
    return filestats.cap_thresholds(con, "spend", percentile, lower_percentile)


def test_cap_rule_quantiles():
    assert stats.CapRule().upper_quantile == pytest.approx(0.99)
    assert stats.CapRule().lower_quantile == pytest.approx(0.01)
    assert stats.CapRule(90, 75).lower_quantile == pytest.approx(0.25)


def test_the_duckdb_builder_sums_whatever_is_requested(tmp_path):
    """A request the catalogue does not make today (the discount given, with a cross product,
    over everyone and at a horizon) needs no builder change: the generated SQL sums it, and
    the typed result equals pandas on the per-customer rows. Unknown values are refused."""
    from experiments.store import Store, metrics_sql

    store = Store(tmp_path / "demo.duckdb")
    demo.seed_demo(store, customers=1500, seed=3, replace=True)
    spec = metrics_sql.QuerySpec(experiment_id=1, horizon_days=30, cap=False)
    wanted = [Request("discount", 30, cross=("pre_spend",)), Request("discount", None, False)]
    with store.cursor() as cur:
        agg = metrics_sql.DuckDBBuilder(cur).aggregate(spec, wanted)
        frame = metrics_sql.customer_frame(cur, spec)
        with pytest.raises(ValueError, match="Not a per-customer value"):
            metrics_sql.DuckDBBuilder(cur).aggregate(spec, [Request("1; DROP TABLE arms", 30)])
    store.close()
    assert agg.arms and all(set(g.moments) == {("discount", 30), ("discount", None)}
                            for g in agg.arms.values())  # fmt: skip
    for arm_id, group in agg.arms.items():
        rows = frame[frame["arm_id"] == arm_id]
        seen = rows[rows["followup_days"] >= 30]
        got = group.get("discount", 30)
        assert got.n == len(seen)
        assert got.sum == pytest.approx(seen["discount"].sum(), rel=1e-9, abs=1e-9)
        assert got.sum_squares == pytest.approx((seen["discount"] ** 2).sum(), rel=1e-9, abs=1e-9)
        assert got.cross["pre_spend"] == pytest.approx(
            (seen["discount"] * seen["pre_spend"]).sum(), rel=1e-9, abs=1e-9
        )
        everyone = group.get("discount", None)
        assert everyone.n == len(rows) and everyone.sum_squares is None
        assert everyone.sum == pytest.approx(rows["discount"].sum(), rel=1e-9, abs=1e-9)


def test_the_catalogue_is_domain_only_and_light():
    """No SQL engine, no store, no heavy library: pages, the message catalogue and a second
    engine's builder can read the metric definitions without loading DuckDB or scipy."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = (
        "import sys; import experiments.catalogue\n"
        "heavy = [m for m in ('duckdb', 'scipy', 'pandas', 'numpy', 'experiments.store')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
