"""Design page, second tab: a list randomized elsewhere, its arms' kinds and costs."""

from __future__ import annotations

from datetime import date, datetime, time

import streamlit as st

from experiments import config, design, ingest, labels
from experiments.design import ArmSpec, DesignError, ExperimentSpec
from experiments.experiment import Experiment
from experiments.i18n import t
from experiments.store import StoreError
from pages import _design_common as common
from pages import _ui


def arm_cost_inputs(prefix: str, arm: ArmSpec, *, kinds: bool = True) -> ArmSpec:
    """Kind and cost inputs for one arm of a list registered from a file; returns the arm."""
    say = common.say
    cols = st.columns([2.4, 1.8, 1.8, 1.8, 1.6], vertical_alignment="bottom")
    cols[0].markdown(
        say("register.arm_share", name=_ui.plain(arm.name), share=_ui.pct(arm.allocation))
    )
    kind = arm.kind
    if kinds:
        kinds_list = list(common.DEFAULT_ARMS)
        kind = cols[1].selectbox(
            say("register.kind"),
            kinds_list,
            index=kinds_list.index(arm.kind),
            format_func=common.labelled(kinds_list, common.kind_label),
            key=f"{prefix}_kind",
        )

    def start_of(field: str) -> float:
        """The file's value for its own kind; another kind starts from that kind's default."""
        if kind == arm.kind or field not in common.DEFAULT_ARMS[kind]:
            start = float(getattr(arm, field))
        else:
            start = float(common.DEFAULT_ARMS[kind][field])
        if kind == "discount" and field == "discount_pct" and start <= 0:
            start = float(common.DEFAULT_ARMS["discount"]["discount_pct"])
        return start

    values = common.cost_inputs(
        cols[2:4],
        kind,
        key_of=lambda field: f"{prefix}_{kind}_{field}",
        start_of=start_of,
        persist=False,
    )
    chosen = ArmSpec(name=arm.name, kind=kind, allocation=arm.allocation, **values)  # type: ignore[arg-type]
    cols[4].markdown(say("register.fixed", amount=_ui.money(chosen.cost_per_customer)))
    return chosen


def render_cost_editor(stored: Experiment) -> None:
    """Kinds and costs of a list registered from a file: editable until results are read."""
    say = common.say
    reason = _ui.cached_query(design.costs_editable, stored.id)
    if reason is not None:
        st.error(
            say("register.costs_locked", reason=_ui.plain(_ui.say(reason))), icon=":material/lock:"
        )
        return
    st.caption(say("register.costs_caption"))
    arms = tuple(
        arm_cost_inputs(f"edit{stored.id}_{i}", arm) for i, arm in enumerate(stored.spec().arms)
    )
    if st.button(say("register.save_costs"), icon=":material/save:", key="save_costs_button"):
        try:
            design.update_arm_costs(_ui.get_store(), stored.id, arms)
        except (StoreError, DesignError) as error:
            common.show_error("launch.not_saved", error)
        else:
            st.session_state.pop("editing_costs", None)
            common.flash("success", say("register.costs_saved", name=stored.name))
            st.rerun()


@st.cache_data(max_entries=4, show_spinner=False)
def read_list(
    path: str, mapping: dict[str, str], control: str | None, file_name: str
) -> design.AssignmentList:
    return design.read_assignment_file(path, mapping, control_arm=control, file_name=file_name)


