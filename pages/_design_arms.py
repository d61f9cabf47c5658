"""Design page, section 2: the control and the levers, with what each costs."""

from __future__ import annotations

import streamlit as st

from experiments.design import ArmSpec
from experiments.store import design_sql as ds
from pages import _design_common as common
from pages import _ui


def arms_section(options: ds.AudienceOptions) -> list[ArmSpec]:
    """(3) Control plus levers, kind-specific cost fields, live cost per customer."""
    say = common.say
    st.header(say("design.arms.header"))
    st.caption(say("design.arms.caption", amount=_ui.money(options.average_order_value)))
    arms: list[ArmSpec] = []
    for uid, kind in st.session_state["d_arms"]:
        with st.container(border=True):
            cols = st.columns([2.6, 1.8, 2, 2, 1.8, 1.6], vertical_alignment="bottom")
            cols[0].text_input(
                say("design.arm.name", kind=common.kind_label(kind)),
                key=f"arm{uid}_name",
                persist_state=common.PERSIST,
            )
            cols[1].number_input(
                say("design.arm.weight"),
                min_value=0.01,
                step=1.0,
                key=f"arm{uid}_allocation",
                persist_state=common.PERSIST,
            )
            common.cost_inputs(
                cols[2:4],
                kind,
                key_of=lambda field, uid=uid: f"arm{uid}_{field}",
                start_of=lambda field: None,  # the form's state (load_into_form, add_arm)
                persist=True,
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
            cost = _ui.money(arm.expected_cost(options.average_order_value or 0.0))
            cols[4].markdown(
                say(
                    "design.arm.cost_expected" if kind == "discount" else "design.arm.cost",
                    amount=cost,
                )
            )
            if kind != "control":
                cols[5].button(
                    say("design.arm.remove"),
                    icon=":material/delete:",
                    key=f"arm{uid}_remove",
                    help=say("design.arm.remove.help"),
                    on_click=common.remove_arm,
                    args=(uid,),
                )
    add_cols = st.columns(len(common.LEVERS))
    for col, kind in zip(add_cols, common.LEVERS, strict=True):
        col.button(
            say(f"design.add.{kind}"),
            icon=":material/add:",
            key=f"add_{kind}",
            on_click=common.add_arm,
            args=(kind,),
            width="stretch",
        )

    return arms
