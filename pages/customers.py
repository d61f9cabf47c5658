"""Customers: who buys, who comes back, and what a customer is worth in money."""

from __future__ import annotations

import dataclasses

import streamlit as st

from experiments import charts, clv, config, export
from experiments.i18n import MESSAGES, Lang, t
from experiments.store import customers, design_sql
from pages import _ui

_ui.run_through_app()

SEGMENT_MEANING = {
    "champions": "bought recently, often and a lot",
    "loyal": "regular buyers, reasonably recent",
    "potential loyalists": "recent buyers who do not buy often yet",
    "new": f"first purchase in the last {design_sql.NEW_CUSTOMER_DAYS} days",
    "at risk": "used to buy often, not seen for a while",
    "can't lose": "were among the best, drifting away",
    "hibernating": "long quiet, few purchases",
    "lost": "the longest gone",
}
ACTIVE_MONTHS = round(config.DEFAULT_LOOKBACK_DAYS / 30.4)


def _segment_meaning(segment: str, lang: Lang) -> str:
    """Who a segment's customers are, in the page's language (``segment_meaning.*``)."""
    key = charts.segment_key(segment, "segment_meaning")
    if key not in MESSAGES:
        return SEGMENT_MEANING.get(segment, "")
    days = {"days": design_sql.NEW_CUSTOMER_DAYS} if segment == "new" else {}
    return t(key, lang, **days)


# each fit holds a row per customer (1M rows on a large store): keep the last two settings
@st.cache_data(show_spinner=False, max_entries=2)
def fitted_clv(
    version: int, db: str, months: int, monthly_discount_rate: float, margin_rate: float
) -> clv.StoreClv:
    """BG/NBD + Gamma-Gamma on the whole store, cached per store version and settings."""
    with _ui.cursor() as cur:
        return clv.fit_store(
            cur,
            months=months,
            monthly_discount_rate=monthly_discount_rate,
            margin_rate=margin_rate,
        )


_ui.require_editor()
lang = _ui.lang()
st.title(t("page.customers", lang))
st.caption(t("customers.intro", lang))

overview = _ui.cached_query(customers.customer_overview)
base, historic = overview.base, overview.historic
if base.customers == 0:
    st.info(t("customers.empty", lang))
    st.stop()

cols = st.columns(4)
cols[0].metric(
    t("customers.customers", lang),
    _ui.count(base.customers),
    help=t("customers.customers.help", lang, as_of=base.as_of),
)
cols[1].metric(
    t("customers.active", lang, months=ACTIVE_MONTHS),
    _ui.count(base.active_customers),
    help=t(
        "customers.active.help",
        lang,
        days=base.active_days,
        as_of=base.as_of,
        share=_ui.pct(base.active_share),
    ),
)
cols[2].metric(
    t("customers.repeat_share", lang),
    _ui.pct(base.repeat_share),
    help=t("customers.repeat_share.help", lang),
)
cols[3].metric(
    t("customers.median_clv", lang, months=historic.months),
    _ui.money(historic.median if historic.status == "ok" else None),
    help=t(
        "customers.median_clv.help",
        lang,
        months=historic.months,
        customers=_ui.count(historic.eligible_customers),
    ),
)


