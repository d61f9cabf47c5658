"""Tests, intervals and corrections from per-arm sufficient statistics: numbers in, typed results.

Every estimator here works from `SampleStats` alone (n, sums, sums of squares, covariate
cross-products), which is what the SQL in `experiments/store/` returns per arm and metric. That
keeps inference fast at any scale and testable without a database: `tests/test_stats.py` checks
each estimator against statsmodels/scipy run on the raw rows to 1e-9 (CUPED's standard error,
an O(1/n) approximation of HC2, to the tolerance stated there).

Choices, stated once:

* Rates (`kind="binary"`) use the two-proportion Wald z-test: unpooled standard error
  sqrt(p1(1-p1)/n1 + p0(1-p0)/n0) for both the interval and the p-value. It is statsmodels
  `test_proportions_2indep(method="wald", compare="diff")`; we use it rather than the pooled
  `proportions_ztest` so that the 95% interval excludes 0 exactly when p < 0.05.
* Money (`kind="money"`) uses Welch's t (scipy `ttest_ind_from_stats(equal_var=False)`), with a
  Welch-Satterthwaite t interval (statsmodels `CompareMeans.tconfint_diff(usevar="unequal")`).
* CUPED is Lin's (2013) interacted regression, y ~ 1 + arm + (X - Xbar) + arm x (X - Xbar),
  with k pre-period covariates X centred at the two arms' pooled mean: each arm gets its own
  slopes, and the effect is the difference of the two arms' adjusted means
  alpha_a = ybar_a - beta_a'(xbar_a - Xbar). It is consistent whatever the split and however
  the arms' variances differ (a common slope with classical SEs undercovers under a 90/10 split
  with a noisier small arm). Its variance is each arm's own (homoskedastic within the arm,
  robust across arms): s_a^2 (1/n_a + d_a' Sxx_a^-1 d_a) with s_a^2 the residual variance of
  the arm's own regression on n_a - k - 1 degrees of freedom. It is asymptotically the HC0/HC2
  variance of the arm coefficient (HC2 proper needs per-row leverages, which the sums do not
  carry: a review measured the ratio to statsmodels' HC2 at a median 0.99 and a 10th
  percentile 0.90 at n = 300 on lognormal spend, 0.97 at n = 3,000); like statsmodels it
  treats the pooled covariate mean as known. A t distribution with Welch-Satterthwaite
  degrees of freedom. With no covariate kept it is Welch.
  Covariates that are constant or collinear within an arm are dropped, and at most one per
  `config.CUPED_CUSTOMERS_PER_COVARIATE` customers of the smaller arm is used.
* Relative lift intervals use the delta method with independent arms (normal quantile).
* Degenerate input (n <= 1, zero variance, no events, missing arm, zero control mean) yields
  `status="insufficient_data"` (or `rel_lift=None` for a zero control mean) with a note: never an
  exception, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar, get_args

import numpy as np
import pandas as pd
from scipy import special

from experiments import config

MetricKind = Literal["binary", "money"]
Method = Literal["z", "welch", "cuped"]
Correction = Literal["holm", "bh", "none"]
assert get_args(Correction) == config.CORRECTIONS  # the type and the list people pick from
Status = Literal["ok", "insufficient_data"]

SRM_THRESHOLD = 0.001  # customary SRM alarm level: a mismatch this unlikely means broken assignment
DEFAULT_DRAWS = 100_000
DEFAULT_SEED = 20260401
CS_METHOD = "asymptotic confidence sequence (Gaussian mixture boundary)"
CS_REFERENCE = (
    "Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas: 'Time-uniform central limit theory and "
    "asymptotic confidence sequences', Annals of Statistics (2024), arXiv:2103.06476"
)


# -- inputs --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CovariateMoments:
    """Sufficient statistics of a metric and k pre-period covariates in one arm (for CUPED).

    With z = [y, x_1, ..., x_k] per customer: n, the sums of z and the sums of the products
    z z' (the cross-product matrix). Every regression quantity of the arm (means, centred
    cross-products, own-arm slopes, residual variance) is a function of these numbers.

    Attributes:
        names: the covariates' names, in priority order (earlier ones are kept when some
            must be dropped).
        n: customers in the arm.
        sums: k + 1 sums: the metric first, then each covariate.
        products: (k + 1) x (k + 1) symmetric matrix of sums of products of [metric,
            covariates], as rows of tuples.
    """

    names: tuple[str, ...]
    n: int
    sums: tuple[float, ...]
    products: tuple[tuple[float, ...], ...]

    @classmethod
    def from_arrays(
        cls, names: Sequence[str], n: int, sums: np.ndarray, products: np.ndarray
    ) -> CovariateMoments:
        """From numpy arrays of the sums (k + 1) and products ((k + 1) x (k + 1))."""
        return cls(
            tuple(str(x) for x in names),
            int(n),
            tuple(float(v) for v in sums),
            tuple(tuple(float(v) for v in row) for row in products),
        )

    @classmethod
    def from_values(
        cls,
        values: Sequence[float] | np.ndarray,
        covariates: np.ndarray,
        names: Sequence[str] | None = None,
    ) -> CovariateMoments:
        """Moments of raw values y (n) and covariates (n x k) (tests, small in-memory data)."""
        y = np.asarray(values, dtype=float)
        x = np.asarray(covariates, dtype=float).reshape(y.size, -1)
        z = np.column_stack([y, x])
        labels = names if names is not None else [f"x{j + 1}" for j in range(x.shape[1])]
        return cls.from_arrays(labels, y.size, z.sum(axis=0), z.T @ z)

    def take(self, names: Sequence[str]) -> CovariateMoments:
        """The moments of the metric and only these covariates (in this order)."""
        index = [0, *(self.names.index(name) + 1 for name in names)]
        sums = np.asarray(self.sums)[index]
        products = np.asarray(self.products)[np.ix_(index, index)]
        return CovariateMoments.from_arrays(names, self.n, sums, products)


@dataclass(frozen=True)
class SampleStats:
    """Sufficient statistics of one metric in one arm (what the SQL returns).

    Attributes:
        n: customers in the arm.
        sum: sum of the metric over customers.
        sum_squares: sum of squared metric values.
        cov_sum: sum of the pre-period covariate (0 when no covariate).
        cov_sum_squares: sum of squared covariate values.
        cross_sum: sum of metric x covariate.
        covariates: moments of the metric with several covariates; when given, CUPED uses
            them instead of the single covariate above (which is the k = 1 case).
    """

    n: int
    sum: float
    sum_squares: float
    cov_sum: float = 0.0
    cov_sum_squares: float = 0.0
    cross_sum: float = 0.0
    covariates: CovariateMoments | None = None

    def moments(self) -> CovariateMoments:
        """Moments for CUPED: `covariates`, else the single covariate as k = 1."""
        if self.covariates is not None:
            return self.covariates
        return self.single_covariate("covariate")

    def single_covariate(self, name: str) -> CovariateMoments:
        """The single covariate's sums as moments (k = 1), under this name."""
        return CovariateMoments(
            (name,),
            self.n,
            (self.sum, self.cov_sum),
            ((self.sum_squares, self.cross_sum), (self.cross_sum, self.cov_sum_squares)),
        )

    @property
    def mean(self) -> float | None:
        """Mean of the metric; None for an empty arm."""
        return self.sum / self.n if self.n > 0 else None

    @property
    def variance(self) -> float | None:
        """Sample variance (ddof=1), clipped at 0 against rounding; None when n <= 1."""
        if self.n <= 1:
            return None
        return max(0.0, (self.sum_squares - self.sum * self.sum / self.n) / (self.n - 1))

    @property
    def centered_squares(self) -> float:
        """Sum of squared deviations of the metric from its mean (Syy)."""
        return max(0.0, self.sum_squares - self.sum * self.sum / self.n) if self.n else 0.0

    @property
    def centered_cov_squares(self) -> float:
        """Sum of squared deviations of the covariate from its mean (Sxx)."""
        return max(0.0, self.cov_sum_squares - self.cov_sum**2 / self.n) if self.n else 0.0

    @property
    def centered_cross(self) -> float:
        """Sum of cross-deviations of metric and covariate (Sxy)."""
        return self.cross_sum - self.sum * self.cov_sum / self.n if self.n else 0.0

    @classmethod
    def from_values(
        cls,
        values: Sequence[float] | np.ndarray,
        covariate: Sequence[float] | np.ndarray | None = None,
    ) -> SampleStats:
        """Sufficient statistics of raw values (tests, small in-memory data); a 2-D covariate
        (n x k) fills `covariates` (and the single-covariate sums from its first column)."""
        y = np.asarray(values, dtype=float)
        if covariate is None:
            return cls(int(y.size), float(y.sum()), float((y * y).sum()))
        x = np.asarray(covariate, dtype=float)
        if x.ndim == 2:
            first = x[:, 0]
            return cls(
                int(y.size),
                float(y.sum()),
                float((y * y).sum()),
                float(first.sum()),
                float((first * first).sum()),
                float((first * y).sum()),
                CovariateMoments.from_values(y, x),
            )
        return cls(
            int(y.size),
            float(y.sum()),
            float((y * y).sum()),
            float(x.sum()),
            float((x * x).sum()),
            float((x * y).sum()),
        )


