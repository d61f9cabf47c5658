"""BG/NBD (Fader, Hardie & Lee 2005): purchase rates, drop-out, its fit and predictions."""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
from scipy import special

from experiments.clv.core import (
    _LOG_BOUND,
    _MIN_CUSTOMERS,
    Array,
    FitOutcome,
    FitStatus,
    TimeUnit,
    _as_arrays,
    _dot,
)
from experiments.clv.optimizer import (
    _identification,
    _minimize,
    _not_converged_message,
    _starting_point,
)
from experiments.i18n.text import Text


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters (Fader, Hardie & Lee 2005), or its constant-dropout limit.

    Attributes:
        r: shape of the Gamma distribution of purchase rates.
        alpha: rate (scale^-1) of that Gamma, in the summary's time unit; r/alpha is the mean
            purchase rate per unit.
        a: first shape of the Beta distribution of drop-out probabilities (infinity in the
            constant-dropout limit; null in JSON).
        b: second shape; a/(a+b) is the mean drop-out probability after a purchase
            (infinity in the limit).
        dropout: None for the Beta mixture; in the limit a, b -> infinity at a fixed
            a/(a+b), where the Beta distribution becomes a point mass, the drop-out
            probability after a purchase that every customer shares (`constant_dropout`).
    """

    r: float
    alpha: float
    a: float
    b: float
    dropout: float | None = None

    @classmethod
    def constant(cls, r: float, alpha: float, dropout: float) -> BgNbdParams:
        """The limit a, b -> infinity with a/(a+b) = dropout: one drop-out chance for all."""
        return cls(float(r), float(alpha), math.inf, math.inf, float(dropout))

    @property
    def constant_dropout(self) -> bool:
        return self.dropout is not None

    @property
    def mean_dropout(self) -> float:
        """The mean drop-out probability after a purchase: a/(a+b), or the constant one."""
        return self.dropout if self.dropout is not None else self.a / (self.a + self.b)

    def as_array(self) -> Array:
        return np.array([self.r, self.alpha, self.a, self.b], dtype=float)

    def theta(self) -> Array:
        """The fit's unconstrained parameters: log(r, alpha, a, b), or log r, log alpha and
        logit(dropout) in the limit."""
        if self.dropout is not None:
            logit = math.log(self.dropout) - math.log1p(-self.dropout)
            return np.array([math.log(self.r), math.log(self.alpha), logit])
        return np.log(self.as_array())

    @classmethod
    def from_theta(cls, theta: Array) -> BgNbdParams:
        """The inverse of `theta`: three values are the limit, four the Beta mixture."""
        if len(theta) == 3:
            return cls.constant(
                math.exp(theta[0]), math.exp(theta[1]), float(special.expit(theta[2]))
            )
        return cls(*(float(v) for v in np.exp(theta)))


@dataclass(frozen=True)
class BgNbdFit(FitOutcome[BgNbdParams]):
    """Outcome of a BG/NBD fit.

    Attributes:
        status: "ok", "not_converged" or "insufficient_data".
        message: what happened and what to do ("" when ok).
        params: the estimate (the last iterate when not converged; None without data).
        log_likelihood: total log-likelihood at params (NaN-free: None when params is None).
        customers: customers (sum of weights) in the fit.
        repeat_customers: customers with at least one repeat purchase.
        standard_errors: asymptotic standard errors of r, alpha, a, b from the observed
            information (delta method from log-parameters); None when the Hessian is singular.
        iterations: optimizer iterations over all attempts.
        time_unit: unit of recency and T.
        log_covariance: asymptotic covariance of log(r, alpha, a, b) (inverse observed
            information), or None; warm starts use it as BFGS's initial inverse Hessian. In
            the constant-dropout limit, of (log r, log alpha, logit dropout).
        beta_log_likelihood: when the constant-dropout limit was fitted beside the Beta
            mixture (`fit_bgnbd`), the mixture's log-likelihood it was compared with; None
            when it was not.
    """

    status: FitStatus
    message: str
    params: BgNbdParams | None
    log_likelihood: float | None
    customers: float
    repeat_customers: float
    standard_errors: dict[str, float] | None = None
    iterations: int = 0
    time_unit: TimeUnit = "weeks"
    log_covariance: Array | None = field(default=None, repr=False, compare=False)
    beta_log_likelihood: float | None = None
    model: ClassVar[str] = "BG/NBD"

    @property
    def constant_dropout(self) -> bool:
        """The fit is the constant-dropout limit (one drop-out chance for every customer)."""
        return self.params is not None and self.params.constant_dropout


DropoutModel = Literal["auto", "beta", "constant"]
# Above this a + b the Beta mixing distribution of drop-out chances is all but a point mass
# (its sd is sqrt(p (1 - p) / (a + b + 1)), 0.01 at p = 0.15): the limit is fitted beside it.
_LIMIT_CONCENTRATION = 1_000.0


def bgnbd_individual_log_likelihood(
    params: BgNbdParams, frequency: object, recency: object, T: object
) -> Array:
    """Log-likelihood of each customer's (x, t_x, T) under BG/NBD (FHL 2005, eq. 6), or
    under its constant-dropout limit (`_constant_dropout_log_likelihood`)."""
    x, t_x, t_end = _as_arrays(frequency, recency, T)
    if params.dropout is not None:
        return _constant_dropout_log_likelihood(params, x, t_x, t_end)
    r, alpha, a, b = params.as_array()
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + t_end)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return a1 + a2 + np.logaddexp(a3, a4)


def _constant_dropout_log_likelihood(
    params: BgNbdParams, x: Array, t_x: Array, t_end: Array
) -> Array:
    """BG/NBD with one drop-out probability p for every customer.

    Given lambda and p a customer alive throughout buys x times in (0, T] with probability
    (1-p)^x lambda^x e^(-lambda T); one who left after the x-th purchase, at t_x, with
    p (1-p)^(x-1) lambda^x e^(-lambda t_x) (FHL 2005, eq. 3). Integrating lambda over
    Gamma(r, alpha), int lambda^x e^(-lambda s) dG = Gamma(r+x)/Gamma(r) alpha^r/(alpha+s)^(r+x):

        L = Gamma(r+x)/Gamma(r) alpha^r [(1-p)^x/(alpha+T)^(r+x)
                                         + [x > 0] p (1-p)^(x-1)/(alpha+t_x)^(r+x)],

    which is eq. 6's limit: B(a, b+x)/B(a, b) -> (1-p)^x and a/(b+x-1) -> p/(1-p) as
    a, b -> infinity with a/(a+b) = p.
    """
    r, alpha, p = params.r, params.alpha, params.mean_dropout
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) + x * math.log1p(-p)
    a3 = -(r + x) * np.log(alpha + t_end)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = math.log(p) - math.log1p(-p) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    return a1 + np.logaddexp(a3, a4)


def bgnbd_log_likelihood(
    params: BgNbdParams,
    frequency: object,
    recency: object,
    T: object,
    weights: object | None = None,
) -> float:
    """Total BG/NBD log-likelihood (weights = how many customers each row stands for)."""
    ll = bgnbd_individual_log_likelihood(params, frequency, recency, T)
    w = np.ones_like(ll) if weights is None else np.asarray(weights, dtype=float)
    return _dot(w, ll)


def _grouped(x: Array, t_x: Array, t_end: Array, w: Array) -> tuple[Array, Array, Array, Array]:
    """Identical (x, t_x, T) rows merged into one with the summed weight.

    Summaries in days (or days / 7) repeat a lot - every one-time buyer of a day shares
    (0, 0, T) - so large stores fit on a fraction of the rows with the same likelihood.
    """
    if len(x) < 10_000:
        return x, t_x, t_end, w
    t_values, t_index = np.unique(t_end, return_inverse=True)
    r_values, r_index = np.unique(t_x, return_inverse=True)
    x_index = np.unique(x, return_inverse=True)[1]
    key = (x_index.astype(np.int64) * len(t_values) + t_index) * len(r_values) + r_index
    unique_keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    if len(unique_keys) > 0.7 * len(x):
        return x, t_x, t_end, w
    weights = np.bincount(inverse.ravel(), weights=w, minlength=len(unique_keys))
    return x[first], t_x[first], t_end[first], weights


class _BgNbdObjective:
    """Mean negative log-likelihood and its gradient in log-parameters, fast at 1M rows.

    Frequencies are integers with few distinct values, so the gamma-function terms are
    evaluated once per distinct x and gathered; only logs of alpha + T and alpha + t_x are per
    customer.
    """

    def __init__(self, x: Array, t_x: Array, t_end: Array, w: Array) -> None:
        self.unique_x, self.index = np.unique(x, return_inverse=True)
        self.x, self.t_x, self.t_end, self.w = x, t_x, t_end, w
        self.repeat = x > 0
        self.total = float(w.sum())

    def reweighted(self, w: Array) -> _BgNbdObjective:
        """The same rows with other weights (bootstrap counts), without regrouping."""
        other = copy.copy(self)
        other.w, other.total = w, float(w.sum())
        return other

    def __call__(self, theta: Array) -> tuple[float, Array]:
        r, alpha, a, b = np.exp(np.clip(theta, -_LOG_BOUND - 5, _LOG_BOUND + 5))
        ux, idx, x, w = self.unique_x, self.index, self.x, self.w
        g = special.gammaln
        d = special.digamma
        a12 = (
            g(r + ux) - g(r) + r * math.log(alpha) + g(a + b) + g(b + ux) - g(b) - g(a + b + ux)
        )[idx]
        log_at = np.log(alpha + self.t_end)
        log_ax = np.log(alpha + self.t_x)
        rx = r + x
        a3 = -rx * log_at
        bx1 = np.where(self.repeat, b + x - 1, 1.0)
        a4 = np.where(self.repeat, math.log(a) - np.log(bx1) - rx * log_ax, -np.inf)
        top = np.logaddexp(a3, a4)
        ll = a12 + top
        # Shares of the two likelihood terms; clipped above exp's underflow, which is slow.
        w3 = np.exp(np.maximum(a3 - top, -700.0))
        w4 = np.where(self.repeat, np.exp(np.maximum(a4 - top, -700.0)), 0.0)
        # Derivatives of the per-customer log-likelihood in r, alpha, a, b.
        d_r = (d(r + ux) - d(r))[idx] + math.log(alpha) - w3 * log_at - w4 * log_ax
        d_alpha = r / alpha - w3 * rx / (alpha + self.t_end) - w4 * rx / (alpha + self.t_x)
        d_a = (d(a + b) - d(a + b + ux))[idx] + w4 / a
        d_b = (d(a + b) + d(b + ux) - d(b) - d(a + b + ux))[idx] - w4 / bx1
        grad = np.array(
            [_dot(w, d_r) * r, _dot(w, d_alpha) * alpha, _dot(w, d_a) * a, _dot(w, d_b) * b]
        )
        value = -_dot(w, ll) / self.total
        if not np.isfinite(value):
            return 1e10, np.zeros(4)
        return value, -grad / self.total


class _ConstantDropoutObjective(_BgNbdObjective):
    """The constant-dropout limit's mean negative log-likelihood and gradient in
    (log r, log alpha, logit p) (`_constant_dropout_log_likelihood`).

    With w4 the share of the "left after the last purchase" term in a customer's
    likelihood, d ll / d logit p = w4 - p x; r and alpha enter as in the Beta mixture.
    """

    def __call__(self, theta: Array) -> tuple[float, Array]:
        r, alpha = np.exp(np.clip(theta[:2], -_LOG_BOUND - 5, _LOG_BOUND + 5))
        logit = float(np.clip(theta[2], -_LOG_BOUND - 5, _LOG_BOUND + 5))
        p = float(special.expit(logit))
        log_p, log_q = -math.log1p(math.exp(-logit)), -math.log1p(math.exp(logit))
        ux, idx, x, w = self.unique_x, self.index, self.x, self.w
        g = special.gammaln
        d = special.digamma
        a1 = (g(r + ux) - g(r) + r * math.log(alpha))[idx] + x * log_q
        log_at = np.log(alpha + self.t_end)
        log_ax = np.log(alpha + self.t_x)
        rx = r + x
        a3 = -rx * log_at
        a4 = np.where(self.repeat, log_p - log_q - rx * log_ax, -np.inf)
        top = np.logaddexp(a3, a4)
        ll = a1 + top
        w3 = np.exp(np.maximum(a3 - top, -700.0))
        w4 = np.where(self.repeat, np.exp(np.maximum(a4 - top, -700.0)), 0.0)
        d_r = (d(r + ux) - d(r))[idx] + math.log(alpha) - w3 * log_at - w4 * log_ax
        d_alpha = r / alpha - w3 * rx / (alpha + self.t_end) - w4 * rx / (alpha + self.t_x)
        d_logit = w4 - p * x
        grad = np.array([_dot(w, d_r) * r, _dot(w, d_alpha) * alpha, _dot(w, d_logit)])
        value = -_dot(w, ll) / self.total
        if not np.isfinite(value):
            return 1e10, np.zeros(3)
        return value, -grad / self.total


def _objective(
    x: Array, t_x: Array, t_end: Array, w: Array, constant_dropout: bool
) -> _BgNbdObjective:
    """The objective of the Beta mixture, or of its constant-dropout limit."""
    kind = _ConstantDropoutObjective if constant_dropout else _BgNbdObjective
    return kind(x, t_x, t_end, w)


def fit_bgnbd(
    frequency: object,
    recency: object,
    T: object,
    *,
    weights: object | None = None,
    start: BgNbdParams | BgNbdFit | None = None,
    time_unit: TimeUnit = "weeks",
    standard_errors: bool = True,
    gradient_tolerance: float = 1e-9,
    dropout: DropoutModel = "auto",
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD fit, or its constant-dropout limit where that fits as well.

    When every customer's drop-out chance after a purchase is the same, the likelihood grows
    as a, b -> infinity at a fixed a/(a+b) = p: the Beta mixing distribution degenerates to a
    point mass, and the optimizer runs to a bound or stops on a flat ridge. That limit is a
    valid model (one drop-out probability p; `_constant_dropout_log_likelihood`), so with
    `dropout="auto"` it is fitted directly whenever the Beta fit is not usable or has
    a + b > _LIMIT_CONCENTRATION, and it is the answer when its log-likelihood is at least
    the Beta fit's (to 1e-6 per customer: the limit is the supremum the Beta fit approaches).

    Args:
        frequency: repeat purchase days x per customer.
        recency: t_x, first to last purchase, in time_unit.
        T: first purchase to the cutoff, in time_unit.
        weights: customers each row stands for (bootstrap counts, grouped rows); default 1.
        start: starting values, or a previous fit to warm-start from (its parameters and
            inverse Hessian: a bootstrap refit then takes a few iterations; a previous
            constant-dropout fit refits that model only); default r=1,
            alpha=1/(mean purchase rate), a=b=1, close enough for the well-behaved mode of
            the log-likelihood on real data.
        time_unit: recorded on the result; the fit itself is unit-free.
        standard_errors: compute them (a Hessian: 8 extra gradient evaluations) and check
            that the maximum is not flat; bootstrap refits near a known good fit skip this.
        gradient_tolerance: BFGS stops when the mean log-likelihood gradient in
            log-parameters is below this; bootstrap refits use a looser 1e-6.
        dropout: "auto" (above), "beta" (the Beta mixture only) or "constant" (the limit
            only).

    Returns:
        A BgNbdFit; never raises for degenerate data (see status and message).
    """
    x, t_x, t_end = _as_arrays(frequency, recency, T)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    keep = w > 0
    x, t_x, t_end, w = x[keep], t_x[keep], t_end[keep], w[keep]
    customers = float(w.sum())
    repeaters = float(w[x > 0].sum())
    problem = _bgnbd_data_problem(x, t_x, t_end, customers, repeaters)
    if problem:
        return BgNbdFit("insufficient_data", problem, None, None, customers, repeaters, None)
    rows = _grouped(x, t_x, t_end, w)
    rate = _dot(w, x / np.maximum(t_end, 1e-9)) / customers
    start_params = start.params if isinstance(start, BgNbdFit) else start
    if start_params is not None and start_params.constant_dropout:
        dropout = "constant"
    fit = None
    if dropout != "constant":
        default = BgNbdParams(1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0)
        fit = _fit_model(
            rows,
            start,
            default,
            False,
            customers,
            repeaters,
            time_unit,
            standard_errors,
            gradient_tolerance,
        )
        near_limit = fit.params is not None and (
            not fit.converged or fit.params.a + fit.params.b > _LIMIT_CONCENTRATION
        )
        if dropout == "beta" or not near_limit:
            return fit
    limit_start: BgNbdParams | BgNbdFit | None = start
    ridge = fit.params if fit is not None else start_params
    if ridge is not None and not ridge.constant_dropout:  # the ridge's r, alpha and a/(a+b)
        p = min(max(ridge.mean_dropout, 1e-6), 1 - 1e-6)
        limit_start = BgNbdParams.constant(ridge.r, ridge.alpha, p)
    limit = _fit_model(
        rows,
        limit_start,
        BgNbdParams.constant(1.0, 1.0 / max(rate, 1e-6), 0.1),
        True,
        customers,
        repeaters,
        time_unit,
        standard_errors,
        gradient_tolerance,
    )
    if fit is None:
        return limit
    assert fit.log_likelihood is not None
    as_good = (
        limit.converged
        and limit.log_likelihood is not None
        and limit.log_likelihood >= fit.log_likelihood - 1e-6 * customers
    )
    return dataclasses.replace(limit if as_good else fit, beta_log_likelihood=fit.log_likelihood)


