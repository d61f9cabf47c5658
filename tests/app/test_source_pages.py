"""The Results page reads its transactions from `[source] url` in the secrets: a DuckDB file
and an embedded ClickHouse (chDB) directory holding the store's transactions give the numbers
the engine gives for that source, and the page names the source (redacted)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from experiments import clv, metrics, source_engine
from experiments.i18n import t
from experiments.sources import parse_source
from experiments.store import customers as customers_sql
from experiments.store import open_store
from tests.engines.conftest import shared_chdb_path, warehouse_files

from .conftest import APP

pytestmark = pytest.mark.engines
pytest.importorskip("ibis", reason="ibis-framework not installed: requirements-engines.txt")


@pytest.fixture
def warehouse(app_env, tmp_path_factory) -> dict[str, str]:
    store = open_store(app_env)
    return warehouse_files(
        store, tmp_path_factory.mktemp("app-src"), shared_chdb_path(tmp_path_factory), "app"
    )


def shown(elements) -> str:
    """The elements' text as a person reads it (Markdown escapes taken out)."""
    return " ".join(e.value for e in elements).replace("\\", "")


def run(secrets: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in secrets.items():
        at.secrets[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("kind", ["duckdb", "chdb"])
def test_results_read_the_configured_source(app_env, warehouse, kind):
    if kind not in warehouse:
        pytest.skip("chdb not installed")
    section = {"url": warehouse[kind]}
    if kind == "chdb":
        section["table"] = "transactions_app"
    source_engine.forget_engines()
    at = run({"source": section})
    captions = shown(at.caption)
    assert f"Transactions are read from {warehouse[kind]}" in captions
    assert "not computed" not in captions  # the projection is computed on a source too
    source = source_engine.configured_source(None, section, {})
    analysis = metrics.analyze_experiment(open_store(app_env), 1, source=source)
    discount = analysis.effect("10% discount", "repeat_purchase", "z")
    assert any(f"{discount.diff * 100:+.1f}\u00a0pp" in m.value for m in at.markdown)


def held_back(result: clv.ProjectionResult) -> str:
    return t("clv.projection.held_back", "en", days=result.holdout_days)


@pytest.mark.parametrize("kind", ["duckdb", "chdb"])
def test_the_results_pages_clv_projection_reads_the_source(app_env, warehouse, kind, monkeypatch):
    """The store's own transactions are emptied: the per-arm projection the button fits is
    the store's before (its follow-up read on the source, the assignments sent there)."""
    from experiments.store import settings

    if kind not in warehouse:
        pytest.skip("chdb not installed")
    store = open_store(app_env)
    with store.cursor() as cur:
        currency = settings.currency(cur)
        row = cur.execute(
            "SELECT count(DISTINCT customer_id) FROM assignments WHERE experiment_id = 1"
        ).fetchone()
    assert row is not None
    assigned = int(row[0])
    want = clv.project_arms(store, 1, months=12, bootstrap=0)
    assert want.status == "ok"
    with store.cursor() as cur:
        cur.execute("DELETE FROM transactions")
    section = {"url": warehouse[kind]}
    if kind == "chdb":
        section["table"] = "transactions_app"
    source_engine.forget_engines()
    monkeypatch.setattr(source_engine, "is_remote", lambda source: source is not None)
    at = run({"source": section})
    # treated as a remote source: the rows the projection brings back are said first
    asked = shown(at.info)
    assert f"at most {assigned:,} rows from" in asked
    at.button(key="projection_1_button").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    projected = t("clv.projection.col.projected", "en", currency=currency)
    table = next(d.value for d in at.dataframe if projected in d.value.columns)
    arm = t("clv.projection.col.arm", "en")
    assert table[arm].tolist() == [a.name for a in want.arms]
    fit = t("clv.projection.col.fit", "en")
    assert table[fit].tolist() == [
        a.status if a.status == "ok" else f"{a.status}: {a.message}" for a in want.arms
    ]
    observed = t("clv.projection.col.observed", "en", currency=currency)
    for column, wanted in [
        (observed, [a.observed_margin for a in want.arms]),
        (projected, [a.projected_clv for a in want.arms]),
        (
            t("clv.projection.col.check_actual", "en", held_back=held_back(want)),
            [a.check.actual_difference if a.check else None for a in want.arms],
        ),
    ]:
        expected = [float("nan") if v is None else v for v in wanted]
        assert table[column].to_numpy(dtype=float) == pytest.approx(
            expected, rel=1e-6, nan_ok=True
        ), column
    assert sum(v is not None for v in wanted) >= 2  # the check's numbers are compared


def test_a_source_that_cannot_be_read_is_an_error_with_the_reason(app_env, tmp_path):
    at = run({"source": {"url": "clickhouse://reader@127.0.0.1:9/retail", "password": "pw!"}})
    errors = shown(at.error)
    assert "Cannot reach the source clickhouse://reader:***@127.0.0.1:9/retail" in errors
    assert "pw!" not in errors + " ".join(m.value for m in at.markdown)
    at = run({"source": {"url": "mysql://x"}})
    assert "Unknown source type 'mysql'" in shown(at.error)


def test_the_store_itself_shows_no_source_line(app_env):
    at = run({"source": {"url": "duckdb://"}})
    assert "read from" not in shown(at.caption)
    assert parse_source("duckdb://").path is None


def customers_page(secrets: dict) -> AppTest:
    at = run(secrets)
    at.switch_page("pages/customers.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("kind", ["duckdb", "chdb"])
def test_the_customers_page_reads_its_rfm_and_clv_from_the_source(
    app_env, warehouse, kind, monkeypatch
):
    """The store's own transactions are emptied: every number on the page must come from the
    source, and equal what the store gave before."""
    if kind not in warehouse:
        pytest.skip("chdb not installed")
    store = open_store(app_env)
    with store.cursor() as cur:
        want = customers_sql.customer_overview(cur)
        want_clv = clv.fit_store(cur)
        summary = customers_sql.rfm_summary(cur)
        cells = len(summary.drop_duplicates(["frequency", "recency", "T", "monetary"]))
        cur.execute("DELETE FROM transactions")
    section = {"url": warehouse[kind]}
    if kind == "chdb":
        section["table"] = "transactions_app"
    source_engine.forget_engines()
    monkeypatch.setattr(source_engine, "is_remote", lambda source: source is not None)
    at = customers_page({"source": section})
    assert not at.error, [e.value for e in at.error]
    assert f"Transactions are read from {warehouse[kind]}" in shown(at.caption)
    tiles = {m.label: m.value.replace("\u00a0", " ") for m in at.metric}
    assert tiles["Customers"] == f"{want.base.customers:,}"
    assert tiles["Active in the last 12 months"] == f"{want.base.active_customers:,}"
    assert tiles["Repeat share"] == f"{want.base.repeat_share:.1%}"
    table = next(d.value for d in at.dataframe if "repeat_rate" in d.value.columns)
    assert list(table["customers"]) == list(want.segments["customers"])
    assert table["repeat_rate"].to_numpy() == pytest.approx(want.segments["repeat_rate"])
    # treated as a remote source: the rows the fit brings back are said before the button
    asked = " ".join(i.value for i in at.info)
    assert "rows from" in asked and "Nothing is read until you press the button" in asked
    said = int(asked.split("The fit brings back ")[1].split(" rows")[0].replace(",", ""))
    assert said == cells < want.base.customers
    at.button(key="fit_clv").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    params = next(d.value for d in at.dataframe if "parameter" in d.value.columns)
    estimates = params.set_index("parameter")["estimate"]
    for name, value in vars(want_clv.model.bgnbd.require()).items():
        if value is None:  # `dropout` of a Beta mixture: the page lists a and b instead
            continue
        assert estimates[name] == pytest.approx(value, rel=1e-5), name
    assert "no per-customer download" in shown(at.caption)
    labels = [b.label for b in at.get("download_button")]
    assert "Segments (CSV)" in labels and t("clv.fit.predictions_csv", "en") not in labels


@pytest.mark.parametrize("kind", ["duckdb", "chdb"])
def test_the_customers_pages_cohorts_repeat_curve_and_historic_clv_come_from_the_source(
    app_env, warehouse, kind, monkeypatch
):
    """The store's own transactions are emptied: the opened "Do they come back?" and "What a
    customer is worth" sections chart the source's cohorts, repeat curve and historic CLV,
    equal to what the store gave before (the frames the charts are built from)."""
    import pandas as pd

    from experiments import charts

    if kind not in warehouse:
        pytest.skip("chdb not installed")
    store = open_store(app_env)
    with store.cursor() as cur:
        want = customers_sql.customer_returns(cur)
        historic = customers_sql.historic_clv(cur)
        cur.execute("DELETE FROM transactions")
    assert historic.status == "ok" and len(want.cohorts) > 10
    charted: dict[str, object] = {}
    for name in ("cohort_retention_figure", "repeat_curve_figure", "historic_clv_figure"):
        real = getattr(charts, name)

        def spy(data, *args, _real=real, _name=name, **kwargs):
            charted[_name] = data
            return _real(data, *args, **kwargs)

        monkeypatch.setattr(charts, name, spy)
    section = {"url": warehouse[kind]}
    if kind == "chdb":
        section["table"] = "transactions_app"
    source_engine.forget_engines()
    at = customers_page({"source": section})
    assert "Not computed on a source" not in shown(at.info) + shown(at.caption)
    at.session_state["section_return"] = True
    at.session_state["section_worth"] = True
    at.run()
    assert not at.exception, at.exception
    tiles = {m.label: m.value.replace("\u00a0", " ") for m in at.metric}
    assert tiles["Median 12-month CLV"].endswith(f"{historic.median:,.0f}")
    assert not at.error, [e.value for e in at.error]
    assert "Not computed on a source" not in shown(at.info)
    assert len(at.get("plotly_chart")) == 4  # segments, cohorts, repeat curve, historic CLV
    pd.testing.assert_frame_equal(charted["cohort_retention_figure"], want.cohorts)
    curve = charted["repeat_curve_figure"]
    assert isinstance(curve, pd.DataFrame)
    pd.testing.assert_frame_equal(curve, want.repeat_curve, rtol=1e-9)
    got = charted["historic_clv_figure"]
    assert isinstance(got, customers_sql.HistoricClv)
    assert got.eligible_customers == historic.eligible_customers
    assert got.median == pytest.approx(historic.median, rel=1e-9)
    assert got.histogram["customers"].tolist() == historic.histogram["customers"].tolist()
    summary = " ".join(m.value for m in at.markdown).replace("\u00a0", " ")
    assert f"{historic.p90:,.0f}" in summary


def test_the_horizon_picker_counts_the_days_observed_in_the_source(app_env, tmp_path):
    """A source whose data ends 20 days after the last assignment (the store's runs for
    months): the picker offers those 20 days 'so far', as the analysis counts them."""
    import duckdb

    store = open_store(app_env)
    with store.cursor() as cur:
        frame = cur.execute(
            "SELECT * FROM transactions WHERE ts <= (SELECT max(assigned_at) + INTERVAL 20 DAY"
            " FROM assignments WHERE experiment_id = 1)"
        ).df()
        store_days = source_engine.observed_days(cur, 1)
    path = tmp_path / "short.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("short_frame", frame)
        con.execute("CREATE TABLE transactions AS SELECT * FROM short_frame")
    section = {"url": f"duckdb://{path}"}
    source = source_engine.configured_source(None, section, {})
    with store.cursor() as cur:
        source_days = source_engine.observed_days(cur, 1, source)
    assert source_days is not None and store_days is not None
    assert 19 <= source_days <= 20 < 60 < store_days  # the planned horizon is 60 days
    source_engine.forget_engines()
    at = run({"source": section})
    picker = at.selectbox(key="horizon")
    assert picker.options[0] == f"{source_days} (all data so far)"


def design_page(secrets: dict) -> AppTest:
    at = run(secrets)
    at.switch_page("pages/design.py").run()
    assert not at.exception, at.exception
    return at


def step(element) -> AppTest:
    at = element.run()
    assert not at.exception, at.exception
    return at


def test_the_design_page_computes_the_audience_on_the_source_and_asks_before_rows(
    app_env, warehouse, monkeypatch
):
    """The store's own transactions are emptied: the audience, the planner's baseline and the
    assignment come from the source and equal the store's before. Treated as a remote source,
    the preview says how many rows would come back and waits for the button."""
    from experiments import experiment
    from experiments.design import AudienceFilter
    from experiments.store import design_sql

    store = open_store(app_env)
    filters = AudienceFilter(recency_max=180.0, channels=("web", "app"))
    with store.cursor() as cur:
        audience = design_sql.audience(cur, filters).customers
        inputs = design_sql.planner_inputs(cur, filters, 60)
        ids = set(design_sql.audience_units(cur, filters, "any")["customer_id"])
        cur.execute("DELETE FROM transactions")
    assert 0 < audience < 4000 and inputs.status == "ok"
    monkeypatch.setattr(source_engine, "is_remote", lambda source: source is not None)
    source_engine.forget_engines()
    at = design_page({"source": {"url": warehouse["duckdb"]}})
    assert not at.error, [e.value for e in at.error]
    at.session_state["d_salt"] = "source-design"
    at = step(at.text_input(key="d_name").input("On the warehouse"))
    at = step(at.number_input(key="d_recency_max").set_value(180.0))
    at = step(at.multiselect(key="d_channels").set_value(["web", "app"]))
    assert next(m.value for m in at.metric if m.label == "Audience") == f"{audience:,}"
    at = step(at.button(key="add_gift").click())
    gift_uid, _ = at.session_state["d_arms"][-1]
    at = step(at.number_input(key=f"arm{gift_uid}_gift_cost").set_value(250.0))
    at = step(at.text_area(key="d_hypothesis").input("A gift brings customers back."))
    # the planner's baseline is the source's (the store's before it was emptied)
    from experiments.i18n import t as say

    tiles = {m.label: m.value.replace("\u00a0", " ") for m in at.metric}
    assert tiles[say("plan.baseline", "en")] == f"{inputs.baseline_rate:.1%}"
    assert tiles[say("plan.flow", "en")] == f"{inputs.weekly_flow:,.0f}"
    assert inputs.value_mean is not None
    assert tiles[say("plan.value", "en")].endswith(f"{inputs.value_mean:,.0f}")
    asked = " ".join(i.value for i in at.info)
    assert f"{audience:,} rows would come back" in asked
    assert at.button(key="start_button").disabled  # no preview before the rows are agreed
    at = step(at.button(key="d_source_rows_ok").click())
    assert any("A/A check" in s.value for s in [*at.success, *at.warning])
    spend = say("design.balance.spend", "en", currency="RUB")
    preview = next(d.value for d in at.dataframe if spend in d.value.columns)
    at = step(at.button(key="start_button").click())
    assert not at.error, [e.value for e in at.error]
    # the frozen experiment's balance: its assignments joined on the source, the same means
    frozen = next(d.value for d in at.dataframe if spend in d.value.columns)
    assert frozen["n"].tolist() == preview["n"].tolist()
    assert frozen[spend].to_numpy() == pytest.approx(preview[spend].to_numpy(), rel=1e-9)
    assert (frozen[spend] > 0).all()
    with store.cursor() as cur:
        stored = experiment.load(cur, "On the warehouse")
        assert stored is not None
        assigned = design_sql.assignment_list(cur, stored.id)
    assert stored.status == "running" and set(assigned["customer_id"]) == ids
