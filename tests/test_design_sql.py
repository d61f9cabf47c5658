"""Design SQL on a fresh store: features, RFM, audiences, planner inputs, hash units, CLI."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import config, design, experiment
from experiments.__main__ import main as cli
from experiments.design import AudienceFilter, ExperimentSpec
from experiments.store import Store
from experiments.store import design_sql as ds
from tests.design_store import (
    AS_OF,
    CONTROL,
    DISCOUNT,
    GIFT,
    fill,
    spec,
)
from tests.rfm_rule import segment_rule


@pytest.fixture
def filled(store):
    return fill(store)


def pandas_features(frame: pd.DataFrame, as_of: date, lookback: int) -> pd.DataFrame:
    cutoff = pd.Timestamp(as_of)
    before = frame[frame["ts"] < cutoff]
    window = before[before["ts"] >= cutoff - pd.Timedelta(days=lookback)]
    buys = before[before["amount"] > 0]
    out = pd.DataFrame(
        {
            "last": buys.groupby("customer_id")["ts"].max(),
            "first": buys.groupby("customer_id")["ts"].min(),
        }
    )
    out["recency_days"] = (cutoff - out["last"].dt.normalize()).dt.days
    out["tenure_days"] = (cutoff - out["first"].dt.normalize()).dt.days
    out["frequency"] = window[window["amount"] > 0].groupby("customer_id")["order_id"].nunique()
    out["monetary"] = window.groupby("customer_id")["amount"].sum()
    out["channel"] = buys.sort_values("ts").groupby("customer_id")["channel"].last()
    return out.fillna({"frequency": 0, "monetary": 0.0})


def test_features_equal_a_pandas_computation(filled):
    features = ds.customer_features(filled.cursor(), AS_OF, 365).set_index("customer_id")
    expected = pandas_features(filled.frame, AS_OF, 365)
    assert len(features) == len(expected)
    joined = features.join(expected.add_suffix("_pd"))
    for column in ("recency_days", "tenure_days", "frequency"):
        assert (joined[column] == joined[f"{column}_pd"]).all(), column
    np.testing.assert_allclose(joined["monetary"], joined["monetary_pd"], rtol=1e-9)
    assert (joined["channel"] == joined["channel_pd"]).all()


def test_rfm_scores_and_segments_follow_the_documented_rule(filled):
    f = ds.customer_features(filled.cursor(), AS_OF, 365)
    for column in ("r_score", "f_score", "m_score"):
        assert f[column].between(1, 5).all()
    # R: fewer days since purchase never scores lower
    by_recency = f.sort_values("recency_days")
    assert by_recency["r_score"].is_monotonic_decreasing
    assert f.groupby("r_score").size().min() > 0.1 * len(f)  # quintiles, roughly
    r, fr, m, tenure = f["r_score"], f["f_score"], f["m_score"], f["tenure_days"]
    rule = segment_rule(r, fr, m, tenure, ds.NEW_CUSTOMER_DAYS)
    assert (f["segment"] == rule).all()
    champions = f[f["segment"] == "champions"]["monetary"].mean()
    lost = f[f["segment"] == "lost"]["monetary"].mean()
    assert champions > 2 * lost


def test_rfm_summary_lists_every_segment_and_adds_up(filled):
    summary = ds.rfm_segments(filled.cursor(), AS_OF)
    assert list(summary["segment"]) == list(design.RFM_SEGMENTS)
    features = ds.customer_features(filled.cursor(), AS_OF)
    assert summary["customers"].sum() == len(features)
    assert summary["revenue_share"].sum() == pytest.approx(1.0)
    assert summary["repeat_rate"].between(0, 1).all()
    empty = ds.rfm_segments(Store(Path(filled.path).with_name("empty.duckdb")).cursor(), AS_OF)
    assert empty["customers"].sum() == 0 and not empty.isna().any().any()


FILTERS = [
    (AudienceFilter(recency_max=30), lambda f: f["recency_days"] <= 30),
    (AudienceFilter(recency_min=90, recency_max=180), lambda f: f["recency_days"].between(90, 180)),
    (AudienceFilter(frequency_min=3), lambda f: f["frequency"] >= 3),
    (
        AudienceFilter(monetary_min=5000, monetary_max=20000),
        lambda f: f["monetary"].between(5000, 20000),
    ),
    (AudienceFilter(tenure_min=365), lambda f: f["tenure_days"] >= 365),
    (
        AudienceFilter(segments=("champions", "at risk")),
        lambda f: f["segment"].isin(["champions", "at risk"]),
    ),
    (
        AudienceFilter(r_scores=(5,), f_scores=(4, 5)),
        lambda f: (f["r_score"] == 5) & f["f_score"].isin([4, 5]),
    ),
    (AudienceFilter(m_scores=(1,)), lambda f: f["m_score"] == 1),
    (AudienceFilter(channels=("store",)), lambda f: f["channel"] == "store"),
]


@pytest.mark.parametrize(("filters", "expected"), FILTERS)
def test_audience_size_equals_filtering_the_features(filled, filters, expected):
    cur = filled.cursor()
    features = ds.customer_features(cur, AS_OF, 365)
    summary = ds.audience(cur, filters)
    assert summary.as_of == AS_OF  # the day after the last transaction
    assert summary.customers == int(expected(features).sum()) > 0
    assert summary.histogram["customers"].sum() == summary.customers
    chosen = features[expected(features)]
    assert summary.spend_mean == pytest.approx(chosen["monetary"].mean())


def test_attribute_filters_are_bound_values(filled):
    cur = filled.cursor()
    moscow = ds.audience(cur, AudienceFilter(attributes=(("city", ("Moscow",)),)))
    both = ds.audience(cur, AudienceFilter(attributes=(("city", ("Moscow", "Kazan")),)))
    buyers = set(ds.customer_features(cur, AS_OF)["customer_id"])
    city = {f"c{i:05d}": ["Moscow", "Kazan"][k % 2] for k, i in enumerate(range(0, 1500, 3))}
    assert moscow.customers == sum(c in buyers for c, v in city.items() if v == "Moscow") > 200
    assert both.customers == len(buyers & set(city))
    # a second attribute name must also match: nobody has 'tier'
    nobody = ds.audience(
        cur, AudienceFilter(attributes=(("city", ("Moscow",)), ("tier", ("gold",))))
    )
    assert nobody.customers == 0 and nobody.histogram.empty


@pytest.mark.parametrize(
    "evil",
    ["x'; DROP TABLE transactions; --", "' OR 1=1 --", 'online" OR "1"="1'],
)
def test_text_in_filters_is_data_not_sql(filled, evil):
    cur = filled.cursor()
    assert ds.audience(cur, AudienceFilter(channels=(evil,))).customers == 0
    assert ds.audience(cur, AudienceFilter(attributes=((evil, (evil,)),))).customers == 0
    assert cur.execute("SELECT count(*) FROM transactions").fetchone()[0] == len(filled.frame)


def test_empty_store_gives_an_empty_audience_not_an_error(store):
    summary = ds.audience(store.cursor(), AudienceFilter())
    assert summary.customers == 0 and summary.spend_mean == 0
    inputs = ds.planner_inputs(store.cursor(), AudienceFilter())
    assert inputs.status == "insufficient_data"
    assert design.plan(inputs, (CONTROL, GIFT), lift_pp=2).status == "insufficient_data"


def test_planner_inputs_backtest_equals_pandas(filled):
    horizon = 60
    filters = AudienceFilter(frequency_min=2)
    inputs = ds.planner_inputs(filled.cursor(), filters, horizon, margin_rate=0.35)
    start = AS_OF - timedelta(days=horizon)
    history = pandas_features(filled.frame, start, 365)
    history = history[history["frequency"] >= 2]
    tx = filled.frame
    after = tx[(tx["ts"] >= pd.Timestamp(start)) & (tx["ts"] < pd.Timestamp(AS_OF))]
    after = after[after["customer_id"].isin(history.index)]
    net = after["margin"].fillna((after["amount"] + after["discount"]) * 0.35) - after["discount"]
    value = net.groupby(after["customer_id"]).sum().reindex(history.index, fill_value=0.0)
    repeated = after[after["amount"] > 0].groupby("customer_id").size().reindex(history.index)
    assert inputs.history_customers == len(history)
    assert inputs.baseline_rate == pytest.approx(float(repeated.notna().mean()))
    assert inputs.value_mean == pytest.approx(float(value.mean()))
    assert inputs.value_variance == pytest.approx(float(value.var(ddof=1)))
    assert inputs.pre_post_correlation == pytest.approx(
        float(np.corrcoef(history["monetary"], value)[0, 1])
    )
    today = pandas_features(tx, AS_OF, 365)
    assert inputs.customers == int((today["frequency"] >= 2).sum())
    earlier = pandas_features(tx, AS_OF - timedelta(days=28), 365)
    new = set(today[today["frequency"] >= 2].index) - set(earlier[earlier["frequency"] >= 2].index)
    assert inputs.weekly_flow == pytest.approx(len(new) / 4)
    assert inputs.status == "ok"
    result = design.plan(inputs, (CONTROL, GIFT, DISCOUNT), lift_pp=5.0, lift_money=100.0)
    assert result.status == "ok" and result.required_total_repeat and result.detectable_lift_pp


def test_sql_hash_units_equal_python_hash_units(filled):
    units = ds.audience_units(filled.cursor(), AudienceFilter(), "pepper")
    expected = design.hash_units("pepper", units["customer_id"])
    np.testing.assert_array_equal(units["unit"].to_numpy(), expected)


def test_cli_exports_the_same_file_as_the_page(filled, tmp_path, capsys):
    experiment_id = design.save_experiment(filled, spec(code_prefix="LL-"))
    design.start_experiment(filled, experiment_id)
    page_bytes = design.assignments_csv(ds.assignment_list(filled.cursor(), experiment_id), sep=";")
    out = tmp_path / design.export_file_name("Gift vs discount")
    filled.close()  # the CLI opens the store itself
    code = cli(
        [
            "--db",
            str(filled.path),
            "assignments",
            "Gift vs discount",
            "--out",
            str(out),
            "--sep",
            ";",
        ]
    )
    assert code == 0
    assert out.read_bytes() == page_bytes
    xlsx = tmp_path / "x.xlsx"
    assert (
        cli(["--db", str(filled.path), "assignments", str(experiment_id), "--out", str(xlsx)]) == 0
    )
    # customer_id, arm, arm_kind, code and the cost of each kind in it: discount_pct,
    # redemption_share (the discount), gift_cost (the gift)
    assert pd.read_excel(xlsx, dtype=str).shape == (len(page_bytes.splitlines()) - 1, 7)


def test_cli_unknown_experiment_exits_2(filled, tmp_path, capsys):
    filled.close()
    out = tmp_path / "x.csv"
    code = cli(["--db", str(filled.path), "assignments", "nope", "--out", str(out)])
    assert code == 2
    assert "no experiment with id or name 'nope'" in capsys.readouterr().err
    assert not out.exists()


def test_defaults_come_from_config():
    assert ExperimentSpec("x", (CONTROL, GIFT)).horizon_days == config.DEFAULT_HORIZON_DAYS
    assert AudienceFilter().lookback_days == config.DEFAULT_LOOKBACK_DAYS


def test_the_demo_experiment_reads_back_at_the_costs_the_analysis_charges(tmp_path):
    """The demo's surprise gift is stored at 250 RUB (the gift and its delivery) and charged
    so; the domain record read 180, which the Design page showed and copies carried (#15)."""
    from experiments import demo
    from experiments.store import Store

    store = Store(tmp_path / "demo.duckdb")
    demo.seed_demo(store, customers=300, seed=7)
    with store.cursor() as cur:
        query = "SELECT name, cost_per_customer FROM arms WHERE experiment_id = 1"
        stored = dict(cur.execute(query).fetchall())
        spec = experiment.load(cur, 1).spec()
    assert {a.name: a.cost_per_customer for a in spec.arms} == stored
    store.close()
