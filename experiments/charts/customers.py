"""Charts of the Customers page: RFM segments, cohorts, repeat curve, CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments import escape
from experiments.charts.layout import (
    TEMPLATE,
    bins_figure,
    empty_figure,
    formatter,
    localize,
    value_bins,
)
from experiments.i18n import DEFAULT_LANGUAGE, MESSAGES, Lang, t
from experiments.store.customers import HistoricClv

SEGMENT_COLORS = {"customers": "#1f77b4", "revenue": "#ff7f0e"}


def segment_key(segment: str, prefix: str = "segment") -> str:
    """The catalogue key of a named RFM segment: "can't lose" -> 'segment.cant_lose'."""
    return f"{prefix}." + str(segment).replace("'", "").replace(" ", "_")


def segment_label(segment: str, lang: Lang = DEFAULT_LANGUAGE) -> str:
    """An RFM segment's name as people say it ('champions' -> ru 'чемпионы'); a name the
    catalogue does not know (a custom rule's) is shown as it is."""
    key = segment_key(segment)
    return t(key, lang) if key in MESSAGES else str(segment)


def rfm_segments_figure(
    segments: pd.DataFrame,
    *,
    lookback_days: int,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> go.Figure:
    """Share of customers and share of revenue per RFM segment, from `design_sql.rfm_segments`.

    Side by side the two bars show where the money is: a segment whose revenue bar towers over
    its customer bar is worth protecting.
    """
    fmt = formatter(lang, currency)
    title = t("chart.rfm.title", lang)
    total = int(segments["customers"].sum()) if not segments.empty else 0
    if total == 0:
        return empty_figure(title, t("chart.rfm.empty", lang), lang)
    customer_share = segments["customers"] / total
    names = [escape.plotly(segment_label(s, lang)) for s in segments["segment"]]
    share = _percent_hover(lang, "%{y:.1f}")
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=names,
            y=customer_share * 100.0,
            name=t("chart.rfm.customer_share", lang),
            marker_color=SEGMENT_COLORS["customers"],
            customdata=segments["customers"],
            hovertemplate="%{x}<br>"
            + t("chart.rfm.hover_customers", lang, share=share, count="%{customdata:,.0f}")
            + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=names,
            y=segments["revenue_share"] * 100.0,
            name=t("chart.rfm.revenue_share", lang, count=lookback_days),
            marker_color=SEGMENT_COLORS["revenue"],
            customdata=segments["revenue"],
            hovertemplate="%{x}<br>"
            + t(
                "chart.rfm.hover_revenue",
                lang,
                share=share,
                amount=f"%{{customdata:,.0f}}\u00a0{fmt.currency_symbol}",
            )
            + "<extra></extra>",
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
    fig.update_xaxes(title_text=t("chart.rfm.x", lang))
    fig.update_yaxes(title_text=t("chart.share_percent", lang), rangemode="tozero")
    return localize(fig, fmt)


def _percent_hover(lang: Lang, number: str) -> str:
    """A d3 percentage in a hover: ru '12,3 %' (CLDR's no-break space), en '12.3%'."""
    return f"{number}\u00a0%" if lang == "ru" else f"{number}%"


def cohort_retention_figure(cohorts: pd.DataFrame, lang: Lang = DEFAULT_LANGUAGE) -> go.Figure:
    """Heatmap of cohort retention from `customers.cohort_retention`: first-purchase month
    (rows) x months since (columns).

    Cells not observed yet stay blank rather than 0, and the cutoff's own (partial) month is
    starred. The colour scale ends at the highest retention after month 0, which is 100% by
    definition and would otherwise wash out every other cell.
    """
    fmt = formatter(lang)
    title = t("chart.cohort.title", lang)
    if cohorts.empty:
        return empty_figure(title, t("chart.no_purchases", lang), lang)
    months = pd.to_datetime(cohorts["cohort"])
    label = months.dt.strftime("%Y-%m") if lang == "en" else [fmt.month(m) for m in months]
    frame = cohorts.assign(label=label)
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
        text[i][j] = f"{fmt.percent(retention, 0)}{star}"
        hover[i][j] = t(
            "chart.cohort.hover_detail", lang, active=fmt.number(active), count=size
        ) + (t("chart.cohort.running", lang) if star else "")
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
            colorbar={"title": {"text": t("chart.cohort.colorbar", lang)}},
            hovertemplate=t(
                "chart.cohort.hover",
                lang,
                cohort="%{y}",
                month="%{x}",
                share=_percent_hover(lang, "%{z:.1f}"),
                detail="%{customdata}",
            )
            + "<extra></extra>",
            hoverongaps=False,
        )
    )
    fig.update_layout(
        title=title, template=TEMPLATE, height=max(320, 120 + 26 * len(rows)), margin={"t": 50}
    )
    fig.update_xaxes(title_text=t("chart.cohort.x", lang), dtick=1)
    fig.update_yaxes(title_text=t("chart.cohort.y", lang), autorange="reversed", type="category")
    return localize(fig, fmt)


