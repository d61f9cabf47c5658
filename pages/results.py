"""Results: what each lever did to repeat purchases and net value, and whether to ship it."""

from __future__ import annotations

import streamlit as st

from experiments import analysis_file, config, export, report, share
from experiments import experiment as experiment_record
from experiments.i18n import t
from experiments.sources import SourceError
from pages import _results_view as view
from pages import _ui

_ui.run_through_app()

_ui.require_editor()
lang = _ui.lang()
st.title(t("page.results", lang))

experiments = view.experiments_list()
if not experiments:
    st.info(t("results.none", lang))
    st.stop()
# archived experiments stay readable but come last, so none of them opens by default
experiments = sorted(experiments, key=lambda e: e.archived)
by_id = {e.id: e for e in experiments}
if len(experiments) > 1:
    with st.expander(
        t("results.all_experiments", lang, count=len(experiments)), icon=":material/list:"
    ):
        view.render_experiments_table(lang)

# The URL carries the experiment's id (an all-digit `experiment=` is an id: one lookup rule,
# experiment_record.from_link); the picker shows names. Older links with a name still open.
if "experiment_pick" not in st.session_state:
    key = st.query_params.get("experiment")
    linked = _ui.cached_query(experiment_record.from_link, key)
    if key is not None and linked is None:  # a link to an experiment that is not here
        st.error(
            t("results.missing_experiment", lang, name=_ui.plain(key)),
            icon=":material/link_off:",
        )
        if st.button(t("results.show_experiments", lang), key="missing_experiment_button"):
            del st.query_params["experiment"]
            st.rerun()
        st.stop()
    st.session_state["experiment_pick"] = linked.id if linked else next(iter(by_id))
if st.session_state["experiment_pick"] not in by_id:  # removed meanwhile
    st.session_state["experiment_pick"] = next(iter(by_id))
experiment_id = st.selectbox(
    t("results.experiment", lang),
    list(by_id),
    format_func=lambda i: (
        by_id[i].name
        + (t("results.demo_suffix", lang) if by_id[i].demo else "")
        + (t("results.archived_suffix", lang) if by_id[i].archived else "")
    ),
    key="experiment_pick",
    width=520,
)
experiment = by_id[int(experiment_id)]
experiment_param = str(experiment.id)  # what links carry
st.query_params["experiment"] = experiment_param
from_file = view.is_results_file(experiment)  # outcomes from an uploaded result file

rule_confidence, rule_correction = view.rule_defaults(experiment)  # the design's: the verdict's
linked = {name: st.query_params.get(name) for name in view.LINK_SETTINGS}  # before the pickers
with st.sidebar.expander(t("results.settings", lang), expanded=True, icon=":material/tune:"):
    if not from_file:
        horizons, default, label = view.horizon_picker(experiment, lang)
        asked = st.query_params.get("horizon")  # the bound picker drops what it does not offer
        st.selectbox(
            t("results.horizon", lang),
            horizons,
            index=horizons.index(default),
            format_func=label,
            key="horizon",
            bind="query-params",
            help=t("results.horizon.help", lang),
        )
    st.selectbox(  # no format_func: a bound selectbox's URL value is the option's label
        t("results.cap", lang),
        ["off", "on"] if view.CAP_DEFAULT == "off" else ["on", "off"],
        key="cap",
        bind="query-params",
        help=t(
            "results.cap.help",
            lang,
            currency=_ui.currency(),
            percentile=f"{config.DEFAULT_CAP_PERCENTILE:g}",
        ),
    )
    if not from_file:
        st.selectbox(
            t("results.cuped", lang),
            ["on", "off"],
            key="cuped",
            bind="query-params",
            help=t("results.cuped.help", lang),
        )
    st.selectbox(
        t("results.correction", lang),
        view.CORRECTIONS,
        index=view.CORRECTIONS.index(rule_correction),
        key="correction",
        bind="query-params",
        help=t("results.correction.help", lang),
    )
    st.selectbox(
        t("results.confidence", lang),
        view.CONFIDENCES,
        index=view.CONFIDENCES.index(rule_confidence),
        key="confidence",
        bind="query-params",
        help=t("results.confidence.help", lang),
    )

