"""Charts of the Data page: the store's monthly activity."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments import config
from experiments.charts.layout import TEMPLATE


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
