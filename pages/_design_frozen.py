"""Design page: a running or completed experiment, read-only, with its export and lifecycle."""

from __future__ import annotations

import streamlit as st

from experiments import design
from experiments.design import DesignError
from experiments.experiment import Experiment
from experiments.i18n import MESSAGES
from experiments.sources import SourceError
from experiments.store import StoreError
from experiments.store import design_sql as ds
from pages import _design_common as common
from pages import _design_register as register_form
from pages import _ui


def render_export(stored: Experiment) -> None:
    say = common.say
    st.subheader(say("design.export.header"))
    frame = _ui.cached_query(ds.assignment_list, stored.id)
    if frame.empty:
        st.info(say("design.export.none"))
        return
    name = stored.name
    counts = frame.groupby("arm", sort=False).size()
    columns = ["customer_id", "arm", "arm_kind"] + (["code"] if frame["code"].notna().any() else [])
    st.caption(
        say(
            "design.export.caption",
            customers=common.customers(len(frame)),
            arms=", ".join(f"{_ui.plain(str(arm))} {_ui.count(n)}" for arm, n in counts.items()),
            columns=", ".join(columns if _ui.lang() == "en" else (f"`{c}`" for c in columns)),
        )
    )
    cols = st.columns(3)
    for col, (label, data, extension, mime, icon, key) in zip(
        cols,
        (
            (
                "design.export.csv",
                design.assignments_csv(frame),
                "csv",
                "text/csv",
                ":material/download:",
                "export_csv",
            ),
            (
                "design.export.csv_excel",
                design.assignments_csv(frame, sep=";"),
                "csv",
                "text/csv",
                ":material/download:",
                "export_csv_semicolon",
            ),
            (
                "design.export.xlsx",
                lambda: design.assignments_xlsx(frame),
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ":material/table_view:",
                "export_xlsx",
            ),
        ),
        strict=True,
    ):
        col.download_button(
            say(label),
            data=data,
            file_name=design.export_file_name(name, extension),
            mime=mime,
            icon=icon,
            key=key,
            on_click="ignore",
        )
    st.dataframe(design.export_frame(frame.head(10)), width="stretch", hide_index=True)
    st.caption(say("design.export.head"))


def _moment(value: object) -> str:
    """A start or end time: '2026-03-08 14:05' in English, '08.03.2026 14:05' in Russian."""
    if value is None:
        return _ui.fmt().not_available
    if _ui.lang() == "en":
        return f"{value:%Y-%m-%d %H:%M}"
    return _ui.fmt().datetime_short(value)  # type: ignore[arg-type]


