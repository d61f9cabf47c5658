"""Design page, section 1: who takes part (filters, live size, pre-period spend)."""

from __future__ import annotations

import streamlit as st

from experiments import charts, design
from experiments.design import AudienceFilter
from experiments.store import StoreError
from experiments.store import design_sql as ds
from pages import _design_common as common
from pages import _ui


def audience_section(options: ds.AudienceOptions) -> tuple[AudienceFilter, list[str]]:
    """(2) Filters, live size and the pre-period spend histogram."""
    st.header("1 · Audience")
    st.caption("Leave a field empty for no limit. The size and spend update as you change them.")
    st.number_input(
        "Lookback window for orders and spend, days",
        min_value=1,
        max_value=3650,
        step=30,
        key="d_lookback",
        persist_state=common.PERSIST,
        width=320,
    )
    range_cols = st.columns(len(common.RANGES))
    for col, (label, prefix, unit) in zip(range_cols, common.RANGES, strict=True):
        with col:
            st.markdown(f"**{label}**")
            low_high = st.columns(2)
            low_high[0].number_input(
                f"from, {unit}",
                min_value=0.0 if prefix != "monetary" else None,
                value=None,
                key=f"d_{prefix}_min",
                persist_state=common.PERSIST,
            )
            low_high[1].number_input(
                f"to, {unit}",
                min_value=0.0 if prefix != "monetary" else None,
                value=None,
                key=f"d_{prefix}_max",
                persist_state=common.PERSIST,
            )
    seg_cols = st.columns([2, 1])
    seg_cols[0].multiselect(
        "RFM segments",
        list(design.RFM_SEGMENTS),
        key="d_segments",
        placeholder="all segments",
        help="Named from quintile scores: champions R,F,M >= 4; at risk R <= 2, F >= 3; ...",
        persist_state=common.PERSIST,
    )
    seg_cols[1].multiselect(
        "Channel of the last purchase",
        list(options.channels),
        key="d_channels",
        placeholder="any channel",
        persist_state=common.PERSIST,
    )
    with st.expander("RFM quintile scores and customer attributes"):
        score_cols = st.columns(3)
        for col, letter, label in zip(
            score_cols, "rfm", ("Recency", "Frequency", "Monetary"), strict=True
        ):
            col.multiselect(
                f"{label} score (5 = best)",
                [1, 2, 3, 4, 5],
                key=f"d_{letter}_scores",
                placeholder="any",
                persist_state=common.PERSIST,
            )
        if options.attributes:
            attr_cols = st.columns(min(3, len(options.attributes)))
            for i, (attribute, values) in enumerate(options.attributes):
                attr_cols[i % len(attr_cols)].multiselect(
                    attribute,
                    list(values),
                    key=f"d_attr_{attribute}",
                    placeholder="any",
                    persist_state=common.PERSIST,
                )
        else:
            st.caption("Upload a customers file on the Data page to filter by its attributes.")

    def number_or_none(key: str) -> float | None:
        value = st.session_state.get(key)
        return None if value is None else float(value)

    audience = AudienceFilter(
        lookback_days=int(st.session_state["d_lookback"]),
        recency_min=number_or_none("d_recency_min"),
        recency_max=number_or_none("d_recency_max"),
        frequency_min=number_or_none("d_frequency_min"),
        frequency_max=number_or_none("d_frequency_max"),
        monetary_min=number_or_none("d_monetary_min"),
        monetary_max=number_or_none("d_monetary_max"),
        tenure_min=number_or_none("d_tenure_min"),
        tenure_max=number_or_none("d_tenure_max"),
        segments=tuple(st.session_state["d_segments"]),
        r_scores=tuple(int(s) for s in st.session_state["d_r_scores"]),
        f_scores=tuple(int(s) for s in st.session_state["d_f_scores"]),
        m_scores=tuple(int(s) for s in st.session_state["d_m_scores"]),
        channels=tuple(st.session_state["d_channels"]),
        attributes=tuple(
            (attribute, tuple(st.session_state.get(f"d_attr_{attribute}") or ()))
            for attribute, _ in options.attributes
            if st.session_state.get(f"d_attr_{attribute}")
        ),
    )
    audience_problems = audience.problems()
    for problem in audience_problems:
        st.error(f"{_ui.plain(problem)} Fix the filter above.")
    summary = None
    if not audience_problems:
        try:
            summary = _ui.cached_query(ds.audience, audience)
        except StoreError as error:
            st.error(f"The audience cannot be computed: {_ui.plain(str(error))}")
    if summary is not None:
        size_cols = st.columns(3)
        size_cols[0].metric("Audience", _ui.count(summary.customers))
        size_cols[1].metric("Mean spend", _ui.money(summary.spend_mean))
        size_cols[2].metric("Median spend", _ui.money(summary.spend_median))
        st.plotly_chart(
            charts.audience_spend_figure(summary.histogram, lookback_days=audience.lookback_days),
            width="stretch",
        )
        st.caption(
            f"Features as of {summary.as_of:%Y-%m-%d} (the day after the last transaction); "
            "the last bar holds the top 1% of spenders."
        )
        if summary.customers == 0:
            st.warning("No customer matches these filters: widen them to get an audience.")
    return audience, audience_problems