# -- results -------------------------------------------------------------------------------------
def finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Effect:
    """One arm vs its baseline on one metric by one estimator.

    Attributes:
        arm: the treated arm's name.
        metric: the metric's name.
        method: estimator: 'z' (rates), 'welch' (money), 'cuped' (Lin's regression on the
            pre-period covariates).
        control_mean: baseline arm's mean (raw, also for cuped).
        arm_mean: treated arm's mean; for cuped control_mean + adjusted diff, so that
            arm_mean - control_mean == diff in every row.
        diff: arm minus baseline (absolute effect, metric units).
        ci_low: lower bound of the (1 - alpha) interval for diff.
        ci_high: upper bound.
        rel_lift: diff / control_mean; None when the control mean is 0.
        rel_ci_low: delta-method interval for rel_lift, lower bound.
        rel_ci_high: upper bound.
        p_value: two-sided p-value of diff = 0.
        p_adjusted: p-value after the multiple-testing correction (`adjust`); None before it.
        n_control: customers in the baseline arm.
        n_arm: customers in the treated arm.
        se: standard error of diff (what the interval is built from).
        variance_reduction: cuped only: 1 - Var(cuped diff) / Var(Welch diff), the share of
            the unadjusted estimator's variance the covariates actually removed (negative
            when they hurt); None for other methods.
        status: 'ok' or 'insufficient_data'.
        note: why the data is insufficient, or a caveat (e.g. zero control mean); '' if none.
        baseline: name of the arm compared against (the control, or another arm).
        alpha: significance level of the intervals.
        covariates: cuped only: the pre-period covariates the adjustment used (after
            dropping constant or collinear ones); () for other methods.
    """

    arm: str
    metric: str
    method: Method
    control_mean: float | None
    arm_mean: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    rel_lift: float | None
    rel_ci_low: float | None
    rel_ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    n_control: int
    n_arm: int
    variance_reduction: float | None = None
    se: float | None = None
    status: Status = "ok"
    note: str = ""
    baseline: str = "control"
    alpha: float = config.ALPHA
    covariates: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def significant(self) -> bool | None:
        """Adjusted (or raw, before adjustment) p-value below alpha; None when insufficient."""
        p = self.p_adjusted if self.p_adjusted is not None else self.p_value
        return None if p is None else p < self.alpha

    def as_json(self) -> dict[str, object]:
        """Plain dict for JSON: every float finite or None (never NaN)."""
        out: dict[str, object] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, float):
                value = finite_or_none(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


def _insufficient(
    arm_name: str,
    metric: str,
    method: Method,
    control: SampleStats | None,
    arm: SampleStats | None,
    note: str,
    baseline: str,
    alpha: float,
) -> Effect:
    return Effect(
        arm=arm_name,
        metric=metric,
        method=method,
        control_mean=finite_or_none(control.mean) if control else None,
        arm_mean=finite_or_none(arm.mean) if arm else None,
        diff=None,
        ci_low=None,
        ci_high=None,
        rel_lift=None,
        rel_ci_low=None,
        rel_ci_high=None,
        p_value=None,
        p_adjusted=None,
        n_control=control.n if control else 0,
        n_arm=arm.n if arm else 0,
        status="insufficient_data",
        note=note,
        baseline=baseline,
        alpha=alpha,
    )


def _z_crit(alpha: float) -> float:
    """Two-sided normal critical value (scipy.special: ~50x faster than scipy.stats.norm.ppf)."""
    return float(special.ndtri(1 - alpha / 2))


def _relative(
    diff: float, control_mean: float, var_rel: float, alpha: float
) -> tuple[float | None, float | None, float | None, str]:
    """Relative lift and its normal interval; None with a note when the control mean is 0.

    Relative to the baseline's size |mean|, so that an improvement reads positive also
    against a baseline that loses money (a lever's net value can be negative)."""
    if control_mean == 0:
        return None, None, None, "control mean is 0: relative lift undefined"
    rel = diff / abs(control_mean)
    half = _z_crit(alpha) * math.sqrt(max(var_rel, 0.0))
    return rel, rel - half, rel + half, ""


# -- two-arm comparison --------------------------------------------------------------------------
def compare(
    control: SampleStats | None,
    arm: SampleStats | None,
    kind: MetricKind,
    *,
    arm_name: str,
    metric: str,
    alpha: float = config.ALPHA,
    use_covariate: bool = False,
    baseline_name: str = "control",
) -> list[Effect]:
    """Effect of one arm against a baseline: 'z' or 'welch', plus 'cuped' with a covariate.

    Pass another arm as `control` (and its name as `baseline_name`) for arm-vs-arm questions
    such as "does the gift beat the discount?".

    Args:
        control: baseline arm's statistics; None when the arm is missing.
        arm: treated arm's statistics; None when missing.
        kind: 'binary' (0/1 metric, rates) or 'money' (continuous).
        arm_name: treated arm's name, copied to the result.
        metric: metric name, copied to the result.
        alpha: significance level of the intervals.
        use_covariate: also return the CUPED row (Lin's interacted regression) from the
            covariates' moments (`SampleStats.covariates`, else the single covariate sums).
        baseline_name: name of the baseline arm, copied to the result.

    Returns:
        One Effect per method (['z'] or ['welch'], then 'cuped' if requested), each either
        'ok' or 'insufficient_data' with a note.
    """
    primary: Method = "z" if kind == "binary" else "welch"
    methods: list[Method] = [primary, "cuped"] if use_covariate else [primary]
    problem = _basic_problem(control, arm, kind)
    if problem:
        return [
            _insufficient(arm_name, metric, m, control, arm, problem, baseline_name, alpha)
            for m in methods
        ]
    assert control is not None and arm is not None
    effects = [
        _z_effect(control, arm, arm_name, metric, alpha, baseline_name)
        if kind == "binary"
        else _welch_effect(control, arm, arm_name, metric, alpha, baseline_name)
    ]
    if use_covariate:
        effects.append(_cuped_effect(control, arm, arm_name, metric, alpha, baseline_name))
    return effects


def _basic_problem(control: SampleStats | None, arm: SampleStats | None, kind: MetricKind) -> str:
    if control is None or control.n == 0:
        return "baseline arm has no customers"
    if arm is None or arm.n == 0:
        return "arm has no customers"
    if control.n <= 1 or arm.n <= 1:
        return "needs at least 2 customers per arm"
    if kind == "binary":
        if control.sum == 0 and arm.sum == 0:
            return "no events in either arm"
        if control.sum == control.n and arm.sum == arm.n:
            return "every customer converted in both arms: no variation"
        if control.sum in (0, control.n) and arm.sum in (0, arm.n):
            # e.g. 0 of 5 against 4 of 4: both variances are 0, so no standard error exists
            return "no variation within either arm (all or none converted in each)"
    elif (control.variance or 0.0) <= 0 and (arm.variance or 0.0) <= 0:
        return "metric is constant in both arms: no variation"
    return ""


def _mean_difference(
    method: Method,
    control: SampleStats,
    arm: SampleStats,
    var_mean0: float,
    var_mean1: float,
    critical: float,
    p_value: float,
    names: tuple[str, str, str],
    alpha: float,
) -> Effect:
    """Effect of a difference of two independent means with variances var_mean0/1 of the means.

    Relative lift by the delta method: Var(m1/m0) ~ var_mean1/m0^2 + m1^2 var_mean0/m0^4.
    """
    m0, m1 = control.sum / control.n, arm.sum / arm.n
    var_rel = var_mean1 / m0**2 + m1**2 * var_mean0 / m0**4 if m0 else 0.0
    return _estimate(
        method, names, alpha, (control.n, arm.n), (m0, m1), m1 - m0,
        math.sqrt(var_mean0 + var_mean1), critical, p_value, var_rel,
    )  # fmt: skip


def _estimate(
    method: Method,
    names: tuple[str, str, str],
    alpha: float,
    sizes: tuple[int, int],
    means: tuple[float, float],
    diff: float,
    se: float,
    critical: float,
    p_value: float,
    var_rel: float,
    variance_reduction: float | None = None,
    covariates: tuple[str, ...] = (),
) -> Effect:
    """An estimated effect: interval diff +/- critical * se, relative lift by the delta method
    with variance `var_rel` (each estimator derives its own)."""
    arm_name, metric, baseline = names
    rel, rel_lo, rel_hi, note = _relative(diff, means[0], var_rel, alpha)
    return Effect(
        arm=arm_name,
        metric=metric,
        method=method,
        control_mean=means[0],
        arm_mean=means[1],
        diff=diff,
        ci_low=diff - critical * se,
        ci_high=diff + critical * se,
        rel_lift=rel,
        rel_ci_low=rel_lo,
        rel_ci_high=rel_hi,
        p_value=p_value,
        p_adjusted=None,
        n_control=sizes[0],
        n_arm=sizes[1],
        variance_reduction=variance_reduction,
        se=se,
        note=note,
        baseline=baseline,
        alpha=alpha,
        covariates=covariates,
    )


def _z_effect(
    control: SampleStats, arm: SampleStats, arm_name: str, metric: str, alpha: float, baseline: str
) -> Effect:
    """Two proportions: unpooled Wald interval and z-test (statsmodels test_proportions_2indep)."""
    p0, p1 = control.sum / control.n, arm.sum / arm.n
    a0, a1 = p0 * (1 - p0) / control.n, p1 * (1 - p1) / arm.n
    p_value = float(2 * special.ndtr(-abs((p1 - p0) / math.sqrt(a0 + a1))))
    names = (arm_name, metric, baseline)
    return _mean_difference("z", control, arm, a0, a1, _z_crit(alpha), p_value, names, alpha)


def _welch_effect(
    control: SampleStats, arm: SampleStats, arm_name: str, metric: str, alpha: float, baseline: str
) -> Effect:
    """Two means with unequal variances: Welch's t with Welch-Satterthwaite degrees of freedom."""
    a0 = (control.variance or 0.0) / control.n
    a1 = (arm.variance or 0.0) / arm.n
    df = (a0 + a1) ** 2 / (a0**2 / (control.n - 1) + a1**2 / (arm.n - 1))
    diff = arm.sum / arm.n - control.sum / control.n
    t = float(special.stdtrit(df, 1 - alpha / 2))
    p_value = float(2 * special.stdtr(df, -abs(diff / math.sqrt(a0 + a1))))
    names = (arm_name, metric, baseline)
    return _mean_difference("welch", control, arm, a0, a1, t, p_value, names, alpha)


def _cuped_effect(
    control: SampleStats, arm: SampleStats, arm_name: str, metric: str, alpha: float, baseline: str
) -> Effect:
    """Lin's interacted regression with per-arm residual variances (asymptotically HC2); see
    the module docstring."""
    moments0, moments1 = control.moments(), arm.moments()
    shared = [name for name in moments0.names if name in moments1.names]
    names = usable_covariates(moments0.take(shared), moments1.take(shared))
    if not names:
        why = (
            "needs at least 4 customers per arm"
            if min(control.n, arm.n) < 4
            else "covariates are constant within arms: nothing to adjust with"
        )
        return _insufficient(arm_name, metric, "cuped", control, arm, why, baseline, alpha)
    try:
        fit0, fit1 = _arm_fits(moments0.take(names), moments1.take(names))
    except np.linalg.LinAlgError:  # rounding made the kept covariates singular after all
        return _insufficient(
            arm_name, metric, "cuped", control, arm,
            "covariates are collinear within an arm: nothing to adjust with", baseline, alpha,
        )  # fmt: skip
    if fit0.residual_variance <= 0 and fit1.residual_variance <= 0:
        return _insufficient(
            arm_name,
            metric,
            "cuped",
            control,
            arm,
            "metric is an exact linear function of the covariates: no residual variation",
            baseline,
            alpha,
        )
    diff = fit1.adjusted_mean - fit0.adjusted_mean
    var_diff = fit0.variance + fit1.variance
    se = math.sqrt(var_diff)
    df = var_diff**2 / sum(f.variance**2 / f.df for f in (fit0, fit1) if f.variance > 0)
    t = float(special.stdtrit(df, 1 - alpha / 2))
    p_value = float(2 * special.stdtr(df, -abs(diff / se)))
    var_welch = (control.variance or 0.0) / control.n + (arm.variance or 0.0) / arm.n
    variance_reduction = 1 - var_diff / var_welch if var_welch > 0 else None
    # rel = diff / m0; Cov(diff, m0) = (p0 beta1'C0 + p1 beta0'C0 - V0) / n0 with C0 the control's
    # covariance of x with y and p_a the arms' shares (both adjusted means move with m0)
    n0, n1 = control.n, arm.n
    m0 = control.sum / n0
    v0 = control.variance or 0.0
    share0, share1 = n0 / (n0 + n1), n1 / (n0 + n1)
    c0 = fit0.cross / (n0 - 1)
    cov_diff_m0 = (share0 * float(fit1.slopes @ c0) + share1 * float(fit0.slopes @ c0) - v0) / n0
    var_rel = (
        var_diff / m0**2 + diff**2 * (v0 / n0) / m0**4 - 2 * diff * cov_diff_m0 / m0**3
        if m0
        else 0.0
    )
    return _estimate(
        "cuped", (arm_name, metric, baseline), alpha, (n0, n1), (m0, m0 + diff), diff, se, t,
        p_value, var_rel, variance_reduction, tuple(names),
    )  # fmt: skip


@dataclass(frozen=True)
class _ArmFit:
    """One arm's own regression of the metric on the covariates centred at the pooled mean."""

    adjusted_mean: float  # intercept: the arm's mean at the pooled covariate mean
    variance: float  # robust variance of adjusted_mean
    residual_variance: float  # RSS / df
    df: int  # n - k - 1
    slopes: np.ndarray  # k own-arm slopes
    cross: np.ndarray  # k centred cross-products of the covariates with the metric (Sxy)


def _centred(m: CovariateMoments) -> tuple[np.ndarray, np.ndarray]:
    """Means of [y, x] and the centred cross-product matrix of [y, x]."""
    sums = np.asarray(m.sums, dtype=float)
    mean = sums / m.n
    return mean, np.asarray(m.products, dtype=float) - np.outer(sums, mean)


def _arm_fits(m0: CovariateMoments, m1: CovariateMoments) -> tuple[_ArmFit, _ArmFit]:
    k = len(m0.names)
    pooled = (np.asarray(m0.sums[1:]) + np.asarray(m1.sums[1:])) / (m0.n + m1.n)
    fits = []
    for m in (m0, m1):
        mean, centred = _centred(m)
        sxx, sxy, syy = centred[1:, 1:], centred[1:, 0], max(0.0, float(centred[0, 0]))
        slopes = np.linalg.solve(sxx, sxy)
        rss = max(0.0, syy - float(sxy @ slopes))
        df = m.n - k - 1
        shift = mean[1:] - pooled
        sigma2 = rss / df
        variance = sigma2 * (1 / m.n + float(shift @ np.linalg.solve(sxx, shift)))
        fits.append(_ArmFit(float(mean[0] - slopes @ shift), variance, sigma2, df, slopes, sxy))
    return fits[0], fits[1]


def max_covariates(n_smaller_arm: int) -> int:
    """How many covariates CUPED may use with this many customers in the smaller arm: one per
    `config.CUPED_CUSTOMERS_PER_COVARIATE`, at least one from 4 customers (2 residual df)."""
    if n_smaller_arm < 4:
        return 0
    return max(1, (n_smaller_arm - 2) // config.CUPED_CUSTOMERS_PER_COVARIATE)


def usable_covariates(m0: CovariateMoments, m1: CovariateMoments) -> list[str]:
    """The covariates, in priority order, that are neither constant nor collinear in either arm.

    Greedy: a covariate is kept when, in both arms, the part of it that the covariates kept so
    far do not explain holds more than `COLLINEAR_SHARE` of its within-arm variation; at most
    `max_covariates` are kept.
    """
    limit = max_covariates(min(m0.n, m1.n))
    centred = [_centred(m)[1][1:, 1:] for m in (m0, m1)]
    raw = [np.abs(np.diag(np.asarray(m.products, dtype=float))[1:]) for m in (m0, m1)]
    kept: list[int] = []
    for j in range(len(m0.names)):
        if len(kept) >= limit:
            break
        usable = True
        for sxx, squares in zip(centred, raw, strict=True):
            own = float(sxx[j, j])
            if own <= 1e-12 * max(1.0, float(squares[j])):
                usable = False
                break
            if kept:
                block = sxx[np.ix_(kept, kept)]
                link = sxx[kept, j]
                left = own - float(link @ np.linalg.solve(block, link))
                if left <= COLLINEAR_SHARE * own:
                    usable = False
                    break
        if usable:
            kept.append(j)
    return [m0.names[j] for j in kept]


COLLINEAR_SHARE = 1e-6  # a covariate this well explained by the kept ones adds nothing usable


# -- many arms and metrics -----------------------------------------------------------------------
HEADLINE_METHODS = ("cuped", "welch", "z")


def headline_effects(effects: Sequence[Effect]) -> list[Effect]:
    """The one effect per (baseline, arm, metric) that a verdict or a chart shows, in
    first-seen order.

    CUPED when it is estimable (same target, narrower interval), else the unadjusted estimator
    (Welch for money, z for rates); when none is estimable, the first row, so that the
    "insufficient data" status stays visible.
    """
    rank = {method: i for i, method in enumerate(HEADLINE_METHODS)}
    chosen: dict[tuple[str, str, str], Effect] = {}
    for effect in effects:
        key = (effect.baseline, effect.arm, effect.metric)
        current = chosen.get(key)
        if current is None or (
            effect.ok
            and (
                not current.ok
                or rank.get(effect.method, len(rank)) < rank.get(current.method, len(rank))
            )
        ):
            chosen[key] = effect
    return list(chosen.values())


def adjust(effects: Sequence[Effect], method: Correction = "holm") -> list[Effect]:
    """Fill `p_adjusted` across arms x metrics (x baselines).

    Holm controls the family-wise error rate (the default: management acts on each "yes");
    Benjamini-Hochberg ('bh') controls the false discovery rate; 'none' copies p_value.
    Two families, so that each hypothesis counts once in each:

    * the rows that are shown and decided on, as `headline_effects` picks them (CUPED when
      estimable, else z or Welch): rates and money corrected together;
    * the unadjusted rows (z, Welch) that an estimable CUPED row of the same (baseline, arm,
      metric) replaces, corrected among all unadjusted rows.

    Without CUPED rows both families are the same. Insufficient rows keep p_adjusted=None and
    do not count. Order is preserved.
    """
    out = list(effects)
    tested = [i for i, e in enumerate(out) if e.ok and e.p_value is not None]
    with_cuped = {(e.baseline, e.arm, e.metric) for e in out if e.ok and e.method == "cuped"}
    headline = [
        i
        for i in tested
        if out[i].method == "cuped"
        or (out[i].baseline, out[i].arm, out[i].metric) not in with_cuped
    ]
    unadjusted = [i for i in tested if out[i].method != "cuped"]
    for family, keep in ((unadjusted, set(unadjusted) - set(headline)), (headline, set(headline))):
        if not family:
            continue
        pvals = np.array([out[i].p_value for i in family], dtype=float)
        for i, p in zip(family, _adjusted_pvalues(pvals, method), strict=True):
            if i in keep:
                out[i] = replace(out[i], p_adjusted=float(p))
    return out


def adjust_per_metric(effects: Sequence[Effect], method: Correction = "holm") -> list[Effect]:
    """`adjust` within each metric on its own: one family per metric, across arms (and pairs).

    The verdict reads one metric (net value) across the levers, so that is its family; the
    other metrics are reported and corrected among themselves, so adding a secondary metric
    never weakens the verdict. Order is preserved.
    """
    out = list(effects)
    by_metric: dict[str, list[int]] = {}
    for i, effect in enumerate(out):
        by_metric.setdefault(effect.metric, []).append(i)
    for positions in by_metric.values():
        adjusted = adjust([out[i] for i in positions], method)
        for i, effect in zip(positions, adjusted, strict=True):
            out[i] = effect
    return out


def _adjusted_pvalues(pvals: np.ndarray, method: Correction) -> np.ndarray:
    """Holm step-down / Benjamini-Hochberg step-up adjusted p-values.

    Identical to statsmodels `multipletests(method="holm" | "fdr_bh")[1]` (tests check 1e-9);
    written out because multipletests runs `gc.collect()` on every call (~0.1 s), which adds up
    in per-segment and simulation loops.
    """
    m = pvals.size
    if method == "none" or m == 0:
        return pvals
    order = np.argsort(pvals, kind="mergesort")
    ranked = pvals[order]
    if method == "holm":
        stepped = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ranked))
    else:
        scaled = ranked * m / np.arange(1, m + 1)
        stepped = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    out = np.empty(m)
    out[order] = stepped
    return out


