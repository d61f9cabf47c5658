"""Design page, section 1: who takes part (filters, live size, pre-period spend)."""

from __future__ import annotations

import streamlit as st

from experiments import charts, design, source_engine
from experiments.design import AudienceFilter
from experiments.sources import SourceError
from experiments.store import StoreError
from experiments.store import design_sql as ds
from pages import _design_common as common
from pages import _ui


def audience_section(options: ds.AudienceOptions) -> tuple[AudienceFilter, list[str]]:
    """(2) Filters, live size and the pre-period spend histogram."""
    say = common.say
    st.header(say("audience.header"))
    st.caption(say("audience.caption"))
    st.number_input(
        say("audience.lookback"),
        min_value=1,
        max_value=3650,
        step=30,
        key="d_lookback",
        persist_state=common.PERSIST,
        width=320,
    )
    range_cols = st.columns(len(common.RANGES))
    for col, (prefix, unit_key) in zip(range_cols, common.RANGES, strict=True):
        unit = say(unit_key) if unit_key else _ui.fmt().currency_symbol
        with col:
            st.markdown(f"**{say(f'design.range.{prefix}')}**")
            low_high = st.columns(2)
            for side, (end, bound) in zip(low_high, (("from", "min"), ("to", "max")), strict=True):
                side.number_input(
                    say(f"audience.{end}", unit=unit),
                    min_value=0.0 if prefix != "monetary" else None,
                    value=None,
                    key=f"d_{prefix}_{bound}",
                    persist_state=common.PERSIST,
                )
    seg_cols = st.columns([2, 1])
    seg_cols[0].multiselect(
        say("audience.segments"),
        list(design.RFM_SEGMENTS),
        format_func=common.labelled(design.RFM_SEGMENTS, common.segment_label),
        key="d_segments",
        placeholder=say("audience.segments.placeholder"),
        help=say("audience.segments.help"),
        persist_state=common.PERSIST,
    )
    seg_cols[1].multiselect(
        say("audience.channels"),
        list(options.channels),
        key="d_channels",
        placeholder=say("audience.channels.placeholder"),
        persist_state=common.PERSIST,
    )
    with st.expander(say("audience.scores")):
        score_cols = st.columns(3)
        for col, letter in zip(score_cols, "rfm", strict=True):
            col.multiselect(
                say(f"audience.score.{letter}"),
                [1, 2, 3, 4, 5],
                key=f"d_{letter}_scores",
                placeholder=say("audience.any"),
                persist_state=common.PERSIST,
            )
        if options.attributes:
            attr_cols = st.columns(min(3, len(options.attributes)))
            for i, (attribute, values) in enumerate(options.attributes):
                attr_cols[i % len(attr_cols)].multiselect(
                    attribute,
                    list(values),
                    key=f"d_attr_{attribute}",
                    placeholder=say("audience.any"),
                    persist_state=common.PERSIST,
                )
        else:
            st.caption(say("audience.no_attributes"))

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
        st.error(say("audience.fix", problem=_ui.plain(_ui.say(problem))))
    summary = None
    if not audience_problems:
        try:
            summary = _ui.cached_query(source_engine.audience, audience, _ui.source())
        except (StoreError, SourceError) as error:
            common.show_error("audience.failed", error)
    if summary is not None:
        size_cols = st.columns(3)
        size_cols[0].metric(say("audience.size"), _ui.count(summary.customers))
        size_cols[1].metric(say("audience.mean_spend"), _ui.money(summary.spend_mean))
        size_cols[2].metric(say("audience.median_spend"), _ui.money(summary.spend_median))
        st.plotly_chart(
            charts.audience_spend_figure(summary.histogram, lookback_days=audience.lookback_days),
            width="stretch",
        )
        as_of = f"{summary.as_of:%Y-%m-%d}" if _ui.lang() == "en" else _ui.fmt().date(summary.as_of)
        st.caption(say("audience.as_of", date=as_of))
        if summary.customers == 0:
            st.warning(say("audience.empty"))
    return audience, audience_problems
