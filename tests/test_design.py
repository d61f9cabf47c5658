"""Design domain without a database: arms, validation, planner, assignment, balance, export."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from experiments import design
from experiments.design import ArmSpec, ExperimentSpec, PlannerInputs, randomize
from experiments.stats import SampleStats

CONTROL = ArmSpec("control", "control")
GIFT = ArmSpec("gift", "gift", gift_cost=250.0)
DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10, redemption_share=0.4)


def ids(n: int) -> list[str]:
    return [f"cust-{i}" for i in range(n)]


# -- arms and validation -------------------------------------------------------------------------
def test_cost_per_customer_by_kind():
    assert CONTROL.cost_per_customer == 0
    assert GIFT.cost_per_customer == 250.0
    assert ArmSpec("call", "outreach", minutes=15, hourly_cost=800).cost_per_customer == 200.0
    assert ArmSpec("x", "custom", custom_cost=12.5).cost_per_customer == 12.5
    # a discount is paid out of margin on redeemed orders, not per customer
    assert DISCOUNT.cost_per_customer == 0
    assert DISCOUNT.expected_cost(2000) == pytest.approx(0.10 * 0.4 * 2000)
    assert GIFT.expected_cost(2000) == 250.0


def test_valid_spec_has_no_problems():
    spec = ExperimentSpec("Q3 gift vs discount", (CONTROL, GIFT, DISCOUNT))
    assert spec.problems() == []
    spec.validate()
    assert spec.control is CONTROL
    assert spec.comparisons == 2


@pytest.mark.parametrize(
    ("arms", "expected"),
    [
        ((GIFT, DISCOUNT), "Mark exactly one arm as the control"),
        ((CONTROL, ArmSpec("c2", "control"), GIFT), "2 are marked as control"),
        ((CONTROL, ArmSpec("Gift", "gift"), GIFT), "Arm names must be unique; repeated: "),
        ((CONTROL, ArmSpec("g", "gift", allocation=0)), "allocation weight must be a positive"),
        ((CONTROL, ArmSpec("g", "gift", allocation=-1)), "allocation weight must be a positive"),
        ((CONTROL, ArmSpec("g", "gift", gift_cost=-5)), "gift cost cannot be negative"),
        ((CONTROL, ArmSpec("d", "discount", discount_pct=0)), "discount must be between 0 and 100"),
        ((CONTROL, ArmSpec("d", "discount", discount_pct=10, redemption_share=2)), "redemption"),
        ((CONTROL,), "at least one treatment arm"),
        ((CONTROL, ArmSpec(" ", "gift")), "Every arm needs a name"),
    ],
)
def test_invalid_arms_are_explained(arms, expected):
    spec = ExperimentSpec("x", arms)
    problems = " ".join(spec.problems())
    assert expected in problems
    with pytest.raises(design.DesignError, match=expected.split(";")[0][:20]):
        spec.validate()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, "needs a name"),
        ({"horizon_days": 0}, "horizon"),
        ({"secondary_metrics": ("clv_forever",)}, "Unknown secondary metrics: clv_forever"),
        ({"guardrails": ("vibes",)}, "Unknown guardrails: vibes"),
        ({"salt": ""}, "salt"),
        ({"audience": design.AudienceFilter(recency_min=90, recency_max=30)}, "Recency"),
        ({"audience": design.AudienceFilter(segments=("whales",))}, "Unknown RFM segments"),
        ({"audience": design.AudienceFilter(r_scores=(6,))}, "quintiles"),
    ],
)
def test_invalid_settings_are_explained(changes, expected):
    spec = ExperimentSpec(**{"name": "x", "arms": (CONTROL, GIFT), **changes})
    assert expected in " ".join(spec.problems())


def test_audience_filter_round_trips_through_json():
    from datetime import date

    f = design.AudienceFilter(
        as_of=date(2026, 1, 2),
        recency_max=90,
        segments=("champions", "at risk"),
        r_scores=(4, 5),
        channels=("online",),
        attributes=(("city", ("Moscow", "Kazan")),),
    )
    assert design.AudienceFilter.from_json(f.as_json()) == f
    assert design.AudienceFilter.from_json(None) == design.AudienceFilter()
    assert design.AudienceFilter.from_json("all buyers") == design.AudienceFilter()


# -- lifecycle -----------------------------------------------------------------------------------
def test_lifecycle_allows_only_draft_running_completed():
    assert design.next_status("draft", "start") == "running"
    assert design.next_status("running", "complete") == "completed"
    assert design.refusal("draft", "edit") is None
    for status, action in [
        ("running", "edit"),
        ("completed", "edit"),
        ("running", "start"),
        ("draft", "complete"),
        ("completed", "start"),
    ]:
        reason = design.refusal(status, action)
        assert reason, (status, action)
        with pytest.raises(design.DesignError):
            design.next_status(status, action)
    assert "running" in design.refusal("running", "edit")  # type: ignore[operator]


# -- planner -------------------------------------------------------------------------------------
@pytest.mark.parametrize("baseline", [0.05, 0.2, 0.45])
@pytest.mark.parametrize("lift_pp", [1.0, 3.0, -2.0])
@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_required_n_repeat_equals_statsmodels(baseline, lift_pp, ratio):
    expected = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(baseline + lift_pp / 100, baseline),
        alpha=0.025,
        power=0.8,
        ratio=ratio,
    )
    got = design.required_n_repeat(baseline, lift_pp, alpha=0.025, power=0.8, ratio=ratio)
    assert got == math.ceil(expected)


@pytest.mark.parametrize("baseline", [0.05, 0.3])
@pytest.mark.parametrize("n", [500, 20_000])
def test_detectable_lift_inverts_statsmodels(baseline, n):
    lift = design.detectable_lift_pp(baseline, n, alpha=0.05, power=0.8)
    assert lift is not None and lift > 0
    effect = proportion_effectsize(baseline + lift / 100, baseline)
    solved = NormalIndPower().solve_power(nobs1=n, alpha=0.05, power=0.8, ratio=1.0)
    assert effect == pytest.approx(solved, rel=1e-9)  # the Cohen's h inversion is exact
    power = NormalIndPower().power(effect, nobs1=n, alpha=0.05, ratio=1.0)
    assert power == pytest.approx(0.8, abs=1e-3)  # statsmodels' own root-finding tolerance


def test_money_planner_equals_ttest_ind_power_with_cuped_factor():
    std, lift, factor = 900.0, 60.0, 1 - 0.5**2
    expected = TTestIndPower().solve_power(
        effect_size=lift / (std * math.sqrt(factor)), alpha=0.05, power=0.8, ratio=1.0
    )
    assert design.required_n_value(std, lift, variance_factor=factor) == math.ceil(expected)
    mde = design.detectable_value(std, 4000, variance_factor=factor)
    d = TTestIndPower().solve_power(nobs1=4000, alpha=0.05, power=0.8, ratio=1.0)
    assert mde == pytest.approx(d * std * math.sqrt(factor))
    # CUPED with rho = 0.5 needs 25% fewer customers
    plain = design.required_n_value(std, lift)
    assert plain is not None
    assert design.required_n_value(std, lift, variance_factor=factor) == pytest.approx(
        0.75 * plain, rel=0.01
    )


def test_multiplicity_and_variance_factor():
    assert design.multiplicity_alpha(0.05, 2) == 0.05
    assert design.multiplicity_alpha(0.05, 4) == pytest.approx(0.05 / 3)
    assert design.variance_factor(0.6) == pytest.approx(0.64)
    assert design.variance_factor(None) == 1.0
    assert design.variance_factor(float("nan")) == 1.0


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (design.required_n_repeat, (0.0, 2.0)),
        (design.required_n_repeat, (0.3, 0.0)),
        (design.required_n_repeat, (0.99, 5.0)),
        (design.detectable_lift_pp, (0.3, 1)),
        (design.required_n_value, (0.0, 5.0)),
        (design.detectable_value, (100.0, 0)),
    ],
)
def test_degenerate_planner_inputs_give_none(call, args):
    assert call(*args) is None


def inputs(**changes) -> PlannerInputs:
    base = {
        "customers": 12_000,
        "history_customers": 11_000,
        "baseline_rate": 0.3,
        "value_mean": 500.0,
        "value_variance": 800.0**2,
        "pre_post_correlation": 0.5,
        "weekly_flow": 400.0,
        "horizon_days": 60,
    }
    return PlannerInputs(**{**base, **changes})


def test_plan_applies_bonferroni_and_unequal_weights():
    arms = (ArmSpec("control", "control", allocation=2), GIFT, DISCOUNT)
    result = design.plan(inputs(), arms, lift_pp=3.0, lift_money=50.0)
    assert result.status == "ok"
    assert result.alpha_per_comparison == pytest.approx(0.025)
    assert sum(result.n_per_arm.values()) == 12_000
    assert result.n_per_arm == {"control": 6000, "gift": 3000, "10% off": 3000}
    # each treatment arm vs a control twice its size, at alpha / 2
    n_t = design.required_n_repeat(0.3, 3.0, alpha=0.025, ratio=2.0)
    assert result.required_n_repeat is not None
    assert result.required_n_repeat["gift"] == n_t
    assert result.required_n_repeat["control"] == 2 * n_t
    assert result.required_total_repeat == 4 * n_t
    assert result.weeks_needed == pytest.approx(4 * n_t / 400.0)
    assert result.detectable_lift_pp == pytest.approx(
        design.detectable_lift_pp(0.3, 3000, alpha=0.025, ratio=2.0)
    )
    assert result.detectable_value_cuped == pytest.approx(
        result.detectable_value * math.sqrt(0.75)  # type: ignore[operator]
    )


def test_more_arms_need_more_customers_per_arm():
    two = design.plan(inputs(), (CONTROL, GIFT), lift_pp=2.0)
    three = design.plan(inputs(), (CONTROL, GIFT, DISCOUNT), lift_pp=2.0)
    assert two.required_n_repeat and three.required_n_repeat
    assert three.required_n_repeat["gift"] > two.required_n_repeat["gift"]


@pytest.mark.parametrize(
    "changes",
    [
        {"history_customers": 0, "baseline_rate": None, "value_variance": None},
        {"baseline_rate": 0.0},
        {"value_variance": 0.0},
    ],
)
def test_plan_with_insufficient_history_is_explicit(changes):
    result = design.plan(inputs(**changes), (CONTROL, GIFT), lift_pp=2.0)
    assert result.status == "insufficient_data"
    assert "history" in result.message
    assert result.required_n_repeat is None and result.detectable_lift_pp is None


def test_power_curve_rises_and_crosses_target_at_required_n():
    curve = design.power_curve(0.3, 3.0, alpha=0.05)
    assert list(curve.columns) == ["n", "power"]
    assert curve["power"].is_monotonic_increasing
    n = design.required_n_repeat(0.3, 3.0)
    assert n is not None
    at = design.power_curve(0.3, 3.0, [n - 1, n])
    assert at["power"].iloc[0] < 0.8 <= at["power"].iloc[1]
    assert design.power_curve(0.3, 0.0).empty


@pytest.mark.slow
def test_planned_sample_size_gives_planned_power_in_simulation():
    """Truth: +4 pp on a 30% base. The planner's n should detect it in ~80% of experiments."""
    rng = np.random.default_rng(11)
    n = design.required_n_repeat(0.30, 4.0, alpha=0.05, power=0.8)
    assert n is not None
    reps = 4000
    control = rng.binomial(n, 0.30, reps) / n
    treated = rng.binomial(n, 0.34, reps) / n
    pooled = (control + treated) / 2
    z = (treated - control) / np.sqrt(pooled * (1 - pooled) * 2 / n)
    power = float(np.mean(np.abs(z) > sps.norm.ppf(0.975)))
    assert power == pytest.approx(0.8, abs=0.025)


