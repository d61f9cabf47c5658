"""Result objects -> plotly figures, labelled for management (no Streamlit here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments import catalogue, config
from experiments.metrics import ExperimentAnalysis
from experiments.stats import DecayPoint
from experiments.store.customers import HistoricClv

TEMPLATE = "plotly_white"
SEGMENT_KIND_LABELS = {
    "pre_period": "bought before assignment",
    "stratum": "stratum",
    "attribute": "attribute",
}
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
    fig.update_yaxes(
        title_text=f"Revenue, {config.CURRENCY}", secondary_y=False, rangemode="tozero"
    )
    # own round ticks for orders: Streamlit's theme otherwise syncs them to the revenue grid
    fig.update_yaxes(
        title_text="Orders",
        secondary_y=True,
        showgrid=False,
        tickmode="auto",
        rangemode="tozero",
    )
    return fig


# further arms of one kind (10% and 20% off) get other shades of the kind's colour
_SHADES = {
    "control": ("#7f7f7f", "#bcbd22", "#17becf"),
    "discount": ("#d62728", "#ff9896", "#8c1a1b", "#e377c2"),
    "gift": ("#2ca02c", "#98df8a", "#1a601a", "#bcbd22"),
    "outreach": ("#1f77b4", "#aec7e8", "#123f66", "#17becf"),
    "custom": ("#9467bd", "#c5b0d5", "#8c564b", "#e377c2"),
}
_OTHER = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def arm_palette(arms: Sequence[tuple[str, str | None]]) -> dict[str, str]:
    """A colour per arm, in order: the kind's colour (ARM_COLORS) for its first arm, other
    shades of it for further arms of the same kind, so every line keeps its own colour."""
    seen: dict[str, int] = {}
    colors: dict[str, str] = {}
    for i, (arm, kind) in enumerate(dict.fromkeys(arms)):
        if arm in colors:
            continue
        if kind in _SHADES:
            k = seen[kind] = seen.get(kind, -1) + 1
            colors[arm] = _SHADES[kind][k % len(_SHADES[kind])]
        else:
            colors[arm] = _OTHER[i % len(_OTHER)]
    return colors


def _colors(analysis: ExperimentAnalysis) -> dict[str, str]:
    """The experiment's arm colours: the same arm has the same colour in every chart."""
    return arm_palette([(a.arm, a.kind) for a in analysis.arms])


def _metric_unit(metric: str) -> str:
    unit = catalogue.unit_of(metric)  # the catalogue's; by name for horizon variants
    if unit == "share" or metric.startswith("repeat"):
        return "pp"
    if unit == "orders" or metric.startswith("orders"):
        return "orders"
    return config.CURRENCY


