"""Design page, sections 3-4: metrics and the verdict rule, then power and sample size."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from experiments import charts, config, design
from experiments.design import ArmSpec, AudienceFilter
from experiments.store import StoreError
from experiments.store import design_sql as ds
from pages import _design_common as common
from pages import _ui


def metrics_section() -> None:
    """(4) Hypothesis, primary metric and horizon, secondary metrics, guardrails."""
    st.header("3 · Hypothesis and metrics")
    st.text_area(
        "Hypothesis",
        key="d_hypothesis",
        placeholder="A surprise gift brings lapsing customers back more often than 10% off, "
        "and costs less than the margin a discount gives away.",
        persist_state=common.PERSIST,
    )
    metric_cols = st.columns([2, 1])
    metric_cols[0].selectbox(
        "Primary metric (the decision)",
        list(design.PRIMARY_METRICS),
        format_func=lambda m: common.METRIC_LABELS[m],
        key="d_metric",
        persist_state=common.PERSIST,
    )
    metric_cols[1].number_input(
        "Horizon, days",
        min_value=1,
        max_value=730,
        step=30,
        key="d_horizon",
        help=f"Default {config.DEFAULT_HORIZON_DAYS}: outcomes within this many days of the start.",
        persist_state=common.PERSIST,
    )
    more_cols = st.columns(2)
    more_cols[0].multiselect(
        "Secondary metrics (reported, not decided on)",
        list(design.SECONDARY_METRICS),
        key="d_secondary",
        persist_state=common.PERSIST,
    )
    more_cols[1].multiselect(
        "Guardrails (must not get worse)",
        list(design.GUARDRAILS),
        key="d_guardrails",
        persist_state=common.PERSIST,
    )
    rule_cols = st.columns(3)
    rule_cols[0].selectbox(
        "Confidence of the verdict",
        [f"{c * 100:.0f}" for c in config.CONFIDENCE_CHOICES],
        format_func=lambda c: f"{c}%",
        key="d_confidence",
        help="Fixed now, like the horizon: the verdict on Results follows it. Other settings "
        "there give an exploratory view.",
        persist_state=common.PERSIST,
    )
    rule_cols[1].selectbox(
        "Correction across levers",
        list(design.CORRECTIONS),
        format_func=lambda c: {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "none"}[c],
        key="d_correction",
        help="Several levers are each compared with control on net value: Holm keeps the "
        "chance of any false 'ship' at the level above.",
        persist_state=common.PERSIST,
    )
    rule_cols[2].number_input(
        "Guardrail margin, % of control",
        min_value=0.0,
        max_value=100.0,
        step=1.0,
        key="d_guardrail_margin",
        help="A lever is not shipped unless each guardrail is shown to be at most this much "
        "worse than control (non-inferiority).",
        persist_state=common.PERSIST,
    )


def planner_section(audience: AudienceFilter, arms: tuple[ArmSpec, ...], horizon: int) -> None:
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
        persist_state=common.PERSIST,
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
            persist_state=common.PERSIST,
        )
        lift_money = plan_cols[1].number_input(
            f"Net value per customer to detect, {config.CURRENCY}",
            min_value=1.0,
            value=150.0,
            step=50.0,
            key="p_lift_money",
            persist_state=common.PERSIST,
        )
        plan = design.plan(inputs, arms, lift_pp=lift_pp, lift_money=lift_money)
    else:
        have = plan_cols[0].number_input(
            "Customers I have (all arms together)",
            min_value=0,
            value=max(inputs.customers, 0),
            step=500,
            key="p_have_n",
            persist_state=common.PERSIST,
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