# -- assignment ----------------------------------------------------------------------------------
def test_same_salt_gives_identical_assignment_and_another_salt_does_not():
    customers = ids(20_000)
    first = design.assign_arms(design.hash_units("s1", customers), [1, 1, 1])
    again = design.assign_arms(design.hash_units("s1", customers), [1, 1, 1])
    other = design.assign_arms(design.hash_units("s2", customers), [1, 1, 1])
    np.testing.assert_array_equal(first, again)
    # independent salts agree only by chance: about one customer in three
    assert 0.3 < float(np.mean(first == other)) < 0.37


def test_hash_units_are_known_md5_values_in_unit_interval():
    units = design.hash_units("salt", ["c1"])
    # md5("salt:c1") starts with these 13 hex digits; the SQL side must use the same rule
    import hashlib

    expected = int(hashlib.md5(b"salt:c1").hexdigest()[:13], 16) / 2**52
    assert units[0] == expected
    many = design.hash_units("x", ids(10_000))
    assert many.min() >= 0 and many.max() < 1


def test_unstratified_arm_does_not_depend_on_who_else_is_in_the_audience():
    customers = ids(5000)
    full = design.assign_arms(design.hash_units("s", customers), [2, 1])
    half = design.assign_arms(design.hash_units("s", customers[::2]), [2, 1])
    np.testing.assert_array_equal(full[::2], half)