def forest_figure(
    effects: list[dict[str, object]],
    *,
    confidence: float = 0.95,
    units: Mapping[str, str] | None = None,
    adjusted_for: str = "pre-period spend, orders, recency, tenure and RFM segment",
) -> go.Figure:
    """Effect vs control with its confidence interval, one row per arm, one panel per metric.

    `effects` are `Effect.as_json()` rows, usually `stats.headline_effects` (one estimator per
    arm and metric, named in the hover and, when CUPED, in the subtitle); given several
    estimators per arm, each gets its own row labelled with it. Rows without an estimate are
    left out.
    Rates are drawn in percentage points, money in the store's currency. `units` overrides the
    unit per metric ("pp" scales by 100) for metrics not named like the store's own, e.g. the
    0/1 columns of a campaign result file.
    """
    title = f"Effect of each lever vs control ({confidence:.0%} confidence intervals)"
    if not any(e.get("diff") is not None for e in effects):
        return _empty(title, "no estimable effect yet")
    metrics = list(dict.fromkeys(str(e["metric"]) for e in effects))
    one_per_arm = all(
        len([e for e in effects if e["metric"] == m and e["arm"] == arm]) <= 1
        for m in metrics
        for arm in {e["arm"] for e in effects}
    )
    adjusted = [
        m.replace("_", " ")
        for m in metrics
        if one_per_arm and {e["method"] for e in effects if e["metric"] == m} == {"cuped"}
    ]
    fig = make_subplots(
        rows=1,
        cols=max(1, len(metrics)),
        subplot_titles=[m.replace("_", " ") for m in metrics] or [""],
        shared_yaxes=True,
    )
    for col, metric in enumerate(metrics, start=1):
        rows = [e for e in effects if e["metric"] == metric and e.get("diff") is not None]
        unit = (units or {}).get(metric) or _metric_unit(metric)
        scale = 100.0 if unit == "pp" else 1.0
        diffs = [float(e["diff"]) * scale for e in rows]  # type: ignore[arg-type]
        lows = [float(e["ci_low"]) * scale for e in rows]  # type: ignore[arg-type]
        highs = [float(e["ci_high"]) * scale for e in rows]  # type: ignore[arg-type]
        labels = [str(e["arm"]) if one_per_arm else f"{e['arm']} ({e['method']})" for e in rows]
        fig.add_trace(
            go.Scatter(
                x=diffs,
                y=labels,
                mode="markers",
                marker={"size": 11, "color": [_verdict_color(e) for e in rows]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [h - d for h, d in zip(highs, diffs, strict=True)],
                    "arrayminus": [d - lo for d, lo in zip(diffs, lows, strict=True)],
                },
                name=metric,
                showlegend=False,
                customdata=[[lo, hi] for lo, hi in zip(lows, highs, strict=True)],
                text=[str(e["method"]) for e in rows],
                hovertemplate="%{y} (%{text})<br>%{x:+,.2f} ("
                + f"{confidence:.0%} CI "
                + "%{customdata[0]:+,.2f} to %{customdata[1]:+,.2f})<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.add_vline(x=0, line_dash="dot", line_color="#444", row=1, col=col)
        fig.update_xaxes(title_text=f"difference vs control, {unit}", nticks=6, row=1, col=col)
    rows_drawn = len({(e["arm"], e["method"]) for e in effects}) if not one_per_arm else 0
    fig.update_layout(
        title={
            "text": title,
            "subtitle": {
                "text": ", ".join(adjusted) + f": adjusted for {adjusted_for} (CUPED)"
                if adjusted
                else ""
            },
        },
        template=TEMPLATE,
        height=(200 if adjusted else 160)
        + 50 * max(1, rows_drawn or len({e["arm"] for e in effects})),
        margin={"t": 120 if adjusted else 80},
    )
    return fig


def _verdict_color(effect: Mapping[str, object]) -> str:
    """Green above control, red below, grey when not distinguishable: by the corrected test
    (the one the verdicts read) when there is one, else by whether the interval excludes 0."""
    diff, p = effect.get("diff"), effect.get("p_adjusted")
    if p is not None:
        alpha = float(effect.get("alpha") or config.ALPHA)  # type: ignore[arg-type]
        clear = float(p) < alpha  # type: ignore[arg-type]
    else:
        low, high = float(effect["ci_low"]), float(effect["ci_high"])  # type: ignore[arg-type]
        clear = low > 0 or high < 0
    if not clear:
        return "#7f7f7f"
    return "#2ca02c" if float(diff) > 0 else "#d62728"  # type: ignore[arg-type]


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
    colors: Mapping[str, str] | None = None,
) -> go.Figure:
    """One line per arm from a tidy frame with columns arm, kind, x, y (and optional CI band).

    The band is drawn as its own two edges, the lower one filled up to the upper, so a step
    curve gets a stepped band rather than a polygon cut diagonally across the steps.
    """
    fig = go.Figure()
    shape = "hv" if step else "linear"
    if colors is None:
        kinds = curves["kind"] if "kind" in curves else pd.Series(None, index=curves.index)
        colors = arm_palette(list(zip(curves["arm"].astype(str), kinds, strict=True)))
    for arm, frame in curves.groupby("arm", sort=False):
        color = colors[str(arm)]
        if band is not None:  # upper edge, then the lower one filled up to it
            for column, fill in ((band[1], {}), (band[0], {"fill": "tonexty"})):
                fig.add_trace(
                    go.Scatter(
                        x=frame[x],
                        y=frame[column],
                        mode="lines",
                        line={"width": 0, "shape": shape},
                        fillcolor=_translucent(color, 0.15),
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=str(arm),
                        name=f"{arm} CI",
                        **fill,
                    )
                )
        fig.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[y],
                mode="lines",
                name=str(arm),
                legendgroup=str(arm),
                line={"color": color, "width": 2.5, "shape": shape},
            )
        )
    fig.update_layout(
        title=title, template=TEMPLATE, height=380, legend={"orientation": "h", "y": -0.25}
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, tickformat=".0%" if percent else ",")
    return fig


