"""Results and report views through Streamlit's AppTest, including query-parameter round trips."""

from __future__ import annotations

import urllib.parse

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from experiments import design, experiment, metrics
from experiments.i18n import Formatter
from experiments.store import open_store

from .conftest import APP


def run(
    query: dict[str, str] | None = None, page: str | None = None, sections: tuple[str, ...] = ()
) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    for key in sections:  # collapsed sections to open (their bodies are built only when open)
        at.session_state[key] = True
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def widget(at: AppTest, label: str):
    return next(w for w in at.selectbox if w.label.startswith(label))


def test_default_page_shows_decision_cards_for_every_treated_arm(app_env):
    at = run()
    text = " ".join(m.value for m in at.markdown)
    for arm in ("10% discount", "Surprise gift", "Personal outreach"):
        assert arm in text
    assert "net value per customer after its cost" in text
    assert at.subheader[0].value == "Decisions"


def test_cards_match_the_engine(app_env):
    at = run()
    analysis = metrics.analyze_experiment(open_store(app_env), 1)
    discount = analysis.effect("10% discount", "repeat_purchase", "z")
    assert any(f"{discount.diff * 100:+.1f}\u00a0pp" in m.value for m in at.markdown)


def test_lever_table_and_head_to_head_match_the_engine(app_env):
    from experiments import decision, report

    at = run()
    analysis = metrics.analyze_experiment(open_store(app_env), 1)
    shown = at.dataframe[0].value
    expected = report.lever_table(decision.decide(analysis))
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected, check_dtype=False)
    assert report.HEAD_TO_HEAD_TITLE in [h.value for h in at.subheader]
    lines = [
        m.value for m in at.markdown if " beats " in m.value or "no clear difference" in m.value
    ]
    pairs = decision.head_to_head(analysis)
    assert len(lines) == len(pairs) == 3
    for line, pair in zip(lines, pairs, strict=True):
        assert pair.lever in line and pair.other in line
        assert Formatter("en", "RUB").money(pair.diff, signed=True, digits=0) in line


def test_query_parameters_set_the_settings(app_env):
    at = run(
        {"experiment": "Loyalty levers 2026-Q2", "horizon": "90", "cap": "off", "correction": "bh"}
    )
    assert widget(at, "Horizon").value == "90"
    assert widget(at, "Cap").value == "off"
    assert widget(at, "Correction").value == "bh"
    share_link = at.code[0].value
    for part in (
        "experiment=1",  # links carry the id; the name in the URL still opened the view
        "horizon=90",
        "cap=off",
        "correction=bh",
        "confidence=95",
    ):
        assert part in share_link


def test_money_effects_are_the_uncapped_mean_difference_unless_capping_is_asked_for(app_env):
    """Default: no capping, and the page says which estimand it shows; cap=on names the
    winsorised mean difference as a different estimand."""
    from experiments import stats

    at = run()
    assert widget(at, "Cap").value == "off"
    assert "cap=off" in at.code[0].value
    assert any("money effects: mean difference per customer" in c.value for c in at.caption)
    capped = run({"experiment": "Loyalty levers 2026-Q2", "cap": "on"})
    assert any(stats.money_estimand_label(True) in c.value for c in capped.caption)
    assert "not the roubles difference" in stats.money_estimand_label(True)


def test_cuped_estimate_is_shown_beside_the_unadjusted_one(app_env):
    from experiments import report

    at = run()
    analysis = metrics.analyze_experiment(open_store(app_env), 1)
    assert report.ADJUSTMENT_TITLE in [h.value for h in at.subheader]
    shown = next(d.value for d in at.dataframe if "adjusted (CUPED)" in d.value.columns)
    expected = report.adjustment_table(analysis.effects)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected, check_dtype=False)
    net = expected[(expected.metric == "net_value") & (expected.vs == "Control")]
    assert len(net) == 3 and (net["variance reduction"] > 0).all()
    assert all("pre_spend_capped" in c for c in net["covariates"])
    welch = analysis.effect("Surprise gift", "net_value", "welch")
    row = net[net.arm == "Surprise gift"].iloc[0]
    assert row["unadjusted"] == pytest.approx(welch.diff)


def _effects(at: AppTest):
    return next(d.value for d in at.dataframe if "p_adjusted" in d.value.columns)


