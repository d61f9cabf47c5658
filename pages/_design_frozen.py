"""Design page: a running or completed experiment, read-only, with its export and lifecycle."""

from __future__ import annotations

import streamlit as st

from experiments import design
from experiments.design import DesignError
from experiments.experiment import Experiment
from experiments.store import StoreError
from experiments.store import design_sql as ds
from pages import _design_common as common
from pages import _design_register as register_form
from pages import _ui


def render_export(stored: Experiment) -> None:
    st.subheader("Export the assignment list")
    frame = _ui.cached_query(ds.assignment_list, stored.id)
    if frame.empty:
        st.info("This experiment has no assignments yet.")
        return
    name = stored.name
    counts = frame.groupby("arm", sort=False).size()
    st.caption(
        f"{_ui.count(len(frame))} customers: "
        + ", ".join(f"{arm} {_ui.count(n)}" for arm, n in counts.items())
        + ". Columns: customer_id, arm, arm_kind"
        + (", code" if frame["code"].notna().any() else "")
        + ". Cells that a spreadsheet would run as a formula are prefixed with '."
    )
    cols = st.columns(3)
    cols[0].download_button(
        "CSV (UTF-8, comma)",
        data=design.assignments_csv(frame),
        file_name=design.export_file_name(name),
        mime="text/csv",
        icon=":material/download:",
        key="export_csv",
        on_click="ignore",
    )
    cols[1].download_button(
        "CSV for Excel (semicolon)",
        data=design.assignments_csv(frame, sep=";"),
        file_name=design.export_file_name(name),
        mime="text/csv",
        icon=":material/download:",
        key="export_csv_semicolon",
        on_click="ignore",
    )
    cols[2].download_button(
        "XLSX",
        data=lambda: design.assignments_xlsx(frame),
        file_name=design.export_file_name(name, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_view:",
        key="export_xlsx",
        on_click="ignore",
    )
    st.dataframe(design.export_frame(frame.head(10)), width="stretch", hide_index=True)
    st.caption("The first 10 rows, as exported.")


def render_frozen(stored: Experiment, options: ds.AudienceOptions) -> None:
    """A running or completed experiment: its design read-only, balance, export, lifecycle."""
    spec = stored.spec()
    started = f"{stored.started_at:%Y-%m-%d %H:%M}" if stored.started_at else "n/a"
    line = f"**{stored.status.capitalize()}** since {started}"
    if stored.ended_at:
        line = f"**Completed** {stored.ended_at:%Y-%m-%d %H:%M} (started {started})"
    st.markdown(
        f"{line} · {_ui.count(stored.customers)} customers assigned and frozen · "
        f"{'uploaded assignment file' if stored.source == 'uploaded' else 'designed here'}"
    )
    if spec.hypothesis:
        st.markdown(f"**Hypothesis.** {_ui.plain(spec.hypothesis)}")
    metric = common.METRIC_LABELS.get(spec.primary_metric, spec.primary_metric)
    st.markdown(
        f"**Primary metric:** {metric}, "
        f"{spec.horizon_days} days · **secondary:** "
        f"{', '.join(spec.secondary_metrics) or 'none'} · **guardrails:** "
        f"{', '.join(spec.guardrails) or 'none'} · "
        f"**randomization:** {common.STRATIFY_LABELS.get(spec.stratify_by, spec.stratify_by)}"
    )
    st.subheader("Arms")
    st.dataframe(
        common.arms_table(spec.arms, options.average_order_value),
        width="stretch",
        hide_index=True,
        column_config=common.arms_column_config(),
    )
    if stored.source == "uploaded" and stored.status == "running":
        if st.button("Edit arms", icon=":material/edit:", key="edit_frozen_arms"):
            st.session_state["editing_costs"] = stored.id
        if st.session_state.get("editing_costs") == stored.id:
            register_form.render_cost_editor(stored)
    elif st.button("Edit arms", icon=":material/edit:", key="edit_frozen_arms"):
        try:
            design.update_arms(_ui.get_store(), stored.id, spec.arms)
        except StoreError as error:
            st.error(
                f"**The arms cannot be changed.** {_ui.plain(str(error))}", icon=":material/lock:"
            )
        else:  # not reachable for a frozen experiment; kept honest if the lifecycle changes
            st.rerun()

    st.subheader("Balance of the frozen assignment")
    try:
        stats = _ui.cached_query(design.balance_stats, stored.id)
        common.render_balance(design.balance_check(stats, spec.control.name), spec.arms)
    except (StoreError, DesignError) as error:
        st.error(f"The balance cannot be computed: {_ui.plain(str(error))}")

    render_export(stored)

    st.subheader("Lifecycle")
    if stored.status == "running":
        st.caption(
            "Complete the experiment when the horizon has passed; its design and list stay as "
            "the record of what was run."
        )
        if st.button("Complete experiment", icon=":material/flag:", key="complete_button"):
            st.session_state["design_confirm"] = ("complete", stored.id)
        if common.confirmed(
            "complete",
            stored.id,
            f"Complete '{spec.name}'? It cannot run again, and the list stays as the record.",
        ):
            try:
                design.complete_experiment(_ui.get_store(), stored.id)
            except StoreError as error:
                st.error(_ui.plain(str(error)))
            else:
                common.flash("success", f"'{spec.name}' is completed.")
                st.rerun()
    else:
        st.caption("Completed: nothing more to do here. Read the outcome on the Results page.")
    if st.button("Copy into a new draft", icon=":material/content_copy:", key="copy_button"):
        st.session_state["design_copy_of"] = stored.id
        common.go_to(common.NEW)
        st.rerun()
    render_archive_delete(stored)


def render_archive_delete(stored: Experiment) -> None:
    """Archive (kept, out of the way) or delete (gone, after asking) an experiment."""
    name = stored.name
    archived = stored.archived
    cols = st.columns([1, 1, 2])
    if cols[0].button(
        "Back from the archive" if archived else "Archive",
        icon=":material/unarchive:" if archived else ":material/archive:",
        key="archive_button",
        help="Archived experiments stay readable but come last and never open by default.",
    ):
        try:
            ds.set_archived(_ui.get_store(), stored.id, not archived)
        except StoreError as error:
            st.error(str(error))
        else:
            common.flash(
                "success", f"'{name}' is {'back from the archive' if archived else 'archived'}."
            )
            st.rerun()
    if cols[1].button("Delete", icon=":material/delete:", key="delete_button"):
        st.session_state["design_confirm"] = ("delete", stored.id)
    if common.confirmed(
        "delete",
        stored.id,
        f"Delete '{name}' for good, with its {_ui.count(stored.customers)} assignments and any "
        "results attached to it? Transactions stay.",
    ):
        try:
            message = ds.delete_experiment(_ui.get_store(), stored.id)
        except StoreError as error:
            st.error(str(error))
        else:
            common.flash("success", message)
            common.go_to(common.NEW)
            st.rerun()
