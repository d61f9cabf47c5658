"""Metrics from the store: hand-computed windows, SQL sums vs pandas, pipeline vs statsmodels."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats import proportion
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from experiments import __main__ as cli
from experiments import catalogue, metrics, stats
from experiments.store import Store, metrics_sql, overview

T0 = datetime(2024, 1, 1)
DATA_END = T0 + timedelta(days=100)  # of the random stores: later assignments are censored


def _experiment(cur, experiment_id: int, arms: list[tuple[int, str, str, float]], **settings):
    cur.execute(
        "INSERT INTO experiments (experiment_id, name, status, salt, horizon_days, settings,"
        " created_at) VALUES (?, ?, 'running', 'salt', 30, ?, ?)",
        [experiment_id, f"exp {experiment_id}", json.dumps(settings), T0],
    )
    for arm_id, name, kind, cost in arms:
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation, cost_per_customer)"
            " VALUES (?, ?, ?, ?, 1, ?)",
            [experiment_id, arm_id, name, kind, cost],
        )


def _tx(cur, rows: list[tuple]) -> None:
    frame = pd.DataFrame(rows, columns=["customer_id", "ts", "amount", "discount", "margin"])
    frame["margin"] = frame["margin"].astype(float)
    cur.register("new_tx", frame)
    cur.execute(
        "INSERT INTO transactions (customer_id, ts, amount, discount, margin, upload_id)"
        " SELECT customer_id, ts, amount, discount, margin, 1 FROM new_tx"
    )
    cur.unregister("new_tx")


def _assign(cur, experiment_id: int, rows: list[tuple[str, int, datetime]]) -> None:
    frame = pd.DataFrame(rows, columns=["customer_id", "arm_id", "assigned_at"])
    cur.register("new_assignments", frame)
    cur.execute(
        "INSERT INTO assignments (experiment_id, customer_id, arm_id, assigned_at)"
        " SELECT ?, customer_id, arm_id, assigned_at FROM new_assignments",
        [experiment_id],
    )
    cur.unregister("new_assignments")


@pytest.fixture
def hand_store(store: Store) -> Store:
    """Five customers whose every metric is computed by hand in the tests below.

    Experiment 1: control (cost 0) and gift (cost 2 per customer); margin_rate 0.5 in the
    experiment's settings. Data end: 2024-04-30 (an unassigned customer's purchase).
    """
    with store.transaction() as cur:
        _experiment(
            cur, 1, [(0, "control", "control", 0.0), (1, "gift", "gift", 2.0)], margin_rate=0.5
        )
        cur.execute("INSERT INTO customers VALUES ('e', '2023-12-15')")
        _assign(
            cur,
            1,
            [
                ("a", 0, T0),
                ("b", 1, T0),
                ("c", 1, datetime(2024, 3, 15)),
                ("d", 0, T0),
                ("e", 0, T0),
            ],
        )
        _tx(
            cur,
            [
                ("a", datetime(2023, 12, 1), 10.0, 0.0, None),  # pre-period
                ("a", datetime(2024, 1, 10), 20.0, 5.0, None),  # margin (20+5)*0.5 = 12.5
                ("a", datetime(2024, 1, 31), 8.0, 0.0, 3.0),  # day 30 exactly: inside
                ("a", datetime(2024, 2, 15), 50.0, 0.0, None),  # day 45: 60-day window only
                ("b", T0, 99.0, 0.0, None),  # at the assignment instant: neither window
                ("b", datetime(2024, 1, 5), 30.0, 0.0, 12.0),
                ("b", datetime(2024, 1, 20), -30.0, 0.0, None),  # refund: margin -15
                ("c", datetime(2024, 3, 20), 5.0, 0.0, None),
                ("e", datetime(2023, 12, 10), 7.0, 0.0, None),  # before first_seen
                ("z", datetime(2024, 4, 30), 1.0, 0.0, None),  # data end
            ],
        )
    return store


def _spec(horizon: int = 30, *, cap: bool = False, experiment_id: int = 1, margin_rate=0.5):
    return metrics_sql.QuerySpec(
        experiment_id=experiment_id, horizon_days=horizon, margin_rate=margin_rate, cap=cap
    )


def test_per_customer_window_metrics_by_hand(hand_store):
    with hand_store.cursor() as cur:
        frame = metrics_sql.customer_frame(cur, _spec(30)).set_index("customer_id")
    expected = {
        # orders, revenue, margin, cost, net_value, pre_spend, pre_orders, first purchase day
        "a": (2, 28.0, 15.5, 5.0, 10.5, 10.0, 1, 9.0),
        "b": (1, 0.0, -3.0, 2.0, -5.0, 0.0, 0, 4.0),  # the refund is not an order
        "c": (1, 5.0, 2.5, 2.0, 0.5, 0.0, 0, 5.0),
        "d": (0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, None),
        "e": (0, 0.0, 0.0, 0.0, 0.0, 7.0, 1, None),
    }
    for customer, values in expected.items():
        row = frame.loc[customer]
        orders, revenue, margin, cost, net, pre_spend, pre_orders, first = values
        assert row["orders"] == orders
        assert row["repeat_purchase"] == int(orders > 0)
        assert row["revenue"] == pytest.approx(revenue)
        assert row["margin"] == pytest.approx(margin)
        assert row["cost"] == pytest.approx(cost)
        assert row["net_value"] == pytest.approx(net)
        assert row["pre_spend"] == pytest.approx(pre_spend)
        assert row["pre_orders"] == pre_orders
        if first is None:
            assert pd.isna(row["first_purchase_days"])
        else:
            assert row["first_purchase_days"] == pytest.approx(first)
    assert frame.loc["a", "pre_recency_days"] == pytest.approx(31.0)
    assert frame.loc["a", "followup_days"] == pytest.approx(120.0)  # Jan 1 -> Apr 30, 2024
    assert frame.loc["c", "followup_days"] == pytest.approx(46.0)
    assert frame.loc["e", "customers_before_first_seen"] == 1
    assert list(frame["repeat_60"]) == [1, 1, 1, 0, 0]


def test_refund_is_not_an_order(hand_store):
    with hand_store.transaction() as cur:
        _assign(cur, 1, [("f", 1, T0)])
        _tx(cur, [("f", datetime(2024, 1, 10), -10.0, 0.0, None)])
    with hand_store.cursor() as cur:
        frame = metrics_sql.customer_frame(cur, _spec(30)).set_index("customer_id")
    row = frame.loc["f"]
    assert row["orders"] == 0 and row["repeat_purchase"] == 0
    assert pd.isna(row["first_purchase_days"])
    assert row["revenue"] == pytest.approx(-10.0)
    assert row["net_value"] == pytest.approx(-10.0 * 0.5 - 2.0)  # margin fallback, gift cost


def test_horizon_60_counts_only_fully_observed_customers(hand_store):
    with hand_store.cursor() as cur:
        agg = metrics_sql.experiment_aggregates(cur, _spec(60))
    arms = agg.arms
    assert arms[0].assigned == 3 and arms[1].assigned == 2
    assert arms[1].n(60) == 1  # c was assigned 46 days before the data's end
    assert arms[1].n(30) == 2
    assert arms[0].get("revenue", 60).sum == pytest.approx(78.0)  # a: 20 + 8 + 50
    assert arms[0].get("margin", 60).sum == pytest.approx(40.5)  # 12.5 + 3 + 25
    assert arms[1].get("net_value", 60).sum == pytest.approx(-5.0)  # b only
    assert arms[1].get("net_value", 60).sum_squares == pytest.approx(25.0)
    assert arms[0].get("customers_before_first_seen", None).sum == 1
    assert agg.last_ts == "2024-04-30 00:00:00"
    survival = agg.survival.set_index(["arm_id", "event", "duration_days"])["customers"]
    assert survival.to_dict() == {(0, True, 9): 1, (0, False, 120): 2, (1, True, 4): 1,
                                  (1, True, 5): 1}  # fmt: skip


def test_survival_counts_whole_observed_days_only(store):
    """Data end 21.5 days after assignment: day 22 is partly observed, so a purchase in it is
    censored at day 21 like everyone else; before the fix it was the one event at day 22 and
    the curve of its arm fell to 0."""
    end = T0 + timedelta(days=21, hours=12)
    with store.transaction() as cur:
        _experiment(cur, 1, [(0, "control", "control", 0.0), (1, "gift", "gift", 0.0)])
        _assign(cur, 1, [("p", 0, T0), ("q", 0, T0), ("r", 1, T0), ("s", 1, T0)])
        _tx(
            cur,
            [
                ("p", T0 + timedelta(days=20, hours=12), 5.0, 0.0, None),  # day 21: an event
                ("r", T0 + timedelta(days=21, hours=6), 5.0, 0.0, None),  # day 22: censored
                ("z", end, 1.0, 0.0, None),
            ],
        )
    with store.cursor() as cur:
        agg = metrics_sql.experiment_aggregates(cur, _spec(30))
    survival = agg.survival.set_index(["arm_id", "event", "duration_days"])["customers"]
    assert survival.to_dict() == {(0, True, 21): 1, (0, False, 21): 1, (1, False, 21): 2}
    hist = agg.survival
    km = stats.kaplan_meier(
        hist["duration_days"],
        hist["event"].astype(int),
        hist["arm_id"].astype(str),
        weights=hist["customers"],
    )
    curves = km.curves.groupby("group")["survival"].min()
    assert curves["0"] == pytest.approx(0.5)
    assert (curves > 0).all()  # no arm's curve collapses at the data's end


def test_analysis_uses_experiment_margin_rate_and_warns(hand_store):
    analysis = metrics.analyze_experiment(
        hand_store, "exp 1", metrics.AnalysisSettings(horizon_days=60, cap=False)
    )
    control = next(a for a in analysis.arms if a.arm == "control")
    assert analysis.margin_rate == 0.5
    assert control.means["margin"] == pytest.approx(40.5 / 3)
    assert control.n_observed == 3
    kinds = {w.kind for w in analysis.warnings}
    assert "short_window" in kinds  # c is not observed at 60 days
    assert "data" in kinds  # e's purchase before first_seen
    assert analysis.checks["customers_before_first_seen"] == 1
    text = json.dumps(analysis.as_json(), allow_nan=False)
    assert '"srm_p_value"' in text


def _random_store(store: Store, seed: int = 3, customers: int = 400) -> None:
    """Three arms, random assignment dates, purchases with refunds and missing margins."""
    rng = np.random.default_rng(seed)
    with store.transaction() as cur:
        _experiment(
            cur,
            2,
            [(0, "control", "control", 0.0), (1, "gift", "gift", 3.0), (2, "call", "outreach", 1)],
        )
        assign, tx = [], []
        for i in range(customers):
            cid = f"c{i:04d}"
            arm = int(rng.integers(0, 3))
            assigned = T0 + timedelta(days=int(rng.integers(0, 90)), hours=int(rng.integers(24)))
            assign.append((cid, arm, assigned))
            rate = rng.gamma(2.0, 0.02) * (1.3 if arm else 1.0)
            for _ in range(int(rng.poisson(rate * 300))):
                ts = assigned + timedelta(days=float(rng.uniform(-200, 100)))
                if ts > DATA_END:
                    continue
                amount = float(np.round(rng.lognormal(3, 1), 2))
                if rng.random() < 0.05:
                    amount = -amount
                discount = float(np.round(amount * 0.1, 2)) if rng.random() < 0.3 else 0.0
                margin = None if rng.random() < 0.5 else float(np.round(amount * 0.4, 2))
                tx.append((cid, ts, amount, discount, margin))
        _assign(cur, 2, assign)
        _tx(cur, [*tx, ("unassigned", DATA_END, 1.0, 0.0, None)])


def _observed(frame: pd.DataFrame, horizon: int) -> pd.DataFrame:
    return frame[frame["followup_days"] >= horizon]


@pytest.mark.parametrize("cap", [False, True])
def test_sql_sufficient_statistics_equal_pandas(store, cap):
    _random_store(store)
    spec = _spec(60, cap=cap, experiment_id=2, margin_rate=0.3)
    with store.cursor() as cur:
        raw = metrics_sql.customer_frame(cur, spec)
        agg = metrics_sql.experiment_aggregates(cur, spec)
    observed = _observed(raw, 60).copy()
    assert 0 < len(observed) < len(raw)  # some windows are censored
    if cap:
        assert (observed["net_value"] < 0).any() and (observed["revenue"] < 0).any()
        for metric in catalogue.CAPPED:
            lower, upper = stats.cap_thresholds(observed[metric])
            assert agg.caps[metric] == pytest.approx((lower, upper))
            observed[metric] = np.clip(observed[metric], lower, upper)
    for arm_id, part in observed.groupby("arm_id"):
        group = agg.arms[int(arm_id)]
        assert group.n(60) == len(part)
        assert group.assigned == (raw["arm_id"] == arm_id).sum()
        for m in catalogue.METRICS:
            y = part[m.name].astype(float)
            x = part[m.covariate].astype(float)
            sample = metrics.metric_stats(group, m.name, 60)
            assert sample.n == len(part)
            assert sample.sum == pytest.approx(y.sum(), rel=1e-9, abs=1e-9)
            assert sample.sum_squares == pytest.approx((y * y).sum(), rel=1e-9)
            assert sample.cross_sum == pytest.approx((x * y).sum(), rel=1e-9, abs=1e-9)
            assert sample.cov_sum == pytest.approx(x.sum(), rel=1e-9, abs=1e-9)
            assert sample.cov_sum_squares == pytest.approx((x * x).sum(), rel=1e-9, abs=1e-9)
        assert group.get("pre_spend", 60).sum == pytest.approx(part["pre_spend"].sum())
        for h in (30, 90):
            seen = raw[(raw["arm_id"] == arm_id) & (raw["followup_days"] >= h)]
            assert group.n(h) == len(seen)
            assert group.get(f"repeat_{h}", h).sum == seen[f"repeat_{h}"].sum()
    # segments partition the arms
    pre: dict[int, int] = {}
    for (kind, _, arm_id), group in agg.segments.items():
        if kind == "pre_period":
            pre[arm_id] = pre.get(arm_id, 0) + group.assigned
    assert pre == {arm_id: group.assigned for arm_id, group in agg.arms.items()}


def _covariate_matrix(frame: pd.DataFrame, names) -> np.ndarray:
    """Per-customer values of CUPED covariates: columns, or 'rfm_segment=<s>' indicators."""
    prefix = "rfm_segment="
    return np.column_stack(
        [
            (frame["rfm_segment"] == n[len(prefix) :]).to_numpy(float)
            if n.startswith(prefix)
            else frame[n].to_numpy(float)
            for n in names
        ]
    )


def _lin_fit(both: pd.DataFrame, metric: str, arm_id: int, names):
    """statsmodels OLS y ~ T * (X - Xbar) on the customers' rows, HC2 (Lin 2013)."""
    x = _covariate_matrix(both, names)
    x = x - x.mean(axis=0)
    treated = (both["arm_id"] == arm_id).to_numpy(float)
    design = np.column_stack([np.ones(len(both)), treated, x, treated[:, None] * x])
    return sm.OLS(both[metric].to_numpy(float), design).fit(cov_type="HC2")


