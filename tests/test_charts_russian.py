"""Every chart built with lang="ru" reads Russian: titles, subtitles, axis and colour-bar titles,
legend entries, annotations and hover texts carry no English word (names that stay as they are,
like RFM or the arms' own names, are allowed explicitly), and numbers use the Russian decimal
comma and space groups (plotly `separators`), months the Russian names."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from experiments import charts, design, report, stats
from experiments.store.customers import HistoricClv

# technical names a Russian marketer reads as they are (the glossary explains them)
ALLOWED = {"RFM", "CLV", "BG", "NBD", "Gamma", "CUPED", "Kaplan", "Meier", "p"}
PLOTLY_MARKUP = re.compile(r"%\{[^}]*\}|<extra></extra>|<br>|</?b>")
WORD = re.compile(r"[A-Za-z]{2,}")


def chart_texts(fig: go.Figure) -> list[str]:
    """Every text a person reads on a chart."""
    layout = fig.layout
    texts = [layout.title.text or "", layout.title.subtitle.text or ""]
    texts += [a.text or "" for a in layout.annotations]  # subplot titles are annotations too
    for name in dir(layout):
        if name.startswith(("xaxis", "yaxis")):
            axis = getattr(layout, name)
            texts.append(axis.title.text or "")
            texts += [str(v) for v in (axis.ticktext or ())]
    for trace in fig.data:
        if trace.showlegend is not False:
            texts.append(trace.name or "")
        texts.append(getattr(trace, "hovertemplate", None) or "")
        colorbar = getattr(trace, "colorbar", None)
        if colorbar is not None:
            texts.append(colorbar.title.text or "")
        for field in ("customdata", "text", "x", "y"):
            values = getattr(trace, field, None)
            if values is not None and len(values) and isinstance(_first(values), str):
                texts += [str(v) for v in np.ravel(np.asarray(values, dtype=object))]
    return texts


def _first(values):
    first = values[0]
    while isinstance(first, (list, tuple, np.ndarray)) and len(first):
        first = first[0]
    return first


def english_words(fig: go.Figure, names: set[str] = frozenset()) -> list[str]:
    found = []
    for text in chart_texts(fig):
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, "")
        found += [w for w in WORD.findall(PLOTLY_MARKUP.sub(" ", text)) if w not in ALLOWED]
    return found


def assert_russian(fig: go.Figure, names: set[str] = frozenset()) -> None:
    assert fig.layout.separators == ", "
    assert english_words(fig, names) == []
    assert any(re.search("[а-яё]", text, re.I) for text in chart_texts(fig))


@pytest.fixture(scope="module")
def arm_names(analysis) -> set[str]:
    names = {a.arm for a in analysis.arms}
    segments = {s for seg in analysis.segments.values() for s in seg.effects}
    return names | {str(s) for s in segments}  # data values, shown as they are


@pytest.mark.parametrize(
    "build",
    [
        lambda a: charts.forest_figure(
            [e.as_json() for e in stats.headline_effects(a.effects)], lang="ru"
        ),
        lambda a: charts.forest_figure([e.as_json() for e in a.effects], lang="ru"),
        lambda a: charts.arm_repeat_figure(a, lang="ru"),
        lambda a: charts.decay_figure(a, lang="ru"),
        lambda a: charts.payback_figure(a, lang="ru"),
        lambda a: charts.segments_figure(a, lang="ru"),
        lambda a: charts.segments_figure(a, "repeat_purchase", lang="ru"),
        lambda a: charts.net_value_distribution_figure(a, lang="ru"),
    ],
    ids=["forest", "forest-all", "repeat", "decay", "payback", "segments", "segments-rate", "dist"],
)
def test_results_charts_read_russian(analysis, arm_names, build):
    assert_russian(build(analysis), arm_names)


def test_the_russian_report_charts_read_russian(analysis, arm_names):
    figures = report.report_figures(analysis, "ru")
    assert figures
    for fig, _ in figures:
        assert_russian(fig, arm_names)


def test_english_charts_keep_english_separators(analysis):
    assert charts.payback_figure(analysis).layout.separators == ".,"
    assert (
        "Effect of each lever"
        in charts.forest_figure([e.as_json() for e in analysis.effects]).layout.title.text
    )


def _segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["champions", "can't lose", "lost"],
            "customers": [120, 40, 300],
            "revenue": [1_234_567.0, 80_000.0, 9_000.0],
            "revenue_share": [0.93, 0.06, 0.01],
        }
    )


def _cohorts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": [dt.date(2026, 1, 1)] * 2 + [dt.date(2026, 2, 1)],
            "months_since": [0, 1, 0],
            "retention": [1.0, 0.25, 1.0],
            "partial": [False, True, True],
            "active": [40, 10, 12],
            "cohort_size": [40, 40, 12],
        }
    )


def _histogram() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bin_start": [0.0, 500.0, 1000.0],
            "bin_end": [500.0, 1000.0, None],
            "customers": [5, 3, 1],
        }
    )


PREDICTIONS = pd.DataFrame(
    {"expected_clv": np.linspace(0, 5000, 50), "probability_alive": np.linspace(0, 1, 50)}
)


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.rfm_segments_figure(_segments(), lookback_days=365, lang="ru"),
        lambda: charts.rfm_segments_figure(_segments().iloc[0:0], lookback_days=365, lang="ru"),
        lambda: charts.cohort_retention_figure(_cohorts(), lang="ru"),
        lambda: charts.cohort_retention_figure(_cohorts().iloc[0:0], lang="ru"),
        lambda: charts.repeat_curve_figure(
            pd.DataFrame(
                {"day": [0, 30, 90], "repeat_share": [0.0, 0.2, 0.3], "at_risk": [100, 60, 20]}
            ),
            lang="ru",
        ),
        lambda: charts.historic_clv_figure(
            HistoricClv("ok", 12, 9, 700.0, 600.0, 1500.0, 6300.0, _histogram()), lang="ru"
        ),
        lambda: charts.historic_clv_figure(
            HistoricClv("insufficient_data", 12, 0, 0, 0, 0, 0, _histogram().iloc[0:0]), lang="ru"
        ),
        lambda: charts.predicted_clv_figure(PREDICTIONS, months=12, lang="ru"),
        lambda: charts.predicted_clv_figure(pd.DataFrame(), months=12, lang="ru"),
        lambda: charts.probability_alive_figure(PREDICTIONS, lang="ru"),
        lambda: charts.monthly_activity_figure(
            pd.DataFrame(
                {
                    "month": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"]),
                    "revenue": [1e6, 1.2e6, 9e5],
                    "orders": [800, 900, 700],
                }
            ),
            lang="ru",
        ),
        lambda: charts.audience_spend_figure(
            _histogram().fillna(1500.0), lookback_days=365, lang="ru"
        ),
        lambda: charts.audience_spend_figure(_histogram().iloc[0:0], lookback_days=365, lang="ru"),
        lambda: charts.power_curve_figure(
            design.power_curve(0.3, 5.0, [100, 500, 1000], alpha=0.025),
            lift_pp=5.0,
            target_power=0.8,
            available_n=800,
            lang="ru",
        ),
        lambda: charts.power_curve_figure(pd.DataFrame(), lift_pp=5.0, target_power=0.8, lang="ru"),
    ],
)
def test_customers_data_and_design_charts_read_russian(build):
    assert_russian(build())


def test_russian_charts_name_months_segments_and_money_in_russian():
    monthly = charts.monthly_activity_figure(
        pd.DataFrame(
            {
                "month": pd.to_datetime(["2026-01-01", "2026-02-01"]),
                "revenue": [1.0, 2.0],
                "orders": [1, 2],
            }
        ),
        lang="ru",
    )
    assert list(monthly.layout.xaxis.ticktext) == ["янв. 2026", "февр. 2026"]
    assert "₽" in monthly.layout.yaxis.title.text
    rfm = charts.rfm_segments_figure(_segments(), lookback_days=365, lang="ru")
    assert list(rfm.data[0].x) == ["чемпионы", "нельзя потерять", "потерянные"]
    assert rfm.data[1].name == "Доля выручки за последние 365 дней"
    cohort = charts.cohort_retention_figure(_cohorts(), lang="ru")
    assert list(cohort.data[0].y) == ["янв. 2026", "февр. 2026"]
    assert cohort.data[0].text[0][1] == "25\u00a0%*"
    clv = charts.historic_clv_figure(
        HistoricClv("ok", 12, 9, 700.0, 1234.0, 1500.0, 6300.0, _histogram()), lang="ru"
    )
    assert any(a.text == "медиана 1\u00a0234\u00a0₽" for a in clv.layout.annotations)
    assert clv.data[0].customdata[-1] == "1\u00a0000\u00a0₽ и больше"
