"""Power and MDE: the planner equals statsmodels, with the multiplicity and CUPED factors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from experiments import design
from experiments.design import ArmSpec, PlannerInputs

CONTROL = ArmSpec("control", "control")
GIFT = ArmSpec("gift", "gift", gift_cost=250.0)
DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10, redemption_share=0.4)


def ids(n: int) -> list[str]:
    return [f"cust-{i}" for i in range(n)]


@pytest.mark.parametrize("baseline", [0.05, 0.2, 0.45])
@pytest.mark.parametrize("lift_pp", [1.0, 3.0, -2.0])
@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_required_n_repeat_equals_statsmodels(baseline, lift_pp, ratio):
    expected = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(baseline + lift_pp / 100, baseline),
        alpha=0.025,
        power=0.8,
        ratio=ratio,
    )
    got = design.required_n_repeat(baseline, lift_pp, alpha=0.025, power=0.8, ratio=ratio)
    assert got == math.ceil(expected)


@pytest.mark.parametrize("baseline", [0.05, 0.3])
@pytest.mark.parametrize("n", [500, 20_000])
def test_detectable_lift_inverts_statsmodels(baseline, n):
    lift = design.detectable_lift_pp(baseline, n, alpha=0.05, power=0.8)
    assert lift is not None and lift > 0
    effect = proportion_effectsize(baseline + lift / 100, baseline)
    solved = NormalIndPower().solve_power(nobs1=n, alpha=0.05, power=0.8, ratio=1.0)
    assert effect == pytest.approx(solved, rel=1e-9)  # the Cohen's h inversion is exact
    power = NormalIndPower().power(effect, nobs1=n, alpha=0.05, ratio=1.0)
    assert power == pytest.approx(0.8, abs=1e-3)  # statsmodels' own root-finding tolerance


def test_money_planner_equals_ttest_ind_power_with_cuped_factor():
    std, lift, factor = 900.0, 60.0, 1 - 0.5**2
    expected = TTestIndPower().solve_power(
        effect_size=lift / (std * math.sqrt(factor)), alpha=0.05, power=0.8, ratio=1.0
    )
    assert design.required_n_value(std, lift, variance_factor=factor) == math.ceil(expected)
    mde = design.detectable_value(std, 4000, variance_factor=factor)
    d = TTestIndPower().solve_power(nobs1=4000, alpha=0.05, power=0.8, ratio=1.0)
    assert mde == pytest.approx(d * std * math.sqrt(factor))
    # CUPED with rho = 0.5 needs 25% fewer customers
    plain = design.required_n_value(std, lift)
    assert plain is not None
    assert design.required_n_value(std, lift, variance_factor=factor) == pytest.approx(
        0.75 * plain, rel=0.01
    )


def test_multiplicity_and_variance_factor():
    assert design.multiplicity_alpha(0.05, 2) == 0.05
    assert design.multiplicity_alpha(0.05, 4) == pytest.approx(0.05 / 3)
    assert design.variance_factor(0.6) == pytest.approx(0.64)
    assert design.variance_factor(None) == 1.0
    assert design.variance_factor(float("nan")) == 1.0


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (design.required_n_repeat, (0.0, 2.0)),
        (design.required_n_repeat, (0.3, 0.0)),
        (design.required_n_repeat, (0.99, 5.0)),
        (design.detectable_lift_pp, (0.3, 1)),
        (design.required_n_value, (0.0, 5.0)),
        (design.detectable_value, (100.0, 0)),
    ],
)
def test_degenerate_planner_inputs_give_none(call, args):
    assert call(*args) is None


def inputs(**changes) -> PlannerInputs:
    base = {
        "customers": 12_000,
        "history_customers": 11_000,
        "baseline_rate": 0.3,
        "value_mean": 500.0,
        "value_variance": 800.0**2,
        "pre_post_correlation": 0.5,
        "weekly_flow": 400.0,
        "horizon_days": 60,
    }
    return PlannerInputs(**{**base, **changes})


def test_plan_applies_bonferroni_and_unequal_weights():
    arms = (ArmSpec("control", "control", allocation=2), GIFT, DISCOUNT)
    result = design.plan(inputs(), arms, lift_pp=3.0, lift_money=50.0)
    assert result.status == "ok"
    assert result.alpha_per_comparison == pytest.approx(0.025)
    assert sum(result.n_per_arm.values()) == 12_000
    assert result.n_per_arm == {"control": 6000, "gift": 3000, "10% off": 3000}
    # each treatment arm vs a control twice its size, at alpha / 2
    n_t = design.required_n_repeat(0.3, 3.0, alpha=0.025, ratio=2.0)
    assert result.required_n_repeat is not None
    assert result.required_n_repeat["gift"] == n_t
    assert result.required_n_repeat["control"] == 2 * n_t
    assert result.required_total_repeat == 4 * n_t
    assert result.weeks_needed == pytest.approx(4 * n_t / 400.0)
    assert result.detectable_lift_pp == pytest.approx(
        design.detectable_lift_pp(0.3, 3000, alpha=0.025, ratio=2.0)
    )
    assert result.detectable_value_cuped == pytest.approx(
        result.detectable_value * math.sqrt(0.75)  # type: ignore[operator]
    )


def test_more_arms_need_more_customers_per_arm():
    two = design.plan(inputs(), (CONTROL, GIFT), lift_pp=2.0)
    three = design.plan(inputs(), (CONTROL, GIFT, DISCOUNT), lift_pp=2.0)
    assert two.required_n_repeat and three.required_n_repeat
    assert three.required_n_repeat["gift"] > two.required_n_repeat["gift"]


@pytest.mark.parametrize(
    "changes",
    [
        {"history_customers": 0, "baseline_rate": None, "value_variance": None},
        {"baseline_rate": 0.0},
        {"value_variance": 0.0},
    ],
)
def test_plan_with_insufficient_history_is_explicit(changes):
    result = design.plan(inputs(**changes), (CONTROL, GIFT), lift_pp=2.0)
    assert result.status == "insufficient_data"
    assert "history" in result.message
    assert result.required_n_repeat is None and result.detectable_lift_pp is None


def test_power_curve_rises_and_crosses_target_at_required_n():
    curve = design.power_curve(0.3, 3.0, alpha=0.05)
    assert list(curve.columns) == ["n", "power"]
    assert curve["power"].is_monotonic_increasing
    n = design.required_n_repeat(0.3, 3.0)
    assert n is not None
    at = design.power_curve(0.3, 3.0, [n - 1, n])
    assert at["power"].iloc[0] < 0.8 <= at["power"].iloc[1]
    assert design.power_curve(0.3, 0.0).empty


@pytest.mark.slow
def test_planned_sample_size_gives_planned_power_in_simulation():
    """Truth: +4 pp on a 30% base. The planner's n should detect it in ~80% of experiments."""
    rng = np.random.default_rng(11)
    n = design.required_n_repeat(0.30, 4.0, alpha=0.05, power=0.8)
    assert n is not None
    reps = 4000
    control = rng.binomial(n, 0.30, reps) / n
    treated = rng.binomial(n, 0.34, reps) / n
    pooled = (control + treated) / 2
    z = (treated - control) / np.sqrt(pooled * (1 - pooled) * 2 / n)
    power = float(np.mean(np.abs(z) > sps.norm.ppf(0.975)))
    assert power == pytest.approx(0.8, abs=0.025)