def test_changing_a_setting_changes_the_link_and_the_view_not_the_verdict(app_env):
    """Settings other than the design rule's give an exploratory view, labelled; the
    verdicts (and the report link that carries them) stay those of the rule."""
    at = run(sections=("section_effects",))
    cards = [m.value for m in at.markdown if "net value per customer after its cost" in m.value]
    effects = _effects(at)
    assert not any("Exploratory view" in i.value for i in at.info)
    for name, value in (("Horizon", "180"), ("Confidence", "90"), ("Correction", "bh")):
        widget(at, name).set_value(value).run()
        assert not at.exception
    assert "horizon=180" in at.code[0].value and "confidence=90" in at.code[0].value
    assert [
        m.value for m in at.markdown if "net value per customer after its cost" in m.value
    ] == cards
    banner = next(i.value for i in at.info if "Exploratory view" in i.value)
    assert "horizon 180 days" in banner and "90% confidence" in banner
    assert not _effects(at).equals(effects)  # the view's numbers did change


def test_share_link_reopens_the_same_view(app_env):
    at = run({"horizon": "30", "cuped": "off"})
    link = at.code[0].value
    # decoded as a browser does (a raw split kept 'Loyalty+levers+2026-Q2', which only passed
    # while a link to an unknown experiment silently opened the first one)
    query = dict(urllib.parse.parse_qsl(link.split("?", 1)[1]))
    again = run(query)
    cards = lambda a: [m.value for m in a.markdown if "net value per customer" in m.value]  # noqa: E731
    assert cards(again) == cards(at)


def test_report_view_is_read_only(app_env):
    at = run({"view": "report", "experiment": "1"})
    assert "Read-only report" in at.caption[0].value
    assert len(at.file_uploader) == 0 and len(at.button) == 0
    assert len(at.selectbox) == 0  # no settings to change, no pickers
    assert any("Surprise gift" in m.value for m in at.markdown)


def test_signed_report_link_refuses_a_tampered_token(app_env, tmp_path):
    from experiments import share

    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["share"] = {"secret": "test-secret"}
    params = {"experiment": "1", "horizon": "60", "view": "report"}
    token = share.sign(params, "test-secret", ttl_seconds=600)
    at.query_params.update({**params, "token": token, "horizon": "90"})
    at.run()
    assert at.error and "changed" in at.error[0].value
    assert not any("Surprise gift" in m.value for m in at.markdown)


def test_signed_report_link_opens_with_a_valid_token(app_env):
    from experiments import share

    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["share"] = {"secret": "test-secret"}
    params = {"experiment": "1", "horizon": "60", "view": "report"}
    at.query_params.update({**params, "token": share.sign(params, "test-secret", ttl_seconds=600)})
    at.run()
    assert not at.error
    assert any("Surprise gift" in m.value for m in at.markdown)


@pytest.mark.parametrize("page", ["pages/results.py", "pages/data.py"])
def test_editor_password_protects_editing_pages(app_env, page):
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = {"editor_password": "pw"}
    at.run()
    at.switch_page(page).run()
    assert at.title[0].value == "Sign in to edit"
    at.text_input[0].input("pw")
    at.button[0].click().run()
    assert at.title[0].value != "Sign in to edit"


@pytest.fixture(scope="module")
def default_size_db(tmp_path_factory):
    from experiments import demo
    from experiments.store import Store

    path = tmp_path_factory.mktemp("full") / "demo.duckdb"
    store = Store(path)
    demo.seed_demo(store)  # the default 20,000 customers, as on first start
    store.close()
    return path


def test_clv_projection_is_labelled_model_based_and_covers_every_arm(
    default_size_db, monkeypatch, tmp_path
):
    db = tmp_path / "store.duckdb"
    db.write_bytes(default_size_db.read_bytes())
    monkeypatch.setenv("LOYALTY_LAB_DB", str(db))
    at = run()
    next(b for b in at.button if b.label.startswith("Project 12-month CLV")).click().run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "vs control" in d.value.columns)
    assert list(table["arm"]) == ["Control", "10% discount", "Surprise gift", "Personal outreach"]
    # each lever has a projection, or a warning says why it is withheld
    warnings = " ".join(w.value for w in at.warning)
    for arm, difference in zip(table["arm"][1:], table["vs control"][1:], strict=True):
        assert (difference == difference) or f"{arm}: Projection withheld" in warnings
    assert table["vs control"].isna().tolist()[0]
    assert any("check," in c for c in table.columns)  # predicted vs actual on held-back days
    assert any("model-based projection" in c.value.lower() for c in at.caption)


def test_clv_projection_that_cannot_be_checked_says_why(app_env, monkeypatch):
    from experiments.clv import projection

    # fitted without the last days the models have no usable fit, as with too little data;
    # patched because whether 4,000 demo customers identify them is a numerical accident
    monkeypatch.setattr(projection, "holdout_checks", lambda *args, **kwargs: {})
    at = run()
    next(b for b in at.button if b.label.startswith("Project 12-month CLV")).click().run()
    assert not at.exception
    assert any("could not be checked" in w.value for w in at.warning)