def compare_all(
    per_arm: Mapping[str, Mapping[str, SampleStats]],
    control: str,
    kinds: Mapping[str, MetricKind],
    *,
    use_covariate: bool = False,
    correction: Correction = "holm",
    alpha: float = config.ALPHA,
) -> list[Effect]:
    """Every non-control arm x metric x method against the control, corrected per metric.

    Each metric is its own family across the arms (`adjust_per_metric`): a verdict reads one
    metric, and adding a metric to the file must not weaken it.

    Args:
        per_arm: arm name -> metric name -> SampleStats.
        control: name of the control arm (missing -> every row insufficient).
        kinds: metric name -> 'binary' | 'money', in the order rows should appear.
        use_covariate: add the cuped rows.
        correction: 'holm' | 'bh' | 'none', applied by `adjust_per_metric`.
        alpha: significance level.
    """
    rows: list[Effect] = []
    control_stats = per_arm.get(control, {})
    for arm_name, metrics in per_arm.items():
        if arm_name == control:
            continue
        for metric, kind in kinds.items():
            rows.extend(
                compare(
                    control_stats.get(metric),
                    metrics.get(metric),
                    kind,
                    arm_name=arm_name,
                    metric=metric,
                    alpha=alpha,
                    use_covariate=use_covariate,
                    baseline_name=control,
                )
            )
    return adjust_per_metric(rows, correction)


