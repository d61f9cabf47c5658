"""The results view shared by the Results page (editable settings) and the read-only report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import streamlit as st

from experiments import analysis_file, charts, clv, config, decision, escape, metrics, report, stats
from experiments.progress import Progress
from experiments.store import overview, results_sql
from pages import _ui

VERDICT_STYLE = {
    "ship": (":material/rocket_launch:", "green"),
    "stop": (":material/block:", "red"),
    "keep running": (":material/hourglass_top:", "orange"),
    "check the data": (":material/warning:", "violet"),
    "insufficient data": (":material/help:", "gray"),
}

# query parameter -> (default, parser): every setting travels in the URL
CORRECTIONS = ["holm", "bh", "none"]
CONFIDENCES = ["90", "95", "99"]


def experiments_list() -> list[dict[str, Any]]:
    return _ui.cached_query(overview.list_experiments)


def render_experiments_table() -> None:
    """Every experiment on one line: which run, how big, and how far their data reaches."""
    st.dataframe(
        _ui.cached_query(overview.experiments_table),
        hide_index=True,
        width="stretch",
        column_config={
            "customers": st.column_config.NumberColumn(format="localized"),
            "horizon_days": st.column_config.NumberColumn("planned days"),
            "observed_days": st.column_config.NumberColumn(
                "days observed", help="Days of data after the last customer was assigned."
            ),
            "progress": st.column_config.ProgressColumn(
                "of the planned horizon",
                format="percent",
                min_value=0.0,
                max_value=1.0,
                help="Share of the planned horizon every customer is observed for; a campaign "
                "result file comes measured.",
            ),
        },
    )


def _observed_days(experiment: dict[str, Any]) -> int | None:
    return _ui.cached_query(overview.observed_days, int(experiment["id"]))


def default_horizon(experiment: dict[str, Any]) -> int:
    """Planned horizon, or all the data so far for a running experiment that lacks it."""
    return metrics.default_horizon(
        int(experiment["horizon_days"]), _observed_days(experiment), str(experiment.get("status"))
    )


def horizon_picker(experiment: dict[str, Any]) -> tuple[list[str], str, Callable[[str], str]]:
    """Horizon options (query-parameter strings), the default one, and their labels."""
    planned = int(experiment["horizon_days"])
    observed = _observed_days(experiment)
    choices = metrics.horizon_choices(planned, observed)
    default = metrics.default_horizon(planned, observed, str(experiment.get("status")))
    notes = {planned: "planned"}
    if observed in choices and observed != planned:
        notes[observed] = "all data so far"

    def label(value: str) -> str:
        note = notes.get(int(value))
        return f"{value} ({note})" if note else value

    return [str(h) for h in choices], str(default), label


def settings_from(params: dict[str, str], experiment: dict[str, Any]) -> metrics.AnalysisSettings:
    """Analysis settings from query-parameter values (defaults where absent or invalid)."""
    horizon = params.get("horizon") or (
        str(default_horizon(experiment)) if "horizon_days" in experiment else ""
    )  # a results-file experiment has no horizon
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
    status = str(experiment.get("status"))
    if status == "running" and (days := _observed_days(experiment)) is not None:
        status += f", day {days} of {experiment.get('horizon_days')}"
    st.caption(
        f"Status **{status}** · {sum(a.n for a in analysis.arms):,} customers in "
        f"{len(analysis.arms)} arms · horizon **{analysis.horizon_days} days** · data "
        f"{str(analysis.first_ts)[:10]} to {str(analysis.last_ts)[:10]}"
    )
    for warning in analysis.warnings:
        st.warning(_ui.plain(warning.message), icon=":material/warning:")

    st.subheader("Decisions")
    decisions = decision.decide(analysis)
    for d in decisions:
        icon, color = VERDICT_STYLE[d.verdict]
        with st.container(border=True):
            st.markdown(f"**{_ui.plain(d.statement)}** &nbsp; :{color}-badge[{icon} {d.verdict}]")
            for reason in d.reasons:
                st.caption(_ui.plain(reason))
    with st.expander("How the verdict is decided"):
        for rule in decision.RULES:
            st.markdown(f"- {rule}")

    st.subheader(report.LEVER_TITLE)
    columns = report.LEVER_COLUMNS
    st.dataframe(
        report.lever_table(decisions),
        hide_index=True,
        width="stretch",
        column_config={
            columns["best"]: st.column_config.ProgressColumn(
                format="percent",
                min_value=0.0,
                max_value=1.0,
                help="Posterior probability that this lever has the highest net value.",
            ),
            columns["net"]: st.column_config.NumberColumn(
                format="%+.0f", help="Per customer, after the lever's cost."
            ),
            columns["cost"]: st.column_config.NumberColumn(
                format="%.0f",
                help="What the lever cost per customer over the horizon: discounts given on "
                "orders, plus the gift or the call.",
            ),
            columns["repeat"]: st.column_config.NumberColumn(format="%+.1f"),
        },
    )
    st.caption(report.LEVER_CAPTION)

    matchups = decision.head_to_head(analysis)
    if matchups:
        st.subheader(report.HEAD_TO_HEAD_TITLE)
        for m in matchups:
            icon = ":material/check_circle:" if m.clear else ":material/drag_handle:"
            st.markdown(f"{icon} {_ui.plain(m.sentence)}")
        st.caption(report.HEAD_TO_HEAD_CAPTION)

    for fig, caption in report.figures(analysis):
        st.plotly_chart(escape.figure(fig), width="stretch")
        st.caption(caption)
    st.plotly_chart(escape.figure(charts.segments_figure(analysis)), width="stretch")
    st.caption(
        "Segments are for exploring: intervals are corrected across segments; a real difference "
        "between segments shows as a small heterogeneity p-value in the table below."
    )

    with st.expander("All effects (table)"):
        st.dataframe(report.effects_table(analysis), hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=16)
def _projection(
    experiment_id: int,
    bootstrap: int,
    version: int,
    db: str,
    _progress: Progress | None = None,  # leading _: not part of the cache key
) -> clv.ProjectionResult:
    return clv.project_arms(
        _ui.get_store(), experiment_id, months=12, bootstrap=bootstrap, progress=_progress
    )


def render_projection(experiment_id: int, bootstrap: int = 100) -> None:
    """Model-based 12-month CLV per arm (BG/NBD + Gamma-Gamma), beside the observed window."""
    st.subheader("Beyond the observed window")
    st.caption(
        "A model-based projection, not an observed result: BG/NBD (how often and how long "
        "customers keep buying) and Gamma-Gamma (how much they spend) fitted on each arm's "
        "behaviour since assignment, projected 12 months ahead. Margins are after the "
        "discounts given; fixed lever costs (gifts, calls) are in the observed net value above."
    )
    key = f"projection_{experiment_id}"
    if not st.session_state.get(key) and not st.button(
        "Project 12-month CLV per arm", icon=":material/trending_up:", key=f"{key}_button"
    ):
        return
    st.session_state[key] = True
    bar = st.progress(0.0, text="Fitting BG/NBD + Gamma-Gamma per arm...")
    result = _projection(
        experiment_id,
        bootstrap,
        _ui.store_version(),
        str(config.db_path()),
        _ui.streamlit_progress(bar),
    )
    bar.empty()  # runs only on a cache miss; a cached projection appears at once
    if result.status != "ok":
        reasons = " ".join(f"{a.name}: {a.message}" for a in result.arms if a.status != "ok")
        message = f"{result.message or 'Not enough data for a projection.'} {reasons}"
        st.warning(_ui.plain(message))
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


# -- experiments from uploaded campaign result files ---------------------------------------------
RESULTS_FILE_SOURCE = overview.RESULTS_FILE_SOURCE
NO_COVARIATE = "none"


def is_results_file(experiment: dict[str, Any]) -> bool:
    """The experiment's outcomes come from an uploaded result file, not from transactions."""
    return experiment.get("source") == RESULTS_FILE_SOURCE


