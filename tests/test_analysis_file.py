"""analyze-file: DuckDB sufficient statistics of a results file -> the same numbers as raw rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from experiments import stats
from experiments.analysis_file import analyze_frame, parse_metric
from experiments.store import StoreError

ROOT = Path(__file__).resolve().parent.parent
TOL = {"rel": 1e-9, "abs": 1e-12}
ARMS = ["No E-Mail", "Mens E-Mail", "Womens E-Mail"]


@pytest.fixture(scope="module")
def hillstrom_path(datasets: Path) -> Path:
    return datasets / "hillstrom" / "hillstrom.csv"


@pytest.fixture(scope="module")
def hillstrom(hillstrom_path: Path) -> pd.DataFrame:
    return pd.read_csv(hillstrom_path)


@pytest.fixture(scope="module")
def analysis(hillstrom_path: Path):
    return analyze_frame(
        hillstrom_path,
        "segment",
        "No E-Mail",
        [("visit", None), ("conversion", None), ("spend", "money")],
        covariate="history",
        cap=False,
    )


def _effect(analysis, arm, metric, method) -> stats.Effect:
    [e] = [e for e in analysis.effects if (e.arm, e.metric, e.method) == (arm, metric, method)]
    return e


# -- Hillstrom -----------------------------------------------------------------------------------
def test_hillstrom_arm_means_equal_pandas_on_the_raw_csv(analysis, hillstrom):
    raw = hillstrom.groupby("segment")[["visit", "conversion", "spend"]].mean()
    sizes = hillstrom.groupby("segment").size()
    by_arm = {a.arm: a for a in analysis.arms}
    assert [a.arm for a in analysis.arms] == ARMS  # control first
    for arm in ARMS:
        assert by_arm[arm].n == sizes[arm]
        for metric in ("visit", "conversion", "spend"):
            assert by_arm[arm].means[metric] == pytest.approx(raw.loc[arm, metric], **TOL)
    assert analysis.metrics == {"visit": "binary", "conversion": "binary", "spend": "money"}


def test_hillstrom_published_rates(analysis):
    means = {a.arm: a.means for a in analysis.arms}
    conversion = {arm: round(100 * means[arm]["conversion"], 3) for arm in ARMS}
    visit = {arm: round(100 * means[arm]["visit"], 2) for arm in ARMS}
    assert conversion == {"No E-Mail": 0.573, "Mens E-Mail": 1.253, "Womens E-Mail": 0.884}
    assert visit == {"No E-Mail": 10.62, "Mens E-Mail": 18.28, "Womens E-Mail": 15.14}
    assert [a.n for a in analysis.arms] == [21306, 21307, 21387]
    assert not analysis.srm.mismatch


def test_hillstrom_effects_equal_scipy_and_statsmodels_on_raw_rows(analysis, hillstrom):
    control = hillstrom[hillstrom.segment == "No E-Mail"]
    mens = hillstrom[hillstrom.segment == "Mens E-Mail"]
    welch = sps.ttest_ind(mens.spend, control.spend, equal_var=False)
    spend = _effect(analysis, "Mens E-Mail", "spend", "welch")
    assert spend.p_value == pytest.approx(welch.pvalue, **TOL)
    assert spend.ci_low == pytest.approx(welch.confidence_interval().low, **TOL)

    import statsmodels.stats.proportion as smprop

    test = smprop.test_proportions_2indep(
        mens.conversion.sum(), len(mens), control.conversion.sum(), len(control),
        method="wald", compare="diff", correction=False,
    )  # fmt: skip
    conv = _effect(analysis, "Mens E-Mail", "conversion", "z")
    assert conv.p_value == pytest.approx(test.pvalue, **TOL)
    assert conv.diff == pytest.approx(test.diff, **TOL)

    # CUPED with one covariate: Lin's interacted regression y ~ T * (history - mean), HC2
    both = pd.concat([control, mens])
    x = (both.history - both.history.mean()).to_numpy(float)
    treated = (both.segment == "Mens E-Mail").to_numpy(float)
    design = np.column_stack([np.ones(len(both)), treated, x, treated * x])
    fit = sm.OLS(both.spend.to_numpy(float), design).fit(cov_type="HC2")
    cuped = _effect(analysis, "Mens E-Mail", "spend", "cuped")
    assert cuped.diff == pytest.approx(fit.params[1], **TOL)
    assert cuped.se == pytest.approx(fit.bse[1], rel=0.01)
    assert cuped.covariates == ("history",)


def test_hillstrom_effects_are_holm_corrected_as_shown_and_as_unadjusted(analysis):
    from statsmodels.stats.multitest import multipletests

    assert len(analysis.effects) == 2 * 3 * 2  # arms x metrics x (primary, cuped)
    # what the verdicts read: the CUPED row of each arm, one family per metric across the arms
    # (the verdict reads one metric; another metric in the file must not weaken it)
    metrics = {e.metric for e in analysis.effects}
    for metric in metrics:
        cuped = [e for e in analysis.effects if e.method == "cuped" and e.metric == metric]
        expected = multipletests([e.p_value for e in cuped], method="holm")[1]
        assert [e.p_adjusted for e in cuped] == pytest.approx(list(expected), **TOL)
    # the unadjusted rows CUPED replaces: z for the rates and Welch for spend, per metric too
    plain = [e for e in analysis.effects if e.method != "cuped"]
    assert {e.method for e in plain} == {"z", "welch"} and len(plain) == 6
    for metric in metrics:
        own = [e for e in plain if e.metric == metric]
        expected = multipletests([e.p_value for e in own], method="holm")[1]
        assert [e.p_adjusted for e in own] == pytest.approx(list(expected), **TOL)


# -- capping -------------------------------------------------------------------------------------
def _whales(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 3000
    arm = rng.choice(["control", "gift", "discount"], n)
    spend = np.where(rng.random(n) < 0.2, rng.lognormal(3, 1.2, n), 0.0)
    spend[rng.choice(n, 40, replace=False)] *= -0.5  # refunds
    return pd.DataFrame({"group": arm, "spend": spend, "bought": (spend > 0).astype(int)})


def test_capping_uses_pooled_nonzero_thresholds_identical_to_numpy():
    df = _whales()
    result = analyze_frame(df, "group", "control", [("spend", None), ("bought", None)], cap=True)
    lower, upper = stats.cap_thresholds(df.spend.to_numpy(), 99)
    assert result.caps["spend"][0] == pytest.approx(lower, **TOL)
    assert result.caps["spend"][1] == pytest.approx(upper, **TOL)
    assert "bought" not in result.caps  # rates are never capped
    clipped = df.assign(spend=df.spend.clip(lower, upper)).groupby("group").spend.mean()
    for arm in result.arms:
        assert arm.means["spend"] == pytest.approx(clipped[arm.arm], **TOL)
    [welch] = [e for e in result.effects if e.arm == "gift" and e.method == "welch"]
    gift = df.spend.clip(lower, upper)[df.group == "gift"]
    control = df.spend.clip(lower, upper)[df.group == "control"]
    assert welch.p_value == pytest.approx(
        sps.ttest_ind(gift, control, equal_var=False).pvalue, **TOL
    )
    assert result.as_json()["cap"] is True

    uncapped = analyze_frame(df, "group", "control", [("spend", None)], cap=False)
    assert uncapped.caps == {}
    raw = df.groupby("group").spend.mean()
    assert {a.arm: a.means["spend"] for a in uncapped.arms} == pytest.approx(raw.to_dict(), **TOL)


# -- formats, kinds, degenerate input ------------------------------------------------------------
def test_parquet_and_xlsx_give_the_same_numbers_as_a_frame(tmp_path):
    df = _whales(1).head(400)
    df.to_parquet(tmp_path / "r.parquet")
    df.to_excel(tmp_path / "r.xlsx", index=False)
    df.to_csv(tmp_path / "r.csv", index=False)
    metrics = [("spend", None), ("bought", None)]
    results = [
        analyze_frame(source, "group", "control", metrics).as_json()
        for source in (df, tmp_path / "r.parquet", tmp_path / "r.xlsx", tmp_path / "r.csv")
    ]
    for other in results[1:]:
        assert [(a["arm"], a["n"]) for a in other["arms"]] == [
            (a["arm"], a["n"]) for a in results[0]["arms"]
        ]
        for mine, theirs in zip(other["arms"], results[0]["arms"], strict=True):
            assert mine["means"] == pytest.approx(theirs["means"], **TOL)
        assert [e["p_value"] for e in other["effects"]] == pytest.approx(
            [e["p_value"] for e in results[0]["effects"]], **TOL
        )


def test_missing_control_and_tiny_arms_give_insufficient_rows_not_errors():
    df = pd.DataFrame({"arm": ["a", "a", "b"], "y": [1.0, 2.0, 3.0]})
    result = analyze_frame(df, "arm", "control", [("y", "money")])
    assert result.effects and all(e.status == "insufficient_data" for e in result.effects)
    json.dumps(result.as_json(), allow_nan=False)


def test_nulls_are_left_out_per_metric_and_arm_labels_may_be_numbers():
    df = pd.DataFrame(
        {"arm": [0, 0, 0, 1, 1, 1, None], "y": [1.0, None, 3.0, 4.0, 5.0, 9.0, 100.0]}
    )
    result = analyze_frame(df, "arm", "0", [("y", "money")], cap=False)
    means = {a.arm: a.means["y"] for a in result.arms}
    assert means == pytest.approx({"0": 2.0, "1": 6.0})
    assert [a.n for a in result.arms] == [3, 3]
    [e] = result.effects
    assert e.n_control == 2 and e.n_arm == 3


def test_bad_columns_are_refused_with_a_message():
    df = pd.DataFrame({"arm": ["a", "b"] * 5, "y": range(10), "text": ["x"] * 10})
    with pytest.raises(StoreError, match="not in the file"):
        analyze_frame(df, "arm", "a", [("nope", None)])
    with pytest.raises(StoreError, match="not numbers"):
        analyze_frame(df, "arm", "a", [("text", None)])
    with pytest.raises(StoreError, match="not in the file"):
        analyze_frame(df, "missing_arm", "a", [("y", None)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("spend", ("spend", None)), ("spend:money", ("spend", "money")),
     ("visit:binary", ("visit", "binary")), ("a:b", ("a:b", None))],
)  # fmt: skip
def test_parse_metric(text, expected):
    assert parse_metric(text) == expected


# -- CLI -----------------------------------------------------------------------------------------
def _cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOYALTY_LAB_DB": str(tmp_path / "unused.duckdb")}
    return subprocess.run(
        [sys.executable, "-m", "experiments", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_cli_analyze_file_json_shape(hillstrom_path, tmp_path):
    done = _cli(
        "analyze-file", str(hillstrom_path), "--arm", "segment", "--control", "No E-Mail",
        "--metric", "conversion", "--metric", "spend:money", "--covariate", "history",
        "--correction", "bh", "--json", tmp_path=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"arms", "srm_p_value", "effects", "correction", "alpha", "cap"} <= set(out)
    assert out["correction"] == "bh" and out["cap"] is False  # config.DEFAULT_CAP
    assert out["money_estimand"] == "mean_difference"
    assert isinstance(out["srm_p_value"], float)
    assert [(a["arm"], a["n"]) for a in out["arms"]] == list(
        zip(ARMS, [21306, 21307, 21387], strict=True)
    )
    keys = {"arm", "metric", "method", "control_mean", "arm_mean", "diff", "ci_low", "ci_high",
            "rel_lift", "p_value", "p_adjusted"}  # fmt: skip
    assert all(keys <= set(e) for e in out["effects"])
    assert {(e["arm"], e["metric"], e["method"]) for e in out["effects"]} == {
        (arm, metric, method)
        for arm in ARMS[1:]
        for metric, methods in (("conversion", ("z", "cuped")), ("spend", ("welch", "cuped")))
        for method in methods
    }
    assert not (tmp_path / "unused.duckdb").exists()  # analyze-file never opens the store


def test_cli_analyze_file_refuses_an_unknown_column(hillstrom_path, tmp_path):
    done = _cli(
        "analyze-file", str(hillstrom_path), "--arm", "segment", "--control", "No E-Mail",
        "--metric", "revenue", tmp_path=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "revenue" in done.stderr and "Traceback" not in done.stderr


def test_srm_uses_the_planned_allocation_when_given():
    df = _whales(2)
    sizes = df.group.value_counts()
    equal = analyze_frame(df, "group", "control", [("bought", None)])
    assert not equal.srm.mismatch
    skewed = analyze_frame(
        df,
        "group",
        "control",
        [("bought", None)],
        allocation={"control": 1, "gift": 1, "discount": 4},
    )
    expected = sps.chisquare(
        [sizes["control"], sizes["gift"], sizes["discount"]],
        np.array([1, 1, 4]) / 6 * len(df),
    )
    assert skewed.srm.p_value == pytest.approx(expected.pvalue, **TOL)
    assert skewed.srm.mismatch and skewed.as_json()["srm_p_value"] == skewed.srm.p_value


@pytest.mark.parametrize("cell", ["NaN", "inf", "-Infinity"])
def test_a_nan_or_infinite_cell_is_refused_not_counted_as_the_biggest_spender(tmp_path, cell):
    """DuckDB reads 'NaN' as a number above every other: it was counted as a spender at the
    cap, moving the cap and the effect. Such a cell is not a number: a clear refusal."""
    rows = ["arm;revenue"] + [f"{'control' if i % 2 else 'gift'};{i % 7 * 100}" for i in range(40)]
    path = tmp_path / "results.csv"
    path.write_text("\n".join([*rows, f"gift;{cell}"]) + "\n", encoding="utf-8")
    with pytest.raises(StoreError, match="not numbers"):
        analyze_frame(path, "arm", "control", [("revenue", "money")], cap=True)


def test_a_russian_result_file_cp1251_semicolons_decimal_comma_is_read(tmp_path):
    """A 1C/CRM export of campaign results (cp1251, ';', '1 234,50') gave a raw DuckDB
    error; it is read the way the Data page reads files, with the same effects as the same
    numbers written the plain way."""
    rows = [
        (("Контроль" if i % 2 else "Подарок"), 1000 + (i % 9) * 250.5 + (i % 2) * 40)
        for i in range(60)
    ]
    russian = tmp_path / "итоги.csv"
    lines = ["Группа;Выручка"] + [
        f"{arm};{value:,.2f}".replace(",", " ").replace(".", ",") for arm, value in rows
    ]
    russian.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    plain = pd.DataFrame({"Группа": [a for a, _ in rows], "Выручка": [v for _, v in rows]})
    got = analyze_frame(russian, "Группа", "Контроль", [("Выручка", "money")], cap=False)
    want = analyze_frame(plain, "Группа", "Контроль", [("Выручка", "money")], cap=False)
    assert [e.diff for e in got.effects] == pytest.approx([e.diff for e in want.effects])
    assert [a.n for a in got.arms] == [a.n for a in want.arms] == [30, 30]