def repeat_curve_figure(curve: pd.DataFrame, lang: Lang = DEFAULT_LANGUAGE) -> go.Figure:
    """Share of customers with a second purchase by days since the first, from
    `customers.repeat_purchase_curve` (Kaplan-Meier, so recent customers do not drag it down).
    """
    fmt = formatter(lang)
    title = t("chart.repeat_curve.title", lang)
    if curve.empty:
        return empty_figure(title, t("chart.no_purchases", lang), lang)
    fig = go.Figure(
        go.Scatter(
            x=curve["day"],
            y=curve["repeat_share"] * 100.0,
            mode="lines",
            line={"color": "#2ca02c", "width": 3, "shape": "hv"},
            name=t("chart.repeat_curve.name", lang),
            customdata=curve["at_risk"],
            hovertemplate=t(
                "chart.repeat_curve.hover",
                lang,
                day="%{x}",
                share=_percent_hover(lang, "%{y:.1f}"),
                waiting="%{customdata:,.0f}",
            )
            + "<extra></extra>",
        )
    )
    for day in (30, 90, 180, 365):
        hit = curve.loc[curve["day"] == day, "repeat_share"]
        if not hit.empty:
            fig.add_annotation(
                x=day,
                y=float(hit.iloc[0]) * 100.0,
                text=t(
                    "chart.repeat_curve.by_day",
                    lang,
                    share=fmt.percent(float(hit.iloc[0]), 0),
                    day=day,
                ),
            )
    fig.update_layout(title=title, template=TEMPLATE, height=360, margin={"t": 50, "b": 40})
    fig.update_xaxes(title_text=t("chart.repeat_curve.x", lang))
    fig.update_yaxes(title_text=t("chart.repeat_curve.y", lang), rangemode="tozero")
    return localize(fig, fmt)


def historic_clv_figure(
    clv: HistoricClv, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> go.Figure:
    """Distribution of historic CLV (margin in the first N months), from `customers.historic_clv`.

    The median is marked: the typical customer, which the mean (pulled up by a few big spenders)
    is not.
    """
    fmt = formatter(lang, currency)
    title = t("chart.historic_clv.title", lang, months=clv.months)
    if clv.status != "ok" or clv.histogram.empty:
        return empty_figure(title, t("chart.historic_clv.empty", lang, months=clv.months), lang)
    fig = bins_figure(
        clv.histogram,
        title=title,
        x_title=t("chart.historic_clv.x", lang, months=clv.months, currency=fmt.currency_symbol),
        color="#1f77b4",
        unit=fmt.currency_symbol,
        fmt=fmt,
    )
    fig.add_vline(
        x=clv.median,
        line_dash="dash",
        line_color="#444",
        annotation_text=t("chart.median", lang, value=fmt.money(clv.median, digits=0)),
        annotation_position="top right",
    )
    return fig


def predicted_clv_figure(
    predictions: pd.DataFrame,
    *,
    months: int,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> go.Figure:
    """Distribution of expected CLV over the next `months` months (discounted margin) from
    `clv.ClvModel.predictions`, the median marked."""
    fmt = formatter(lang, currency)
    title = t("chart.predicted_clv.title", lang, months=months)
    if predictions.empty or "expected_clv" not in predictions:
        return empty_figure(title, t("chart.no_model", lang), lang)
    fig = bins_figure(
        value_bins(predictions["expected_clv"]),
        title=title,
        x_title=t("chart.predicted_clv.x", lang, months=months, currency=fmt.currency_symbol),
        color="#9467bd",
        unit=fmt.currency_symbol,
        fmt=fmt,
    )
    median = float(predictions["expected_clv"].median())
    fig.add_vline(
        x=median,
        line_dash="dash",
        line_color="#444",
        annotation_text=t("chart.median", lang, value=fmt.money(median, digits=0)),
        annotation_position="top right",
    )
    return fig


def probability_alive_figure(
    predictions: pd.DataFrame, *, bins: int = 20, lang: Lang = DEFAULT_LANGUAGE
) -> go.Figure:
    """Distribution of P(alive): how likely each customer is still buying, from the BG/NBD fit."""
    title = t("chart.alive.title", lang)
    if predictions.empty or "probability_alive" not in predictions:
        return empty_figure(title, t("chart.no_model", lang), lang)
    values = np.clip(predictions["probability_alive"].to_numpy(dtype=float), 0.0, 1.0)
    counts = np.bincount(np.minimum((values * bins).astype(int), bins - 1), minlength=bins)
    edges = np.linspace(0.0, 100.0, bins + 1)
    histogram = pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "customers": counts})
    fig = bins_figure(
        histogram,
        title=title,
        x_title=t("chart.alive.x", lang),
        color="#2ca02c",
        unit="%",
        fmt=formatter(lang),
    )
    fig.update_xaxes(range=[0, 100])
    return fig
