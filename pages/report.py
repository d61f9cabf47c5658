"""Report: the read-only results view for management (no upload, edit or delete controls)."""

from __future__ import annotations

import streamlit as st

from experiments import share
from pages import _results_view as view
from pages import _ui

_ui.run_through_app()

params = {k: str(v) for k, v in st.query_params.to_dict().items()}
secret = _ui.secret("share", "secret")
if secret:
    check = share.verify(params, secret)
    if not check.ok:
        st.error(check.message, icon=":material/lock:")
        st.stop()

experiments = view.experiments_list()
key = params.get("experiment")
experiment = next(
    (e for e in experiments if key in (str(e["id"]), str(e["name"]))),
    experiments[0] if experiments and key is None else None,
)
if experiment is None:
    st.error("This report link names an experiment that is not in the store.")
    st.stop()
if view.is_results_file(experiment):
    file_settings = view.file_settings_from(
        params, view.file_fields(int(experiment["id"])), experiment
    )
    st.title(str(experiment["name"]))
    st.caption(
        f"Read-only report · campaign result file · metrics {', '.join(file_settings.metrics)}"
        f" · CUPED {file_settings.covariate or 'off'} · capping "
        f"{'on' if file_settings.cap else 'off'} · correction {file_settings.correction}"
        f" · confidence {file_settings.confidence:.0%}"
    )
    view.render_file(
        experiment, view.file_analysis_for(int(experiment["id"]), file_settings), file_settings
    )
    st.stop()
settings = view.settings_from(params, experiment)

horizon = settings.horizon_days or view.default_horizon(experiment)
st.title(str(experiment["name"]))
st.caption(
    f"Read-only report · horizon {horizon} days · "
    f"capping {'on' if settings.cap else 'off'} · CUPED {'on' if settings.use_covariate else 'off'}"
    f" · correction {settings.correction} · confidence {settings.confidence:.0%}"
)
view.render(view.analysis_for(int(experiment["id"]), settings))  # verdicts by the design rule
