"""Design page, sections 5-6: the assignment preview with its balance, then save or start."""

from __future__ import annotations

import streamlit as st

from experiments import design, source_engine
from experiments import experiment as experiment_record
from experiments.design import ArmSpec, AudienceFilter, DesignError, ExperimentSpec
from experiments.sources import SourceError
from experiments.store import StoreError
from pages import _design_common as common
from pages import _design_frozen as frozen_view
from pages import _ui


def assignment_section(
    audience: AudienceFilter, arms: tuple[ArmSpec, ...]
) -> tuple[ExperimentSpec, design.AssignmentPreview | None, list[str]]:
    """(6) Stratification, salt, and the preview: balance table and A/A check."""
    say = common.say
    st.header(say("launch.header"))
    rand_cols = st.columns([2, 1, 1], vertical_alignment="bottom")
    rand_cols[0].selectbox(
        say("launch.stratify"),
        list(design.STRATIFICATIONS),
        format_func=common.labelled(design.STRATIFICATIONS, common.stratify_label),
        key="d_stratify",
        persist_state=common.PERSIST,
    )
    rand_cols[1].text_input(
        say("launch.code_prefix"),
        key="d_code_prefix",
        help=say("launch.code_prefix.help"),
        persist_state=common.PERSIST,
    )
    rand_cols[2].button(
        say("launch.new_salt"),
        icon=":material/casino:",
        on_click=common.new_salt,
        key="salt_button",
    )
    spec = ExperimentSpec(
        name=str(st.session_state["d_name"]).strip(),
        arms=arms,
        hypothesis=str(st.session_state["d_hypothesis"]),
        primary_metric=st.session_state["d_metric"],
        horizon_days=int(st.session_state["d_horizon"]),
        secondary_metrics=tuple(st.session_state["d_secondary"]),
        guardrails=tuple(st.session_state["d_guardrails"]),
        confidence=int(st.session_state["d_confidence"]) / 100,
        correction=str(st.session_state["d_correction"]),
        guardrail_margin_pct=float(st.session_state["d_guardrail_margin"]),
        stratify_by=st.session_state["d_stratify"],
        salt=str(st.session_state["d_salt"]),
        audience=audience,
        code_prefix=str(st.session_state.get("d_code_prefix") or "").strip() or None,
    )
    st.caption(say("launch.salt_caption", salt=_ui.plain(spec.salt)))
    problems = spec.problems()
    preview = None
    if problems:
        st.info(
            say("launch.to_preview", problems=_ui.plain(_ui.say(problems))),
            icon=":material/edit_note:",
        )
    elif _rows_confirmed(spec):
        try:
            preview = _ui.cached_query(design.preview_assignment, spec, _ui.source())
        except (StoreError, DesignError, SourceError) as error:
            common.show_error("launch.preview_failed", error)
    if preview is not None:
        if preview.frame.empty:
            st.warning(say("launch.empty"))
        else:
            common.render_balance(preview.balance, spec.arms)

    return spec, preview, problems


def _rows_confirmed(spec: ExperimentSpec) -> bool:
    """True unless the preview would bring back a row per audience customer from a remote
    source (`source_engine.is_remote`) that the marketer has not agreed to for this audience:
    then say how many rows, and offer the button that agrees."""
    source = _ui.source()
    if not source_engine.is_remote(source):
        return True
    assert source is not None
    key = repr((spec.audience.as_json(), source.redacted(), source.table))
    if st.session_state.get("d_source_rows") == key:
        return True
    try:
        rows = _ui.cached_query(source_engine.audience_size, spec.audience, source)
    except (StoreError, SourceError) as error:
        common.show_error("launch.preview_failed", error)
        return False
    source_name = _ui.plain(source.redacted())
    st.info(common.say("source.rows_ask", rows=_ui.count(rows), source=source_name))
    if st.button(
        common.say("source.rows_confirm", rows=_ui.count(rows)),
        key="d_source_rows_ok",
        icon=":material/cloud_download:",
    ):
        st.session_state["d_source_rows"] = key
        st.rerun()
    return False


def save_start_section(
    spec: ExperimentSpec,
    experiment_id: int | None,
    preview: design.AssignmentPreview | None,
    problems: list[str],
) -> None:
    """(7) Save the draft, or start: save, randomize and freeze in one go."""
    say = common.say
    st.header(say("launch.save_header"))
    acknowledged = True
    if preview is not None and not preview.frame.empty and not preview.balance.passed:
        acknowledged = st.checkbox(say("launch.ack"), key="d_ack_aa", value=False)
    st.caption(say("launch.caption"))
    action_cols = st.columns([1, 1, 2])
    save = action_cols[0].button(
        say("launch.save"), icon=":material/save:", key="save_button", disabled=bool(problems)
    )
    start = action_cols[1].button(
        say("launch.start"),
        icon=":material/play_arrow:",
        type="primary",
        key="start_button",
        disabled=bool(problems) or preview is None or preview.frame.empty or not acknowledged,
    )
    if experiment_id is not None:
        with _ui.cursor() as cur:
            draft = experiment_record.load(cur, experiment_id)
        if draft is not None:
            frozen_view.render_archive_delete(draft)
    if save:
        try:
            draft_id = design.save_experiment(_ui.get_store(), spec, experiment_id)
        except (StoreError, DesignError) as error:
            common.show_error("launch.not_saved", error)
        else:
            common.flash("success", say("launch.saved", name=spec.name, id=draft_id))
            common.go_to(spec.name)
            st.session_state["design_loaded"] = f"{spec.name}:{draft_id}"
            st.rerun()
    if start:
        with st.status(say("launch.starting"), expanded=True) as status:
            saved_id: int | None = experiment_id
            try:
                st.write(say("launch.saving"))
                saved_id = design.save_experiment(_ui.get_store(), spec, experiment_id)
                st.write(say("launch.randomizing"))
                started = design.start_experiment(_ui.get_store(), saved_id, source=_ui.source())
            except (StoreError, DesignError, SourceError) as error:
                status.update(label=say("launch.not_started"), state="error")
                common.show_error("launch.did_not_start", error)
                if saved_id is not None:
                    common.go_to(spec.name)
            else:
                customers = common.customers(len(started.frame))
                status.update(label=say("launch.started", customers=customers), state="complete")
                common.flash("success", say("launch.running", name=spec.name, customers=customers))
                common.go_to(spec.name)
                st.rerun()
