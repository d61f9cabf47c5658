"""Estimators from sufficient statistics equal statsmodels/scipy on raw rows; degenerate data."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.stats.proportion as smprop
from scipy import integrate
from scipy import stats as sps
from statsmodels.duration.survfunc import SurvfuncRight, survdiff
from statsmodels.stats._delta_method import NonlinearDeltaCov
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from experiments import stats
from experiments.stats import SampleStats

TOL = {"rel": 1e-9, "abs": 1e-12}


def close(a, b):
    return a == pytest.approx(b, **TOL)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(12345)


# -- rates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("p0", "p1", "n0", "n1"), [(0.1, 0.13, 800, 900), (0.02, 0.02, 3000, 2500)]
)
def test_z_matches_statsmodels_two_proportion_wald(rng, p0, p1, n0, n1):
    y0 = (rng.random(n0) < p0).astype(float)
    y1 = (rng.random(n1) < p1).astype(float)
    [effect] = stats.compare(
        SampleStats.from_values(y0), SampleStats.from_values(y1), "binary", arm_name="a", metric="m"
    )
    test = smprop.test_proportions_2indep(
        y1.sum(), n1, y0.sum(), n0, method="wald", compare="diff", correction=False
    )
    low, high = smprop.confint_proportions_2indep(
        y1.sum(), n1, y0.sum(), n0, method="wald", compare="diff", correction=False
    )
    assert effect.method == "z" and effect.ok
    assert close(effect.diff, test.diff)
    assert close(effect.p_value, test.pvalue)
    assert close(effect.ci_low, low) and close(effect.ci_high, high)
    assert close(effect.control_mean, y0.mean()) and close(effect.arm_mean, y1.mean())
    assert close(effect.se, math.sqrt(test.variance))


def test_relative_lift_interval_is_the_delta_method(rng):
    y0 = rng.gamma(2.0, 10.0, 700)
    y1 = rng.gamma(2.0, 11.0, 650)
    [effect] = stats.compare(
        SampleStats.from_values(y0), SampleStats.from_values(y1), "money", arm_name="a", metric="m"
    )
    cov = np.diag([y1.var(ddof=1) / y1.size, y0.var(ddof=1) / y0.size])
    delta = NonlinearDeltaCov(
        lambda p: np.atleast_1d(p[0] / p[1] - 1), np.array([y1.mean(), y0.mean()]), cov
    )
    low, high = delta.conf_int(alpha=0.05).ravel()
    assert close(effect.rel_lift, y1.mean() / y0.mean() - 1)
    # numerical derivative inside statsmodels: agreement to its finite-difference accuracy
    assert effect.rel_ci_low == pytest.approx(low, rel=1e-6)
    assert effect.rel_ci_high == pytest.approx(high, rel=1e-6)


# -- money ---------------------------------------------------------------------------------------
def test_welch_matches_scipy_and_statsmodels(rng):
    y0 = np.where(rng.random(1200) < 0.3, rng.lognormal(3, 1, 1200), 0.0)
    y1 = np.where(rng.random(1100) < 0.33, rng.lognormal(3, 1, 1100), 0.0)
    [effect] = stats.compare(
        SampleStats.from_values(y0), SampleStats.from_values(y1), "money", arm_name="a", metric="m"
    )
    scipy_result = sps.ttest_ind(y1, y0, equal_var=False)
    ci = scipy_result.confidence_interval(0.95)
    sm_low, sm_high = CompareMeans(DescrStatsW(y1), DescrStatsW(y0)).tconfint_diff(usevar="unequal")
    assert effect.method == "welch"
    assert close(effect.diff, y1.mean() - y0.mean())
    assert close(effect.p_value, scipy_result.pvalue)
    assert close(effect.ci_low, ci.low) and close(effect.ci_high, ci.high)
    assert close(effect.ci_low, sm_low) and close(effect.ci_high, sm_high)
    from_stats = sps.ttest_ind_from_stats(
        y1.mean(), y1.std(ddof=1), y1.size, y0.mean(), y0.std(ddof=1), y0.size, equal_var=False
    )
    assert close(effect.p_value, from_stats.pvalue)


def _lin_fit(y0, x0, y1, x1, cov_type="HC2"):
    """statsmodels OLS y ~ T * (X - Xbar) on raw rows (Lin 2013), X centred at the pooled mean."""
    x0, x1 = np.asarray(x0, float).reshape(len(y0), -1), np.asarray(x1, float).reshape(len(y1), -1)
    y = np.concatenate([y0, y1])
    x = np.vstack([x0, x1])
    treated = np.r_[np.zeros(len(y0)), np.ones(len(y1))]
    centred = x - x.mean(axis=0)
    design = np.column_stack([np.ones_like(y), treated, centred, treated[:, None] * centred])
    return sm.OLS(y, design).fit(cov_type=cov_type), design


LIN_CASES = {
    # (n0, n1, k, control error sd, arm error sd, heteroskedastic): SE tolerance (relative)
    "50/50, one covariate": ((900, 1000, 1, 40.0, 45.0, False), 0.005),
    "90/10, noisier small arm, 3 covariates": ((1800, 200, 3, 40.0, 120.0, False), 0.02),
    "heteroskedastic, 4 covariates": ((2000, 1500, 4, 30.0, 40.0, True), 0.02),
}


@pytest.mark.parametrize(("case", "tolerance"), LIN_CASES.values(), ids=list(LIN_CASES))
def test_cuped_is_lins_interacted_regression_with_hc2(case, tolerance):
    """Point estimate: statsmodels' coefficient on T to 1e-9. SE: HC2 needs per-row leverages,
    which sufficient statistics do not carry; the per-arm residual variance gives HC2 up to
    O(1/n) relative terms (covariate tails): within `tolerance` on these data."""
    n0, n1, k, sd0, sd1, hetero = case
    rng = np.random.default_rng(n0 + n1 + k)
    x0, x1 = rng.gamma(2, 50, (n0, k)), rng.gamma(2, 50, (n1, k))
    scale0 = 1 + x0[:, 0] / 200 if hetero else 1.0
    scale1 = 1 + x1[:, 0] / 200 if hetero else 1.0
    y0 = 20 + x0 @ np.linspace(0.6, 0.2, k) + rng.normal(0, sd0, n0) * scale0
    y1 = 27 + x1 @ np.linspace(0.3, 0.1, k) + rng.normal(0, sd1, n1) * scale1  # other slopes
    control, arm = SampleStats.from_values(y0, x0), SampleStats.from_values(y1, x1)
    welch, cuped = stats.compare(
        control, arm, "money", arm_name="a", metric="m", use_covariate=True
    )
    fit, _ = _lin_fit(y0, x0, y1, x1)
    assert welch.method == "welch" and cuped.method == "cuped"
    assert cuped.covariates == tuple(f"x{j + 1}" for j in range(k))
    assert close(cuped.diff, fit.params[1])
    assert cuped.se == pytest.approx(fit.bse[1], rel=tolerance)
    assert close(cuped.arm_mean - cuped.control_mean, cuped.diff)
    assert cuped.ci_low < fit.params[1] < cuped.ci_high
    assert close(cuped.variance_reduction, 1 - cuped.se**2 / welch.se**2)
    assert 0 < cuped.variance_reduction < 0.95
    assert cuped.ci_high - cuped.ci_low < welch.ci_high - welch.ci_low


def test_cuped_with_one_covariate_from_single_sums_equals_the_moments_path(rng):
    """The result-file path passes one covariate as SampleStats' cov_* sums: the k = 1 case."""
    x0, x1 = rng.gamma(2, 50, 700), rng.gamma(2, 50, 300)
    y0, y1 = 5 + 0.5 * x0 + rng.normal(0, 20, 700), 9 + 0.8 * x1 + rng.normal(0, 60, 300)
    single = stats.compare(
        SampleStats.from_values(y0, x0), SampleStats.from_values(y1, x1), "money",
        arm_name="a", metric="m", use_covariate=True,
    )[1]  # fmt: skip
    moments = stats.compare(
        SampleStats.from_values(y0, x0[:, None]), SampleStats.from_values(y1, x1[:, None]),
        "money", arm_name="a", metric="m", use_covariate=True,
    )[1]  # fmt: skip
    fit, _ = _lin_fit(y0, x0, y1, x1)
    assert close(single.diff, fit.params[1]) and close(single.diff, moments.diff)
    assert close(single.se, moments.se)


