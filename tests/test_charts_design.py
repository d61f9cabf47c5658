"""Design page figures: audience spend histogram and power curve, checked on their data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from experiments import charts, config, design


def histogram() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bin_start": [0.0, 500.0, 1000.0, 1500.0],
            "bin_end": [500.0, 1000.0, 1500.0, 2000.0],
            "customers": [40, 25, 10, 5],
        }
    )


def test_spend_histogram_bars_span_their_bins_in_money():
    fig = charts.audience_spend_figure(histogram(), lookback_days=365)
    (bar,) = fig.data
    assert list(bar.x) == [250.0, 750.0, 1250.0, 1750.0]
    assert list(bar.width) == [500.0] * 4
    assert list(bar.y) == [40, 25, 10, 5]
    assert fig.layout.title.text == "Spend in the last 365 days of the chosen audience"
    assert fig.layout.xaxis.title.text == f"Spend in the last 365 days, {config.CURRENCY}"
    assert fig.layout.yaxis.title.text == "Customers"
    # the last bin holds the top 1%: its label is open-ended
    # one wording with the Customers page's histograms; the unit joined by a no-break space
    assert bar.customdata[-1] == f"1,500\u00a0{config.CURRENCY} and more"
    assert bar.customdata[0] == f"0 to 500\u00a0{config.CURRENCY}"


def test_empty_audience_gives_a_message_not_an_empty_axis():
    empty = histogram().iloc[0:0]
    fig = charts.audience_spend_figure(empty, lookback_days=90)
    assert not fig.data
    assert fig.layout.annotations[0].text == "No customer matches the filters"
    zeros = histogram().assign(customers=0)
    assert not charts.audience_spend_figure(zeros, lookback_days=90).data


def test_power_curve_plots_statsmodels_power_in_percent():
    curve = design.power_curve(0.3, 5.0, [100, 500, 1000, 2000], alpha=0.025)
    fig = charts.power_curve_figure(curve, lift_pp=5.0, target_power=0.8, available_n=800)
    (line,) = fig.data
    effect = proportion_effectsize(0.35, 0.3)
    expected = [
        100 * NormalIndPower().power(effect, nobs1=n, alpha=0.025, ratio=1.0)
        for n in (100, 500, 1000, 2000)
    ]
    np.testing.assert_allclose(list(line.y), expected, rtol=1e-9)
    assert list(line.x) == [100, 500, 1000, 2000]
    # the Formatter's points: '+5.0' and 'pp' joined by a no-break space
    assert fig.layout.title.text == "Chance to detect +5.0\u00a0pp on the repeat rate"
    assert fig.layout.xaxis.title.text == "Customers per treatment arm"
    assert fig.layout.yaxis.title.text == "Power, %"
    assert len(fig.layout.shapes) == 2
    assert fig.layout.shapes[0].y0 == 80.0 and fig.layout.shapes[0].y1 == 80.0
    assert fig.layout.shapes[1].x0 == 800 and fig.layout.shapes[1].x1 == 800
    texts = [a.text for a in fig.layout.annotations]
    assert "target 80%" in texts and "your audience: 800 per arm" in texts


def test_power_curve_without_audience_marker_and_degenerate_curve():
    curve = design.power_curve(0.3, 5.0, [100, 200])
    fig = charts.power_curve_figure(curve, lift_pp=5.0, target_power=0.9)
    assert len(fig.layout.shapes) == 1
    empty = design.power_curve(0.0, 5.0)
    fig = charts.power_curve_figure(empty, lift_pp=5.0, target_power=0.8)
    assert not fig.data and "degenerate" in fig.layout.annotations[0].text
