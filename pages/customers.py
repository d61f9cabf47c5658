"""Customers: who buys, who comes back, and what a customer is worth in money."""

from __future__ import annotations

import dataclasses

import streamlit as st

from experiments import charts, clv, config, export, source_engine
from experiments.i18n import MESSAGES, Lang, t
from experiments.i18n.text import render
from experiments.sources import SourceError
from experiments.store import customers, design_sql
from experiments.store.ibis_customers import RfmOverview
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
    days = {"count": design_sql.NEW_CUSTOMER_DAYS} if segment == "new" else {}
    return t(key, lang, **days)


_source_key = _ui.source_key


# each fit holds a row per customer (1M rows on a large store): keep the last two settings
@st.cache_data(show_spinner=False, max_entries=2)
def fitted_clv(
    version: int,
    db: str,
    months: int,
    monthly_discount_rate: float,
    margin_rate: float,
    source_key: str = "",
) -> clv.StoreClv:
    """BG/NBD + Gamma-Gamma on the whole store (or the configured source: its summary comes
    back as cells with counts), cached per store version, source and settings."""
    with _ui.cursor() as cur:
        return clv.fit_store(
            cur,
            months=months,
            monthly_discount_rate=monthly_discount_rate,
            margin_rate=margin_rate,
            source=_ui.source() if source_key else None,
        )


@st.cache_data(show_spinner=False, max_entries=8, ttl=600)
def source_rfm(version: int, source_key: str) -> RfmOverview:
    """The head counts and RFM segments read from the configured source (one row per segment
    comes back); cached per store version and source for ten minutes (the source changes
    without the store knowing)."""
    source = _ui.source()
    assert source is not None
    with _ui.cursor() as cur:
        return source_engine.customer_rfm(source, cur)


@st.cache_data(show_spinner=False, max_entries=8, ttl=600)
def source_historic(version: int, source_key: str) -> customers.HistoricClv:
    """The historic CLV read from the configured source (its statistics and one row per
    histogram bin come back); cached as `source_rfm`."""
    source = _ui.source()
    assert source is not None
    with _ui.cursor() as cur:
        return source_engine.historic_clv(source, cur)


@st.cache_data(show_spinner=False, max_entries=8, ttl=600)
def source_returns(version: int, source_key: str) -> customers.CustomerReturns:
    """The cohorts and the repeat curve read from the configured source (one row per cohort
    and month and per day come back); cached as `source_rfm`."""
    source = _ui.source()
    assert source is not None
    return source_engine.customer_returns(source)


@st.cache_data(show_spinner=False, max_entries=8, ttl=600)
def source_cells(version: int, source_key: str) -> int:
    """How many summary rows the CLV fit would bring back from the configured source."""
    source = _ui.source()
    assert source is not None
    return source_engine.clv_cell_count(source)


_ui.require_editor()
lang = _ui.lang()
st.title(t("page.customers", lang))
st.caption(t("customers.intro", lang))

source = _ui.source()  # [source] in secrets.toml: the transactions are read there
if source is None:
    overview = _ui.cached_query(customers.customer_overview)
    base, segments, store_margin = overview.base, overview.segments, overview.margin_rate
else:
    st.caption(t("source.reading", lang, source=_ui.plain(source.redacted())))
    try:
        rfm = source_rfm(_ui.store_version(), _source_key(source))
    except SourceError as error:
        st.error(t("source.error", lang, message=_ui.plain(_ui.say(error))))
        st.stop()
    base, segments, store_margin = rfm.base, rfm.segments, rfm.margin_rate
if base.customers == 0:
    st.info(t("customers.empty", lang))
    st.stop()

cols = st.columns(3)
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


