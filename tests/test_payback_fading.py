"""Payback day with an interval and the fading test: scipy on the same data, simulated truth."""

from __future__ import annotations

import html
import math

import numpy as np
import pytest
from scipy import stats as sps

from experiments import decision, demo, metrics, report, stats
from experiments.store import Store, metrics_sql

ALPHA = 0.05


def _sample(values: np.ndarray) -> stats.SampleStats:
    return stats.SampleStats(len(values), float(values.sum()), float((values**2).sum()))


def _mcse(p: float, reps: int) -> float:
    return math.sqrt(p * (1 - p) / reps)


def _cumulative_points(control: np.ndarray, arm: np.ndarray, ends, cost: float):
    """DecayPoints of cumulative net value from per-customer per-bucket contributions."""
    cum0, cum1 = np.cumsum(control, axis=1), np.cumsum(arm, axis=1) - cost
    return [
        stats.DecayPoint(
            end,
            stats.compare(
                _sample(cum0[:, b]), _sample(cum1[:, b]), "money", arm_name="gift", metric="c"
            )[0],
        )
        for b, end in enumerate(ends)
    ]


# -- payback interval ----------------------------------------------------------------------------
def _point(day: int, low: float, high: float) -> stats.DecayPoint:
    effect = stats.Effect(
        "gift", "c", "welch", 0.0, (low + high) / 2, (low + high) / 2, low, high,
        None, None, None, 0.5, None, 100, 100,
    )  # fmt: skip
    return stats.DecayPoint(day, effect)


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        # lower bound above 0 from day 28 on, upper bound first above 0 on day 14
        ([(-90, -50), (-60, 5), (-10, 40), (3, 60), (8, 70)], (14, 28, "paid_back", 21)),
        # a lower bound that dips back below 0 resets the confident day
        ([(-90, -50), (2, 40), (-1, 50), (4, 60)], (14, 28, "paid_back", 14)),
        ([(-90, -50), (-60, 5), (-10, 40)], (14, None, "not_yet", 21)),
        ([(-90, -50), (-60, -5)], (None, None, "not_within_horizon", None)),
        # plausible early (a discount's first orders), then below 0 with confidence at the end
        ([(-20, 10), (-60, -5)], (7, None, "not_within_horizon", None)),
    ],
)
def test_payback_interval_rule(bounds, expected):
    points = [_point(7 * (i + 1), lo, hi) for i, (lo, hi) in enumerate(bounds)]
    result = stats.payback_interval(points, arm_name="gift", confidence=0.95)
    earliest, confident, status, point = expected
    assert (result.earliest_day, result.confident_day, result.status) == (
        earliest,
        confident,
        status,
    )
    assert result.point_day == point
    assert result.statement.startswith("gift:")


def test_payback_interval_without_data_is_insufficient():
    result = stats.payback_interval([], arm_name="gift")
    assert result.status == "insufficient_data"
    assert result.as_json()["confident_day"] is None


# true per-bucket extra contribution (fading) and the lever's cost: the true cumulative extra
# net value is -60, -30, -8, +8, +20, +29, +36, +41 -> true payback day = the 4th bucket end
TRUE_EXTRA = np.array([40.0, 30.0, 22.0, 16.0, 12.0, 9.0, 7.0, 5.0])
COST = 100.0
ENDS = [7 * (b + 1) for b in range(len(TRUE_EXTRA))]
TRUE_PAYBACK = 28


def _customers(rng, n: int, extra: np.ndarray) -> np.ndarray:
    """Per-customer contributions per bucket: a customer level shared by the buckets (so the
    buckets are correlated), skewed noise, plus the arm's true extra contribution."""
    level = rng.gamma(1.0, 60.0, (n, 1))
    noise = rng.gamma(2.0, 50.0, (n, len(extra))) - 100.0
    return level + noise + extra


