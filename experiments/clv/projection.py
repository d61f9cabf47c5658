"""Projected CLV per arm of an experiment vs control, with intervals and the held-back check."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from experiments import config
from experiments.clv.bgnbd import BgNbdFit, BgNbdParams
from experiments.clv.cells import (
    Resampler,
    _arm_means,
    _arms,
    _cells,
    _fit_group,
    _Horizon,
)
from experiments.clv.core import _DAYS_PER_UNIT, DAYS_PER_MONTH, TimeUnit
from experiments.clv.gamma_gamma import (
    GammaGammaFit,
    GammaGammaParams,
)
from experiments.escape import json_finite
from experiments.i18n.text import PerLanguage, Text, joined, money, percent, signed_number
from experiments.progress import Progress

if TYPE_CHECKING:
    from experiments.sources import Source
    from experiments.store import Cursor, Store

ProjectionMethod = Literal["per_arm", "pooled"]
# The texts are catalogue messages (`Text`: English as a str, any language by `render`),
# in experiments/i18n/messages_clv.py (clv.basis.*, clv.holdout_rule, clv.withheld.*, ...).
PROJECTION_BASIS: dict[str, str] = {
    "per_arm": Text("clv.basis.per_arm"),
    "pooled": Text("clv.basis.pooled"),
}
ArmStatus = Literal["ok", "not_converged", "insufficient_data", "withheld"]
HOLDOUT_RULE = Text("clv.holdout_rule", days=config.CLV_DIRECT_WINDOW_DAYS)


@dataclass(frozen=True)
class HoldoutCheck:
    """Predicted vs actual margin on the held-back end of the follow-up, for one arm.

    Attributes:
        holdout_days: length of the held-back period (the last days before the cutoff).
        customers: customers in the check.
        predicted_margin: mean kept margin per customer the models, fitted without the
            held-back period, predict for it; None without a usable fit.
        actual_margin: mean kept margin per customer actually observed in it.
        predicted_difference: predicted_margin minus control's (None for control).
        actual_difference: actual_margin minus control's (None for control).
        ci_lower: lower bound of the (confidence) Welch interval of actual_difference.
        ci_upper: upper bound.
        passed: the predicted difference lies inside that interval; None for control or when
            the check could not be run (then the projection is withheld).
        reason: why the arm's projection is withheld or refused (catalogue Text: the
            check's outcome, or the fit's message); "" when it is shown.
    """

    holdout_days: int
    customers: int
    predicted_margin: float | None
    actual_margin: float
    predicted_difference: float | None = None
    actual_difference: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    passed: bool | None = None
    reason: str = ""


@dataclass(frozen=True)
class ArmProjection:
    """One arm's projected CLV beside its observed-window result.

    Attributes:
        arm_id: arm id in the experiment.
        name: arm name.
        kind: arm kind ("control", "discount", ...).
        customers: assigned customers up to the cutoff.
        status: "ok", "insufficient_data" or "not_converged" (the arm's fit).
        message: why the arm has no projection ("" when ok).
        observed_margin: mean margin per customer in the observed window (assignment to cutoff).
        observed_revenue: mean revenue per customer in the observed window.
        margin_rate: margin share of the arm's revenue in the fitted period (the default rate
            without revenue); from `project_arms`, the period after the direct window, so a
            coupon's thin margins inside its window do not carry into the projection.
        projected_clv: mean expected discounted margin per customer over the next `months`
            months after the cutoff; None without a usable fit. What it and its intervals
            estimate is the expected value per customer of the population the arm's customers
            were drawn from (its model parameters), so the intervals count both which
            customers the arm got and the fit's uncertainty (the bootstrap resamples customers
            and refits); they are not prediction intervals of these customers' realised future
            margin, which also carries their future purchases' chance.
        difference: projected_clv minus control's; None for the control arm or without fits.
        ci_lower: lower bound of the interval of the difference: the bootstrap interval
            (`_bootstrap_interval`), widened by the held-back check's model-error allowance
            when there is a check (HOLDOUT_RULE).
        ci_upper: upper bound.
        bgnbd: the arm's BG/NBD parameters (time from the fit's start), or None.
        gamma_gamma: the arm's Gamma-Gamma parameters, or None.
        check: predicted vs actual on the held-back follow-up (HOLDOUT_RULE), or None when
            the projection was made without one (project_arm_frame on its own). A treated
            arm whose check did not pass has status "withheld" and no projection.
        bootstrap_ci_lower: with a check, the bootstrap interval before the check's model-error
            allowance widened it into ci_lower / ci_upper; None without a check.
        bootstrap_ci_upper: upper bound of that bootstrap interval.
        projected_ci_lower: lower bound of the bootstrap interval of projected_clv itself
            (every arm with a fit, control included; no check allowance); None without
            replicates.
        projected_ci_upper: upper bound.
        dropout_model: the drop-out of the arm's BG/NBD fit: "beta" (the Beta mixture of
            drop-out chances) or "constant" (its limit, one chance for every customer:
            `fit_bgnbd`); None without a usable fit. Every projected_* field and the
            difference and intervals are None when the arm has no projection (withheld or
            refused), and check.reason says why.
    """

    arm_id: int
    name: str
    kind: str
    customers: int
    status: ArmStatus
    message: str
    observed_margin: float
    observed_revenue: float
    margin_rate: float
    projected_clv: float | None
    difference: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    bgnbd: BgNbdParams | None = None
    gamma_gamma: GammaGammaParams | None = None
    check: HoldoutCheck | None = None
    bootstrap_ci_lower: float | None = None
    bootstrap_ci_upper: float | None = None
    projected_ci_lower: float | None = None
    projected_ci_upper: float | None = None
    dropout_model: Literal["beta", "constant"] | None = None


@dataclass(frozen=True)
class ProjectionResult:
    """Projected CLV per arm of an experiment and the differences vs control.

    Attributes:
        experiment_id: the experiment.
        status: "ok" when the control and at least one other arm have projections, else
            "insufficient_data".
        message: what is missing ("" when ok), plus a note when bootstrap replicates failed.
        basis: the label to show next to every number: a model-based projection.
        method: "per_arm" (each arm fitted on its own customers) or "pooled" (one fit on
            all arms); either way every bootstrap replicate refits the models it uses.
        months: projection horizon after the cutoff.
        monthly_discount_rate: discount rate per month.
        confidence: level of the bootstrap intervals.
        bootstrap: replicates requested.
        failed_replicates: replicates dropped because a refit did not converge.
        time_unit: unit of the fitted parameters (time since assignment).
        until: the cutoff day, or None when the store is empty.
        arms: one ArmProjection per arm, by arm_id.
        fit_start_days: days after assignment the fitted behaviour starts (the levers'
            direct window; 0 = from assignment).
        holdout_days: the last days of the follow-up held back for the check (0 = none).
        check_rule: how the check decides (HOLDOUT_RULE), "" without a check.
        dropout_note: what `basis` says when a fit is BG/NBD's constant-dropout limit (which
            fits and their drop-out chance), "" when none is.
    """

    experiment_id: int
    status: Literal["ok", "insufficient_data"]
    message: str
    basis: str
    method: ProjectionMethod
    months: int
    monthly_discount_rate: float
    confidence: float
    bootstrap: int
    failed_replicates: int
    time_unit: TimeUnit
    until: dt.date | None
    arms: tuple[ArmProjection, ...]
    fit_start_days: int = 0
    holdout_days: int = 0
    check_rule: str = ""
    dropout_note: str = ""


def holdout_checks(
    calibration: pd.DataFrame | Mapping[str, Any],
    arms: pd.DataFrame,
    *,
    holdout_days: int,
    confidence: float = config.CONFIDENCE,
    time_unit: TimeUnit = "weeks",
    default_margin_rate: float = config.DEFAULT_MARGIN_RATE,
    method: ProjectionMethod = "pooled",
) -> dict[int, HoldoutCheck]:
    """Fit each arm without the held-back period and compare its prediction there with the data.

    Args:
        calibration: `customers.followup_summary` ending `holdout_days` before the cutoff,
            with the actual `holdout_margin` of the held-back days (a frame, or the same
            columns as a dict of arrays: `customers.followup_summaries`).
        arms: `customers.experiment_arms` output (arm_id, name, kind).
        holdout_days: length of the held-back period.
        confidence: level of the interval of the actual difference (HOLDOUT_RULE).
        time_unit: unit of recency and T in the summary.
        default_margin_rate: margin share for an arm without revenue in the fitted period.
        method: "pooled" (one fit on all arms, as the projection) or "per_arm".

    Returns:
        arm_id -> HoldoutCheck (arms without customers are left out). The interval counts
        only the sampling error of the actual margins, so the check is strict: a prediction
        that misses by more than that noise fails.
    """
    horizon = holdout_days / _DAYS_PER_UNIT[time_unit]
    data = _arms(calibration, default_margin_rate)
    arm_of_row = np.asarray(calibration["arm_id"])
    holdout_margin = np.asarray(calibration["holdout_margin"], dtype=float)
    actual = {arm_id: holdout_margin[arm_of_row == arm_id] for arm_id in data}
    cells = _cells(data)
    positions = list(range(len(cells.arm_ids)))
    groups = [positions] if method == "pooled" else [[a] for a in positions]
    predicted: dict[int, float | None] = dict.fromkeys(data)
    for arms_of_group in groups if data else []:
        fit = _fit_group(cells, arms_of_group, time_unit)
        if fit.converged:
            predicted.update(
                _arm_means(
                    fit.bgnbd.require(),
                    fit.gamma_gamma.require(),
                    cells,
                    fit.cells,
                    cells.count,
                    cells.spend_sum,
                    [0.0, horizon],
                    None,
                )
            )
    controls = [int(a) for a, k in zip(arms["arm_id"], arms["kind"], strict=True) if k == "control"]
    control = controls[0] if controls else None
    critical = float(special.ndtri(1 - (1 - confidence) / 2))
    out: dict[int, HoldoutCheck] = {}
    for arm_id, values in actual.items():
        check = HoldoutCheck(
            holdout_days=int(holdout_days),
            customers=len(values),
            predicted_margin=predicted[arm_id],
            actual_margin=float(values.mean()),
        )
        base = actual.get(control) if control is not None else None
        if arm_id != control and base is not None and len(values) > 1 and len(base) > 1:
            difference = float(values.mean() - base.mean())
            se = math.sqrt(values.var(ddof=1) / len(values) + base.var(ddof=1) / len(base))
            lower, upper = difference - critical * se, difference + critical * se
            own, theirs = predicted[arm_id], predicted.get(control)  # type: ignore[arg-type]
            guess = None if own is None or theirs is None else own - theirs
            check = dataclasses.replace(
                check,
                predicted_difference=guess,
                actual_difference=difference,
                ci_lower=lower,
                ci_upper=upper,
                passed=None if guess is None else bool(lower <= guess <= upper),
            )
        out[arm_id] = check
    return out


def _with_checks(
    result: ProjectionResult, checks: dict[int, HoldoutCheck], fit_start: int, holdout: int
) -> ProjectionResult:
    """Attach each arm's check; withhold the projection of a treated arm that did not pass."""
    arms = []
    failed, unchecked = [], []
    for arm in result.arms:
        check = checks.get(arm.arm_id)
        arm = dataclasses.replace(arm, check=check)
        if arm.kind != "control" and arm.status == "ok" and not (check and check.passed):
            if check is None or check.passed is None:
                unchecked.append(arm.name)
                why = Text("clv.withheld.unidentified", days=holdout)
            else:
                failed.append(arm.name)
                why = Text(
                    "clv.withheld.failed",
                    days=holdout,
                    predicted=money(check.predicted_difference, config.CURRENCY, signed=True),
                    actual=signed_number(check.actual_difference),
                    confidence=percent(result.confidence),
                    low=signed_number(check.ci_lower),
                    high=signed_number(check.ci_upper),
                )
            withheld = Text("clv.withheld.arm", why=why, months=result.months)
            arm = dataclasses.replace(
                arm,
                status="withheld",
                message=withheld,
                check=dataclasses.replace(check, reason=withheld) if check else None,
                **_NO_PROJECTION,
            )
        elif arm.status != "ok" and check is not None:
            arm = dataclasses.replace(arm, check=dataclasses.replace(check, reason=arm.message))
        elif arm.kind != "control" and check is not None and arm.ci_lower is not None:
            arm = _widened(arm, check, result)
        arms.append(arm)
    parts: list[object] = [result.message] if result.message else []
    if failed:
        parts.append(Text("clv.withheld.failed_arms", arms=", ".join(failed)))
    if unchecked:
        parts.append(Text("clv.withheld.unchecked_arms", arms=", ".join(unchecked)))
    message = joined(parts)
    return dataclasses.replace(
        result,
        arms=tuple(arms),
        message=message,
        basis=joined(
            [
                Text(f"clv.basis.checked.{result.method}", day=fit_start, days=holdout),
                result.dropout_note,
            ]
        ),
        fit_start_days=fit_start,
        holdout_days=holdout,
        check_rule=HOLDOUT_RULE,
    )


