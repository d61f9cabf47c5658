"""Design page, sections 3-4: metrics and the verdict rule, then power and sample size."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from experiments import charts, config, design, source_engine
from experiments.design import ArmSpec, AudienceFilter
from experiments.sources import SourceError
from experiments.store import StoreError
from pages import _design_common as common
from pages import _ui


def metrics_section() -> None:
    """(4) Hypothesis, primary metric and horizon, secondary metrics, guardrails."""
    say = common.say
    st.header(say("plan.metrics.header"))
    st.text_area(
        say("plan.hypothesis"),
        key="d_hypothesis",
        placeholder=say("plan.hypothesis.placeholder"),
        persist_state=common.PERSIST,
    )
    metric_cols = st.columns([2, 1])
    metric_cols[0].selectbox(
        say("plan.primary"),
        list(design.PRIMARY_METRICS),
        format_func=common.labelled(design.PRIMARY_METRICS, common.metric_label),
        key="d_metric",
        persist_state=common.PERSIST,
    )
    metric_cols[1].number_input(
        say("plan.horizon"),
        min_value=1,
        max_value=730,
        step=30,
        key="d_horizon",
        help=say("plan.horizon.help", days=config.DEFAULT_HORIZON_DAYS),
        persist_state=common.PERSIST,
    )
    more_cols = st.columns(2)
    more_cols[0].multiselect(
        say("plan.secondary"),
        list(design.SECONDARY_METRICS),
        format_func=common.labelled(design.SECONDARY_METRICS, common.secondary_label),
        key="d_secondary",
        persist_state=common.PERSIST,
    )
    more_cols[1].multiselect(
        say("plan.guardrails"),
        list(design.GUARDRAILS),
        format_func=common.labelled(design.GUARDRAILS, common.guardrail_label),
        key="d_guardrails",
        persist_state=common.PERSIST,
    )
    rule_cols = st.columns(3)
    confidences = [f"{c * 100:.0f}" for c in config.CONFIDENCE_CHOICES]
    rule_cols[0].selectbox(
        say("plan.confidence"),
        confidences,
        format_func=common.labelled(
            confidences, lambda c: f"{c}%" if _ui.lang() == "en" else _ui.pct(int(c) / 100, 0)
        ),
        key="d_confidence",
        help=say("plan.confidence.help"),
        persist_state=common.PERSIST,
    )
    rule_cols[1].selectbox(
        say("plan.correction"),
        list(design.CORRECTIONS),
        format_func=common.labelled(design.CORRECTIONS, lambda c: say(f"plan.correction.{c}")),
        key="d_correction",
        help=say("plan.correction.help"),
        persist_state=common.PERSIST,
    )
    rule_cols[2].number_input(
        say("plan.guardrail_margin"),
        min_value=0.0,
        max_value=100.0,
        step=1.0,
        key="d_guardrail_margin",
        help=say("plan.guardrail_margin.help"),
        persist_state=common.PERSIST,
    )


def _persisted(col: Any, label: str, key: str, **kwargs: Any) -> float:
    """A planner number input whose value survives a visit to another page."""
    return float(col.number_input(label, key=key, persist_state=common.PERSIST, **kwargs))


def planner_section(audience: AudienceFilter, arms: tuple[ArmSpec, ...], horizon: int) -> None:
    """(5) Baseline numbers, customers needed or lift detectable, power against sample size."""
    say = common.say
    lang = _ui.lang()
    formatter = _ui.fmt()
    na = formatter.not_available
    st.header(say("plan.header"))
    try:
        inputs = _ui.cached_query(source_engine.planner_inputs, audience, horizon, _ui.source())
    except (StoreError, SourceError) as error:
        common.show_error("plan.failed", error)
        return
    days = formatter.count(horizon, "days")
    base_cols = st.columns(4)
    for col, (label, value, help_key) in zip(
        base_cols,
        (
            ("plan.baseline", _ui.pct(inputs.baseline_rate), "plan.baseline.help"),
            ("plan.value", _ui.money(inputs.value_mean), "plan.value.help"),
            (
                "plan.cuped",
                _ui.pct(1 - design.variance_factor(inputs.pre_post_correlation)),
                "plan.cuped.help",
            ),
            ("plan.flow", _ui.count(inputs.weekly_flow), "plan.flow.help"),
        ),
        strict=True,
    ):
        extra = {"days": days} if help_key == "plan.baseline.help" else {}
        col.metric(say(label), value, help=say(help_key, **extra))
    mode = st.radio(
        say("plan.mode"),
        ["need", "detect"],
        format_func=common.labelled(("need", "detect"), lambda m: say(f"plan.mode.{m}")),
        horizontal=True,
        key="p_mode",
        persist_state=common.PERSIST,
    )
    plan_cols = st.columns(2)
    if mode == "need":
        lift_pp = _persisted(
            plan_cols[0],
            say("plan.lift_pp"),
            "p_lift_pp",
            min_value=0.1,
            max_value=50.0,
            value=3.0,
            step=0.5,
        )
        lift_money = _persisted(
            plan_cols[1],
            say("plan.lift_money"),
            "p_lift_money",
            min_value=1.0,
            value=150.0,
            step=50.0,
        )
        plan = design.plan(inputs, arms, lift_pp=lift_pp, lift_money=lift_money)
    else:
        have = _persisted(
            plan_cols[0],
            say("plan.have"),
            "p_have_n",
            min_value=0,
            value=max(inputs.customers, 0),
            step=500,
        )
        plan = design.plan(replace(inputs, customers=int(have)), arms)
    if plan.status != "ok" and inputs.status == "ok":
        st.info(say("plan.add_lever"), icon=":material/add:")
        return
    if plan.status != "ok":
        st.warning(_ui.plain(_ui.say(plan.message)), icon=":material/help:")
        return
    st.caption(
        say(
            "plan.comparisons",
            comparisons=say("plan.comparisons.count", count=plan.comparisons),
            alpha=f"{plan.alpha_per_comparison:.3g}"
            if lang == "en"
            else formatter.number(plan.alpha_per_comparison, 3),
            arms=say("plan.arms.count", count=plan.comparisons),
            power=formatter.percent(plan.power, 0),
        )
    )
    result_cols = st.columns(3)
    if mode == "need":
        total = plan.required_total_repeat
        lift_text = (
            f"{lift_pp:g} pp" if lang == "en" else formatter.points(lift_pp / 100).lstrip("+")
        )
        result_cols[0].metric(
            say("plan.need_repeat", lift=lift_text),
            _ui.count(total) if total else na,
            help=say("plan.need_repeat.help"),
        )
        weeks = plan.weeks_needed
        result_cols[1].metric(
            say("plan.weeks"),
            formatter.number(weeks, 1) if weeks is not None else na,
            help=say("plan.weeks.help"),
        )
        result_cols[2].metric(
            say("plan.need_value", amount=_ui.money(lift_money)),
            _ui.count(plan.required_total_value) if plan.required_total_value else na,
            help=say("plan.need_value.help"),
        )
        rows = [
            {
                say("plan.table.arm"): a.name,
                say("plan.table.now"): plan.n_per_arm.get(a.name, 0),
                say("plan.table.need_repeat"): (plan.required_n_repeat or {}).get(a.name),
                say("plan.table.need_value"): (plan.required_n_value or {}).get(a.name),
            }
            for a in arms
        ]
        _ui.table(
            pd.DataFrame(rows),
            file_stem="sample-size",
            excel_key="plan_excel",
            width="stretch",
            hide_index=True,
        )
        if total and total > plan.customers:
            have_text = formatter.count(plan.customers, "customers")
            st.warning(
                say("plan.too_few", have=have_text, need=_ui.count(total)),
                icon=":material/warning:",
            )
        curve_lift = lift_pp
    else:
        detectable = plan.detectable_lift_pp
        result_cols[0].metric(
            say("plan.detect_repeat"),
            (f"+{detectable:.1f} pp" if lang == "en" else formatter.points(detectable / 100))
            if detectable
            else na,
        )
        result_cols[1].metric(
            say("plan.detect_value"),
            _ui.money(plan.detectable_value_cuped, signed=True),
            help=say(
                "plan.detect_value.help", amount=_ui.money(plan.detectable_value, signed=True)
            ),
        )
        result_cols[2].metric(say("plan.smallest_arm"), _ui.count(min(plan.n_per_arm.values())))
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
        st.caption(say("plan.power_caption"))