def test_cuped_under_a_90_10_split_is_not_the_common_slope_classical_se(rng):
    """The old estimator (ANCOVA, one slope, classical SE) pools the residual variance: with a
    small noisy arm its SE is far below HC2's; ours is within 2% of HC2."""
    n0, n1 = 1800, 200
    x0, x1 = rng.gamma(2, 50, n0), rng.gamma(2, 50, n1)
    y0, y1 = 20 + 0.6 * x0 + rng.normal(0, 30, n0), 20 + 0.6 * x1 + rng.normal(0, 120, n1)
    _, cuped = stats.compare(
        SampleStats.from_values(y0, x0), SampleStats.from_values(y1, x1), "money",
        arm_name="a", metric="m", use_covariate=True,
    )  # fmt: skip
    robust, _ = _lin_fit(y0, x0, y1, x1)
    y, x = np.r_[y0, y1], np.r_[x0, x1]
    common = sm.OLS(
        y, np.column_stack([np.ones_like(y), np.r_[np.zeros(n0), np.ones(n1)], x - x.mean()])
    ).fit()
    assert common.bse[1] < 0.75 * robust.bse[1]
    assert cuped.se == pytest.approx(robust.bse[1], rel=0.02)


def test_cuped_on_a_rate_also_matches_lin(rng):
    x0, x1 = rng.poisson(3, 2000).astype(float), rng.poisson(3, 2100).astype(float)
    y0 = (rng.random(2000) < 0.05 + 0.02 * x0).astype(float)
    y1 = (rng.random(2100) < 0.07 + 0.02 * x1).astype(float)
    _, cuped = stats.compare(
        SampleStats.from_values(y0, x0),
        SampleStats.from_values(y1, x1),
        "binary",
        arm_name="a",
        metric="m",
        use_covariate=True,
    )
    fit, _ = _lin_fit(y0, x0, y1, x1)
    assert close(cuped.diff, fit.params[1])
    assert cuped.se == pytest.approx(fit.bse[1], rel=0.01)