def register_tab() -> None:
    """A list randomized elsewhere: read it like the Data page, map, set costs, register."""
    say = common.say
    lang = _ui.lang()
    # the exact control names (labels.CONTROL_NAMES): 'control / контроль'; code in Russian
    named = labels.CONTROL_NAMES[:2]
    control_names = " / ".join(named if lang == "en" else (f"`{name}`" for name in named))
    st.caption(say("register.caption", control=control_names))
    uploaded = st.file_uploader(
        say("register.file"),
        type=["csv", "txt", "tsv", "xlsx", "parquet"],
        key="assign_file",
    )
    file_cols = st.columns(2)
    upload_name = file_cols[0].text_input(
        say("design.name"),
        key="assign_name",
        placeholder=say("register.name.placeholder"),
    )
    upload_control = file_cols[1].text_input(
        say("register.control"),
        key="assign_control",
        placeholder=say("register.control.placeholder"),
    )
    upload_metric_cols = st.columns([2, 1, 1])
    upload_metric = upload_metric_cols[0].selectbox(
        say("plan.primary.short"),
        list(design.PRIMARY_METRICS),
        format_func=common.labelled(design.PRIMARY_METRICS, common.metric_label),
        key="assign_metric",
    )
    upload_horizon = upload_metric_cols[1].number_input(
        say("plan.horizon"),
        min_value=1,
        max_value=730,
        value=config.DEFAULT_HORIZON_DAYS,
        key="assign_horizon",
    )
    upload_sent = upload_metric_cols[2].date_input(
        say("register.sent"),
        value=date.today(),
        max_value=date.today(),
        key="assign_sent",
        format=_ui.fmt().date_input_format,  # DD.MM.YYYY in Russian
        help=say("register.sent.help"),
    )
    upload_hypothesis = st.text_area(say("plan.hypothesis"), key="assign_hypothesis")
    # one temporary copy per file, removed when the file is replaced or cleared
    path = _ui.upload_copy(uploaded, "assignments")
    if uploaded is None or path is None:
        st.button(
            say("register.create"),
            icon=":material/upload_file:",
            key="assign_button",
            disabled=True,
        )
        return
    inspection = ingest.inspect_file(path, "assignments", file_name=uploaded.name)
    _ui.detected_caption(inspection)
    for problem in inspection.problems:
        (st.error if problem.severity == "error" else st.warning)(
            _ui.plain(_ui.say(problem.message))
        )
    if not inspection.ok:
        return
    st.dataframe(inspection.preview, width="stretch", hide_index=True)
    st.subheader(t("upload.columns", lang))
    mapping = _ui.mapping_form(inspection, "assign_map")
    exact = {c: mapping.get(c, ingest.IGNORE) for c in inspection.columns}
    control = (upload_control or "").strip() or None
    with st.spinner(say("register.reading")):
        parsed = read_list(str(path), exact, control, uploaded.name)
    if parsed.problems:
        st.error(
            say("register.cannot", problems=_ui.plain(_ui.say(parsed.problems))),
            icon=":material/error:",
        )
        return
    signature = (uploaded.file_id, tuple(sorted(exact.items())), control)
    if st.session_state.get("assign_signature") != signature:  # another list: fresh cost form
        for key in [k for k in st.session_state if str(k).startswith("assign_arm")]:
            del st.session_state[key]
        st.session_state["assign_signature"] = signature
    st.subheader(say("register.arms"))
    st.caption(
        say(
            "register.arms.caption",
            customers=common.customers(len(parsed.customers)),
            groups=len(parsed.arms),
        )
    )
    arms = {arm.name: arm_cost_inputs(f"assign_arm{i}", arm) for i, arm in enumerate(parsed.arms)}
    split, split_problem = None, None  # none given: equal, assumed (the check says so)
    if st.toggle(
        t("split.page.unequal", lang),
        key="assign_arm_split",  # 'assign_arm*': cleared with the cost form for another list
        help=t("split.page.unequal.help", lang),
    ):
        split, split_problem = _ui.split_weight_inputs(list(arms), "assign_arm_weight")
        if split_problem is not None:
            st.error(_ui.plain(split_problem), icon=":material/error:")
    problems = ExperimentSpec(
        name=(upload_name or "").strip() or "-", arms=tuple(arms.values())
    ).problems()
    if problems:
        st.warning(
            say("register.to_register", problems=_ui.plain(_ui.say(problems))),
            icon=":material/edit_note:",
        )
    if st.button(
        say("register.create"),
        icon=":material/upload_file:",
        key="assign_button",
        disabled=bool(problems) or split_problem is not None,
    ):
        name = (upload_name or "").strip()
        if not name:
            st.error(say("register.no_name"))
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
                split=split,
            )
        except (StoreError, DesignError) as error:
            common.show_error("register.failed", error)
        else:
            common.flash(
                "success", say("register.created", name=name, file=uploaded.name, id=new_id)
            )
            common.go_to(name)
            st.rerun()
