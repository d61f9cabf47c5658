"""A discount arm's cost when the export has no discount amounts (issue #10, point 2).

Known truths: a hand-computed store, a simulated store where every order's true discount is
known, and the demo store, whose true net value effects are in known_effects.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from experiments import __main__ as cli
from experiments import decision, demo, metrics, report
from experiments.store import Store, metrics_sql

T0 = datetime(2024, 1, 1)


def _experiment(cur, arms, *, horizon=30, **settings) -> None:
    """Experiment 1 with arms (arm_id, name, kind, discount_pct, redemption_share, params)."""
    cur.execute(
        "INSERT INTO experiments (experiment_id, name, status, salt, horizon_days, settings,"
        " created_at) VALUES (1, 'exp', 'completed', 'salt', ?, ?, ?)",
        [horizon, json.dumps(settings), T0],
    )
    for arm_id, name, kind, pct, share, params in arms:
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation, discount_pct,"
            " redemption_share, params) VALUES (1, ?, ?, ?, 1, ?, ?, ?)",
            [arm_id, name, kind, pct, share, json.dumps(params)],
        )


def _insert(cur, table: str, frame: pd.DataFrame) -> None:
    cur.register("new_rows", frame)
    columns = ", ".join(frame.columns)
    cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM new_rows")
    cur.unregister("new_rows")


def _tx(cur, rows) -> None:
    frame = pd.DataFrame(rows, columns=["customer_id", "ts", "amount", "discount", "margin"])
    frame["margin"] = frame["margin"].astype(float)
    _insert(cur, "transactions", frame.assign(upload_id=1))


def _assign(cur, rows) -> None:
    frame = pd.DataFrame(rows, columns=["customer_id", "arm_id", "assigned_at"])
    _insert(cur, "assignments", frame.assign(experiment_id=1))


HAND_ARMS = [
    (0, "control", "control", 0.0, 1.0, {}),
    (1, "10% off", "discount", 10.0, 1.0, {"validity_days": 20}),
]


def _hand_store(store: Store, *, control_discount: float = 0.0) -> Store:
    """p (10% off, every order redeemed, valid 20 days) and q (control); margin rate 0.5.

    p: pre-period 50 (no coupon yet), day 5 paid 90 (list 100: discount 10, margin 50),
    day 10 refund -45 (no discount), day 25 paid 80 (after validity: no discount, margin 40).
    q: day 3 paid 100, with `control_discount` in the discount column.
    """
    with store.transaction() as cur:
        _experiment(cur, HAND_ARMS, margin_rate=0.5)
        _assign(cur, [("p", 1, T0), ("q", 0, T0)])
        _tx(
            cur,
            [
                ("p", T0 - timedelta(days=10), 50.0, 0.0, None),
                ("p", T0 + timedelta(days=5), 90.0, 0.0, None),
                ("p", T0 + timedelta(days=10), -45.0, 0.0, None),
                ("p", T0 + timedelta(days=25), 80.0, 0.0, None),
                ("q", T0 + timedelta(days=3), 100.0, control_discount, None),
                ("z", T0 + timedelta(days=200), 1.0, 0.0, None),  # data end
            ],
        )
    return store


def _frame(store: Store, horizon: int = 30) -> pd.DataFrame:
    spec = metrics_sql.QuerySpec(experiment_id=1, horizon_days=horizon, margin_rate=0.5, cap=False)
    with store.cursor() as cur:
        return metrics_sql.customer_frame(cur, spec).set_index("customer_id")


def test_without_discount_amounts_a_discount_arm_costs_its_configured_percent(store):
    frame = _frame(_hand_store(store))
    p = frame.loc["p"]
    assert p["discount"] == pytest.approx(10.0)  # 90 paid at 10% off: list 100
    assert p["cost"] == pytest.approx(10.0)
    # margin on the list price of the discounted order, paid price elsewhere
    assert p["margin"] == pytest.approx(100 * 0.5 - 45 * 0.5 + 80 * 0.5)
    assert p["net_value"] == pytest.approx(67.5 - 10.0)
    assert p["revenue"] == pytest.approx(90 - 45 + 80)  # amounts stay what was paid
    assert p["pre_spend"] == pytest.approx(50.0)
    q = frame.loc["q"]
    assert (q["discount"], q["margin"]) == (0.0, pytest.approx(50.0))
    # the rule can be forced either way (QuerySpec.discounts)
    spec = metrics_sql.QuerySpec(experiment_id=1, horizon_days=30, margin_rate=0.5, cap=False)
    with store.cursor() as cur:
        forced = metrics_sql.customer_frame(cur, replace(spec, discounts="data"))
        agg = metrics_sql.experiment_aggregates(cur, spec)
    assert forced.set_index("customer_id").loc["p", "discount"] == 0.0
    assert agg.discount_source == "configured"


def test_when_the_data_has_discounts_the_data_counts(store):
    """One non-zero discount in the experiment's window, in any arm: the column is real, so
    the discount arm's zeros are zeros (nobody redeemed), not a missing column."""
    frame = _frame(_hand_store(store, control_discount=5.0))
    assert frame.loc["p", "discount"] == 0.0
    assert frame.loc["p", "margin"] == pytest.approx(90 * 0.5 - 45 * 0.5 + 80 * 0.5)
    assert frame.loc["q", "discount"] == 5.0
    with store.cursor() as cur:
        assert metrics_sql.discounts_recorded(cur, 1, 180)
        cur.execute("UPDATE transactions SET discount = 0")
        assert not metrics_sql.discounts_recorded(cur, 1, 180)