def _moments_case(rng, n=400):
    """Five covariates per arm: spend, its exact double (collinear), a constant, orders and
    an indicator."""
    spend = rng.gamma(2, 50, n)
    orders = rng.poisson(2, n).astype(float)
    buyer = (rng.random(n) < 0.6).astype(float)
    x = np.column_stack([spend, 2 * spend, np.full(n, 3.0), orders, buyer])
    y = 10 + 0.5 * spend + 3 * orders + rng.normal(0, 20, n)
    return y, x


def test_cuped_drops_constant_and_collinear_covariates_and_matches_lin_on_the_rest(rng):
    names = ("spend", "spend_twice", "constant", "orders", "buyer")
    y0, x0 = _moments_case(rng)
    y1, x1 = _moments_case(rng)
    y1 = y1 + 5
    control = S(len(y0), y0.sum(), (y0**2).sum(),
                covariates=stats.CovariateMoments.from_values(y0, x0, names))  # fmt: skip
    arm = S(len(y1), y1.sum(), (y1**2).sum(),
            covariates=stats.CovariateMoments.from_values(y1, x1, names))  # fmt: skip
    _, cuped = stats.compare(control, arm, "money", arm_name="a", metric="m", use_covariate=True)
    assert cuped.ok and cuped.covariates == ("spend", "orders", "buyer")
    keep = [0, 3, 4]
    fit, _ = _lin_fit(y0, x0[:, keep], y1, x1[:, keep])
    assert close(cuped.diff, fit.params[1])
    assert cuped.se == pytest.approx(fit.bse[1], rel=0.02)
    assert json.loads(json.dumps(cuped.as_json()))["covariates"] == ["spend", "orders", "buyer"]


