"""Shared look of every chart: template, arm colours, the empty-chart message, histogram bins."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from experiments import config
from experiments.i18n import DEFAULT_LANGUAGE, Formatter, Lang, t

TEMPLATE = "plotly_white"


ARM_COLORS = {
    "control": "#7f7f7f",
    "discount": "#d62728",
    "gift": "#2ca02c",
    "outreach": "#1f77b4",
    "custom": "#9467bd",
}


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


def translucent(color: str, alpha: float) -> str:
    """'#rrggbb' -> 'rgba(r, g, b, alpha)': a band's fill, lighter than its line."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def formatter(lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None) -> Formatter:
    """The chart's formatter: its language and the store's currency (RUB by default)."""
    return Formatter(lang, currency or config.CURRENCY)


def localize(fig: go.Figure, fmt: Formatter) -> go.Figure:
    """The chart's numbers in its language: plotly's decimal and group marks (ru '1 234,5')
    for every tick and hover number."""
    fig.update_layout(separators=fmt.plotly_separators)
    return fig


def empty_figure(title: str, message: str, lang: Lang = DEFAULT_LANGUAGE) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 16})
    fig.update_layout(title=title, template=TEMPLATE, height=260)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return localize(fig, formatter(lang))


def bins_figure(
    histogram: pd.DataFrame,
    *,
    title: str,
    x_title: str,
    color: str,
    unit: str,
    fmt: Formatter | None = None,
) -> go.Figure:
    """Bars spanning bin_start..bin_end; a missing bin_end marks an open last bin (drawn as wide
    as the others, labelled "and more"). `unit` is '%' or a currency symbol."""
    fmt = fmt or formatter()
    lang = fmt.lang
    start = histogram["bin_start"].astype(float).to_numpy()
    end = pd.to_numeric(histogram["bin_end"], errors="coerce").astype(float).to_numpy()
    known = end[~np.isnan(end)] - start[~np.isnan(end)]
    width = float(np.median(known)) if known.size else 1.0
    open_end = np.isnan(end)
    drawn_end = np.where(open_end, start + width, end)
    suffix = unit if unit == "%" and lang == "en" else f"\u00a0{unit}"
    labels = [
        t("chart.bin.open", lang, low=fmt.number(float(a)), unit=suffix)
        if o
        else t(
            "chart.bin.range",
            lang,
            low=fmt.number(float(a)),
            high=fmt.number(float(b)),
            unit=suffix,
        )
        for a, b, o in zip(start, end, open_end, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=(start + drawn_end) / 2,
            y=histogram["customers"],
            width=drawn_end - start,
            customdata=labels,
            marker_color=color,
            marker_line={"width": 1, "color": "white"},
            hovertemplate="%{customdata}<br>"
            + t("chart.hover.customers", lang, count="%{y:,.0f}")
            + "<extra></extra>",
            name=t("chart.customers", lang),
        )
    )
    fig.update_layout(
        title=title, template=TEMPLATE, height=340, margin={"t": 50, "b": 40}, bargap=0
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=t("chart.customers", lang))
    return localize(fig, fmt)


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