@pytest.mark.parametrize("weights", [[1, 1], [1, 1, 1], [2, 1, 1], [0.1, 0.45, 0.45]])
def test_allocation_of_100k_customers_within_chi_square_tolerance(weights):
    n = 100_000
    arms = design.assign_arms(design.hash_units("alloc", ids(n)), weights)
    counts = np.bincount(arms, minlength=len(weights))
    expected = n * np.array(weights) / sum(weights)
    p = sps.chisquare(counts, expected).pvalue
    assert p > 0.001, (counts, expected)


@pytest.mark.parametrize("weights", [[1, 1], [1, 1, 1], [2, 1, 1], [5, 3, 1, 1]])
def test_stratified_split_matches_weights_within_one_customer_in_every_stratum(weights):
    rng = np.random.default_rng(3)
    n = 30_011
    strata = rng.choice(
        ["champions", "loyal", "lost", "new", "tiny"], n, p=[0.3, 0.3, 0.3, 0.0999, 0.0001]
    )
    arms = design.assign_arms(design.hash_units("st", ids(n)), weights, strata=strata, salt="st")
    share = np.array(weights) / sum(weights)
    for stratum in np.unique(strata):
        inside = arms[strata == stratum]
        counts = np.bincount(inside, minlength=len(weights))
        assert np.all(np.abs(counts - len(inside) * share) < 1), (stratum, counts)
    again = design.assign_arms(design.hash_units("st", ids(n)), weights, strata=strata, salt="st")
    np.testing.assert_array_equal(arms, again)