def test_cuped_uses_fewer_covariates_with_few_customers(rng):
    names = tuple(f"x{j}" for j in range(5))
    x0, x1 = rng.normal(0, 1, (25, 5)), rng.normal(0, 1, (25, 5))
    y0, y1 = x0.sum(axis=1) + rng.normal(0, 1, 25), x1.sum(axis=1) + rng.normal(0, 1, 25)
    control = S(
        25, y0.sum(), (y0**2).sum(), covariates=stats.CovariateMoments.from_values(y0, x0, names)
    )
    arm = S(
        25, y1.sum(), (y1**2).sum(), covariates=stats.CovariateMoments.from_values(y1, x1, names)
    )
    _, cuped = stats.compare(control, arm, "money", arm_name="a", metric="m", use_covariate=True)
    assert cuped.ok and cuped.covariates == ("x0", "x1")  # (25 - 2) // 10 = 2
    tiny = [
        S(3, 3.0, 5.0, covariates=stats.CovariateMoments.from_values([0, 1, 2], x0[:3], names))
    ] * 2
    _, none = stats.compare(*tiny, "money", arm_name="a", metric="m", use_covariate=True)
    assert none.status == "insufficient_data" and none.note


# -- degenerate data -----------------------------------------------------------------------------
S = SampleStats
DEGENERATE = [
    ("missing control", None, S(100, 10, 10), "binary", False),
    ("missing arm", S(100, 10, 10), None, "binary", False),
    ("empty arm", S(100, 10, 10), S(0, 0, 0), "binary", False),
    ("n = 1", S(100, 10, 10), S(1, 1, 1), "binary", False),
    ("no events anywhere", S(100, 0, 0), S(120, 0, 0), "binary", False),
    ("everyone converted", S(100, 100, 100), S(120, 120, 120), "binary", False),
    ("constant money", S(50, 500, 5000), S(60, 600, 6000), "money", False),
    ("n = 1 money", S(1, 5, 25), S(60, 600, 7000), "money", True),
    (
        "constant covariate",
        S(50, 500, 6000, 50, 50, 500),
        S(60, 700, 9000, 60, 60, 700),
        "money",
        True,
    ),
]


@pytest.mark.parametrize(
    ("label", "control", "arm", "kind", "cov"), DEGENERATE, ids=[d[0] for d in DEGENERATE]
)
def test_degenerate_data_gives_insufficient_never_nan(label, control, arm, kind, cov):
    effects = stats.compare(control, arm, kind, arm_name="a", metric="m", use_covariate=cov)
    assert effects, label
    assert effects[-1].status == "insufficient_data"
    assert effects[-1].note
    for e in effects:
        json.dumps(e.as_json(), allow_nan=False)  # raises on NaN/inf
        if not e.ok:
            assert e.diff is None and e.p_value is None and e.ci_low is None
    adjusted = stats.adjust(effects, "holm")
    assert all(e.p_adjusted is None for e in adjusted if not e.ok)


def test_none_against_all_converted_is_insufficient_not_a_crash_or_a_certain_win():
    """0 of 5 against 4 of 4: both arms' variances are 0, so there is no standard error; a
    zero-width interval would read as a sure win from 9 customers."""
    none, every = S(5, 0, 0), S(4, 4, 4)
    for control, arm in ((none, every), (every, none)):
        [effect] = stats.compare(control, arm, "binary", arm_name="a", metric="m")
        assert effect.status == "insufficient_data" and "no variation" in effect.note
        sequence = stats.confidence_sequence(control, arm, "binary")
        assert sequence.status == "insufficient_data" and not sequence.excludes_zero


def test_relative_lift_against_a_baseline_that_loses_money_reads_the_right_way():
    """Net value can be negative: a lever losing 50 per customer against one losing 100 is
    better, so its relative lift is positive (diff / |baseline|)."""
    losing_more, losing_less = S(400, -40_000, 4_400_000), S(400, -20_000, 1_400_000)
    [effect] = stats.compare(losing_more, losing_less, "money", arm_name="a", metric="m")
    assert effect.diff == pytest.approx(50.0)
    assert effect.rel_lift == pytest.approx(0.5)
    assert effect.rel_ci_low < 0.5 < effect.rel_ci_high


def test_zero_control_mean_keeps_the_difference_but_not_the_relative_lift():
    [effect] = stats.compare(S(500, 0, 0), S(500, 7, 7), "binary", arm_name="a", metric="m")
    assert effect.ok and effect.diff == pytest.approx(7 / 500)
    assert effect.rel_lift is None and effect.rel_ci_low is None
    assert "control mean is 0" in effect.note


