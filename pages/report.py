"""Report: the read-only results view for management (no upload, edit or delete controls)."""

from __future__ import annotations

import streamlit as st

from experiments import escape, stats
from experiments import experiment as experiment_record
from pages import _results_view as view
from pages import _ui

_ui.run_through_app()

params = {k: str(v) for k, v in st.query_params.to_dict().items()}
_ui.require_report_access(params)

experiments = view.experiments_list()
key = params.get("experiment")
experiment = (
    _ui.cached_query(experiment_record.from_link, key)
    if key is not None
    else (experiments[0] if experiments else None)
)
if experiment is None:
    st.error("This report link names an experiment that is not in the store.")
    st.stop()
if view.is_results_file(experiment):
    file_settings = view.file_settings_from(params, view.file_fields(experiment.id), experiment)
    st.title(escape.markdown(experiment.name))
    st.caption(
        "Read-only report · campaign result file · metrics "
        f"{escape.markdown(', '.join(file_settings.metrics))}"
        f" · CUPED {escape.markdown(file_settings.covariate or 'off')} · money effects: "
        f"{stats.money_estimand_label(file_settings.cap)} · correction {file_settings.correction}"
        f" · confidence {file_settings.confidence:.0%}"
    )
    view.render_file(
        experiment, view.file_analysis_for(experiment.id, file_settings), file_settings
    )
    st.stop()
settings = view.settings_from(params, experiment)

horizon = settings.horizon_days or view.default_horizon(experiment)
st.title(escape.markdown(experiment.name))
st.caption(
    f"Read-only report · horizon {horizon} days · "
    f"money effects: {stats.money_estimand_label(settings.cap, settings.cap_percentile)} · "
    f"CUPED {'on' if settings.use_covariate else 'off'}"
    f" · correction {settings.correction} · confidence {settings.confidence:.0%}"
)
view.render(view.analysis_for(experiment.id, settings))  # verdicts by the design rule