params = {
    _ui.LANG_PARAM: lang,
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
    file_settings = view.pick_file_settings(experiment.id, fields, start, lang)
    view.say_link_settings(linked, file_settings, view.FILE_LINK_SETTINGS)
    params = {_ui.LANG_PARAM: lang, "experiment": experiment_param, **file_settings.params()}
    st.query_params.update({k: params[k] for k in ("metrics", "covariate")})
    file_analysis = view.file_analysis_for(experiment.id, file_settings)
    view.render_file(experiment, file_analysis, file_settings, lang, edit_split=True)
else:
    for stale in ("metrics", "covariate"):  # a results-file experiment's pickers
        st.query_params.pop(stale, None)
    view.say_link_horizon(asked, horizons, int(str(st.session_state["horizon"])))
    settings = view.settings_from(params, experiment)
    view.say_link_settings(linked, settings)  # the bound pickers drop what they do not offer
    source = _ui.source()  # [source] in secrets.toml: the transactions are read there
    if source is not None:
        st.caption(t("source.reading", lang, source=_ui.plain(source.redacted())))
    try:
        analysis = view.analysis_for(experiment.id, settings, lang)
        view.render(analysis, lang, edit_split=True)
    except SourceError as error:
        st.error(t("source.error", lang, message=_ui.plain(_ui.say(error))))
        st.stop()
    view.render_projection(experiment.id, lang=lang)
    if source is None:  # the background work reads the store's own data
        view.prefetch_neighbours(experiment, settings, lang)

# -- share and export ------------------------------------------------------------------------------
st.subheader(t("results.share", lang))
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
    st.caption(t("results.share.view_link", lang))
    st.code(share.share_url(base, "", params), language=None, wrap_lines=True)
with cols[1]:
    st.caption(
        t("results.share.report_link_signed", lang, days=ttl_days)
        if secret
        else t("results.share.report_link", lang)
    )
    st.code(share.share_url(base, "", report_params), language=None, wrap_lines=True)

name = experiment.name
link = share.share_url(base, "", report_params)
downloads = st.columns(4)
money = _ui.currency()  # read now: a deferred download runs outside this script run
if from_file:
    html_page = lambda: report.html_file_report(  # noqa: E731
        experiment, file_analysis, link=link, lang=lang, currency=money
    )
    effects_frame = lambda: export.localized(  # noqa: E731 - built on download only
        analysis_file.effects_table(file_analysis), lang
    )
    effects_xlsx = lambda: export.xlsx(  # noqa: E731
        {
            t("sheet.effects", lang): effects_frame(),
            t("sheet.arms", lang): export.localized(analysis_file.arms_table(file_analysis), lang),
        }
    )
else:
    official, _ = view.official_for(analysis, lang)
    html_page = lambda: report.html_report(  # noqa: E731
        analysis, link=link, official=official, lang=lang, currency=money
    )
    effects_frame = lambda: export.localized(report.effects_table(analysis), lang)  # noqa: E731
    effects_xlsx = lambda: report.effects_xlsx(analysis, lang)  # noqa: E731
downloads[2].download_button(  # ids stay text in the sheet: a leading zero is kept
    t("results.download.effects_xlsx", lang),
    data=effects_xlsx,  # built when asked for, not every rerun
    file_name=f"{name}-effects.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table_view:",
)
downloads[0].download_button(
    t("results.download.html", lang),
    data=html_page,
    file_name=f"{name}-report.html",
    mime="text/html",
    icon=":material/description:",
)
downloads[1].download_button(
    t("results.download.effects_csv", lang),
    data=lambda: export.csv(effects_frame()),
    file_name=f"{name}-effects.csv",
    mime="text/csv",
    icon=":material/table:",
)
# ';', decimal comma, the session's encoding: opens in Russian Excel
_ui.excel_download(effects_frame, f"{name}-effects", "effects_excel_csv", container=downloads[3])