_NO_PROJECTION: dict[str, Any] = {
    "projected_clv": None,
    "difference": None,
    "ci_lower": None,
    "ci_upper": None,
    "bootstrap_ci_lower": None,
    "bootstrap_ci_upper": None,
    "projected_ci_lower": None,
    "projected_ci_upper": None,
}


def _dropout_note(
    fits: dict[int, tuple[BgNbdFit, GammaGammaFit, float | None]],
    names: dict[int, str],
    pooled: bool,
) -> str:
    """The basis's sentence on fits that are BG/NBD's constant-dropout limit ("" for none)."""
    limits = [
        (arm_id, bg.require().mean_dropout)
        for arm_id, (bg, _, value) in sorted(fits.items())
        if value is not None and bg.constant_dropout
    ]
    if not limits:
        return ""
    if pooled:
        chance, everyone = percent(limits[0][1], 1), Text("clv.basis.constant_dropout.all_arms")
        fitted: object = PerLanguage(
            en=f"{everyone.render('en')}: {chance.en}", ru=f"{everyone.render('ru')}: {chance.ru}"
        )
    else:
        chances = [(names[arm_id], percent(p, 1)) for arm_id, p in limits]
        fitted = PerLanguage(
            en=", ".join(f"{name}: {chance.en}" for name, chance in chances),
            ru=", ".join(f"{name}: {chance.ru}" for name, chance in chances),
        )
    return Text("clv.basis.constant_dropout", fits=fitted)


