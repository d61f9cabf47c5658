"""Balance and the A/A check from sufficient statistics: equal to scipy, calibrated."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from experiments import design
from experiments.design import ArmSpec
from experiments.stats import SampleStats

CONTROL = ArmSpec("control", "control")
GIFT = ArmSpec("gift", "gift", gift_cost=250.0)
DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10, redemption_share=0.4)


def ids(n: int) -> list[str]:
    return [f"cust-{i}" for i in range(n)]


def stats_of(values: np.ndarray) -> SampleStats:
    return SampleStats(n=len(values), sum=float(values.sum()), sum_squares=float((values**2).sum()))


def test_anova_and_welch_from_sufficient_statistics_equal_scipy():
    rng = np.random.default_rng(5)
    groups = [rng.lognormal(7, 1, n) for n in (300, 320, 290)]
    assert design.anova_p_value([stats_of(g) for g in groups]) == pytest.approx(
        sps.f_oneway(*groups).pvalue, rel=1e-9
    )
    assert design.welch_p_value(stats_of(groups[0]), stats_of(groups[1])) == pytest.approx(
        sps.ttest_ind(groups[0], groups[1], equal_var=False).pvalue, rel=1e-9
    )
    a, b = groups[0], groups[1]
    expected_smd = (b.mean() - a.mean()) / math.sqrt((b.var(ddof=1) + a.var(ddof=1)) / 2)
    assert design.smd(stats_of(b), stats_of(a)) == pytest.approx(expected_smd)


def customer_frame(n: int, rng: np.random.Generator, arms: np.ndarray) -> pd.DataFrame:
    orders = rng.poisson(2, n).astype(float)
    return pd.DataFrame(
        {
            "arm": arms,
            "pre_spend": rng.lognormal(7, 1, n),
            "pre_orders": orders,
            "recency_days": rng.integers(0, 365, n).astype(float),
            "pre_repeat": (orders >= 2).astype(float),
        }
    )


def test_balance_check_passes_a_random_split_and_flags_a_biased_one():
    rng = np.random.default_rng(8)
    n = 6000
    arms = np.where(
        design.assign_arms(design.hash_units("b", ids(n)), [1, 1]) == 0, "control", "gift"
    )
    frame = customer_frame(n, rng, arms)
    ok = design.balance_check(design.covariate_stats(frame), "control")
    assert ok.passed and ok.warning == ""
    assert list(ok.table["arm"]) == list(dict.fromkeys(arms))
    assert ok.table["n"].sum() == n
    # someone fed the gift arm from the big spenders
    biased = frame.copy()
    biased.loc[biased["arm"] == "gift", "pre_spend"] *= 1.3
    bad = design.balance_check(design.covariate_stats(biased), "control")
    assert not bad.passed
    assert "A/A check failed" in bad.warning and "spend" in bad.warning
    assert bad.max_abs_smd > 0.1


@pytest.mark.slow
def test_aa_check_false_alarm_rate_is_about_alpha():
    rng = np.random.default_rng(21)
    n, reps = 1000, 400
    customers = ids(n)
    frame = customer_frame(n, rng, np.zeros(n))
    alarms = 0
    for rep in range(reps):
        labels = design.assign_arms(design.hash_units(f"salt{rep}", customers), [1, 1, 1])
        frame["arm"] = np.array(["control", "a", "b"])[labels]
        p = design.balance_check(design.covariate_stats(frame), "control").spend_p_value
        alarms += p is not None and p < 0.05
    assert 0.02 < alarms / reps < 0.09


def test_whole_aa_check_fails_about_one_launch_in_twenty_even_for_small_arms():
    """The verdict (not just one p-value) must be right: 300 customers per arm is typical."""
    rng = np.random.default_rng(5)
    n, reps = 900, 400
    customers = ids(n)
    frame = customer_frame(n, rng, np.zeros(n))
    failed = 0
    for rep in range(reps):
        labels = design.assign_arms(design.hash_units(f"s{rep}", customers), [1, 1, 1])
        frame["arm"] = np.array(["control", "a", "b"])[labels]
        failed += not design.balance_check(design.covariate_stats(frame), "control").passed
    assert 0.02 < failed / reps < 0.08


def test_balance_of_degenerate_arms_has_no_nan():
    frame = pd.DataFrame(
        {
            "arm": ["control", "gift"],
            "pre_spend": [0.0, 0.0],
            "pre_orders": [1.0, 1.0],
            "recency_days": [3.0, 3.0],
            "pre_repeat": [0.0, 0.0],
        }
    )
    result = design.balance_check(design.covariate_stats(frame), "control")
    assert result.spend_p_value is None and result.repeat_p_value is None
    assert not result.table.drop(columns=["arm"]).isna().any().any()