def test_cuped_moments_from_sql_equal_numpy_on_the_customers_rows(tmp_path):
    """Aggregates.moments (covariate sums, cross-products, RFM indicators from the segment
    roll-up) equal the moments of the per-customer rows, for every arm and money metric."""
    from experiments import demo

    demo_store = Store(tmp_path / "demo.duckdb")
    demo.seed_demo(demo_store, customers=3000, seed=5, replace=True)
    spec = metrics_sql.QuerySpec(experiment_id=1, horizon_days=60, cap=False)
    with demo_store.cursor() as cur:
        agg = metrics_sql.experiment_aggregates(cur, spec)
        frame = _observed(metrics_sql.customer_frame(cur, spec), 60)
    demo_store.close()
    segments_seen = set()
    for arm_id, per_metric in agg.moments.items():
        rows = frame[frame["arm_id"] == arm_id]
        for metric, moments in per_metric.items():
            x = _covariate_matrix(rows, moments.names)
            z = np.column_stack([rows[metric].to_numpy(float), x])
            assert moments.n == len(rows)
            assert moments.sums == pytest.approx(tuple(z.sum(axis=0)), rel=1e-9, abs=1e-6)
            expected = z.T @ z
            got = np.asarray(moments.products)
            assert np.allclose(got, expected, rtol=1e-9, atol=1e-6)
            segments_seen |= {n for n in moments.names if n.startswith("rfm_segment=")}
        assert set(per_metric) == {
            m.name for m in catalogue.METRICS if "cuped_moments" in m.aggregates
        }
    assert len(segments_seen) >= 4  # the demo's customers span several RFM segments


