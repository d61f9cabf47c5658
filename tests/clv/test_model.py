"""Both models on a summary: the CLV arithmetic, predictions for every customer, unidentified
fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import clv


def test_expected_clv_is_discounted_expected_purchases_times_spend_times_margin():
    bg = clv.BgNbdParams(0.243, 4.414, 0.793, 2.426)
    gg = clv.GammaGammaParams(6.25, 3.74, 15.44)
    x, t_x, T, z = [0, 2, 7], [0, 30.43, 29.43], [38.86] * 3, [0, 22.35, 73.74]
    undiscounted = clv.expected_clv(bg, gg, x, t_x, T, z, monthly_discount_rate=0, margin_rate=0.3)
    year = 12 * clv.DAYS_PER_MONTH / 7
    direct = clv.expected_purchases(bg, year, x, t_x, T) * clv.expected_spend(gg, x, z) * 0.3
    np.testing.assert_allclose(undiscounted, direct, rtol=1e-12)
    discounted = clv.expected_clv(bg, gg, x, t_x, T, z, monthly_discount_rate=0.01, margin_rate=0.3)
    assert np.all(discounted < undiscounted) and np.all(discounted > undiscounted / 1.01**12)
    in_days = clv.expected_clv(
        clv.BgNbdParams(bg.r, bg.alpha * 7, bg.a, bg.b),
        gg,
        x,
        np.array(t_x) * 7,
        np.array(T) * 7,
        z,
        margin_rate=0.3,
        time_unit="days",
    )
    np.testing.assert_allclose(in_days, discounted, rtol=1e-9)


def test_fit_clv_predicts_every_customer(cdnow_summary):
    model = clv.fit_clv(cdnow_summary, margin_rate=0.3)
    assert model.converged and model.message == ""
    assert len(model.predictions) == len(cdnow_summary)
    assert model.predictions["customer_id"].tolist() == cdnow_summary["customer_id"].tolist()
    assert (model.predictions["expected_clv"] > 0).all()
    summary = model.clv_summary()
    assert summary["customers"] == 2357
    assert summary["total"] == pytest.approx(model.predictions["expected_clv"].sum())


def test_unidentified_models_report_non_convergence():
    # Everyone buys steadily up to the cutoff: no sign of drop-out, the drop-out mixing runs
    # off to a boundary.
    x = np.full(500, 10.0)
    bg = clv.fit_bgnbd(x, np.full(500, 39.0), np.full(500, 39.0))
    assert bg.status == "not_converged" and not bg.converged
    assert "identify" in bg.message and "not usable for CLV" in bg.message
    with pytest.raises(clv.ClvFitError, match="BG/NBD"):
        bg.require()
    # Everyone spends exactly the same: the spend heterogeneity has no finite estimate.
    gg = clv.fit_gamma_gamma(x, np.full(500, 20.0))
    assert gg.status == "not_converged" and "spends about the same" in gg.message
    model = clv.fit_clv(
        pd.DataFrame({"frequency": x, "recency": 39.0, "T": 39.0, "monetary": 20.0})
    )
    assert not model.converged and model.predictions.empty
    assert "BG/NBD" in model.message and "Gamma-Gamma" in model.message
    from experiments.i18n.text import render

    russian = render(model.message, "ru")  # #12: the page's language, each model named
    assert russian.startswith("модель BG/NBD: ") and "модель Gamma-Gamma: " in russian
    assert render(model.message, "en") == model.message
    for fit in (bg, gg):  # the optimizer's own explanations too (flat, at a bound)
        shown = render(fit.message, "ru")
        assert "данные не определяют" in shown and "likelihood" not in shown, shown
        assert render(fit.message, "en") == fit.message
    assert "все клиенты тратят примерно одинаково" in render(gg.message, "ru")
