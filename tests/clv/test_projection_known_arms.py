"""The per-arm projection on an experiment with known BG/NBD parameters per arm."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from experiments import clv
from experiments.store import Store
from tests.test_customers_sql import insert_transactions

# -- per-arm projection ----------------------------------------------------------------------------
ARM_TRUTH = {
    0: ("Control", "control", clv.BgNbdParams(0.6, 40.0, 0.8, 3.0)),
    1: ("Gift", "gift", clv.BgNbdParams(0.6, 25.0, 0.8, 3.0)),  # buys ~60% more often
    2: ("Outreach", "outreach", clv.BgNbdParams(0.6, 40.0, 0.8, 3.0)),  # same as control
}


def seed_experiment(store: Store, customers_per_arm: int, seed: int = 11) -> None:
    """An experiment whose arms have known BG/NBD parameters (time in days since assignment)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-06 09:00")
    spend = clv.GammaGammaParams(5.0, 4.0, 60.0)
    frames, assignments = [], []
    for arm_id, (_, _, params) in ARM_TRUTH.items():
        assigned = start + pd.to_timedelta(rng.integers(0, 14, customers_per_arm), unit="D")
        observed = (pd.Timestamp("2025-07-31") - assigned.normalize()).days.to_numpy(dtype=float)
        sim = clv.simulate_customers(params, spend, observed, rng)
        ids = np.array([f"{arm_id}-{i}" for i in range(customers_per_arm)])
        # assignment happens with a purchase-like contact at time 0; repeat purchases after it
        when = assigned[sim.purchase_customer].normalize() + pd.to_timedelta(
            np.ceil(sim.purchase_time), unit="D"
        )
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": ids[sim.purchase_customer],
                    "ts": when + pd.Timedelta(hours=12),
                    "amount": sim.purchase_spend,
                }
            )
        )
        assignments.append(
            pd.DataFrame(
                {
                    "experiment_id": 3,
                    "customer_id": ids,
                    "arm_id": arm_id,
                    "assigned_at": assigned,
                }
            )
        )
    transactions = pd.concat(frames)
    transactions = transactions[transactions["ts"] <= pd.Timestamp("2025-07-31 23:00")]
    insert_transactions(store, transactions)
    rows = pd.concat(assignments)
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO experiments (experiment_id, name, status, salt, created_at) "
            "VALUES (3, 'levers', 'running', 's', now())"
        )
        for arm_id, (name, kind, _) in ARM_TRUTH.items():
            cur.execute(
                "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation) "
                "VALUES (3, ?, ?, ?, 1)",
                [arm_id, name, kind],
            )
        cur.register("incoming", rows)
        cur.execute(
            "INSERT INTO assignments (experiment_id, customer_id, arm_id, assigned_at) "
            "SELECT * FROM incoming"
        )
        cur.unregister("incoming")


@pytest.mark.slow
def test_project_arms_finds_the_arm_that_buys_more_and_labels_it_a_projection(store):
    seed_experiment(store, customers_per_arm=2500)
    steps: list[tuple[float, str]] = []
    result = clv.project_arms(
        store,
        3,
        months=12,
        bootstrap=60,
        seed=1,
        method="per_arm",
        progress=lambda f, t: steps.append((f, t)),
    )
    assert result.status == "ok", result.message
    assert (
        len(steps) == 60
        and steps[0][0] == 0
        and steps[-1] == (59 / 60, "Bootstrap replicate 60/60")
    )
    assert "Model-based projection" in result.basis and result.method == "per_arm"
    assert result.until == dt.date(2025, 7, 31)
    arms = {arm.name: arm for arm in result.arms}
    assert [a.kind for a in result.arms] == ["control", "gift", "outreach"]
    control, gift, outreach = arms["Control"], arms["Gift"], arms["Outreach"]
    assert control.difference is None and control.projected_clv is not None
    assert all(arm.customers == 2500 and arm.status == "ok" for arm in result.arms)
    assert gift.difference == pytest.approx(gift.projected_clv - control.projected_clv)
    # the faster-buying arm is projected to be worth more (the bootstrap interval; the shown
    # one is wider by what the held-back check cannot rule out over 12 months)
    assert gift.bootstrap_ci_lower > 0 and gift.check.passed
    assert gift.ci_lower <= gift.bootstrap_ci_lower and gift.ci_upper >= gift.bootstrap_ci_upper
    assert gift.observed_margin > control.observed_margin
    assert outreach.ci_lower < 0 < outreach.ci_upper  # no real difference
    assert gift.ci_lower < gift.difference < gift.ci_upper
    assert result.failed_replicates == 0
    # Per-arm fits recover the purchase-rate difference: r/alpha (per week) is ~60% higher.
    rate = {a.name: a.bgnbd.r / a.bgnbd.alpha for a in result.arms}
    assert rate["Gift"] / rate["Control"] == pytest.approx(40 / 25, rel=0.25)

    pooled = clv.project_arms(store, 3, months=12, bootstrap=60, seed=1)  # the default
    assert pooled.method == "pooled"
    assert pooled.status == "ok" and "fitted once on all arms" in pooled.basis
    assert {a.bgnbd for a in pooled.arms if a.bgnbd} == {pooled.arms[0].bgnbd}
    pooled_gift = next(a for a in pooled.arms if a.name == "Gift")
    assert pooled_gift.bootstrap_ci_lower > 0


def test_project_arms_without_control_or_data_is_insufficient(store):
    seed_experiment(store, customers_per_arm=300)
    with store.transaction() as cur:
        cur.execute("UPDATE arms SET kind = 'custom' WHERE experiment_id = 3 AND arm_id = 0")
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation) "
            "VALUES (3, 9, 'Empty', 'discount', 1)"
        )
    result = clv.project_arms(store, 3, bootstrap=0)
    assert result.status == "insufficient_data"
    assert "no control arm" in result.message
    empty = next(a for a in result.arms if a.name == "Empty")
    assert empty.status == "insufficient_data" and empty.projected_clv is None
    assert all(a.difference is None for a in result.arms)
    json.dumps(clv.projection_json(result), default=str)  # JSON-ready

    missing = clv.project_arms(store, 99, bootstrap=0)
    assert missing.status == "insufficient_data" and missing.arms == ()