def test_pipeline_equals_statsmodels_on_the_raw_frame(store):
    _random_store(store, seed=11, customers=600)
    settings = metrics.AnalysisSettings(horizon_days=30, cap=True, correction="none")
    analysis = metrics.analyze_experiment(store, 2, settings)
    spec = _spec(30, cap=False, experiment_id=2, margin_rate=0.35)
    with store.cursor() as cur:
        raw = _observed(metrics_sql.customer_frame(cur, spec), 30).copy()
    for metric in catalogue.CAPPED:
        raw[metric] = np.clip(raw[metric], *stats.cap_thresholds(raw[metric]))
    control = raw[raw["arm_id"] == 0]
    for arm_id, name in ((1, "gift"), (2, "call")):
        arm = raw[raw["arm_id"] == arm_id]
        # repeat purchase: Wald z for a difference of proportions
        z = analysis.effect(name, "repeat_purchase", "z")
        result = proportion.test_proportions_2indep(
            arm["repeat_purchase"].sum(), len(arm), control["repeat_purchase"].sum(),
            len(control), method="wald", compare="diff", correction=False,
        )  # fmt: skip
        assert z is not None and z.p_value == pytest.approx(result.pvalue, rel=1e-6)
        for metric in ("orders", "revenue", "net_value"):
            welch = analysis.effect(name, metric, "welch")
            compared = CompareMeans(DescrStatsW(arm[metric]), DescrStatsW(control[metric]))
            low, high = compared.tconfint_diff(alpha=0.05, usevar="unequal")
            p_value = sps.ttest_ind(arm[metric], control[metric], equal_var=False).pvalue
            assert welch is not None
            assert (welch.ci_low, welch.ci_high) == pytest.approx((low, high), rel=1e-6)
            assert welch.p_value == pytest.approx(p_value, rel=1e-6)
            # CUPED = Lin: OLS y ~ T * (X - Xbar) with the covariates it kept, HC2
            both = pd.concat([control, arm])
            cuped = analysis.effect(name, metric, "cuped")
            assert cuped is not None and len(cuped.covariates) >= 3
            fit = _lin_fit(both, metric, arm_id, cuped.covariates)
            assert cuped.diff == pytest.approx(fit.params[1], rel=1e-6)
            assert cuped.se == pytest.approx(fit.bse[1], rel=0.10)
    # arm vs arm (does the call beat the gift?): the same estimators with the gift as baseline
    gift, call = raw[raw["arm_id"] == 1], raw[raw["arm_id"] == 2]
    pair = {
        (e.metric, e.method): e
        for e in analysis.comparisons
        if (e.baseline, e.arm) == ("gift", "call")
    }
    assert set(pair) == {("repeat_purchase", "z"), ("net_value", "welch"), ("net_value", "cuped")}
    compared = CompareMeans(DescrStatsW(call["net_value"]), DescrStatsW(gift["net_value"]))
    welch = pair[("net_value", "welch")]
    low, high = compared.tconfint_diff(alpha=0.05, usevar="unequal")
    assert (welch.ci_low, welch.ci_high) == pytest.approx((low, high), rel=1e-6)
    cuped = pair[("net_value", "cuped")]
    fit = _lin_fit(pd.concat([gift, call]), "net_value", 2, cuped.covariates)
    assert cuped.diff == pytest.approx(fit.params[1], rel=1e-6)
    assert cuped.se == pytest.approx(fit.bse[1], rel=0.10)
    # JSON rows: one per arm x metric x method with the documented fields
    rows = analysis.as_json()["effects"]
    assert len(rows) == 2 * (1 + 3 * 2)
    for row in rows:
        for key in ("arm", "metric", "method", "control_mean", "arm_mean", "diff", "ci_low",
                    "ci_high", "rel_lift", "p_value", "p_adjusted"):  # fmt: skip
            assert key in row


