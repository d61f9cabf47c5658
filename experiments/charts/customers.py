"""Charts of the Customers page: RFM segments, cohorts, repeat curve, CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments import config
from experiments.charts.layout import TEMPLATE, bins_figure, empty_figure, value_bins
from experiments.store.customers import HistoricClv

SEGMENT_COLORS = {"customers": "#1f77b4", "revenue": "#ff7f0e"}


def rfm_segments_figure(segments: pd.DataFrame, *, lookback_days: int) -> go.Figure:
    """Share of customers and share of revenue per RFM segment, from `design_sql.rfm_segments`.

    Side by side the two bars show where the money is: a segment whose revenue bar towers over
    its customer bar is worth protecting.
    """
    title = "Customers and revenue by RFM segment"
    total = int(segments["customers"].sum()) if not segments.empty else 0
    if total == 0:
        return empty_figure(title, "No customers with a purchase yet")
    customer_share = segments["customers"] / total
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=segments["segment"],
            y=customer_share * 100.0,
            name="Share of customers",
            marker_color=SEGMENT_COLORS["customers"],
            customdata=segments["customers"],
            hovertemplate="%{x}<br>%{y:.1f}% of customers (%{customdata:,.0f})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=segments["segment"],
            y=segments["revenue_share"] * 100.0,
            name=f"Share of revenue in the last {lookback_days} days",
            marker_color=SEGMENT_COLORS["revenue"],
            customdata=segments["revenue"],
            hovertemplate="%{x}<br>%{y:.1f}% of revenue (%{customdata:,.0f} "
            + config.CURRENCY
            + ")<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        template=TEMPLATE,
        barmode="group",
        height=360,
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 50, "b": 40},
    )
    fig.update_xaxes(title_text="RFM segment")
    fig.update_yaxes(title_text="Share, %", rangemode="tozero")
    return fig


def cohort_retention_figure(cohorts: pd.DataFrame) -> go.Figure:
    """Heatmap of cohort retention from `customers.cohort_retention`: first-purchase month
    (rows) x months since (columns).

    Cells not observed yet stay blank rather than 0, and the cutoff's own (partial) month is
    starred. The colour scale ends at the highest retention after month 0, which is 100% by
    definition and would otherwise wash out every other cell.
    """
    title = "Cohort retention: share of each first-purchase month buying again"
    if cohorts.empty:
        return empty_figure(title, "No purchases yet")
    frame = cohorts.assign(label=pd.to_datetime(cohorts["cohort"]).dt.strftime("%Y-%m"))
    rows = list(dict.fromkeys(frame.sort_values("cohort")["label"]))
    columns = list(range(int(frame["months_since"].max()) + 1))
    position = {(r, c): (i, j) for i, r in enumerate(rows) for j, c in enumerate(columns)}
    z: list[list[float | None]] = [[None] * len(columns) for _ in rows]
    text = [[""] * len(columns) for _ in rows]
    hover = [[""] * len(columns) for _ in rows]
    for label, months, retention, partial, active, size in zip(
        frame["label"],
        frame["months_since"].astype(int),
        frame["retention"].astype(float),
        frame["partial"].astype(bool),
        frame["active"].astype(int),
        frame["cohort_size"].astype(int),
        strict=True,
    ):
        i, j = position[(label, months)]
        z[i][j] = retention * 100.0
        star = "*" if partial else ""
        text[i][j] = f"{retention:.0%}{star}"
        hover[i][j] = (
            f"{active:,} of {size:,} customers" + (" (month still running)" if star else "")
        ).replace(",", " ")
    later = frame.loc[frame["months_since"] > 0, "retention"]
    top = float(later.max()) * 100.0 if not later.empty else 100.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=rows,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            zmin=0.0,
            zmax=max(top, 1.0),
            colorscale="Blues",
            colorbar={"title": {"text": "Retention, %"}},
            hovertemplate="cohort %{y}, month %{x}<br>%{z:.1f}%: %{customdata}<extra></extra>",
            hoverongaps=False,
        )
    )
    fig.update_layout(
        title=title, template=TEMPLATE, height=max(320, 120 + 26 * len(rows)), margin={"t": 50}
    )
    fig.update_xaxes(title_text="Months since first purchase", dtick=1)
    fig.update_yaxes(title_text="First-purchase month", autorange="reversed", type="category")
    return fig


def repeat_curve_figure(curve: pd.DataFrame) -> go.Figure:
    """Share of customers with a second purchase by days since the first, from
    `customers.repeat_purchase_curve` (Kaplan-Meier, so recent customers do not drag it down).
    """
    title = "Repeat-purchase curve: share with a second purchase"
    if curve.empty:
        return empty_figure(title, "No purchases yet")
    fig = go.Figure(
        go.Scatter(
            x=curve["day"],
            y=curve["repeat_share"] * 100.0,
            mode="lines",
            line={"color": "#2ca02c", "width": 3, "shape": "hv"},
            name="Share with a 2nd purchase",
            customdata=curve["at_risk"],
            hovertemplate="day %{x}: %{y:.1f}%<br>%{customdata:,.0f} customers still waiting"
            "<extra></extra>",
        )
    )
    for day in (30, 90, 180, 365):
        hit = curve.loc[curve["day"] == day, "repeat_share"]
        if not hit.empty:
            fig.add_annotation(
                x=day, y=float(hit.iloc[0]) * 100.0, text=f"{hit.iloc[0]:.0%} by day {day}"
            )
    fig.update_layout(title=title, template=TEMPLATE, height=360, margin={"t": 50, "b": 40})
    fig.update_xaxes(title_text="Days since first purchase")
    fig.update_yaxes(title_text="Customers with a 2nd purchase, %", rangemode="tozero")
    return fig


def historic_clv_figure(clv: HistoricClv) -> go.Figure:
    """Distribution of historic CLV (margin in the first N months), from `customers.historic_clv`.

    The median is marked: the typical customer, which the mean (pulled up by a few big spenders)
    is not.
    """
    title = f"Historic CLV: margin in each customer's first {clv.months} months"
    if clv.status != "ok" or clv.histogram.empty:
        return empty_figure(title, f"No customer has {clv.months} months of history yet")
    fig = bins_figure(
        clv.histogram,
        title=title,
        x_title=f"Margin in the first {clv.months} months, {config.CURRENCY}",
        color="#1f77b4",
        unit=config.CURRENCY,
    )
    fig.add_vline(
        x=clv.median,
        line_dash="dash",
        line_color="#444",
        annotation_text=f"median {clv.median:,.0f} {config.CURRENCY}".replace(",", " "),
        annotation_position="top right",
    )
    return fig


def predicted_clv_figure(predictions: pd.DataFrame, *, months: int) -> go.Figure:
    """Distribution of expected CLV over the next `months` months (discounted margin) from
    `clv.ClvModel.predictions`, the median marked."""
    title = f"Expected CLV over the next {months} months (BG/NBD + Gamma-Gamma)"
    if predictions.empty or "expected_clv" not in predictions:
        return empty_figure(title, "No fitted model")
    fig = bins_figure(
        value_bins(predictions["expected_clv"]),
        title=title,
        x_title=f"Expected discounted margin, next {months} months, {config.CURRENCY}",
        color="#9467bd",
        unit=config.CURRENCY,
    )
    median = float(predictions["expected_clv"].median())
    fig.add_vline(
        x=median,
        line_dash="dash",
        line_color="#444",
        annotation_text=f"median {median:,.0f} {config.CURRENCY}".replace(",", " "),
        annotation_position="top right",
    )
    return fig


def probability_alive_figure(predictions: pd.DataFrame, *, bins: int = 20) -> go.Figure:
    """Distribution of P(alive): how likely each customer is still buying, from the BG/NBD fit."""
    title = "Probability each customer is still active (BG/NBD)"
    if predictions.empty or "probability_alive" not in predictions:
        return empty_figure(title, "No fitted model")
    values = np.clip(predictions["probability_alive"].to_numpy(dtype=float), 0.0, 1.0)
    counts = np.bincount(np.minimum((values * bins).astype(int), bins - 1), minlength=bins)
    edges = np.linspace(0.0, 100.0, bins + 1)
    histogram = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "customers": counts})
    fig = bins_figure(
        histogram,
        title=title,
        x_title="Probability still active, %",
        color="#2ca02c",
        unit="%",
    )
    fig.update_xaxes(range=[0, 100])
    return fig