@dataclass(frozen=True)
class FileSettings:
    """What the results-file view analyses; every field travels in the URL.

    Attributes:
        metrics: fields to test, in order; the first decides the verdict cards.
        covariate: pre-period field for CUPED, or None.
        correction: holm / bh / none.
        cap: winsorise money metrics.
        confidence: interval level (alpha = 1 - confidence).
    """

    metrics: tuple[str, ...]
    covariate: str | None
    correction: str
    cap: bool
    confidence: float

    def params(self) -> dict[str, str]:
        """The query parameters that reopen this view (merged into the share links)."""
        return {
            "metrics": ",".join(self.metrics),
            "covariate": self.covariate or NO_COVARIATE,
            "cap": "on" if self.cap else "off",
            "correction": self.correction,
            "confidence": f"{self.confidence * 100:.0f}",
        }


def file_fields(experiment_id: int) -> list[results_sql.ResultField]:
    return list(_ui.cached_query(results_sql.result_fields, experiment_id))


def file_uploads(experiment_id: int) -> list[results_sql.ResultUpload]:
    return list(_ui.cached_query(results_sql.result_uploads, experiment_id))


def numeric_fields(fields: list[results_sql.ResultField]) -> list[str]:
    return [f.field for f in fields if f.numeric and f.field != results_sql.ARM_COLUMN]


