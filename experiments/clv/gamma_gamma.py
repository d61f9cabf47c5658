"""Gamma-Gamma (Fader & Hardie 2013): spend per purchase day, its fit and the expected spend."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy import special

from experiments.clv.core import (
    _LOG_BOUND,
    _MIN_CUSTOMERS,
    Array,
    ClvFitError,
    FitOutcome,
    FitStatus,
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
class GammaGammaParams:
    """Gamma-Gamma spend parameters (Fader & Hardie 2013).

    Attributes:
        p: shape of the spend per purchase given the customer's scale nu.
        q: shape of the Gamma distribution of nu across customers.
        v: rate of that Gamma; the population mean spend is p*v/(q-1) (finite when q > 1).
    """

    p: float
    q: float
    v: float

    def as_array(self) -> Array:
        return np.array([self.p, self.q, self.v], dtype=float)

    @property
    def mean_spend(self) -> float | None:
        """Population mean spend per purchase day; None when q <= 1 (infinite mean)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else None


@dataclass(frozen=True)
class GammaGammaFit(FitOutcome[GammaGammaParams]):
    """Outcome of a Gamma-Gamma fit (same fields as BgNbdFit, for p, q, v).

    Attributes:
        status: "ok", "not_converged" or "insufficient_data".
        message: what happened and what to do ("" when ok).
        params: the estimate, or None.
        log_likelihood: total log-likelihood at params, or None.
        customers: repeat customers with positive spend used in the fit.
        standard_errors: standard errors of p, q, v, or None.
        iterations: optimizer iterations.
        frequency_spend_correlation: Pearson correlation of x and zbar among those customers;
            the model assumes spend is independent of frequency, so a large value is a warning.
        log_covariance: asymptotic covariance of log(p, q, v), or None.
    """

    status: FitStatus
    message: str
    params: GammaGammaParams | None
    log_likelihood: float | None
    customers: float
    standard_errors: dict[str, float] | None = None
    iterations: int = 0
    frequency_spend_correlation: float | None = None
    log_covariance: Array | None = field(default=None, repr=False, compare=False)
    model: ClassVar[str] = "Gamma-Gamma"


def gamma_gamma_log_likelihood(
    params: GammaGammaParams, frequency: object, monetary: object, weights: object | None = None
) -> float:
    """Total Gamma-Gamma log-likelihood of mean spends zbar over x purchases (FH 2013, eq. 3).

    Only rows with x > 0 and zbar > 0 enter; the others carry no spend information.
    """
    x, z = _as_arrays(frequency, monetary)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    keep = (x > 0) & (z > 0)
    x, z, w = x[keep], z[keep], w[keep]
    p, q, v = params.as_array()
    px = p * x
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(z)
        + px * np.log(x)
        - (px + q) * np.log(v + x * z)
    )
    return _dot(w, ll)


class _GammaGammaObjective:
    """Mean negative log-likelihood and its gradient in log(p, q, v), fast at 1M customers.

    Everything but log(v + x zbar) is a sum fixed by the data - per distinct x (the gamma
    functions) or over all rows (the log zbar and log x terms) - so an evaluation costs one log
    and one division per customer.
    """

    def __init__(
        self, x: Array, z: Array, w: Array, unique: tuple[Array, Array] | None = None
    ) -> None:
        # unique: the distinct x and each row's index into them, when the caller has them
        self.unique_x, self.index = unique or np.unique(x, return_inverse=True)  # type: ignore[var-annotated]
        self.x, self.z, self.w = x, z, w
        self.wx = w * x
        self.weight_per_x = np.bincount(self.index, weights=w, minlength=len(self.unique_x))
        self.log_terms = _dot(self.wx, np.log(z) + np.log(x))  # sum of w x (log zbar + log x)
        self.log_z = _dot(w, np.log(z))
        self.total = float(w.sum())

    def __call__(self, theta: Array) -> tuple[float, Array]:
        p, q, v = np.exp(np.clip(theta, -_LOG_BOUND - 5, _LOG_BOUND + 5))
        ux, wu, n = self.unique_x, self.weight_per_x, self.total
        g = special.gammaln
        d = special.digamma
        pux = p * ux
        vxz = v + self.x * self.z
        log_vxz = np.log(vxz)
        inverse = 1.0 / vxz
        wx_log, w_log = _dot(self.wx, log_vxz), _dot(self.w, log_vxz)
        wx_inverse, w_inverse = _dot(self.wx, inverse), _dot(self.w, inverse)
        ll = (
            _dot(wu, g(pux + q) - g(pux))
            - n * (g(q) - q * math.log(v))
            + p * self.log_terms
            - self.log_z
            - p * wx_log
            - q * w_log
        )
        d_p = _dot(wu * ux, d(pux + q) - d(pux)) + self.log_terms - wx_log
        d_q = _dot(wu, d(pux + q)) - n * (d(q) - math.log(v)) - w_log
        d_v = n * q / v - p * wx_inverse - q * w_inverse
        value = -ll / n
        if not np.isfinite(value):
            return 1e10, np.zeros(3)
        return value, -np.array([d_p * p, d_q * q, d_v * v]) / n

    def scores(self, theta: Array) -> Array:
        """Each row's gradient of its own log-likelihood in log(p, q, v): rows x 3.

        Their weighted sum is the total log-likelihood's gradient; at the estimate they give
        a bootstrap replicate's one-step (Newton) refit.
        """
        p, q, v = np.exp(theta)
        d = special.digamma
        pux = p * self.unique_x
        x = self.x
        log_vxz = np.log(v + x * self.z)
        d_p = x * ((d(pux + q) - d(pux))[self.index] + np.log(self.z) + np.log(x) - log_vxz)
        d_q = d(pux + q)[self.index] - d(q) + math.log(v) - log_vxz
        d_v = q / v - (p * x + q) / (v + x * self.z)
        return np.column_stack([d_p * p, d_q * q, d_v * v])


