"""Shared by the Design page's sections: labels, defaults, the form's state, shared tables."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
import streamlit as st

from experiments import design, stats
from experiments.design import ArmSpec, ExperimentSpec
from experiments.i18n import MESSAGES, t
from pages import _ui

NEW = "new"  # the selector's value for "design a new experiment"
LEVERS = ("discount", "gift", "outreach", "custom")  # the kinds an "Add ..." button adds
DEFAULT_ARMS: dict[str, dict[str, Any]] = {  # a new arm's inputs; its name is the catalogue's
    "control": {},
    "discount": {"discount_pct": 10.0, "redemption_share": 0.4},
    "gift": {"gift_cost": 300.0},
    "outreach": {"minutes": 10.0, "hourly_cost": 600.0},
    "custom": {"custom_cost": 0.0},
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
COST_FIELDS: dict[str, list[tuple[str, float, float | None, float]]] = {
    # kind -> (ArmSpec field, min, max, step) of the inputs that set its cost; label: cost_label
    "discount": [("discount_pct", 0.0, 100.0, 5.0), ("redemption_share", 0.0, 1.0, 0.05)],
    "gift": [("gift_cost", 0.0, None, 50.0)],
    "outreach": [("minutes", 0.0, None, 5.0), ("hourly_cost", 0.0, None, 100.0)],
    "custom": [("custom_cost", 0.0, None, 10.0)],
    "control": [],
}
RANGES = (  # (filter field prefix, unit: a catalogue key or None for the store's currency)
    ("recency", "design.unit.days"),
    ("frequency", "design.unit.orders"),
    ("monetary", None),
    ("tenure", "design.unit.days"),
)


def say(key: str, **values: Any) -> str:
    """A Design page text in the session's language; ``{currency}`` is the store's."""
    from experiments.i18n import MESSAGES

    entry = MESSAGES[key]["en"]
    templates = [entry] if isinstance(entry, str) else list(entry.values())
    if any("{currency}" in template for template in templates):
        values.setdefault("currency", _ui.currency())
    return t(key, _ui.lang(), **values)


def labelled(options: Any, label: Any) -> Any:
    """A widget's ``format_func`` whose labels are made now, in this run's language (AppTest
    replays a format_func outside the run, where the session's language is not known)."""
    labels = {option: label(option) for option in options}
    return labels.__getitem__


def customers(n: int) -> str:
    """'1 234 customers' / '1 234 клиента' (the plural form the language needs)."""
    if _ui.lang() == "en":
        return f"{_ui.count(n)} customers"
    return _ui.fmt().count(n, "customers")


def kind_label(kind: str) -> str:
    return say(f"design.kind.{kind}")


def cost_label(field: str) -> str:
    return say(f"design.cost.{field}")


def metric_label(metric: str) -> str:
    return say(f"design.metric.{metric}") if f"design.metric.{metric}" in MESSAGES else metric


def stratify_label(stratify: str) -> str:
    key = f"design.stratify.{stratify}"
    return say(key) if key in MESSAGES else stratify


def secondary_label(metric: str) -> str:
    key = f"design.secondary.{metric}"
    return say(key) if key in MESSAGES else metric


def guardrail_label(guardrail: str) -> str:
    key = f"guardrail.{guardrail}"
    return say(key) if key in MESSAGES else guardrail


def segment_label(segment: str) -> str:
    key = f"design.segment.{segment}"
    return say(key) if key in MESSAGES else segment


def default_arm(kind: str, name: str | None = None) -> ArmSpec:
    """A new arm of a kind with its default inputs, named as the catalogue names it."""
    named = name if name is not None else say(f"design.default_arm.{kind}")
    return ArmSpec(name=named, kind=kind, **DEFAULT_ARMS[kind])  # type: ignore[arg-type]


def show_error(key: str, error: object, **values: Any) -> None:
    """One failure as an st.error: the catalogue's sentence with the (escaped) domain error."""
    st.error(say(key, error=_ui.plain(_ui.say(error)), **values))


def cost_inputs(
    cols: list[Any], kind: str, key_of: Any, start_of: Any, *, persist: bool
) -> dict[str, float]:
    """The cost inputs of one arm, side by side from ``cols[0]`` (the arms section and the
    registered list's cost form draw the same block): {ArmSpec field: value}.

    Args:
        cols: the columns to put the inputs in, one per cost field.
        kind: the arm's kind (its fields: `COST_FIELDS`).
        key_of: field -> widget key.
        start_of: field -> the value a new widget starts from (None: the session state's).
        persist: keep the value when the marketer visits another page (the draft form).
    """
    values: dict[str, float] = {}
    for col, (field, low, high, step) in zip(cols, COST_FIELDS[kind], strict=False):
        start = start_of(field)
        extra: dict[str, Any] = (
            {} if start is None else {"value": start if high is None else min(start, high)}
        )
        if persist:
            extra["persist_state"] = PERSIST
        values[field] = float(
            col.number_input(
                cost_label(field),
                min_value=low,
                max_value=high,
                step=step,
                key=key_of(field),
                **extra,
            )
        )
    return values


PERSIST: Literal["session"] = "session"  # the draft survives a visit to another page


def put(key: str, value: Any) -> None:
    st.session_state[key] = value


def load_into_form(spec: ExperimentSpec) -> None:
    """Fill every widget of the form from a design (a saved draft or the defaults)."""
    audience = spec.audience
    put("d_name", spec.name)
    put("d_lookback", int(audience.lookback_days))
    for prefix, _ in RANGES:
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
    return ExperimentSpec(name="", arms=(default_arm("control"),))


def add_arm(kind: str) -> None:
    uid = int(st.session_state.get("d_next_uid", 0))
    taken = {str(st.session_state.get(f"arm{u}_name", "")) for u, _ in st.session_state["d_arms"]}
    name, suffix = default_arm(kind).name, 2
    base = name
    while name in taken:
        name, suffix = f"{base} {suffix}", suffix + 1
    arm = default_arm(kind, name)
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
    shares = stats.planned_shares(dict(enumerate(a.allocation for a in arms)))
    columns = arms_columns()
    return pd.DataFrame(
        {
            columns["arm"]: [a.name for a in arms],
            columns["kind"]: [a.kind if _ui.lang() == "en" else kind_label(a.kind) for a in arms],
            columns["share"]: list(shares.values()),
            columns["discount"]: [a.discount_pct if a.kind == "discount" else None for a in arms],
            columns["redemption"]: [
                a.redemption_share if a.kind == "discount" else None for a in arms
            ],
            columns["fixed_cost"]: [a.cost_per_customer for a in arms],
            columns["expected_cost"]: [a.expected_cost(average_order_value or 0.0) for a in arms],
        }
    )


def arms_columns() -> dict[str, str]:
    """The arms table's column names in the session's language."""
    names = ("arm", "kind", "share", "discount", "redemption", "fixed_cost", "expected_cost")
    return {name: say(f"design.table.{name}") for name in names}


def arms_column_config() -> dict[str, Any]:
    columns = arms_columns()
    return {
        columns["share"]: st.column_config.NumberColumn(format="percent"),
        columns["redemption"]: st.column_config.NumberColumn(format="percent"),
        columns["fixed_cost"]: st.column_config.NumberColumn(format="%.0f"),
        columns["expected_cost"]: st.column_config.NumberColumn(
            format="%.0f", help=say("design.table.expected_cost.help")
        ),
    }


def render_balance(balance: design.BalanceCheck, arms: tuple[ArmSpec, ...]) -> None:
    """Balance table per arm with |SMD| above the warning level highlighted, then the A/A check."""
    order = {a.name: i for i, a in enumerate(arms)}
    names = {
        column: say(f"design.balance.{key}")
        for column, key in (
            ("pre_spend", "spend"),
            ("smd_pre_spend", "smd_spend"),
            ("pre_orders", "orders"),
            ("smd_pre_orders", "smd_orders"),
            ("recency_days", "recency"),
            ("smd_recency_days", "smd_recency"),
            ("pre_repeat", "repeat"),
        )
    }
    if _ui.lang() != "en":  # English keeps the table's own names (arm, n, share)
        names |= {c: say(f"design.balance.{c}") for c in ("arm", "n", "share")}
    table = balance.table.sort_values("arm", key=lambda c: c.map(order)).rename(columns=names)
    smd_columns = [names[c] for c in ("smd_pre_spend", "smd_pre_orders", "smd_recency_days")]
    smd_columns = [c for c in smd_columns if c in table.columns]

    def highlight(value: Any) -> str:
        return "background-color: #fde2e1" if abs(value) > design.SMD_WARNING else ""

    styled = table.style.map(highlight, subset=pd.Index(smd_columns)).format(
        {
            names.get("share", "share"): "{:.1%}",
            names["pre_spend"]: "{:,.0f}",
            names["pre_orders"]: "{:.2f}",
            names["recency_days"]: "{:.1f}",
            names["pre_repeat"]: "{:.1%}",
            **{c: "{:+.3f}" for c in smd_columns},
        }
    )
    _ui.table(
        styled, file_stem="balance", excel_key="balance_excel", width="stretch", hide_index=True
    )
    st.caption(say("design.balance.caption", level=design.SMD_WARNING))
    checks = []
    if balance.spend_p_value is not None:
        checks.append(say("design.balance.spend_p", p=f"{balance.spend_p_value:.2f}"))
    if balance.repeat_p_value is not None:
        checks.append(say("design.balance.repeat_p", p=f"{balance.repeat_p_value:.2f}"))
    checks.append(say("design.balance.max_smd", smd=f"{balance.max_abs_smd:.3f}"))
    if balance.passed:
        st.success(
            say("design.balance.passed", checks=", ".join(checks)),
            icon=":material/check_circle:",
        )
    else:
        st.warning(_ui.plain(_ui.say(balance.warning)), icon=":material/warning:")


def confirmed(action: str, experiment_id: int, question: str) -> bool:
    """A destructive action asks first: True once the marketer clicked 'Yes' for it."""
    if st.session_state.get("design_confirm") != (action, experiment_id):
        return False
    st.warning(question, icon=":material/warning:")
    yes, no = st.columns([1, 3])
    if no.button(say("design.cancel"), key=f"{action}_cancel"):
        st.session_state.pop("design_confirm", None)
        st.rerun()
    if yes.button(say(f"design.confirm.{action}"), type="primary", key=f"{action}_confirm"):
        st.session_state.pop("design_confirm", None)
        return True
    return False
