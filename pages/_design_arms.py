"""Design page, section 2: the control and the levers, with what each costs."""

from __future__ import annotations

import streamlit as st

from experiments.design import ArmSpec
from experiments.store import design_sql as ds
from pages import _design_common as common
from pages import _ui


def arms_section(options: ds.AudienceOptions) -> list[ArmSpec]:
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
                f"{common.KIND_LABELS[kind]}: name",
                key=f"arm{uid}_name",
                persist_state=common.PERSIST,
            )
            cols[1].number_input(
                "Weight",
                min_value=0.01,
                step=1.0,
                key=f"arm{uid}_allocation",
                persist_state=common.PERSIST,
            )
            cost_fields = common.COST_FIELDS[kind]
            for i, (field, label, low, high, step) in enumerate(cost_fields):
                cols[2 + i].number_input(
                    label,
                    min_value=low,
                    max_value=high,
                    step=step,
                    key=f"arm{uid}_{field}",
                    persist_state=common.PERSIST,
                )
            values = {
                field: float(st.session_state[f"arm{uid}_{field}"]) for field in common.ARM_FIELDS
            }
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
                    on_click=common.remove_arm,
                    args=(uid,),
                )
    add_cols = st.columns(4)
    for col, kind in zip(add_cols, ("discount", "gift", "outreach", "custom"), strict=True):
        col.button(
            f"Add {common.ADD_LABELS[kind]}",
            icon=":material/add:",
            key=f"add_{kind}",
            on_click=common.add_arm,
            args=(kind,),
            width="stretch",
        )

    return arms