def test_a_discount_before_the_assignment_does_not_count_as_discount_data(store):
    """The rule reads the experiment's window: a pre-period discount (an older export that had
    the column) does not turn a window without discount amounts into 'recorded zeros'."""
    with store.transaction() as cur:
        _experiment(cur, HAND_ARMS)
        _assign(cur, [("p", 1, T0)])
        _tx(cur, [("p", T0 - timedelta(days=3), 90.0, 10.0, None)])
        assert not metrics_sql.discounts_recorded(cur, 1, 180)


def _simulated_store(store: Store, seed: int, *, record: bool) -> dict[str, float]:
    """2,000 customers per arm; the discount arm takes 20% off each order with chance 0.5.

    Amounts are what was paid; the margin column is empty (rate 0.4 of the list price). With
    `record` the discount column holds each order's true discount, else 0 (an export without
    it). Returns the true mean discount and margin per discount-arm customer and the standard
    error of the configured estimate of the mean discount (from the per-order residuals
    paid * s / (1 - s) - true discount, which have mean 0 given the list prices).
    """
    rng = np.random.default_rng(seed)
    n, pct, share, rate = 2000, 20.0, 0.5, 0.4
    s = pct / 100 * share
    customers = [f"c{i:05d}" for i in range(2 * n)]
    arm = np.repeat([0, 1], n)
    orders = rng.poisson(2.0, size=2 * n)
    who = np.repeat(np.arange(2 * n), orders)
    list_price = np.round(rng.lognormal(7.0, 0.8, size=who.size), 2)
    redeemed = (arm[who] == 1) & (rng.random(who.size) < share)
    true_discount = np.where(redeemed, np.round(list_price * pct / 100, 2), 0.0)
    paid = list_price - true_discount
    day = rng.uniform(0.01, 29.9, size=who.size)
    frame = pd.DataFrame(
        {
            "customer_id": np.asarray(customers)[who],
            "ts": [T0 + timedelta(days=float(d)) for d in day],
            "amount": paid,
            "discount": true_discount if record else 0.0,
            "margin": np.nan,
        }
    )
    with store.transaction() as cur:
        _experiment(
            cur,
            [(0, "control", "control", 0.0, 1.0, {}), (1, "20% off", "discount", pct, share, {})],
            margin_rate=rate,
        )
        _assign(cur, list(zip(customers, arm.tolist(), [T0] * (2 * n), strict=True)))
        _tx(cur, frame.itertuples(index=False, name=None))
        _tx(cur, [("end", T0 + timedelta(days=200), 1.0, 0.0, None)])
    in_arm = arm[who] == 1
    residual = paid[in_arm] * s / (1 - s) - true_discount[in_arm]
    return {
        "discount": true_discount[in_arm].sum() / n,
        "margin": (list_price[in_arm] * rate).sum() / n,
        "se": float(np.sqrt((residual**2).sum())) / n,
        "naive_bias": float((paid[in_arm] * s - true_discount[in_arm]).sum()) / n,
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_configured_discount_cost_recovers_the_true_cost_on_a_simulated_store(tmp_path, seed):
    recorded = Store(tmp_path / "recorded.duckdb")
    truth = _simulated_store(recorded, seed, record=True)
    bare = Store(tmp_path / "bare.duckdb")
    assert _simulated_store(bare, seed, record=False) == truth
    settings = metrics.AnalysisSettings(horizon_days=30, cap=False)
    with_data = metrics.analyze_experiment(recorded, 1, settings)
    without = metrics.analyze_experiment(bare, 1, settings)
    data_arm, bare_arm = with_data.arms[1], without.arms[1]
    # the data counts when it has discounts: exactly the true cost and margin
    assert with_data.discount_cost.source == "data"
    assert data_arm.means["cost"] == pytest.approx(truth["discount"], rel=1e-9)
    assert data_arm.means["margin"] == pytest.approx(truth["margin"], rel=1e-9)
    # without them: the configured estimate, unbiased, within 4 standard errors
    assert without.discount_cost.source == "configured" and without.discount_cost.estimated
    assert abs(bare_arm.means["cost"] - truth["discount"]) < 4 * truth["se"]
    # the margin's error is the margin rate times the discount's (margin = rate x list price)
    assert abs(bare_arm.means["margin"] - truth["margin"]) < 4 * 0.4 * truth["se"]
    # taking s of the paid amount instead (ignoring that it is after the discount) falls short
    # by several standard errors (about 4.5 over seeds): s applies to the list price
    assert truth["naive_bias"] < -2 * truth["se"]
    assert without.arms[0].means["cost"] == 0.0  # the control pays nothing
    assert any(w.kind == "discount_estimated" for w in without.warnings)
    assert not any(w.kind == "discount_estimated" for w in with_data.warnings)
    recorded.close()
    bare.close()


@pytest.fixture(scope="module")
def demo_pair(tmp_path_factory):
    """The demo store as generated, and the same with the discount column zeroed."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store(path)
    demo.seed_demo(store, customers=20_000, seed=7, replace=True)
    store.close()
    bare_path = path.with_name("bare.duckdb")
    bare_path.write_bytes(path.read_bytes())
    bare = Store(bare_path)
    with bare.transaction() as cur:
        cur.execute("UPDATE transactions SET discount = 0")
    store = Store(path)
    yield store, bare
    store.close()
    bare.close()


def test_demo_discount_arm_keeps_its_cost_without_the_discount_column(demo_pair):
    """Before: cost 0 and net value +119 RUB (true -229). Now the configured estimate."""
    store, bare = demo_pair
    settings = metrics.AnalysisSettings(cap=False)
    with_data = metrics.analyze_experiment(store, 1, settings)
    without = metrics.analyze_experiment(bare, 1, settings)
    by_arm = {a.arm: a for a in without.arms}
    data_cost = {a.arm: a.means["cost"] for a in with_data.arms}
    assert by_arm["10% discount"].means["cost"] == pytest.approx(
        data_cost["10% discount"], rel=0.03
    )
    for arm in ("Surprise gift", "Personal outreach", "Control"):
        assert by_arm[arm].means["cost"] == pytest.approx(data_cost[arm])
    with store.cursor() as cur:
        truth = cur.execute(
            "SELECT true_value FROM known_effects WHERE arm = '10% discount'"
            " AND metric = 'net_value' AND horizon_days = 60"
        ).fetchone()[0]
    effect = without.effect("10% discount", "net_value", "welch")
    assert effect.diff < 0
    assert abs(effect.diff - truth) < 3.5 * effect.se
    cards = {d.arm: d for d in decision.decide(without)}
    assert cards["10% discount"].lever_cost == pytest.approx(data_cost["10% discount"], rel=0.03)


def test_page_texts_name_the_margin_rate_and_the_estimated_discount(demo_pair):
    store, bare = demo_pair
    without = metrics.analyze_experiment(bare, 1)
    basis = report.money_basis(without)
    assert "margin rate of 35% (the default)" in basis
    assert "discount cost estimated from the configured 10% on 85% of orders" in basis
    assert "because the data has no discount amounts" in basis
    card = report.money_basis(without, short=True)
    assert card.startswith("Margin rate 35% (the default); discount cost estimated from")
    page = report.html_report(without)
    assert page.count(html.escape(basis)) == 2  # lever table, head to head
    assert page.count(html.escape(card)) == 3  # one per decision card
    with_data = metrics.analyze_experiment(store, 1)
    assert "discount cost from the discount amounts in the data" in report.money_basis(with_data)


def test_analyze_json_says_where_the_discount_cost_comes_from(demo_pair, capsys):
    _, bare = demo_pair
    assert cli.main(["--db", str(bare.path), "analyze", "1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    cost = document["discount_cost"]
    assert cost["source"] == "configured" and cost["estimated"] is True
    assert cost["arms"] == [
        {
            "arm": "10% discount",
            "discount_pct": 10.0,
            "redemption_share": 0.85,
            "share_of_list_value": pytest.approx(0.085),
        }
    ]
    assert "because the data has no discount amounts" in cost["note"]
    assert "discount_estimated" in [w["kind"] for w in document["warnings"]]
    assert document["settings"]["margin_rate_source"] == "default"


@pytest.mark.slow
def test_configured_discount_cost_is_unbiased_over_simulated_stores(tmp_path):
    """Over 12 simulated stores (new redemption draws, list prices and orders each time), the
    estimate's error in units of its standard error averages 0 (Monte Carlo standard error
    1 / sqrt(12)) and its spread is about 1: no bias from reading paid amounts as list ones."""
    errors = []
    for seed in range(100, 112):
        store = Store(tmp_path / f"s{seed}.duckdb")
        truth = _simulated_store(store, seed, record=False)
        analysis = metrics.analyze_experiment(
            store, 1, metrics.AnalysisSettings(horizon_days=30, cap=False)
        )
        errors.append((analysis.arms[1].means["cost"] - truth["discount"]) / truth["se"])
        store.close()
    z = np.asarray(errors)
    assert abs(z.mean()) < 3 / np.sqrt(len(z))
    assert 0.4 < z.std(ddof=1) < 1.6


def test_clv_observed_margin_of_a_discount_arm_keeps_its_cost_too(demo_pair):
    """One money definition: the CLV projection's observed margin per arm is after the
    discount arm's estimated discounts when the data has none (before: +400 RUB too high)."""
    from experiments.store import customers

    store, bare = demo_pair
    with store.cursor() as cur:
        recorded = customers.arm_summary(cur, 1).groupby("arm_id")["margin"].mean()
    with bare.cursor() as cur:
        estimated = customers.arm_summary(cur, 1).groupby("arm_id")["margin"].mean()
    discount_arm = 2
    assert estimated[discount_arm] == pytest.approx(recorded[discount_arm], rel=0.01)
    assert estimated.drop(discount_arm).to_dict() == pytest.approx(
        recorded.drop(discount_arm).to_dict()
    )
