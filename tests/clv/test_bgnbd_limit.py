"""BG/NBD's constant-dropout limit: a, b -> infinity at a fixed a/(a+b) = p is a model, not a
failed fit. Its likelihood, gradient and predictions against the Beta mixture's and against
simulations with a known p; the fit recovers p; a Beta-mixture simulation keeps the mixture."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from experiments import clv
from experiments.clv.bgnbd import _ConstantDropoutObjective, _purchases_given_alive

LIMIT = clv.BgNbdParams.constant(0.5, 4.0, 0.15)  # weeks: a purchase day every 8 weeks
SPEND = clv.GammaGammaParams(5.0, 4.0, 60.0)


def _near_limit(params: clv.BgNbdParams, concentration: float) -> clv.BgNbdParams:
    """The Beta mixture with mean p and a + b = concentration."""
    p = params.mean_dropout
    return clv.BgNbdParams(params.r, params.alpha, p * concentration, (1 - p) * concentration)


def _simulated(seed: int, customers: int, params: clv.BgNbdParams = LIMIT):
    rng = np.random.default_rng(seed)
    T = rng.integers(20, 105, customers).astype(float)
    sim = clv.simulate_customers(params, SPEND, T, rng)
    return sim.frequency, sim.recency, sim.T


def test_the_limit_likelihood_is_the_beta_mixtures_limit():
    x, t_x, T = _simulated(1, 5_000)
    limit = clv.bgnbd_individual_log_likelihood(LIMIT, x, t_x, T)
    gaps = [
        float(
            np.max(
                np.abs(
                    clv.bgnbd_individual_log_likelihood(
                        _near_limit(LIMIT, concentration), x, t_x, T
                    )
                    - limit
                )
            )
        )
        for concentration in (1e3, 1e5)
    ]
    # the gap shrinks as 1 / (a + b), the Beta's variance of p (beyond 1e6 the Beta form's
    # gamma functions of a + b ~ 1e6 lose the digits first)
    assert gaps[1] < 1e-3 and gaps[0] / gaps[1] == pytest.approx(100, rel=0.05), gaps
    assert np.all(np.isfinite(limit))


def test_the_limit_objectives_gradient_is_its_derivative():
    x, t_x, T = _simulated(2, 3_000)
    objective = _ConstantDropoutObjective(x, t_x, T, np.ones_like(x))
    theta = np.array([math.log(0.4), math.log(5.0), -1.2])
    value, gradient = objective(theta)
    step = 1e-6
    numeric = [
        (objective(theta + e)[0] - objective(theta - e)[0]) / (2 * step) for e in np.eye(3) * step
    ]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-9)
    assert value == pytest.approx(
        -clv.bgnbd_log_likelihood(clv.BgNbdParams.from_theta(theta), x, t_x, T) / len(x)
    )


def test_the_limit_predictions_are_the_beta_mixtures_limit_and_the_simulations_mean():
    x, t_x, T = _simulated(3, 2_000)
    near = _near_limit(LIMIT, 1e8)
    np.testing.assert_allclose(
        clv.probability_alive(LIMIT, x, t_x, T), clv.probability_alive(near, x, t_x, T), rtol=1e-6
    )
    # alive at T, lambda ~ Gamma(r + x, alpha + T): E[(1 - e^(-lambda p t)) / p] by quadrature
    p, t = LIMIT.mean_dropout, 52.0
    for purchases, weeks in ((0.0, 30.0), (3.0, 60.0), (12.0, 100.0)):
        shape, rate = LIMIT.r + purchases, LIMIT.alpha + weeks
        integral = integrate.quad(
            lambda lam, shape=shape, rate=rate: (
                -math.expm1(-lam * p * t) / p * stats.gamma.pdf(lam, shape, scale=1 / rate)
            ),
            0,
            np.inf,
        )[0]
        given_alive = _purchases_given_alive(LIMIT, t, np.array([purchases]), np.array([weeks]))
        assert given_alive[0] == pytest.approx(integral, rel=1e-7)
    # a new customer's expected repeat purchases in a year vs 200k simulated ones
    rng = np.random.default_rng(4)
    sim = clv.simulate_customers(LIMIT, SPEND, np.full(200_000, 52.0), rng)
    mean, se = sim.frequency.mean(), sim.frequency.std(ddof=1) / math.sqrt(200_000)
    expected = clv.expected_purchases_new_customer(LIMIT, 52.0)
    assert abs(expected - mean) < 4 * se, (expected, mean, se)


def test_a_constant_dropout_simulation_recovers_p_within_its_standard_error():
    """200k customers with p = 0.15, three seeds: the limit's estimate of p is within 4 of its
    standard errors of the truth each time, and those standard errors agree with the spread
    of the estimates over the seeds (Monte Carlo: the sd of 3 draws is within a factor 3)."""
    estimates, errors = [], []
    for seed in range(3):
        fit = clv.fit_bgnbd(*_simulated(seed, 200_000), dropout="constant")
        assert fit.converged and fit.constant_dropout, fit.message
        assert fit.params is not None and fit.standard_errors is not None
        p, se = fit.params.mean_dropout, fit.standard_errors["dropout"]
        assert abs(p - 0.15) < 4 * se, (p, se)
        assert fit.params.r == pytest.approx(0.5, rel=0.03)
        assert fit.params.alpha == pytest.approx(4.0, rel=0.05)
        estimates.append(p)
        errors.append(se)
    spread = float(np.std(estimates, ddof=1))
    assert np.mean(errors) / 3 < spread < 3 * np.mean(errors), (estimates, errors)


@pytest.mark.slow
def test_the_default_fit_takes_the_limit_where_the_beta_fit_runs_to_the_bound():
    """Seed 0: the Beta mixture's likelihood keeps rising as a, b -> infinity (its fit alone
    is at a bound or far beyond a + b = 1000); the default fit is the limit, with the Beta
    fit's log-likelihood recorded and no better than the limit's."""
    x, t_x, T = _simulated(0, 200_000)
    beta = clv.fit_bgnbd(x, t_x, T, dropout="beta")
    assert beta.params is not None and beta.params.a + beta.params.b > 1_000
    fit = clv.fit_bgnbd(x, t_x, T)
    assert fit.converged and fit.constant_dropout and fit.message == ""
    assert fit.params is not None and fit.log_likelihood is not None
    assert fit.beta_log_likelihood is not None
    assert fit.log_likelihood >= fit.beta_log_likelihood - 1e-6 * len(x)
    assert math.isinf(fit.params.a) and math.isinf(fit.params.b)
    assert fit.standard_errors is not None
    assert abs(fit.params.mean_dropout - 0.15) < 4 * fit.standard_errors["dropout"]


def test_a_beta_mixture_simulation_still_fits_the_full_model():
    truth = clv.BgNbdParams(0.5, 4.0, 0.8, 3.0)  # mean p 0.21, sd 0.19: far from a point
    fit = clv.fit_bgnbd(*_simulated(5, 50_000, truth))
    assert fit.converged and not fit.constant_dropout, fit.message
    assert fit.params is not None and fit.params.dropout is None
    assert fit.beta_log_likelihood is None  # a + b far below the limit's threshold
    assert fit.standard_errors is not None
    for name in ("r", "alpha", "a", "b"):
        assert abs(getattr(fit.params, name) - getattr(truth, name)) < 4 * fit.standard_errors[name]
    # the limit fitted on the same data is clearly worse: the mixture is not a point mass
    limit = clv.fit_bgnbd(*_simulated(5, 50_000, truth), dropout="constant")
    assert limit.log_likelihood is not None and fit.log_likelihood is not None
    assert fit.log_likelihood - limit.log_likelihood > 100


def test_a_refit_from_a_limit_fit_stays_in_the_limit():
    x, t_x, T = _simulated(6, 20_000)
    point = clv.fit_bgnbd(x, t_x, T, dropout="constant")
    weights = np.random.default_rng(7).poisson(1.0, len(x)).astype(float)
    refit = clv.fit_bgnbd(x, t_x, T, weights=weights, start=point, standard_errors=False)
    assert refit.converged and refit.constant_dropout
    assert refit.params is not None and point.params is not None
    assert refit.params.mean_dropout == pytest.approx(point.params.mean_dropout, abs=0.02)
