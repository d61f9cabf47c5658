"""Charts of an experiment's results: effects, curves, payback, segments, distributions."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments import catalogue, config, escape
from experiments.charts.layout import (
    TEMPLATE,
    arm_palette,
    empty_figure,
    formatter,
    localize,
    translucent,
)
from experiments.i18n import DEFAULT_LANGUAGE, MESSAGES, Formatter, Lang, t
from experiments.metrics import ExperimentAnalysis
from experiments.stats import DecayPoint

SEGMENT_KIND_LABELS = {
    "pre_period": "bought before assignment",
    "stratum": "stratum",
    "attribute": "attribute",
}  # English; segment_kind_label gives either language


def segment_kind_label(kind: str, lang: Lang = DEFAULT_LANGUAGE) -> str:
    """What a kind of segment is called: 'pre_period' -> ru 'покупали до назначения'."""
    key = f"chart.segment_kind.{kind}"
    return t(key, lang) if key in MESSAGES else kind


def metric_label(metric: str, lang: Lang = DEFAULT_LANGUAGE) -> str:
    """A metric's name on a chart: the catalogue's in Russian ('Повторная покупка'); in English
    its code in words ('repeat purchase'), as the English charts always read; a metric the
    catalogue does not name (a result file's column) is its own name."""
    key = f"metric.{metric}"
    if lang != "en" and key in MESSAGES:
        return t(key, lang)
    return metric.replace("_", " ")


def _colors(analysis: ExperimentAnalysis) -> dict[str, str]:
    """The experiment's arm colours: the same arm has the same colour in every chart."""
    return arm_palette([(a.arm, a.kind) for a in analysis.arms])


def method_label(method: str, lang: Lang = DEFAULT_LANGUAGE) -> str:
    """An estimator as a chart names it: in English its code ('welch', as the hover always
    read), in Russian words ('t-тест Уэлча')."""
    key = "glossary.cuped.term" if method == "cuped" else f"chart.method.{method}"
    return t(key, lang) if lang != "en" and key in MESSAGES else method


def _metric_unit(metric: str, currency: str) -> str:
    unit = catalogue.unit_of(metric)  # the catalogue's; by name for horizon variants
    if unit == "share" or metric.startswith("repeat"):
        return "pp"
    if unit == "orders" or metric.startswith("orders"):
        return "orders"
    return currency


def _unit_text(unit: str, fmt: Formatter) -> str:
    """A unit as an axis names it: 'pp' -> ru 'п.п.', 'orders' -> ru 'заказа', the store's
    currency -> its symbol (ru '₽')."""
    if unit == "pp":
        return t("unit.percentage_points", fmt.lang)
    if unit == "orders":
        return t("chart.unit.orders", fmt.lang)
    if unit == fmt.currency:
        return fmt.currency_symbol
    return unit


def forest_figure(
    effects: list[dict[str, object]],
    *,
    confidence: float = 0.95,
    units: Mapping[str, str] | None = None,
    adjusted_for: str | None = None,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> go.Figure:
    """Effect vs control with its confidence interval, one row per arm, one panel per metric.

    `effects` are `Effect.as_json()` rows, usually `stats.headline_effects` (one estimator per
    arm and metric, named in the hover and, when CUPED, in the subtitle); given several
    estimators per arm, each gets its own row labelled with it. Rows without an estimate are
    left out.
    Rates are drawn in percentage points, money in the store's currency. `units` overrides the
    unit per metric ("pp" scales by 100) for metrics not named like the store's own, e.g. the
    0/1 columns of a campaign result file. `adjusted_for` names the CUPED covariates (default:
    the store's pre-period history, in the chart's language).
    """
    fmt = formatter(lang, currency)
    if adjusted_for is None:
        adjusted_for = t("chart.forest.adjusted_default", lang)
    title = t("chart.forest.title", lang, level=fmt.percent(confidence, 0))
    if not any(e.get("diff") is not None for e in effects):
        return empty_figure(title, t("chart.forest.empty", lang), lang)
    metrics = list(dict.fromkeys(str(e["metric"]) for e in effects))
    one_per_arm = all(
        len([e for e in effects if e["metric"] == m and e["arm"] == arm]) <= 1
        for m in metrics
        for arm in {e["arm"] for e in effects}
    )
    adjusted = [
        escape.plotly(metric_label(m, lang))
        for m in metrics
        if one_per_arm and {e["method"] for e in effects if e["metric"] == m} == {"cuped"}
    ]
    fig = make_subplots(
        rows=1,
        cols=max(1, len(metrics)),
        subplot_titles=[escape.plotly(metric_label(m, lang)) for m in metrics] or [""],
        shared_yaxes=True,
    )
    for col, metric in enumerate(metrics, start=1):
        rows = [e for e in effects if e["metric"] == metric and e.get("diff") is not None]
        unit = (units or {}).get(metric) or _metric_unit(metric, fmt.currency)
        scale = 100.0 if unit == "pp" else 1.0
        diffs = [float(e["diff"]) * scale for e in rows]  # type: ignore[arg-type]
        lows = [float(e["ci_low"]) * scale for e in rows]  # type: ignore[arg-type]
        highs = [float(e["ci_high"]) * scale for e in rows]  # type: ignore[arg-type]
        methods = [method_label(str(e["method"]), lang) for e in rows]
        labels = [
            escape.plotly(e["arm"] if one_per_arm else f"{e['arm']} ({m})")
            for e, m in zip(rows, methods, strict=True)
        ]
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
                name=escape.plotly(metric),
                showlegend=False,
                customdata=[[lo, hi] for lo, hi in zip(lows, highs, strict=True)],
                text=methods,
                hovertemplate="%{y} (%{text})<br>"
                + t(
                    "chart.forest.hover",
                    lang,
                    diff="%{x:+,.2f}",
                    level=fmt.percent(confidence, 0),
                    low="%{customdata[0]:+,.2f}",
                    high="%{customdata[1]:+,.2f}",
                )
                + "<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.add_vline(x=0, line_dash="dot", line_color="#444", row=1, col=col)
        fig.update_xaxes(
            title_text=t("chart.vs_control", lang, unit=escape.plotly(_unit_text(unit, fmt))),
            nticks=6,
            row=1,
            col=col,
        )
    rows_drawn = len({(e["arm"], e["method"]) for e in effects}) if not one_per_arm else 0
    fig.update_layout(
        title={
            "text": title,
            "subtitle": {
                "text": t(
                    "chart.forest.adjusted",
                    lang,
                    metrics=", ".join(adjusted),
                    what=escape.plotly(adjusted_for),
                )
                if adjusted
                else ""
            },
        },
        template=TEMPLATE,
        height=(200 if adjusted else 160)
        + 50 * max(1, rows_drawn or len({e["arm"] for e in effects})),
        margin={"t": 120 if adjusted else 80},
    )
    return localize(fig, fmt)


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
    lang: Lang = DEFAULT_LANGUAGE,
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
                        legendgroup=escape.plotly(arm),
                        name=t("chart.band_name", lang, arm=escape.plotly(arm)),
                        **fill,
                    )
                )
        fig.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[y],
                mode="lines",
                name=escape.plotly(arm),
                legendgroup=escape.plotly(arm),
                line={"color": color, "width": 2.5, "shape": shape},
            )
        )
    fig.update_layout(
        title=title, template=TEMPLATE, height=380, legend={"orientation": "h", "y": -0.25}
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, tickformat=".0%" if percent else ",")
    return localize(fig, formatter(lang))


