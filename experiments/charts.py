"""Result objects -> plotly figures, labelled for management (no Streamlit here)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments import config
from experiments.metrics import ExperimentAnalysis
from experiments.stats import DecayPoint

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


# -- experiment results --------------------------------------------------------------------------
def _kinds(analysis: ExperimentAnalysis) -> dict[str, str]:
    return {a.arm: a.kind for a in analysis.arms}


def cumulative_repeat_figure(analysis: ExperimentAnalysis) -> go.Figure:
    """Share of customers with a purchase by days since assignment (1 - Kaplan-Meier)."""
    curves = analysis.kaplan_meier.curves.copy()
    if curves.empty:
        return _empty("Repeat purchase by days since assignment", "not enough data yet")
    kinds = _kinds(analysis)
    curves["arm"] = curves["group"].astype(str)
    curves["kind"] = curves["arm"].map(kinds)
    curves["share"] = 1 - curves["survival"]
    return curves_figure(
        curves,
        x="time",
        y="share",
        title="Customers who purchased again, by days since assignment",
        x_title="days since assignment",
        y_title="share with a purchase",
        percent=True,
        step=True,
    )


def kaplan_meier_figure(analysis: ExperimentAnalysis) -> go.Figure:
    """Kaplan-Meier: share not yet purchased again, with pointwise confidence bands."""
    km = analysis.kaplan_meier
    curves = km.curves.copy()
    if curves.empty:
        return _empty("Time to repeat purchase (Kaplan-Meier)", km.note or "not enough data")
    curves["arm"] = curves["group"].astype(str)
    curves["kind"] = curves["arm"].map(_kinds(analysis))
    p = km.logrank_p_value
    title = "Time to repeat purchase (Kaplan-Meier)" + (
        f" - log-rank p = {p:.2g}" if p is not None else ""
    )
    return curves_figure(
        curves,
        x="time",
        y="survival",
        title=title,
        x_title="days since assignment",
        y_title="share not yet purchased again",
        percent=True,
        band=("ci_low", "ci_high"),
        step=True,
    )


def _points_frame(points: dict[str, list[DecayPoint]], kinds: dict[str, str]) -> pd.DataFrame:
    rows = [
        {
            "arm": arm,
            "kind": kinds.get(arm),
            "day": p.bucket,
            "diff": p.effect.diff,
            "ci_low": p.effect.ci_low,
            "ci_high": p.effect.ci_high,
        }
        for arm, series in points.items()
        for p in series
        if p.effect.diff is not None
    ]
    return pd.DataFrame(rows, columns=["arm", "kind", "day", "diff", "ci_low", "ci_high"])


def decay_figure(analysis: ExperimentAnalysis) -> go.Figure:
    """Effect on weekly contribution (margin minus discounts) by days since assignment."""
    frame = _points_frame(analysis.decay, _kinds(analysis))
    if frame.empty:
        return _empty("Does the effect fade?", "not enough data yet")
    fig = curves_figure(
        frame,
        x="day",
        y="diff",
        title="Does the effect fade? Extra contribution per customer in each "
        f"{analysis.settings.bucket_days}-day period vs control",
        x_title="days since assignment (start of period)",
        y_title=f"extra contribution per customer, {config.CURRENCY}",
        band=("ci_low", "ci_high"),
    )
    fig.add_hline(y=0, line_dash="dot", line_color="#444")
    return fig


def payback_figure(analysis: ExperimentAnalysis) -> go.Figure:
    """Cumulative incremental net value per customer (after the lever's cost) vs control.

    The lever has paid for itself on the day its line crosses 0 (marked).
    """
    frame = _points_frame(analysis.cumulative, _kinds(analysis))
    if frame.empty:
        return _empty("When does the lever pay for itself?", "not enough data yet")
    # the curve at day 0 starts at minus the lever's cost: show where it comes from
    fig = curves_figure(
        frame,
        x="day",
        y="diff",
        title="When does the lever pay for itself? Cumulative extra net value per customer "
        "vs control, after its cost",
        x_title="days since assignment",
        y_title=f"cumulative extra net value per customer, {config.CURRENCY}",
        band=("ci_low", "ci_high"),
    )
    fig.add_hline(y=0, line_dash="dot", line_color="#444", annotation_text="break-even")
    for arm, day in analysis.payback_day.items():
        if day is not None:
            fig.add_vline(
                x=day,
                line_dash="dash",
                line_color=_arm_color(_kinds(analysis).get(arm), 0),
                annotation_text=f"{arm}: pays back by day {day}",
                annotation_position="top left",
            )
    return fig


def segments_figure(analysis: ExperimentAnalysis, metric: str = "net_value") -> go.Figure:
    """Effect by segment (BH-corrected across segments), one row per segment x arm."""
    rows = [
        {
            "segment": f"{kind}: {segment}",
            "arm": arm,
            "diff": e.diff,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "p_adjusted": e.p_adjusted,
        }
        for (kind, m, arm), seg in analysis.segments.items()
        if m == metric
        for segment, e in seg.effects.items()
        if e.diff is not None
    ]
    if not rows:
        return _empty("Effect by segment", "no segments with enough customers")
    frame = pd.DataFrame(rows)
    scale = 100.0 if metric == "repeat_purchase" else 1.0
    unit = "pp" if metric == "repeat_purchase" else config.CURRENCY
    fig = go.Figure()
    for i, (arm, part) in enumerate(frame.groupby("arm", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=part["diff"] * scale,
                y=part["segment"],
                mode="markers",
                name=str(arm),
                marker={"size": 10, "color": _arm_color(_kinds(analysis).get(str(arm)), i)},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (part["ci_high"] - part["diff"]) * scale,
                    "arrayminus": (part["diff"] - part["ci_low"]) * scale,
                },
            )
        )
    fig.add_vline(x=0, line_dash="dot", line_color="#444")
    fig.update_layout(
        title=f"Effect on {metric.replace('_', ' ')} by segment (corrected across segments)",
        template=TEMPLATE,
        height=160 + 28 * len(frame),
        legend={"orientation": "h", "y": -0.15},
    )
    fig.update_xaxes(title_text=f"difference vs control, {unit}")
    return fig


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 16})
    fig.update_layout(title=title, template=TEMPLATE, height=260)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
