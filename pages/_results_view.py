"""The results view shared by the Results page (editable settings) and the read-only report."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from experiments import (
    analysis_file,
    charts,
    clv,
    config,
    decision,
    export,
    metrics,
    precompute,
    report,
    source_engine,
    stats,
)
from experiments import experiment as experiment_record
from experiments.experiment import Experiment
from experiments.i18n import DEFAULT_LANGUAGE, MESSAGES, Lang, glossary, t
from experiments.progress import Progress
from experiments.sources import Source, SourceError
from experiments.store import results_sql
from pages import _ui

VERDICT_STYLE = {  # by the English label a card has (Decision.label), whatever the language
    "ship": (":material/rocket_launch:", "green"),
    "stop": (":material/block:", "red"),
    "keep running": (":material/hourglass_top:", "orange"),
    "inconclusive": (":material/help:", "gray"),
    "check the data": (":material/warning:", "violet"),
}

# query parameter -> (default, parser): every setting travels in the URL
CORRECTIONS = list(config.CORRECTIONS)
CONFIDENCES = [f"{c * 100:.0f}" for c in config.CONFIDENCE_CHOICES]


def experiments_list() -> list[Experiment]:
    return _ui.cached_query(experiment_record.list_all)


def render_experiments_table(lang: Lang = DEFAULT_LANGUAGE) -> None:
    """Every experiment on one line: which run, how big, and how far their data reaches."""
    if lang != "en":
        return _render_experiments_table_translated(lang)
    _ui.table(
        _ui.cached_query(experiment_record.table),
        file_stem="experiments",
        excel_key="results_experiments_excel",
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
            "reading": st.column_config.TextColumn(
                "ready?",
                help="Ready to read once every customer is observed for the planned horizon.",
            ),
        },
    )


def _render_experiments_table_translated(lang: Lang) -> None:
    """The experiments table with its column names in the session's language."""
    table = _ui.cached_query(experiment_record.table)
    names = {
        c: t(f"results.table.{c}", lang) for c in table.columns if f"results.table.{c}" in MESSAGES
    }
    _ui.table(
        table.rename(columns=names),
        file_stem="experiments",
        excel_key="results_experiments_excel",
        hide_index=True,
        width="stretch",
        column_config={
            names.get("progress", "progress"): st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )


def _short_date(value: Any) -> str:
    """A data timestamp as a short date in the session's language (08.03.2026)."""
    import pandas as pd

    return _ui.fmt().date_short(pd.Timestamp(value).date()) if value is not None else ""


def _observed_days(experiment: Experiment) -> int | None:
    """Counted to the configured source's last transaction when there is one; a source that
    cannot be read counts none here (the analysis below says why)."""
    try:
        return _ui.cached_query(source_engine.observed_days, experiment.id, _ui.source())
    except SourceError:
        return None


def default_horizon(experiment: Experiment) -> int:
    """Planned horizon, or all the data so far for a running experiment that lacks it."""
    return metrics.default_horizon(
        experiment.horizon_days, _observed_days(experiment), experiment.status
    )


def horizon_picker(
    experiment: Experiment, lang: Lang = DEFAULT_LANGUAGE
) -> tuple[list[str], str, Callable[[str], str]]:
    """Horizon options (query-parameter strings), the default one, and their labels."""
    planned = experiment.horizon_days
    observed = _observed_days(experiment)
    choices = metrics.horizon_choices(planned, observed)
    default = metrics.default_horizon(planned, observed, experiment.status)
    notes = {planned: t("results.horizon.planned", lang)}
    if observed in choices and observed != planned:
        notes[observed] = t("results.horizon.so_far", lang)

    def label(value: str) -> str:
        note = notes.get(int(value))
        return f"{value} ({note})" if note else value

    return [str(h) for h in choices], str(default), label


def say_link_horizon(value: str | None, offered: list[str], days: int) -> None:
    """Say so when a link's horizon is not the one shown: not a whole number of days above 0,
    or (`offered`: the picker's horizons) not one the picker offers. Links keep working."""
    if value is None or value in offered or not days:
        return
    lang = _ui.lang()
    shown = _ui.fmt().count(days, "days")
    try:
        metrics.parse_horizon(value)
    except metrics.InvalidHorizon:
        st.warning(t("results.horizon.link_invalid", lang, value=_ui.plain(value), days=shown))
        return
    if offered:
        st.warning(
            t(
                "results.horizon.link_not_offered",
                lang,
                value=_ui.plain(value),
                offered=", ".join(offered),
                days=shown,
            )
        )


CAP_DEFAULT = "on" if config.DEFAULT_CAP else "off"  # the URL's cap=on|off when absent
LINK_SETTINGS = ("cap", "cuped", "correction", "confidence")  # a link's settings besides horizon
FILE_LINK_SETTINGS = ("cap", "correction", "confidence")  # a result file's view has no CUPED


def say_link_settings(
    linked: Mapping[str, object], shown: Any, names: tuple[str, ...] = LINK_SETTINGS
) -> None:
    """Say so when a link's setting (`names` of `linked`: as the link gave them) is not one
    the page offers (confidence=42, correction=sidak, cap=maybe), and what `shown` (the
    settings the page uses: AnalysisSettings or FileSettings) shows instead. Links keep
    working; the replacement was silent."""
    given = {name: linked.get(name) for name in names}
    wrong = metrics.unrecognised_options(
        **{name: None if value is None else str(value) for name, value in given.items()}
    )
    if not wrong:
        return
    lang = _ui.lang()
    instead = {
        "cap": lambda: "on" if shown.cap else "off",
        "cuped": lambda: "on" if shown.use_covariate else "off",
        "correction": lambda: t(f"correction.{shown.correction}", lang),
        "confidence": lambda: _ui.fmt().percent(shown.confidence, 0),
    }
    offered = {
        "cap": "on, off",
        "cuped": "on, off",
        "correction": ", ".join(CORRECTIONS),
        "confidence": ", ".join(CONFIDENCES),
    }
    for name in wrong:
        st.warning(
            t(
                f"results.{name}.link_invalid",
                lang,
                value=_ui.plain(str(given[name])),
                offered=offered[name],
                shown=instead[name](),
            )
        )


def rule_for(experiment: Experiment) -> decision.DecisionRule:
    """The verdict rule fixed at design (horizon, confidence, correction, guardrails)."""
    return decision.rule_of(experiment)


def rule_defaults(experiment: Experiment | None) -> tuple[str, str]:
    """The rule's confidence and correction as the settings pickers spell them (a result file
    without an experiment has the default rule: 95%, Holm)."""
    if experiment is None:
        return "95", config.DEFAULT_CORRECTION
    rule = rule_for(experiment)
    confidence = f"{rule.confidence * 100:.0f}"
    return (confidence if confidence in CONFIDENCES else "95"), str(rule.correction)


def settings_from(
    params: dict[str, str], experiment: Experiment | None, *, with_horizon: bool = True
) -> metrics.AnalysisSettings:
    """Analysis settings from query-parameter values (the design rule's where absent or
    invalid, so that an unchanged page is the view the verdict follows). A link's horizon
    that is not a whole number of days above 0 falls back to the default, saying so, and so
    do its other settings (`say_link_settings`)."""
    fallback = str(default_horizon(experiment)) if with_horizon and experiment is not None else ""
    horizon = (params.get("horizon") or fallback) if with_horizon else ""
    try:
        metrics.parse_horizon(horizon)
    except metrics.InvalidHorizon:
        say_link_horizon(horizon, [], int(fallback or 0))
        horizon = fallback
    rule_confidence, rule_correction = rule_defaults(experiment)
    settings = metrics.settings_from_options(  # the one parser, shared with the command line
        horizon=horizon,
        cap=params.get("cap"),
        cuped=params.get("cuped"),
        correction=params.get("correction"),
        confidence=params.get("confidence"),
        rule_confidence=int(rule_confidence) / 100,
        rule_correction=rule_correction,
    )
    say_link_settings(params, settings, LINK_SETTINGS if with_horizon else FILE_LINK_SETTINGS)
    return settings


def analysis_for(
    experiment_id: int, settings: metrics.AnalysisSettings, lang: Lang = DEFAULT_LANGUAGE
) -> metrics.ExperimentAnalysis:
    """The analysis of these settings, from `precompute` (kept per store version, one object
    per view): the statistics (pure Python, ~50 ms) on an aggregation that a CUPED, correction
    or confidence click shares and that a standard horizon or capping click finds precomputed
    after the first open. Only a first open (or an unusual horizon) queries DuckDB."""
    with st.spinner(t("results.analysing", lang), show_time=True):
        source = _ui.source()  # the configured source; None: the store
        return precompute.analysis(_ui.get_store(), experiment_id, settings, source=source)


def prefetch_neighbours(
    experiment: Experiment, settings: metrics.AnalysisSettings, lang: Lang = DEFAULT_LANGUAGE
) -> None:
    """After the page is drawn: start the experiment's precomputation (once per store
    version: every offered horizon x capping), and compute in the background the views one
    click away, figures included, so that the next click is a lookup."""
    resolved = settings.horizon_days or default_horizon(experiment)
    horizons, _, _ = horizon_picker(experiment)
    chosen = replace(settings, horizon_days=int(resolved))
    store = _ui.get_store()
    precompute.precompute_after(store, experiment.id, chosen)  # once per version
    money = _ui.currency()  # read now: the warm-up runs outside this script run
    precompute.prefetch(
        store,
        experiment.id,
        precompute.neighbours(chosen, [int(h) for h in horizons]),
        warm=lambda analysis: [
            figure(analysis, spec, lang, money) for spec in visible_figures(analysis, lang, money)
        ],
    )


_FIGURES_KEPT = 256
_figures: OrderedDict[tuple[int, str, str, str], tuple[weakref.ref[Any], go.Figure]] = OrderedDict()
_figures_lock = threading.Lock()


def figure(
    analysis: Any,
    spec: report.FigureSpec,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str = config.CURRENCY,
) -> go.Figure:
    """The chart `spec` of this analysis object, built (and escaped) once and then reused: an
    unchanged rerun draws cached figures. Keyed on the object itself (a weak reference), so a
    figure can never be served for another analysis (nor in another language or currency)."""
    key = (id(analysis), spec.name, lang, currency)
    with _figures_lock:
        found = _figures.get(key)
        if found is not None and found[0]() is analysis:
            _figures.move_to_end(key)
            return found[1]
    built = spec.build()  # user-supplied names escaped by the builder (escape.plotly)
    with _figures_lock:
        _figures[key] = (weakref.ref(analysis), built)
        while len(_figures) > _FIGURES_KEPT:
            _figures.popitem(last=False)
    return built


VISIBLE_FIGURES = ("forest", "repeat", "payback", "decay")  # the others are in sections


def visible_figures(
    analysis: metrics.ExperimentAnalysis,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str = config.CURRENCY,
) -> list[report.FigureSpec]:
    """The charts shown open, their amounts (the payback and fading statements under them
    included) in `currency`, the store's."""
    specs = report.figure_specs(analysis, lang, currency)
    return [s for s in specs if s.name in VISIBLE_FIGURES]


def draw(analysis: Any, spec: report.FigureSpec, lang: Lang = DEFAULT_LANGUAGE) -> None:
    st.plotly_chart(figure(analysis, spec, lang, _ui.currency()), width="stretch")
    st.caption(_ui.plain(spec.caption))  # captions name arms, which people type


def section(label: str, key: str, icon: str) -> Any:
    """A collapsed section whose body is built only while open: Streamlit runs an expander's
    body even when collapsed, so the body checks `.open` (tracked with on_change='rerun')."""
    return st.expander(label, key=key, on_change="rerun", icon=icon)


def official_for(
    view: metrics.ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE
) -> tuple[metrics.ExperimentAnalysis, list[str]]:
    """The analysis the verdict is read from (the design rule's settings) and how the view's
    settings differ from it ([]: the view is the official one and is reused)."""
    experiment = view.experiment
    official = decision.rule_settings(
        decision.rule_of(experiment),
        observed_days=_observed_days(experiment),
        status=experiment.status,
        base=view.settings,
    )
    differences = decision.exploratory_differences(view.settings, official, lang)
    if not differences:
        return view, []
    return analysis_for(experiment.id, official, lang), differences


def render_adjustment(effects: list[stats.Effect], lang: Lang = DEFAULT_LANGUAGE) -> None:
    """The CUPED estimate beside the unadjusted one, with the variance reduction achieved."""
    table = report.adjustment_table(effects)
    if table.empty:
        return
    st.subheader(t("report.adjustment_title", lang))
    label = lambda c: export.column_label(c, lang)  # noqa: E731 - headers in the page's language
    money = {label(c): st.column_config.NumberColumn(format="%+,.2f") for c in table.columns[3:9]}
    _ui.table(
        export.localized(table, lang),
        file_stem="adjustment",
        excel_key="adjustment_excel",
        hide_index=True,
        width="stretch",
        column_config=money
        | {label("variance reduction"): st.column_config.NumberColumn(format="percent")},
    )
    st.caption(t("results.adjustment_caption", lang))


def render(
    analysis: metrics.ExperimentAnalysis,
    lang: Lang = DEFAULT_LANGUAGE,
    *,
    edit_split: bool = False,
) -> None:
    """Decision cards, warnings, lever comparison and charts: what management reads.

    The cards, the lever table and the head to head follow the design rule; when the page's
    settings differ from it, the rest is an exploratory view and says so. `edit_split`: an
    editor may give the real planned split where the check assumed an equal one (the
    Results page; never the shared report)."""
    official, differences = official_for(analysis, lang)
    experiment = analysis.experiment
    if lang == "en":
        st.caption(
            f"Status **{analysis.horizon_progress.text}** · {sum(a.n for a in analysis.arms):,} "
            f"customers in {len(analysis.arms)} arms · horizon **{analysis.horizon_days} days** · "
            f"data {str(analysis.first_ts)[:10]} to {str(analysis.last_ts)[:10]} · money effects: "
            + stats.money_estimand_label(analysis.settings.cap, analysis.settings.cap_percentile)
        )
    else:
        formatter = _ui.fmt()
        st.caption(
            t(
                "results.status_line",
                lang,
                status=report.status_word(analysis, lang),  # the line has its dates
                customers=formatter.count(sum(a.n for a in analysis.arms), "customers"),
                arms=formatter.count(len(analysis.arms), "arms"),
                horizon=formatter.count(analysis.horizon_days, "days"),
                first=_short_date(analysis.first_ts),
                last=_short_date(analysis.last_ts),
                estimand=report.estimand_label(
                    analysis.settings.cap,
                    analysis.settings.cap_percentile,
                    lang,
                    currency=_ui.currency(),
                ),
            )
        )
    for warning in analysis.warnings:
        st.warning(_ui.plain(warning.text(lang)), icon=":material/warning:")

    if differences:
        st.info(
            t("results.exploratory", lang, differences="; ".join(differences)),
            icon=":material/explore:",
        )

    st.subheader(t("report.decisions", lang))
    decisions = decision.decide(
        official, exploratory=bool(differences), lang=lang, currency=_ui.currency()
    )
    rule = decisions[0].rule if decisions else decision.rule_of(experiment)
    rule_text = rule.describe(lang).rstrip(".") if rule else ""  # the line ends the sentence
    st.caption(t("results.rule_line", lang, rule=_ui.plain(rule_text)))
    basis = _ui.plain(report.money_basis(official, lang=lang))  # arm names are typed by users
    card_basis = _ui.plain(report.money_basis(official, short=True, lang=lang))
    for d in decisions:
        icon, color = VERDICT_STYLE[d.label]
        with st.container(border=True):
            st.markdown(
                f"**{_ui.plain(d.statement)}** &nbsp; :{color}-badge[{icon} {d.label_in(lang)}]"
            )
            for reason in d.reasons:
                st.caption(_ui.plain(reason))
            st.caption(f":material/payments: {card_basis}")
    if edit_split:  # where the check assumed the equal split and it does not fit
        offered = official.srm.mismatch and official.srm.plan_assumed_equal
        _ui.split_editor(experiment, f"split_{experiment.id}", offered=offered)
    with st.expander(t("results.how_decided", lang)):
        for text in decision.rules(lang):
            st.markdown(f"- {text}")

    st.subheader(t("report.lever_title", lang))
    columns = report.lever_columns(lang, _ui.currency())
    _ui.table(
        report.lever_table(decisions, lang, _ui.currency()),
        file_stem="levers",
        excel_key="levers_excel",
        hide_index=True,
        width="stretch",
        column_config={
            columns["best"]: st.column_config.ProgressColumn(
                format="percent",
                min_value=0.0,
                max_value=1.0,
                help=t("results.lever.best_help", lang),
            ),
            columns["net"]: st.column_config.NumberColumn(
                format="%+.0f", help=t("results.lever.net_help", lang)
            ),
            columns["cost"]: st.column_config.NumberColumn(
                format="%.0f",
                help=t("results.lever.cost_help", lang),
            ),
            columns["repeat"]: st.column_config.NumberColumn(format="%+.1f"),
        },
    )
    st.caption(f"{t('report.lever_caption', lang)} {basis}")

    matchups = decision.head_to_head(official, lang=lang, currency=_ui.currency())
    if matchups:
        st.subheader(t("report.head_to_head_title", lang))
        for m in matchups:
            icon = ":material/check_circle:" if m.clear else ":material/drag_handle:"
            st.markdown(f"{icon} {_ui.plain(m.sentence)}")
        st.caption(f"{t('report.head_to_head_caption', lang)} {basis}")

    render_adjustment(analysis.effects, lang)
    money = _ui.currency()
    specs = {spec.name: spec for spec in report.figure_specs(analysis, lang, money)}
    for spec in visible_figures(analysis, lang, money):
        draw(analysis, spec, lang)

    distribution = section(
        t("results.section.distribution", lang), "section_distribution", ":material/bar_chart:"
    )
    with distribution:
        if distribution.open:
            draw(analysis, specs["distribution"], lang)
    segments = section(t("results.section.segments", lang), "section_segments", ":material/group:")
    with segments:
        if segments.open:
            draw(
                analysis,
                report.FigureSpec(
                    "segments",
                    lambda: charts.segments_figure(analysis, lang=lang, currency=_ui.currency()),
                    t("results.segments_caption", lang),
                ),
                lang,
            )
    effects = section(t("results.section.effects", lang), "section_effects", ":material/table:")
    with effects:
        if effects.open:
            _ui.table(
                export.localized(report.effects_table(analysis), lang),
                file_stem="effects",
                excel_key="effects_section_excel",
                hide_index=True,
                width="stretch",
            )
    render_glossary(lang)


def render_glossary(lang: Lang = DEFAULT_LANGUAGE) -> None:
    """The words a marketer meets on the page (CUPED, Holm/BH, ...), in plain language: the
    same glossary the HTML report ends with (`i18n.glossary`)."""
    with st.expander(t("report.glossary", lang), icon=":material/menu_book:"):
        for term, text in glossary(lang):
            st.markdown(f"**{term}** — {text}")


_PROJECTIONS_KEPT = 16
_ProjectionKey = tuple[int, int, int, str, str]
_projections: OrderedDict[_ProjectionKey, clv.ProjectionResult] = OrderedDict()
_projections_lock = threading.Lock()
_fitting: dict[_ProjectionKey, threading.Lock] = {}


def _projection(
    experiment_id: int,
    bootstrap: int,
    version: int,
    db: str,
    progress: Progress | None = None,
    source: Source | None = None,
) -> clv.ProjectionResult:
    """The projection of (experiment, bootstrap, store version, store, source: its follow-up
    read there), fitted once per process and shared by every session. Not st.cache_data: the
    progress bar belongs to the session that fits, and a cached value replayed into another
    session's (or a later run's) page failed with CacheReplayClosureError. A session asking
    while another fits waits for that fit."""
    key = (int(experiment_id), int(bootstrap), int(version), db, _ui.source_key(source))
    with _projections_lock:
        fitting = _fitting.setdefault(key, threading.Lock())
    with fitting:
        with _projections_lock:
            found = _projections.get(key)
            if found is not None:
                _projections.move_to_end(key)
                return found
        result = clv.project_arms(
            _ui.get_store(),
            experiment_id,
            months=12,
            bootstrap=bootstrap,
            progress=progress,
            source=source,
        )
        with _projections_lock:
            _projections[key] = result
            while len(_projections) > _PROJECTIONS_KEPT:
                _projections.popitem(last=False)
            _fitting.pop(key, None)
    return result


def render_projection(
    experiment_id: int,
    bootstrap: int = config.CLV_BOOTSTRAP_REPLICATES,
    lang: Lang = DEFAULT_LANGUAGE,
) -> None:
    """Model-based 12-month CLV per arm (BG/NBD + Gamma-Gamma), beside the observed window."""
    st.subheader(t("results.projection.title", lang))
    st.caption(t("results.projection.caption", lang))
    key = f"projection_{experiment_id}"
    source = _ui.source()  # the configured source: the follow-up is read there
    if source_engine.is_remote(source) and not st.session_state.get(key):
        assert source is not None
        rows = _ui.cached_query(source_engine.projection_rows, experiment_id)
        st.info(
            t(
                "source.projection_ask",
                lang,
                rows=_ui.count(rows),
                source=_ui.plain(source.redacted()),
            )
        )
    if not st.session_state.get(key) and not st.button(
        t("results.projection.button", lang), icon=":material/trending_up:", key=f"{key}_button"
    ):
        return
    st.session_state[key] = True
    bar = st.progress(0.0, text=t("clv.projection.fitting", lang))
    try:
        result = _projection(
            experiment_id,
            bootstrap,
            _ui.store_version(),
            str(config.db_path()),
            _ui.streamlit_progress(bar),
            source,
        )
    except SourceError as error:
        bar.empty()
        st.error(t("source.error", lang, message=_ui.plain(str(error))))
        return
    bar.empty()  # runs only on a cache miss; a cached projection appears at once
    if result.status != "ok":
        reasons = " ".join(
            f"{a.name}: {_ui.say(a.message)}" for a in result.arms if a.status != "ok"
        )
        said = _ui.say(result.message) if result.message else ""
        message = f"{said or t('clv.projection.not_enough_data', lang)} {reasons}"
        st.warning(_ui.plain(message))
        return
    for arm in result.arms:
        if arm.status == "withheld":
            st.warning(f"{_ui.plain(arm.name)}: {_ui.plain(_ui.say(arm.message))}")
    held_back = t("clv.projection.held_back", lang, days=result.holdout_days)
    confidence = _ui.fmt().percent(result.confidence, 0)
    values: dict[str, dict[str, object]] = {
        "observed": {"currency": _ui.fmt().currency_symbol},  # ru '₽', en 'RUB', '€'
        "projected": {"currency": _ui.fmt().currency_symbol},
        "ci_low": {"confidence": confidence},
        "ci_high": {"confidence": confidence},
        "check_predicted": {"held_back": held_back},
        "check_actual": {"held_back": held_back},
    }
    names = ("arm", "observed", "projected", "difference", *list(values)[2:], "fit")
    col = {name: t(f"clv.projection.col.{name}", lang, **values.get(name, {})) for name in names}
    signed = ("difference", "ci_low", "ci_high", "check_predicted", "check_actual")
    _ui.table(
        [
            {
                col["arm"]: a.name,
                col["observed"]: a.observed_margin,
                col["projected"]: a.projected_clv,
                col["difference"]: a.difference,
                col["ci_low"]: a.ci_lower,
                col["ci_high"]: a.ci_upper,
                col["check_predicted"]: a.check.predicted_difference if a.check else None,
                col["check_actual"]: a.check.actual_difference if a.check else None,
                col["fit"]: t(f"clv.projection.status.{a.status}", lang)
                + ("" if a.status == "ok" else f": {_ui.say(a.message)}"),
            }
            for a in result.arms
        ],
        file_stem="clv-projection",
        excel_key="projection_excel",
        hide_index=True,
        width="stretch",
        column_config={
            col[name]: st.column_config.NumberColumn(format="%+.0f" if name in signed else "%.0f")
            for name in ("observed", "projected", *signed)
        },
    )
    st.caption(
        t(
            "clv.projection.bootstrap",
            lang,
            basis=_ui.plain(_ui.say(result.basis)),  # names arms when a fit is the limit
            count=result.bootstrap,
            check_rule=_ui.say(result.check_rule),
        )
    )


# -- experiments from uploaded campaign result files ---------------------------------------------
NO_COVARIATE = "none"
# the yes/no spellings a result file may use (what analysis_file reads as a rate), as each
# language's readers would recognise them
YES_NO_VALUES = {"en": "да/нет, yes/no, true/false, 1/0, +/-", "ru": "да/нет, 1/0, +/-"}


def is_results_file(experiment: Experiment) -> bool:
    """The experiment's outcomes come from an uploaded result file, not from transactions: it
    was made from one, or a result file was attached to it (its arms and costs then come from
    the experiment, its outcomes from the file)."""
    if experiment.from_results_file:
        return True
    return bool(file_uploads(experiment.id))


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
    params: dict[str, str],
    fields: list[results_sql.ResultField],
    experiment: Experiment | None = None,
) -> FileSettings:
    """Settings from query parameters; unknown fields are dropped, absent ones get defaults
    (confidence and correction: the experiment's design rule)."""
    numeric = numeric_fields(fields)
    covariate_text = params.get("covariate")
    if covariate_text is None:
        covariate = analysis_file.suggest_covariate(fields)
    else:
        covariate = covariate_text if covariate_text in numeric else None
    chosen = [m for m in params.get("metrics", "").split(",") if m in numeric and m != covariate]
    base = settings_from(params, experiment, with_horizon=False)
    return FileSettings(
        metrics=tuple(dict.fromkeys(chosen or analysis_file.default_metrics(fields, covariate))),
        covariate=covariate,
        correction=base.correction,
        cap=base.cap,
        confidence=base.confidence,
    )