def _kinds(analysis: ExperimentAnalysis) -> dict[str, str]:
    return {a.arm: a.kind for a in analysis.arms}


def arm_repeat_figure(analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE) -> go.Figure:
    """Share of each arm that has purchased again, by days since assignment.

    Kaplan-Meier (1 - survival), so customers assigned late count for the days they were
    observed; the band is the pointwise interval at the analysis' confidence level and the
    subtitle gives the log-rank test of whether the arms' curves differ.
    """
    fmt = formatter(lang)
    title = t("chart.repeat.title", lang)
    km = analysis.kaplan_meier
    curves = km.curves.copy()
    if curves.empty:
        note = km.note if lang == "en" and km.note else ""
        return empty_figure(title, note or t("chart.not_enough_data", lang), lang)
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
        x_title=t("chart.days_since_assignment", lang),
        y_title=t("chart.repeat.y", lang),
        percent=True,
        band=("share_low", "share_high"),
        step=True,
        colors=_colors(analysis),
        lang=lang,
    )
    p = km.logrank_p_value
    level = fmt.percent(analysis.settings.confidence, 0)
    subtitle = t("chart.repeat.subtitle", lang, level=level) + (
        t("chart.repeat.logrank", lang, p=_p_text(p, fmt)) if p is not None else ""
    )
    fig.update_layout(title={"text": title, "subtitle": {"text": subtitle}}, margin={"t": 80})
    fig.add_vline(
        x=analysis.horizon_days,
        line_dash="dot",
        line_color="#444",
        annotation_text=t("chart.horizon", lang, count=analysis.horizon_days),
        annotation_position="top right",
    )
    return fig


def _p_text(p: float, fmt: Formatter | None = None) -> str:
    fmt = fmt or formatter()
    return f"p < {fmt.number(0.001, 3)}" if p < 0.001 else f"p = {fmt.number(p, 3)}"


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


