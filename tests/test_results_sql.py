"""Experiments loaded from a campaign result file: stored cells -> the same analysis as the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats as scipy_stats

from experiments import __main__ as cli
from experiments import analysis_file, decision, experiment, ingest, stats
from experiments.analysis_file import (
    FileAnalysis,
    analyze_frame,
    analyze_stored_results,
    default_metrics,
    suggest_covariate,
)
from experiments.store import Store, StoreError, results_sql

ARMS = ["No E-Mail", "Mens E-Mail", "Womens E-Mail"]
TOL = {"rel": 1e-9, "abs": 1e-12}
EFFECT_FIELDS = (
    "control_mean", "arm_mean", "diff", "ci_low", "ci_high", "rel_lift", "p_value", "p_adjusted",
    "se", "n_control", "n_arm",
)  # fmt: skip

NBSP = "\u00a0"  # Formatter: between a number and its unit or currency code


@pytest.fixture(scope="module")
def hillstrom_csv(datasets: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hillstrom") / "hillstrom.csv"
    shutil.copy(datasets / "hillstrom" / "hillstrom.csv", path)
    return path


@pytest.fixture(scope="module")
def hillstrom_store(hillstrom_csv: Path, tmp_path_factory):
    """A store holding Hillstrom as a results file (loaded once for the module)."""
    store = Store(tmp_path_factory.mktemp("store") / "hillstrom.duckdb")
    result = ingest.load_file(store, kind="results", path=hillstrom_csv, experiment="Hillstrom")
    assert result.ok and result.experiment_created, result.summary()
    assert result.mapping["segment"] == "arm"  # the header guess maps the arm column
    yield store, int(result.experiment_id)
    store.close()


def _by_key(analysis: FileAnalysis) -> dict[tuple[str, str, str], stats.Effect]:
    return {(e.arm, e.metric, e.method): e for e in analysis.effects}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- results_sql ---------------------------------------------------------------------------------
def test_result_fields_types_and_file_order(hillstrom_store):
    store, experiment_id = hillstrom_store
    with store.cursor() as cur:
        fields = results_sql.result_fields(cur, experiment_id)
    assert [f.field for f in fields] == [
        "recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie",
        "channel", "visit", "conversion", "spend",
    ]  # fmt: skip
    by_name = {f.field: f for f in fields}
    assert by_name["conversion"] == ("conversion", True, True, 64_000)
    assert by_name["spend"][:3] == ("spend", True, False)
    assert by_name["zip_code"][:3] == ("zip_code", False, False)
    assert by_name["history_segment"].numeric is False


def test_result_frame_is_the_file_back_in_file_order(hillstrom_store, hillstrom_csv):
    store, experiment_id = hillstrom_store
    with store.cursor() as cur:
        frame = results_sql.result_frame(cur, experiment_id, ["spend", "conversion", "history"])
    raw = pd.read_csv(hillstrom_csv)
    assert list(frame.columns) == ["arm", "spend", "conversion", "history"]
    assert len(frame) == len(raw)
    assert frame["arm"].tolist() == raw["segment"].tolist()
    for column in ("spend", "conversion", "history"):
        assert frame[column].to_numpy() == pytest.approx(raw[column].to_numpy(), rel=1e-12)


@pytest.mark.parametrize(
    "fields", [["zip_code"], ["no_such_field"], ['visit" FROM x; --'], ["visit", "channel"]]
)
def test_result_frame_refuses_fields_outside_the_numeric_whitelist(hillstrom_store, fields):
    store, experiment_id = hillstrom_store
    with store.cursor() as cur, pytest.raises(StoreError, match="Not a numeric result field"):
        results_sql.result_frame(cur, experiment_id, fields)


def test_result_arms_and_uploads(hillstrom_store):
    store, experiment_id = hillstrom_store
    with store.cursor() as cur:
        arms = experiment.load(cur, experiment_id).arms
        uploads = results_sql.result_uploads(cur, experiment_id)
    assert [(a.name, a.kind) for a in arms] == [
        ("No E-Mail", "control"), ("Mens E-Mail", "custom"), ("Womens E-Mail", "custom"),
    ]  # fmt: skip
    assert [(u.file_name, u.rows) for u in uploads] == [("hillstrom.csv", 64_000)]


# -- the stored analysis equals the file analysis ------------------------------------------------
@pytest.mark.parametrize(
    ("covariate", "cap", "correction"),
    [(None, True, "holm"), ("history", False, "bh"), ("history", True, "none")],
)
def test_stored_analysis_equals_analyze_frame_on_the_raw_csv(
    hillstrom_store, hillstrom_csv, covariate, cap, correction
):
    store, experiment_id = hillstrom_store
    stored = analyze_stored_results(
        store,
        experiment_id,
        ["visit", "conversion", "spend"],
        covariate=covariate,
        cap=cap,
        correction=correction,
    )
    with store.cursor() as cur:
        allocation = {a.name: a.allocation for a in experiment.load(cur, experiment_id).arms}
    direct = analyze_frame(
        hillstrom_csv,
        "segment",
        "No E-Mail",
        [("visit", None), ("conversion", None), ("spend", None)],
        covariate=covariate,
        cap=cap,
        correction=correction,
        allocation=allocation,
    )
    assert stored.ok and stored.control == "No E-Mail"
    assert stored.metrics == {"visit": "binary", "conversion": "binary", "spend": "money"}
    assert stored.metrics == direct.metrics
    assert [(a.arm, a.n, a.is_control) for a in stored.arms] == [
        (a.arm, a.n, a.is_control) for a in direct.arms
    ]
    for mine, theirs in zip(stored.arms, direct.arms, strict=True):
        for metric in stored.metrics:
            assert mine.means[metric] == pytest.approx(theirs.means[metric], **TOL)
    assert stored.caps.keys() == direct.caps.keys()
    for metric, (low, high) in stored.caps.items():
        assert (low, high) == pytest.approx(direct.caps[metric], **TOL)
    mine, theirs = _by_key(stored), _by_key(direct)
    assert mine.keys() == theirs.keys() and len(mine) == (12 if covariate else 6)
    for key, effect in mine.items():
        for name in EFFECT_FIELDS:
            assert getattr(effect, name) == pytest.approx(getattr(theirs[key], name), **TOL), (
                key,
                name,
            )
    assert stored.srm.p_value == pytest.approx(direct.srm.p_value, **TOL)


def test_hillstrom_rates_equal_pandas(hillstrom_store, hillstrom_csv):
    store, experiment_id = hillstrom_store
    analysis = analyze_stored_results(store, experiment_id)  # default metrics
    raw = pd.read_csv(hillstrom_csv)
    rates = raw.groupby("segment")[["visit", "conversion"]].mean()
    assert [a.arm for a in analysis.arms] == ARMS
    for arm in analysis.arms:
        assert arm.n == (raw["segment"] == arm.arm).sum()
        assert arm.means["visit"] == pytest.approx(rates.loc[arm.arm, "visit"], **TOL)
        assert arm.means["conversion"] == pytest.approx(rates.loc[arm.arm, "conversion"], **TOL)
    # the published Hillstrom result: Mens e-mail lifts conversion by about 0.68 pp
    mens = _by_key(analysis)[("Mens E-Mail", "conversion", "z")]
    assert mens.diff == pytest.approx(0.01253109 - 0.00572609, abs=1e-7)
    # no split given: the plan is equal thirds (Hillstrom's own design), not the loaded shares
    # (against which the check always read p = 1); its counts pass scipy's chi-square
    counts = raw["segment"].value_counts()
    want = scipy_stats.chisquare([counts[a] for a in ARMS])
    assert analysis.srm.plan == pytest.approx(dict.fromkeys(ARMS, 1 / 3))
    assert analysis.srm.plan_assumed_equal
    assert analysis.srm.p_value == pytest.approx(want.pvalue, rel=1e-9)
    assert analysis.srm.p_value < 1
    assert not analysis.srm.mismatch


def test_default_metrics_skip_text_and_pre_period_fields(hillstrom_store):
    store, experiment_id = hillstrom_store
    with store.cursor() as cur:
        fields = results_sql.result_fields(cur, experiment_id)
    assert suggest_covariate(fields) == "history"  # money-like pre-period beats recency
    assert default_metrics(fields) == ["visit", "conversion", "spend"]
    assert default_metrics(fields, covariate="history") == ["visit", "conversion", "spend"]
    analysis = analyze_stored_results(store, experiment_id)
    assert list(analysis.metrics) == ["visit", "conversion", "spend"]
    assert analysis.covariate is None


def test_no_outcome_names_means_every_numeric_non_pre_period_field(store, tmp_path):
    path = _write(
        tmp_path,
        "plain.csv",
        "group,pre_spend,score,label\ncontrol,1,2,a\ncontrol,2,3,b\ngift,3,5,c\ngift,4,6,d\n",
    )
    result = ingest.load_file(store, "results", path, experiment="Plain")
    assert result.ok, result.summary()
    with store.cursor() as cur:
        fields = results_sql.result_fields(cur, int(result.experiment_id))
    assert default_metrics(fields) == ["score"]
    assert suggest_covariate(fields) == "pre_spend"


def test_a_text_field_is_skipped_as_a_metric(store, tmp_path):
    rows = "\n".join(
        # yes/no would be a 0/1 metric (issue 14.4): real text answers are not
        f"c{i},{'control' if i % 2 else 'gift'},{i % 3 == 0:d},"
        f"{'call back' if i % 2 else 'not interested'}"
        for i in range(40)
    )
    path = _write(tmp_path, "texty.csv", "customer_id,group,bought,answer\n" + rows + "\n")
    result = ingest.load_file(store, "results", path, experiment="Texty")
    assert result.ok, result.summary()
    experiment_id = int(result.experiment_id)
    by_default = analyze_stored_results(store, experiment_id)
    assert by_default.ok and list(by_default.metrics) == ["bought"]
    asked = analyze_stored_results(store, experiment_id, ["answer", "bought"])
    assert list(asked.metrics) == ["bought"] and "answer" in asked.note
    only_text = analyze_stored_results(store, experiment_id, ["answer"])
    assert only_text.status == "insufficient_data" and only_text.effects == []
    assert "answer" in only_text.note
    assert [a.n for a in only_text.arms] == [20, 20]
    with pytest.raises(StoreError, match="Covariate"):
        analyze_stored_results(store, experiment_id, covariate="answer")


def test_one_arm_is_insufficient_data_not_an_exception(store, tmp_path):
    path = _write(tmp_path, "solo.csv", "group,bought,spend\ngift,1,10\ngift,0,0\ngift,1,5\n")
    result = ingest.load_file(store, "results", path, experiment="Solo")
    assert result.ok, result.summary()
    analysis = analyze_stored_results(store, int(result.experiment_id))
    assert analysis.status == "insufficient_data"
    assert "Only one arm" in analysis.note
    assert analysis.effects == [] and [a.n for a in analysis.arms] == [3]
    assert analysis.srm.status == "insufficient_data"
    assert json.dumps(analysis.as_json(), allow_nan=False)  # no NaN anywhere
    assert decision.decide_file(analysis, "bought") == []  # the only arm is the control


def test_empty_metric_choice_and_unknown_experiment(hillstrom_store):
    store, experiment_id = hillstrom_store
    none_chosen = analyze_stored_results(store, experiment_id, [])
    assert none_chosen.status == "insufficient_data" and "at least one metric" in none_chosen.note
    nothing = analyze_stored_results(store, 9999)
    assert nothing.status == "insufficient_data" and nothing.arms == []


# -- decision cards ------------------------------------------------------------------------------
def test_decide_file_ships_significant_wins_and_states_the_effect(hillstrom_store):
    store, experiment_id = hillstrom_store
    analysis = analyze_stored_results(store, experiment_id, ["conversion", "visit", "spend"])
    cards = {d.arm: d for d in decision.decide_file(analysis, "conversion")}
    assert set(cards) == {"Mens E-Mail", "Womens E-Mail"}
    mens = cards["Mens E-Mail"]
    effect = _by_key(analysis)[("Mens E-Mail", "conversion", "z")]
    assert mens.effect == effect and mens.verdict == "ship"
    assert mens.headline == (
        f"Mens E-Mail: +0.68{NBSP}pp conversion (95% CI {effect.ci_low * 100:+.2f}{NBSP}pp to "
        f"{effect.ci_high * 100:+.2f}{NBSP}pp, before the correction); ship"
    )
    assert "Holm" in mens.reasons[0]


def _toy(arm_diff: float, n: int = 400) -> pd.DataFrame:
    """Two arms, a 0/1 metric with control rate 0.3 and the given difference, exact counts."""
    control = [1] * round(0.3 * n) + [0] * (n - round(0.3 * n))
    treated_ones = round((0.3 + arm_diff) * n)
    treated = [1] * treated_ones + [0] * (n - treated_ones)
    return pd.DataFrame({"group": ["control"] * n + ["gift"] * n, "bought": control + treated})


@pytest.mark.parametrize(
    ("diff", "correction", "verdict"),
    [
        (0.15, "holm", "ship"),
        (-0.15, "holm", "stop"),
        (0.02, "holm", "inconclusive"),
        (0.02, "none", "inconclusive"),
    ],
)
def test_decide_file_rule(diff, correction, verdict):
    analysis = analyze_frame(
        _toy(diff), "group", "control", [("bought", None)], correction=correction
    )
    [card] = decision.decide_file(analysis, "bought")
    assert card.verdict == verdict
    effect = card.effect
    assert effect is not None
    assert (verdict == "ship") == (effect.significant and effect.diff > 0)
    assert card.headline.startswith(f"gift: {diff * 100:+.2f}{NBSP}pp bought")


def test_decide_file_a_second_metric_does_not_weaken_the_verdict():
    """p between alpha/2 and alpha: a win alone; Holm over a second metric made it a stop.
    The verdict's family is the deciding metric across arms, so it stays a win."""
    frame = _toy(0.07)
    alone = analyze_frame(frame, "group", "control", [("bought", None)])
    [effect] = alone.effects
    assert 0.025 < effect.p_value < 0.05
    frame["noise"] = [0, 1] * (len(frame) // 2)  # the same rate in both arms: p = 1
    corrected = analyze_frame(
        frame, "group", "control", [("bought", None), ("noise", None)], correction="holm"
    )
    assert [d.verdict for d in decision.decide_file(alone, "bought")] == ["ship"]
    assert [d.verdict for d in decision.decide_file(corrected, "bought")] == ["ship"]
    assert "Holm" in decision.decide_file(corrected, "bought")[0].reasons[0]


def test_decide_file_srm_blocks_and_money_is_in_currency():
    frame = _toy(0.15)
    frame["spend"] = frame["bought"] * 100.0
    analysis = analyze_frame(
        frame,
        "group",
        "control",
        [("bought", None), ("spend", None)],
        cap=False,
        allocation={"control": 1, "gift": 3},
    )
    assert analysis.srm.mismatch
    [card] = decision.decide_file(analysis, "spend")
    assert card.verdict == "inconclusive" and card.label == "check the data" and card.blocked
    # the store's money by the Formatter, as every amount (one form): '+RUB 15.00'
    assert card.headline.startswith(f"gift: +RUB{NBSP}15.00 ")
    assert "spend per customer" in card.headline


# -- command line --------------------------------------------------------------------------------
def test_cli_analyze_json_for_a_results_file_experiment(hillstrom_store, capsys):
    store, experiment_id = hillstrom_store
    assert cli.main(["--db", str(store.path), "analyze", "Hillstrom", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(a["arm"], a["n"]) for a in out["arms"]] == list(
        zip(ARMS, [21306, 21307, 21387], strict=True)
    )
    assert out["covariate"] == "history" and out["status"] == "ok"
    assert isinstance(out["srm_p_value"], float)
    keys = {"arm", "metric", "method", "control_mean", "arm_mean", "diff", "ci_low", "ci_high",
            "rel_lift", "p_value", "p_adjusted"}  # fmt: skip
    assert out["effects"] and all(keys <= set(e) for e in out["effects"])
    expected = analyze_stored_results(store, experiment_id, covariate="history")
    row = next(
        e
        for e in out["effects"]
        if (e["arm"], e["metric"], e["method"]) == ("Mens E-Mail", "spend", "cuped")
    )
    assert row["diff"] == pytest.approx(_by_key(expected)[("Mens E-Mail", "spend", "cuped")].diff)

    assert cli.main(["--db", str(store.path), "analyze", "1", "--no-covariate", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["covariate"] is None and {e["method"] for e in plain["effects"]} == {"z", "welch"}

    assert cli.main(["--db", str(store.path), "analyze", "Hillstrom"]) == 0
    text = capsys.readouterr().out
    assert "Mens E-Mail" in text and "conversion" in text


def test_html_report_of_a_results_file_experiment(hillstrom_store):
    from experiments import report

    store, experiment_id = hillstrom_store
    analysis = analysis_file.analyze_stored_results(store, experiment_id)
    with store.cursor() as cur:
        found = experiment.load(cur, experiment_id)
    page = report.html_file_report(found, analysis)
    first = next(iter(analysis.metrics))
    for d in decision.decide_file(analysis, first):
        assert d.headline.split(";")[0] in page.replace("&#x27;", "'")
    forests = {e.metric for e in stats.headline_effects(analysis.effects)}  # one per metric
    assert page.count("Plotly.newPlot") == len(forests) and '<script src="http' not in page
    for text in ("Arms", "Effects", "deciding metric", first, "Method notes"):
        assert text in page


def test_cli_report_works_for_a_results_file_experiment(hillstrom_store, tmp_path, capsys):
    store, experiment_id = hillstrom_store
    out = tmp_path / "hillstrom.html"
    code = cli.main(["--db", str(store.path), "report", str(experiment_id), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert "campaign result file" in capsys.readouterr().out
    assert "Mens E-Mail" in out.read_text(encoding="utf-8")


def test_experiments_table_has_no_horizon_progress_for_a_result_file(hillstrom_store):

    store, _ = hillstrom_store
    with store.cursor() as cur:
        table = experiment.table(cur).set_index("experiment")
    row = table.loc["Hillstrom"]
    assert row["customers"] == 21306 + 21307 + 21387
    assert row["levers"] == ", ".join(ARMS[1:])
    assert pd.isna(row["progress"]) and pd.isna(row["horizon_days"])
