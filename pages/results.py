"""Results: what each lever did to repeat purchases and net value, and whether to ship it."""

from __future__ import annotations

import streamlit as st

from experiments import analysis_file, config, report, share
from pages import _results_view as view
from pages import _ui

_ui.run_through_app()

_ui.require_editor()
st.title("Results")

experiments = view.experiments_list()
if not experiments:
    st.info("No experiments yet. Design one on the Design page, or upload a campaign result file.")
    st.stop()
by_name = {str(e["name"]): e for e in experiments}
if len(experiments) > 1:
    with st.expander(f"All experiments ({len(experiments)})", icon=":material/list:"):
        view.render_experiments_table()

experiment_name = st.selectbox(
    "Experiment", list(by_name), key="experiment", bind="query-params", width=520
)
experiment = by_name[str(experiment_name)]
from_file = view.is_results_file(experiment)  # outcomes from an uploaded result file

with st.sidebar.expander("Analysis settings", expanded=True, icon=":material/tune:"):
    if not from_file:
        horizons, default, label = view.horizon_picker(experiment)
        st.selectbox(
            "Horizon, days after assignment",
            horizons,
            index=horizons.index(default),
            format_func=label,
            key="horizon",
            bind="query-params",
            help="Purchases within this many days of each customer's assignment count. While "
            "an experiment runs, 'so far' is the longest horizon every customer is observed for.",
        )
    st.selectbox(  # no format_func: a bound selectbox's URL value is the option's label
        "Cap money values (on: the winsorised mean difference, a different estimand)",
        ["off", "on"] if view.CAP_DEFAULT == "off" else ["on", "off"],
        key="cap",
        bind="query-params",
        help=f"Off (default): money effects are the mean difference per customer, in "
        f"{config.CURRENCY}. On: revenue and net value are winsorised at the pooled "
        f"{config.DEFAULT_CAP_PERCENTILE:g}th percentile of non-zero values - a different "
        "estimand (the winsorised mean difference, not the money difference), which shrinks "
        "effects on heavy-tailed spend toward zero.",
    )
    if not from_file:
        st.selectbox(
            "Adjust for pre-period behaviour (CUPED)",
            ["on", "off"],
            key="cuped",
            bind="query-params",
            help="Uses what each customer did before assignment (spend, orders, recency, tenure, "
            "RFM segment) to narrow the intervals; the unadjusted estimate is shown beside it.",
        )
    st.selectbox(
        "Correction for several arms x metrics",
        view.CORRECTIONS,
        key="correction",
        bind="query-params",
        help="holm: Holm's step-down (controls the chance of any false win); "
        "bh: Benjamini-Hochberg (controls the share of false wins); none: no correction.",
    )
    st.selectbox(
        "Confidence level, %", view.CONFIDENCES, index=1, key="confidence", bind="query-params"
    )

params = {
    "experiment": str(experiment_name),
    "horizon": str(st.session_state.get("horizon")),
    "cap": str(st.session_state.get("cap", view.CAP_DEFAULT)),
    "cuped": str(st.session_state.get("cuped", "on")),
    "correction": str(st.session_state.get("correction", "holm")),
    "confidence": str(st.session_state.get("confidence", "95")),
}
if from_file:
    fields = view.file_fields(int(experiment["id"]))
    url = {k: str(v) for k, v in st.query_params.to_dict().items()}
    start = view.file_settings_from({**url, **params}, fields)
    file_settings = view.pick_file_settings(int(experiment["id"]), fields, start)
    params = {"experiment": str(experiment_name), **file_settings.params()}
    st.query_params.update({k: params[k] for k in ("metrics", "covariate")})
    file_analysis = view.file_analysis_for(int(experiment["id"]), file_settings)
    view.render_file(experiment, file_analysis)
else:
    for stale in ("metrics", "covariate"):  # a results-file experiment's pickers
        st.query_params.pop(stale, None)
    settings = view.settings_from(params, experiment)
    analysis = view.analysis_for(int(experiment["id"]), settings)
    view.render(analysis)
    view.render_projection(int(experiment["id"]))

# -- share and export ------------------------------------------------------------------------------
st.subheader("Share")
base = _ui.base_url()
secret = _ui.secret("share", "secret")
report_params = {**params, share.VIEW_PARAM: "report"}
if secret:
    ttl_days = int(_ui.secret("share", "ttl_days") or 7)
    report_params[share.TOKEN_PARAM] = share.sign(
        report_params, secret, ttl_seconds=ttl_days * 86_400
    )
cols = st.columns(2)
with cols[0]:
    st.caption("Link to this view (opens with the same experiment and settings):")
    st.code(share.share_url(base, "", params), language=None, wrap_lines=True)
with cols[1]:
    st.caption(
        "Read-only report link for management"
        + (f" (signed, valid {ttl_days} days):" if secret else ":")
    )
    st.code(share.share_url(base, "", report_params), language=None, wrap_lines=True)

name = str(experiment["name"])
link = share.share_url(base, "", report_params)
downloads = st.columns(3)
if from_file:
    html_page = lambda: report.html_file_report(experiment, file_analysis, link=link)  # noqa: E731
    effects_csv = analysis_file.effects_csv(file_analysis)
else:
    html_page = lambda: report.html_report(analysis, link=link)  # noqa: E731
    effects_csv = report.effects_csv(analysis)
    downloads[2].download_button(
        "Effects (XLSX)",
        data=report.effects_xlsx(analysis),
        file_name=f"{name}-effects.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_view:",
    )
downloads[0].download_button(
    "HTML report (works offline)",
    data=html_page,
    file_name=f"{name}-report.html",
    mime="text/html",
    icon=":material/description:",
)
downloads[1].download_button(
    "Effects (CSV)",
    data=effects_csv,
    file_name=f"{name}-effects.csv",
    mime="text/csv",
    icon=":material/table:",
)