def decay_figure(
    analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> go.Figure:
    """Effect on weekly contribution (margin minus discounts) by days since assignment."""
    fmt = formatter(lang, currency)
    frame = _points_frame(analysis.decay, _kinds(analysis))
    if frame.empty:
        return empty_figure(
            t("chart.decay.empty_title", lang), t("chart.not_enough_data", lang), lang
        )
    fig = curves_figure(
        frame,
        x="day",
        y="diff",
        title=t("chart.decay.title", lang, days=analysis.settings.bucket_days),
        x_title=t("chart.decay.x", lang),
        y_title=t("chart.decay.y", lang, currency=fmt.currency_symbol),
        band=("ci_low", "ci_high"),
        colors=_colors(analysis),
        lang=lang,
    )
    fig.add_hline(y=0, line_dash="dot", line_color="#444")
    return fig


def payback_figure(
    analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> go.Figure:
    """Cumulative incremental net value per customer (after the lever's cost) vs control.

    Marked: the day each lever has paid for itself with confidence (its band's lower edge
    stays above 0 from then on; stats.payback_interval).
    """
    fmt = formatter(lang, currency)
    frame = _points_frame(analysis.cumulative, _kinds(analysis))
    if frame.empty:
        return empty_figure(
            t("chart.payback.empty_title", lang), t("chart.not_enough_data", lang), lang
        )
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
        title=t("chart.payback.title", lang),
        x_title=t("chart.days_since_assignment", lang),
        y_title=t("chart.payback.y", lang, currency=fmt.currency_symbol),
        band=("ci_low", "ci_high"),
        colors=(colors := _colors(analysis)),
        lang=lang,
    )
    fig.add_hline(
        y=0, line_dash="dot", line_color="#444", annotation_text=t("chart.break_even", lang)
    )
    # the day it has paid back with confidence (lower bound above 0 from then on), not the
    # day the noisy point estimate crosses: see stats.PAYBACK_RULE
    for arm, payback in analysis.payback.items():
        if payback.confident_day is not None:
            fig.add_vline(
                x=payback.confident_day,
                line_dash="dash",
                line_color=colors.get(arm, "#444"),
                annotation_text=t(
                    "chart.payback.paid_back",
                    lang,
                    arm=escape.plotly(arm),
                    day=payback.confident_day,
                ),
                annotation_position="top left",
            )
    return fig


def segments_figure(
    analysis: ExperimentAnalysis,
    metric: str = "net_value",
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> go.Figure:
    """Effect by segment (BH-corrected across segments), one row per segment x arm."""
    fmt = formatter(lang, currency)
    rows = [
        {
            "segment": f"{segment_kind_label(kind, lang)}: {escape.plotly(segment)}",
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
        return empty_figure(
            t("chart.segments.empty_title", lang), t("chart.segments.empty", lang), lang
        )
    frame = pd.DataFrame(rows)
    scale = 100.0 if metric == "repeat_purchase" else 1.0
    unit = _unit_text("pp" if metric == "repeat_purchase" else fmt.currency, fmt)
    fig = go.Figure()
    colors = _colors(analysis)
    for arm, part in frame.groupby("arm", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["diff"] * scale,
                y=part["segment"],
                mode="markers",
                name=escape.plotly(arm),
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
        title=t("chart.segments.title", lang, metric=escape.plotly(metric_label(metric, lang))),
        template=TEMPLATE,
        height=200 + 28 * len(frame),
        scattermode="group",
        scattergap=0.3,
        legend={"orientation": "h", "y": -0.35},
        margin={"b": 110},
    )
    fig.update_xaxes(title_text=t("chart.vs_control", lang, unit=unit))
    return localize(fig, fmt)


def net_value_distribution_figure(
    analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> go.Figure:
    """Net value per customer in each arm (share of the arm's customers per bin), caps marked.

    Most customers are near 0 or at minus the lever's cost, a few are worth a lot: the share
    axis is logarithmic so both ends stay readable.
    """
    fmt = formatter(lang, currency)
    dist = analysis.distribution
    title = t("chart.distribution.title", lang, count=analysis.horizon_days)
    if dist.empty:
        return empty_figure(title, t("chart.distribution.empty", lang), lang)
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
                name=escape.plotly(arm),
                line={"color": colors.get(arm, "#444"), "shape": "hvh"},
                hovertemplate=_hover_arm(escape.plotly(arm))
                + "<br>"
                + t(
                    "chart.distribution.hover",
                    lang,
                    value=f"%{{x:,.0f}}\u00a0{fmt.currency_symbol}",
                    share="%{y:.1%}",
                )
                + "<extra></extra>",
            )
        )
    lower, upper = analysis.caps.get("net_value", (None, None))
    above, below = int(dist["above_cap"].sum()), int(dist["below_cap"].sum())
    if upper is not None:
        fig.add_vline(
            x=upper,
            line_dash="dash",
            line_color="#444",
            annotation_text=t("chart.distribution.cap", lang, count=above, value=fmt.number(upper)),
            annotation_position="top left",
        )
    if lower is not None and below:
        fig.add_vline(
            x=lower,
            line_dash="dash",
            line_color="#444",
            annotation_text=t("chart.distribution.lower_cap", lang, count=below),
            annotation_position="bottom right",
        )
    fig.update_layout(
        title=title, template=TEMPLATE, height=380, legend={"orientation": "h", "y": -0.25}
    )
    fig.update_xaxes(title_text=t("chart.distribution.x", lang, currency=fmt.currency_symbol))
    fig.update_yaxes(
        title_text=t("chart.distribution.y", lang),
        type="log",
        dtick=1,
        tickformat=".2~%",
    )
    return localize(fig, fmt)


def _hover_arm(arm: str) -> str:
    """An arm's name inside a hover template: a '%{' in it is split by a zero-width space, so
    plotly shows the name as typed rather than reading a placeholder."""
    return arm.replace("%{", "%\u200b{")