# -- who they are --------------------------------------------------------------------------------
box = st.expander(
    t("customers.section.segments", lang), expanded=True, key="section_segments", on_change="rerun"
)
if box.open:  # a closed section builds no figure
    with box:
        st.caption(t("customers.segments_caption", lang, days=config.DEFAULT_LOOKBACK_DAYS))
        segments = overview.segments
        table = segments.assign(
            meaning=segments["segment"].map(SEGMENT_MEANING),
            customer_share=segments["customers"] / max(int(segments["customers"].sum()), 1),
            revenue=segments["revenue"].round(),  # whole currency units in the table
        )[
            [
                "segment",
                "meaning",
                "customers",
                "customer_share",
                "revenue",
                "revenue_share",
                "repeat_rate",
            ]
        ]
        if lang != "en":  # segment names and meanings in the page's language
            table = table.assign(
                meaning=[_segment_meaning(s, lang) for s in table.segment],
                segment=[charts.segment_label(s, lang) for s in table.segment],
            )
        shown = export.localized(table, lang)  # the page's headers, also in the downloads
        revenue_label = t(
            "report.col.revenue_window",
            lang,
            count=config.DEFAULT_LOOKBACK_DAYS,
            currency=_ui.fmt().currency_symbol,
        )
        english = lang == "en"
        if not english:
            shown = shown.rename(columns={export.column_label("revenue", lang): revenue_label})

        def header(column: str, english_label: str) -> str | None:
            return english_label if english else None  # Russian: the column's own name

        key = lambda c: c if english else export.column_label(c, lang)  # noqa: E731
        st.dataframe(
            shown,
            width="stretch",
            hide_index=True,
            key="segments_table",
            column_config={
                key("segment"): header("segment", "Segment"),
                key("meaning"): header("meaning", "Who they are"),
                key("customers"): st.column_config.NumberColumn(
                    header("customers", "Customers"), format="localized"
                ),
                key("customer_share"): st.column_config.NumberColumn(
                    header("customer_share", "Share of customers"), format="percent"
                ),
                "revenue" if english else revenue_label: st.column_config.NumberColumn(
                    f"Revenue, last {config.DEFAULT_LOOKBACK_DAYS} days, {_ui.currency()}"
                    if english
                    else None,
                    format="localized",
                ),
                key("revenue_share"): st.column_config.NumberColumn(
                    header("revenue_share", "Share of revenue"), format="percent"
                ),
                key("repeat_rate"): st.column_config.NumberColumn(
                    header("repeat_rate", "Repeat rate"),
                    format="percent",
                    help=t("column_help.repeat_rate", lang),
                ),
            },
        )
        downloads = st.columns(2)
        downloads[0].download_button(
            t("customers.segments_csv", lang),
            data=lambda: export.csv(shown),
            file_name=f"rfm-segments-{base.as_of}.csv",
            mime="text/csv",
            icon=":material/table:",
        )
        downloads[1].download_button(  # ';', decimal comma, UTF-8 with BOM
            t("export.csv_excel", lang),
            data=lambda: export.excel_csv(shown),
            file_name=f"rfm-segments-{base.as_of}-excel.csv",
            mime="text/csv",
            icon=":material/grid_on:",
            key="segments_excel_csv",
        )
        st.plotly_chart(
            charts.rfm_segments_figure(
                segments, lookback_days=config.DEFAULT_LOOKBACK_DAYS, lang=lang
            ),
            width="stretch",
        )
        st.caption(t("customers.segments_chart_caption", lang))

# -- do they come back ---------------------------------------------------------------------------
box = st.expander(
    t("customers.section.return", lang), expanded=False, key="section_return", on_change="rerun"
)
if box.open:  # a closed section builds no figure
    with box:
        st.plotly_chart(charts.cohort_retention_figure(overview.cohorts, lang), width="stretch")
        st.caption(
            "Read a row left to right: the share of one month's new customers who bought again "
            "N months later. Rows that fade faster than the ones above them mean newer customers "
            "are less loyal. * marks the current, unfinished month."
        )
        st.plotly_chart(charts.repeat_curve_figure(overview.repeat_curve, lang), width="stretch")
        st.caption(
            "Where the curve flattens, waiting brings few second orders: that is the moment a "
            "nudge (gift, discount, call) has the most to win. Recent customers count only for "
            "the days they have been around (Kaplan-Meier)."
        )

# -- what they are worth -------------------------------------------------------------------------
box = st.expander(
    t("customers.section.worth", lang), expanded=False, key="section_worth", on_change="rerun"
)
if box.open:  # a closed section builds no figure
    with box:
        if historic.status == "ok":
            st.markdown(
                f"In their first **{historic.months} months** the "
                f"{_ui.count(historic.eligible_customers)} customers old enough to judge brought "
                f"**{_ui.money(historic.median)}** of margin at the median, "
                f"{_ui.money(historic.mean)} on average and {_ui.money(historic.p90)} at the "
                "90th percentile."
            )
        st.plotly_chart(charts.historic_clv_figure(historic, lang), width="stretch")
        st.caption(
            "Look at the gap between the median and the long right tail: a few customers bring a "
            "large share of the margin. The last bar holds everyone above the 99th percentile."
        )

# -- predictive CLV ------------------------------------------------------------------------------
st.header(t("customers.predictive", lang))
st.caption(t("customers.predictive_caption", lang))
store_margin = overview.margin_rate
settings_cols = st.columns(3)
months = int(
    settings_cols[0].number_input(
        t("customers.months_ahead", lang),
        min_value=1,
        max_value=60,
        value=12,
        step=1,
        key="clv_months",
        bind="query-params",
    )
)
discount_pct = float(
    settings_cols[1].number_input(
        t("customers.discount_rate", lang),
        min_value=0.0,
        max_value=20.0,
        value=config.MONTHLY_DISCOUNT_RATE * 100,
        step=0.1,
        format="%.2f",
        key="clv_discount",
        bind="query-params",
        help=t("customers.discount_rate.help", lang),
    )
)
margin_pct = float(
    settings_cols[2].number_input(
        t("customers.margin", lang),
        min_value=1.0,
        max_value=100.0,
        value=store_margin * 100,
        step=1.0,
        format="%.1f",
        key="clv_margin",
        bind="query-params",
        help=t("customers.margin.help", lang),
    )
)
version, db = _ui.store_version(), str(config.db_path())
wanted = (version, db, months, discount_pct / 100, margin_pct / 100)

