"""Design: from "gift against a discount" to a frozen, balanced, CRM-ready assignment list."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any, Literal

import pandas as pd
import streamlit as st

from experiments import charts, config, design, ingest
from experiments import experiment as experiment_record
from experiments.design import ArmSpec, AudienceFilter, DesignError, ExperimentSpec
from experiments.experiment import Experiment
from experiments.store import StoreError
from experiments.store import design_sql as ds
from pages import _ui

_ui.run_through_app()

_ui.require_editor()

NEW = "new"  # the selector's value for "design a new experiment"
KIND_LABELS = {
    "control": "Control",
    "discount": "Discount",
    "gift": "Surprise gift",
    "outreach": "Personal outreach",
    "custom": "Custom",
}
ADD_LABELS = {"discount": "discount", "gift": "gift", "outreach": "outreach", "custom": "custom"}
DEFAULT_ARMS: dict[str, dict[str, Any]] = {
    "control": {"name": "control"},
    "discount": {"name": "10% off", "discount_pct": 10.0, "redemption_share": 0.4},
    "gift": {"name": "surprise gift", "gift_cost": 300.0},
    "outreach": {"name": "personal call", "minutes": 10.0, "hourly_cost": 600.0},
    "custom": {"name": "custom", "custom_cost": 0.0},
}
ARM_FIELDS = (
    "allocation",
    "discount_pct",
    "redemption_share",
    "gift_cost",
    "minutes",
    "hourly_cost",
    "custom_cost",
)
COST_FIELDS: dict[str, list[tuple[str, str, float, float | None, float]]] = {
    # kind -> (ArmSpec field, label, min, max, step) of the inputs that set its cost
    "discount": [
        ("discount_pct", "Percent off", 0.0, 100.0, 5.0),
        ("redemption_share", "Expected redemption share", 0.0, 1.0, 0.05),
    ],
    "gift": [("gift_cost", f"Gift incl. delivery, {config.CURRENCY}", 0.0, None, 50.0)],
    "outreach": [
        ("minutes", "Minutes per contact", 0.0, None, 5.0),
        ("hourly_cost", f"Staff hour, {config.CURRENCY}", 0.0, None, 100.0),
    ],
    "custom": [("custom_cost", f"Cost per customer, {config.CURRENCY}", 0.0, None, 10.0)],
    "control": [],
}
METRIC_LABELS = {
    "repeat_purchase": "Repeat purchase within the horizon",
    "net_value": f"Net value per customer over the horizon, {config.CURRENCY}",
}
STRATIFY_LABELS = {
    "none": "No stratification (hash only)",
    "rfm_segment": "Within each RFM segment",
    "spend_tier": "Within pre-period spend quartiles",
}
RANGES = (  # (label, filter field prefix, unit)
    ("Days since last purchase", "recency", "days"),
    ("Orders in the lookback window", "frequency", "orders"),
    ("Spend in the lookback window", "monetary", config.CURRENCY),
    ("Days since first purchase", "tenure", "days"),
)
PERSIST: Literal["session"] = "session"  # the draft survives a visit to another page


# -- state -----------------------------------------------------------------------------------------
def _put(key: str, value: Any) -> None:
    st.session_state[key] = value


def _load_into_form(spec: ExperimentSpec) -> None:
    """Fill every widget of the form from a design (a saved draft or the defaults)."""
    audience = spec.audience
    _put("d_name", spec.name)
    _put("d_lookback", int(audience.lookback_days))
    for _, prefix, _ in RANGES:
        _put(f"d_{prefix}_min", getattr(audience, f"{prefix}_min"))
        _put(f"d_{prefix}_max", getattr(audience, f"{prefix}_max"))
    _put("d_segments", list(audience.segments))
    _put("d_r_scores", list(audience.r_scores))
    _put("d_f_scores", list(audience.f_scores))
    _put("d_m_scores", list(audience.m_scores))
    _put("d_channels", list(audience.channels))
    for key in [k for k in st.session_state if str(k).startswith("d_attr_")]:
        del st.session_state[key]
    for name, values in audience.attributes:
        _put(f"d_attr_{name}", list(values))
    _put("d_hypothesis", spec.hypothesis)
    _put("d_metric", spec.primary_metric)
    _put("d_horizon", int(spec.horizon_days))
    _put("d_secondary", list(spec.secondary_metrics))
    _put("d_guardrails", list(spec.guardrails))
    _put("d_confidence", f"{spec.confidence * 100:.0f}")
    _put("d_correction", spec.correction)
    _put("d_guardrail_margin", float(spec.guardrail_margin_pct))
    _put("d_stratify", spec.stratify_by)
    _put("d_code_prefix", spec.code_prefix or "")
    _put("d_salt", spec.salt)
    uids = []
    for uid, arm in enumerate(spec.arms):
        uids.append((uid, arm.kind))
        _put(f"arm{uid}_name", arm.name)
        for field in ARM_FIELDS:
            _put(f"arm{uid}_{field}", float(getattr(arm, field)))
        _put(f"arm{uid}_extra", arm.extra_params)  # stored params no widget sets: carried
    _put("d_arms", uids)
    _put("d_next_uid", len(uids))


def _blank_spec() -> ExperimentSpec:
    return ExperimentSpec(name="", arms=(ArmSpec(**DEFAULT_ARMS["control"], kind="control"),))


def _add_arm(kind: str) -> None:
    uid = int(st.session_state.get("d_next_uid", 0))
    taken = {str(st.session_state.get(f"arm{u}_name", "")) for u, _ in st.session_state["d_arms"]}
    name, suffix = DEFAULT_ARMS[kind]["name"], 2
    base = name
    while name in taken:
        name, suffix = f"{base} {suffix}", suffix + 1
    arm = ArmSpec(**{**DEFAULT_ARMS[kind], "name": name}, kind=kind)  # type: ignore[arg-type]
    _put(f"arm{uid}_name", arm.name)
    for field in ARM_FIELDS:
        _put(f"arm{uid}_{field}", float(getattr(arm, field)))
    _put(f"arm{uid}_extra", ())
    st.session_state["d_arms"] = [*st.session_state["d_arms"], (uid, kind)]
    st.session_state["d_next_uid"] = uid + 1


def _remove_arm(uid: int) -> None:
    st.session_state["d_arms"] = [a for a in st.session_state["d_arms"] if a[0] != uid]


def _new_salt() -> None:
    st.session_state["d_salt"] = design.new_salt()


def _flash(kind: str, message: str) -> None:
    st.session_state["design_flash"] = (kind, message)


def _go_to(name: str) -> None:
    """Select `name` in the experiment picker on the next run (and reload the form)."""
    st.session_state["design_goto"] = name


# -- shared renderers ------------------------------------------------------------------------------
def _arms_table(arms: tuple[ArmSpec, ...], average_order_value: float | None) -> pd.DataFrame:
    total = sum(a.allocation for a in arms) or 1.0
    return pd.DataFrame(
        {
            "arm": [a.name for a in arms],
            "kind": [a.kind for a in arms],
            "share of audience": [a.allocation / total for a in arms],
            "discount, %": [a.discount_pct if a.kind == "discount" else None for a in arms],
            "redemption": [a.redemption_share if a.kind == "discount" else None for a in arms],
            f"fixed cost / customer, {config.CURRENCY}": [a.cost_per_customer for a in arms],
            f"expected cost / customer, {config.CURRENCY}": [
                a.expected_cost(average_order_value or 0.0) for a in arms
            ],
        }
    )


def _arms_column_config() -> dict[str, Any]:
    return {
        "share of audience": st.column_config.NumberColumn(format="percent"),
        "redemption": st.column_config.NumberColumn(format="percent"),
        f"fixed cost / customer, {config.CURRENCY}": st.column_config.NumberColumn(format="%.0f"),
        f"expected cost / customer, {config.CURRENCY}": st.column_config.NumberColumn(
            format="%.0f",
            help="Fixed cost plus, for a discount, percent off x redemption x average order.",
        ),
    }


def _render_balance(balance: design.BalanceCheck, arms: tuple[ArmSpec, ...]) -> None:
    """Balance table per arm with |SMD| above the warning level highlighted, then the A/A check."""
    order = {a.name: i for i, a in enumerate(arms)}
    table = balance.table.sort_values("arm", key=lambda c: c.map(order)).rename(
        columns={
            "pre_spend": f"spend, {config.CURRENCY}",
            "smd_pre_spend": "SMD spend",
            "pre_orders": "orders",
            "smd_pre_orders": "SMD orders",
            "recency_days": "days since last purchase",
            "smd_recency_days": "SMD recency",
            "pre_repeat": "repeat buyers",
        }
    )
    smd_columns = [c for c in table.columns if c.startswith("SMD")]

    def highlight(value: Any) -> str:
        return "background-color: #fde2e1" if abs(value) > design.SMD_WARNING else ""

    styled = table.style.map(highlight, subset=pd.Index(smd_columns)).format(
        {
            "share": "{:.1%}",
            f"spend, {config.CURRENCY}": "{:,.0f}",
            "orders": "{:.2f}",
            "days since last purchase": "{:.1f}",
            "repeat buyers": "{:.1%}",
            **{c: "{:+.3f}" for c in smd_columns},
        }
    )
    st.dataframe(styled, width="stretch", hide_index=True)
    st.caption(
        "Pre-period means per arm (lookback window before the start). SMD = standardized mean "
        f"difference against the control; above {design.SMD_WARNING} it is highlighted."
    )
    p_values = []
    if balance.spend_p_value is not None:
        p_values.append(f"spend p = {balance.spend_p_value:.2f}")
    if balance.repeat_p_value is not None:
        p_values.append(f"repeat share p = {balance.repeat_p_value:.2f}")
    if balance.passed:
        st.success(
            "A/A check passed: the arms look alike before the experiment ("
            + ", ".join([*p_values, f"largest |SMD| = {balance.max_abs_smd:.3f}"])
            + ").",
            icon=":material/check_circle:",
        )
    else:
        st.warning(_ui.plain(balance.warning), icon=":material/warning:")


def _render_export(stored: Experiment) -> None:
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


def _render_frozen(stored: Experiment, options: ds.AudienceOptions) -> None:
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
    st.markdown(
        f"**Primary metric:** {METRIC_LABELS.get(spec.primary_metric, spec.primary_metric)}, "
        f"{spec.horizon_days} days · **secondary:** "
        f"{', '.join(spec.secondary_metrics) or 'none'} · **guardrails:** "
        f"{', '.join(spec.guardrails) or 'none'} · "
        f"**randomization:** {STRATIFY_LABELS.get(spec.stratify_by, spec.stratify_by)}"
    )
    st.subheader("Arms")
    st.dataframe(
        _arms_table(spec.arms, options.average_order_value),
        width="stretch",
        hide_index=True,
        column_config=_arms_column_config(),
    )
    if stored.source == "uploaded" and stored.status == "running":
        if st.button("Edit arms", icon=":material/edit:", key="edit_frozen_arms"):
            st.session_state["editing_costs"] = stored.id
        if st.session_state.get("editing_costs") == stored.id:
            _render_cost_editor(stored)
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
        _render_balance(design.balance_check(stats, spec.control.name), spec.arms)
    except (StoreError, DesignError) as error:
        st.error(f"The balance cannot be computed: {_ui.plain(str(error))}")

    _render_export(stored)

    st.subheader("Lifecycle")
    if stored.status == "running":
        st.caption(
            "Complete the experiment when the horizon has passed; its design and list stay as "
            "the record of what was run."
        )
        if st.button("Complete experiment", icon=":material/flag:", key="complete_button"):
            st.session_state["design_confirm"] = ("complete", stored.id)
        if _confirmed(
            "complete",
            stored.id,
            f"Complete '{spec.name}'? It cannot run again, and the list stays as the record.",
        ):
            try:
                design.complete_experiment(_ui.get_store(), stored.id)
            except StoreError as error:
                st.error(_ui.plain(str(error)))
            else:
                _flash("success", f"'{spec.name}' is completed.")
                st.rerun()
    else:
        st.caption("Completed: nothing more to do here. Read the outcome on the Results page.")
    if st.button("Copy into a new draft", icon=":material/content_copy:", key="copy_button"):
        st.session_state["design_copy_of"] = stored.id
        _go_to(NEW)
        st.rerun()
    _render_archive_delete(stored)


def _confirmed(action: str, experiment_id: int, question: str) -> bool:
    """A destructive action asks first: True once the marketer clicked 'Yes' for it."""
    if st.session_state.get("design_confirm") != (action, experiment_id):
        return False
    st.warning(question, icon=":material/warning:")
    yes, no = st.columns([1, 3])
    if no.button("Cancel", key=f"{action}_cancel"):
        st.session_state.pop("design_confirm", None)
        st.rerun()
    if yes.button(f"Yes, {action} it", type="primary", key=f"{action}_confirm"):
        st.session_state.pop("design_confirm", None)
        return True
    return False


def _render_archive_delete(stored: Experiment) -> None:
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
            _flash("success", f"'{name}' is {'back from the archive' if archived else 'archived'}.")
            st.rerun()
    if cols[1].button("Delete", icon=":material/delete:", key="delete_button"):
        st.session_state["design_confirm"] = ("delete", stored.id)
    if _confirmed(
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
            _flash("success", message)
            _go_to(NEW)
            st.rerun()


def _design_tab(
    choices: list[str],
    status_of: dict[str, str],
    options: ds.AudienceOptions,
) -> None:
    """Pick an experiment; frozen ones are shown read-only, drafts and new ones are edited."""
    choice = st.selectbox(
        "Experiment",
        choices,
        format_func=lambda c: "New experiment" if c == NEW else f"{c} · {status_of[c]}",
        key="design_experiment",
        bind="query-params",
        width=520,
    )
    stored: Experiment | None = None
    if choice != NEW:  # a name: the one lookup rule (experiment.load), as the CLI and links
        stored = _ui.cached_query(experiment_record.load, choice)
        if stored is None:
            st.error("This experiment no longer exists; pick another one.")
            return

    if stored is not None and stored.status != "draft":
        _render_frozen(stored, options)
        return

    # a draft or a new design: (re)load the form when the selection changes
    loaded_key = f"{choice}:{stored.id if stored else ''}"
    copy_of = st.session_state.pop("design_copy_of", None)
    if st.session_state.get("design_loaded") != loaded_key or copy_of is not None:
        source = _blank_spec()
        if stored is not None:
            source = stored.spec()
        elif copy_of is not None:
            original = _ui.cached_query(experiment_record.load, copy_of)
            if original is not None:
                source = replace(original.spec(), name=f"{original.name} (copy)")
                source = replace(source, salt=design.new_salt())
        _load_into_form(source)
        st.session_state["design_loaded"] = loaded_key
    experiment_id = stored.id if stored else None
    if stored is not None:
        st.caption(
            f"Draft, created {stored.created_at:%Y-%m-%d %H:%M}. Edit anything, then save or start."
        )

    st.text_input(
        "Experiment name",
        key="d_name",
        placeholder="e.g. Gift vs 10% off, lapsing customers, June",
        help="Unique; the export is named after it.",
        persist_state=PERSIST,
    )

    audience, audience_problems = _audience_section(options)
    arms = _arms_section(options)
    _metrics_section()
    if not audience_problems:
        _planner_section(audience, tuple(arms), int(st.session_state["d_horizon"]))
    spec, preview, problems = _assignment_section(audience, tuple(arms))
    _save_start_section(spec, experiment_id, preview, problems)


def _audience_section(options: ds.AudienceOptions) -> tuple[AudienceFilter, list[str]]:
    """(2) Filters, live size and the pre-period spend histogram."""
    st.header("1 · Audience")
    st.caption("Leave a field empty for no limit. The size and spend update as you change them.")
    st.number_input(
        "Lookback window for orders and spend, days",
        min_value=1,
        max_value=3650,
        step=30,
        key="d_lookback",
        persist_state=PERSIST,
        width=320,
    )
    range_cols = st.columns(len(RANGES))
    for col, (label, prefix, unit) in zip(range_cols, RANGES, strict=True):
        with col:
            st.markdown(f"**{label}**")
            low_high = st.columns(2)
            low_high[0].number_input(
                f"from, {unit}",
                min_value=0.0 if prefix != "monetary" else None,
                value=None,
                key=f"d_{prefix}_min",
                persist_state=PERSIST,
            )
            low_high[1].number_input(
                f"to, {unit}",
                min_value=0.0 if prefix != "monetary" else None,
                value=None,
                key=f"d_{prefix}_max",
                persist_state=PERSIST,
            )
    seg_cols = st.columns([2, 1])
    seg_cols[0].multiselect(
        "RFM segments",
        list(design.RFM_SEGMENTS),
        key="d_segments",
        placeholder="all segments",
        help="Named from quintile scores: champions R,F,M >= 4; at risk R <= 2, F >= 3; ...",
        persist_state=PERSIST,
    )
    seg_cols[1].multiselect(
        "Channel of the last purchase",
        list(options.channels),
        key="d_channels",
        placeholder="any channel",
        persist_state=PERSIST,
    )
    with st.expander("RFM quintile scores and customer attributes"):
        score_cols = st.columns(3)
        for col, letter, label in zip(
            score_cols, "rfm", ("Recency", "Frequency", "Monetary"), strict=True
        ):
            col.multiselect(
                f"{label} score (5 = best)",
                [1, 2, 3, 4, 5],
                key=f"d_{letter}_scores",
                placeholder="any",
                persist_state=PERSIST,
            )
        if options.attributes:
            attr_cols = st.columns(min(3, len(options.attributes)))
            for i, (attribute, values) in enumerate(options.attributes):
                attr_cols[i % len(attr_cols)].multiselect(
                    attribute,
                    list(values),
                    key=f"d_attr_{attribute}",
                    placeholder="any",
                    persist_state=PERSIST,
                )
        else:
            st.caption("Upload a customers file on the Data page to filter by its attributes.")

    def number_or_none(key: str) -> float | None:
        value = st.session_state.get(key)
        return None if value is None else float(value)

    audience = AudienceFilter(
        lookback_days=int(st.session_state["d_lookback"]),
        recency_min=number_or_none("d_recency_min"),
        recency_max=number_or_none("d_recency_max"),
        frequency_min=number_or_none("d_frequency_min"),
        frequency_max=number_or_none("d_frequency_max"),
        monetary_min=number_or_none("d_monetary_min"),
        monetary_max=number_or_none("d_monetary_max"),
        tenure_min=number_or_none("d_tenure_min"),
        tenure_max=number_or_none("d_tenure_max"),
        segments=tuple(st.session_state["d_segments"]),
        r_scores=tuple(int(s) for s in st.session_state["d_r_scores"]),
        f_scores=tuple(int(s) for s in st.session_state["d_f_scores"]),
        m_scores=tuple(int(s) for s in st.session_state["d_m_scores"]),
        channels=tuple(st.session_state["d_channels"]),
        attributes=tuple(
            (attribute, tuple(st.session_state.get(f"d_attr_{attribute}") or ()))
            for attribute, _ in options.attributes
            if st.session_state.get(f"d_attr_{attribute}")
        ),
    )
    audience_problems = audience.problems()
    for problem in audience_problems:
        st.error(f"{_ui.plain(problem)} Fix the filter above.")
    summary = None
    if not audience_problems:
        try:
            summary = _ui.cached_query(ds.audience, audience)
        except StoreError as error:
            st.error(f"The audience cannot be computed: {_ui.plain(str(error))}")
    if summary is not None:
        size_cols = st.columns(3)
        size_cols[0].metric("Audience", _ui.count(summary.customers))
        size_cols[1].metric("Mean spend", _ui.money(summary.spend_mean))
        size_cols[2].metric("Median spend", _ui.money(summary.spend_median))
        st.plotly_chart(
            charts.audience_spend_figure(summary.histogram, lookback_days=audience.lookback_days),
            width="stretch",
        )
        st.caption(
            f"Features as of {summary.as_of:%Y-%m-%d} (the day after the last transaction); "
            "the last bar holds the top 1% of spenders."
        )
        if summary.customers == 0:
            st.warning("No customer matches these filters: widen them to get an audience.")
    return audience, audience_problems


def _arms_section(options: ds.AudienceOptions) -> list[ArmSpec]:
    """(3) Control plus levers, kind-specific cost fields, live cost per customer."""

    st.header("2 · Arms")
    st.caption(
        "The control gets nothing new. Add the levers to compare; weights set each arm's share "
        f"of the audience. Expected cost uses the average order of "
        f"{_ui.money(options.average_order_value)} for discounts."
    )
    arms: list[ArmSpec] = []
    for uid, kind in st.session_state["d_arms"]:
        with st.container(border=True):
            cols = st.columns([2.6, 1.8, 2, 2, 1.8, 1.6], vertical_alignment="bottom")
            cols[0].text_input(
                f"{KIND_LABELS[kind]}: name", key=f"arm{uid}_name", persist_state=PERSIST
            )
            cols[1].number_input(
                "Weight",
                min_value=0.01,
                step=1.0,
                key=f"arm{uid}_allocation",
                persist_state=PERSIST,
            )
            cost_fields = COST_FIELDS[kind]
            for i, (field, label, low, high, step) in enumerate(cost_fields):
                cols[2 + i].number_input(
                    label,
                    min_value=low,
                    max_value=high,
                    step=step,
                    key=f"arm{uid}_{field}",
                    persist_state=PERSIST,
                )
            values = {field: float(st.session_state[f"arm{uid}_{field}"]) for field in ARM_FIELDS}
            arm = ArmSpec(
                name=str(st.session_state[f"arm{uid}_name"]).strip(),
                kind=kind,
                **values,
                extra_params=tuple(st.session_state.get(f"arm{uid}_extra", ())),
            )
            arms.append(arm)
            cost = arm.expected_cost(options.average_order_value or 0.0)
            cols[4].markdown(
                f"**{_ui.money(cost)}** per customer" + (" expected" if kind == "discount" else "")
            )
            if kind != "control":
                cols[5].button(
                    "Remove",
                    icon=":material/delete:",
                    key=f"arm{uid}_remove",
                    help="Remove this arm",
                    on_click=_remove_arm,
                    args=(uid,),
                )
    add_cols = st.columns(4)
    for col, kind in zip(add_cols, ("discount", "gift", "outreach", "custom"), strict=True):
        col.button(
            f"Add {ADD_LABELS[kind]}",
            icon=":material/add:",
            key=f"add_{kind}",
            on_click=_add_arm,
            args=(kind,),
            width="stretch",
        )

    return arms


def _metrics_section() -> None:
    """(4) Hypothesis, primary metric and horizon, secondary metrics, guardrails."""
    st.header("3 · Hypothesis and metrics")
    st.text_area(
        "Hypothesis",
        key="d_hypothesis",
        placeholder="A surprise gift brings lapsing customers back more often than 10% off, "
        "and costs less than the margin a discount gives away.",
        persist_state=PERSIST,
    )
    metric_cols = st.columns([2, 1])
    metric_cols[0].selectbox(
        "Primary metric (the decision)",
        list(design.PRIMARY_METRICS),
        format_func=lambda m: METRIC_LABELS[m],
        key="d_metric",
        persist_state=PERSIST,
    )
    metric_cols[1].number_input(
        "Horizon, days",
        min_value=1,
        max_value=730,
        step=30,
        key="d_horizon",
        help=f"Default {config.DEFAULT_HORIZON_DAYS}: outcomes within this many days of the start.",
        persist_state=PERSIST,
    )
    more_cols = st.columns(2)
    more_cols[0].multiselect(
        "Secondary metrics (reported, not decided on)",
        list(design.SECONDARY_METRICS),
        key="d_secondary",
        persist_state=PERSIST,
    )
    more_cols[1].multiselect(
        "Guardrails (must not get worse)",
        list(design.GUARDRAILS),
        key="d_guardrails",
        persist_state=PERSIST,
    )
    rule_cols = st.columns(3)
    rule_cols[0].selectbox(
        "Confidence of the verdict",
        [f"{c * 100:.0f}" for c in config.CONFIDENCE_CHOICES],
        format_func=lambda c: f"{c}%",
        key="d_confidence",
        help="Fixed now, like the horizon: the verdict on Results follows it. Other settings "
        "there give an exploratory view.",
        persist_state=PERSIST,
    )
    rule_cols[1].selectbox(
        "Correction across levers",
        list(design.CORRECTIONS),
        format_func=lambda c: {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "none"}[c],
        key="d_correction",
        help="Several levers are each compared with control on net value: Holm keeps the "
        "chance of any false 'ship' at the level above.",
        persist_state=PERSIST,
    )
    rule_cols[2].number_input(
        "Guardrail margin, % of control",
        min_value=0.0,
        max_value=100.0,
        step=1.0,
        key="d_guardrail_margin",
        help="A lever is not shipped unless each guardrail is shown to be at most this much "
        "worse than control (non-inferiority).",
        persist_state=PERSIST,
    )


def _planner_section(audience: AudienceFilter, arms: tuple[ArmSpec, ...], horizon: int) -> None:
    """(5) Baseline numbers, customers needed or lift detectable, power against sample size."""
    st.header("4 · How many customers?")
    try:
        inputs = _ui.cached_query(ds.planner_inputs, audience, horizon)
    except StoreError as error:
        st.error(f"The planner cannot read the history: {_ui.plain(str(error))}")
        return
    base_cols = st.columns(4)
    base_cols[0].metric(
        "Baseline repeat rate",
        _ui.pct(inputs.baseline_rate),
        help=f"Share of this audience, as it was {horizon} days before the last "
        f"transaction, that bought again within {horizon} days.",
    )
    base_cols[1].metric(
        "Net value per customer",
        _ui.money(inputs.value_mean),
        help="Margin minus discounts over the horizon, same backtest.",
    )
    base_cols[2].metric(
        "Variance cut (CUPED)",
        _ui.pct(1 - design.variance_factor(inputs.pre_post_correlation)),
        help="CUPED: adjusting for spend before the start narrows the net-value intervals.",
    )
    base_cols[3].metric(
        "New customers / week",
        _ui.count(inputs.weekly_flow),
        help="Customers entering this audience per week over the last four weeks.",
    )
    mode = st.radio(
        "What do you want to know?",
        ["need", "detect"],
        format_func={
            "need": "Customers needed to detect a lift",
            "detect": "Lift I can detect with my customers",
        }.get,
        horizontal=True,
        key="p_mode",
        persist_state=PERSIST,
    )
    plan_cols = st.columns(2)
    if mode == "need":
        lift_pp = plan_cols[0].number_input(
            "Lift of the repeat rate to detect, percentage points",
            min_value=0.1,
            max_value=50.0,
            value=3.0,
            step=0.5,
            key="p_lift_pp",
            persist_state=PERSIST,
        )
        lift_money = plan_cols[1].number_input(
            f"Net value per customer to detect, {config.CURRENCY}",
            min_value=1.0,
            value=150.0,
            step=50.0,
            key="p_lift_money",
            persist_state=PERSIST,
        )
        plan = design.plan(inputs, arms, lift_pp=lift_pp, lift_money=lift_money)
    else:
        have = plan_cols[0].number_input(
            "Customers I have (all arms together)",
            min_value=0,
            value=max(inputs.customers, 0),
            step=500,
            key="p_have_n",
            persist_state=PERSIST,
        )
        plan = design.plan(replace(inputs, customers=int(have)), arms)
    if plan.status != "ok" and inputs.status == "ok":
        st.info("Add at least one lever under Arms to plan the experiment.", icon=":material/add:")
    elif plan.status != "ok":
        st.warning(_ui.plain(plan.message), icon=":material/help:")
    else:
        st.caption(
            f"{plan.comparisons} comparison{'s' if plan.comparisons > 1 else ''} with the "
            f"control, each at alpha = {plan.alpha_per_comparison:.3g} "
            f"(Bonferroni for {plan.comparisons} arm{'s' if plan.comparisons > 1 else ''}), "
            f"power {plan.power:.0%}."
        )
        result_cols = st.columns(3)
        if mode == "need":
            total = plan.required_total_repeat
            result_cols[0].metric(
                f"Customers for +{lift_pp:g} pp repeat rate",
                _ui.count(total) if total else "n/a",
                help="All arms together; per arm in the table below.",
            )
            weeks = plan.weeks_needed
            result_cols[1].metric(
                "Weeks of new customers",
                f"{weeks:.1f}" if weeks is not None else "n/a",
                help="If you run it on customers as they enter the audience.",
            )
            result_cols[2].metric(
                f"Customers for +{_ui.money(lift_money)} net value",
                _ui.count(plan.required_total_value) if plan.required_total_value else "n/a",
                help="With the pre-period spend adjustment (CUPED).",
            )
            rows = [
                {
                    "arm": a.name,
                    "customers now": plan.n_per_arm.get(a.name, 0),
                    "needed for repeat rate": (plan.required_n_repeat or {}).get(a.name),
                    "needed for net value": (plan.required_n_value or {}).get(a.name),
                }
                for a in arms
            ]
            st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)
            if total and total > plan.customers:
                st.warning(
                    f"The audience has {_ui.count(plan.customers)} customers, "
                    f"{_ui.count(total)} are needed: widen the audience, accept a larger "
                    "detectable lift, or run fewer arms.",
                    icon=":material/warning:",
                )
            curve_lift = lift_pp
        else:
            result_cols[0].metric(
                "Detectable repeat-rate lift",
                f"+{plan.detectable_lift_pp:.1f} pp" if plan.detectable_lift_pp else "n/a",
            )
            result_cols[1].metric(
                "Detectable net value",
                _ui.money(plan.detectable_value_cuped, signed=True),
                help=f"Without the pre-period adjustment: "
                f"{_ui.money(plan.detectable_value, signed=True)}.",
            )
            result_cols[2].metric(
                "Customers in the smallest arm", _ui.count(min(plan.n_per_arm.values()))
            )
            curve_lift = plan.detectable_lift_pp or 0.0
        treatments = [a for a in arms if a.kind != "control"]
        controls = [a for a in arms if a.kind == "control"]
        if treatments and controls and inputs.baseline_rate is not None and curve_lift:
            smallest = min(treatments, key=lambda a: a.allocation)
            curve = design.power_curve(
                inputs.baseline_rate,
                curve_lift,
                alpha=plan.alpha_per_comparison,
                ratio=controls[0].allocation / smallest.allocation,
            )
            st.plotly_chart(
                charts.power_curve_figure(
                    curve,
                    lift_pp=curve_lift,
                    target_power=plan.power,
                    available_n=plan.n_per_arm.get(smallest.name),
                ),
                width="stretch",
            )
            st.caption(
                "Power = the chance the test finds the lift if it is real; aim for the dashed line."
            )


def _assignment_section(
    audience: AudienceFilter, arms: tuple[ArmSpec, ...]
) -> tuple[ExperimentSpec, design.AssignmentPreview | None, list[str]]:
    """(6) Stratification, salt, and the preview: balance table and A/A check."""
    st.header("5 · Assignment")
    rand_cols = st.columns([2, 1, 1], vertical_alignment="bottom")
    rand_cols[0].selectbox(
        "Balance the split",
        list(design.STRATIFICATIONS),
        format_func=lambda m: STRATIFY_LABELS[m],
        key="d_stratify",
        persist_state=PERSIST,
    )
    rand_cols[1].text_input(
        "Coupon code prefix (optional)",
        key="d_code_prefix",
        help="Treatment customers get a personal code: prefix + 8 characters.",
        persist_state=PERSIST,
    )
    rand_cols[2].button(
        "Draw a new salt", icon=":material/casino:", on_click=_new_salt, key="salt_button"
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
    st.caption(
        f"Each customer's arm comes from a hash of the salt **{spec.salt}** and the customer id: "
        "the same inputs always give the same list."
    )
    problems = spec.problems()
    preview = None
    if problems:
        st.info(
            "**To preview the assignment:** " + " ".join(problems),
            icon=":material/edit_note:",
        )
    else:
        try:
            preview = _ui.cached_query(design.preview_assignment, spec)
        except (StoreError, DesignError) as error:
            st.error(f"The assignment cannot be previewed: {_ui.plain(str(error))}")
    if preview is not None:
        if preview.frame.empty:
            st.warning("The audience is empty: nothing to assign. Widen the filters.")
        else:
            _render_balance(preview.balance, spec.arms)

    return spec, preview, problems


def _save_start_section(
    spec: ExperimentSpec,
    experiment_id: int | None,
    preview: design.AssignmentPreview | None,
    problems: list[str],
) -> None:
    """(7) Save the draft, or start: save, randomize and freeze in one go."""
    st.header("6 · Save or start")
    acknowledged = True
    if preview is not None and not preview.frame.empty and not preview.balance.passed:
        acknowledged = st.checkbox(
            "Start despite the failed A/A check", key="d_ack_aa", value=False
        )
    st.caption(
        "Starting freezes the assignment list and sets the start date; the arms can no longer "
        "change."
    )
    action_cols = st.columns([1, 1, 2])
    save = action_cols[0].button(
        "Save draft", icon=":material/save:", key="save_button", disabled=bool(problems)
    )
    start = action_cols[1].button(
        "Start experiment",
        icon=":material/play_arrow:",
        type="primary",
        key="start_button",
        disabled=bool(problems) or preview is None or preview.frame.empty or not acknowledged,
    )
    if experiment_id is not None:
        with _ui.cursor() as cur:
            draft = experiment_record.load(cur, experiment_id)
        if draft is not None:
            _render_archive_delete(draft)
    if save:
        try:
            draft_id = design.save_experiment(_ui.get_store(), spec, experiment_id)
        except (StoreError, DesignError) as error:
            st.error(f"**Not saved.** {_ui.plain(str(error))}")
        else:
            _flash("success", f"Draft '{spec.name}' saved (id {draft_id}).")
            _go_to(spec.name)
            st.session_state["design_loaded"] = f"{spec.name}:{draft_id}"
            st.rerun()
    if start:
        with st.status("Starting the experiment...", expanded=True) as status:
            saved_id: int | None = experiment_id
            try:
                st.write("Saving the design...")
                saved_id = design.save_experiment(_ui.get_store(), spec, experiment_id)
                st.write("Randomizing the audience and freezing the assignments...")
                started = design.start_experiment(_ui.get_store(), saved_id)
            except (StoreError, DesignError) as error:
                status.update(label="Not started", state="error")
                st.error(f"**The experiment did not start.** {_ui.plain(str(error))}")
                if saved_id is not None:
                    _go_to(spec.name)
            else:
                status.update(
                    label=f"Started: {_ui.count(len(started.frame))} customers assigned",
                    state="complete",
                )
                _flash(
                    "success",
                    f"'{spec.name}' is running: {_ui.count(len(started.frame))} customers "
                    "assigned and frozen. Download the list for your CRM below.",
                )
                _go_to(spec.name)
                st.rerun()


# -- (9) create from an assignment file ------------------------------------------------------------
def _arm_cost_inputs(prefix: str, arm: ArmSpec, *, kinds: bool = True) -> ArmSpec:
    """Kind and cost inputs for one arm of a list registered from a file; returns the arm."""
    cols = st.columns([2.4, 1.8, 1.8, 1.8, 1.6], vertical_alignment="bottom")
    cols[0].markdown(f"**{_ui.plain(arm.name)}** · {_ui.pct(arm.allocation)} of the list")
    kind = arm.kind
    if kinds:
        kind = cols[1].selectbox(
            "Kind",
            list(KIND_LABELS),
            index=list(KIND_LABELS).index(arm.kind),
            format_func=KIND_LABELS.get,
            key=f"{prefix}_kind",
        )
    values: dict[str, float] = {}
    for i, (field, label, low, high, step) in enumerate(COST_FIELDS[kind]):
        default = float(getattr(arm, field))
        if kind == arm.kind or field not in DEFAULT_ARMS[kind]:
            start = default
        else:
            start = float(DEFAULT_ARMS[kind][field])
        if kind == "discount" and field == "discount_pct" and start <= 0:
            start = float(DEFAULT_ARMS["discount"]["discount_pct"])
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


def _render_cost_editor(stored: Experiment) -> None:
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
        _arm_cost_inputs(f"edit{stored.id}_{i}", arm) for i, arm in enumerate(stored.spec().arms)
    )
    if st.button("Save kinds and costs", icon=":material/save:", key="save_costs_button"):
        try:
            design.update_arm_costs(_ui.get_store(), stored.id, arms)
        except (StoreError, DesignError) as error:
            st.error(f"**Not saved.** {error}")
        else:
            st.session_state.pop("editing_costs", None)
            _flash("success", f"Kinds and costs of '{stored.name}' saved.")
            st.rerun()


@st.cache_data(max_entries=4, show_spinner="Reading the list...")
def _read_list(
    path: str, mapping: dict[str, str], control: str | None, file_name: str
) -> design.AssignmentList:
    return design.read_assignment_file(path, mapping, control_arm=control, file_name=file_name)


def _register_tab() -> None:
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
        format_func=lambda m: METRIC_LABELS[m],
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
    parsed = _read_list(str(path), exact, control, uploaded.name)
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
    arms = {arm.name: _arm_cost_inputs(f"assign_arm{i}", arm) for i, arm in enumerate(parsed.arms)}
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
            _flash("success", f"'{name}' created from {uploaded.name} (id {new_id}), running.")
            _go_to(name)
            st.rerun()


# -- page ----------------------------------------------------------------------------------------
st.title("Design")
st.caption(
    "Choose who takes part, which levers to compare against a control, how many customers you "
    "need, then freeze a reproducible assignment list for your CRM."
)

flash = st.session_state.pop("design_flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(_ui.plain(flash[1]))

experiments = _ui.cached_query(experiment_record.list_all)
status_of = {
    e.name: e.status + (" · demo data" if e.demo else "") + (" · archived" if e.archived else "")
    for e in experiments
}
choices = [NEW, *status_of]
goto = st.session_state.pop("design_goto", None)
if goto is not None and goto in choices:
    st.session_state["design_experiment"] = goto

options = _ui.cached_query(ds.audience_options)
design_tab, upload_tab = st.tabs(["Design an experiment", "Create from an assignment file"])

with design_tab:
    _design_tab(choices, status_of, options)


with upload_tab:
    _register_tab()
