"""Pages: the margin rate and the discount cost next to every net value, the store settings on the
Data page, and the status of an experiment past its planned horizon (issue #10, points 2, 9)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from streamlit.testing.v1 import AppTest

from experiments import design
from experiments.store import open_store, overview
from experiments.store import settings as store_settings

from .conftest import APP


def run(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_results_show_the_margin_rate_and_the_discount_cost_basis(app_env):
    at = run()
    basis = [c for c in captions(at) if "margin rate of 35% (the default)" in c]
    assert len(basis) == 2  # under the lever table and under the head to head
    cards = [c for c in captions(at) if "Margin rate 35% (the default)" in c]
    assert len(cards) == 3  # one per decision card
    assert all("discount cost from the discount amounts in the data" in c for c in basis + cards)

    store = open_store(app_env)
    store_settings.update_settings(store, {"margin_rate": 0.3})
    with store.transaction() as cur:  # an export without a discount column
        cur.execute("UPDATE transactions SET discount = 0")
    at = run()
    basis = [c for c in captions(at) if "argin rate 30% (the store setting)" in c]
    basis += [c for c in captions(at) if "margin rate of 30% (the store setting)" in c]
    assert len(basis) == 5
    assert all(
        "discount cost estimated from the configured 10% on 85% of orders because the data "
        "has no discount amounts" in c
        for c in basis
    )
    assert any("Discount cost estimated" in w.value for w in at.warning)
    report = run({"view": "report", "experiment": "Loyalty levers 2026-Q2"})
    assert any("margin rate of 30% (the store setting)" in c for c in captions(report))


def _data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def test_data_page_sets_the_store_margin_rate(app_env):
    at = _data_page()
    assert "Store settings" in [h.value for h in at.header]
    field = at.text_input(key="margin_rate_input")
    assert field.value == "35%"
    field.input("30%")
    at.button(key="save_settings").click().run()
    assert not at.exception, at.exception
    assert at.success and "Margin rate set to 30.0%" in at.success[0].value
    with open_store(app_env).cursor() as cur:
        assert store_settings.read_settings(cur).margin_rate == 0.3
    assert at.text_input(key="margin_rate_input").value == "30%"


def test_data_page_refuses_a_bad_margin_rate_and_keeps_the_store(app_env):
    store = open_store(app_env)
    version = store.version()
    at = _data_page()
    at.text_input(key="margin_rate_input").input("1.5")
    at.button(key="save_settings").click().run()
    assert not at.exception, at.exception
    assert at.error and "between 0 and 1" in at.error[0].value
    assert store.version() == version
    with store.cursor() as cur:
        assert store_settings.read_settings(cur).margin_rate is None


def test_a_running_experiment_past_its_horizon_reads_ready(app_env):
    """The demo experiment, running on day 213 of a 60-day plan: ready to read, not 'day 213
    of 60'; the experiments table and the report view say the same."""
    store = open_store(app_env)
    with store.transaction() as cur:
        cur.execute("UPDATE experiments SET status = 'running' WHERE experiment_id = 1")
        days = overview.observed_days(cur, 1)
        data_end = overview.store_stats(cur).last_ts
    assert days is not None and days > 60
    spec = design.ExperimentSpec(
        name="Gift test, day 21",
        arms=(design.ArmSpec("control", "control"), design.ArmSpec("gift", "gift", gift_cost=250)),
        salt="day-21",
    )
    experiment_id = design.save_experiment(store, spec)
    started = pd.Timestamp(data_end).to_pydatetime() - timedelta(days=21, hours=6)
    design.start_experiment(store, experiment_id, started_at=started)

    ready = f"running, day {days}: the planned 60 days are observed — ready to read"
    at = run({"experiment": "Loyalty levers 2026-Q2"})
    assert any(ready in c for c in captions(at)), captions(at)
    assert not any(f"day {days} of 60" in c for c in captions(at))
    table = at.expander[0].dataframe[0].value.set_index("experiment")
    assert table.loc["Loyalty levers 2026-Q2", "reading"] == (
        "ready to read: the planned 60 days are observed"
    )
    assert table.loc["Gift test, day 21", "reading"] == "day 21 of 60"
    at = run({"experiment": "Gift test, day 21"})
    assert any("running, day 21 of 60" in c for c in captions(at))
    report = run({"view": "report", "experiment": "Loyalty levers 2026-Q2"})
    assert any(ready in c for c in captions(report))