def fit_gamma_gamma(
    frequency: object,
    monetary: object,
    *,
    weights: object | None = None,
    start: GammaGammaParams | GammaGammaFit | None = None,
    standard_errors: bool = True,
    gradient_tolerance: float = 1e-9,
) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma fit on repeat customers (x > 0) with positive zbar.

    Args:
        frequency: repeat purchase days x per customer (rows with x = 0 are ignored).
        monetary: zbar, mean spend of the repeat purchase days.
        weights: customers each row stands for; default 1.
        start: starting values or a previous fit (as in fit_bgnbd); default p=1, q=2,
            v = mean zbar (so the implied mean spend
            p*v/(q-1) equals the observed mean).
        standard_errors: compute them from the Hessian and check the maximum is not flat.
        gradient_tolerance: BFGS stopping tolerance (see fit_bgnbd).
    """
    x, z = _as_arrays(frequency, monetary)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    keep = (x > 0) & (z > 0) & (w > 0) & np.isfinite(z)
    x, z, w = x[keep], z[keep], w[keep]
    customers = float(w.sum())
    if customers < _MIN_CUSTOMERS:
        return GammaGammaFit(
            "insufficient_data",
            Text("clv.data.gamma_gamma_too_few", count=customers, minimum=_MIN_CUSTOMERS),
            None,
            None,
            customers,
        )
    correlation = None
    if np.ptp(x) > 0 and np.ptp(z) > 0:
        moments = np.cov(x, z, aweights=w)
        correlation = float(moments[0, 1] / math.sqrt(moments[0, 0] * moments[1, 1]))
    objective = _GammaGammaObjective(x, z, w)
    theta, inverse_hessian = _starting_point(
        start, GammaGammaParams(1.0, 2.0, _dot(w, z) / customers), customers
    )
    optimum = _minimize(objective, theta, gradient_tolerance, inverse_hessian)
    params = GammaGammaParams(*(float(v) for v in np.exp(optimum.theta)))
    ll = float(-optimum.value * objective.total)
    names = ("p", "q", "v")
    if not optimum.converged:
        return GammaGammaFit(
            "not_converged",
            _not_converged_message("Gamma-Gamma", names, optimum, Text("clv.fit.hint.same_spend")),
            params,
            ll,
            customers,
            None,
            optimum.iterations,
            correlation,
        )
    if params.q <= 1:
        return GammaGammaFit(
            "not_converged",
            f"the fitted q = {params.q:.3g} <= 1 implies an infinite mean spend (very heavy "
            "tail); cap extreme order values or use a longer history.",
            params,
            ll,
            customers,
            None,
            optimum.iterations,
            correlation,
        )
    errors, problem, covariance = (
        _identification(objective, optimum, names, "Gamma-Gamma")
        if standard_errors
        else (None, "", None)
    )
    return GammaGammaFit(
        "not_converged" if problem else "ok",
        problem,
        params,
        ll,
        customers,
        errors,
        optimum.iterations,
        correlation,
        covariance,
    )


def expected_spend(params: GammaGammaParams, frequency: object, monetary: object) -> Array:
    """E[spend per purchase day | x, zbar] (FH 2013 eq. 5); the population mean where x = 0.

    Raises:
        ClvFitError: q <= 1 (the model then has no finite mean spend).
    """
    x, z = _as_arrays(frequency, monetary)
    p, q, v = params.as_array()
    if q <= 1:
        raise ClvFitError(Text("clv.error.infinite_spend"))
    z = np.where((x > 0) & (z > 0), z, 0.0)
    x = np.where(z > 0, x, 0.0)
    return p * (v + x * z) / (p * x + q - 1)
