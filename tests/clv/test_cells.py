"""The projection's cells: the same numbers as per-customer arithmetic, a bootstrap that resamples
customers exactly, refits that agree with full refits, and intervals that cover a known truth."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments import clv, config
from experiments.clv import cells as C
from experiments.clv.gamma_gamma import _GammaGammaObjective

SPEND = clv.GammaGammaParams(5.0, 4.0, 60.0)
BASE = clv.BgNbdParams(0.6, 40.0 / 7, 0.8, 3.0)  # weeks
FASTER = clv.BgNbdParams(0.6, 25.0 / 7, 0.8, 3.0)
ARMS = pd.DataFrame({"arm_id": [0, 1], "name": ["Control", "Lever"], "kind": ["control", "gift"]})


def _summary(customers: int, seed: int, lever: clv.BgNbdParams = FASTER) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    T = rng.integers(24, 29, customers).astype(float)
    return clv.simulate_arm_summary({0: BASE, 1: lever}, SPEND, T, rng)


def _cells(summary: pd.DataFrame) -> C._Cells:
    return C._cells(
        {int(a): C._arm_data(g, config.DEFAULT_MARGIN_RATE) for a, g in summary.groupby("arm_id")}
    )


def test_arm_means_on_cells_equal_the_mean_of_each_customers_clv():
    summary = _summary(3000, seed=1)
    summary.loc[summary.index[:40], "monetary"] = 0.0  # repeat buyers with no known spend
    cells = _cells(summary)
    assert len(cells.cell_x) < len(summary)
    fit = C._fit_group(cells, [0, 1], "weeks")
    bg, gg = fit.bgnbd.require(), fit.gamma_gamma.require()
    ends, discount = C._Horizon(12, config.MONTHLY_DISCOUNT_RATE, "weeks").purchase_weights()
    means = C._arm_means(bg, gg, cells, fit.cells, cells.count, cells.spend_sum, ends, discount)
    for arm_id, rows in summary.groupby("arm_id"):
        each = clv.expected_clv(
            bg, gg, rows["frequency"], rows["recency"], rows["T"], rows["monetary"]
        )
        assert means[arm_id] == pytest.approx(each.mean(), rel=1e-10)
    # and the fit on cells is the fit on customers
    direct = clv.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    assert np.allclose(bg.as_array(), direct.require().as_array(), rtol=1e-5)


def test_a_drawn_replicate_resamples_customers_with_replacement():
    """Cell counts and zbar sums of the two-step draw have the moments of resampling each
    arm's customers: mean n * mean(z) and variance n * var(z) for an arm's zbar total."""
    summary = _summary(400, seed=2)
    cells = _cells(summary)
    groups = [C._fit_group(cells, [0, 1], "weeks", scores=True)]
    resampler = C.Resampler(cells, groups)
    rng = np.random.default_rng(3)
    totals, counts = [], []
    for _ in range(4000):
        draw = resampler.draw(rng)
        count, spend_sum = draw.count, draw.spend_sum
        arm0 = cells.cell_arm == 0
        totals.append(spend_sum[arm0].sum())
        counts.append(count[arm0].sum())
    z = cells.z[: int(cells.arm_size[0])]
    n = len(z)
    assert set(counts) == {n}  # each arm keeps its size
    totals_array = np.array(totals)
    standard_error = math.sqrt(n * z.var() / len(totals))
    assert abs(totals_array.mean() - z.sum()) < 4 * standard_error
    # the variance of a mean of 4000 draws: relative Monte Carlo error about sqrt(2/4000)
    assert totals_array.var(ddof=1) / (n * z.var()) == pytest.approx(1.0, abs=0.1)


def test_the_newton_refits_agree_with_full_refits():
    summary = _summary(4000, seed=4)
    cells = _cells(summary)
    group = C._fit_group(cells, [0, 1], "weeks", scores=True)
    rng = np.random.default_rng(5)
    n = len(cells.x)
    resampler = C.Resampler(cells, [group])
    draw = resampler.draw(rng)
    one_step = resampler.refitted_gamma_gamma(group, draw)
    # the same customers, as weights on the unsorted rows
    order = np.argsort(cells.cell, kind="stable")
    members = np.concatenate(draw.members)
    weights = np.bincount(order[members], minlength=n).astype(float)
    count = draw.count
    spend = group.spend_customers
    refit = clv.fit_gamma_gamma(cells.x[spend], cells.z[spend], weights=weights[spend])
    log_sd = np.sqrt(np.diag(group.gamma_gamma.log_covariance))
    moved = np.log(refit.require().as_array()) - np.log(group.gamma_gamma.require().as_array())
    error = np.log(one_step.as_array()) - np.log(refit.require().as_array())
    # the replicate moves by about a standard error; the Newton refit lands within a tenth of one
    assert np.all(np.abs(moved) > 0.05 * log_sd)
    assert np.all(np.abs(error) < 0.1 * log_sd), (error / log_sd, moved / log_sd)
    newton = C._refitted_bgnbd(group, cells, count[group.cells], "weeks")
    full = clv.fit_bgnbd(
        cells.cell_x[group.cells],
        cells.cell_t_x[group.cells],
        cells.cell_t_end[group.cells],
        weights=count[group.cells],
    )
    assert np.allclose(newton.as_array(), full.require().as_array(), rtol=1e-4)


@pytest.mark.parametrize("customers", [4000, 60_000])
def test_the_gamma_gamma_refit_of_a_replicate_is_within_a_tenth_of_a_standard_error(customers):
    """At 60,000 customers the first Newton step is taken as the refit (its error, about its
    square, is small), at 4,000 the iterations go on: both land near the full refit."""
    summary = _summary(customers, seed=8)
    cells = _cells(summary)
    group = C._fit_group(cells, [0, 1], "weeks", scores=True)
    resampler = C.Resampler(cells, [group])
    order = np.argsort(cells.cell, kind="stable")
    log_sd = np.sqrt(np.diag(group.gamma_gamma.log_covariance))
    rng = np.random.default_rng(9)
    for _ in range(3):
        draw = resampler.draw(rng)
        newton = resampler.refitted_gamma_gamma(group, draw)
        weights = np.bincount(order[np.concatenate(draw.members)], minlength=len(cells.x))
        spend = group.spend_customers
        refit = clv.fit_gamma_gamma(cells.x[spend], cells.z[spend], weights=weights[spend])
        error = np.log(newton.as_array()) - np.log(refit.require().as_array())
        assert np.all(np.abs(error) < 0.1 * log_sd), error / log_sd


def test_gamma_gamma_scores_sum_to_the_gradient():
    summary = _summary(500, seed=6)
    keep = summary["frequency"] > 0
    x, z = summary.loc[keep, "frequency"].to_numpy(), summary.loc[keep, "monetary"].to_numpy()
    objective = _GammaGammaObjective(x, z, np.ones(len(x)))
    theta = np.log([4.0, 3.0, 50.0])
    value, gradient = objective(theta)
    assert np.allclose(objective.scores(theta).sum(axis=0), -gradient * len(x))
    assert -value * len(x) == pytest.approx(
        clv.gamma_gamma_log_likelihood(clv.GammaGammaParams(4.0, 3.0, 50.0), x, z)
    )


@pytest.mark.slow
@pytest.mark.parametrize(("method", "lever"), [("pooled", BASE), ("per_arm", FASTER)])
def test_bootstrap_intervals_cover_the_true_future_difference(method, lever):
    """60 simulated experiments per method, each where its model is right (one pooled fit when
    the arms do not differ, per-arm fits with a lasting lever): the 95% bootstrap interval (no
    held-back check) covers the exact true difference, and its width matches the spread of
    the estimates. The interval is nominal 95% at any number of replicates (estimate +- t x
    their sd, #15); 49 or fewer of 60 then has probability 0.0002. The spread of 60 estimates
    is known to about +-9%."""
    rng = np.random.default_rng(7)
    T = rng.integers(24, 29, 1500).astype(float)
    truth = clv.true_future_clv(lever, SPEND, T) - clv.true_future_clv(BASE, SPEND, T)
    covered, estimates, widths = 0, [], []
    for number in range(60):
        summary = clv.simulate_arm_summary(
            {0: BASE, 1: lever}, SPEND, T, np.random.default_rng(100 + number)
        )
        result = clv.project_arm_frame(summary, ARMS, bootstrap=60, seed=number, method=method)
        arm = result.arms[1]
        assert arm.ci_lower is not None and arm.difference is not None
        covered += arm.ci_lower <= truth <= arm.ci_upper
        estimates.append(arm.difference)
        widths.append((arm.ci_upper - arm.ci_lower) / 2 / 1.96)
    assert covered >= 50, covered
    assert 0.8 < np.mean(widths) / np.std(estimates, ddof=1) < 1.25, (widths, estimates)