# -- corrections ---------------------------------------------------------------------------------
def _effect(p: float | None, method="z", arm="a", metric="m") -> stats.Effect:
    [base] = stats.compare(S(100, 10, 10), S(100, 20, 20), "binary", arm_name=arm, metric=metric)
    if p is None:
        return stats._insufficient(arm, metric, method, None, None, "x", "control", 0.05)
    return stats.Effect(**{**base.__dict__, "p_value": p, "method": method})


def test_adjust_corrects_what_is_shown_together_and_what_cuped_replaces_apart():
    rows = [
        _effect(0.010, "z", "gift", "repeat"),
        _effect(0.030, "welch", "gift", "spend"),
        _effect(0.004, "cuped", "gift", "spend"),
        _effect(0.020, "z", "call", "repeat"),
        _effect(0.040, "welch", "call", "spend"),
        _effect(0.001, "cuped", "call", "spend"),
    ]
    adjusted = stats.adjust(rows, "holm")
    shown = [0, 2, 3, 5]  # rates and CUPED money: what the verdicts and charts read
    expected = multipletests([rows[i].p_value for i in shown], method="holm")[1]
    assert [adjusted[i].p_adjusted for i in shown] == pytest.approx(list(expected), **TOL)
    unadjusted = [0, 1, 3, 4]  # z and Welch: the Welch rows take their p from this family
    expected = multipletests([rows[i].p_value for i in unadjusted], method="holm")[1]
    assert [adjusted[i].p_adjusted for i in (1, 4)] == pytest.approx(
        [expected[1], expected[3]], **TOL
    )