def test_leftover_customers_of_small_strata_are_not_always_given_to_the_first_arm():
    n = 6000
    strata = [f"s{i}" for i in range(n)]  # every stratum holds one customer
    arms = design.assign_arms(design.hash_units("one", ids(n)), [1, 1, 1], strata=strata, salt="x")
    counts = np.bincount(arms, minlength=3)
    assert sps.chisquare(counts).pvalue > 0.001, counts


def test_zero_weight_is_refused():
    with pytest.raises(design.DesignError):
        design.assign_arms(np.array([0.5]), [1, 0])


def test_personal_codes_are_reproducible_and_distinct():
    customers = ids(50_000)
    codes = design.personal_codes("salt", customers, "LL-")
    assert codes == design.personal_codes("salt", customers, "LL-")
    assert len(set(codes)) == len(codes)
    assert all(c.startswith("LL-") and len(c) == 11 for c in codes[:100])


def test_personal_codes_stay_unique_when_the_hash_collides(monkeypatch):
    """A hash with 4 values forces collisions (at a million real customers some two codes
    coincide about a third of the time): each taken code is drawn again, and who keeps the
    first draw does not depend on the row order."""
    import hashlib

    real = hashlib.blake2b

    def tiny(data: bytes, digest_size: int):
        return _Small(real(data).digest())

    class _Small:
        def __init__(self, digest: bytes):
            self.value = digest[0] % 4

        def hexdigest(self) -> str:
            return f"{self.value:02x}"

    monkeypatch.setattr(randomize.hashlib, "blake2b", tiny)
    customers = [f"c{i}" for i in range(4)]
    codes = design.personal_codes("s", customers, "")
    assert len(set(codes)) == 4
    reordered = design.personal_codes("s", customers[::-1], "")
    assert dict(zip(customers[::-1], reordered, strict=True)) == dict(
        zip(customers, codes, strict=True)
    )