if st.button(
    t("customers.fit", lang), type="primary", key="fit_clv", icon=":material/model_training:"
):
    with st.status(t("customers.fitting", lang), expanded=False) as status:
        result = fitted_clv(*wanted)
        status.update(
            label=t(
                "clv.fit.done",
                lang,
                seconds=_ui.fmt().number(result.summary_seconds + result.fit_seconds, 1),
            ),
            state="complete" if result.model.converged else "error",
        )
    st.session_state["clv_fitted"] = wanted
fitted = st.session_state.get("clv_fitted")
if fitted is None:
    st.info(t("customers.press_fit", lang))
    st.stop()
if fitted != wanted:
    st.info(t("customers.refit", lang))
    st.stop()

result = fitted_clv(*wanted)
document = result.as_json()
model = result.model
if not model.converged:
    st.error(t("clv.fit.unusable", lang, message=model.message))

bg_fit, gg_fit = model.bgnbd, model.gamma_gamma
estimates = {
    "BG/NBD": dataclasses.asdict(bg_fit.params) if bg_fit.params else {},
    "Gamma-Gamma": dataclasses.asdict(gg_fit.params) if gg_fit.params else {},
}
errors = {"BG/NBD": bg_fit.standard_errors or {}, "Gamma-Gamma": gg_fit.standard_errors or {}}
unit = t(f"clv.fit.unit.{result.time_unit}", lang)
symbol = _ui.fmt().currency_symbol  # ru '₽', '€'; en 'RUB', '€'
values: dict[str, dict[str, object]] = {"alpha": {"unit": unit}, "v": {"currency": symbol}}
parameters = [
    (model_name, name, t(f"clv.fit.meaning.{name}", lang, **values.get(name, {})))
    for model_name, names in (("BG/NBD", "r alpha a b"), ("Gamma-Gamma", "p q v"))
    for name in names.split()
]
column = {c: t(f"clv.fit.col.{c}", lang) for c in ("model", "parameter", "estimate")}
column |= {c: t(f"clv.fit.col.{c}", lang) for c in ("standard_error", "meaning")}
st.subheader(t("clv.fit.parameters", lang))
st.dataframe(
    [
        {
            column["model"]: model_name,
            column["parameter"]: name,
            column["estimate"]: estimates[model_name].get(name),
            column["standard_error"]: errors[model_name].get(name),
            column["meaning"]: meaning,
        }
        for model_name, name, meaning in parameters
    ],
    width="stretch",
    hide_index=True,
    key="clv_parameters",
    column_config={
        column["estimate"]: st.column_config.NumberColumn(format="%.4g"),
        column["standard_error"]: st.column_config.NumberColumn(format="%.3g"),
    },
)
correlation = gg_fit.frequency_spend_correlation
st.caption(
    t(
        "clv.fit.caption",
        lang,
        customers=_ui.count(bg_fit.customers),
        repeat=_ui.count(bg_fit.repeat_customers),
        gg_customers=_ui.count(gg_fit.customers),
        until=result.until,
        units=t(f"clv.fit.units.{result.time_unit}", lang),
        status=t(f"clv.fit.status.{document['status']}", lang),
    )
    + (
        t("clv.fit.correlation", lang, correlation=_ui.fmt().number(correlation, 2))
        if correlation is not None and abs(correlation) > 0.3
        else ""
    )
)

if model.converged:
    summary = model.clv_summary()
    metric_cols = st.columns(4)
    metric_cols[0].metric(t("clv.fit.mean", lang, months=months), _ui.money(summary["mean"]))
    metric_cols[1].metric(t("clv.fit.median", lang, months=months), _ui.money(summary["median"]))
    metric_cols[2].metric(
        t("clv.fit.purchase_days", lang),
        _ui.fmt().number(summary["expected_purchases_mean"], 2),
        help=t("clv.fit.purchase_days.help", lang, months=months),
    )
    metric_cols[3].metric(t("clv.fit.alive", lang), _ui.pct(summary["probability_alive_mean"]))
    st.plotly_chart(
        charts.predicted_clv_figure(model.predictions, months=months, lang=lang), width="stretch"
    )
    st.caption(t("clv.fit.predicted_caption", lang))
    st.plotly_chart(charts.probability_alive_figure(model.predictions, lang=lang), width="stretch")
    st.caption(t("clv.fit.alive_caption", lang))
    predictions = st.columns(2)
    predictions[0].download_button(
        t("clv.fit.predictions_csv", lang),
        data=lambda: export.csv(export.localized(model.predictions, lang)),
        file_name=f"clv-predictions-{result.until}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    predictions[1].download_button(  # customer ids with leading zeros stay text
        t("export.csv_excel", lang),
        data=lambda: export.excel_csv(export.localized(model.predictions, lang)),
        file_name=f"clv-predictions-{result.until}-excel.csv",
        mime="text/csv",
        icon=":material/grid_on:",
        key="predictions_excel_csv",
    )
