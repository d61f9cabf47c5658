"""Customers page figures on the domain functions' own outputs (raw CDNOW in a fresh store):
titles, axis titles with units, trace values equal to the inputs, and a message figure (not an
exception) for empty or degenerate data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import charts, clv, config
from experiments.store import Store
from experiments.store import customers as sql
from experiments.store import design_sql as ds
from experiments.store.customers import HistoricClv
from tests.test_customers_sql import insert_transactions, read_cdnow_sample


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory, datasets: Path) -> Store:
    store = Store(tmp_path_factory.mktemp("charts") / "cdnow.duckdb")
    insert_transactions(store, read_cdnow_sample(datasets))
    yield store
    store.close()


def is_message(fig, text: str) -> bool:
    """An empty-state figure: no traces, one annotation carrying the message."""
    return len(fig.data) == 0 and any(text in a.text for a in fig.layout.annotations)


def test_rfm_segments_figure_draws_both_shares_per_segment(cdnow):
    segments = ds.rfm_segments(cdnow.cursor(), dt.date(1997, 10, 1), 365)
    fig = charts.rfm_segments_figure(segments, lookback_days=365)
    assert fig.layout.title.text == "Customers and revenue by RFM segment"
    assert fig.layout.xaxis.title.text == "RFM segment"
    assert "%" in fig.layout.yaxis.title.text
    customers, revenue = fig.data
    assert list(customers.x) == list(segments["segment"])
    expected = segments["customers"] / segments["customers"].sum() * 100
    np.testing.assert_allclose(customers.y, expected)
    np.testing.assert_allclose(revenue.y, segments["revenue_share"] * 100)
    assert sum(customers.y) == pytest.approx(100.0)
    assert "365 days" in revenue.name and config.CURRENCY in revenue.hovertemplate


def test_rfm_segments_figure_of_an_empty_store_is_a_message(store):
    segments = ds.rfm_segments(store.cursor(), dt.date(2026, 1, 1))
    assert is_message(charts.rfm_segments_figure(segments, lookback_days=365), "No customers")


def test_cohort_heatmap_cells_equal_the_retention_table(cdnow):
    cohorts = sql.cohort_retention(cdnow.cursor(), until=dt.date(1997, 6, 15), max_months=12)
    fig = charts.cohort_retention_figure(cohorts)
    heatmap = fig.data[0]
    assert fig.layout.xaxis.title.text == "Months since first purchase"
    assert fig.layout.yaxis.title.text == "First-purchase month"
    assert list(heatmap.y) == ["1997-01", "1997-02", "1997-03"]  # CDNOW's cohort is Q1 1997
    assert list(heatmap.x) == list(range(int(cohorts["months_since"].max()) + 1))
    filled = 0
    for row in cohorts.itertuples():
        i = list(heatmap.y).index(pd.Timestamp(row.cohort).strftime("%Y-%m"))
        assert heatmap.z[i][row.months_since] == pytest.approx(row.retention * 100)
        assert heatmap.text[i][row.months_since].endswith("*") == bool(row.partial)
        filled += 1
    cells = sum(v is not None for line in heatmap.z for v in line)
    assert cells == filled == len(cohorts)  # months not yet lived are blank, not 0
    assert heatmap.z[2][5] is None  # the March cohort has 3 months to June
    later = cohorts.loc[cohorts["months_since"] > 0, "retention"].max() * 100
    assert heatmap.zmax == pytest.approx(later) and heatmap.zmin == 0


def test_cohort_heatmap_of_no_purchases_is_a_message(store):
    fig = charts.cohort_retention_figure(sql.cohort_retention(store.cursor()))
    assert is_message(fig, "No purchases")


def test_repeat_curve_figure_plots_the_kaplan_meier_share(cdnow, store):
    curve = sql.repeat_purchase_curve(cdnow.cursor(), max_days=365)
    fig = charts.repeat_curve_figure(curve)
    line = fig.data[0]
    np.testing.assert_array_equal(line.x, curve["day"])
    np.testing.assert_allclose(line.y, curve["repeat_share"] * 100)
    assert fig.layout.xaxis.title.text == "Days since first purchase"
    assert "%" in fig.layout.yaxis.title.text
    share_90 = curve.loc[curve["day"] == 90, "repeat_share"].item()
    assert any(f"{share_90:.0%} by day 90" == a.text for a in fig.layout.annotations)
    assert is_message(charts.repeat_curve_figure(sql.repeat_purchase_curve(store.cursor())), "No")


def test_historic_clv_figure_bars_equal_the_histogram(cdnow):
    result = sql.historic_clv(cdnow.cursor(), months=12, bins=20)
    fig = charts.historic_clv_figure(result)
    bars = fig.data[0]
    np.testing.assert_array_equal(bars.y, result.histogram["customers"])
    assert sum(bars.y) == result.eligible_customers
    starts = bars.x - np.asarray(bars.width) / 2
    np.testing.assert_allclose(starts, result.histogram["bin_start"])
    assert bars.customdata[-1].endswith("and more")  # the open bin above the 99th percentile
    assert fig.layout.xaxis.title.text == f"Margin in the first 12 months, {config.CURRENCY}"
    assert fig.layout.yaxis.title.text == "Customers"
    assert "12 months" in fig.layout.title.text
    assert fig.layout.shapes[0].x0 == pytest.approx(result.median)


def test_historic_clv_without_eligible_customers_is_a_message(cdnow):
    result = sql.historic_clv(cdnow.cursor(), months=24)
    assert result.status == "insufficient_data"
    assert is_message(charts.historic_clv_figure(result), "24 months")
    blank = HistoricClv("insufficient_data", 12, 0, 0.0, 0.0, 0.0, 0.0, pd.DataFrame())
    assert is_message(charts.historic_clv_figure(blank), "12 months")


def test_value_bins_match_numpy_below_the_cap_and_keep_everyone():
    values = np.random.default_rng(3).lognormal(7, 1, 5000)
    bins = charts.value_bins(values, bins=25, cap_quantile=0.99)
    edges = np.linspace(values.min(), np.quantile(values, 0.99), 26)
    below = np.histogram(values[values < edges[-1]], edges)[0]
    np.testing.assert_array_equal(bins["customers"].to_numpy()[:-1], below[:-1])
    assert bins["customers"].sum() == len(values)
    assert pd.isna(bins["bin_end"].iloc[-1])  # open above the cap
    constant = charts.value_bins(np.full(7, 12.5))
    assert constant[["bin_start", "customers"]].to_dict("list") == {
        "bin_start": [12.5],
        "customers": [7],
    }
    assert pd.isna(constant["bin_end"].iloc[0])
    assert charts.value_bins([np.nan]).empty


@pytest.fixture(scope="module")
def predictions(cdnow) -> pd.DataFrame:
    summary = sql.rfm_summary(cdnow.cursor(), until=dt.date(1997, 9, 30))
    model = clv.fit_clv(summary, months=12, standard_errors=False)
    assert model.converged
    return model.predictions


def test_predicted_clv_figure_counts_every_customer(predictions):
    fig = charts.predicted_clv_figure(predictions, months=12)
    bars = fig.data[0]
    expected = charts.value_bins(predictions["expected_clv"])
    np.testing.assert_array_equal(bars.y, expected["customers"])
    assert sum(bars.y) == len(predictions) == 2357
    assert config.CURRENCY in fig.layout.xaxis.title.text and "12 months" in fig.layout.title.text
    assert fig.layout.shapes[0].x0 == pytest.approx(predictions["expected_clv"].median())
    assert is_message(charts.predicted_clv_figure(pd.DataFrame(), months=12), "No fitted model")
    same = charts.predicted_clv_figure(pd.DataFrame({"expected_clv": [5.0] * 4}), months=6)
    assert list(same.data[0].y) == [4] and not np.isnan(same.data[0].width).any()


def test_probability_alive_figure_equals_a_numpy_histogram(predictions):
    fig = charts.probability_alive_figure(predictions, bins=20)
    bars = fig.data[0]
    expected = np.histogram(predictions["probability_alive"], bins=20, range=(0.0, 1.0))[0]
    np.testing.assert_array_equal(bars.y, expected)
    assert fig.layout.xaxis.title.text == "Probability still active, %"
    assert tuple(fig.layout.xaxis.range) == (0, 100)
    assert is_message(charts.probability_alive_figure(pd.DataFrame()), "No fitted model")