# -- balance and A/A -----------------------------------------------------------------------------
def stats_of(values: np.ndarray) -> SampleStats:
    return SampleStats(n=len(values), sum=float(values.sum()), sum_squares=float((values**2).sum()))


def test_anova_and_welch_from_sufficient_statistics_equal_scipy():
    rng = np.random.default_rng(5)
    groups = [rng.lognormal(7, 1, n) for n in (300, 320, 290)]
    assert design.anova_p_value([stats_of(g) for g in groups]) == pytest.approx(
        sps.f_oneway(*groups).pvalue, rel=1e-9
    )
    assert design.welch_p_value(stats_of(groups[0]), stats_of(groups[1])) == pytest.approx(
        sps.ttest_ind(groups[0], groups[1], equal_var=False).pvalue, rel=1e-9
    )
    a, b = groups[0], groups[1]
    expected_smd = (b.mean() - a.mean()) / math.sqrt((b.var(ddof=1) + a.var(ddof=1)) / 2)
    assert design.smd(stats_of(b), stats_of(a)) == pytest.approx(expected_smd)


def customer_frame(n: int, rng: np.random.Generator, arms: np.ndarray) -> pd.DataFrame:
    orders = rng.poisson(2, n).astype(float)
    return pd.DataFrame(
        {
            "arm": arms,
            "pre_spend": rng.lognormal(7, 1, n),
            "pre_orders": orders,
            "recency_days": rng.integers(0, 365, n).astype(float),
            "pre_repeat": (orders >= 2).astype(float),
        }
    )


def test_balance_check_passes_a_random_split_and_flags_a_biased_one():
    rng = np.random.default_rng(8)
    n = 6000
    arms = np.where(
        design.assign_arms(design.hash_units("b", ids(n)), [1, 1]) == 0, "control", "gift"
    )
    frame = customer_frame(n, rng, arms)
    ok = design.balance_check(design.covariate_stats(frame), "control")
    assert ok.passed and ok.warning == ""
    assert list(ok.table["arm"]) == list(dict.fromkeys(arms))
    assert ok.table["n"].sum() == n
    # someone fed the gift arm from the big spenders
    biased = frame.copy()
    biased.loc[biased["arm"] == "gift", "pre_spend"] *= 1.3
    bad = design.balance_check(design.covariate_stats(biased), "control")
    assert not bad.passed
    assert "A/A check failed" in bad.warning and "spend" in bad.warning
    assert bad.max_abs_smd > 0.1


