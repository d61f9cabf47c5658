"""The results view shared by the Results page (editable settings) and the read-only report."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import streamlit as st

from experiments import charts, clv, config, decision, metrics, report
from experiments.store import overview
from pages import _ui

VERDICT_STYLE = {
    "ship": (":material/rocket_launch:", "green"),
    "stop": (":material/block:", "red"),
    "keep running": (":material/hourglass_top:", "orange"),
    "check the data": (":material/warning:", "violet"),
    "insufficient data": (":material/help:", "gray"),
}

# query parameter -> (default, parser): every setting travels in the URL
HORIZONS = [str(h) for h in config.HORIZONS_DAYS]
CORRECTIONS = ["holm", "bh", "none"]
CONFIDENCES = ["90", "95", "99"]


def experiments_list() -> list[dict[str, Any]]:
    return _ui.cached_query(overview.list_experiments)


def settings_from(params: dict[str, str], experiment: dict[str, Any]) -> metrics.AnalysisSettings:
    """Analysis settings from query-parameter values (defaults where absent or invalid)."""
    horizon = params.get("horizon") or str(experiment.get("horizon_days") or "")
    confidence = params.get("confidence", "95")
    correction = params.get("correction", config.DEFAULT_CORRECTION)
    return metrics.AnalysisSettings(
        horizon_days=int(horizon) if horizon.isdigit() else None,
        cap=params.get("cap", "on") != "off",
        use_covariate=params.get("cuped", "on") != "off",
        correction=correction if correction in CORRECTIONS else config.DEFAULT_CORRECTION,  # type: ignore[arg-type]
        confidence=int(confidence) / 100 if confidence in CONFIDENCES else config.CONFIDENCE,
    )


@st.cache_data(show_spinner="Analysing the experiment in DuckDB...", max_entries=64)
def _analysis(
    experiment_id: int, settings: dict[str, Any], version: int, db: str
) -> metrics.ExperimentAnalysis:
    return metrics.analyze_experiment(
        _ui.get_store(), experiment_id, metrics.AnalysisSettings(**settings)
    )


def analysis_for(
    experiment_id: int, settings: metrics.AnalysisSettings
) -> metrics.ExperimentAnalysis:
    return _analysis(experiment_id, asdict(settings), _ui.store_version(), str(config.db_path()))


def render(analysis: metrics.ExperimentAnalysis) -> None:
    """Decision cards, warnings, lever comparison and charts: what management reads."""
    experiment = analysis.experiment
    st.caption(
        f"Status **{experiment.get('status')}** · {sum(a.n for a in analysis.arms):,} customers in "
        f"{len(analysis.arms)} arms · horizon **{analysis.horizon_days} days** · data "
        f"{str(analysis.first_ts)[:10]} to {str(analysis.last_ts)[:10]}"
    )
    for warning in analysis.warnings:
        st.warning(warning.message, icon=":material/warning:")

    st.subheader("Decisions")
    decisions = decision.decide(analysis)
    for d in decisions:
        icon, color = VERDICT_STYLE[d.verdict]
        with st.container(border=True):
            st.markdown(
                f"**{d.headline.rsplit(';', 1)[0]}** &nbsp; :{color}-badge[{icon} {d.verdict}]"
            )
            for reason in d.reasons:
                st.caption(reason)
    with st.expander("How the verdict is decided"):
        for rule in decision.RULES:
            st.markdown(f"- {rule}")

    st.subheader("Which lever pays best?")
    st.dataframe(
        [
            {
                "lever": d.arm,
                "kind": d.kind,
                f"net value per customer vs control, {config.CURRENCY}": d.net_value.diff
                if d.net_value
                else None,
                "cost per customer": d.cost_per_customer,
                "repeat purchase vs control, pp": d.primary.diff * 100
                if d.primary
                and d.primary.diff is not None
                and d.primary.metric == "repeat_purchase"
                else None,
                "probability of being best": d.probability_best,
                "verdict": d.verdict,
            }
            for d in decisions
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "probability of being best": st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0
            ),
            f"net value per customer vs control, {config.CURRENCY}": st.column_config.NumberColumn(
                format="%+.0f"
            ),
            "repeat purchase vs control, pp": st.column_config.NumberColumn(format="%+.1f"),
        },
    )
    st.caption(
        "Ranked by net value per customer after the lever's cost. Price is not value: a cheaper "
        "lever that brings customers back can beat a discount."
    )

    for fig, caption in report.figures(analysis):
        st.plotly_chart(fig, width="stretch")
        st.caption(caption)
    st.plotly_chart(charts.segments_figure(analysis), width="stretch")
    st.caption(
        "Segments are for exploring: intervals are corrected across segments; a real difference "
        "between segments shows as a small heterogeneity p-value in the table below."
    )

    with st.expander("All effects (table)"):
        st.dataframe(report.effects_table(analysis), hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=16)
def _projection(experiment_id: int, bootstrap: int, version: int, db: str) -> clv.ProjectionResult:
    return clv.project_arms(_ui.get_store(), experiment_id, months=12, bootstrap=bootstrap)


def render_projection(experiment_id: int, bootstrap: int = 100) -> None:
    """Model-based 12-month CLV per arm (BG/NBD + Gamma-Gamma), beside the observed window."""
    st.subheader("Beyond the observed window")
    st.caption(
        "A model-based projection, not an observed result: BG/NBD (how often and how long "
        "customers keep buying) and Gamma-Gamma (how much they spend) fitted on each arm's "
        "behaviour since assignment, projected 12 months ahead. Lever costs are already in the "
        "observed net value above."
    )
    key = f"projection_{experiment_id}"
    if not st.session_state.get(key) and not st.button(
        "Project 12-month CLV per arm", icon=":material/trending_up:", key=f"{key}_button"
    ):
        return
    st.session_state[key] = True
    with st.spinner("Fitting BG/NBD + Gamma-Gamma per arm and bootstrapping..."):
        result = _projection(experiment_id, bootstrap, _ui.store_version(), str(config.db_path()))
    if result.status != "ok":
        reasons = " ".join(f"{a.name}: {a.message}" for a in result.arms if a.status != "ok")
        st.warning(f"{result.message or 'Not enough data for a projection.'} {reasons}")
        return
    st.dataframe(
        [
            {
                "arm": a.name,
                f"observed margin per customer, {config.CURRENCY}": a.observed_margin,
                f"projected 12-month CLV, {config.CURRENCY}": a.projected_clv,
                "vs control": a.difference,
                f"{result.confidence:.0%} CI low": a.ci_lower,
                f"{result.confidence:.0%} CI high": a.ci_upper,
                "fit": a.status if a.status == "ok" else f"{a.status}: {a.message}",
            }
            for a in result.arms
        ],
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(format="%+.0f" if "vs" in c or "CI" in c else "%.0f")
            for c in (
                f"observed margin per customer, {config.CURRENCY}",
                f"projected 12-month CLV, {config.CURRENCY}",
                "vs control",
                f"{result.confidence:.0%} CI low",
                f"{result.confidence:.0%} CI high",
            )
        },
    )
    st.caption(f"{result.basis} Bootstrap: {result.bootstrap} replicates over customers.")