# -- sample-ratio mismatch -----------------------------------------------------------------------
@dataclass(frozen=True)
class SrmResult:
    """Sample-ratio mismatch check: are arm sizes consistent with the planned allocation?

    Attributes:
        observed: customers per arm.
        expected: customers per arm the plan implies for the observed total.
        statistic: Pearson chi-square statistic (k - 1 df); None when insufficient.
        p_value: its p-value; None when insufficient.
        mismatch: p_value < threshold: assignment or logging is probably broken, and effects
            from this experiment should not be trusted until it is explained.
        threshold: alarm level (0.001, customary for SRM because the check runs on every
            experiment and a false alarm stops a good one).
        status: 'ok' or 'insufficient_data'.
        note: why insufficient, or which arm is off.
        plan: planned share per arm the test compared with (normalised, summing to 1).
        plan_assumed_equal: no plan was given (a result file or a list loaded without
            `--split`): `plan` is the equal split, an assumption the reader should know of.
    """

    observed: dict[str, int]
    expected: dict[str, float]
    statistic: float | None
    p_value: float | None
    mismatch: bool
    threshold: float = SRM_THRESHOLD
    status: Status = "ok"
    note: str = ""
    plan: dict[str, float] = field(default_factory=dict)
    plan_assumed_equal: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "observed": self.observed,
            "expected": {k: finite_or_none(v) for k, v in self.expected.items()},
            "statistic": finite_or_none(self.statistic),
            "p_value": finite_or_none(self.p_value),
            "mismatch": self.mismatch,
            "threshold": self.threshold,
            "status": self.status,
            "note": self.note,
            "plan": {k: finite_or_none(v) for k, v in self.plan.items()},
            "plan_assumed_equal": self.plan_assumed_equal,
        }


_Arm = TypeVar("_Arm", bound=Hashable)  # an arm's name or id


def equal_split(arms: Sequence[_Arm]) -> dict[_Arm, float]:
    """Planned shares when the plan gives none: every arm 1 / k (duplicates counted once).

    The one default of a plan (file analyses' SRM test, the demo's arms, a design without
    weights), so the SRM test and the page's share column cannot disagree about it.
    """
    names = list(dict.fromkeys(arms))
    return {name: 1.0 / len(names) for name in names} if names else {}


def planned_shares(
    weights: Mapping[_Arm, float] | None, arms: Sequence[_Arm] | None = None
) -> dict[_Arm, float]:
    """Planned shares summing to 1 from relative weights (an arm's `allocation`).

    Args:
        weights: relative weight per arm; None, empty or a non-positive total: `equal_split`.
        arms: the arms for the equal split when `weights` gives none (default its keys).
    """
    total = sum(float(w) for w in (weights or {}).values())
    if not weights or total <= 0:
        return equal_split(list(arms if arms is not None else (weights or {})))
    return {name: float(w) / total for name, w in weights.items()}


def srm_test(
    observed_counts: Mapping[str, int],
    planned_allocation: Mapping[str, float],
    threshold: float = SRM_THRESHOLD,
    *,
    plan_assumed_equal: bool = False,
) -> SrmResult:
    """Chi-square goodness of fit of arm sizes against the plan (as scipy `chisquare`).

    Allocation weights need not sum to 1 (they are normalised). Planned arms absent from the
    data count as 0 customers, which is itself a mismatch; customers in arms that are not in the
    plan (or planned at weight 0) make the test insufficient: the plan does not describe this
    experiment, and the note names those arms. The plan must be the one made before the data
    (the design's, `--split`, or the equal split): the realised shares would always pass.
    `plan_assumed_equal` only travels to the result (nobody gave the plan).
    """
    from experiments.i18n.text import Text, numeral

    arms = [a for a in planned_allocation if planned_allocation[a] > 0]
    unknown = sorted(a for a, count in observed_counts.items() if count > 0 and a not in arms)
    observed = {a: int(observed_counts.get(a, 0)) for a in arms}
    total = sum(observed.values())
    weight = sum(planned_allocation[a] for a in arms)
    expected = {a: total * planned_allocation[a] / weight for a in arms} if weight > 0 else {}
    plan = {a: planned_allocation[a] / weight for a in arms} if weight > 0 else {}
    if unknown:
        return SrmResult(
            observed, expected, None, None, False, threshold, "insufficient_data",
            Text("srm.note.unknown_arms", arms=", ".join(unknown)), plan, plan_assumed_equal,
        )  # fmt: skip
    if len(arms) < 2 or total == 0:
        return SrmResult(
            observed, expected, None, None, False, threshold, "insufficient_data",
            Text("srm.note.too_few"), plan, plan_assumed_equal,
        )  # fmt: skip
    # scipy.stats.chisquare's statistic and p-value, from scipy.special (no scipy.stats import)
    statistic = sum((observed[a] - expected[a]) ** 2 / expected[a] for a in arms)
    p_value = float(special.chdtrc(len(arms) - 1, statistic))
    mismatch = p_value < threshold
    note = ""
    if mismatch:
        worst = max(arms, key=lambda a: abs(observed[a] - expected[a]) / math.sqrt(expected[a]))
        note = Text(
            "srm.note.worst",
            arm=worst,
            observed=numeral(observed[worst]),
            expected=numeral(round(expected[worst])),
        )
    return SrmResult(
        observed, expected, float(statistic), p_value, mismatch, threshold, "ok", note,
        plan, plan_assumed_equal,
    )  # fmt: skip


