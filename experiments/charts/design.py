"""Charts of the Design page: the audience's spend and the power curve."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from experiments import config
from experiments.charts.layout import TEMPLATE, empty_figure


def audience_spend_figure(histogram: pd.DataFrame, *, lookback_days: int) -> go.Figure:
    """Customers per pre-period spend bin, from `design_sql.audience(...).histogram`.

    Bars span their bins (bin_start..bin_end), so the x axis reads in money; the last bin holds
    everyone above the 99th percentile, which the hover text says.
    """
    title = f"Spend in the last {lookback_days} days of the chosen audience"
    if histogram.empty or int(histogram["customers"].sum()) == 0:
        return empty_figure(title, "No customer matches the filters")
    start = histogram["bin_start"].astype(float)
    end = histogram["bin_end"].astype(float)
    last = len(histogram) - 1
    labels = [
        f"{a:,.0f}+ {config.CURRENCY}" if i == last else f"{a:,.0f}-{b:,.0f} {config.CURRENCY}"
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
            hovertemplate="%{customdata}<br>%{y:,.0f} customers<extra></extra>",
            name="Customers",
        )
    )
    fig.update_layout(
        title=title, template=TEMPLATE, height=300, margin={"t": 50, "b": 40}, bargap=0
    )
    fig.update_xaxes(title_text=f"Spend in the last {lookback_days} days, {config.CURRENCY}")
    fig.update_yaxes(title_text="Customers")
    return fig


def power_curve_figure(
    curve: pd.DataFrame,
    *,
    lift_pp: float,
    target_power: float,
    available_n: int | None = None,
) -> go.Figure:
    """Power of the repeat-rate test against customers per treatment arm (`design.power_curve`).

    A dashed line marks the target power and a dotted one the arm size the audience gives, so
    the marketer sees at a glance whether the experiment is big enough.
    """
    title = f"Chance to detect +{lift_pp:.1f} pp on the repeat rate"
    if curve.empty:
        return empty_figure(title, "No power curve: the baseline rate or the lift is degenerate")
    fig = go.Figure(
        go.Scatter(
            x=curve["n"],
            y=curve["power"] * 100.0,
            mode="lines",
            name="Power",
            line={"color": "#1f77b4", "width": 3},
            hovertemplate="%{x:,.0f} customers per arm<br>power %{y:.0f}%<extra></extra>",
        )
    )
    fig.add_hline(
        y=target_power * 100.0,
        line_dash="dash",
        line_color="#2ca02c",
        annotation_text=f"target {target_power:.0%}",
        annotation_position="bottom right",
    )
    if available_n:
        fig.add_vline(
            x=available_n,
            line_dash="dot",
            line_color="#d62728",
            annotation_text=f"your audience: {available_n:,} per arm".replace(",", " "),
            annotation_position="top left",
        )
    fig.update_layout(title=title, template=TEMPLATE, height=300, margin={"t": 50, "b": 40})
    fig.update_xaxes(title_text="Customers per treatment arm")
    fig.update_yaxes(title_text="Power, %", range=[0, 100])
    return fig