@pytest.mark.slow
def test_payback_interval_covers_the_true_payback_day():
    rng = np.random.default_rng(11)
    reps, n, confidence = 400, 3000, 0.95
    assert stats.payback_day(ENDS, np.cumsum(TRUE_EXTRA) - COST, 0.0) == TRUE_PAYBACK
    covered = point_hits = 0
    for _ in range(reps):
        points = _cumulative_points(
            _customers(rng, n, np.zeros(8)), _customers(rng, n, TRUE_EXTRA), ENDS, COST
        )
        result = stats.payback_interval(points, arm_name="gift", confidence=confidence)
        low = result.earliest_day if result.earliest_day is not None else math.inf
        high = result.confident_day if result.confident_day is not None else math.inf
        # "does not pay back within the horizon" would be a miss too
        covered += result.status != "not_within_horizon" and low <= TRUE_PAYBACK <= high
        point_hits += result.point_day == TRUE_PAYBACK
    rate = covered / reps
    # the rule guarantees at least `confidence` (each end errs with at most alpha/2)
    assert rate >= confidence - 3 * _mcse(confidence, reps), rate
    # ... while the point estimate alone is the true day far less often
    assert point_hits / reps < rate


@pytest.mark.slow
def test_a_lever_that_never_pays_back_is_rarely_called_paid_back():
    rng = np.random.default_rng(12)
    reps, n = 400, 3000
    extra = TRUE_EXTRA * 0.5  # cumulative +70 at most: never covers the 100 cost
    paid = 0
    for _ in range(reps):
        points = _cumulative_points(
            _customers(rng, n, np.zeros(8)), _customers(rng, n, extra), ENDS, COST
        )
        paid += stats.payback_interval(points, arm_name="gift").status == "paid_back"
    limit = ALPHA / 2
    assert paid / reps <= limit + 3 * _mcse(limit, reps)


# -- fading test ---------------------------------------------------------------------------------
def _halves(rng, n: int, early_extra: float, late_extra: float) -> tuple[np.ndarray, np.ndarray]:
    level = rng.gamma(1.0, 100.0, n)  # shared by both halves: they are correlated
    early = level + rng.gamma(2.0, 50.0, n) - 100.0 + early_extra
    late = level + rng.gamma(2.0, 50.0, n) - 100.0 + late_extra
    return early, late


def _fading(control, arm, alpha=ALPHA) -> stats.FadingTest:
    (e0, l0), (e1, l1) = control, arm
    return stats.fading_test(
        (_sample(e0), _sample(e1)),
        (_sample(l0), _sample(l1)),
        (_sample(l0 - e0), _sample(l1 - e1)),
        arm_name="gift",
        split_day=30,
        horizon_days=60,
        alpha=alpha,
    )


def test_fading_test_is_welchs_one_sided_test_on_per_customer_changes():
    rng = np.random.default_rng(5)
    control, arm = _halves(rng, 800, 0.0, 0.0), _halves(rng, 500, 40.0, 10.0)
    result = _fading(control, arm)
    change0, change1 = control[1] - control[0], arm[1] - arm[0]
    expected = sps.ttest_ind(change1, change0, equal_var=False, alternative="less")
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert result.change.diff == pytest.approx(change1.mean() - change0.mean(), rel=1e-12)
    assert result.change.diff == pytest.approx(result.late.diff - result.early.diff, rel=1e-9)
    assert result.fading is bool(expected.pvalue < ALPHA)
    assert result.as_json()["fading"] is result.fading


def test_fading_needs_a_positive_early_effect():
    rng = np.random.default_rng(6)
    # a cost early (negative effect) that grows more negative: a change, but not "fading"
    result = _fading(_halves(rng, 2000, 0.0, 0.0), _halves(rng, 2000, -20.0, -80.0))
    assert result.p_value is not None and result.p_value < ALPHA
    assert result.fading is False
    assert "not positive to begin with" in result.statement


def test_fading_without_data_is_undecided():
    empty = (None, None)
    result = stats.fading_test(empty, empty, empty, arm_name="gift", split_day=30, horizon_days=60)
    assert result.fading is None
    assert "not enough data" in result.statement


N_FADE = 2000
SIGMA_CHANGE = math.sqrt(2 * 2 * 50.0**2)  # sd of late - early: the customer level cancels


