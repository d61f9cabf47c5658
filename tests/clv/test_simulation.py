"""Simulated customers with known parameters: the fits recover them."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import clv


# -- simulation with known truth -------------------------------------------------------------------
@pytest.mark.slow
def test_fits_recover_known_parameters_from_simulated_customers():
    truth_bg = clv.BgNbdParams(0.5, 6.0, 0.7, 3.0)
    truth_gg = clv.GammaGammaParams(4.0, 5.0, 30.0)
    rng = np.random.default_rng(2024)
    simulated = clv.simulate_customers(truth_bg, truth_gg, rng.uniform(26, 78, 30_000), rng)
    bg = clv.fit_bgnbd(simulated.frequency, simulated.recency, simulated.T)
    gg = clv.fit_gamma_gamma(simulated.frequency, simulated.monetary)
    assert bg.converged and gg.converged
    assert bg.standard_errors is not None and gg.standard_errors is not None
    for fit, truth in ((bg, truth_bg), (gg, truth_gg)):
        for name, true_value in vars(truth).items():
            estimate = getattr(fit.params, name)
            error = fit.standard_errors[name]  # type: ignore[index]
            assert abs(estimate - true_value) < 4 * error, (name, estimate, true_value, error)
            assert estimate == pytest.approx(true_value, rel=0.2), name
    # The model's own prediction of repeat purchases matches the simulated average.
    rate = np.mean([clv.expected_purchases_new_customer(bg.params, T) for T in simulated.T[:2000]])
    assert rate == pytest.approx(simulated.frequency[:2000].mean(), rel=0.1)
