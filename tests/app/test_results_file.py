"""Results page for an experiment loaded from a campaign result file (Hillstrom), via AppTest."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from experiments import ingest
from experiments.analysis_file import analyze_stored_results
from experiments.store import open_store

from .conftest import APP

ARMS = ["No E-Mail", "Mens E-Mail", "Womens E-Mail"]


@pytest.fixture
def hillstrom_app(app_env, datasets, tmp_path):
    """The demo app store plus Hillstrom loaded as a results file named 'Hillstrom'."""
    path = tmp_path / "hillstrom.csv"
    shutil.copy(datasets / "hillstrom" / "hillstrom.csv", path)
    store = open_store(app_env)  # the same process-wide store the app will use
    result = ingest.load_file(store, kind="results", path=path, experiment="Hillstrom")
    assert result.ok, result.summary()
    return store, int(result.experiment_id)


def run(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def cards(at: AppTest) -> list[str]:
    """The decision cards' text, with the Markdown escaping of names undone."""
    return [m.value.replace("\\", "") for m in at.markdown if "-badge[" in m.value]


def arms_frame(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if {"arm", "customers"} <= set(d.value.columns))


def test_results_page_shows_the_file_view(hillstrom_app):
    store, experiment_id = hillstrom_app
    at = run({"experiment": "Hillstrom", "metrics": "conversion,visit,spend"})
    # where the data came from, and no transaction-only settings
    assert any("hillstrom.csv" in c.value and "64,000 rows" in c.value for c in at.caption)
    labels = [w.label for w in at.selectbox]
    assert not any(label.startswith(("Horizon", "Adjust for pre-period")) for label in labels)
    assert "Pre-period covariate (CUPED)" in labels
    assert at.multiselect[0].value == ["conversion", "visit", "spend"]
    # per-arm sizes and means, control first
    arms = arms_frame(at)
    assert arms["arm"].tolist() == ARMS
    assert arms["customers"].tolist() == [21306, 21307, 21387]
    engine = analyze_stored_results(
        store, experiment_id, ["conversion", "visit", "spend"], covariate="history"
    )
    for row, summary in zip(arms.to_dict(orient="records"), engine.arms, strict=True):
        assert row["conversion, %"] == pytest.approx(summary.means["conversion"] * 100)
    # one card per treated arm on the first metric, with the verdict
    text = cards(at)
    assert len(text) == 2
    assert any(t.startswith("**Mens E-Mail: +0.68\u00a0pp conversion (95% CI") for t in text)
    assert all("ship" in t for t in text)
    assert not at.warning  # no sample-ratio mismatch, enough data
    effects = next(d.value for d in at.dataframe if "p_adjusted" in d.value.columns)
    assert len(effects) == 2 * 3 * 2  # arms x metrics x (plain, cuped)
    # the share link carries the pickers; the HTML report and effects CSV can be downloaded
    assert any("metrics=conversion%2Cvisit%2Cspend" in c.value for c in at.code)
    labels = [b.label for b in at.get("download_button")]
    assert "HTML report (works offline)" in labels and "Effects (CSV)" in labels


def test_changing_the_metric_picker_changes_the_cards(hillstrom_app):
    at = run({"experiment": "Hillstrom", "metrics": "conversion,visit,spend"})
    at.multiselect[0].set_value(["spend"]).run()
    assert not at.exception
    text = cards(at)
    assert text and all("spend per customer" in t for t in text)
    assert at.query_params["metrics"] == "spend"
    covariate = next(w for w in at.selectbox if w.label.startswith("Pre-period covariate"))
    covariate.set_value("none").run()
    assert not at.exception
    assert not any("CUPED on" in c.value for c in at.caption)


def test_report_view_of_a_results_file_experiment_is_read_only(hillstrom_app):
    at = run({"view": "report", "experiment": "Hillstrom", "metrics": "conversion"})
    assert "Read-only report" in at.caption[0].value
    assert len(at.selectbox) == 0 and len(at.multiselect) == 0 and len(at.button) == 0
    assert arms_frame(at)["arm"].tolist() == ARMS
    assert any("Mens E-Mail: +0.68\u00a0pp conversion" in t for t in cards(at))


def test_transaction_experiment_still_gets_the_transaction_view(hillstrom_app):
    at = run({"experiment": "Loyalty levers 2026-Q2", "metrics": "spend", "covariate": "none"})
    assert "metrics" not in at.query_params and "covariate" not in at.query_params
    assert at.subheader[0].value == "Decisions"
    assert any("net value per customer after its cost" in m.value for m in at.markdown)
    assert any(w.label.startswith("Horizon") for w in at.selectbox)
    assert len(at.multiselect) == 0


def test_one_arm_file_shows_insufficient_data(app_env, tmp_path):
    path = tmp_path / "solo.csv"
    path.write_text("group,bought\ngift,1\ngift,0\n", encoding="utf-8")
    result = ingest.load_file(open_store(app_env), kind="results", path=path, experiment="Solo")
    assert result.ok, result.summary()
    at = run({"experiment": "Solo"})
    assert any("Insufficient data" in w.value and "one arm" in w.value for w in at.warning)
    assert cards(at) == []


def test_results_attached_to_a_designed_experiment_are_read_with_its_costs(app_env, tmp_path):
    """A result file loaded for the demo's designed experiment (its arms cost 10% off, a gift, a
    call) was ignored: Results analysed transactions. Now the file's outcomes are analysed with
    the experiment's arms and costs, on net value."""
    import numpy as np

    from experiments import config

    rng = np.random.default_rng(1)
    arms = ["Control", "10% discount", "Surprise gift", "Personal outreach"]
    frame = pd.DataFrame(
        {
            "group": np.repeat(arms, 500),
            "spend": rng.lognormal(6, 1, 2000).round(2),
        }
    )
    path = tmp_path / "campaign.csv"
    frame.to_csv(path, index=False)
    store = open_store(app_env)
    result = ingest.load_file(
        store,
        kind="results",
        path=path,
        experiment=config.DEMO_EXPERIMENT_NAME,
        mapping={"group": "arm"},
    )
    assert result.ok, result.summary()
    at = run({"experiment": config.DEMO_EXPERIMENT_NAME})
    assert any("Net value" in c.value and "spend" in c.value for c in at.caption)
    assert any("campaign.csv" in c.value for c in at.caption)
    assert len(cards(at)) == 3
    assert any("Net value = 35% margin on spend" in c.value for c in at.caption)


@pytest.mark.parametrize("view", ["results", "report"])
def test_a_links_bad_confidence_on_a_file_view_falls_back_and_says_so(hillstrom_app, view):
    """The result file's view read confidence=42 and correction=sidak as the rule's silently."""
    query = {"experiment": "Hillstrom", "metrics": "conversion", "confidence": "42",
             "correction": "sidak", "cuped": "2"}  # fmt: skip
    at = run(query | ({"view": "report"} if view == "report" else {}))
    notices = [w.value for w in at.warning if "link's" in w.value]
    assert len(notices) == 2, notices  # a file's view has no cuped setting: not said
    assert notices[0].startswith("The link's correction ('sidak')"), notices
    assert notices[1].startswith("The link's confidence ('42') is not one the page offers")
    assert "showing 95% instead" in notices[1]
