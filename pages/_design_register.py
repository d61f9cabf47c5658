"""Design page, second tab: a list randomized elsewhere, its arms' kinds and costs."""

from __future__ import annotations

from datetime import date, datetime, time

import streamlit as st

from experiments import config, design, ingest
from experiments.design import ArmSpec, DesignError, ExperimentSpec
from experiments.experiment import Experiment
from experiments.store import StoreError
from pages import _design_common as common
from pages import _ui


def arm_cost_inputs(prefix: str, arm: ArmSpec, *, kinds: bool = True) -> ArmSpec:
    """Kind and cost inputs for one arm of a list registered from a file; returns the arm."""
    cols = st.columns([2.4, 1.8, 1.8, 1.8, 1.6], vertical_alignment="bottom")
    cols[0].markdown(f"**{_ui.plain(arm.name)}** · {_ui.pct(arm.allocation)} of the list")
    kind = arm.kind
    if kinds:
        kind = cols[1].selectbox(
            "Kind",
            list(common.KIND_LABELS),
            index=list(common.KIND_LABELS).index(arm.kind),
            format_func=common.KIND_LABELS.get,
            key=f"{prefix}_kind",
        )
    values: dict[str, float] = {}
    for i, (field, label, low, high, step) in enumerate(common.COST_FIELDS[kind]):
        default = float(getattr(arm, field))
        if kind == arm.kind or field not in common.DEFAULT_ARMS[kind]:
            start = default
        else:
            start = float(common.DEFAULT_ARMS[kind][field])
        if kind == "discount" and field == "discount_pct" and start <= 0:
            start = float(common.DEFAULT_ARMS["discount"]["discount_pct"])
        values[field] = float(
            cols[2 + i].number_input(
                label,
                min_value=low,
                max_value=high,
                value=start if high is None else min(start, high),
                step=step,
                key=f"{prefix}_{kind}_{field}",
            )
        )
    chosen = ArmSpec(name=arm.name, kind=kind, allocation=arm.allocation, **values)  # type: ignore[arg-type]
    cols[4].markdown(f"**{_ui.money(chosen.cost_per_customer)}** fixed per customer")
    return chosen


def render_cost_editor(stored: Experiment) -> None:
    """Kinds and costs of a list registered from a file: editable until results are read."""
    reason = _ui.cached_query(design.costs_editable, stored.id)
    if reason is not None:
        st.error(f"**The arms cannot be changed.** {reason}", icon=":material/lock:")
        return
    st.caption(
        "The customers and their groups came from the file and stay; what each lever is and "
        "what it cost is yours to set until results are attached."
    )
    arms = tuple(
        arm_cost_inputs(f"edit{stored.id}_{i}", arm) for i, arm in enumerate(stored.spec().arms)
    )
    if st.button("Save kinds and costs", icon=":material/save:", key="save_costs_button"):
        try:
            design.update_arm_costs(_ui.get_store(), stored.id, arms)
        except (StoreError, DesignError) as error:
            st.error(f"**Not saved.** {error}")
        else:
            st.session_state.pop("editing_costs", None)
            common.flash("success", f"Kinds and costs of '{stored.name}' saved.")
            st.rerun()


@st.cache_data(max_entries=4, show_spinner="Reading the list...")
def read_list(
    path: str, mapping: dict[str, str], control: str | None, file_name: str
) -> design.AssignmentList:
    return design.read_assignment_file(path, mapping, control_arm=control, file_name=file_name)