@pytest.mark.slow
def test_aa_check_false_alarm_rate_is_about_alpha():
    rng = np.random.default_rng(21)
    n, reps = 1000, 400
    customers = ids(n)
    frame = customer_frame(n, rng, np.zeros(n))
    alarms = 0
    for rep in range(reps):
        labels = design.assign_arms(design.hash_units(f"salt{rep}", customers), [1, 1, 1])
        frame["arm"] = np.array(["control", "a", "b"])[labels]
        p = design.balance_check(design.covariate_stats(frame), "control").spend_p_value
        alarms += p is not None and p < 0.05
    assert 0.02 < alarms / reps < 0.09


def test_whole_aa_check_fails_about_one_launch_in_twenty_even_for_small_arms():
    """The verdict (not just one p-value) must be right: 300 customers per arm is typical."""
    rng = np.random.default_rng(5)
    n, reps = 900, 400
    customers = ids(n)
    frame = customer_frame(n, rng, np.zeros(n))
    failed = 0
    for rep in range(reps):
        labels = design.assign_arms(design.hash_units(f"s{rep}", customers), [1, 1, 1])
        frame["arm"] = np.array(["control", "a", "b"])[labels]
        failed += not design.balance_check(design.covariate_stats(frame), "control").passed
    assert 0.02 < failed / reps < 0.08


def test_balance_of_degenerate_arms_has_no_nan():
    frame = pd.DataFrame(
        {
            "arm": ["control", "gift"],
            "pre_spend": [0.0, 0.0],
            "pre_orders": [1.0, 1.0],
            "recency_days": [3.0, 3.0],
            "pre_repeat": [0.0, 0.0],
        }
    )
    result = design.balance_check(design.covariate_stats(frame), "control")
    assert result.spend_p_value is None and result.repeat_p_value is None
    assert not result.table.drop(columns=["arm"]).isna().any().any()


# -- export --------------------------------------------------------------------------------------
ASSIGNED = pd.DataFrame(
    {
        "customer_id": ['=HYPERLINK("http://x")', "+7 900", "-12", "@sum", "plain", "Иван"],
        "arm": ["control", "gift", "gift", "control", "=cmd", "gift"],
        "arm_kind": ["control", "gift", "gift", "control", "custom", "gift"],
        "code": [None, "LL-A", "LL-B", None, None, "LL-C"],
    }
)


def test_escape_cell_neutralises_formula_starts_only():
    for text in ["=1+1", "+7", "-3", "@x", "\tx"]:
        assert design.escape_cell(text) == "'" + text
    assert design.escape_cell("a=b") == "a=b"
    assert design.escape_cell(12) == 12
    assert design.escape_cell(None) is None


@pytest.mark.parametrize("sep", [",", ";"])
def test_csv_has_bom_separator_and_escaped_cells(sep):
    data = design.assignments_csv(ASSIGNED, sep=sep)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    assert rows[0] == ["customer_id", "arm", "arm_kind", "code"]
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert [r[0] for r in rows[2:]] == ["'+7 900", "'-12", "'@sum", "plain", "Иван"]
    assert rows[5][1] == "'=cmd"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_code_column_is_optional():
    without = design.assignments_csv(ASSIGNED.assign(code=None)).decode("utf-8-sig")
    assert without.splitlines()[0] == "customer_id,arm,arm_kind"
    forced = design.assignments_csv(ASSIGNED, include_code=False).decode("utf-8-sig")
    assert "code" not in forced.splitlines()[0]
    with pytest.raises(design.DesignError):
        design.assignments_csv(ASSIGNED, sep="|")


def test_xlsx_holds_the_same_escaped_text():
    book = load_workbook(io.BytesIO(design.assignments_xlsx(ASSIGNED)))
    sheet = book["assignments"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["customer_id", "arm", "arm_kind", "code"]
    assert values[1][0] == '\'=HYPERLINK("http://x")'
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value)


def test_export_file_name():
    assert design.export_file_name("Q3 gift") == "Q3 gift-assignments.csv"
    assert design.export_file_name("a/b:c", "xlsx") == "a_b_c-assignments.xlsx"
    assert design.export_file_name("..") == "experiment-assignments.csv"
