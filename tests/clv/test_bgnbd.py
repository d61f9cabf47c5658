"""BG/NBD: the published CDNOW fit, independent likelihoods, predictions, weights and grouping,
degenerate data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from experiments import clv

from .conftest import PUBLISHED_BGNBD, PUBLISHED_LL, same_to_2_significant_digits


# -- published values ------------------------------------------------------------------------------
def test_bgnbd_on_raw_cdnow_matches_fader_hardie_lee(cdnow_fits):
    bg, _ = cdnow_fits
    assert bg.status == "ok" and bg.converged and bg.message == ""
    assert bg.customers == 2357 and bg.repeat_customers == 946
    for name, published in PUBLISHED_BGNBD.items():
        value = getattr(bg.params, name)
        assert same_to_2_significant_digits(value, published), (name, value)
        assert value == pytest.approx(published, abs=0.0015)  # in fact to 3 decimals
    assert bg.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.05)
    assert bg.standard_errors is not None
    assert all(0 < se < getattr(bg.params, n) for n, se in bg.standard_errors.items())


# -- independent likelihoods -----------------------------------------------------------------------
def bgnbd_likelihood_by_beta_functions(params, x, t_x, T):
    """FHL 2005 eq. (4) before taking logs, written with beta functions."""
    r, alpha, a, b = params
    common = np.exp(
        special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    )  # Gamma(r+x) alpha^r / Gamma(r)
    survive = np.exp(special.betaln(a, b + x) - special.betaln(a, b)) / (alpha + T) ** (r + x)
    drop = np.where(
        x > 0,
        np.exp(special.betaln(a + 1, b + np.maximum(x, 1) - 1) - special.betaln(a, b))
        / (alpha + t_x) ** (r + x),
        0.0,
    )
    return common * (survive + drop)


def bgnbd_likelihood_by_integration(params, x, t_x, T):
    """The individual likelihood integrated numerically over lambda ~ Gamma and p ~ Beta.

    Given (lambda, p): (1-p)^x lambda^x e^(-lambda T) + [x>0] p (1-p)^(x-1) lambda^x
    e^(-lambda t_x); each term is a product of a lambda part and a p part, so the double
    integral is a sum of products of one-dimensional integrals.
    """
    r, alpha, a, b = params

    def over_lambda(until):
        value, _ = integrate.quad(
            lambda lam: lam**x * math.exp(-lam * until) * stats.gamma.pdf(lam, r, scale=1 / alpha),
            0,
            np.inf,
            epsabs=1e-15,
            limit=200,
        )
        return value

    def over_p(function):
        value, _ = integrate.quad(
            lambda p: function(p) * stats.beta.pdf(p, a, b), 0, 1, epsabs=1e-15, limit=200
        )
        return value

    value = over_lambda(T) * over_p(lambda p: (1 - p) ** x)
    if x > 0:
        value += over_lambda(t_x) * over_p(lambda p: p * (1 - p) ** (x - 1))
    return value


def test_bgnbd_log_likelihood_equals_independent_computations(cdnow_summary, cdnow_fits):
    bg, _ = cdnow_fits
    s = cdnow_summary
    x, t_x, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    params = bg.params.as_array()
    direct = np.log(bgnbd_likelihood_by_beta_functions(params, x, t_x, T)).sum()
    assert clv.bgnbd_log_likelihood(bg.params, x, t_x, T) == pytest.approx(direct, rel=1e-12)
    assert bg.log_likelihood == pytest.approx(direct, rel=1e-10)
    # The fitted point is a maximum: every coordinate step lowers the independent LL.
    for i in range(4):
        for factor in (0.99, 1.01):
            moved = params.copy()
            moved[i] *= factor
            assert np.log(bgnbd_likelihood_by_beta_functions(moved, x, t_x, T)).sum() < direct


@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (1, 1.71, 38.86), (3, 28.29, 38.71)])
def test_bgnbd_individual_likelihood_equals_numerical_integration(x, t_x, T):
    params = clv.BgNbdParams(0.7, 3.0, 1.4, 2.5)  # shapes > 1 keep the integrands bounded
    numeric = bgnbd_likelihood_by_integration(params.as_array(), x, t_x, T)
    ours = clv.bgnbd_individual_log_likelihood(params, [x], [t_x], [T])[0]
    assert ours == pytest.approx(math.log(numeric), abs=1e-6)


# -- predictions -----------------------------------------------------------------------------------
def test_predictions_reproduce_the_published_example(cdnow_fits):
    bg, _ = cdnow_fits
    # FHL 2005: a customer with x=2, t_x=30.43, T=38.86 is expected to make 1.226 purchases in
    # the next 39 weeks.
    expected = clv.expected_purchases(bg.params, 39, [2], [30.43], [38.86])[0]
    assert expected == pytest.approx(1.226, abs=0.001)
    alive = clv.probability_alive(bg.params, [0, 2, 2], [0, 30.43, 5.0], [38.86] * 3)
    assert alive[0] == 1.0  # BG/NBD: no repeat purchase, no chance to drop out yet
    assert 0 < alive[2] < alive[1] < 1


def expected_purchases_by_quadrature(params, t, x, t_x, T):
    r, alpha, a, b = params.as_array()
    alive = clv.probability_alive(params, [x], [t_x], [T])[0]

    def given_p(p):
        ratio = (alpha + T) / (alpha + T + p * t)
        return -math.expm1((r + x) * math.log(ratio)) / p * stats.beta.pdf(p, a, b + x)

    value, _ = integrate.quad(given_p, 0, 1, limit=200, epsabs=1e-12)
    return alive * value


@pytest.mark.parametrize(
    "params",
    [
        clv.BgNbdParams(0.243, 4.414, 0.793, 2.426),
        clv.BgNbdParams(2.0, 10.0, 1.5, 0.9),
        clv.BgNbdParams(0.5, 4.0, 1.0 + 1e-9, 3.0),  # a ~ 1: the closed form is 0/0
        clv.BgNbdParams(0.5, 4.0, 1.0, 3.0),
    ],
)
def test_expected_purchases_equal_an_integral_over_the_dropout_posterior(params):
    cases = [(0, 0.0, 30.0), (1, 10.0, 20.0), (5, 30.0, 38.0), (20, 50.0, 52.0)]
    x, t_x, T = (np.array(v, dtype=float) for v in zip(*cases, strict=True))
    ours = clv.expected_purchases(params, 52.0, x, t_x, T)
    for value, case in zip(ours, cases, strict=True):
        assert value == pytest.approx(
            expected_purchases_by_quadrature(params, 52.0, *case), rel=1e-6
        )


def test_a_new_customer_is_the_zero_history_case():
    params = clv.BgNbdParams(0.243, 4.414, 0.793, 2.426)
    for t in (4.0, 39.0, 78.0):
        new = clv.expected_purchases_new_customer(params, t)
        assert new == pytest.approx(clv.expected_purchases(params, t, [0], [0], [0])[0], rel=1e-9)
    assert clv.expected_purchases_new_customer(params, 0) == 0


def test_weights_equal_repeated_rows():
    rng = np.random.default_rng(5)
    sim = clv.simulate_customers(
        clv.BgNbdParams(0.5, 6.0, 0.7, 3.0), clv.GammaGammaParams(4, 5, 30), np.full(400, 52.0), rng
    )
    weights = rng.integers(0, 4, 400)
    repeated = np.repeat(np.arange(400), weights)
    weighted = clv.fit_bgnbd(sim.frequency, sim.recency, sim.T, weights=weights)
    expanded = clv.fit_bgnbd(sim.frequency[repeated], sim.recency[repeated], sim.T[repeated])
    np.testing.assert_allclose(weighted.params.as_array(), expanded.params.as_array(), rtol=1e-4)
    assert weighted.log_likelihood == pytest.approx(expanded.log_likelihood, rel=1e-9)


def test_large_day_granular_summaries_fit_like_the_full_data():
    """Big summaries are fitted on merged identical rows; the likelihood must be unchanged."""
    rng = np.random.default_rng(8)
    T_days = rng.integers(100, 400, 30_000).astype(float)
    sim = clv.simulate_customers(
        clv.BgNbdParams(0.5, 40.0, 0.7, 3.0), clv.GammaGammaParams(4, 5, 30), T_days, rng
    )
    x, t_x, T = sim.frequency, np.floor(sim.recency) / 7, T_days / 7
    fit = clv.fit_bgnbd(x, t_x, T)
    assert fit.converged and fit.customers == 30_000
    assert fit.log_likelihood == pytest.approx(clv.bgnbd_log_likelihood(fit.params, x, t_x, T))
    half = clv.fit_bgnbd(x[:9_000], t_x[:9_000], T[:9_000])  # below the grouping threshold
    doubled = clv.fit_bgnbd(np.tile(x[:9_000], 2), np.tile(t_x[:9_000], 2), np.tile(T[:9_000], 2))
    np.testing.assert_allclose(doubled.params.as_array(), half.params.as_array(), rtol=1e-4)
    assert doubled.log_likelihood == pytest.approx(2 * half.log_likelihood, rel=1e-9)


# -- degenerate data -------------------------------------------------------------------------------
def test_no_repeat_purchases_is_insufficient_data_with_a_message():
    fit = clv.fit_bgnbd(np.zeros(100), np.zeros(100), np.full(100, 10.0))
    assert fit.status == "insufficient_data" and not fit.converged and fit.params is None
    assert "no customer made a repeat purchase" in fit.message
    with pytest.raises(clv.ClvFitError, match="repeat purchase"):
        fit.require()
    spend = clv.fit_gamma_gamma(np.zeros(100), np.zeros(100))
    assert spend.status == "insufficient_data" and "repeat customers" in spend.message


@pytest.mark.parametrize(
    "summary",
    [
        ([], [], []),
        ([1, 2], [1.0, 2.0], [3.0, 3.0]),  # too few customers
        ([1, 2, 1, 0, 1, 3], [1.0, 5.0, 1.0, 0, 2, 4], [3.0] * 6),  # recency > T
        ([1.5] * 6, [1.0] * 6, [3.0] * 6),  # fractional frequency
        ([1, np.nan, 1, 1, 1, 1], [1.0] * 6, [3.0] * 6),
    ],
)
def test_bad_summaries_are_insufficient_data(summary):
    fit = clv.fit_bgnbd(*summary)
    assert fit.status == "insufficient_data" and fit.message


def test_the_data_checks_speak_the_pages_language():
    """#12: a Russian page showed these checks in English inside Russian text; they are
    catalogue messages (messages_clv), still their English as a plain str."""
    import re

    from experiments.i18n.text import render

    cyrillic = re.compile("[а-яё]", re.I)
    checks = [
        clv.fit_bgnbd(np.zeros(100), np.zeros(100), np.full(100, 10.0)).message,  # no repeat
        clv.fit_bgnbd(np.ones(3), np.ones(3), np.full(3, 10.0)).message,  # too few
        clv.fit_bgnbd(np.ones(100), np.full(100, 20.0), np.full(100, 10.0)).message,
        clv.fit_gamma_gamma(np.zeros(100), np.zeros(100)).message,
    ]
    assert all(checks), checks
    for message in checks:
        assert not cyrillic.search(render(message, "en")) and render(message, "en") == message
        assert cyrillic.search(render(message, "ru")), message
