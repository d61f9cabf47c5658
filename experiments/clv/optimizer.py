"""Maximum likelihood on log-parameters: BFGS with a polish, observed information, messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import optimize

from experiments.clv.core import _GRADIENT_TOLERANCE, _LOG_BOUND, _MAX_LOG_SD, Array
from experiments.i18n.text import PerLanguage, Text


class Objective(Protocol):
    """Mean negative log-likelihood and its gradient in log-parameters."""

    total: float

    def __call__(self, theta: Array) -> tuple[float, Array]: ...


@dataclass(frozen=True)
class _Optimum:
    theta: Array
    value: float
    gradient: Array
    iterations: int
    converged: bool
    at_bound: list[int]


def _minimize(
    objective: Objective,
    start: Array,
    gtol: float,
    inverse_hessian: Array | None = None,
) -> _Optimum:
    """BFGS on log-parameters; a Nelder-Mead polish and restart when it stops short.

    Log-parameters make the problem unconstrained, so plain BFGS with the analytic gradient
    suffices (scipy's L-BFGS-B costs milliseconds of overhead per iteration, which matters for
    bootstrap refits; a warm start with the previous fit's inverse Hessian takes a few
    iterations). A parameter running past e^+-18 means the likelihood has no interior
    maximum in that direction: reported as not converged, never returned as an estimate.
    """
    iterations = 0
    theta = np.asarray(start, dtype=float)
    for attempt in range(3):
        options: dict[str, object] = {"maxiter": 1000, "gtol": gtol}
        if inverse_hessian is not None and attempt == 0:
            options["hess_inv0"] = inverse_hessian
        result = optimize.minimize(objective, theta, jac=True, method="BFGS", options=options)
        iterations += int(result.nit)
        theta = np.clip(result.x, -_LOG_BOUND, _LOG_BOUND)
        value, gradient = objective(theta)
        at_bound = [i for i, t in enumerate(theta) if abs(t) >= _LOG_BOUND - 1e-6]
        small = float(np.max(np.abs(gradient))) < _GRADIENT_TOLERANCE
        if small and not at_bound:
            return _Optimum(theta, value, gradient, iterations, True, [])
        if at_bound or attempt == 2:
            break
        polish = optimize.minimize(
            lambda t: objective(t)[0],
            theta,
            method="Nelder-Mead",
            options={"maxiter": 4000, "xatol": 1e-8, "fatol": 1e-12},
        )
        iterations += int(polish.nit)
        theta = np.clip(polish.x, -_LOG_BOUND, _LOG_BOUND)
    return _Optimum(theta, value, gradient, iterations, False, at_bound)


def _log_covariance(objective: Objective, theta: Array) -> Array | None:
    """Covariance of the log-parameters from a finite-difference Hessian of the analytic
    gradient; None when the Hessian is not positive definite (no proper maximum)."""
    k = len(theta)
    hessian = np.empty((k, k))
    for i in range(k):
        step = np.zeros(k)
        step[i] = 1e-5
        hessian[:, i] = (objective(theta + step)[1] - objective(theta - step)[1]) / 2e-5
    hessian = (hessian + hessian.T) / 2 * objective.total  # of the total negative LL
    if not np.all(np.isfinite(hessian)) or np.min(np.linalg.eigvalsh(hessian)) <= 0:
        return None
    covariance = np.linalg.inv(hessian)
    covariance = (covariance + covariance.T) / 2
    return covariance if np.all(np.isfinite(covariance)) else None


def _identification(
    objective: Objective,
    optimum: _Optimum,
    names: tuple[str, ...],
    model: str,
) -> tuple[dict[str, float] | None, str, Array | None]:
    """Standard errors, or a message when the maximum is flat (parameters not identified).

    A log-parameter standard error above _MAX_LOG_SD means the data cannot tell the value
    from one e^5 ~ 150 times larger or smaller: the optimizer stopped on a ridge, not at an
    estimate.
    """
    covariance = _log_covariance(objective, optimum.theta)
    log_sd = None if covariance is None else np.sqrt(np.diag(covariance))
    if log_sd is None or np.any(log_sd > _MAX_LOG_SD):
        flat: object = (
            Text("clv.fit.flat.every_direction")
            if log_sd is None
            else ", ".join(n for n, sd in zip(names, log_sd, strict=True) if sd > _MAX_LOG_SD)
        )
        return None, Text("clv.fit.flat", model=model, flat=flat), None
    errors = {
        n: float(np.exp(t) * sd) for n, t, sd in zip(names, optimum.theta, log_sd, strict=True)
    }
    return errors, "", covariance


def _starting_point(
    start: Any,
    default: Any,
    customers: float,
) -> tuple[Array, Array | None]:
    """Log-parameters to start from and, from a previous fit, the mean-scale inverse Hessian
    (parameters with a `theta()` say their own unconstrained form: BG/NBD's limit has a logit)."""

    def unconstrained(params: Any) -> Array:
        return params.theta() if hasattr(params, "theta") else np.log(params.as_array())

    if hasattr(start, "log_covariance"):  # a previous BgNbdFit / GammaGammaFit
        if start.params is None:
            return unconstrained(default), None
        covariance = start.log_covariance
        inverse_hessian = None if covariance is None else covariance * customers
        return unconstrained(start.params), inverse_hessian
    return unconstrained(start or default), None


def _not_converged_message(model: str, names: tuple[str, ...], optimum: _Optimum, hint: str) -> str:
    """Why a fit is not usable, as catalogue Text (messages_clv): its English as a str."""
    if optimum.at_bound:
        drifting = PerLanguage(
            *(
                ", ".join(
                    f"{names[i]} -> {word[int(optimum.theta[i] > 0)]}" for i in optimum.at_bound
                )
                for word in (("0", "infinity"), ("0", "бесконечность"))
            )
        )
        return Text("clv.fit.at_bound", model=model, drifting=drifting, hint=hint)
    gradient = float(np.max(np.abs(optimum.gradient)))
    return Text(
        "clv.fit.not_converged",
        model=model,
        count=optimum.iterations,
        gradient=PerLanguage(f"{gradient:.2g}", f"{gradient:.2g}".replace(".", ",")),
    )
