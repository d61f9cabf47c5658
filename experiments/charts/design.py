"""Charts of the Design page: the audience's spend and the power curve."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from experiments.charts.layout import TEMPLATE, empty_figure, formatter, localize
from experiments.i18n import DEFAULT_LANGUAGE, Lang, t


def audience_spend_figure(
    histogram: pd.DataFrame,
    *,
    lookback_days: int,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> go.Figure:
    """Customers per pre-period spend bin, from `design_sql.audience(...).histogram`.

    Bars span their bins (bin_start..bin_end), so the x axis reads in money; the last bin holds
    everyone above the 99th percentile, which the hover text says.
    """
    fmt = formatter(lang, currency)
    title = t("chart.audience.title", lang, count=lookback_days)
    if histogram.empty or int(histogram["customers"].sum()) == 0:
        return empty_figure(title, t("chart.audience.empty", lang), lang)
    start = histogram["bin_start"].astype(float)
    end = histogram["bin_end"].astype(float)
    last = len(histogram) - 1
    unit = f"\u00a0{fmt.currency_symbol}"
    labels = [
        t("chart.bin.open", lang, low=fmt.number(a), unit=unit)
        if i == last
        else t("chart.bin.range", lang, low=fmt.number(a), high=fmt.number(b), unit=unit)
        for i, (a, b) in enumerate(zip(start, end, strict=True))
    ]
    fig = go.Figure(
        go.Bar(
            x=(start + end) / 2,
            y=histogram["customers"],
            width=end - start,
            customdata=labels,
            marker_color="#1f77b4",
            marker_line={"width": 1, "color": "white"},
            hovertemplate="%{customdata}<br>"
            + t("chart.hover.customers", lang, count="%{y:,.0f}")
            + "<extra></extra>",
            name=t("chart.customers", lang),
        )
    )
    fig.update_layout(
        title=title, template=TEMPLATE, height=300, margin={"t": 50, "b": 40}, bargap=0
    )
    fig.update_xaxes(
        title_text=t("chart.audience.x", lang, count=lookback_days, currency=fmt.currency_symbol)
    )
    fig.update_yaxes(title_text=t("chart.customers", lang))
    return localize(fig, fmt)


def power_curve_figure(
    curve: pd.DataFrame,
    *,
    lift_pp: float,
    target_power: float,
    available_n: int | None = None,
    lang: Lang = DEFAULT_LANGUAGE,
) -> go.Figure:
    """Power of the repeat-rate test against customers per treatment arm (`design.power_curve`).

    A dashed line marks the target power and a dotted one the arm size the audience gives, so
    the marketer sees at a glance whether the experiment is big enough.
    """
    fmt = formatter(lang)
    title = t("chart.power.title", lang, lift=fmt.points(lift_pp / 100.0))
    if curve.empty:
        return empty_figure(title, t("chart.power.empty", lang), lang)
    fig = go.Figure(
        go.Scatter(
            x=curve["n"],
            y=curve["power"] * 100.0,
            mode="lines",
            name=t("chart.power.name", lang),
            line={"color": "#1f77b4", "width": 3},
            hovertemplate=t(
                "chart.power.hover",
                lang,
                n="%{x:,.0f}",
                power="%{y:.0f}\u00a0%" if lang == "ru" else "%{y:.0f}%",
            )
            + "<extra></extra>",
        )
    )
    fig.add_hline(
        y=target_power * 100.0,
        line_dash="dash",
        line_color="#2ca02c",
        annotation_text=t("chart.power.target", lang, power=fmt.percent(target_power, 0)),
        annotation_position="bottom right",
    )
    if available_n:
        fig.add_vline(
            x=available_n,
            line_dash="dot",
            line_color="#d62728",
            annotation_text=t("chart.power.audience", lang, n=fmt.number(available_n)),
            annotation_position="top left",
        )
    fig.update_layout(title=title, template=TEMPLATE, height=300, margin={"t": 50, "b": 40})
    fig.update_xaxes(title_text=t("chart.power.x", lang))
    fig.update_yaxes(title_text=t("chart.power.y", lang), range=[0, 100])
    return localize(fig, fmt)