def _widened(arm: ArmProjection, check: HoldoutCheck, result: ProjectionResult) -> ArmProjection:
    """The bootstrap interval widened by the model error the check allows, over the horizon.

    The check bounds the model's error on the extra margin per day of the held-back period
    (actual minus predicted, within the actual difference's interval); the projection runs
    `months` months past it, so that per-day error, discounted month by month like the
    projection, is combined with each side of the bootstrap interval in quadrature (two
    separate sources of error: which customers the arm got, and how wrong the model is):
    what a few months of follow-up cannot rule out about a year stays in the interval.
    """
    assert check.predicted_difference is not None and check.ci_lower is not None
    assert check.ci_upper is not None and arm.ci_lower is not None and arm.ci_upper is not None
    months = np.arange(1.0, result.months + 1)
    scale = float(
        np.sum(DAYS_PER_MONTH / check.holdout_days * (1 + result.monthly_discount_rate) ** -months)
    )
    low_error = min(0.0, check.ci_lower - check.predicted_difference)
    high_error = max(0.0, check.ci_upper - check.predicted_difference)
    centre = arm.difference if arm.difference is not None else 0.0
    return dataclasses.replace(
        arm,
        ci_lower=centre - math.hypot(centre - arm.ci_lower, scale * low_error),
        ci_upper=centre + math.hypot(arm.ci_upper - centre, scale * high_error),
        bootstrap_ci_lower=arm.ci_lower,
        bootstrap_ci_upper=arm.ci_upper,
    )


