"""Shared by the Design page's sections: labels, defaults, the form's state, shared tables."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
import streamlit as st

from experiments import config, design
from experiments.design import ArmSpec, ExperimentSpec
from pages import _ui

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


def put(key: str, value: Any) -> None:
    st.session_state[key] = value


def load_into_form(spec: ExperimentSpec) -> None:
    """Fill every widget of the form from a design (a saved draft or the defaults)."""
    audience = spec.audience
    put("d_name", spec.name)
    put("d_lookback", int(audience.lookback_days))
    for _, prefix, _ in RANGES:
        put(f"d_{prefix}_min", getattr(audience, f"{prefix}_min"))
        put(f"d_{prefix}_max", getattr(audience, f"{prefix}_max"))
    put("d_segments", list(audience.segments))
    put("d_r_scores", list(audience.r_scores))
    put("d_f_scores", list(audience.f_scores))
    put("d_m_scores", list(audience.m_scores))
    put("d_channels", list(audience.channels))
    for key in [k for k in st.session_state if str(k).startswith("d_attr_")]:
        del st.session_state[key]
    for name, values in audience.attributes:
        put(f"d_attr_{name}", list(values))
    put("d_hypothesis", spec.hypothesis)
    put("d_metric", spec.primary_metric)
    put("d_horizon", int(spec.horizon_days))
    put("d_secondary", list(spec.secondary_metrics))
    put("d_guardrails", list(spec.guardrails))
    put("d_confidence", f"{spec.confidence * 100:.0f}")
    put("d_correction", spec.correction)
    put("d_guardrail_margin", float(spec.guardrail_margin_pct))
    put("d_stratify", spec.stratify_by)
    put("d_code_prefix", spec.code_prefix or "")
    put("d_salt", spec.salt)
    uids = []
    for uid, arm in enumerate(spec.arms):
        uids.append((uid, arm.kind))
        put(f"arm{uid}_name", arm.name)
        for field in ARM_FIELDS:
            put(f"arm{uid}_{field}", float(getattr(arm, field)))
        put(f"arm{uid}_extra", arm.extra_params)  # stored params no widget sets: carried
    put("d_arms", uids)
    put("d_next_uid", len(uids))


def blank_spec() -> ExperimentSpec:
    return ExperimentSpec(name="", arms=(ArmSpec(**DEFAULT_ARMS["control"], kind="control"),))


def add_arm(kind: str) -> None:
    uid = int(st.session_state.get("d_next_uid", 0))
    taken = {str(st.session_state.get(f"arm{u}_name", "")) for u, _ in st.session_state["d_arms"]}
    name, suffix = DEFAULT_ARMS[kind]["name"], 2
    base = name
    while name in taken:
        name, suffix = f"{base} {suffix}", suffix + 1
    arm = ArmSpec(**{**DEFAULT_ARMS[kind], "name": name}, kind=kind)  # type: ignore[arg-type]
    put(f"arm{uid}_name", arm.name)
    for field in ARM_FIELDS:
        put(f"arm{uid}_{field}", float(getattr(arm, field)))
    put(f"arm{uid}_extra", ())
    st.session_state["d_arms"] = [*st.session_state["d_arms"], (uid, kind)]
    st.session_state["d_next_uid"] = uid + 1


def remove_arm(uid: int) -> None:
    st.session_state["d_arms"] = [a for a in st.session_state["d_arms"] if a[0] != uid]


def new_salt() -> None:
    st.session_state["d_salt"] = design.new_salt()


def flash(kind: str, message: str) -> None:
    st.session_state["design_flash"] = (kind, message)


def go_to(name: str) -> None:
    """Select `name` in the experiment picker on the next run (and reload the form)."""
    st.session_state["design_goto"] = name


def arms_table(arms: tuple[ArmSpec, ...], average_order_value: float | None) -> pd.DataFrame:
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


def arms_column_config() -> dict[str, Any]:
    return {
        "share of audience": st.column_config.NumberColumn(format="percent"),
        "redemption": st.column_config.NumberColumn(format="percent"),
        f"fixed cost / customer, {config.CURRENCY}": st.column_config.NumberColumn(format="%.0f"),
        f"expected cost / customer, {config.CURRENCY}": st.column_config.NumberColumn(
            format="%.0f",
            help="Fixed cost plus, for a discount, percent off x redemption x average order.",
        ),
    }


def render_balance(balance: design.BalanceCheck, arms: tuple[ArmSpec, ...]) -> None:
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


def confirmed(action: str, experiment_id: int, question: str) -> bool:
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
