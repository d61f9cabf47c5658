"""Report: the read-only results view for management (no upload, edit or delete controls)."""

from __future__ import annotations

import streamlit as st

from experiments import escape, report
from experiments import experiment as experiment_record
from experiments.i18n import t
from pages import _results_view as view
from pages import _ui

_ui.run_through_app()

params = {k: str(v) for k, v in st.query_params.to_dict().items()}
_ui.require_report_access(params)
lang = _ui.lang()
formatter = _ui.fmt()
on_off = {True: t("report.on", lang), False: t("report.off", lang)}

experiments = view.experiments_list()
key = params.get("experiment")
experiment = (
    _ui.cached_query(experiment_record.from_link, key)
    if key is not None
    else (experiments[0] if experiments else None)
)
if experiment is None:
    st.error(t("report_view.missing_experiment", lang))
    st.stop()
if view.is_results_file(experiment):
    file_settings = view.file_settings_from(params, view.file_fields(experiment.id), experiment)
    st.title(escape.markdown(experiment.name))
    st.caption(
        t(
            "report_view.file_caption",
            lang,
            metrics=escape.markdown(", ".join(file_settings.metrics)),
            covariate=escape.markdown(file_settings.covariate or on_off[False]),
            estimand=report.estimand_label(file_settings.cap, lang=lang, currency=_ui.currency()),
            correction=t(f"correction.{file_settings.correction}", lang),
            confidence=formatter.percent(file_settings.confidence, 0),
        )
    )
    view.render_file(
        experiment, view.file_analysis_for(experiment.id, file_settings), file_settings, lang
    )
    st.stop()
offered, default, _ = view.horizon_picker(experiment, lang)  # as the Results page offers
asked = params.get("horizon")
if asked and asked not in offered:  # one shared link shows one horizon on both views
    view.say_link_horizon(asked, offered, int(default))
    params = {**params, "horizon": default}
settings = view.settings_from(params, experiment)

horizon = settings.horizon_days or view.default_horizon(experiment)
st.title(escape.markdown(experiment.name))
st.caption(
    t(
        "report_view.caption",
        lang,
        horizon=formatter.count(horizon, "days"),
        estimand=report.estimand_label(
            settings.cap, settings.cap_percentile, lang, currency=_ui.currency()
        ),
        cuped=on_off[settings.use_covariate],
        correction=t(f"correction.{settings.correction}", lang),
        confidence=formatter.percent(settings.confidence, 0),
    )
)
view.render(view.analysis_for(experiment.id, settings, lang), lang)  # by the design rule