def _bootstrap_interval(
    estimate: float, replicates: object, confidence: float
) -> tuple[float, float] | None:
    """estimate +- t(B - 1) x the standard deviation of the B bootstrap replicates (None: B < 2).

    Not the percentile interval it replaced (#15): with the 100 replicates the page draws, a
    95% percentile interval ends between the 3rd and 4th order statistics, about 4% short of
    +-1.96 sd, and it covered a known truth 1-3 points less often than this one from the same
    replicates (`bench/bench_clv_coverage.py`); the replicates' skew here is small (0.0-0.2).
    The t quantile carries the Monte Carlo error of an sd from B replicates, so the coverage
    does not depend on B.
    """
    values = np.asarray(replicates, dtype=float)
    if values.size < 2:
        return None
    half = float(special.stdtrit(values.size - 1, 1 - (1 - confidence) / 2)) * float(
        values.std(ddof=1)
    )
    return estimate - half, estimate + half


def project_arm_frame(
    summary: pd.DataFrame | Mapping[str, Any],
    arms: pd.DataFrame,
    *,
    experiment_id: int = 0,
    months: int = 12,
    bootstrap: int = config.CLV_BOOTSTRAP_REPLICATES,
    seed: int = 0,
    method: ProjectionMethod = "per_arm",
    monthly_discount_rate: float = config.MONTHLY_DISCOUNT_RATE,
    confidence: float = config.CONFIDENCE,
    time_unit: TimeUnit = "weeks",
    until: dt.date | None = None,
    default_margin_rate: float = config.DEFAULT_MARGIN_RATE,
    progress: Progress | None = None,
) -> ProjectionResult:
    """Projected `months`-month CLV per arm from per-customer post-assignment summaries.

    Customers are merged into cells of equal (arm, x, t_x, T) (`experiments.clv.cells`): an
    arm's mean CLV needs only each cell's customers and summed mean spend, so a million
    customers are a few thousand rows. The bootstrap resamples customers with replacement
    within each arm (multinomial counts over the cells, then which customers inside a cell)
    and refits the models on every replicate - BG/NBD on the cells, Gamma-Gamma on the drawn
    customers, both by Newton iterations from the point fit - so parameter uncertainty is in
    the interval for both methods (`bench/bench_clv_coverage.py` measures its coverage
    against a known truth). With "per_arm" (the default here) each arm has its own fits;
    with "pooled" one fit covers all arms, and the arms then differ only through their
    customers' histories.

    Args:
        summary: `experiments.store.customers.arm_summary` output (arm_id, frequency, recency,
            T, monetary, revenue, margin), a frame or the same columns as a dict of arrays.
        arms: `experiments.store.customers.experiment_arms` output (arm_id, name, kind).
        experiment_id: recorded on the result.
        months: horizon after the cutoff.
        bootstrap: replicates (0 = point estimates only).
        seed: random seed of the bootstrap.
        method: "per_arm" or "pooled" (see above).
        monthly_discount_rate: per-month discount rate.
        confidence: level of the bootstrap intervals (`_bootstrap_interval`).
        time_unit: unit of recency and T in the summary.
        until: the cutoff, recorded on the result.
        default_margin_rate: margin share for an arm without observed revenue.
        progress: called with (fraction done, text) before each bootstrap replicate (some
            10-30 ms each at 1M customers).
    """
    rng = np.random.default_rng(seed)
    horizon = _Horizon(months, monthly_discount_rate, time_unit)
    data = _arms(summary, default_margin_rate)
    arm_ids = list(data)
    arm_of_row = np.asarray(summary["arm_id"])
    observed = {name: np.asarray(summary[name], dtype=float) for name in ("margin", "revenue")}
    cells = _cells(data)
    positions = list(range(len(arm_ids)))
    groups = [
        _fit_group(cells, arms_of_group, time_unit, scores=bootstrap > 0)
        for arms_of_group in (
            [positions] if method == "pooled" and data else [[a] for a in positions]
        )
    ]
    ends, discount = horizon.purchase_weights()
    fits: dict[int, tuple[BgNbdFit, GammaGammaFit, float | None]] = {}
    for group in groups:
        values: dict[int, float] = {}
        if group.converged:
            values = _arm_means(
                group.bgnbd.require(),
                group.gamma_gamma.require(),
                cells,
                group.cells,
                cells.count,
                cells.spend_sum,
                ends,
                discount,
            )
        for position in group.arms:
            arm_id = cells.arm_ids[position]
            fits[arm_id] = (group.bgnbd, group.gamma_gamma, values.get(arm_id))

    arm_rows = arms.sort_values("arm_id")
    controls = [
        int(a) for a, k in zip(arm_rows["arm_id"], arm_rows["kind"], strict=True) if k == "control"
    ]
    control = controls[0] if controls else None
    usable = sorted(a for a, f in fits.items() if f[2] is not None)

    drawn: dict[int, list[float]] = {a: [] for a in usable}
    failed = 0
    if bootstrap > 0 and control in usable and len(usable) > 1:
        resampler = Resampler(cells, [g for g in groups if g.converged])
        for number in range(bootstrap):
            if progress is not None:
                progress(
                    number / bootstrap,
                    Text("progress.bootstrap", number=number + 1, bootstrap=bootstrap),
                )
            replicate_values = resampler.replicate(horizon, rng)
            if replicate_values is None:
                failed += 1
                continue
            for arm_id in usable:
                drawn[arm_id].append(replicate_values[arm_id])

    results = []
    for arm_id, name, kind in zip(
        arm_rows["arm_id"], arm_rows["name"], arm_rows["kind"], strict=True
    ):
        arm_id = int(arm_id)
        rows = arm_of_row == arm_id
        size = int(rows.sum())
        observed_margin = float(observed["margin"][rows].mean()) if size else 0.0
        observed_revenue = float(observed["revenue"][rows].mean()) if size else 0.0
        if arm_id not in fits:
            results.append(
                ArmProjection(
                    arm_id=arm_id,
                    name=str(name),
                    kind=str(kind),
                    customers=0,
                    status="insufficient_data",
                    message=Text("clv.arm.no_customers"),
                    observed_margin=0.0,
                    observed_revenue=0.0,
                    margin_rate=default_margin_rate,
                    projected_clv=None,
                )
            )
            continue
        bg, gg, value = fits[arm_id]
        failing = bg if not bg.converged else gg
        difference = None
        interval = own_interval = None
        control_value = fits[control][2] if control is not None and control in fits else None
        if value is not None:
            own_interval = _bootstrap_interval(value, drawn.get(arm_id, []), confidence)
        if value is not None and control_value is not None and arm_id != control:
            difference = value - control_value
            draws = np.subtract(drawn.get(arm_id, []), drawn.get(control, []))  # type: ignore[arg-type]
            interval = _bootstrap_interval(difference, draws, confidence)
        results.append(
            ArmProjection(
                arm_id=arm_id,
                name=str(name),
                kind=str(kind),
                customers=size,
                status="ok" if value is not None else failing.status,
                message="" if value is not None else failing.message,
                observed_margin=observed_margin,
                observed_revenue=observed_revenue,
                margin_rate=data[arm_id].margin_rate,
                projected_clv=value,
                difference=difference,
                ci_lower=interval[0] if interval else None,
                ci_upper=interval[1] if interval else None,
                bgnbd=bg.params if bg.converged else None,
                gamma_gamma=gg.params if gg.converged else None,
                projected_ci_lower=own_interval[0] if own_interval else None,
                projected_ci_upper=own_interval[1] if own_interval else None,
                dropout_model=(
                    None if value is None else ("constant" if bg.constant_dropout else "beta")
                ),
            )
        )

    problems = []
    if control is None:
        problems.append(Text("clv.problem.no_control"))
    elif control not in usable:
        problems.append(Text("clv.problem.control_unusable"))
    if not [a for a in usable if a != control]:
        problems.append(Text("clv.problem.no_treatment"))
    if failed:
        problems.append(Text("clv.problem.dropped_replicates", failed=failed, count=bootstrap))
    ok = control in usable and any(a != control for a in usable)
    names = {int(a): str(n) for a, n in zip(arm_rows["arm_id"], arm_rows["name"], strict=True)}
    note = _dropout_note(fits, names, method == "pooled")
    return ProjectionResult(
        experiment_id=int(experiment_id),
        status="ok" if ok else "insufficient_data",
        message=joined(problems),
        basis=joined([PROJECTION_BASIS[method], note]),
        method=method,
        months=months,
        monthly_discount_rate=monthly_discount_rate,
        confidence=confidence,
        bootstrap=bootstrap,
        failed_replicates=failed,
        time_unit=time_unit,
        until=until,
        arms=tuple(results),
        dropout_note=note,
    )