def test_arm_without_customers_is_insufficient_not_an_error(hand_store):
    with hand_store.transaction() as cur:
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation) "
            "VALUES (1, 2, 'call', 'outreach', 1)"
        )
    analysis = metrics.analyze_experiment(hand_store, 1, metrics.AnalysisSettings(cap=False))
    empty = [e for e in analysis.effects if e.arm == "call"]
    assert empty and all(e.status == "insufficient_data" for e in empty)
    assert any(e.ok for e in analysis.effects if e.arm == "gift")
    json.dumps(analysis.as_json(), allow_nan=False)


def test_experiment_without_transactions_is_insufficient_data(store):
    with store.transaction() as cur:
        _experiment(cur, 5, [(0, "control", "control", 0.0), (1, "gift", "gift", 2.0)])
        _assign(cur, 5, [(f"x{i}", i % 2, T0) for i in range(10)])
    analysis = metrics.analyze_experiment(store, "exp 5")
    assert analysis.status == "insufficient_data"
    assert all(e.status == "insufficient_data" for e in analysis.effects)
    assert "insufficient_data" in {w.kind for w in analysis.warnings}
    assert analysis.last_ts is None
    out = analysis.as_json()
    json.dumps(out, allow_nan=False)
    assert out["srm_p_value"] == pytest.approx(1.0)