def _fit_model(
    rows: tuple[Array, Array, Array, Array],
    start: BgNbdParams | BgNbdFit | None,
    default: BgNbdParams,
    constant_dropout: bool,
    customers: float,
    repeaters: float,
    time_unit: TimeUnit,
    standard_errors: bool,
    gradient_tolerance: float,
) -> BgNbdFit:
    """One maximum-likelihood fit of the Beta mixture or of the constant-dropout limit."""
    objective = _objective(*rows, constant_dropout)
    theta, inverse_hessian = _starting_point(start, default, customers)
    optimum = _minimize(objective, theta, gradient_tolerance, inverse_hessian)
    params = BgNbdParams.from_theta(optimum.theta)
    ll = -optimum.value * objective.total
    names = ("r", "alpha", "dropout") if constant_dropout else ("r", "alpha", "a", "b")
    if not optimum.converged:
        return BgNbdFit(
            "not_converged",
            _not_converged_message("BG/NBD", names, optimum, Text("clv.fit.hint.no_dropout")),
            params,
            ll,
            customers,
            repeaters,
            None,
            optimum.iterations,
            time_unit,
        )
    errors, problem, covariance = (
        _identification(objective, optimum, names, "BG/NBD")
        if standard_errors
        else (None, "", None)
    )
    if errors is not None and covariance is not None and constant_dropout:
        # d p / d logit p = p (1 - p), not the log scale's p
        p = params.mean_dropout
        errors["dropout"] = float(p * (1 - p) * math.sqrt(covariance[2, 2]))
    return BgNbdFit(
        "not_converged" if problem else "ok",
        problem,
        params,
        ll,
        customers,
        repeaters,
        errors,
        optimum.iterations,
        time_unit,
        covariance,
    )


