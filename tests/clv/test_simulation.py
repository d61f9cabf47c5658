"""Simulated customers with known parameters: the fits recover them."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import clv, config


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
            if true_value is None:  # BgNbdParams.dropout: a Beta mixture, not the limit
                continue
            estimate = getattr(fit.params, name)
            error = fit.standard_errors[name]  # type: ignore[index]
            assert abs(estimate - true_value) < 4 * error, (name, estimate, true_value, error)
            assert estimate == pytest.approx(true_value, rel=0.2), name
    # The model's own prediction of repeat purchases matches the simulated average.
    rate = np.mean([clv.expected_purchases_new_customer(bg.params, T) for T in simulated.T[:2000]])
    assert rate == pytest.approx(simulated.frequency[:2000].mean(), rel=0.1)


@pytest.mark.slow
def test_true_future_clv_is_the_simulated_discounted_future_margin():
    """Customers simulated past their T: the discounted margin of their purchases in the 12
    months after T, averaged, is `true_future_clv` (within 4 Monte Carlo standard errors)."""
    bg, gg = clv.BgNbdParams(0.6, 40.0 / 7, 0.8, 3.0), clv.GammaGammaParams(5.0, 4.0, 60.0)
    rng = np.random.default_rng(11)
    T = rng.integers(24, 29, 100_000).astype(float)
    month = clv.DAYS_PER_MONTH / 7
    sim = clv.simulate_customers(bg, gg, T + 12 * month, rng)
    offset = sim.purchase_time - T[sim.purchase_customer]
    future = offset > 0
    discount = (1 + config.MONTHLY_DISCOUNT_RATE) ** -np.ceil(offset[future] / month)
    value = np.bincount(
        sim.purchase_customer[future],
        weights=discount * sim.purchase_spend[future] * config.DEFAULT_MARGIN_RATE,
        minlength=len(T),
    )
    truth = clv.true_future_clv(bg, gg, T)
    assert abs(value.mean() - truth) < 4 * value.std() / np.sqrt(len(T)), (value.mean(), truth)
    summary = clv.simulate_arm_summary({0: bg, 3: bg}, gg, T[:50], rng)
    assert summary.groupby("arm_id").size().to_dict() == {0: 50, 3: 50}
    assert np.allclose(summary["margin"], summary["revenue"] * config.DEFAULT_MARGIN_RATE)