# -- capping -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CapRule:
    """THE winsorising rule of money metrics, pooled across arms (compute once, apply to all).

    * upper = linear-interpolation quantile (numpy 'linear' == DuckDB `quantile_cont`) at
      `upper_quantile` over the strictly positive values; None when there are none. Zeros are
      left out so a metric that is 0 for 95% of customers is not capped at 0.
    * lower = the same quantile at `lower_quantile` over the strictly negative values (refunds),
      None when no value is negative, so a metric without refunds has no lower cap.
    Missing values (NaN, NULL) are ignored. `cap_thresholds` applies it in numpy and
    `experiments.store.capping` renders it as SQL for the analysis and the result files.

    Attributes:
        percentile: upper cap: this percentile (percent, e.g. 99) of the positive values.
        lower_percentile: lower cap: the (100 - this) percentile of the negative values;
            None = `percentile`.
    """

    percentile: float = config.DEFAULT_CAP_PERCENTILE
    lower_percentile: float | None = None

    @property
    def upper_quantile(self) -> float:
        return self.percentile / 100

    @property
    def lower_quantile(self) -> float:
        lower = self.percentile if self.lower_percentile is None else self.lower_percentile
        return 1 - lower / 100


def cap_thresholds(
    values: Sequence[float] | np.ndarray,
    percentile: float = config.DEFAULT_CAP_PERCENTILE,
    lower_percentile: float | None = None,
) -> tuple[float | None, float | None]:
    """(lower, upper) winsorising thresholds of a money metric by `CapRule`; apply with
    `numpy.clip(values, lower, upper)`."""
    rule = CapRule(percentile, lower_percentile)
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    positive, negative = x[x > 0], x[x < 0]
    upper = float(np.quantile(positive, rule.upper_quantile)) if positive.size else None
    lower = float(np.quantile(negative, rule.lower_quantile)) if negative.size else None
    return lower, upper


MoneyEstimand = Literal["mean_difference", "winsorised_mean_difference"]


def money_estimand(cap: bool) -> MoneyEstimand:
    """What a money effect estimates: the plain mean difference, or - with capping on - the
    winsorised mean difference, a different quantity (it shrinks heavy-tailed effects)."""
    return "winsorised_mean_difference" if cap else "mean_difference"


def money_estimand_label(
    cap: bool,
    percentile: float = config.DEFAULT_CAP_PERCENTILE,
    currency: str | None = None,
) -> str:
    """The money estimand in English words, for `analyze --json` (a person reads
    `report.estimand_label`, in either language): in the store's `currency`."""
    currency = currency or config.CURRENCY
    currency = "roubles" if currency == "RUB" else currency
    if not cap:
        return f"mean difference per customer, in {currency}"
    return (
        f"winsorised mean difference (values capped at the pooled {percentile:g}th percentile), "
        f"not the {currency} difference"
    )


# -- Bayesian ------------------------------------------------------------------------------------
def _posterior_draws(
    stats: SampleStats, kind: MetricKind, draws: int, rng: np.random.Generator
) -> np.ndarray | None:
    """Posterior draws of the arm mean: Beta(Jeffreys) for rates, normal approximation for money."""
    if stats.n <= 1:
        return None
    if kind == "binary":
        return rng.beta(stats.sum + 0.5, stats.n - stats.sum + 0.5, size=draws)
    mean, var = stats.sum / stats.n, stats.variance or 0.0
    return rng.normal(mean, math.sqrt(var / stats.n), size=draws)