def register_tab() -> None:
    """A list randomized elsewhere: read it like the Data page, map, set costs, register."""
    st.caption(
        "Randomized elsewhere (your CRM, an agency)? Upload the customer -> arm list to analyse "
        "it here: CSV (comma, semicolon or tab; UTF-8 or Windows-1251), XLSX or Parquet. It "
        "needs a customer id column and an arm column; arm_kind, code and cost columns are "
        "optional (the list this page exports has them). The arm named control / контроль is "
        "the control unless you name another."
    )
    uploaded = st.file_uploader(
        "Assignment file (CSV, XLSX or Parquet)",
        type=["csv", "txt", "tsv", "xlsx", "parquet"],
        key="assign_file",
    )
    file_cols = st.columns(2)
    upload_name = file_cols[0].text_input(
        "Experiment name",
        key="assign_name",
        placeholder="e.g. CRM gift test, May",
    )
    upload_control = file_cols[1].text_input(
        "Control arm (optional)", key="assign_control", placeholder="detected automatically"
    )
    upload_metric_cols = st.columns([2, 1, 1])
    upload_metric = upload_metric_cols[0].selectbox(
        "Primary metric",
        list(design.PRIMARY_METRICS),
        format_func=lambda m: common.METRIC_LABELS[m],
        key="assign_metric",
    )
    upload_horizon = upload_metric_cols[1].number_input(
        "Horizon, days",
        min_value=1,
        max_value=730,
        value=config.DEFAULT_HORIZON_DAYS,
        key="assign_horizon",
    )
    upload_sent = upload_metric_cols[2].date_input(
        "Sent on",
        value=date.today(),
        max_value=date.today(),
        key="assign_sent",
        help="The day the customers got the lever (or were assigned): outcomes are counted "
        "from this day. A list sent three weeks ago has three weeks of results already.",
    )
    upload_hypothesis = st.text_area("Hypothesis", key="assign_hypothesis")
    # one temporary copy per file, removed when the file is replaced or cleared
    path = _ui.upload_copy(uploaded, "assignments")
    if uploaded is None or path is None:
        st.button(
            "Create experiment from the file",
            icon=":material/upload_file:",
            key="assign_button",
            disabled=True,
        )
        return
    inspection = ingest.inspect_file(path, "assignments", file_name=uploaded.name)
    st.caption(f"Detected: {inspection.format.describe()} · {len(inspection.columns)} columns")
    for problem in inspection.problems:
        (st.error if problem.severity == "error" else st.warning)(_ui.plain(problem.message))
    if not inspection.ok:
        return
    st.dataframe(inspection.preview, width="stretch", hide_index=True)
    st.subheader("Columns")
    mapping = _ui.mapping_form(inspection, "assign_map")
    exact = {c: mapping.get(c, ingest.IGNORE) for c in inspection.columns}
    control = (upload_control or "").strip() or None
    parsed = read_list(str(path), exact, control, uploaded.name)
    if parsed.problems:
        st.error(
            "**This list cannot be registered yet.** " + " ".join(parsed.problems),
            icon=":material/error:",
        )
        return
    signature = (uploaded.file_id, tuple(sorted(exact.items())), control)
    if st.session_state.get("assign_signature") != signature:  # another list: fresh cost form
        for key in [k for k in st.session_state if str(k).startswith("assign_arm")]:
            del st.session_state[key]
        st.session_state["assign_signature"] = signature
    st.subheader("Arms and what each cost")
    st.caption(
        f"{_ui.count(len(parsed.customers))} customers in {len(parsed.arms)} groups. Say what "
        "each group got and what it cost per customer: the results are judged after the cost."
    )
    arms = {arm.name: arm_cost_inputs(f"assign_arm{i}", arm) for i, arm in enumerate(parsed.arms)}
    problems = ExperimentSpec(
        name=(upload_name or "").strip() or "-", arms=tuple(arms.values())
    ).problems()
    if problems:
        st.warning("**To register the list:** " + " ".join(problems), icon=":material/edit_note:")
    if st.button(
        "Create experiment from the file",
        icon=":material/upload_file:",
        key="assign_button",
        disabled=bool(problems),
    ):
        name = (upload_name or "").strip()
        if not name:
            st.error("Give the experiment a name first.")
            return
        try:
            new_id = design.create_from_assignment_file(
                _ui.get_store(),
                path,
                name=name,
                hypothesis=upload_hypothesis,
                primary_metric="net_value" if upload_metric == "net_value" else "repeat_purchase",
                horizon_days=int(upload_horizon),
                started_at=datetime.combine(upload_sent, time()),
                control_arm=control,
                file_name=uploaded.name,
                mapping=exact,
                arms=arms,
            )
        except (StoreError, DesignError) as error:
            st.error(
                f"**Nothing was created.** {_ui.plain(str(error))} Fix the file or the name and "
                "retry."
            )
        else:
            common.flash(
                "success", f"'{name}' created from {uploaded.name} (id {new_id}), running."
            )
            common.go_to(name)
            st.rerun()