@pytest.mark.parametrize(("ours", "theirs"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjust_matches_multipletests_and_skips_insufficient(ours, theirs):
    pvals = [0.001, 0.04, 0.03, 0.2, 0.012]
    effects = [_effect(p, metric=f"m{i}") for i, p in enumerate(pvals)]
    effects.append(_effect(None))
    adjusted = stats.adjust(effects, ours)
    expected = multipletests(pvals, method=theirs)[1]
    assert [e.p_adjusted for e in adjusted[:5]] == pytest.approx(list(expected), **TOL)
    assert adjusted[5].p_adjusted is None
    assert [e.p_adjusted for e in stats.adjust(effects, "none")[:5]] == pvals
    # a CUPED row of another metric (no unadjusted twin) is shown too: it joins the family
    adjusted = stats.adjust([*effects, _effect(0.5, method="cuped", metric="other")], ours)
    shown = multipletests([*pvals, 0.5], method=theirs)[1]
    assert [e.p_adjusted for e in adjusted if e.ok] == pytest.approx(list(shown), **TOL)


def test_compare_all_corrects_across_arms_and_metrics():
    per_arm = {
        "control": {"buy": S(1000, 100, 100), "spend": S(1000, 5000, 90000)},
        "gift": {"buy": S(1000, 130, 130), "spend": S(1000, 5600, 100000)},
        "discount": {"buy": S(1000, 115, 115), "spend": S(1000, 5200, 95000)},
    }
    rows = stats.compare_all(per_arm, "control", {"buy": "binary", "spend": "money"})
    assert [(e.arm, e.metric, e.method) for e in rows] == [
        ("gift", "buy", "z"),
        ("gift", "spend", "welch"),
        ("discount", "buy", "z"),
        ("discount", "spend", "welch"),
    ]
    # one family per metric, across the arms: a verdict reads one metric, and adding another
    # metric must not weaken it
    for metric in ("buy", "spend"):
        own = [e for e in rows if e.metric == metric]
        assert [e.p_adjusted for e in own] == pytest.approx(
            list(multipletests([e.p_value for e in own], method="holm")[1]), **TOL
        )
    alone = stats.compare_all(
        {arm: {"spend": m["spend"]} for arm, m in per_arm.items()}, "control", {"spend": "money"}
    )
    assert [e.p_adjusted for e in alone] == [e.p_adjusted for e in rows if e.metric == "spend"]
    # arm vs arm: does the gift beat the discount?
    [vs] = stats.compare(per_arm["discount"]["buy"], per_arm["gift"]["buy"], "binary",
                         arm_name="gift", metric="buy", baseline_name="discount")  # fmt: skip
    assert vs.baseline == "discount" and vs.diff == pytest.approx(0.015)


# -- SRM -----------------------------------------------------------------------------------------
def test_srm_matches_scipy_chisquare():
    observed = {"control": 5000, "gift": 5100, "discount": 9800}
    plan = {"control": 1, "gift": 1, "discount": 2}
    result = stats.srm_test(observed, plan)
    expected = [19900 / 4, 19900 / 4, 19900 / 2]
    scipy_result = sps.chisquare([5000, 5100, 9800], expected)
    assert close(result.p_value, scipy_result.pvalue)
    assert close(result.statistic, scipy_result.statistic)
    assert not result.mismatch


def test_srm_flags_a_broken_split_and_a_missing_arm():
    broken = stats.srm_test(
        {"control": 5000, "gift": 5450, "discount": 5000}, {"control": 1, "gift": 1, "discount": 1}
    )
    assert broken.mismatch and broken.p_value < 0.001 and "gift" in broken.note
    missing = stats.srm_test({"control": 5000}, {"control": 0.5, "gift": 0.5})
    assert missing.mismatch and missing.observed["gift"] == 0
    unknown = stats.srm_test({"control": 5, "x": 5}, {"control": 0.5, "gift": 0.5})
    assert unknown.status == "insufficient_data" and unknown.p_value is None
    json.dumps(unknown.as_json(), allow_nan=False)


# -- capping -------------------------------------------------------------------------------------
def test_cap_thresholds_ignore_zeros_and_cap_refunds_only_when_present(rng):
    spend = np.where(rng.random(10_000) < 0.05, rng.lognormal(4, 1, 10_000), 0.0)
    lower, upper = stats.cap_thresholds(spend, 99)
    assert lower is None
    assert upper == pytest.approx(np.percentile(spend[spend > 0], 99), **TOL)
    assert upper > 0  # a plain 99th percentile would be 0 here
    assert np.percentile(spend, 99) < upper

    with_refunds = np.concatenate([spend, -rng.lognormal(3, 1, 300)])
    lower, upper = stats.cap_thresholds(with_refunds, 99)
    negative = with_refunds[with_refunds < 0]
    assert lower == pytest.approx(np.percentile(negative, 1), **TOL)
    assert lower < 0 and (negative < lower).sum() == 3
    assert stats.cap_thresholds([0.0, 0.0, float("nan")]) == (None, None)


# -- Bayesian ------------------------------------------------------------------------------------
def test_chance_to_beat_control_matches_exact_beta_integral():
    control, arm = S(400, 40, 40), S(420, 55, 55)
    a0, b0, a1, b1 = 40.5, 360.5, 55.5, 365.5
    exact, _ = integrate.quad(lambda p: sps.beta.pdf(p, a1, b1) * sps.beta.cdf(p, a0, b0), 0, 1)
    ours = stats.chance_to_beat_control(control, arm, "binary", draws=200_000, seed=1)
    assert ours == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 200_000))


def test_probability_best_money_matches_normal_closed_form_for_two_arms():
    control = SampleStats.from_values(np.linspace(0, 100, 500))
    arm = SampleStats.from_values(np.linspace(2, 104, 500))
    se = math.sqrt(control.variance / 500 + arm.variance / 500)
    exact = sps.norm.cdf((arm.mean - control.mean) / se)
    best = stats.probability_best({"control": control, "arm": arm}, "money", draws=200_000, seed=3)
    assert best["arm"] == pytest.approx(exact, abs=0.005)
    assert best["arm"] + best["control"] == pytest.approx(1.0)
    three = stats.probability_best({"c": control, "a": arm, "tiny": S(1, 5, 25)}, "money")
    assert three["tiny"] is None and three["a"] + three["c"] == pytest.approx(1.0)
    assert stats.chance_to_beat_control(None, arm, "money") is None


