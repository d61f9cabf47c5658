"""Customers page through AppTest: the headline and segment table equal the domain functions,
the CLV fit runs on demand and shows the same parameters as `clv.fit_store`, and degenerate
stores get an explanation instead of an exception."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from experiments import clv, config
from experiments.store import Store, design_sql, open_store
from experiments.store import customers as customers_sql
from tests.test_customers_sql import insert_transactions

from .conftest import APP


def customers_page(seeded: bool = True) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if not seeded:
        at.session_state["demo_checked"] = True  # keep the app from seeding an empty store
    at.run()
    at.switch_page("pages/customers.py").run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    """A tile's text, no-break spaces (which keep amounts on one line) read as spaces."""
    return next(m.value for m in at.metric if m.label == label).replace("\u00a0", " ")


def table(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def spaced(value: float) -> str:
    return f"{value:,.0f}"  # the Formatter's English: '1,577' (pages/_ui.count / money)


def test_headline_and_segments_equal_the_domain_numbers(app_env):
    at = customers_page()
    with open_store(app_env).cursor() as cur:
        base = customers_sql.customer_base(cur)
        historic = customers_sql.historic_clv(cur)
        segments = design_sql.rfm_segments(cur, base.as_of)
        features = design_sql.customer_features(cur)
    assert metric(at, "Customers") == spaced(base.customers) == spaced(len(features))
    assert metric(at, "Active in the last 12 months") == spaced(base.active_customers)
    assert metric(at, "Repeat share") == f"{base.repeat_share:.1%}"
    # the historic CLV's tile is in "What a customer is worth", shown when it is opened (#15)
    assert not any(m.label == "Median 12-month CLV" for m in at.metric)
    at.session_state["section_worth"] = True
    at.run()
    assert not at.exception, at.exception
    assert metric(at, "Median 12-month CLV") == f"{config.CURRENCY} {spaced(historic.median)}"
    shown = table(at, "repeat_rate")
    assert list(shown["segment"]) == list(segments["segment"])  # the Design page's segments
    np.testing.assert_array_equal(shown["customers"], segments["customers"])
    np.testing.assert_allclose(shown["revenue_share"], segments["revenue_share"])
    np.testing.assert_allclose(shown["repeat_rate"], segments["repeat_rate"])
    by_feature = features["segment"].value_counts()
    for row in shown.itertuples():
        assert row.customers == by_feature.get(row.segment, 0)
    assert shown["meaning"].notna().all()
    assert shown["customer_share"].sum() == pytest.approx(1.0)
    # the CLV model waits for the button
    assert any("Fit the CLV model" in i.value for i in at.info)
    assert not any("parameter" in d.value.columns for d in at.dataframe)


def test_fitting_shows_the_parameters_of_fit_store_and_refits_on_new_settings(app_env):
    at = customers_page()
    at.button(key="fit_clv").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    with open_store(app_env).cursor() as cur:
        expected = clv.fit_store(cur)  # the CLI's defaults: 12 months, store margin
    params = table(at, "parameter").set_index("parameter")
    bg, gg = expected.model.bgnbd.require(), expected.model.gamma_gamma.require()
    for name, value in {**vars(bg), **vars(gg)}.items():
        if value is None:  # `dropout` of a Beta mixture: the page lists a and b instead
            continue
        assert params.at[name, "estimate"] == pytest.approx(value, rel=1e-6), name
    assert params["standard error"].notna().all()
    summary = expected.model.clv_summary()
    mean = f"{config.CURRENCY} {spaced(summary['mean'])}"  # the Formatter's English
    assert metric(at, "Mean expected 12-month CLV") == mean
    assert metric(at, "Mean probability still active") == (
        f"{summary['probability_alive_mean']:.1%}"
    )

    at.run()  # a rerun keeps the fitted model (cached), no second click needed
    assert not at.exception and any("parameter" in d.value.columns for d in at.dataframe)

    at.number_input(key="clv_months").set_value(6).run()
    assert any("refit" in i.value for i in at.info)
    at.button(key="fit_clv").click().run()
    assert not at.exception, at.exception
    with open_store(app_env).cursor() as cur:
        six = clv.fit_store(cur, months=6).model.clv_summary()
    assert metric(at, "Mean expected 6-month CLV") == f"{config.CURRENCY} {spaced(six['mean'])}"
    assert six["mean"] < summary["mean"]


def test_store_without_repeat_purchases_explains_instead_of_failing(tmp_path, monkeypatch):
    db = tmp_path / "one-time.duckdb"
    store = Store(db)
    insert_transactions(
        store,
        pd.DataFrame(
            {
                "customer_id": [f"c{i}" for i in range(30)],
                "ts": pd.date_range("2026-01-01", periods=30, freq="D"),
                "amount": np.linspace(100, 400, 30),
            }
        ),
    )
    store.close()
    monkeypatch.setenv("LOYALTY_LAB_DB", str(db))
    at = customers_page(seeded=False)
    assert metric(at, "Customers") == "30"
    assert metric(at, "Repeat share") == "0.0%"
    at.session_state["section_worth"] = True
    at.run()
    assert metric(at, "Median 12-month CLV") == "n/a"  # nobody has 12 months of history
    at.button(key="fit_clv").click().run()
    assert not at.exception, at.exception
    message = " ".join(e.value for e in at.error)
    assert "could not be used" in message and "What to do" in message
    assert not any("Mean expected" in m.label for m in at.metric)


def test_empty_store_points_to_the_data_page(tmp_path, monkeypatch):
    Store(tmp_path / "empty.duckdb").close()
    monkeypatch.setenv("LOYALTY_LAB_DB", str(tmp_path / "empty.duckdb"))
    at = customers_page(seeded=False)
    assert any("Data page" in i.value for i in at.info)
    assert not at.metric


def test_closed_sections_build_no_figures_until_opened(app_env):
    at = customers_page()
    assert [e.label for e in at.expander] == [
        "Who they are: RFM segments",
        "Do they come back?",
        "What a customer is worth",
    ]
    assert len(at.get("plotly_chart")) == 1  # the segments' chart; the closed two build none
    assert not any("Kaplan-Meier" in c.value for c in at.caption)
    at.session_state["section_return"] = True
    at.session_state["section_worth"] = True
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 4  # cohorts, repeat curve, historic CLV
    assert any("Kaplan-Meier" in c.value for c in at.caption)
    with open_store(app_env).cursor() as cur:
        historic = customers_sql.historic_clv(cur)
    assert any(spaced(historic.median) in m.value.replace("\u00a0", " ") for m in at.markdown)
    at.session_state["section_segments"] = False
    at.run()
    assert len(at.get("plotly_chart")) == 3 and not any(
        "repeat_rate" in d.value.columns for d in at.dataframe
    )


def test_the_return_section_is_queried_only_when_opened(app_env, monkeypatch):
    """#15: the cohorts and the repeat curve are a query of their own, run when "Do they come
    back?" is opened, not part of the page's first open (0.45 s of its 2.2 s CPU at 1M)."""
    calls = []
    real = customers_sql.customer_returns

    @functools.wraps(real)  # cached_query finds the function by module and name
    def counting(cur, *args, **kwargs):
        calls.append(args)
        return real(cur, *args, **kwargs)

    monkeypatch.setattr(customers_sql, "customer_returns", counting)
    at = customers_page()
    assert calls == []
    at.session_state["section_return"] = True
    at.run()
    assert not at.exception, at.exception
    assert len(calls) == 1
    assert len(at.get("plotly_chart")) == 3  # segments, cohorts, repeat curve
    assert any("Kaplan-Meier" in c.value for c in at.caption)
