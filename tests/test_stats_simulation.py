"""Simulations with known truth: false-positive rate, coverage, CUPED gain, peeking-safe intervals.

Raw rows are drawn as (replications x customers) arrays and reduced to per-replication sufficient
statistics with numpy, exactly what the SQL would return; each replication then goes through the
production `stats` functions.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments import stats
from experiments.stats import SampleStats

pytestmark = pytest.mark.slow

REPS = 2000
N = 400  # customers per arm


def _stats(y: np.ndarray, x: np.ndarray | None = None) -> list[SampleStats]:
    """Per-row sufficient statistics of a (reps, n) array (the SQL's job, vectorised)."""
    n = y.shape[1]
    s, ss = y.sum(axis=1), (y * y).sum(axis=1)
    if x is None:
        return [SampleStats(n, float(a), float(b)) for a, b in zip(s, ss, strict=True)]
    cs, css, cross = x.sum(axis=1), (x * x).sum(axis=1), (x * y).sum(axis=1)
    return [
        SampleStats(n, float(a), float(b), float(c), float(d), float(e))
        for a, b, c, d, e in zip(s, ss, cs, css, cross, strict=True)
    ]


def _money(rng: np.random.Generator, shape: tuple[int, int], lift: float = 0.0) -> np.ndarray:
    """Skewed spend: 40% buy, lognormal basket; `lift` multiplies the basket."""
    buys = rng.random(shape) < 0.4
    return np.where(buys, rng.lognormal(3.0, 0.8, shape) * (1 + lift), 0.0)


def _correlated(rng: np.random.Generator, shape: tuple[int, int], effect: float = 0.0):
    """Pre-period covariate x and outcome y with corr(x, y) ~ 0.7; `effect` added to y."""
    x = rng.gamma(2.0, 50.0, shape)
    y = 30 + 0.7 * x + rng.normal(0, 50, shape) + effect
    return y, x


def _run(control: list[SampleStats], arm: list[SampleStats], kind, use_covariate=False):
    return [
        stats.compare(c, a, kind, arm_name="a", metric="m", use_covariate=use_covariate)
        for c, a in zip(control, arm, strict=True)
    ]


def _fpr(effects: list[stats.Effect]) -> float:
    assert all(e.ok for e in effects)
    return float(np.mean([e.p_value < 0.05 for e in effects]))


def _coverage(effects: list[stats.Effect], truth: float) -> float:
    return float(np.mean([e.ci_low <= truth <= e.ci_high for e in effects]))


# -- A/A: false-positive rate --------------------------------------------------------------------
def test_aa_false_positive_rate_z():
    rng = np.random.default_rng(1)
    y0 = (rng.random((REPS, N)) < 0.1).astype(float)
    y1 = (rng.random((REPS, N)) < 0.1).astype(float)
    rows = _run(_stats(y0), _stats(y1), "binary")
    fpr = _fpr([r[0] for r in rows])
    assert 0.03 <= fpr <= 0.07, fpr


def test_aa_false_positive_rate_welch_on_skewed_spend():
    rng = np.random.default_rng(2)
    rows = _run(_stats(_money(rng, (REPS, N))), _stats(_money(rng, (REPS, N))), "money")
    fpr = _fpr([r[0] for r in rows])
    assert 0.03 <= fpr <= 0.07, fpr


def test_aa_false_positive_rate_cuped():
    rng = np.random.default_rng(3)
    y0, x0 = _correlated(rng, (REPS, N))
    y1, x1 = _correlated(rng, (REPS, N))
    rows = _run(_stats(y0, x0), _stats(y1, x1), "money", use_covariate=True)
    fpr = _fpr([r[1] for r in rows])
    assert 0.03 <= fpr <= 0.07, fpr


def test_aa_false_positive_rate_after_holm_across_two_arms_is_at_most_alpha():
    rng = np.random.default_rng(4)
    y0, y1, y2 = (_money(rng, (REPS, N)) for _ in range(3))
    c, a, b = _stats(y0), _stats(y1), _stats(y2)
    any_rejected = []
    for i in range(REPS):
        rows = stats.adjust(
            stats.compare(c[i], a[i], "money", arm_name="a", metric="m")
            + stats.compare(c[i], b[i], "money", arm_name="b", metric="m"),
            "holm",
        )
        any_rejected.append(any(e.p_adjusted < 0.05 for e in rows))
    familywise = float(np.mean(any_rejected))
    assert 0.02 <= familywise <= 0.06, familywise


# -- coverage on simulated effects ---------------------------------------------------------------
def test_coverage_z_with_a_real_lift():
    rng = np.random.default_rng(5)
    y0 = (rng.random((REPS, N)) < 0.10).astype(float)
    y1 = (rng.random((REPS, N)) < 0.14).astype(float)
    effects = [r[0] for r in _run(_stats(y0), _stats(y1), "binary")]
    assert 0.93 <= _coverage(effects, 0.04) <= 0.97


def test_coverage_welch_and_relative_lift_with_a_real_lift():
    rng = np.random.default_rng(6)
    n = 1500  # the relative-lift delta method needs a stable control mean
    lift = 0.15
    effects = [
        r[0]
        for r in _run(
            _stats(_money(rng, (REPS // 2, n))), _stats(_money(rng, (REPS // 2, n), lift)), "money"
        )
    ]
    mean0 = 0.4 * np.exp(3.0 + 0.8**2 / 2)
    assert 0.93 <= _coverage(effects, mean0 * lift) <= 0.97
    rel_cover = np.mean([e.rel_ci_low <= lift <= e.rel_ci_high for e in effects])
    assert 0.93 <= rel_cover <= 0.97, rel_cover


def test_coverage_cuped_absolute_and_relative():
    rng = np.random.default_rng(7)
    effect = 8.0
    y0, x0 = _correlated(rng, (REPS, N))
    y1, x1 = _correlated(rng, (REPS, N), effect)
    rows = _run(_stats(y0, x0), _stats(y1, x1), "money", use_covariate=True)
    cuped = [r[1] for r in rows]
    assert 0.93 <= _coverage(cuped, effect) <= 0.97
    mean0 = 30 + 0.7 * 100
    rel_cover = np.mean([e.rel_ci_low <= effect / mean0 <= e.rel_ci_high for e in cuped])
    assert 0.93 <= rel_cover <= 0.97, rel_cover


# -- CUPED gain ----------------------------------------------------------------------------------
def test_cuped_narrows_the_interval_on_correlated_data():
    rng = np.random.default_rng(8)
    y0, x0 = _correlated(rng, (500, N))
    y1, x1 = _correlated(rng, (500, N), 5.0)
    rows = _run(_stats(y0, x0), _stats(y1, x1), "money", use_covariate=True)
    welch_width = np.array([r[0].ci_high - r[0].ci_low for r in rows])
    cuped_width = np.array([r[1].ci_high - r[1].ci_low for r in rows])
    assert (cuped_width < welch_width).mean() > 0.99
    # corr(x, y) = 0.7 * 70.7 / sqrt((0.7 * 70.7)^2 + 50^2) ~ 0.70: variance falls by ~ rho^2
    rho2 = (0.7 * 70.71) ** 2 / ((0.7 * 70.71) ** 2 + 50**2)
    reduction = np.mean([r[1].variance_reduction for r in rows])
    assert reduction == pytest.approx(rho2, abs=0.03)
    assert np.median(cuped_width / welch_width) == pytest.approx(np.sqrt(1 - rho2), abs=0.03)


# -- peeking ------------------------------------------------------------------------------------
def _peeking(kind: str, seed: int, effect: float = 0.0):
    """Share of A/A replications in which any of 20 looks rejects: CS vs fixed-horizon CI."""
    reps, looks, step = 1000, 20, 100
    rng = np.random.default_rng(seed)
    if kind == "binary":
        y0 = (rng.random((reps, looks * step)) < 0.2).astype(float)
        y1 = (rng.random((reps, looks * step)) < 0.2 + effect).astype(float)
    else:
        y0 = _money(rng, (reps, looks * step))
        y1 = _money(rng, (reps, looks * step)) + effect
    at = np.arange(1, looks + 1) * step
    s0, s1 = np.cumsum(y0, axis=1)[:, at - 1], np.cumsum(y1, axis=1)[:, at - 1]
    q0, q1 = np.cumsum(y0 * y0, axis=1)[:, at - 1], np.cumsum(y1 * y1, axis=1)[:, at - 1]
    cs_miss = np.zeros(reps, bool)
    fixed_miss = np.zeros(reps, bool)
    for r in range(reps):
        for k, n in enumerate(at):
            c = SampleStats(int(n), float(s0[r, k]), float(q0[r, k]))
            a = SampleStats(int(n), float(s1[r, k]), float(q1[r, k]))
            cs = stats.confidence_sequence(c, a, kind, 0.05, planned_n=int(2 * at[-1]))
            cs_miss[r] |= not (cs.ci_low <= effect <= cs.ci_high)
            [fixed] = stats.compare(c, a, kind, arm_name="a", metric="m")
            fixed_miss[r] |= not (fixed.ci_low <= effect <= fixed.ci_high)
    return cs_miss.mean(), fixed_miss.mean()


@pytest.mark.parametrize("kind", ["binary", "money"])
def test_confidence_sequence_survives_peeking_where_the_fixed_interval_does_not(kind):
    ever_cs, ever_fixed = _peeking(kind, seed=9 if kind == "binary" else 10)
    assert ever_cs <= 0.06, ever_cs
    assert ever_fixed >= 0.15, ever_fixed  # peeking 20 times at a 95% CI: ~25% false alarms


def test_confidence_sequence_covers_a_real_effect_at_every_look():
    ever_cs, _ = _peeking("binary", seed=11, effect=0.03)
    assert ever_cs <= 0.06, ever_cs


def test_sequential_verdicts_across_three_levers_keep_the_familywise_rate():
    """What the Results page does while a test runs: three null levers against one control,
    customers arriving over 60 looks, each lever's always-valid interval tuned once for the
    pair's final size and given alpha / 3. Re-tuning at every look with the full alpha (the
    old production path) rejects some lever in about 7% of replications."""
    from experiments import decision

    reps, looks, step, levers = 1000, 60, 50, 3
    rng = np.random.default_rng(12)
    ys = [_money(rng, (reps, looks * step)) for _ in range(levers + 1)]
    at = np.arange(1, looks + 1) * step
    sums = [np.cumsum(y, axis=1)[:, at - 1] for y in ys]
    squares = [np.cumsum(y * y, axis=1)[:, at - 1] for y in ys]
    ever = np.zeros(reps, bool)
    for r in range(reps):
        for k, n in enumerate(at):
            control = SampleStats(int(n), float(sums[0][r, k]), float(squares[0][r, k]))
            for j in range(1, levers + 1):
                arm = SampleStats(int(n), float(sums[j][r, k]), float(squares[j][r, k]))
                [e] = stats.compare(control, arm, "money", arm_name="a", metric="m")
                low, high = decision.sequential_interval(e, int(2 * at[-1]), levers)
                ever[r] |= low > 0 or high < 0
    assert ever.mean() <= 0.05, ever.mean()


def test_holm_over_rates_and_money_together_keeps_the_familywise_rate():
    """Two null levers, a rate and an unrelated money metric each: the four rows the verdicts
    read are one family. Correcting rates and money apart (one family per estimator) lets a
    false win through in about 1 - 0.95^2 = 10% of replications."""
    rng = np.random.default_rng(13)
    rates = [_stats((rng.random((REPS, N)) < 0.3).astype(float)) for _ in range(3)]
    money = [_stats(_money(rng, (REPS, N))) for _ in range(3)]
    ever = []
    for i in range(REPS):
        rows = []
        for arm in (1, 2):
            rows += stats.compare(
                rates[0][i], rates[arm][i], "binary", arm_name=f"{arm}", metric="r"
            )
            rows += stats.compare(
                money[0][i], money[arm][i], "money", arm_name=f"{arm}", metric="m"
            )
        ever.append(any(e.p_adjusted < 0.05 for e in stats.adjust(rows, "holm")))
    assert np.mean(ever) <= 0.06, np.mean(ever)


@pytest.mark.parametrize(
    ("levers", "plan"),
    [(1, (0.5, 0.5)), (3, (0.25, 0.25)), (2, (0.8, 0.1))],  # (control, each lever) shares
)
def test_customers_still_needed_settle_the_verdicts_reading_at_80_percent(levers, plan):
    """'Customers still needed' of an inconclusive verdict (`decision._needed_customers`):
    with the true difference equal to the one seen, 400 experiments extended by that many
    customers (split as planned) are read as the verdict reads an extended test: at its
    horizon, every lever against the control, Holm across the levers (the other levers have
    no effect), ship-side when the lever's corrected test is significant and positive. About
    80% (the default power) must settle. Tolerance: 0.8 +- 3 Monte-Carlo sd (0.02) =
    [0.74, 0.86]. The old number (tuned for the always-valid interval) was ~1.9x larger and
    settled far more than 80%, i.e. asked for customers the verdict does not need."""
    from experiments import decision

    rng = np.random.default_rng(11 + levers)
    sigma, delta, alpha = 100.0, 4.0, 0.05
    share_control, share_arm = plan
    n0, n1 = int(8000 * share_control), int(8000 * share_arm)

    def arm_stats(n: int, mean: float, variance: float) -> SampleStats:
        return SampleStats(n, mean * n, (n - 1) * variance + n * mean * mean)

    seen = stats.compare(
        arm_stats(n0, 0.0, sigma**2), arm_stats(n1, delta, sigma**2), "money",
        arm_name="gift", metric="net_value", alpha=alpha,
    )[0]  # fmt: skip
    assert not seen.significant  # inconclusive now
    shares = {"control": share_control} | {
        name: share_arm for name in ["gift", *[f"null{i}" for i in range(levers - 1)]]
    }
    more = decision._needed_customers(seen, alpha, levers, "holm", shares, "control")
    assert more is not None
    more_control, more_arm = more
    assert more_control / more_arm == pytest.approx(share_control / share_arm, rel=1e-3)
    old = stats.customers_to_settle(seen.diff, seen.se, n0, n1, alpha=alpha / levers)

    def draw(n: int, mean: float, reps: int) -> list[SampleStats]:
        means = rng.normal(mean, sigma / np.sqrt(n), reps)
        variances = sigma**2 * rng.chisquare(n - 1, reps) / (n - 1)
        return [arm_stats(n, m, v) for m, v in zip(means, variances, strict=True)]

    def settled(per_control: int, per_arm: int) -> float:
        reps = 400
        controls = draw(per_control, 0.0, reps)
        gifts = draw(per_arm, delta, reps)
        nulls = [draw(per_arm, 0.0, reps) for _ in range(levers - 1)]
        hits = 0
        for i in range(reps):
            rows = stats.compare(
                controls[i], gifts[i], "money", arm_name="gift", metric="net_value", alpha=alpha
            )
            for j, null in enumerate(nulls):
                rows += stats.compare(
                    controls[i], null[i], "money", arm_name=f"null{j}", metric="net_value",
                    alpha=alpha,
                )  # fmt: skip
            gift = next(e for e in stats.adjust_per_metric(rows, "holm") if e.arm == "gift")
            hits += bool(gift.significant) and gift.diff > 0
        return hits / reps

    rate = settled(n0 + more_control, n1 + more_arm)
    assert 0.74 <= rate <= 0.86, (rate, more)
    if share_control == share_arm:  # the old always-valid number: far above 80%
        assert old is not None and old > 1.5 * more_arm
        assert settled(n0 + old, n1 + old) > 0.86