def _translucent(color: str, alpha: float) -> str:
    """'#rrggbb' -> 'rgba(r, g, b, alpha)': a band's fill, lighter than its line."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


# -- experiment results --------------------------------------------------------------------------
def _kinds(analysis: ExperimentAnalysis) -> dict[str, str]:
    return {a.arm: a.kind for a in analysis.arms}


def arm_repeat_figure(analysis: ExperimentAnalysis) -> go.Figure:
    """Share of each arm that has purchased again, by days since assignment.

    Kaplan-Meier (1 - survival), so customers assigned late count for the days they were
    observed; the band is the pointwise interval at the analysis' confidence level and the
    subtitle gives the log-rank test of whether the arms' curves differ.
    """
    title = "Customers who purchased again, by days since assignment"
    km = analysis.kaplan_meier
    curves = km.curves.copy()
    if curves.empty:
        return _empty(title, km.note or "not enough data yet")
    order = {a.arm: i for i, a in enumerate(analysis.arms)}  # control first, as on the page
    curves["arm"] = curves["group"].astype(str)
    curves["rank"] = curves["arm"].map(order)
    curves = curves.sort_values(["rank", "time"], kind="stable")
    curves["kind"] = curves["arm"].map(_kinds(analysis))
    curves["share"] = 1 - curves["survival"]
    curves["share_low"] = 1 - curves["ci_high"]
    curves["share_high"] = 1 - curves["ci_low"]
    fig = curves_figure(
        curves,
        x="time",
        y="share",
        title=title,
        x_title="days since assignment",
        y_title="share with a repeat purchase",
        percent=True,
        band=("share_low", "share_high"),
        step=True,
        colors=_colors(analysis),
    )
    p = km.logrank_p_value
    level = f"{analysis.settings.confidence:.0%}"
    subtitle = f"Kaplan-Meier with {level} pointwise bands" + (
        f"; log-rank test that the arms differ: {_p_text(p)}" if p is not None else ""
    )
    fig.update_layout(title={"text": title, "subtitle": {"text": subtitle}}, margin={"t": 80})
    fig.add_vline(
        x=analysis.horizon_days,
        line_dash="dot",
        line_color="#444",
        annotation_text=f"horizon: {analysis.horizon_days} days",
        annotation_position="top right",
    )
    return fig


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


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
        colors=_colors(analysis),
    )
    fig.add_hline(y=0, line_dash="dot", line_color="#444")
    return fig


def payback_figure(analysis: ExperimentAnalysis) -> go.Figure:
    """Cumulative incremental net value per customer (after the lever's cost) vs control.

    Marked: the day each lever has paid for itself with confidence (its band's lower edge
    stays above 0 from then on; stats.payback_interval).
    """
    frame = _points_frame(analysis.cumulative, _kinds(analysis))
    if frame.empty:
        return _empty("When does the lever pay for itself?", "not enough data yet")
    # on day 0 nothing has been bought yet and the lever's cost is paid: each line starts at
    # minus its extra fixed cost (known exactly), which is what the first days earn back
    costs = {a.arm: a.cost_per_customer for a in analysis.arms}
    control = costs.get(str(analysis.control), 0.0)
    parts = []
    for arm, part in frame.groupby("arm", sort=False):
        paid = -(costs.get(str(arm), control) - control)
        day0 = {"arm": arm, "kind": part["kind"].iloc[0], "day": 0}
        parts += [pd.DataFrame([{**day0, "diff": paid, "ci_low": paid, "ci_high": paid}]), part]
    frame = pd.concat(parts, ignore_index=True)
    fig = curves_figure(
        frame,
        x="day",
        y="diff",
        title="When does the lever pay for itself? Cumulative extra net value per customer "
        "vs control, after its cost",
        x_title="days since assignment",
        y_title=f"cumulative extra net value per customer, {config.CURRENCY}",
        band=("ci_low", "ci_high"),
        colors=(colors := _colors(analysis)),
    )
    fig.add_hline(y=0, line_dash="dot", line_color="#444", annotation_text="break-even")
    # the day it has paid back with confidence (lower bound above 0 from then on), not the
    # day the noisy point estimate crosses: see stats.PAYBACK_RULE
    for arm, payback in analysis.payback.items():
        if payback.confident_day is not None:
            fig.add_vline(
                x=payback.confident_day,
                line_dash="dash",
                line_color=colors.get(arm, "#444"),
                annotation_text=f"{arm}: paid back with confidence by day {payback.confident_day}",
                annotation_position="top left",
            )
    return fig


def segments_figure(analysis: ExperimentAnalysis, metric: str = "net_value") -> go.Figure:
    """Effect by segment (BH-corrected across segments), one row per segment x arm."""
    rows = [
        {
            "segment": f"{SEGMENT_KIND_LABELS.get(kind, kind)}: {segment}",
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
    colors = _colors(analysis)
    for arm, part in frame.groupby("arm", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["diff"] * scale,
                y=part["segment"],
                mode="markers",
                name=str(arm),
                orientation="h",  # with scattermode="group": arms side by side in a segment row
                marker={"size": 10, "color": colors.get(str(arm), "#444")},
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
        height=200 + 28 * len(frame),
        scattermode="group",
        scattergap=0.3,
        legend={"orientation": "h", "y": -0.35},
        margin={"b": 110},
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


# -- design --------------------------------------------------------------------------------------
def audience_spend_figure(histogram: pd.DataFrame, *, lookback_days: int) -> go.Figure:
    """Customers per pre-period spend bin, from `design_sql.audience(...).histogram`.

    Bars span their bins (bin_start..bin_end), so the x axis reads in money; the last bin holds
    everyone above the 99th percentile, which the hover text says.
    """
    title = f"Spend in the last {lookback_days} days of the chosen audience"
    if histogram.empty or int(histogram["customers"].sum()) == 0:
        return _empty(title, "No customer matches the filters")
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
        return _empty(title, "No power curve: the baseline rate or the lift is degenerate")
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


# -- customers -----------------------------------------------------------------------------------
SEGMENT_COLORS = {"customers": "#1f77b4", "revenue": "#ff7f0e"}


def rfm_segments_figure(segments: pd.DataFrame, *, lookback_days: int) -> go.Figure:
    """Share of customers and share of revenue per RFM segment, from `design_sql.rfm_segments`.

    Side by side the two bars show where the money is: a segment whose revenue bar towers over
    its customer bar is worth protecting.
    """
    title = "Customers and revenue by RFM segment"
    total = int(segments["customers"].sum()) if not segments.empty else 0
    if total == 0:
        return _empty(title, "No customers with a purchase yet")
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
        return _empty(title, "No purchases yet")
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
        return _empty(title, "No purchases yet")
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


def _bins_figure(
    histogram: pd.DataFrame, *, title: str, x_title: str, color: str, unit: str
) -> go.Figure:
    """Bars spanning bin_start..bin_end; a missing bin_end marks an open last bin (drawn as wide
    as the others, labelled "and more")."""
    start = histogram["bin_start"].astype(float).to_numpy()
    end = pd.to_numeric(histogram["bin_end"], errors="coerce").astype(float).to_numpy()
    known = end[~np.isnan(end)] - start[~np.isnan(end)]
    width = float(np.median(known)) if known.size else 1.0
    open_end = np.isnan(end)
    drawn_end = np.where(open_end, start + width, end)
    suffix = unit if unit == "%" else f" {unit}"
    labels = [
        f"{a:,.0f}{suffix} and more" if o else f"{a:,.0f} to {b:,.0f}{suffix}"
        for a, b, o in zip(start, end, open_end, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=(start + drawn_end) / 2,
            y=histogram["customers"],
            width=drawn_end - start,
            customdata=[label.replace(",", " ") for label in labels],
            marker_color=color,
            marker_line={"width": 1, "color": "white"},
            hovertemplate="%{customdata}<br>%{y:,.0f} customers<extra></extra>",
            name="Customers",
        )
    )
    fig.update_layout(
        title=title, template=TEMPLATE, height=340, margin={"t": 50, "b": 40}, bargap=0
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text="Customers")
    return fig


def value_bins(values: object, *, bins: int = 30, cap_quantile: float = 0.99) -> pd.DataFrame:
    """Histogram of per-customer values (bin_start, bin_end, customers), the last bin open above
    the `cap_quantile` so one whale does not squeeze everyone else into the first bar.

    Binning happens here, not in the browser, so a million predictions chart as 30 numbers.
    """
    array = np.asarray(values, dtype=float)
    array = array[np.isfinite(array)]
    columns = ["bin_start", "bin_end", "customers"]
    if array.size == 0:
        return pd.DataFrame(columns=columns)
    low = float(array.min())
    high = float(np.quantile(array, cap_quantile))
    if high <= low:
        return pd.DataFrame({"bin_start": [low], "bin_end": [None], "customers": [array.size]})
    edges = np.linspace(low, high, bins + 1)
    index = np.minimum(((array - low) / (high - low) * bins).astype(int), bins - 1)
    counts = np.bincount(index, minlength=bins)
    ends: list[float | None] = [float(e) for e in edges[1:]]
    ends[-1] = None
    return pd.DataFrame({"bin_start": edges[:-1], "bin_end": ends, "customers": counts})


def historic_clv_figure(clv: HistoricClv) -> go.Figure:
    """Distribution of historic CLV (margin in the first N months), from `customers.historic_clv`.

    The median is marked: the typical customer, which the mean (pulled up by a few big spenders)
    is not.
    """
    title = f"Historic CLV: margin in each customer's first {clv.months} months"
    if clv.status != "ok" or clv.histogram.empty:
        return _empty(title, f"No customer has {clv.months} months of history yet")
    fig = _bins_figure(
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
        return _empty(title, "No fitted model")
    fig = _bins_figure(
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
        return _empty(title, "No fitted model")
    values = np.clip(predictions["probability_alive"].to_numpy(dtype=float), 0.0, 1.0)
    counts = np.bincount(np.minimum((values * bins).astype(int), bins - 1), minlength=bins)
    edges = np.linspace(0.0, 100.0, bins + 1)
    histogram = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "customers": counts})
    fig = _bins_figure(
        histogram,
        title=title,
        x_title="Probability still active, %",
        color="#2ca02c",
        unit="%",
    )
    fig.update_xaxes(range=[0, 100])
    return fig


def net_value_distribution_figure(analysis: ExperimentAnalysis) -> go.Figure:
    """Net value per customer in each arm (share of the arm's customers per bin), caps marked.

    Most customers are near 0 or at minus the lever's cost, a few are worth a lot: the share
    axis is logarithmic so both ends stay readable.
    """
    dist = analysis.distribution
    title = f"Net value per customer over {analysis.horizon_days} days, by arm"
    if dist.empty:
        return _empty(title, "no customers observed for the whole horizon yet")
    lo, hi = float(dist["bin_lo"].iloc[0]), float(dist["bin_hi"].iloc[0])
    bins = int(dist["bin"].max()) + 1
    width = (hi - lo) / max(bins, 1)
    colors = _colors(analysis)
    names = {a.arm_id: a.arm for a in analysis.arms}
    fig = go.Figure()
    for arm_id, part in dist.groupby("arm_id", sort=True):
        arm = names.get(int(str(arm_id)), str(arm_id))
        share = part["customers"] / part["customers"].sum()
        fig.add_trace(
            go.Scatter(
                x=lo + (part["bin"] + 0.5) * width,
                y=share,
                mode="lines+markers",
                name=arm,
                line={"color": colors.get(arm, "#444"), "shape": "hvh"},
                hovertemplate=f"{arm}<br>%{{x:,.0f}} {config.CURRENCY}: %{{y:.1%}} of customers"
                "<extra></extra>",
            )
        )
    lower, upper = analysis.caps.get("net_value", (None, None))
    above, below = int(dist["above_cap"].sum()), int(dist["below_cap"].sum())
    if upper is not None:
        fig.add_vline(
            x=upper,
            line_dash="dash",
            line_color="#444",
            annotation_text=f"cap: {above} customers above, counted at {upper:,.0f}",
            annotation_position="top left",
        )
    if lower is not None and below:
        fig.add_vline(
            x=lower,
            line_dash="dash",
            line_color="#444",
            annotation_text=f"lower cap: {below} customers below",
            annotation_position="bottom right",
        )
    fig.update_layout(
        title=title, template=TEMPLATE, height=380, legend={"orientation": "h", "y": -0.25}
    )
    fig.update_xaxes(title_text=f"net value per customer (margin minus cost), {config.CURRENCY}")
    fig.update_yaxes(
        title_text="share of the arm's customers (log scale)",
        type="log",
        dtick=1,
        tickformat=".2~%",
    )
    return fig
