"""Power and minimum detectable effect: the customers a design needs, from its history."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from experiments import config
from experiments.design.arms import ArmSpec
from experiments.i18n.text import Text

PlanStatus = Literal["ok", "insufficient_data"]


@dataclass(frozen=True)
class PlannerInputs:
    """What the audience's own history says, measured from a historical pseudo-start date.

    Attributes:
        customers: customers in the audience today.
        history_customers: customers who matched the audience at the pseudo-start date.
        baseline_rate: share of those who bought again within the horizon.
        value_mean: mean net value (margin) per customer over the horizon.
        value_variance: its variance (sample, ddof=1).
        pre_post_correlation: correlation of pre-period spend with net value over the horizon;
            its square is the variance a pre-period covariate (CUPED) removes.
        weekly_flow: customers newly entering the audience per week (recent four weeks).
        horizon_days: the horizon these were measured over.
    """

    customers: int
    history_customers: int
    baseline_rate: float | None
    value_mean: float | None
    value_variance: float | None
    pre_post_correlation: float | None
    weekly_flow: float
    horizon_days: int

    @property
    def status(self) -> PlanStatus:
        ok = (
            self.history_customers >= 2
            and self.baseline_rate is not None
            and 0 < self.baseline_rate < 1
            and self.value_variance is not None
            and self.value_variance > 0
        )
        return "ok" if ok else "insufficient_data"


def multiplicity_alpha(alpha: float, arms: int) -> float:
    """Per-comparison alpha for k arms compared each with the control (Bonferroni).

    With k - 1 treatment-vs-control comparisons, testing each at alpha / (k - 1) keeps the chance
    of any false winner at or below alpha. Bonferroni is slightly conservative (Šidák's
    1 - (1 - alpha)^(1/(k-1)) is exact for independent tests); the analysis uses Holm, which is
    never less powerful, so a plan made this way is on the safe side.
    """
    comparisons = max(arms - 1, 1)
    return alpha / comparisons


def variance_factor(correlation: float | None) -> float:
    """Share of the variance left after adjusting for a pre-period covariate (CUPED): 1 - rho^2."""
    if correlation is None or not math.isfinite(correlation):
        return 1.0
    return 1.0 - min(correlation**2, 1.0)


def _treated_rate(baseline: float, effect_size: float) -> float:
    """Invert Cohen's h: the rate p1 with 2 asin(sqrt p1) - 2 asin(sqrt p0) = h."""
    angle = math.asin(math.sqrt(baseline)) + effect_size / 2.0
    return math.sin(min(angle, math.pi / 2)) ** 2


# statsmodels loads on first use (about 0.8 s): the store and the analysis read `PlannerInputs`
# from this module without planning anything.
def _normal_power() -> Any:
    from statsmodels.stats.power import NormalIndPower

    return NormalIndPower()


def _t_power() -> Any:
    from statsmodels.stats.power import TTestIndPower

    return TTestIndPower()


def _cohens_h(rate: float, baseline_rate: float) -> float:
    from statsmodels.stats.proportion import proportion_effectsize

    return float(proportion_effectsize(rate, baseline_rate))


def required_n_repeat(
    baseline_rate: float,
    lift_pp: float,
    *,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    ratio: float = 1.0,
) -> int | None:
    """Customers in a treatment arm to detect `lift_pp` points on the repeat rate.

    Two-sided two-sample z-test on Cohen's h (statsmodels `proportion_effectsize` +
    `NormalIndPower`); `ratio` = control size / treatment size. None when the lift is zero or
    the treated rate would leave 0..1.
    """
    treated = baseline_rate + lift_pp / 100.0
    if lift_pp == 0 or not 0 < baseline_rate < 1 or not 0 < treated < 1:
        return None
    effect = _cohens_h(treated, baseline_rate)
    n = _normal_power().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return math.ceil(float(n))


