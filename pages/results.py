"""Results: what each lever did to repeat purchases and net value, and whether to ship it."""

from __future__ import annotations

import streamlit as st

from experiments import analysis_file, config, report, share
from experiments import experiment as experiment_record
from pages import _results_view as view
from pages import _ui

_ui.run_through_app()

_ui.require_editor()
st.title("Results")

experiments = view.experiments_list()
if not experiments:
    st.info("No experiments yet. Design one on the Design page, or upload a campaign result file.")
    st.stop()
# archived experiments stay readable but come last, so none of them opens by default
experiments = sorted(experiments, key=lambda e: e.archived)
by_id = {e.id: e for e in experiments}
if len(experiments) > 1:
    with st.expander(f"All experiments ({len(experiments)})", icon=":material/list:"):
        view.render_experiments_table()

# The URL carries the experiment's id (an all-digit `experiment=` is an id: one lookup rule,
# experiment_record.from_link); the picker shows names. Older links with a name still open.
if "experiment_pick" not in st.session_state:
    key = st.query_params.get("experiment")
    linked = _ui.cached_query(experiment_record.from_link, key)
    if key is not None and linked is None:  # a link to an experiment that is not here
        st.error(
            f"The link names the experiment **{_ui.plain(key)}**, which is not in this store "
            "(deleted, renamed, or a link from another store). Pick one of the experiments "
            "below instead.",
            icon=":material/link_off:",
        )
        if st.button("Show the experiments", key="missing_experiment_button"):
            del st.query_params["experiment"]
            st.rerun()
        st.stop()
    st.session_state["experiment_pick"] = linked.id if linked else next(iter(by_id))
if st.session_state["experiment_pick"] not in by_id:  # removed meanwhile
    st.session_state["experiment_pick"] = next(iter(by_id))
experiment_id = st.selectbox(
    "Experiment",
    list(by_id),
    format_func=lambda i: (
        by_id[i].name
        + (" (demo data)" if by_id[i].demo else "")
        + (" (archived)" if by_id[i].archived else "")
    ),
    key="experiment_pick",
    width=520,
)
experiment = by_id[int(experiment_id)]
experiment_param = str(experiment.id)  # what links carry
st.query_params["experiment"] = experiment_param
from_file = view.is_results_file(experiment)  # outcomes from an uploaded result file

rule_confidence, rule_correction = view.rule_defaults(experiment)  # the design's: the verdict's
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
        "Correction across levers",
        view.CORRECTIONS,
        index=view.CORRECTIONS.index(rule_correction),
        key="correction",
        bind="query-params",
        help="holm: Holm's step-down (controls the chance of any false win); "
        "bh: Benjamini-Hochberg (controls the share of false wins); none: no correction. "
        "Each metric is its own family across the levers. The verdict keeps the design's.",
    )
    st.selectbox(
        "Confidence level, %",
        view.CONFIDENCES,
        index=view.CONFIDENCES.index(rule_confidence),
        key="confidence",
        bind="query-params",
        help="The verdict keeps the confidence fixed at design; another level gives an "
        "exploratory view.",
    )

params = {
    "experiment": experiment_param,
    "horizon": str(st.session_state.get("horizon")),
    "cap": str(st.session_state.get("cap", view.CAP_DEFAULT)),
    "cuped": str(st.session_state.get("cuped", "on")),
    "correction": str(st.session_state.get("correction", rule_correction)),
    "confidence": str(st.session_state.get("confidence", rule_confidence)),
}
if from_file:
    fields = view.file_fields(experiment.id)
    url = {k: str(v) for k, v in st.query_params.to_dict().items()}
    start = view.file_settings_from({**url, **params}, fields, experiment)
    file_settings = view.pick_file_settings(experiment.id, fields, start)
    params = {"experiment": experiment_param, **file_settings.params()}
    st.query_params.update({k: params[k] for k in ("metrics", "covariate")})
    file_analysis = view.file_analysis_for(experiment.id, file_settings)
    view.render_file(experiment, file_analysis, file_settings)
else:
    for stale in ("metrics", "covariate"):  # a results-file experiment's pickers
        st.query_params.pop(stale, None)
    settings = view.settings_from(params, experiment)
    analysis = view.analysis_for(experiment.id, settings)
    view.render(analysis)
    view.render_projection(experiment.id)
    view.prefetch_neighbours(experiment, settings)

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

name = experiment.name
link = share.share_url(base, "", report_params)
downloads = st.columns(3)
if from_file:
    html_page = lambda: report.html_file_report(experiment, file_analysis, link=link)  # noqa: E731
    effects_csv = lambda: analysis_file.effects_csv(file_analysis)  # noqa: E731 - on download
else:
    official, _ = view.official_for(analysis)
    html_page = lambda: report.html_report(analysis, link=link, official=official)  # noqa: E731
    effects_csv = lambda: report.effects_csv(analysis)  # noqa: E731 - built on download only
    downloads[2].download_button(
        "Effects (XLSX)",
        data=lambda: report.effects_xlsx(analysis),  # built when asked for, not every rerun
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