def project_arms(
    store_or_cursor: Store | Cursor,
    experiment_id: int,
    months: int = 12,
    bootstrap: int = config.CLV_BOOTSTRAP_REPLICATES,
    seed: int = 0,
    *,
    until: dt.date | None = None,
    method: ProjectionMethod = "pooled",
    monthly_discount_rate: float = config.MONTHLY_DISCOUNT_RATE,
    time_unit: TimeUnit = "weeks",
    progress: Progress | None = None,
    direct_window_days: int | None = None,
    source: Source | None = None,
) -> ProjectionResult:
    """Projected CLV per arm of an experiment vs control, with bootstrap intervals and a check.

    What the follow-up can support (HOLDOUT_RULE): the models are fitted on each customer's
    behaviour from `direct_window_days` after assignment (default: the longest coupon
    validity of the arms, at least config.CLV_DIRECT_WINDOW_DAYS), because orders a lever
    buys directly are a burst, not a lasting purchase rate. The last
    config.CLV_HOLDOUT_SHARE of the follow-up after that window is first held back: fitted
    without it, the models' predicted extra margin there must agree with the actual one, or
    the lever's projection is withheld. The projection itself is fitted on the whole period
    after the window (`project_arm_frame`), once on all arms by default ("pooled"): per-arm
    fits read a few months of follow-up into each arm's own drop-out parameters, which the
    data barely identify (on the demo one arm's Beta(a, b) came out at a = 17,916,
    b = 879,794), so arm differences 12 months out were mostly fit noise; with one fit the
    arms differ through their customers' own histories. Everything returned is a model-based
    projection and says so in `basis`. With a `source`, the follow-up summaries (and the
    default cutoff, its last transaction day) are read there (`source_engine`); the arms and
    the assignments stay the store's.
    """
    from experiments import source_engine
    from experiments.store import Store, customers

    if isinstance(store_or_cursor, Store):
        with store_or_cursor.cursor() as cur:
            return project_arms(
                cur,
                experiment_id,
                months,
                bootstrap,
                seed,
                until=until,
                method=method,
                monthly_discount_rate=monthly_discount_rate,
                time_unit=time_unit,
                progress=progress,
                direct_window_days=direct_window_days,
                source=source,
            )
    cur = store_or_cursor
    on_source = not source_engine.is_store(source)
    if until is not None:
        cutoff: dt.date | None = until
    elif on_source:
        assert source is not None
        cutoff = source_engine.last_transaction_day(source)
    else:
        cutoff = customers.last_transaction_day(cur)
    arms = customers.experiment_arms(cur, experiment_id)
    validity, followup = customers.lever_window_days(cur, experiment_id, cutoff)
    fit_start = (
        max(config.CLV_DIRECT_WINDOW_DAYS, validity)
        if direct_window_days is None
        else int(direct_window_days)
    )
    after = (followup or 0) - fit_start
    holdout = max(config.CLV_MIN_HOLDOUT_DAYS, round(after * config.CLV_HOLDOUT_SHARE))
    options = {
        "experiment_id": experiment_id,
        "months": months,
        "method": method,
        "monthly_discount_rate": monthly_discount_rate,
        "time_unit": time_unit,
        "until": cutoff,
    }
    if cutoff is None or after - holdout < config.CLV_MIN_HOLDOUT_DAYS:
        message = Text(
            "clv.problem.short_followup",
            day=fit_start,
            days=max(after, 0),
            needed=2 * config.CLV_MIN_HOLDOUT_DAYS,
        )
        empty = pd.DataFrame(
            columns=["arm_id", "frequency", "recency", "T", "monetary", "revenue", "margin"]
        )
        result = project_arm_frame(empty, arms, bootstrap=0, seed=seed, **options)  # type: ignore[arg-type]
        return dataclasses.replace(
            result,
            status="insufficient_data",
            message=message,
            fit_start_days=fit_start,
            check_rule=HOLDOUT_RULE,
        )
    calibration_end = cutoff - dt.timedelta(days=holdout)
    read = (  # the store's transactions, or the source's (the same cells)
        partial(source_engine.followup_summaries, source)
        if on_source and source is not None
        else customers.followup_summaries
    )
    calibration, summary = read(
        cur,
        experiment_id,
        start_days=fit_start,
        calibration_end=calibration_end,
        end=cutoff,
        time_unit=time_unit,
    )
    checks = holdout_checks(
        calibration, arms, holdout_days=holdout, time_unit=time_unit, method=method
    )
    result = project_arm_frame(
        summary,
        arms,
        bootstrap=bootstrap,
        seed=seed,
        progress=progress,
        **options,  # type: ignore[arg-type]
    )
    return _with_checks(result, checks, fit_start, holdout)


def projection_json(result: ProjectionResult) -> dict[str, object]:
    """A ProjectionResult as plain JSON-ready values (parameters as dicts; the infinite a, b
    of a constant-dropout fit as None: JSON has no infinity, and `bgnbd.dropout` holds p)."""
    document = dataclasses.asdict(result)
    document["until"] = result.until.isoformat() if result.until else None
    return json_finite(document)  # type: ignore[return-value]