def test_duplicate_assignment_keeps_the_first_and_warns(hand_store):
    with hand_store.transaction() as cur:
        _assign(cur, 1, [("a", 1, datetime(2024, 1, 2))])
    analysis = metrics.analyze_experiment(hand_store, 1, metrics.AnalysisSettings(cap=False))
    assert analysis.checks["extra_assignments"] == 1
    assert sum(a.n for a in analysis.arms) == 5
    assert any("duplicate" in w.message for w in analysis.warnings)


def test_unknown_experiment_raises_and_cli_exits_2(hand_store, capsys):
    with pytest.raises(metrics.UnknownExperiment):
        metrics.analyze_experiment(hand_store, "no such experiment")
    assert cli.main(["--db", str(hand_store.path), "analyze", "nope"]) == 2
    assert "no experiment" in capsys.readouterr().err


def test_cli_analyze_json(hand_store, capsys):
    code = cli.main(["--db", str(hand_store.path), "analyze", "exp 1", "--horizon", "30",
                     "--no-cap", "--json"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert [a["arm"] for a in out["arms"]] == ["control", "gift"]
    assert out["horizon_days"] == 30 and out["settings"]["cap"] is False
    assert {e["method"] for e in out["effects"]} == {"z", "welch", "cuped"}
    assert isinstance(out["srm_p_value"], float)
    gift_net = next(
        e for e in out["effects"] if e["metric"] == "net_value" and e["method"] == "welch"
    )
    # by hand: control net (10.5 + 0 + 0) / 3, gift (-5 + 0.5) / 2
    assert gift_net["diff"] == pytest.approx(-4.5 / 2 - 10.5 / 3)
    assert math.isfinite(gift_net["ci_low"])
    # the verdicts as the Results page shows them, for scripts that post them on
    assert [d["arm"] for d in out["decisions"]] == ["gift"]
    assert out["decisions"][0]["verdict"] in ("ship", "stop", "inconclusive", "keep_running")
    assert out["decisions"][0]["metric"] == "net_value" and "rule" in out["decisions"][0]
    assert out["head_to_head"] == []  # one lever: nothing to compare it with


def test_cli_analyze_names_the_money_estimand_and_caps_only_when_asked(hand_store, capsys):
    db = ["--db", str(hand_store.path), "analyze", "exp 1", "--horizon", "30", "--json"]
    assert cli.main(db) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert settings["cap"] is False and settings["money_estimand"] == "mean_difference"
    assert cli.main([*db, "--cap"]) == 0
    settings = json.loads(capsys.readouterr().out)["settings"]
    assert settings["cap"] is True
    assert settings["money_estimand"] == "winsorised_mean_difference"
    assert "not the roubles difference" in settings["money_estimand_label"]
    assert cli.main([*db, "--cap", "--no-cap"]) == 2
    err = capsys.readouterr().err
    assert "either --cap or --no-cap" in err and "Traceback" not in err


def test_cuped_with_too_few_customers_per_arm_is_insufficient_never_nan(hand_store):
    analysis = metrics.analyze_experiment(hand_store, 1, metrics.AnalysisSettings(horizon_days=30))
    cuped = [e for e in analysis.effects if e.method == "cuped"]
    assert cuped and all(e.status == "insufficient_data" and e.note for e in cuped)
    json.dumps(analysis.as_json(), allow_nan=False, default=str)


def test_horizon_choices_add_the_planned_and_the_observed_so_far():
    assert metrics.horizon_choices(60, None) == [30, 60, 90, 180]
    assert metrics.horizon_choices(45, 200) == [30, 45, 60, 90, 180]
    assert metrics.horizon_choices(60, 21) == [21, 30, 60, 90, 180]
    assert metrics.horizon_choices(60, 75) == [30, 60, 90, 180]  # planned already covered
    assert metrics.default_horizon(60, 21, "running") == 21
    assert metrics.default_horizon(60, 21, "completed") == 60  # a finished test reads as planned
    assert metrics.default_horizon(60, 75, "running") == 60
    assert metrics.default_horizon(60, None, "running") == 60


def test_observed_days_are_whole_days_after_the_last_assignment(hand_store):
    with hand_store.cursor() as cur:
        # last assignment 2024-03-15 (customer c), data end 2024-04-30: 46 days
        assert overview.observed_days(cur, 1) == 46
        assert overview.observed_days(cur, 99) is None  # no such experiment
    with hand_store.transaction() as cur:
        _experiment(cur, 2, [(0, "control", "control", 0.0)])
        _assign(cur, 2, [("a", 0, datetime(2024, 5, 2))])  # after the data's end
    with hand_store.cursor() as cur:
        assert overview.observed_days(cur, 2) is None


def test_one_parser_reads_the_pages_query_parameters_and_the_cli_options_alike():
    """#15: the page and the CLI parsed settings apart, with their own defaults."""
    rule = {"rule_confidence": 0.9, "rule_correction": "bh"}
    page = metrics.settings_from_options(
        horizon="90", cap="on", cuped="off", correction="none", confidence="99", **rule
    )
    cli = metrics.settings_from_options(
        horizon=90, cap=True, cuped=False, correction="none", confidence=99, **rule
    )
    assert page == cli
    assert (page.horizon_days, page.cap, page.use_covariate) == (90, True, False)
    assert (page.correction, page.confidence) == ("none", 0.99)
    # absent or invalid: the design rule's confidence and correction, the default estimator
    # (a bad horizon is refused instead: tests/test_cli_horizon.py)
    for junk in ({}, {"horizon": "", "cap": "maybe", "correction": "sidak", "confidence": "97"}):
        default = metrics.settings_from_options(**junk, **rule)
        assert (default.horizon_days, default.cap, default.use_covariate) == (None, False, True)
        assert (default.correction, default.confidence) == ("bh", 0.9)


def test_lower_cap_applies_when_a_metric_has_no_positive_value(store):
    """Only refunds in the window: revenue, margin and net value are all negative, so there is
    a lower cap and no upper one. The SQL clipped with least(..., coalesce(upper, value)),
    which undid the lower cap whenever the upper one was missing (numpy and the result files
    applied it)."""
    with store.transaction() as cur:
        _experiment(cur, 1, [(0, "control", "control", 0.0), (1, "gift", "gift", 0.0)])
        customers = [(f"r{i}", i % 2, T0) for i in range(8)]
        _assign(cur, 1, customers)
        _tx(
            cur,
            [
                *((c, T0 + timedelta(days=3), -float(1 + i * i), 0.0, None)
                  for i, (c, _, _) in enumerate(customers)),
                ("z", DATA_END, 1.0, 0.0, None),
            ],
        )  # fmt: skip
    spec = _spec(30, cap=True)
    with store.cursor() as cur:
        raw = metrics_sql.customer_frame(cur, spec)
        agg = metrics_sql.experiment_aggregates(cur, spec)
    for metric in catalogue.CAPPED:
        lower, upper = stats.cap_thresholds(raw[metric])
        assert upper is None and lower is not None and lower > raw[metric].min()
        assert agg.caps[metric] == pytest.approx((lower, None))
        clipped = np.clip(raw[metric], lower, None)
        for arm_id, group in agg.arms.items():
            mine = clipped[raw["arm_id"] == arm_id]
            assert group.get(metric, 30).sum == pytest.approx(mine.sum(), rel=1e-12)