# -- confidence sequence -------------------------------------------------------------------------
def test_confidence_sequence_is_wider_than_the_fixed_interval_and_names_its_method():
    control, arm = S(5000, 500, 500), S(5000, 580, 580)
    [fixed] = stats.compare(control, arm, "binary", arm_name="a", metric="m")
    cs = stats.confidence_sequence(control, arm, "binary", planned_n=10_000)
    assert cs.ci_low < fixed.ci_low and cs.ci_high > fixed.ci_high
    assert cs.diff == pytest.approx(fixed.diff)
    assert "Waudby-Smith" in cs.reference and "2103.06476" in cs.reference
    t, rho2 = 10_000, stats.cs_rho2(10_000, 0.05)
    expected_half = fixed.se * math.sqrt(
        t * 2 * (t * rho2 + 1) / (t * t * rho2) * math.log(math.sqrt(t * rho2 + 1) / 0.05)
    )
    assert cs.ci_high - cs.diff == pytest.approx(expected_half, **TOL)
    empty = stats.confidence_sequence(S(0, 0, 0), arm, "binary")
    assert empty.status == "insufficient_data" and not empty.excludes_zero


# -- survival ------------------------------------------------------------------------------------
def test_kaplan_meier_hand_example_and_logrank_equals_survdiff(rng):
    km = stats.kaplan_meier([1, 2, 2, 3, 1, 4, 4, 5], [1, 1, 0, 1, 0, 1, 1, 0], list("aaaabbbb"))
    a = km.curves[km.curves.group == "a"]
    assert list(a.time) == [1, 2, 3]
    assert list(a.survival) == pytest.approx([0.75, 0.5, 0.0])
    time = rng.exponential(30, 600).round()
    status = (time < 60).astype(int)
    time = np.minimum(time, 60)
    group = np.repeat(["control", "gift"], 300)
    km = stats.kaplan_meier(time, status, group)
    statistic, p_value = survdiff(time, status, group)
    assert close(km.logrank_statistic, statistic) and close(km.logrank_p_value, p_value)
    gift = km.curves[km.curves.group == "gift"]
    sf = SurvfuncRight(time[300:], status[300:])
    assert np.allclose(gift.survival, sf.surv_prob, rtol=1e-12)
    assert ((gift.ci_low <= gift.survival) & (gift.survival <= gift.ci_high)).all()
    assert not km.curves[["survival", "ci_low", "ci_high"]].isna().any().any()


def test_kaplan_meier_degenerate():
    assert stats.kaplan_meier([], [], []).status == "insufficient_data"
    one_group = stats.kaplan_meier([1, 2, 3], [1, 0, 1], ["a", "a", "a"])
    assert one_group.status == "insufficient_data" and one_group.logrank_p_value is None
    no_events = stats.kaplan_meier([5, 5, 5, 5], [0, 0, 0, 0], ["a", "a", "b", "b"])
    assert no_events.status == "insufficient_data"


# -- decay, payback ------------------------------------------------------------------------------
def test_decay_compares_each_bucket_and_sorts():
    buckets = {30: (S(100, 10, 10), S(100, 12, 12)), 0: (S(100, 10, 10), S(100, 20, 20)),
               60: (S(100, 0, 0), S(100, 0, 0))}  # fmt: skip
    points = stats.decay(buckets, "binary", arm_name="gift", metric="repeat")
    assert [p.bucket for p in points] == [0, 30, 60]
    assert points[0].effect.diff == pytest.approx(0.10)
    assert points[2].effect.status == "insufficient_data"
    json.dumps([p.as_json() for p in points], allow_nan=False)


@pytest.mark.parametrize(
    ("margin", "cost", "expected"),
    [
        ([0, 1, 3, 6, 10], 2.5, 2),
        ([0, 3, 1, 4, 6], 2.5, 3),  # crossed on day 1, fell back: pays back from day 3
        ([0, 1, 2, 2, 2], 2.5, None),
        ([5, 5, 5, 5, 5], 2.5, 0),
        ([0, 1, 3, 6, 10], [1, 2, 4, 5, 11], None),  # cost keeps growing faster at the end
    ],
)
def test_payback_day(margin, cost, expected):
    assert stats.payback_day([0, 1, 2, 3, 4], margin, cost) == expected


def test_payback_day_empty():
    assert stats.payback_day([], [], 1.0) is None


