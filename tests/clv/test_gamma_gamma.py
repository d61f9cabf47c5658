"""Gamma-Gamma: the published CDNOW fit, an independent likelihood, the expected spend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from experiments import clv

from .conftest import PUBLISHED_GAMMA_GAMMA, same_to_2_significant_digits


def test_gamma_gamma_on_raw_cdnow_matches_fader_hardie(cdnow_fits):
    _, gg = cdnow_fits
    assert gg.status == "ok" and gg.customers == 946
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        value = getattr(gg.params, name)
        assert same_to_2_significant_digits(value, published), (name, value)
        assert value == pytest.approx(published, abs=0.006)
    # Fader & Hardie report a weak frequency-spend correlation (0.11) for these customers.
    assert gg.frequency_spend_correlation == pytest.approx(0.11, abs=0.01)


def test_gamma_gamma_likelihood_equals_numerical_integration():
    params = clv.GammaGammaParams(6.25, 3.74, 15.44)
    for x, zbar in [(1, 11.77), (2, 22.35), (7, 73.74)]:
        # zbar | nu ~ Gamma(p x, rate x nu); nu ~ Gamma(q, rate v).
        def density(nu, x=x, zbar=zbar):
            return stats.gamma.pdf(zbar, params.p * x, scale=1 / (x * nu)) * stats.gamma.pdf(
                nu, params.q, scale=1 / params.v
            )

        numeric, _ = integrate.quad(density, 0, np.inf, epsabs=1e-14, limit=200)
        ours = clv.gamma_gamma_log_likelihood(params, [x], [zbar])
        assert ours == pytest.approx(math.log(numeric), abs=1e-6)


def test_expected_spend_shrinks_toward_the_population_mean():
    params = clv.GammaGammaParams(6.25, 3.74, 15.44)
    population = params.mean_spend
    spend = clv.expected_spend(params, [0, 1, 10, 10], [0, 100.0, 100.0, 10.0])
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100  # more purchases, more weight on own mean
    assert spend[3] < population
    with pytest.raises(clv.ClvFitError):
        clv.expected_spend(clv.GammaGammaParams(1, 0.9, 1), [1], [1])