# -- who they are --------------------------------------------------------------------------------
box = st.expander(
    t("customers.section.segments", lang), expanded=True, key="section_segments", on_change="rerun"
)
if box.open:  # a closed section builds no figure
    with box:
        st.caption(t("customers.segments_caption", lang, days=config.DEFAULT_LOOKBACK_DAYS))
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
        # ';', decimal comma, the session's encoding
        _ui.excel_download(
            shown, f"rfm-segments-{base.as_of}", "segments_excel_csv", container=downloads[1]
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
if box.open:  # a closed section runs no query and builds no figure
    with box:
        if source is None:
            returns = _ui.cached_query(customers.customer_returns)
        else:
            try:
                returns = source_returns(_ui.store_version(), _source_key(source))
            except SourceError as error:
                st.error(t("source.error", lang, message=_ui.plain(str(error))))
                st.stop()
        st.plotly_chart(charts.cohort_retention_figure(returns.cohorts, lang), width="stretch")
        st.caption(t("customers.cohorts_caption", lang))
        st.plotly_chart(charts.repeat_curve_figure(returns.repeat_curve, lang), width="stretch")
        st.caption(t("customers.repeat_curve_caption", lang))

# -- what they are worth -------------------------------------------------------------------------
box = st.expander(
    t("customers.section.worth", lang), expanded=False, key="section_worth", on_change="rerun"
)
if box.open:  # a closed section runs no query (exact quantiles of every customer's margin)
    with box:
        if source is None:
            historic = _ui.cached_query(customers.historic_clv)
        else:
            try:
                historic = source_historic(_ui.store_version(), _source_key(source))
            except SourceError as error:
                st.error(t("source.error", lang, message=_ui.plain(_ui.say(error))))
                st.stop()
        st.metric(
            t("customers.median_clv", lang, months=historic.months),
            _ui.money(historic.median if historic.status == "ok" else None),
            help=t(
                "customers.median_clv.help",
                lang,
                months=historic.months,
                count=historic.eligible_customers,
            ),
        )
        if historic.status == "ok":
            st.markdown(
                t(
                    "customers.historic_summary",
                    lang,
                    months=_ui.fmt().count(historic.months, "months"),
                    customers=_ui.fmt().count(historic.eligible_customers, "customers"),
                    median=_ui.money(historic.median),
                    mean=_ui.money(historic.mean),
                    p90=_ui.money(historic.p90),
                )
            )
        st.plotly_chart(charts.historic_clv_figure(historic, lang), width="stretch")
        st.caption(t("customers.historic_caption", lang))

# -- predictive CLV ------------------------------------------------------------------------------
st.header(t("customers.predictive", lang))
st.caption(t("customers.predictive_caption", lang))
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
wanted = (version, db, months, discount_pct / 100, margin_pct / 100, _source_key(source))

if source_engine.is_remote(source):  # say how many rows the fit brings back, before it runs
    assert source is not None
    try:
        cells = source_cells(version, _source_key(source))
    except SourceError as error:
        st.error(t("source.error", lang, message=_ui.plain(_ui.say(error))))
        st.stop()
    source_name = _ui.plain(source.redacted())
    st.info(t("source.cells_ask", lang, rows=_ui.count(cells), source=source_name))
if st.button(
    t("customers.fit", lang), type="primary", key="fit_clv", icon=":material/model_training:"
):
    with st.status(t("customers.fitting", lang), expanded=False) as status:
        try:
            result = fitted_clv(*wanted)
        except SourceError as error:
            status.update(state="error")
            st.error(t("source.error", lang, message=_ui.plain(_ui.say(error))))
            st.stop()
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

try:
    result = fitted_clv(*wanted)
except SourceError as error:
    st.error(t("source.error", lang, message=_ui.plain(_ui.say(error))))
    st.stop()
document = result.as_json()
model = result.model
if not model.converged:
    st.error(t("clv.fit.unusable", lang, message=_ui.plain(render(model.message, lang))))

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
    for model_name, names in (
        ("BG/NBD", "r alpha dropout" if bg_fit.constant_dropout else "r alpha a b"),
        ("Gamma-Gamma", "p q v"),
    )
    for name in names.split()
]
column = {c: t(f"clv.fit.col.{c}", lang) for c in ("model", "parameter", "estimate")}
column |= {c: t(f"clv.fit.col.{c}", lang) for c in ("standard_error", "meaning")}
st.subheader(t("clv.fit.parameters", lang))
_ui.table(
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
    file_stem=f"clv-parameters-{result.until}",
    excel_key="clv_parameters_excel",
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
        count=bg_fit.customers,
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
    if source is not None:  # cells with counts came back, not customers: no ids to download
        st.caption(t("source.predictions_cells", lang))
        st.stop()
    predictions = st.columns(2)
    predictions[0].download_button(
        t("clv.fit.predictions_csv", lang),
        data=lambda: export.csv(export.localized(model.predictions, lang)),
        file_name=f"clv-predictions-{result.until}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    _ui.excel_download(  # customer ids with leading zeros stay text
        lambda: export.localized(model.predictions, lang),
        f"clv-predictions-{result.until}",
        "predictions_excel_csv",
        container=predictions[1],
    )