def pick_file_settings(
    experiment_id: int,
    fields: list[results_sql.ResultField],
    start: FileSettings,
    lang: Lang = DEFAULT_LANGUAGE,
) -> FileSettings:
    """The metric and covariate pickers of the Results page (the report view has none)."""
    numeric = numeric_fields(fields)
    left, right = st.columns([3, 2])
    covariate_options = [NO_COVARIATE, *numeric]
    covariate = right.selectbox(
        t("results.file.covariate", lang),
        covariate_options,
        index=covariate_options.index(start.covariate or NO_COVARIATE),
        key=f"file_covariate_{experiment_id}",
        format_func=lambda c: t("results.file.no_covariate", lang) if c == NO_COVARIATE else c,
        help=t("results.file.covariate.help", lang),
    )
    chosen_covariate = None if covariate == NO_COVARIATE else str(covariate)
    metrics_chosen = left.multiselect(
        t("results.file.metrics", lang),
        [m for m in numeric if m != chosen_covariate],
        default=[m for m in start.metrics if m != chosen_covariate],
        key=f"file_metrics_{experiment_id}",
        help=t("results.file.metrics.help", lang),
    )
    text_fields = [f.field for f in fields if not f.numeric and f.field != results_sql.ARM_COLUMN]
    if text_fields:  # say why a column is not offered rather than let it vanish
        left.caption(
            t(
                "results.file.text_fields",
                lang,
                fields=", ".join(_ui.plain(f) for f in text_fields),
                values=YES_NO_VALUES[lang],
            )
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


def official_file_for(
    experiment: Experiment,
    settings: FileSettings,
    view: analysis_file.FileAnalysis,
    lang: Lang = DEFAULT_LANGUAGE,
) -> tuple[analysis_file.FileAnalysis, list[str]]:
    """The result-file analysis the verdict is read from - the design rule's confidence and
    correction, the default estimator - and how the view's settings differ from it."""
    rule = rule_for(experiment)
    defaults = metrics.AnalysisSettings()
    official = FileSettings(
        settings.metrics, settings.covariate, rule.correction, defaults.cap, rule.confidence
    )
    differences = decision.exploratory_differences(
        metrics.AnalysisSettings(
            cap=settings.cap,
            correction=settings.correction,
            confidence=settings.confidence,  # type: ignore[arg-type]
        ),
        metrics.AnalysisSettings(
            cap=official.cap,
            correction=official.correction,
            confidence=official.confidence,  # type: ignore[arg-type]
        ),
        lang,
    )
    if not differences:
        return view, []
    return file_analysis_for(experiment.id, official), differences


def render_file(
    experiment: Experiment,
    analysis: analysis_file.FileAnalysis,
    settings: FileSettings | None = None,
    lang: Lang = DEFAULT_LANGUAGE,
    *,
    edit_split: bool = False,
) -> None:
    """The results of a campaign result file: where the data came from, arms, verdicts, effects.

    The verdict cards follow the experiment's design rule; other settings make the rest an
    exploratory view, labelled. `edit_split`: as `render`'s (the Results page's editor gives
    the real planned split)."""
    official, differences = (
        official_file_for(experiment, settings, analysis, lang) if settings else (analysis, [])
    )
    uploads = file_uploads(experiment.id)
    if lang == "en":
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
    else:
        formatter = _ui.fmt()
        files = ", ".join(
            t(
                "results.file.upload",
                lang,
                name=_ui.plain(u.file_name),
                rows=formatter.count(u.rows, "rows"),
                loaded=str(u.loaded_at),
            )
            for u in uploads
        )
        st.caption(
            t(
                "results.file.source",
                lang,
                files=files or t("report.none", lang),
                rows=formatter.count(sum(a.n for a in analysis.arms), "rows"),
                arms=formatter.count(len(analysis.arms), "arms"),
                control=_ui.plain(analysis.control),
            )
            + (
                t("results.file.cuped_on", lang, field=_ui.plain(analysis.covariate))
                if analysis.covariate
                else ""
            )
        )
    if analysis.lever_costs:
        costs = "; ".join(
            f"{_ui.plain(arm)}: {cost.describe()}"
            for arm, cost in analysis.lever_costs.items()
            if cost.kind != "control"
        )
        if analysis.money_field is not None and analysis.margin_rate is not None:
            st.caption(
                t(
                    "results.file.net_value",
                    lang,
                    rate=_ui.pct(analysis.margin_rate, 0),
                    field=_ui.plain(analysis.money_field),
                    costs=costs,
                )
            )
        else:
            st.warning(
                t("results.file.no_money", lang, costs=costs),
                icon=":material/payments:",
            )
    if analysis.srm.mismatch:
        st.warning(
            t("results.file.srm", lang, p=f"{analysis.srm.p_value:.2g}"),
            icon=":material/warning:",
        )
    st.subheader(t("report.arms", lang))
    arms = analysis_file.arms_table(analysis)
    _ui.table(
        export.localized(arms, lang),
        file_stem="arms",
        excel_key="file_arms_excel",
        hide_index=True,
        width="stretch",
        column_config={
            export.column_label(c, lang): st.column_config.NumberColumn(format="%.2f")
            for c in arms.columns
            if c not in ("arm", "role", "customers", "expected")
        }
        | {export.column_label("expected", lang): st.column_config.NumberColumn(format="%.0f")},
    )
    if not analysis.ok:
        st.warning(
            t("results.file.insufficient", lang, note=_ui.plain(analysis.note)),
            icon=":material/help:",
        )
        return
    if analysis.note:
        st.caption(_ui.plain(analysis.note))

    metric = next(iter(analysis.metrics))
    if differences:
        st.info(
            t("results.file.exploratory", lang, differences="; ".join(differences)),
            icon=":material/explore:",
        )
    st.subheader(t("report.decisions", lang))
    for d in decision.decide_file(official, metric, lang=lang, currency=_ui.currency()):
        icon, color = VERDICT_STYLE[d.label]
        with st.container(border=True):
            st.markdown(
                f"**{_ui.plain(d.statement)}** &nbsp; :{color}-badge[{icon} {d.label_in(lang)}]"
            )
            for reason in d.reasons:
                st.caption(_ui.plain(reason))
    if edit_split:  # where the check assumed the equal split and it does not fit
        offered = official.srm.mismatch and official.srm.plan_assumed_equal
        _ui.split_editor(experiment, f"split_{experiment.id}", offered=offered)
    with st.expander(t("results.how_decided", lang)):
        for rule in decision.file_rules(lang):
            st.markdown(f"- {rule}")

    st.plotly_chart(
        charts.forest_figure(
            [e.as_json() for e in stats.headline_effects(analysis.effects)],
            confidence=1 - analysis.alpha,
            units={m: analysis_file.metric_unit(analysis, m) for m in analysis.metrics},
            adjusted_for=t("chart.forest.adjusted_field", lang, field=analysis.covariate),
            lang=lang,
            currency=_ui.currency(),
        ),
        width="stretch",
    )
    st.caption(t("results.file.forest_caption", lang, forest=t("report.forest_caption", lang)))
    render_adjustment(analysis.effects, lang)
    st.subheader(t("results.file.effects", lang))
    headers = (
        {"rel_lift": "relative lift", "p_value": "p", "p_adjusted": "adjusted p"}
        if lang == "en"
        else {c: export.column_label(c, lang) for c in ("rel_lift", "p_value", "p_adjusted")}
    )
    _ui.table(
        export.localized(analysis_file.effects_table(analysis), lang),
        file_stem="effects",
        excel_key="file_effects_excel",
        hide_index=True,
        width="stretch",
        column_config={
            export.column_label("rel_lift", lang): st.column_config.NumberColumn(
                headers["rel_lift"], format="percent"
            ),
            export.column_label("p_value", lang): st.column_config.NumberColumn(
                headers["p_value"], format="%.2g"
            ),
            export.column_label("p_adjusted", lang): st.column_config.NumberColumn(
                headers["p_adjusted"], format="%.2g"
            ),
        },
    )
    if lang == "en":
        st.caption(
            f"p-values adjusted for {len(analysis.metrics)} metric(s) x "
            f"{len(analysis.arms) - 1} arm(s) by '{analysis.correction}'. Money metrics "
            + (
                f"capped: effects are the {stats.money_estimand_label(True)}."
                if analysis.cap
                else "not capped: effects are the mean difference per customer."
            )
        )
    else:
        st.caption(
            t(
                "results.file.p_adjusted",
                lang,
                metrics=len(analysis.metrics),
                arms=len(analysis.arms) - 1,
                correction=t(f"correction.{analysis.correction}", lang),
                money=report.cap_note(analysis.cap, lang),
            )
        )
    render_glossary(lang)