# -- segments ------------------------------------------------------------------------------------
def test_segment_effects_bh_and_cochran_q_match_statsmodels():
    per_segment = {
        "new": (S(2000, 200, 200), S(2000, 290, 290)),
        "regular": (S(3000, 450, 450), S(3000, 470, 470)),
        "vip": (S(800, 200, 200), S(800, 205, 205)),
        "empty": (S(0, 0, 0), S(10, 1, 1)),
    }
    result = stats.segment_effects(per_segment, "binary", arm_name="gift", metric="buy")
    ok = [result.effects[s] for s in ("new", "regular", "vip")]
    assert result.effects["empty"].status == "insufficient_data"
    bh = multipletests([e.p_value for e in ok], method="fdr_bh")[1]
    assert [e.p_adjusted for e in ok] == pytest.approx(list(bh), **TOL)
    meta = combine_effects(np.array([e.diff for e in ok]), np.array([e.se**2 for e in ok]))
    assert close(result.heterogeneity_q, meta.q)
    assert result.heterogeneity_df == 2
    assert close(result.heterogeneity_p_value, sps.chi2.sf(meta.q, 2))
    assert result.heterogeneity_p_value < 0.05  # "new" clearly responds more
    json.dumps(result.as_json(), allow_nan=False)
    single = stats.segment_effects({"a": per_segment["new"]}, "binary", arm_name="g", metric="b")
    assert single.status == "insufficient_data" and single.heterogeneity_p_value is None


def test_effect_json_has_the_documented_keys():
    [e] = stats.compare(S(100, 10, 10), S(100, 20, 20), "binary", arm_name="a", metric="m")
    keys = {"arm", "metric", "method", "control_mean", "arm_mean", "diff", "ci_low", "ci_high",
            "rel_lift", "rel_ci_low", "rel_ci_high", "p_value", "p_adjusted", "n_control", "n_arm",
            "variance_reduction", "status", "note"}  # fmt: skip
    assert keys <= set(e.as_json())
    assert isinstance(pd.Series(e.as_json()).to_dict(), dict)


# -- Kaplan-Meier from a histogram (what the SQL returns) ----------------------------------------
def _histogram(rng, n_groups=3, n=400):
    groups = rng.choice([f"arm{i}" for i in range(n_groups)], size=n)
    durations = rng.integers(1, 40, size=n).astype(float)
    events = (rng.random(n) < 0.6).astype(int)
    frame = pd.DataFrame({"g": groups, "t": durations, "e": events})
    hist = frame.value_counts().rename("w").reset_index()
    return frame, hist


@pytest.mark.parametrize("seed", range(5))
def test_weighted_kaplan_meier_equals_the_expanded_rows(seed):
    from statsmodels.duration.survfunc import survdiff

    frame, hist = _histogram(np.random.default_rng(seed))
    expanded = stats.kaplan_meier(frame["t"], frame["e"], frame["g"])
    weighted = stats.kaplan_meier(hist["t"], hist["e"], hist["g"], weights=hist["w"])
    statistic, p_value = survdiff(
        frame["t"].to_numpy(), frame["e"].to_numpy(), frame["g"].to_numpy()
    )
    assert weighted.logrank_statistic == pytest.approx(statistic, rel=1e-9)
    assert weighted.logrank_p_value == pytest.approx(p_value, rel=1e-9, abs=1e-15)
    left = expanded.curves.sort_values(["group", "time"]).reset_index(drop=True)
    right = weighted.curves.sort_values(["group", "time"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=1e-9)


def test_weighted_kaplan_meier_degenerate_inputs_give_insufficient_data():
    one_group = stats.kaplan_meier([1.0, 2.0], [1, 0], ["a", "a"], weights=[5, 5])
    no_events = stats.kaplan_meier([1.0, 2.0], [0, 0], ["a", "b"], weights=[5, 5])
    empty = stats.kaplan_meier([1.0], [1], ["a"], weights=[0])
    tiny = stats.kaplan_meier([3.0, 3.0], [1, 1], ["a", "b"], weights=[2, 2])
    for result in (one_group, no_events, empty, tiny):
        assert result.status == "insufficient_data" or result.logrank_p_value is not None
        assert result.logrank_statistic is None or np.isfinite(result.logrank_statistic)
    assert one_group.status == no_events.status == empty.status == "insufficient_data"