def detectable_lift_pp(
    baseline_rate: float,
    n_treatment: float,
    *,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    ratio: float = 1.0,
) -> float | None:
    """Smallest upward lift of the repeat rate, in percentage points, found with `power`."""
    if n_treatment < 2 or not 0 < baseline_rate < 1:
        return None
    effect = _normal_power().solve_power(
        nobs1=n_treatment, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return (_treated_rate(baseline_rate, float(effect)) - baseline_rate) * 100.0


def required_n_value(
    std: float,
    lift_money: float,
    *,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    ratio: float = 1.0,
    variance_factor: float = 1.0,
) -> int | None:
    """Customers in a treatment arm to detect `lift_money` of net value per customer.

    Two-sample t-test (statsmodels `TTestIndPower`) on d = lift / (std * sqrt(factor)), where
    `variance_factor` is 1 - rho^2 when the analysis adjusts for the pre-period covariate.
    """
    if lift_money == 0 or std <= 0 or variance_factor <= 0:
        return None
    effect = abs(lift_money) / (std * math.sqrt(variance_factor))
    n = _t_power().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return math.ceil(float(n))


def detectable_value(
    std: float,
    n_treatment: float,
    *,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    ratio: float = 1.0,
    variance_factor: float = 1.0,
) -> float | None:
    """Smallest change of net value per customer (money) found with `power`."""
    if n_treatment < 2 or std <= 0 or variance_factor <= 0:
        return None
    effect = _t_power().solve_power(
        nobs1=n_treatment, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return float(effect) * std * math.sqrt(variance_factor)


def power_curve(
    baseline_rate: float,
    lift_pp: float,
    n_values: Sequence[int] | None = None,
    *,
    alpha: float = config.ALPHA,
    ratio: float = 1.0,
) -> pd.DataFrame:
    """Power of the repeat-rate test against treatment-arm size (columns n, power), for a chart.

    Empty frame when the inputs cannot give a power (degenerate rate or zero lift).
    """
    treated = baseline_rate + lift_pp / 100.0
    if lift_pp == 0 or not 0 < baseline_rate < 1 or not 0 < treated < 1:
        return pd.DataFrame({"n": pd.Series(dtype="int64"), "power": pd.Series(dtype="float64")})
    effect = _cohens_h(treated, baseline_rate)
    if n_values is None:
        target = required_n_repeat(baseline_rate, lift_pp, alpha=alpha, ratio=ratio) or 100
        n_values = sorted({max(int(n), 2) for n in np.linspace(10, 2.5 * target, 40)})
    analysis = _normal_power()
    powers = [
        float(analysis.power(effect, nobs1=n, alpha=alpha, ratio=ratio, alternative="two-sided"))
        for n in n_values
    ]
    return pd.DataFrame({"n": list(n_values), "power": powers})


@dataclass(frozen=True)
class Plan:
    """Sample size and sensitivity of a design on its audience.

    Attributes:
        status: "insufficient_data" when the history cannot give a baseline (message says why).
        message: what to do when the status is not ok, else "".
        comparisons: treatment-vs-control comparisons (k - 1).
        alpha_per_comparison: alpha after the multiplicity penalty.
        power: target power.
        customers: audience available today.
        n_per_arm: arm name -> customers the arm gets from the available audience.
        baseline_rate: repeat rate of the audience in history.
        value_std: standard deviation of net value per customer over the horizon.
        variance_factor: 1 - rho^2 of the pre-period covariate (1 = no gain).
        target_lift_pp: the lift the marketer wants to detect (percentage points), if given.
        required_n_repeat: arm name -> customers the arm needs for `target_lift_pp`.
        required_total_repeat: audience needed for that, all arms together.
        detectable_lift_pp: lift found with `power` in the smallest treatment arm of the
            available audience.
        target_lift_money: the net-value change to detect (money per customer), if given.
        required_n_value: arm name -> customers for `target_lift_money` (with CUPED factor).
        required_total_value: audience needed for that.
        detectable_value: money per customer detectable without covariate adjustment.
        detectable_value_cuped: the same with the pre-period covariate.
        weeks_needed: weeks of audience flow to collect `required_total_repeat` (None without
            a target or without flow).
        weekly_flow: customers entering the audience per week.
    """

    status: PlanStatus
    message: str
    comparisons: int
    alpha_per_comparison: float
    power: float
    customers: int
    n_per_arm: dict[str, int]
    baseline_rate: float | None
    value_std: float | None
    variance_factor: float
    target_lift_pp: float | None = None
    required_n_repeat: dict[str, int] | None = None
    required_total_repeat: int | None = None
    detectable_lift_pp: float | None = None
    target_lift_money: float | None = None
    required_n_value: dict[str, int] | None = None
    required_total_value: int | None = None
    detectable_value: float | None = None
    detectable_value_cuped: float | None = None
    weeks_needed: float | None = None
    weekly_flow: float = 0.0


def split_counts(total: int, arms: Sequence[ArmSpec]) -> dict[str, int]:
    """How many of `total` customers each arm gets (largest remainder, sums to total)."""
    weights = np.array([a.allocation for a in arms], dtype=float)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: total - int(counts.sum())]:
        counts[i] += 1
    return {a.name: int(c) for a, c in zip(arms, counts, strict=True)}


def plan(
    inputs: PlannerInputs,
    arms: Sequence[ArmSpec],
    *,
    lift_pp: float | None = None,
    lift_money: float | None = None,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
) -> Plan:
    """Required customers for a target lift and the lift detectable with the audience at hand.

    Each treatment arm is compared with the control at alpha / (k - 1). With unequal weights the
    statsmodels `ratio` is control size / treatment size, so the smaller arm decides.
    """
    comparisons = max(len(arms) - 1, 1)
    alpha_k = multiplicity_alpha(alpha, len(arms))
    factor = variance_factor(inputs.pre_post_correlation)
    n_per_arm = split_counts(inputs.customers, arms)
    std = math.sqrt(inputs.value_variance) if inputs.value_variance else None
    base = Plan(
        status=inputs.status,
        message="",
        comparisons=comparisons,
        alpha_per_comparison=alpha_k,
        power=power,
        customers=inputs.customers,
        n_per_arm=n_per_arm,
        baseline_rate=inputs.baseline_rate,
        value_std=std,
        variance_factor=factor,
        target_lift_pp=lift_pp,
        target_lift_money=lift_money,
        weekly_flow=inputs.weekly_flow,
    )
    controls = [a for a in arms if a.kind == "control"]
    treatments = [a for a in arms if a.kind != "control"]
    if inputs.status != "ok" or len(controls) != 1 or not treatments:
        reason = (
            Text("plan.problem.history") if inputs.status != "ok" else Text("plan.problem.arms")
        )
        return _replace(base, status="insufficient_data", message=reason)
    control = controls[0]
    assert inputs.baseline_rate is not None and std is not None
    total_weight = sum(a.allocation for a in arms)

    def need(per_treatment: Mapping[str, int | None]) -> tuple[dict[str, int] | None, int | None]:
        if any(v is None for v in per_treatment.values()):
            return None, None
        totals = [
            math.ceil(n * total_weight / a.allocation)  # type: ignore[operator]
            for a in treatments
            for n in [per_treatment[a.name]]
        ]
        total = max(totals)
        return {a.name: math.ceil(total * a.allocation / total_weight) for a in arms}, total

    updates: dict[str, object] = {}
    if lift_pp is not None:
        per = {
            a.name: required_n_repeat(
                inputs.baseline_rate,
                lift_pp,
                alpha=alpha_k,
                power=power,
                ratio=control.allocation / a.allocation,
            )
            for a in treatments
        }
        updates["required_n_repeat"], updates["required_total_repeat"] = need(per)
        total = updates["required_total_repeat"]
        if isinstance(total, int) and inputs.weekly_flow > 0:
            updates["weeks_needed"] = total / inputs.weekly_flow
    if lift_money is not None:
        per = {
            a.name: required_n_value(
                std,
                lift_money,
                alpha=alpha_k,
                power=power,
                ratio=control.allocation / a.allocation,
                variance_factor=factor,
            )
            for a in treatments
        }
        updates["required_n_value"], updates["required_total_value"] = need(per)
    smallest = min(treatments, key=lambda a: n_per_arm[a.name])
    n_small = n_per_arm[smallest.name]
    ratio = n_per_arm[control.name] / n_small if n_small else 1.0
    if n_small >= 2 and n_per_arm[control.name] >= 2:
        updates["detectable_lift_pp"] = detectable_lift_pp(
            inputs.baseline_rate, n_small, alpha=alpha_k, power=power, ratio=ratio
        )
        updates["detectable_value"] = detectable_value(
            std, n_small, alpha=alpha_k, power=power, ratio=ratio
        )
        updates["detectable_value_cuped"] = detectable_value(
            std, n_small, alpha=alpha_k, power=power, ratio=ratio, variance_factor=factor
        )
    return _replace(base, **updates)


def _replace(plan_: Plan, **changes: object) -> Plan:
    from dataclasses import replace

    return replace(plan_, **changes)  # type: ignore[arg-type]