def _bgnbd_data_problem(
    x: Array, t_x: Array, t_end: Array, customers: float, repeaters: float
) -> str:
    if customers < _MIN_CUSTOMERS:
        return Text("clv.data.bgnbd_too_few", count=customers, minimum=_MIN_CUSTOMERS)
    if np.any(~np.isfinite(x) | ~np.isfinite(t_x) | ~np.isfinite(t_end)):
        return Text("clv.data.not_finite")
    if np.any((x < 0) | (t_x < 0) | (t_x > t_end + 1e-9) | (x != np.round(x))):
        return Text("clv.data.inconsistent")
    if repeaters == 0:
        return Text("clv.data.no_repeat")
    if float(np.max(t_end)) <= 0:
        return Text("clv.data.first_seen_on_cutoff")
    return ""


def probability_alive(params: BgNbdParams, frequency: object, recency: object, T: object) -> Array:
    """P(still a customer at T | x, t_x, T) (FHL 2005 eq. 11; 1 for x = 0 by the model)."""
    x, t_x, t_end = _as_arrays(frequency, recency, T)
    r, alpha, a, b = params.as_array()
    repeat = x > 0
    log_odds = np.full_like(x, -np.inf)
    # a / (b + x - 1): the posterior odds of leaving at the last purchase; p / (1 - p) in the
    # constant-dropout limit
    p = params.dropout
    odds = (
        np.full(int(repeat.sum()), math.log(p) - math.log1p(-p))
        if p is not None
        else math.log(a) - np.log(b + x[repeat] - 1)
    )
    log_odds[repeat] = odds + (r + x[repeat]) * (
        np.log(alpha + t_end[repeat]) - np.log(alpha + t_x[repeat])
    )
    return np.exp(-np.logaddexp(0.0, log_odds))