def file_settings_from(
    params: dict[str, str], fields: list[results_sql.ResultField]
) -> FileSettings:
    """Settings from query parameters; unknown fields are dropped, absent ones get defaults."""
    numeric = numeric_fields(fields)
    covariate_text = params.get("covariate")
    if covariate_text is None:
        covariate = analysis_file.suggest_covariate(fields)
    else:
        covariate = covariate_text if covariate_text in numeric else None
    chosen = [m for m in params.get("metrics", "").split(",") if m in numeric and m != covariate]
    base = settings_from(params, {})
    return FileSettings(
        metrics=tuple(dict.fromkeys(chosen or analysis_file.default_metrics(fields, covariate))),
        covariate=covariate,
        correction=base.correction,
        cap=base.cap,
        confidence=base.confidence,
    )


def pick_file_settings(
    experiment_id: int, fields: list[results_sql.ResultField], start: FileSettings
) -> FileSettings:
    """The metric and covariate pickers of the Results page (the report view has none)."""
    numeric = numeric_fields(fields)
    left, right = st.columns([3, 2])
    covariate_options = [NO_COVARIATE, *numeric]
    covariate = right.selectbox(
        "Pre-period covariate (CUPED)",
        covariate_options,
        index=covariate_options.index(start.covariate or NO_COVARIATE),
        key=f"file_covariate_{experiment_id}",
        format_func=lambda c: "none (no adjustment)" if c == NO_COVARIATE else c,
        help="A column measured before the campaign (e.g. last year's spend). Adjusting for it "
        "narrows the intervals without biasing the effects.",
    )
    chosen_covariate = None if covariate == NO_COVARIATE else str(covariate)
    metrics_chosen = left.multiselect(
        "Metrics (the first one decides the verdicts)",
        [m for m in numeric if m != chosen_covariate],
        default=[m for m in start.metrics if m != chosen_covariate],
        key=f"file_metrics_{experiment_id}",
        help="Numeric columns of the result file. Columns holding text cannot be metrics. "
        "0/1 columns are rates (z-test), others amounts (Welch t-test).",
    )
    return FileSettings(
        metrics=tuple(str(m) for m in metrics_chosen),
        covariate=chosen_covariate,
        correction=start.correction,
        cap=start.cap,
        confidence=start.confidence,
    )


@st.cache_data(show_spinner="Analysing the result file in DuckDB...", max_entries=64)
def _file_analysis(
    experiment_id: int, settings: dict[str, Any], version: int, db: str
) -> analysis_file.FileAnalysis:
    return analysis_file.analyze_stored_results(
        _ui.get_store(),
        experiment_id,
        metrics=list(settings["metrics"]),
        covariate=settings["covariate"],
        correction=settings["correction"],
        cap=settings["cap"],
        alpha=1 - settings["confidence"],
    )


