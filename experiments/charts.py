"""Result objects -> plotly figures, labelled for management (no Streamlit here)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments import config

TEMPLATE = "plotly_white"
ARM_COLORS = {
    "control": "#7f7f7f",
    "discount": "#d62728",
    "gift": "#2ca02c",
    "outreach": "#1f77b4",
    "custom": "#9467bd",
}


def monthly_activity_figure(monthly: pd.DataFrame) -> go.Figure:
    """Revenue (bars) and orders (line) per month, from `overview.monthly_activity`."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=monthly["month"],
            y=monthly["revenue"],
            name=f"Revenue, {config.CURRENCY}",
            marker_color="#1f77b4",
            hovertemplate="%{x|%b %Y}<br>%{y:,.0f} " + config.CURRENCY + "<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=monthly["month"],
            y=monthly["orders"],
            name="Orders",
            mode="lines+markers",
            marker_color="#ff7f0e",
            hovertemplate="%{x|%b %Y}<br>%{y:,.0f} orders<extra></extra>",
        ),
        secondary_y=True,
    )
    fig.update_layout(
        title="Revenue and orders per month",
        template=TEMPLATE,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 50, "b": 40},
        height=360,
    )
    fig.update_xaxes(title_text="Month")
    fig.update_yaxes(title_text=f"Revenue, {config.CURRENCY}", secondary_y=False)
    fig.update_yaxes(title_text="Orders", secondary_y=True, showgrid=False)
    return fig


def _arm_color(kind: str | None, index: int) -> str:
    palette = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    return ARM_COLORS.get(kind or "", palette[index % len(palette)])


def _metric_unit(metric: str) -> str:
    if metric.startswith("repeat"):
        return "pp"
    if metric.startswith("orders"):
        return "orders"
    return config.CURRENCY


def forest_figure(effects: list[dict[str, object]], *, confidence: float = 0.95) -> go.Figure:
    """Effect vs control with its confidence interval, one row per arm, one panel per metric.

    `effects` are `Effect.as_json()` rows; rows without an estimate are shown as text, not drawn.
    Rates are drawn in percentage points, money in the store's currency.
    """
    metrics = list(dict.fromkeys(str(e["metric"]) for e in effects))
    fig = make_subplots(
        rows=1,
        cols=max(1, len(metrics)),
        subplot_titles=[m.replace("_", " ") for m in metrics] or [""],
        shared_yaxes=True,
    )
    for col, metric in enumerate(metrics, start=1):
        rows = [e for e in effects if e["metric"] == metric and e.get("diff") is not None]
        scale = 100.0 if _metric_unit(metric) == "pp" else 1.0
        diffs = [float(e["diff"]) * scale for e in rows]  # type: ignore[arg-type]
        lows = [float(e["ci_low"]) * scale for e in rows]  # type: ignore[arg-type]
        highs = [float(e["ci_high"]) * scale for e in rows]  # type: ignore[arg-type]
        labels = [f"{e['arm']} ({e['method']})" for e in rows]
        fig.add_trace(
            go.Scatter(
                x=diffs,
                y=labels,
                mode="markers",
                marker={
                    "size": 11,
                    "color": [
                        "#2ca02c" if lo > 0 else "#d62728" if hi < 0 else "#7f7f7f"
                        for lo, hi in zip(lows, highs, strict=True)
                    ],
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [h - d for h, d in zip(highs, diffs, strict=True)],
                    "arrayminus": [d - lo for d, lo in zip(diffs, lows, strict=True)],
                },
                name=metric,
                showlegend=False,
                customdata=[[lo, hi] for lo, hi in zip(lows, highs, strict=True)],
                hovertemplate="%{y}<br>%{x:+,.2f} ("
                + f"{confidence:.0%} CI "
                + "%{customdata[0]:+,.2f} to %{customdata[1]:+,.2f})<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.add_vline(x=0, line_dash="dot", line_color="#444", row=1, col=col)  # type: ignore[arg-type]
        fig.update_xaxes(
            title_text=f"difference vs control, {_metric_unit(metric)}", row=1, col=col
        )
    fig.update_layout(
        title=f"Effect of each lever vs control ({confidence:.0%} confidence intervals)",
        template=TEMPLATE,
        height=120 + 45 * max(1, len({e["arm"] for e in effects}) * 2),
        margin={"t": 80},
    )
    return fig


def curves_figure(
    curves: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    percent: bool = False,
    band: tuple[str, str] | None = None,
    step: bool = False,
) -> go.Figure:
    """One line per arm from a tidy frame with columns arm, kind, x, y (and optional CI band)."""
    fig = go.Figure()
    for i, (arm, frame) in enumerate(curves.groupby("arm", sort=False)):
        kind = str(frame["kind"].iloc[0]) if "kind" in frame else None
        color = _arm_color(kind, i)
        if band is not None:
            fig.add_trace(
                go.Scatter(
                    x=list(frame[x]) + list(frame[x])[::-1],
                    y=list(frame[band[1]]) + list(frame[band[0]])[::-1],
                    fill="toself",
                    fillcolor=color,
                    opacity=0.15,
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"{arm} CI",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[y],
                mode="lines",
                name=str(arm),
                line={"color": color, "width": 2.5, "shape": "hv" if step else "linear"},
            )
        )
    fig.update_layout(
        title=title, template=TEMPLATE, height=380, legend={"orientation": "h", "y": -0.25}
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, tickformat=".0%" if percent else ",")
    return fig