def expected_purchases_new_customer(params: BgNbdParams, t: float) -> float:
    """E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired (FHL eq. 9)."""
    r, alpha, a, b = params.as_array()
    if t <= 0:
        return 0.0
    if params.dropout is not None:  # E[(1 - e^(-lambda p t)) / p] over lambda ~ Gamma(r, alpha)
        p = params.dropout
        return float(-math.expm1(r * math.log(alpha / (alpha + p * t))) / p)
    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp))


def expected_purchases(
    params: BgNbdParams, t: float, frequency: object, recency: object, T: object
) -> Array:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] per customer (FHL 2005 eq. 10).

    The Gaussian hypergeometric form is used where it is finite and accurate; where it is not
    (a within 1e-3 of 1, extreme x) the same expectation is integrated numerically over the
    Beta posterior of p.
    """
    x, t_x, t_end = _as_arrays(frequency, recency, T)
    return _cumulative_purchases(params, [t], x, t_x, t_end)[:, 0]


def _distinct_pairs(x: Array, t_end: Array) -> tuple[Array, Array]:
    """A row of each distinct (x, T) and every row's index into them."""
    t_values, t_index = np.unique(t_end, return_inverse=True)
    x_index = np.unique(x, return_inverse=True)[1]
    _, first, index = np.unique(
        x_index * len(t_values) + t_index, return_index=True, return_inverse=True
    )
    return first, index.ravel()