def render_frozen(stored: Experiment, options: ds.AudienceOptions) -> None:
    """A running or completed experiment: its design read-only, balance, export, lifecycle."""
    say = common.say
    spec = stored.spec()
    started = _moment(stored.started_at)
    status_key = f"design.frozen.status.{stored.status}"
    status = say(status_key) if status_key in MESSAGES else stored.status.capitalize()
    line = say("design.frozen.since", status=status, started=started)
    if stored.ended_at:
        line = say("design.frozen.completed", ended=_moment(stored.ended_at), started=started)
    source = "design.frozen.uploaded" if stored.source == "uploaded" else "design.frozen.designed"
    st.markdown(
        say(
            "design.frozen.line",
            line=line,
            customers=common.customers(stored.customers),
            source=say(source),
        )
    )
    if spec.hypothesis:
        st.markdown(say("design.frozen.hypothesis", text=_ui.plain(spec.hypothesis)))
    english = _ui.lang() == "en"
    none = say("design.none")
    st.markdown(
        say(
            "design.frozen.metrics",
            metric=common.metric_label(spec.primary_metric),
            horizon=say("design.frozen.days", days=spec.horizon_days)
            if english
            else _ui.fmt().count(spec.horizon_days, "days"),
            secondary=", ".join(
                spec.secondary_metrics
                if english
                else map(common.secondary_label, spec.secondary_metrics)
            )
            or none,
            guardrails=", ".join(
                spec.guardrails if english else map(common.guardrail_label, spec.guardrails)
            )
            or none,
            stratify=common.stratify_label(spec.stratify_by),
        )
    )
    st.subheader(say("design.frozen.arms"))
    _ui.table(
        common.arms_table(spec.arms, options.average_order_value),
        file_stem="arms",
        excel_key="frozen_arms_excel",
        width="stretch",
        hide_index=True,
        column_config=common.arms_column_config(),
    )
    edit = say("design.frozen.edit_arms")
    if stored.source == "uploaded" and stored.status == "running":
        if st.button(edit, icon=":material/edit:", key="edit_frozen_arms"):
            st.session_state["editing_costs"] = stored.id
        if st.session_state.get("editing_costs") == stored.id:
            register_form.render_cost_editor(stored)
    elif st.button(edit, icon=":material/edit:", key="edit_frozen_arms"):
        try:
            design.update_arms(_ui.get_store(), stored.id, spec.arms)
        except StoreError as error:
            st.error(
                say("design.frozen.arms_locked", error=_ui.plain(_ui.say(error))),
                icon=":material/lock:",
            )
        else:  # not reachable for a frozen experiment; kept honest if the lifecycle changes
            st.rerun()

    st.subheader(say("design.frozen.balance"))
    try:
        stats = _ui.cached_query(design.balance_stats, stored.id, _ui.source())
        common.render_balance(design.balance_check(stats, spec.control.name), spec.arms)
    except (StoreError, DesignError, SourceError) as error:
        common.show_error("design.frozen.balance_failed", error)

    render_export(stored)

    st.subheader(say("design.lifecycle"))
    if stored.status == "running":
        st.caption(say("design.lifecycle.running"))
        if st.button(
            say("design.lifecycle.complete"), icon=":material/flag:", key="complete_button"
        ):
            st.session_state["design_confirm"] = ("complete", stored.id)
        if common.confirmed(
            "complete",
            stored.id,
            say("design.lifecycle.complete_question", name=_ui.plain(spec.name)),
        ):
            try:
                design.complete_experiment(_ui.get_store(), stored.id)
            except StoreError as error:
                st.error(_ui.plain(_ui.say(error)))
            else:
                common.flash("success", say("design.lifecycle.completed", name=spec.name))
                st.rerun()
    else:
        st.caption(say("design.lifecycle.done"))
    if st.button(say("design.copy"), icon=":material/content_copy:", key="copy_button"):
        st.session_state["design_copy_of"] = stored.id
        common.go_to(common.NEW)
        st.rerun()
    render_archive_delete(stored)


def render_archive_delete(stored: Experiment) -> None:
    """Archive (kept, out of the way) or delete (gone, after asking) an experiment."""
    say = common.say
    name = stored.name
    archived = stored.archived
    cols = st.columns([1, 1, 2])
    if cols[0].button(
        say("design.unarchive" if archived else "design.archive"),
        icon=":material/unarchive:" if archived else ":material/archive:",
        key="archive_button",
        help=say("design.archive.help"),
    ):
        try:
            ds.set_archived(_ui.get_store(), stored.id, not archived)
        except StoreError as error:
            st.error(_ui.plain(_ui.say(error)))
        else:
            common.flash(
                "success", say("design.unarchived" if archived else "design.archived", name=name)
            )
            st.rerun()
    if cols[1].button(say("design.delete"), icon=":material/delete:", key="delete_button"):
        st.session_state["design_confirm"] = ("delete", stored.id)
    if common.confirmed(
        "delete",
        stored.id,
        say(
            "design.delete_question",
            name=_ui.plain(name),
            customers=_ui.count(stored.customers)
            if _ui.lang() == "en"
            else _ui.fmt().count(stored.customers, "customers"),
        ),
    ):
        try:
            message = ds.delete_experiment(_ui.get_store(), stored.id)
        except StoreError as error:
            st.error(_ui.plain(_ui.say(error)))
        else:
            if _ui.lang() != "en":  # the store's sentence is English
                message = say("design.deleted", name=name)
            common.flash("success", message)
            common.go_to(common.NEW)
            st.rerun()