def test_first_start_on_an_empty_store_seeds_the_demo_and_shows_its_experiment(
    monkeypatch, tmp_path
):
    from experiments import config
    from experiments.store import overview

    db = tmp_path / "fresh" / "loyalty.duckdb"  # nothing there yet, as on a new machine
    # the default store path (a LOYALTY_LAB_DB naming no file is reported, not seeded)
    monkeypatch.delenv("LOYALTY_LAB_DB", raising=False)
    monkeypatch.setattr(config, "DEFAULT_DB_PATH", db)
    at = run()
    with open_store(db).cursor() as cur:
        stats = overview.store_stats(cur)
        experiments = experiment.list_all(cur)
    assert stats.customers == config.DEMO_CUSTOMERS
    assert [(e.name, e.status) for e in experiments] == [(config.DEMO_EXPERIMENT_NAME, "completed")]
    assert any("Personal outreach" in m.value for m in at.markdown)
    at.run()  # a second run of the same session does not seed again
    with open_store(db).cursor() as cur:
        assert overview.store_stats(cur).uploads == stats.uploads


def test_running_experiment_opens_on_the_data_so_far(app_env):
    """Three weeks into a 60-day test, the planned horizon has no fully observed customer;
    the page opens on the 21 days every customer has, with estimates, and says so."""
    from datetime import timedelta

    from experiments.store import overview

    store = open_store(app_env)
    with store.cursor() as cur:
        data_end = overview.store_stats(cur).last_ts
    spec = design.ExperimentSpec(
        name="Gift vs call, running",
        arms=(
            design.ArmSpec("control", "control"),
            design.ArmSpec("gift", "gift", gift_cost=250),
            design.ArmSpec("call", "outreach", minutes=10, hourly_cost=900),
        ),
        salt="so-far",
    )
    experiment_id = design.save_experiment(store, spec)
    started = pd.Timestamp(data_end).to_pydatetime() - timedelta(days=21, hours=6)
    design.start_experiment(store, experiment_id, started_at=started)

    at = run({"experiment": "Gift vs call, running"})
    horizon = widget(at, "Horizon")
    assert horizon.value == "21"
    assert "21 (all data so far)" in horizon.options  # AppTest lists the labels
    assert "60 (planned)" in horizon.options
    text = " ".join(m.value for m in at.markdown)
    assert "gift" in text and "no estimate" not in text  # estimates at 21 days (names escaped)
    assert "horizon=21" in at.code[0].value  # the share link keeps the interim view
    assert any("running, day 21 of 60" in c.value for c in at.caption)
    # with two experiments, one line each: which runs and how far its data reaches
    table = at.expander[0].dataframe[0].value.set_index("experiment")
    assert table.loc["Gift vs call, running", "observed_days"] == 21
    assert table.loc["Gift vs call, running", "progress"] == pytest.approx(21 / 60)
    assert table.loc["Gift vs call, running", "levers"] == "gift, call"
    assert table.loc["Loyalty levers 2026-Q2", "progress"] == 1.0
    # a report link without a horizon opens on the same interim view
    report = run({"view": "report", "experiment": "Gift vs call, running"})
    assert any("horizon 21 days" in c.value for c in report.caption)


def test_an_interim_look_keeps_every_lever_running_and_states_the_rule(app_env):
    """Day 10 of a 60-day test: the page opens on the data so far, and no lever is shipped on
    it (a discount pulls purchases forward; its money is judged at the planned horizon)."""
    from datetime import timedelta

    from experiments.store import Store

    store = Store(app_env)
    with store.transaction() as cur:
        (start,) = cur.execute("SELECT min(assigned_at) FROM assignments").fetchone()
        cur.execute("DELETE FROM transactions WHERE ts > ?", [start + timedelta(days=10)])
        cur.execute("UPDATE experiments SET status = 'running', ended_at = NULL")
    store.close()
    at = run()
    assert not at.exception
    cards = [m.value for m in at.markdown if "-badge[" in m.value]
    assert len(cards) == 3 and all("keep running" in c for c in cards), cards
    assert any("Verdict rule fixed at design" in c.value for c in at.caption)
    assert any("So far" in c.value and "planned 60" in c.value for c in at.caption)


def test_exports_are_built_when_downloaded_not_on_every_render(app_env, monkeypatch):
    """The effects XLSX and CSV were built on every rerun of the page (#15: work only when
    asked); now the download buttons carry callables."""
    from experiments import report

    def refuse(*_args, **_kwargs):
        raise AssertionError("built on render")

    monkeypatch.setattr(report, "effects_xlsx", refuse)
    monkeypatch.setattr(report, "effects_csv", refuse)
    monkeypatch.setattr(report, "html_report", refuse)
    at = run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert {"Effects (XLSX)", "Effects (CSV)", "HTML report (works offline)"} <= set(labels)