def _cumulative_purchases(
    params: BgNbdParams,
    horizons: list[float],
    x: Array,
    t_x: Array,
    t_end: Array,
    pairs: tuple[Array, Array] | None = None,
) -> Array:
    """E[Y(t) | x, t_x, T] for several t at once: customers x horizons.

    Given alive, the expectation depends on (x, T) only, and customers share few such pairs,
    so the hypergeometric function is evaluated once per distinct pair and horizon (`pairs`:
    `_distinct_pairs(x, t_end)`, when the caller evaluates the same rows repeatedly).
    """
    alive = probability_alive(params, x, t_x, t_end)
    first, index = pairs or _distinct_pairs(x, t_end)
    out = np.zeros((len(x), len(horizons)))
    for column, t in enumerate(horizons):
        if t > 0:
            given_alive = _purchases_given_alive(params, t, x[first], t_end[first])
            out[:, column] = alive * given_alive[index]
    return out


def _purchases_given_alive(params: BgNbdParams, t: float, x: Array, t_end: Array) -> Array:
    r, alpha, a, b = params.as_array()
    if params.dropout is not None:
        # alive at T, lambda ~ Gamma(r + x, alpha + T): E[(1 - e^(-lambda p t)) / p]
        p = params.dropout
        base = alpha + t_end
        return -np.expm1((r + x) * np.log(base / (base + p * t))) / p
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + t_end + t))
        bracket = 1 - ((alpha + t_end) / (alpha + t_end + t)) ** (r + x) * hyp
        given_alive = (a + b + x - 1) / (a - 1) * bracket
    # Near a = 1 the closed form is 0/0 and loses digits to cancellation.
    bad = ~np.isfinite(given_alive) | (given_alive < 0) | (abs(a - 1) < 1e-3)
    if np.any(bad):
        given_alive[bad] = _purchases_given_alive_quadrature(params, t, x[bad], t_end[bad])
    return given_alive


def _purchases_given_alive_quadrature(
    params: BgNbdParams, t: float, x: Array, t_end: Array, nodes: int = 64
) -> Array:
    """E[Y(t) | alive, x, T] = E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p], p ~ Beta(a, b+x).

    Gauss-Jacobi quadrature carries the Beta density exactly, so a < 1 (a singular density at
    p = 0) is handled without special cases.
    """
    r, alpha, a, b = params.as_array()
    out = np.empty_like(x)
    for value in np.unique(x):
        rows = x == value
        u, weights = special.roots_jacobi(nodes, b + value - 1, a - 1)
        p = (1 + u) / 2
        weights = weights / weights.sum()
        base = (alpha + t_end[rows])[:, None]
        inner = -np.expm1((r + value) * np.log(base / (base + p[None, :] * t))) / p[None, :]
        out[rows] = (inner * weights[None, :]).sum(axis=1)
    return out