def probability_best(
    arms: Mapping[str, SampleStats | None],
    kind: MetricKind,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> dict[str, float | None]:
    """Posterior probability that each arm has the highest mean (Monte Carlo, fixed seed).

    Rates use Beta(0.5 + events, 0.5 + non-events) (Jeffreys prior); money uses the normal
    approximation N(mean, s^2 / n) of the mean (flat prior). Arms with n <= 1 get None and do
    not compete. Probabilities of the competing arms sum to 1.
    """
    rng = np.random.default_rng(seed)
    samples = {
        name: _posterior_draws(s, kind, draws, rng) if s else None for name, s in arms.items()
    }
    live = {name: d for name, d in samples.items() if d is not None}
    out: dict[str, float | None] = dict.fromkeys(arms)
    if not live:
        return out
    matrix = np.column_stack(list(live.values()))
    wins = np.bincount(matrix.argmax(axis=1), minlength=len(live)) / draws
    for name, p in zip(live, wins, strict=True):
        out[name] = float(p)
    return out


def chance_to_beat_control(
    control: SampleStats | None,
    arm: SampleStats | None,
    kind: MetricKind,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> float | None:
    """Posterior probability that the arm's mean exceeds the control's (see `probability_best`).

    None when either arm has n <= 1.
    """
    if control is None or arm is None:
        return None
    rng = np.random.default_rng(seed)
    c = _posterior_draws(control, kind, draws, rng)
    a = _posterior_draws(arm, kind, draws, rng)
    if c is None or a is None:
        return None
    return float(np.mean(a > c))


# -- peeking -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SequentialInterval:
    """Always-valid interval for the difference in means at the current look.

    Attributes:
        diff: arm minus control mean.
        ci_low: lower bound; over all looks, the chance the sequence ever excludes the true
            difference is at most alpha (asymptotically), however often one peeks.
        ci_high: upper bound.
        excludes_zero: the interval lies strictly on one side of 0 (safe to stop).
        n_total: customers in both arms at this look.
        planned_n: total sample size the boundary was tuned for (tightest there).
        alpha: level.
        method: name of the method.
        reference: its published source.
        status: 'ok' or 'insufficient_data'.
        note: why insufficient.
    """

    diff: float | None
    ci_low: float | None
    ci_high: float | None
    excludes_zero: bool
    n_total: int
    planned_n: int
    alpha: float
    method: str = CS_METHOD
    reference: str = CS_REFERENCE
    status: Status = "ok"
    note: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            name: finite_or_none(v) if isinstance(v, float) else v
            for name, v in ((n, getattr(self, n)) for n in self.__dataclass_fields__)
        }


def cs_rho2(planned_n: int, alpha: float) -> float:
    """Mixture tuning rho^2 making the boundary tightest at `planned_n` (paper's approximation)."""
    log_term = -2 * math.log(alpha)
    return (log_term + math.log(log_term + 1)) / planned_n


def cs_margin(n_total: np.ndarray | float, rho2: float, alpha: float) -> np.ndarray:
    """Unit-variance boundary: sqrt(2(t rho2 + 1) / (t^2 rho2) * log(sqrt(t rho2 + 1) / alpha))."""
    t = np.asarray(n_total, dtype=float)
    return np.sqrt(2 * (t * rho2 + 1) / (t * t * rho2) * np.log(np.sqrt(t * rho2 + 1) / alpha))


def confidence_sequence(
    control: SampleStats | None,
    arm: SampleStats | None,
    kind: MetricKind,
    alpha: float = config.ALPHA,
    *,
    planned_n: int | None = None,
) -> SequentialInterval:
    """Always-valid confidence interval for arm - control, for looking at a running experiment.

    Method: the asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy and
    Ramdas ("Time-uniform central limit theory and asymptotic confidence sequences", Annals of
    Statistics 2024, arXiv:2103.06476), Gaussian-mixture boundary (their Theorem 2.2): with
    t = n_total customers and sigma_t^2 = t * (s1^2/n1 + s0^2/n0) the estimated variance of the
    difference-in-means scaled to one customer,

        diff +- sigma_t * sqrt(2 (t rho^2 + 1) / (t^2 rho^2) * log(sqrt(t rho^2 + 1) / alpha)).

    rho^2 is tuned so the sequence is tightest at `planned_n` (their closed-form approximation);
    keep it fixed across looks (pass the planned total sample size). A fixed-horizon 95% CI
    checked at every look excludes 0 under no effect far more often than 5%; this does not.

    Args:
        control: control arm statistics so far.
        arm: treated arm statistics so far.
        kind: 'binary' (variance p(1-p)) or 'money' (sample variance).
        alpha: level: P(ever excluding the true difference) <= alpha, asymptotically.
        planned_n: total customers planned (default: the current total, i.e. tightest now).
    """
    n_total = (control.n if control else 0) + (arm.n if arm else 0)
    planned = int(planned_n or max(n_total, 1))
    problem = _basic_problem(control, arm, kind)
    if problem:
        return SequentialInterval(
            None,
            None,
            None,
            False,
            n_total,
            planned,
            alpha,
            status="insufficient_data",
            note=problem,
        )
    assert control is not None and arm is not None
    m0, m1 = control.sum / control.n, arm.sum / arm.n
    if kind == "binary":
        v0, v1 = m0 * (1 - m0), m1 * (1 - m1)
    else:
        v0, v1 = control.variance or 0.0, arm.variance or 0.0
    var_diff = v1 / arm.n + v0 / control.n
    half = math.sqrt(n_total * var_diff) * float(cs_margin(n_total, cs_rho2(planned, alpha), alpha))
    diff = m1 - m0
    low, high = diff - half, diff + half
    return SequentialInterval(diff, low, high, low > 0 or high < 0, n_total, planned, alpha)


def customers_to_settle(
    diff: float,
    se: float,
    n_control: int,
    n_arm: int,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
) -> int | None:
    """More customers in the arm until the always-valid interval settles a difference this size.

    An inconclusive experiment that goes on collecting customers is read again and again, so
    it is read by the always-valid interval (`confidence_sequence`, tuned at the total it is
    read at, as the verdict tunes it at the customers assigned). With the arms growing in
    proportion by a factor k, the standard error is se / sqrt(k) while sqrt(t) * se stays put,
    and the interval excludes 0 with probability `power` when the true difference is `diff`
    once |diff| = half_width(k) + z(power) * se / sqrt(k); k is found with
    `scipy.optimize.brentq`. A fixed-horizon sample size (`design.required_n_value`) is too
    small for this: the always-valid boundary is wider.

    Args:
        diff: the difference to settle (the one seen so far).
        se: its standard error now (with any adjustment: CUPED's is smaller).
        n_control: customers in the control now.
        n_arm: customers in the arm now.
        alpha: the interval's level, already split across the comparisons.
        power: chance of settling it if `diff` is the truth (config.DEFAULT_POWER).

    Returns:
        Customers to add to the arm (the control grows in the same proportion), 0 when the
        power is already there; None when the difference is 0 or not estimable.
    """
    from scipy import optimize

    if not (math.isfinite(diff) and math.isfinite(se)) or diff == 0 or se <= 0:
        return None
    if n_control < 1 or n_arm < 1 or not 0 < alpha < 1 or not 0 < power < 1:
        return None
    n_total = n_control + n_arm
    sigma = math.sqrt(n_total) * se  # per-customer spread of the difference: fixed under k
    z_power = float(special.ndtri(power))

    def gap(k: float) -> float:
        t = k * n_total
        half = sigma * float(cs_margin(t, cs_rho2(t, alpha), alpha))  # type: ignore[arg-type]
        return half + z_power * se / math.sqrt(k) - abs(diff)

    if gap(1.0) <= 0:
        return 0
    high = 2.0
    while gap(high) > 0:
        high *= 2.0
        if high > 1e15:  # a difference too small to ever settle at any realistic size
            return None
    k = float(optimize.brentq(gap, 1.0, high, xtol=1e-9, rtol=1e-12))
    return max(math.ceil(k * n_arm) - n_arm, 0)


def customers_to_settle_at_horizon(
    diff: float,
    se: float,
    n_control: int,
    n_arm: int,
    alpha: float = config.ALPHA,
    power: float = config.DEFAULT_POWER,
    share_control: float = 0.5,
    share_arm: float = 0.5,
) -> tuple[int, int] | None:
    """More customers per group until the fixed interval at the horizon settles a difference.

    An inconclusive experiment that is extended is judged when it reaches its (new) horizon,
    by the fixed interval at the corrected alpha (`decision.decide`); the always-valid
    interval only runs before that and can only stop a lever, so it does not set the size.
    New customers arrive in the planned shares: m more in all gives the control
    m * share_control and the arm m * share_arm. With one per-customer spread
    sigma^2 = se^2 / (1/n_control + 1/n_arm) the new standard error is
    sigma * sqrt(1/(n_control + m p_c) + 1/(n_arm + m p_a)), and the two-sided interval
    excludes 0 with probability `power` once that is |diff| / (z(1 - alpha/2) + z(power))
    (the normal solve behind statsmodels' `NormalIndPower`); m is found with brentq.

    Args:
        diff: the difference to settle (the one seen so far).
        se: its standard error now (with any adjustment: CUPED's is smaller).
        n_control: customers in the control now.
        n_arm: customers in the arm now.
        alpha: the interval's two-sided level, already corrected across the levers.
        power: chance of settling it if `diff` is the truth (config.DEFAULT_POWER).
        share_control: the control's planned share of new customers.
        share_arm: the arm's planned share of new customers.

    Returns:
        (more in the control, more in the arm), (0, 0) when the power is already there;
        None when the difference is 0 or not estimable.
    """
    from scipy import optimize

    if not (math.isfinite(diff) and math.isfinite(se)) or diff == 0 or se <= 0:
        return None
    if n_control < 1 or n_arm < 1 or not 0 < alpha < 1 or not 0 < power < 1:
        return None
    if not (share_control > 0 and share_arm > 0):
        return None
    variance = se**2 / (1 / n_control + 1 / n_arm)
    target = (abs(diff) / (float(special.ndtri(1 - alpha / 2)) + float(special.ndtri(power)))) ** 2

    def gap(more: float) -> float:
        grown = 1 / (n_control + more * share_control) + 1 / (n_arm + more * share_arm)
        return variance * grown - target

    if gap(0.0) <= 0:
        return (0, 0)
    high = float(n_control + n_arm)
    while gap(high) > 0:
        high *= 2.0
        if high > 1e15:  # a difference too small to ever settle at any realistic size
            return None
    more = float(optimize.brentq(gap, 0.0, high, xtol=1e-6, rtol=1e-12))
    return (math.ceil(more * share_control), math.ceil(more * share_arm))


# -- time to repeat ------------------------------------------------------------------------------
@dataclass(frozen=True)
class KaplanMeierResult:
    """Kaplan-Meier curves per group and the log-rank test between groups.

    Attributes:
        curves: tidy frame: group, time, survival (share not yet repeated), se (Greenwood),
            ci_low, ci_high (pointwise, log-log transformed), at_risk, events.
        logrank_statistic: chi-square statistic (groups - 1 df); None when insufficient.
        logrank_p_value: its p-value; None when insufficient.
        status: 'ok' or 'insufficient_data'.
        note: why insufficient.
        method: what was computed, for reports.
    """

    curves: pd.DataFrame
    logrank_statistic: float | None
    logrank_p_value: float | None
    status: Status = "ok"
    note: str = ""
    method: str = "Kaplan-Meier (statsmodels SurvfuncRight), log-rank test (statsmodels survdiff)"


_KM_COLUMNS = ["group", "time", "survival", "se", "ci_low", "ci_high", "at_risk", "events"]


def kaplan_meier(
    durations: Sequence[float] | np.ndarray,
    events: Sequence[int] | np.ndarray,
    groups: Sequence[str] | np.ndarray,
    alpha: float = config.ALPHA,
    *,
    weights: Sequence[float] | np.ndarray | None = None,
) -> KaplanMeierResult:
    """Time-to-repeat curves per arm and whether they differ (log-rank).

    Args:
        durations: days from assignment to the repeat purchase, or to the end of follow-up.
        events: 1 when the repeat purchase was observed, 0 when censored.
        groups: arm of each customer.
        alpha: level of the pointwise intervals.
        weights: customers per row when the rows are a histogram of (group, duration, event):
            the SQL returns a few hundred such rows instead of one per customer. The weighted
            path (survival, Greenwood standard errors, log-rank) is statsmodels' SurvfuncRight
            and survdiff arithmetic on counts: statsmodels' own `freq_weights` gives a different
            (robust) standard error and survdiff takes no weights. Tests check equality with
            statsmodels on the expanded rows.
    """
    from statsmodels.duration.survfunc import SurvfuncRight, survdiff

    time = np.asarray(durations, dtype=float)
    status = np.asarray(events, dtype=float)
    group = np.asarray(groups).astype(str)
    counts = np.ones_like(time) if weights is None else np.asarray(weights, dtype=float)
    empty = pd.DataFrame(columns=_KM_COLUMNS)
    if time.size == 0 or counts.sum() == 0:
        return KaplanMeierResult(empty, None, None, "insufficient_data", "no customers")
    z = _z_crit(alpha)
    frames = []
    for name in pd.unique(group):
        mask = (group == name) & (counts > 0)
        if counts[mask].sum() < 2:
            continue
        if weights is None:
            sf = SurvfuncRight(time[mask], status[mask])
            utime, surv = np.asarray(sf.surv_times, float), np.asarray(sf.surv_prob, float)
            se = np.asarray(sf.surv_prob_se, dtype=float)
            at_risk, n_events = np.asarray(sf.n_risk, float), np.asarray(sf.n_events, float)
        else:
            utime, surv, se, at_risk, n_events = _km_from_counts(
                time[mask], status[mask], counts[mask]
            )
        se = np.nan_to_num(se)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_surv = np.log(surv)
            scale = np.where((surv > 0) & (surv < 1), se / (surv * np.abs(log_surv)), 0.0)
            lo = np.where(surv > 0, surv ** np.exp(-z * scale), 0.0)
            hi = np.where(surv > 0, surv ** np.exp(z * scale), 0.0)
        frames.append(
            pd.DataFrame(
                {
                    "group": name,
                    "time": utime,
                    "survival": surv,
                    "se": se,
                    "ci_low": np.minimum(lo, hi),
                    "ci_high": np.maximum(lo, hi),
                    "at_risk": np.rint(at_risk).astype(int),
                    "events": np.rint(n_events).astype(int),
                }
            )
        )
    curves = pd.concat(frames, ignore_index=True) if frames else empty
    if len(frames) < 2:
        return KaplanMeierResult(
            curves, None, None, "insufficient_data", "needs two groups with 2+ customers"
        )
    if float((status * counts).sum()) == 0:
        return KaplanMeierResult(
            curves, None, None, "insufficient_data", "no repeat purchases observed"
        )
    try:
        if weights is None:
            statistic, p_value = survdiff(time, status, group)
        else:
            statistic, p_value = logrank_counts(time, status, counts, group)
    except np.linalg.LinAlgError:
        return KaplanMeierResult(
            curves, None, None, "insufficient_data", "log-rank test undefined for these data"
        )
    return KaplanMeierResult(curves, finite_or_none(statistic), finite_or_none(p_value))


def _km_from_counts(
    time: np.ndarray, status: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Event times, survival, Greenwood se, at risk, events from weighted rows (SurvfuncRight)."""
    utime, rtime = np.unique(time, return_inverse=True)
    size = len(utime)
    d = np.bincount(rtime, weights=status * counts, minlength=size)
    n = np.cumsum(np.bincount(rtime, weights=counts, minlength=size)[::-1])[::-1]
    keep = np.flatnonzero(d > 0)
    d, n, utime = d[keep], n[keep], utime[keep]
    sp = 1 - d / n
    tiny = sp < 1e-16
    sp[tiny] = 1e-16
    sp = np.exp(np.cumsum(np.log(sp)))
    sp[tiny] = 0
    var = d / np.clip(n * (n - d), 1e-12, np.inf)
    var[(n == d) | (n == 0)] = np.nan
    se = np.sqrt(np.cumsum(var))
    finite = np.isfinite(se) | (sp != 0)
    se[finite] *= sp[finite]
    se[~finite] = np.nan
    return utime, sp, se, n, d


def logrank_counts(
    time: np.ndarray, status: np.ndarray, counts: np.ndarray, group: np.ndarray
) -> tuple[float, float]:
    """Log-rank chi-square (groups - 1 df) and p-value from (time, status, count, group) rows.

    statsmodels survdiff's arithmetic (first group in sorted order is the reference), with
    each row standing for `counts` customers.
    """
    levels = np.unique(group)
    utimes, rtimes = np.unique(time, return_inverse=True)
    size = len(utimes)
    nrisk, observed = [], []
    for level in levels:
        weight = (group == level) * counts
        n = np.bincount(rtimes, weights=weight, minlength=size)
        observed.append(np.bincount(rtimes, weights=status * weight, minlength=size))
        nrisk.append(np.cumsum(n[::-1])[::-1])
    events = sum(observed)
    nrisk_total = sum(nrisk)
    index = np.flatnonzero(nrisk_total > 1)
    dfs = len(levels) - 1
    share = np.vstack(nrisk) / np.clip(nrisk_total, 1e-10, np.inf)[None, :]
    var_denom = np.clip(nrisk_total - 1, 1e-10, np.inf)
    oe_rows, var_rows = [], []
    for g in range(1, dfs + 1):
        oe = observed[g] - share[g] * events
        var_tensor = share[1:, :].T * (np.eye(1, dfs, g - 1).ravel() - share[g, :, None])
        var = var_tensor * (events * (nrisk_total - events) / var_denom)[:, None]
        oe_rows.append(oe[index].sum())
        var_rows.append(var[index].sum(axis=0))
    obs_vec = np.hstack(oe_rows)
    chisq = float(obs_vec.dot(np.linalg.solve(np.vstack(var_rows), obs_vec)))
    return chisq, float(special.chdtrc(dfs, chisq))


# -- effect over time ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DecayPoint:
    """Effect within one days-since-assignment bucket.

    Attributes:
        bucket: first day of the bucket (days since assignment).
        effect: arm vs control in that bucket.
    """

    bucket: int
    effect: Effect

    def as_json(self) -> dict[str, object]:
        return {"bucket": self.bucket, **self.effect.as_json()}


def decay(
    per_bucket: Mapping[int, tuple[SampleStats | None, SampleStats | None]],
    kind: MetricKind,
    *,
    arm_name: str,
    metric: str,
    alpha: float = config.ALPHA,
) -> list[DecayPoint]:
    """Effect by days-since-assignment bucket, to see whether a lever's effect fades.

    Each bucket is compared on its own (z or welch); no correction, because the curve is read
    as a shape, not as a list of decisions. Buckets come back sorted.
    """
    return [
        DecayPoint(
            int(bucket),
            compare(control, arm, kind, arm_name=arm_name, metric=metric, alpha=alpha)[0],
        )
        for bucket, (control, arm) in sorted(per_bucket.items())
    ]


def payback_day(
    days: Sequence[int] | np.ndarray,
    cumulative_incremental_margin: Sequence[float] | np.ndarray,
    cost: float | Sequence[float] | np.ndarray,
) -> int | None:
    """First day from which cumulative incremental margin stays above the lever's cost.

    "Stays" (not merely "first crosses") because a noisy cumulative curve can poke above the
    cost for a day and fall back; the payback day is the one after which it never fell back in
    the observed window. `cost` is a number or a per-day cumulative cost (e.g. discounts
    redeemed so far). None when it never pays back in the window, or on empty/NaN input.
    """
    d = np.asarray(days, dtype=float)
    margin = np.asarray(cumulative_incremental_margin, dtype=float)
    cost_arr = np.broadcast_to(np.asarray(cost, dtype=float), margin.shape)
    if d.size == 0 or d.size != margin.size:
        return None
    order = np.argsort(d, kind="stable")
    above = (margin[order] > cost_arr[order]) & np.isfinite(margin[order])
    if not above[-1]:
        return None
    below = np.flatnonzero(~above)
    first = 0 if below.size == 0 else int(below[-1]) + 1
    return int(d[order][first])


PaybackStatus = Literal["paid_back", "not_yet", "not_within_horizon", "insufficient_data"]
PAYBACK_RULE = (
    "Paid back with confidence by day X: the first day from which the lower bound of the "
    "cumulative extra net value (after the lever's cost) stays above 0 to the end of the "
    "observed horizon. Earliest plausible day: the first day its upper bound is above 0. "
    "Each end errs with probability at most half of 1 - confidence when the interval's two "
    "tails are equally likely to miss, so the two together cover the true payback day with "
    "about the stated confidence; on very skewed spend (a few large baskets) the upper end "
    "misses more often, so the earliest plausible day and 'does not pay back' lean late. "
    "Does not pay back: the upper bound is below 0 at the end of the horizon."
)
FADING_RULE = (
    "Fades: the extra contribution in the second half of the horizon is lower than in the "
    "first half, by a one-sided Welch test at alpha on each customer's second-half minus "
    "first-half contribution (arm vs control; one number per customer, so the correlation "
    "of a customer's early and late purchases is in its variance), and the first-half "
    "effect is positive. It is a statement about the extra money per customer: when "
    "everyone buys less later on (control too), a constant percentage lift also brings "
    "less extra money later."
)


@dataclass(frozen=True)
class PaybackInterval:
    """When a lever pays for itself, with the uncertainty of its cumulative curve.

    Attributes:
        arm: the treated arm.
        point_day: the point estimate (`payback_day` on the estimated curve), or None.
        earliest_day: first bucket end at which the upper confidence bound of the cumulative
            extra net value is above 0 (payback before it is ruled out); None when the upper
            bound never is within the horizon.
        confident_day: first bucket end from which the lower bound stays above 0 through the
            last observed bucket: "paid back with confidence by day X"; None = not yet.
        status: "paid_back" (confident_day found), "not_yet" (plausible but not shown),
            "not_within_horizon" (the upper bound is below 0 at the last bucket: not paid back
            at the horizon, with confidence) or "insufficient_data".
        confidence: level of the pointwise intervals the rule reads.
        horizon_days: last bucket end the rule could look at.
        rule: the rule, in words (PAYBACK_RULE).
    """

    arm: str
    point_day: int | None
    earliest_day: int | None
    confident_day: int | None
    status: PaybackStatus
    confidence: float
    horizon_days: int | None
    rule: str = PAYBACK_RULE

    @property
    def statement(self) -> str:
        """One sentence for a person: paid back with confidence by day X, or not yet."""
        if self.status == "paid_back":
            return (
                f"{self.arm}: paid back with {self.confidence:.0%} confidence by day "
                f"{self.confident_day} (earliest plausible day {self.earliest_day})."
            )
        if self.status == "not_yet":
            return (
                f"{self.arm}: not yet paid back with confidence within {self.horizon_days} "
                f"days (earliest plausible day {self.earliest_day})."
            )
        if self.status == "not_within_horizon":
            return (
                f"{self.arm}: does not pay back within {self.horizon_days} days (its cumulative "
                f"extra net value is below 0 with {self.confidence:.0%} confidence there)."
            )
        return f"{self.arm}: not enough data to tell when it pays back."

    def as_json(self) -> dict[str, object]:
        return {
            "arm": self.arm,
            "point_day": self.point_day,
            "earliest_day": self.earliest_day,
            "confident_day": self.confident_day,
            "status": self.status,
            "confidence": self.confidence,
            "horizon_days": self.horizon_days,
            "statement": self.statement,
            "rule": self.rule,
        }


def payback_interval(
    cumulative: Sequence[DecayPoint], *, arm_name: str, confidence: float = config.CONFIDENCE
) -> PaybackInterval:
    """The payback day with an interval, from the cumulative extra net value per bucket end.

    `cumulative` holds, per bucket end, the effect on cumulative net value (contribution so far
    minus the fixed cost) with pointwise (confidence) intervals. Why the rule covers: let D be
    the true payback day (first bucket end from which the true curve stays above 0). The
    confident day is before D only if the lower bound is above 0 at the bucket just before D,
    where the truth is <= 0; the earliest day is after D only if the upper bound is <= 0 at D,
    where the truth is > 0. Each is one pointwise one-sided error of probability
    (1 - confidence) / 2, whatever the number of buckets. When the true curve is not above 0
    at the horizon, a confident day appears with probability at most (1 - confidence) / 2.
    """
    points = sorted((p for p in cumulative if p.effect.ok), key=lambda p: p.bucket)
    usable = [p for p in points if p.effect.ci_low is not None and p.effect.ci_high is not None]
    if not usable:
        return PaybackInterval(arm_name, None, None, None, "insufficient_data", confidence, None)
    days = [p.bucket for p in usable]
    low = np.array([float(p.effect.ci_low) for p in usable])  # type: ignore[arg-type]
    high = np.array([float(p.effect.ci_high) for p in usable])  # type: ignore[arg-type]
    diff = [float(p.effect.diff) for p in usable]  # type: ignore[arg-type]
    point = payback_day(days, diff, 0.0)
    confident = payback_day(days, low, 0.0)
    plausible = np.flatnonzero(high > 0)
    earliest = int(days[int(plausible[0])]) if plausible.size else None
    if confident is not None:
        status: PaybackStatus = "paid_back"
    elif earliest is not None and high[-1] > 0:
        status = "not_yet"
    else:  # below 0 with confidence at the horizon (an error of at most alpha/2 if it paid)
        status = "not_within_horizon"
    return PaybackInterval(arm_name, point, earliest, confident, status, confidence, int(days[-1]))


@dataclass(frozen=True)
class FadingTest:
    """Does a lever's effect fade? A test of the change between the two halves of the horizon.

    Attributes:
        arm: the treated arm.
        split_day: the halves are days (0, split_day] and (split_day, horizon_days].
        horizon_days: the analysis horizon.
        early: arm vs control on contribution (margin - discounts) in the first half.
        late: the same in the second half.
        change: arm vs control on each customer's second-half minus first-half contribution
            (Welch): late.diff - early.diff with a standard error that counts the correlation
            of the same customers' two halves.
        p_value: one-sided p-value of "the effect is lower in the second half" (None without
            data).
        fading: True when change is below 0 at alpha (one-sided) and the first-half effect is
            positive; None when there is not enough data.
        alpha: the test's level.
        rule: the rule, in words (FADING_RULE).
    """

    arm: str
    split_day: int
    horizon_days: int
    early: Effect
    late: Effect
    change: Effect
    p_value: float | None
    fading: bool | None
    alpha: float
    rule: str = FADING_RULE

    @property
    def statement(self) -> str:
        return self.sentence()

    def sentence(self, currency: str = config.CURRENCY) -> str:
        """The result in one English sentence, amounts in `currency` (the store's) in the one
        money form of the cards (`Formatter`: '+RUB 1,234', '-€39')."""
        from experiments.i18n.format import Formatter

        if self.fading is None:
            return f"{self.arm}: not enough data to test whether the effect fades."
        p = self.p_value if self.p_value is not None else 1.0
        p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
        fmt = Formatter("en", currency)
        early, late = (
            fmt.money(e.diff or 0.0, signed=True, digits=0) for e in (self.early, self.late)
        )
        halves = (
            f"extra contribution {early} per customer in days 1-{self.split_day}, {late} in days "
            f"{self.split_day + 1}-{self.horizon_days}; one-sided {p_text}"
        )
        if self.fading:
            return (
                f"{self.arm}: the extra money fades - smaller in the second half than in the "
                f"first ({halves})."
            )
        if p < self.alpha:
            return (
                f"{self.arm}: the extra contribution falls, but it was not positive to begin "
                f"with, so no gain is fading ({halves})."
            )
        return f"{self.arm}: no evidence that the effect fades ({halves})."

    def as_json(self, currency: str | None = None) -> dict[str, object]:
        """Plain JSON; the statement's amounts in `currency` (the store's; default config's)."""
        return {
            "arm": self.arm,
            "split_day": self.split_day,
            "horizon_days": self.horizon_days,
            "early": self.early.as_json(),
            "late": self.late.as_json(),
            "change": self.change.as_json(),
            "p_value": finite_or_none(self.p_value),
            "fading": self.fading,
            "alpha": self.alpha,
            "statement": self.sentence(currency or config.CURRENCY),
            "rule": self.rule,
        }


def fading_test(
    early: tuple[SampleStats | None, SampleStats | None],
    late: tuple[SampleStats | None, SampleStats | None],
    change: tuple[SampleStats | None, SampleStats | None],
    *,
    arm_name: str,
    split_day: int,
    horizon_days: int,
    alpha: float = config.ALPHA,
) -> FadingTest:
    """Test whether an arm's effect on contribution is lower late than early (FADING_RULE).

    Args:
        early: (control, arm) statistics of contribution in days (0, split_day].
        late: (control, arm) statistics of contribution in (split_day, horizon_days].
        change: (control, arm) statistics of each customer's late minus early contribution,
            the per-customer contrast whose arm-vs-control difference is the test statistic.
        arm_name: the treated arm.
        split_day: end of the first half.
        horizon_days: end of the second half.
        alpha: one-sided level of the test.
    """
    early_effect, late_effect, change_effect = (
        compare(control, arm, "money", arm_name=arm_name, metric=metric, alpha=alpha)[0]
        for (control, arm), metric in (
            (early, "contribution_early"),
            (late, "contribution_late"),
            (change, "contribution_change"),
        )
    )
    p_value = fading = None
    if change_effect.ok and early_effect.ok and change_effect.p_value is not None:
        two_sided = float(change_effect.p_value)
        below = (change_effect.diff or 0.0) < 0
        p_value = two_sided / 2 if below else 1 - two_sided / 2
        fading = bool(p_value < alpha and (early_effect.diff or 0.0) > 0)
    return FadingTest(
        arm_name,
        int(split_day),
        int(horizon_days),
        early_effect,
        late_effect,
        change_effect,
        p_value,
        fading,
        alpha,
    )


# -- segments ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SegmentAnalysis:
    """Per-segment effects with BH across segments and a heterogeneity test.

    Attributes:
        effects: segment -> Effect (z or welch), p_adjusted by Benjamini-Hochberg across
            segments (segments are exploration, so false discovery rate, not family-wise).
        heterogeneity_q: Cochran's Q = sum w_i (d_i - d_pooled)^2 with w_i = 1/se_i^2 over ok
            segments; None with fewer than 2.
        heterogeneity_df: k - 1.
        heterogeneity_p_value: chi-square(k - 1) upper tail of Q: small means the effect
            differs between segments (the interaction test).
        status: 'ok' or 'insufficient_data' (fewer than 2 usable segments).
        note: why insufficient.
    """

    effects: dict[str, Effect]
    heterogeneity_q: float | None
    heterogeneity_df: int
    heterogeneity_p_value: float | None
    status: Status = "ok"
    note: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "effects": [{"segment": s, **e.as_json()} for s, e in self.effects.items()],
            "heterogeneity_q": finite_or_none(self.heterogeneity_q),
            "heterogeneity_df": self.heterogeneity_df,
            "heterogeneity_p_value": finite_or_none(self.heterogeneity_p_value),
            "status": self.status,
            "note": self.note,
        }


def segment_effects(
    per_segment: Mapping[str, tuple[SampleStats | None, SampleStats | None]],
    kind: MetricKind,
    *,
    arm_name: str,
    metric: str,
    alpha: float = config.ALPHA,
) -> SegmentAnalysis:
    """Arm vs control within each segment, BH across segments, and Cochran's Q heterogeneity.

    The heterogeneity test treats segment estimates as independent (segments are disjoint) and
    uses the standard error implied by each segment's interval; it is the arm x segment
    interaction test in meta-analytic form.
    """
    effects: dict[str, Effect] = {}
    for segment, (control, arm) in per_segment.items():
        effects[segment] = compare(
            control, arm, kind, arm_name=arm_name, metric=metric, alpha=alpha
        )[0]
    adjusted = adjust(list(effects.values()), "bh")
    effects = dict(zip(effects, adjusted, strict=True))
    usable = [e for e in effects.values() if e.ok and e.se is not None]
    if len(usable) < 2:
        return SegmentAnalysis(
            effects, None, 0, None, "insufficient_data", "needs 2+ segments with data"
        )
    se = np.array([e.se for e in usable], dtype=float)
    d = np.array([e.diff for e in usable], dtype=float)
    if np.any(se <= 0):
        return SegmentAnalysis(
            effects, None, 0, None, "insufficient_data", "a segment has zero variance"
        )
    w = 1 / se**2
    pooled = float((w * d).sum() / w.sum())
    q = float((w * (d - pooled) ** 2).sum())
    dof = len(usable) - 1
    return SegmentAnalysis(effects, q, dof, float(special.chdtrc(dof, q)))
