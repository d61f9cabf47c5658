"""Result objects -> plotly figures, labelled for management (no Streamlit here).

One module per page: `results`, `design`, `customers`, `data`; `layout` holds the look they
share (template, arm colours, the empty-chart message). Every public name is exported here, so
`from experiments import charts; charts.forest_figure(...)` keeps working.
"""

from __future__ import annotations

from experiments.charts.customers import (
    SEGMENT_COLORS,
    cohort_retention_figure,
    historic_clv_figure,
    predicted_clv_figure,
    probability_alive_figure,
    repeat_curve_figure,
    rfm_segments_figure,
    segment_key,
    segment_label,
)
from experiments.charts.data import monthly_activity_figure
from experiments.charts.design import audience_spend_figure, power_curve_figure
from experiments.charts.layout import ARM_COLORS, TEMPLATE, arm_palette, value_bins
from experiments.charts.results import (
    SEGMENT_KIND_LABELS,
    arm_repeat_figure,
    curves_figure,
    decay_figure,
    forest_figure,
    net_value_distribution_figure,
    payback_figure,
    segments_figure,
)

__all__ = [
    "ARM_COLORS",
    "SEGMENT_COLORS",
    "SEGMENT_KIND_LABELS",
    "TEMPLATE",
    "arm_palette",
    "arm_repeat_figure",
    "audience_spend_figure",
    "cohort_retention_figure",
    "curves_figure",
    "decay_figure",
    "forest_figure",
    "historic_clv_figure",
    "monthly_activity_figure",
    "net_value_distribution_figure",
    "payback_figure",
    "power_curve_figure",
    "predicted_clv_figure",
    "probability_alive_figure",
    "repeat_curve_figure",
    "rfm_segments_figure",
    "segment_key",
    "segment_label",
    "segments_figure",
    "value_bins",
]
