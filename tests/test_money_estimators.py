"""Simulations with known truth for the money estimators (issue 10, points 3 and 4).

* The default money estimator (no capping; Welch, and CUPED with several pre-period covariates
  since CUPED is on by default) estimates the true mean difference: lognormal spend (sigma 1.5)
  with 30% zeros, 4 arms, n = 300 and n = 3,000 per arm: bias within 2% of the true difference
  and 95% intervals covering it 93-97% of the time. Capping at the pooled 99th percentile is
  shown beside it as the documented contrast: it estimates another quantity (the winsorised
  mean difference) and misses the roubles difference by about 20%.
* CUPED (Lin's interacted regression, robust variance) covers 93-97% under 50/50 and 90/10
  splits with a noisier small arm, where the old common-slope ANCOVA with classical standard
  errors covers 58% on these data (the issue measured 84% on its own).

Raw rows are drawn as (replications x customers) arrays and reduced to per-replication
sufficient statistics with numpy, what the SQL returns; each replication then goes through the
production `stats` functions. Every tolerance carries its Monte Carlo standard error (MCSE).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from experiments import config, stats
from experiments.stats import CovariateMoments, SampleStats

MU, SIGMA, ZEROS = 3.0, 1.5, 0.3
LIFTS = (0.0, 0.2, 0.4, 0.8)  # control, then three levers multiplying spend
MEAN0 = (1 - ZEROS) * math.exp(MU + SIGMA**2 / 2)  # true control mean spend
COVARIATES = ("pre_spend_capped", "pre_orders", "pre_buyer")


def _draw(rng: np.random.Generator, reps: int, n: int, lift: float):
    """Spend y (30% zeros, lognormal sigma 1.5 otherwise) and pre-period covariates that share
    a latent level with it (corr 0.6 on the log scale)."""
    latent = rng.standard_normal((reps, n))
    pre_buyer = rng.random((reps, n)) < 0.7
    pre_spend = np.where(pre_buyer, np.exp(MU + SIGMA * latent), 0.0)
    pre_orders = rng.poisson(np.where(pre_buyer, 1 + 0.5 * np.abs(latent), 0.2)).astype(float)
    level = 0.6 * latent + 0.8 * rng.standard_normal((reps, n))
    y = np.where(rng.random((reps, n)) < ZEROS, 0.0, np.exp(MU + SIGMA * level)) * (1 + lift)
    # pre-period spend winsorised at its 99th percentile, as the SQL does for CUPED
    cap = np.nanquantile(np.where(pre_spend > 0, pre_spend, np.nan), 0.99, axis=1, keepdims=True)
    capped = np.minimum(pre_spend, cap)
    x = np.stack([capped, pre_orders, pre_buyer.astype(float)], axis=-1)
    return y, x


def _samples(y: np.ndarray, x: np.ndarray | None = None) -> list[SampleStats]:
    """Per-replication SampleStats (with the covariates' moments when x is given)."""
    n = y.shape[1]
    if x is None:
        return [
            SampleStats(n, float(s), float(q))
            for s, q in zip(y.sum(1), (y * y).sum(1), strict=True)
        ]
    z = np.concatenate([y[..., None], x], axis=-1)
    sums, products = z.sum(axis=1), np.einsum("rni,rnj->rij", z, z)
    return [
        SampleStats(
            n,
            float(s[0]),
            float(p[0, 0]),
            covariates=CovariateMoments.from_arrays(COVARIATES, n, s, p),
        )
        for s, p in zip(sums, products, strict=True)
    ]


def _money_runs(n: int, reps: int, seed: int, chunk: int = 250):
    """(lever, welch, cuped, capped) per replication and lever; capped = Welch on values capped
    at the pooled 99th percentile of positive values (`stats.cap_thresholds`)."""
    rng = np.random.default_rng(seed)
    rows = []
    for start in range(0, reps, chunk):
        size = min(chunk, reps - start)
        arms = [_draw(rng, size, n, lift) for lift in LIFTS]
        pooled = np.concatenate([y for y, _ in arms], axis=1)
        upper = [stats.cap_thresholds(row)[1] for row in pooled]
        caps = np.array(upper)[:, None]
        plain = [_samples(y, x) for y, x in arms]
        capped = [_samples(np.minimum(y, caps)) for y, _ in arms]
        for r in range(size):
            for lever in range(1, len(LIFTS)):
                welch, cuped = stats.compare(
                    plain[0][r], plain[lever][r], "money", arm_name="a", metric="m",
                    use_covariate=True,
                )  # fmt: skip
                [cap] = stats.compare(capped[0][r], capped[lever][r], "money", arm_name="a",
                                      metric="m")  # fmt: skip
                rows.append((lever, welch, cuped, cap))
    return rows


def _coverage(effects, truths) -> tuple[float, float]:
    """Share of intervals covering the truth, and its MCSE."""
    hits = np.array([e.ci_low <= t <= e.ci_high for e, t in zip(effects, truths, strict=True)])
    return float(hits.mean()), float(math.sqrt(0.95 * 0.05 / hits.size))


def _relative_bias(estimates: np.ndarray, baseline: np.ndarray, truths: np.ndarray):
    """Mean of (estimate - truth) / truth and its MCSE. `baseline` is a control variate with
    known expectation `truths` (the plain difference in means is exactly unbiased), so the bias
    of an estimator is read off estimate - baseline, whose MCSE is far smaller."""
    paired = (estimates - baseline) / truths
    return float(paired.mean()), float(paired.std(ddof=1) / math.sqrt(paired.size))


def _check_money(n: int, reps: int, seed: int) -> dict[str, tuple[float, float, float, float]]:
    rows = _money_runs(n, reps, seed)
    truths = np.array([MEAN0 * LIFTS[lever] for lever, *_ in rows])
    welch = np.array([w.diff for _, w, _, _ in rows])
    out = {}
    for index, name in ((1, "welch"), (2, "cuped"), (3, "capped")):
        effects = [row[index] for row in rows]
        assert all(e.ok for e in effects), name
        estimates = np.array([e.diff for e in effects])
        if name == "welch":  # the plain difference in means: its MCSE is its own spread
            bias = float(((estimates - truths) / truths).mean())
            bias_se = float(((estimates - truths) / truths).std(ddof=1) / math.sqrt(len(rows)))
        else:
            bias, bias_se = _relative_bias(estimates, welch, truths)
        cover, cover_se = _coverage(effects, truths)
        out[name] = (bias, bias_se, cover, cover_se)
    return out


def _assert_default_is_unbiased_and_covers(figures):
    for name in ("welch", "cuped"):
        bias, bias_se, cover, cover_se = figures[name]
        assert abs(bias) <= 0.02 + 3 * bias_se, (name, figures[name])
        assert 0.93 - 2 * cover_se <= cover <= 0.97 + 2 * cover_se, (name, figures[name])


def test_default_money_estimator_is_unbiased_and_covers_at_300_per_arm():
    figures = _check_money(300, 4000, seed=300)
    _assert_default_is_unbiased_and_covers(figures)
    # the contrast: capping shrinks the difference toward zero (about -20% here)
    bias, bias_se, _, _ = figures["capped"]
    assert bias < -0.10 - 3 * bias_se, figures["capped"]


@pytest.mark.slow
def test_default_money_estimator_is_unbiased_and_covers_at_3000_per_arm():
    figures = _check_money(3000, 1500, seed=3000)
    _assert_default_is_unbiased_and_covers(figures)
    # capped: a different estimand, ~20% below the roubles difference; its intervals are
    # centred on the winsorised difference and miss the roubles difference far more often
    bias, bias_se, cover, _ = figures["capped"]
    assert bias < -0.10 - 3 * bias_se, figures["capped"]
    assert cover < 0.90, figures["capped"]


def test_defaults_do_not_cap():
    """One default (config.DEFAULT_CAP) for the analysis, the result files and the CLI."""
    import inspect

    from experiments import analysis_file, metrics

    assert config.DEFAULT_CAP is False
    assert metrics.AnalysisSettings().cap is config.DEFAULT_CAP
    assert inspect.signature(analysis_file.analyze_frame).parameters["cap"].default is False


# -- CUPED under unequal splits ------------------------------------------------------------------
def _common_slope_classical(control: SampleStats, arm: SampleStats, alpha=0.05):
    """The old estimator, for the contrast: ANCOVA with one slope and classical SEs."""
    n0, n1 = control.n, arm.n
    sxx = control.centered_cov_squares + arm.centered_cov_squares
    sxy = control.centered_cross + arm.centered_cross
    syy = control.centered_squares + arm.centered_squares
    theta = sxy / sxx
    df = n0 + n1 - 3
    sigma2 = (syy - sxy * theta) / df
    x0, x1 = control.cov_sum / n0, arm.cov_sum / n1
    diff = (arm.sum / n1 - control.sum / n0) - theta * (x1 - x0)
    se = math.sqrt(sigma2 * (1 / n0 + 1 / n1 + (x1 - x0) ** 2 / sxx))
    half = float(special.stdtrit(df, 1 - alpha / 2)) * se
    return diff - half, diff + half


def _single_covariate_stats(y: np.ndarray, x: np.ndarray) -> list[SampleStats]:
    n = y.shape[1]
    columns = zip(y.sum(1), (y * y).sum(1), x.sum(1), (x * x).sum(1), (x * y).sum(1), strict=True)
    return [SampleStats(n, *map(float, c)) for c in columns]


@pytest.mark.parametrize(
    ("n0", "n1", "sd0", "sd1"), [(1000, 1000, 50.0, 50.0), (1800, 200, 30.0, 120.0)],
    ids=["50/50", "90/10 noisier small arm"],
)  # fmt: skip
def test_cuped_covers_whatever_the_split(n0, n1, sd0, sd1):
    reps, effect = 2000, 8.0
    rng = np.random.default_rng(n1)
    x0, x1 = rng.gamma(2.0, 50.0, (reps, n0)), rng.gamma(2.0, 50.0, (reps, n1))
    y0 = 30 + 0.7 * x0 + rng.normal(0, sd0, (reps, n0))
    y1 = 30 + effect + 0.7 * x1 + rng.normal(0, sd1, (reps, n1))
    control, arm = _single_covariate_stats(y0, x0), _single_covariate_stats(y1, x1)
    cuped = [
        stats.compare(c, a, "money", arm_name="a", metric="m", use_covariate=True)[1]
        for c, a in zip(control, arm, strict=True)
    ]
    cover, cover_se = _coverage(cuped, [effect] * reps)
    assert 0.93 - 2 * cover_se <= cover <= 0.97 + 2 * cover_se, cover
    old = np.mean([lo <= effect <= hi for lo, hi in map(_common_slope_classical, control, arm)])
    if n0 == n1:
        assert 0.93 - 2 * cover_se <= old <= 0.97 + 2 * cover_se, old  # fine when balanced
    else:
        assert old < 0.88, old  # the old estimator: 0.58 here