@pytest.mark.slow
@pytest.mark.parametrize(
    ("early_extra", "late_extra"),
    [(30.0, 30.0), (30.0, 30.0 - 2.0 * SIGMA_CHANGE * math.sqrt(2 / N_FADE))],
    ids=["constant", "fading"],
)
def test_fading_is_called_at_its_power_and_a_constant_effect_at_most_at_alpha(
    early_extra, late_extra
):
    rng = np.random.default_rng(int(late_extra * 1000) % 2**32)
    reps = 1000
    calls = sum(
        bool(
            _fading(
                _halves(rng, N_FADE, 0.0, 0.0), _halves(rng, N_FADE, early_extra, late_extra)
            ).fading
        )
        for _ in range(reps)
    )
    se = SIGMA_CHANGE * math.sqrt(2 / N_FADE)
    power = float(sps.norm.cdf((early_extra - late_extra) / se - sps.norm.ppf(1 - ALPHA)))
    rate = calls / reps
    if early_extra == late_extra:  # constant effect: false-positive rate at most alpha
        assert rate <= ALPHA + 3 * _mcse(ALPHA, reps), rate
    else:  # a true fade of 2 standard errors: called at the stated power (~0.64)
        assert abs(rate - power) <= 3.5 * _mcse(power, reps), (rate, power)


# -- through the store ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("pf") / "demo.duckdb")
    demo.seed_demo(store, customers=6000, seed=3, replace=True)
    yield store
    store.close()


def test_fading_sums_equal_the_per_customer_frame(demo_store):
    analysis = metrics.analyze_experiment(demo_store, 1)
    spec = metrics_sql.QuerySpec(experiment_id=1, horizon_days=analysis.horizon_days, cap=False)
    with demo_store.cursor() as cur:
        frame = metrics_sql.customer_frame(cur, spec)
    frame = frame[frame["followup_days"] >= analysis.horizon_days]
    contribution = frame["margin"] - frame["discount"]
    assert np.allclose(frame["contribution_early"] + frame["contribution_late"], contribution)
    control_id = next(a.arm_id for a in analysis.arms if a.arm == analysis.control)
    for arm in analysis.arms:
        if arm.arm == analysis.control:
            continue
        test = analysis.fading[arm.arm]
        mine = frame[frame["arm_id"] == arm.arm_id]
        base = frame[frame["arm_id"] == control_id]
        expected = sps.ttest_ind(
            mine["contribution_change"], base["contribution_change"], equal_var=False,
            alternative="less",
        )  # fmt: skip
        assert test.p_value == pytest.approx(expected.pvalue, rel=1e-6, abs=1e-12)
        assert test.split_day == analysis.horizon_days // 2


def test_analyze_json_carries_payback_interval_and_fading(demo_store):
    analysis = metrics.analyze_experiment(demo_store, 1)
    decay = analysis.as_json()["decay"]
    assert decay["payback_day"] == analysis.payback_day  # the old field stays
    treated = [a.arm for a in analysis.arms if a.arm != analysis.control]
    assert sorted(decay["payback"]) == sorted(treated) == sorted(decay["fading"])
    for arm in treated:
        payback = decay["payback"][arm]
        assert payback["status"] in {"paid_back", "not_yet", "not_within_horizon"}
        if payback["confident_day"] is not None:
            assert payback["earliest_day"] <= payback["confident_day"]
        assert decay["fading"][arm]["fading"] in (True, False)
    assert "lower bound" in decay["payback_rule"] and "one-sided" in decay["fading_rule"]


def test_html_report_states_payback_and_fading_with_their_rules(demo_store):
    analysis = metrics.analyze_experiment(demo_store, 1)
    page = report.html_report(analysis)
    for payback in analysis.payback.values():
        assert html.escape(payback.statement) in page
    for test in analysis.fading.values():  # stats' words, the Formatter's amounts (+RUB 34)
        said = decision.timing_statement(test)
        assert html.escape(said) in page
        assert said.split(" (")[0] == test.statement.split(" (")[0]
        assert "\u00a0" in said and " RUB " not in said
    assert html.escape(stats.PAYBACK_RULE) in page and html.escape(stats.FADING_RULE) in page


def test_decision_cards_give_payback_and_fading_as_reasons(demo_store):
    analysis = metrics.analyze_experiment(demo_store, 1)
    for card in decision.decide(analysis):
        if card.verdict in ("check the data", "insufficient data"):
            continue
        assert analysis.payback[card.arm].statement in card.reasons
        assert decision.timing_statement(analysis.fading[card.arm]) in card.reasons
