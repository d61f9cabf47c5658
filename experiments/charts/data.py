"""Charts of the Data page: the store's monthly activity."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.charts.layout import TEMPLATE, formatter, localize
from experiments.i18n import DEFAULT_LANGUAGE, Lang, t


def monthly_activity_figure(
    monthly: pd.DataFrame, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> go.Figure:
    """Revenue (bars) and orders (line) per month, from `overview.monthly_activity`.

    The months stay a date axis (bars sit on their month) but are labelled by the Formatter
    (ru 'янв. 2026'): plotly's own month names are English whatever the page's language.
    """
    fmt = formatter(lang, currency)
    months = pd.to_datetime(monthly["month"])
    names = [fmt.month(m) for m in months]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=monthly["month"],
            y=monthly["revenue"],
            name=t("chart.monthly.revenue", lang, currency=fmt.currency_symbol),
            marker_color="#1f77b4",
            customdata=names,
            hovertemplate="%{customdata}<br>%{y:,.0f}\u00a0"
            + fmt.currency_symbol
            + "<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=monthly["month"],
            y=monthly["orders"],
            name=t("chart.monthly.orders", lang),
            mode="lines+markers",
            marker_color="#ff7f0e",
            customdata=names,
            hovertemplate="%{customdata}<br>"
            + t("chart.monthly.hover_orders", lang, count="%{y:,.0f}")
            + "<extra></extra>",
        ),
        secondary_y=True,
    )
    fig.update_layout(
        title=t("chart.monthly.title", lang),
        template=TEMPLATE,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 50, "b": 40},
        height=360,
    )
    step = max(1, -(-len(names) // 12))  # at most about 12 labels
    fig.update_xaxes(
        title_text=t("chart.monthly.x", lang),
        tickmode="array",
        tickvals=list(monthly["month"])[::step],
        ticktext=names[::step],
    )
    fig.update_yaxes(
        title_text=t("chart.monthly.revenue", lang, currency=fmt.currency_symbol),
        secondary_y=False,
        rangemode="tozero",
    )
    # own round ticks for orders: Streamlit's theme otherwise syncs them to the revenue grid
    fig.update_yaxes(
        title_text=t("chart.monthly.orders", lang),
        secondary_y=True,
        showgrid=False,
        tickmode="auto",
        rangemode="tozero",
    )
    return localize(fig, fmt)
