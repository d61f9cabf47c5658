"""Charts of an experiment's results: effects, curves, payback, segments, distributions."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments import catalogue, config
from experiments.charts.layout import TEMPLATE, arm_palette, empty_figure, translucent
from experiments.metrics import ExperimentAnalysis
from experiments.stats import DecayPoint

SEGMENT_KIND_LABELS = {
    "pre_period": "bought before assignment",
    "stratum": "stratum",
    "attribute": "attribute",
}


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
        return empty_figure(title, "no estimable effect yet")
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
                        fillcolor=translucent(color, 0.15),
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
        return empty_figure(title, km.note or "not enough data yet")
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
        return empty_figure("Does the effect fade?", "not enough data yet")
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
        return empty_figure("When does the lever pay for itself?", "not enough data yet")
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
        return empty_figure("Effect by segment", "no segments with enough customers")
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


def net_value_distribution_figure(analysis: ExperimentAnalysis) -> go.Figure:
    """Net value per customer in each arm (share of the arm's customers per bin), caps marked.

    Most customers are near 0 or at minus the lever's cost, a few are worth a lot: the share
    axis is logarithmic so both ends stay readable.
    """
    dist = analysis.distribution
    title = f"Net value per customer over {analysis.horizon_days} days, by arm"
    if dist.empty:
        return empty_figure(title, "no customers observed for the whole horizon yet")
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