def file_analysis_for(experiment_id: int, settings: FileSettings) -> analysis_file.FileAnalysis:
    return _file_analysis(
        experiment_id, asdict(settings), _ui.store_version(), str(config.db_path())
    )


def render_file(experiment: dict[str, Any], analysis: analysis_file.FileAnalysis) -> None:
    """The results of a campaign result file: where the data came from, arms, verdicts, effects."""
    uploads = file_uploads(int(experiment["id"]))
    files = ", ".join(
        f"**{_ui.plain(u.file_name)}** ({_ui.count(u.rows)} rows, loaded {u.loaded_at})"
        for u in uploads
    )
    st.caption(
        f"From the uploaded campaign result file{'s' if len(uploads) > 1 else ''} "
        f"{files or '(none)'} · {_ui.count(sum(a.n for a in analysis.arms))} rows in "
        f"{len(analysis.arms)} arms · control **{_ui.plain(analysis.control)}**"
        + (f" · CUPED on **{_ui.plain(analysis.covariate)}**" if analysis.covariate else "")
    )
    if analysis.srm.mismatch:
        st.warning(
            "Arm sizes do not match the planned split (sample-ratio mismatch, p = "
            f"{analysis.srm.p_value:.2g}): the split or the export is probably broken, so the "
            "verdicts below wait until it is explained.",
            icon=":material/warning:",
        )
    st.subheader("Arms")
    arms = analysis_file.arms_table(analysis)
    st.dataframe(
        arms,
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.NumberColumn(format="%.2f")
            for c in arms.columns
            if c not in ("arm", "role", "customers", "expected")
        }
        | {"expected": st.column_config.NumberColumn(format="%.0f")},
    )
    if not analysis.ok:
        st.warning(f"Insufficient data: {_ui.plain(analysis.note)}", icon=":material/help:")
        return
    if analysis.note:
        st.caption(_ui.plain(analysis.note))

    metric = next(iter(analysis.metrics))
    st.subheader("Decisions")
    for d in decision.decide_file(analysis, metric):
        icon, color = VERDICT_STYLE[d.verdict]
        with st.container(border=True):
            st.markdown(f"**{_ui.plain(d.statement)}** &nbsp; :{color}-badge[{icon} {d.verdict}]")
            for reason in d.reasons:
                st.caption(_ui.plain(reason))
    with st.expander("How the verdict is decided"):
        for rule in decision.FILE_RULES:
            st.markdown(f"- {rule}")

    st.plotly_chart(
        escape.figure(
            charts.forest_figure(
                [e.as_json() for e in stats.headline_effects(analysis.effects)],
                confidence=1 - analysis.alpha,
                units={m: analysis_file.metric_unit(analysis, m) for m in analysis.metrics},
                adjusted_for=f"the pre-period field {analysis.covariate}",
            )
        ),
        width="stretch",
    )
    st.caption(f"{report.FOREST_CAPTION} Rates in percentage points.")
    st.subheader("All effects")
    st.dataframe(
        analysis_file.effects_table(analysis),
        hide_index=True,
        width="stretch",
        column_config={
            "rel_lift": st.column_config.NumberColumn("relative lift", format="percent"),
            "p_value": st.column_config.NumberColumn("p", format="%.2g"),
            "p_adjusted": st.column_config.NumberColumn("adjusted p", format="%.2g"),
        },
    )
    st.caption(
        f"p-values adjusted for {len(analysis.metrics)} metric(s) x "
        f"{len(analysis.arms) - 1} arm(s) by '{analysis.correction}'. Money metrics "
        + (
            f"capped at the pooled {config.DEFAULT_CAP_PERCENTILE:g}th percentile."
            if analysis.cap
            else "not capped."
        )
    )
