"""Design: from "gift against a discount" to a frozen, balanced, CRM-ready assignment list.

The page's story; each section lives in its own helper: `_design_audience` (1, who), `_design_arms`
(2, levers and costs), `_design_plan` (3-4, metrics, rule, power), `_design_launch` (5-6, preview,
save, start), `_design_frozen` (a running or completed experiment), `_design_register` (a list
randomized elsewhere), `_design_common` (labels, form state, shared tables).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from experiments import design, source_engine
from experiments import experiment as experiment_record
from experiments.experiment import Experiment
from experiments.i18n import t
from experiments.sources import SourceError
from experiments.store import design_sql as ds
from pages import _design_arms as arms_form
from pages import _design_audience as audience_form
from pages import _design_common as common
from pages import _design_frozen as frozen_view
from pages import _design_launch as launch_form
from pages import _design_plan as plan_form
from pages import _design_register as register_form
from pages import _ui

_ui.run_through_app()
_ui.require_editor()


def _design_tab(
    choices: list[str],
    status_of: dict[str, str],
    options: ds.AudienceOptions,
) -> None:
    """Pick an experiment; frozen ones are shown read-only, drafts and new ones are edited."""
    say = common.say
    choice = st.selectbox(
        say("design.experiment"),
        choices,
        format_func=common.labelled(
            choices, lambda c: say("design.new") if c == common.NEW else f"{c} · {status_of[c]}"
        ),
        key="design_experiment",
        bind="query-params",
        width=520,
    )
    stored: Experiment | None = None
    if choice != common.NEW:  # a name: the one lookup rule (experiment.load), as the CLI and links
        stored = _ui.cached_query(experiment_record.load, choice)
        if stored is None:
            st.error(say("design.missing"))
            return

    if stored is not None and stored.status != "draft":
        frozen_view.render_frozen(stored, options)
        return

    # a draft or a new design: (re)load the form when the selection changes
    loaded_key = f"{choice}:{stored.id if stored else ''}"
    copy_of = st.session_state.pop("design_copy_of", None)
    if st.session_state.get("design_loaded") != loaded_key or copy_of is not None:
        source = common.blank_spec()
        if stored is not None:
            source = stored.spec()
        elif copy_of is not None:
            original = _ui.cached_query(experiment_record.load, copy_of)
            if original is not None:
                source = replace(original.spec(), name=say("design.copy_name", name=original.name))
                source = replace(source, salt=design.new_salt())
        common.load_into_form(source)
        st.session_state["design_loaded"] = loaded_key
    experiment_id = stored.id if stored else None
    if stored is not None:
        created = (
            f"{stored.created_at:%Y-%m-%d %H:%M}"
            if _ui.lang() == "en"
            else _ui.fmt().datetime_short(stored.created_at)
        )
        st.caption(say("design.draft_caption", created=created))

    st.text_input(
        say("design.name"),
        key="d_name",
        placeholder=say("design.name.placeholder"),
        help=say("design.name.help"),
        persist_state=common.PERSIST,
    )

    audience, audience_problems = audience_form.audience_section(options)
    arms = arms_form.arms_section(options)
    plan_form.metrics_section()
    if not audience_problems:
        plan_form.planner_section(audience, tuple(arms), int(st.session_state["d_horizon"]))
    spec, preview, problems = launch_form.assignment_section(audience, tuple(arms))
    launch_form.save_start_section(spec, experiment_id, preview, problems)


lang = _ui.lang()
st.title(t("page.design", lang))
st.caption(common.say("design.intro"))

flash = st.session_state.pop("design_flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(_ui.plain(flash[1]))

experiments = _ui.cached_query(experiment_record.list_all)
status_of = {
    e.name: " · ".join(
        common.say(f"design.status.{word}")
        for word in (e.status, *(["demo"] if e.demo else []), *(["archived"] if e.archived else []))
    )
    for e in experiments
}
choices = [common.NEW, *status_of]
goto = st.session_state.pop("design_goto", None)
if goto is not None and goto in choices:
    st.session_state["design_experiment"] = goto

source = _ui.source()  # [source] in secrets.toml: the audience is computed there
if source is not None:
    st.caption(t("source.reading", _ui.lang(), source=_ui.plain(source.redacted())))
try:
    options = _ui.cached_query(source_engine.audience_options, source)
except SourceError as error:
    st.error(t("source.error", _ui.lang(), message=_ui.plain(_ui.say(error))))
    st.stop()
design_tab, upload_tab = st.tabs([common.say("design.tab.design"), common.say("design.tab.file")])
with design_tab:
    _design_tab(choices, status_of, options)

with upload_tab:
    register_form.register_tab()
