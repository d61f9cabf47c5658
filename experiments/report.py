"""Exports for management: a self-contained HTML report and the effects table as CSV / XLSX."""

from __future__ import annotations

import html
import math
import numbers
import os
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from experiments import analysis_file, charts, config, decision, export, metrics, stats
from experiments.experiment import Experiment
from experiments.i18n import DEFAULT_LANGUAGE, Formatter, Lang, glossary, t
from experiments.i18n import MESSAGES as _MESSAGES
from experiments.i18n.text import Text
from experiments.metrics import ExperimentAnalysis

METHOD_NOTE_KEYS = ("repeat", "money", "net_value", "correction", "sequential")
FILE_METHOD_NOTE_KEYS = ("file_tests", "file_correction")


def method_notes(lang: Lang = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """The report's method notes for a designed experiment (report.note.*)."""
    return tuple(t(f"report.note.{key}", lang) for key in METHOD_NOTE_KEYS)


METHOD_NOTES = method_notes()  # English; the text lives in the catalogue


def _currency_word(currency: str, lang: Lang) -> str:
    """The money's name inside a sentence: 'roubles' / 'рублях' (report.currency_word.*),
    else the currency code."""
    key = f"report.currency_word.{currency}"
    return t(key, lang) if key in _MESSAGES else currency


def estimand_label(
    cap: bool,
    percentile: float = config.DEFAULT_CAP_PERCENTILE,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> str:
    """What a money effect estimates, in words, in the store's currency ('mean difference per
    customer, in roubles' / 'in EUR'; `stats.money_estimand_label` is its English for JSON)."""
    word = _currency_word(currency or config.CURRENCY, lang)
    if not cap:
        return t("report.estimand.mean", lang, currency=word)
    return t("report.estimand.capped", lang, percentile=f"{percentile:g}", currency=word)


def cap_note(cap: bool, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None) -> str:
    """The method note on capping: which estimand the money effects are."""
    if cap:
        estimand = estimand_label(True, lang=lang, currency=currency)
        return t("report.note.capped", lang, estimand=estimand)
    return t("report.note.uncapped", lang)


def effects_table(analysis: ExperimentAnalysis) -> pd.DataFrame:
    """The effects as a flat table (one row per arm x metric x method), for CSV/XLSX."""
    rows = [{**e.as_json(), "horizon_days": analysis.horizon_days} for e in analysis.effects]
    columns = [
        "arm", "metric", "method", "horizon_days", "control_mean", "arm_mean", "diff",
        "ci_low", "ci_high", "rel_lift", "rel_ci_low", "rel_ci_high", "p_value", "p_adjusted",
        "n_control", "n_arm", "variance_reduction", "status", "note", "covariates",
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["covariates"] = [", ".join(c) if isinstance(c, list) else "" for c in frame.covariates]
    return frame


ADJUSTMENT_TITLE = t("report.adjustment_title", "en")
ADJUSTMENT_CAPTION = (
    "The same effect estimated twice: from the difference in means alone (unadjusted, Welch) "
    "and adjusted for what each customer did before assignment (CUPED: Lin's regression with "
    "arm-specific slopes and a heteroskedasticity-robust variance). Both estimate the same "
    "difference; the adjusted one is narrower by the variance reduction shown, and it is the "
    "one the verdicts read."
)


def adjustment_table(effects: Sequence[stats.Effect]) -> pd.DataFrame:
    """One row per (baseline, arm, metric) with a CUPED row: the unadjusted estimate and
    interval beside the adjusted one, the variance reduction and the covariates used."""
    unadjusted = {(e.baseline, e.arm, e.metric): e for e in effects if e.method in ("welch", "z")}
    rows = []
    for e in effects:
        if e.method != "cuped":
            continue
        plain = unadjusted.get((e.baseline, e.arm, e.metric))
        rows.append(
            {
                "arm": e.arm,
                "vs": e.baseline,
                "metric": e.metric,
                "unadjusted": plain.diff if plain else None,
                "unadjusted CI low": plain.ci_low if plain else None,
                "unadjusted CI high": plain.ci_high if plain else None,
                "adjusted (CUPED)": e.diff,
                "adjusted CI low": e.ci_low,
                "adjusted CI high": e.ci_high,
                "variance reduction": e.variance_reduction,
                "covariates": ", ".join(e.covariates) if e.ok else f"insufficient data: {e.note}",
            }
        )
    columns = [
        "arm", "vs", "metric", "unadjusted", "unadjusted CI low", "unadjusted CI high",
        "adjusted (CUPED)", "adjusted CI low", "adjusted CI high", "variance reduction",
        "covariates",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def lever_columns(lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None) -> dict[str, str]:
    """The lever table's number columns, by key (net, cost, repeat, best)."""
    money = Formatter(lang, currency or config.CURRENCY).currency_symbol  # '₽', 'RUB', '€'
    return {
        "net": t("report.col.net", lang, currency=money),
        "cost": t("report.col.cost", lang, currency=money),
        "repeat": t("report.col.repeat", lang),
        "best": t("report.col.best", lang),
    }


LEVER_TITLE = t("report.lever_title", "en")
LEVER_COLUMNS = lever_columns()
LEVER_CAPTION = t("report.lever_caption", "en")
HEAD_TO_HEAD_TITLE = t("report.head_to_head_title", "en")
HEAD_TO_HEAD_CAPTION = t("report.head_to_head_caption", "en")
FOREST_CAPTION = t("report.forest_caption", "en")


def margin_rate_text(analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE) -> str:
    """'35% (the store setting)': the margin rate behind the net values and where it is set."""
    source_key = f"report.margin_source.{analysis.margin_rate_source}"
    source = t(source_key, lang) if source_key in _MESSAGES else analysis.margin_rate_source
    percent = round(analysis.margin_rate * 100, 1)
    rate = Formatter(lang).percent(analysis.margin_rate, 0 if percent == int(percent) else 1)
    return f"{rate} ({source})"


def discount_cost_text(analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE) -> str | None:
    """How the discount arms' cost was obtained, or None without a discount arm."""
    cost = analysis.discount_cost
    if not cost.arms:
        return None
    if not cost.estimated:
        return t("report.discount.data", lang)
    fmt = Formatter(lang)
    parts = []
    for arm, (pct, share) in cost.arms.items():
        text = fmt.percent(pct / 100, 0 if pct == int(pct) else 1)
        if share < 1:
            text = t("report.discount.part_share", lang, pct=text, share=fmt.percent(share, 0))
        if len(cost.arms) > 1:
            text += t("report.discount.part_arm", lang, arm=arm)
        parts.append(text)
    return t("report.discount.configured", lang, parts=", ".join(parts))


def money_basis(
    analysis: ExperimentAnalysis, *, short: bool = False, lang: Lang = DEFAULT_LANGUAGE
) -> str:
    """The sentence shown next to every net value: the margin rate behind it and, with a
    discount arm, where the discount's cost comes from. `short`: for a decision card."""
    rate = margin_rate_text(analysis, lang)
    if short:
        text = t("report.basis.short", lang, rate=rate)
    else:
        text = t("report.basis.long", lang, rate=rate)
        if analysis.margin_rate_source == "default":
            text += t("report.basis.default_hint", lang)
    if discount := discount_cost_text(analysis, lang):
        text += t("report.basis.discount", lang, how=discount)
    return text + "."


def lever_table(
    decisions: list[decision.Decision],
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> pd.DataFrame:
    """Which lever pays best: one row per lever, in the decisions' order (best net value first).

    The cost is what the lever cost per customer over the horizon, discounts given included,
    so a discount's cost shows next to a gift's or a call's instead of reading 0.
    """
    columns = lever_columns(lang, currency)
    lever, kind, verdict = (t(f"report.col.{c}", lang) for c in ("lever", "kind", "verdict"))
    rows = [
        {
            lever: d.arm,
            kind: export.cell_label("kind", d.kind, lang),  # English keeps the code
            columns["net"]: d.net_value.diff if d.net_value else None,
            columns["cost"]: d.lever_cost,
            columns["repeat"]: d.primary.diff * 100
            if d.primary and d.primary.diff is not None and d.primary.metric == "repeat_purchase"
            else None,
            columns["best"]: d.probability_best,
            verdict: d.label_in(lang),
        }
        for d in decisions
    ]
    return pd.DataFrame(rows, columns=[lever, kind, *columns.values(), verdict])


def _lever_table_html(
    decisions: list[decision.Decision], lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> pd.DataFrame:
    """The lever table with its numbers as text, formatted as the page shows them."""
    table = lever_table(decisions, lang, currency)
    columns = lever_columns(lang, currency)
    fmt = Formatter(lang, currency or config.CURRENCY)
    cells: dict[str, object] = {
        "net": lambda v: fmt.money(v, signed=True, digits=0),
        "cost": lambda v: fmt.money(v, digits=0),
        "repeat": lambda v: fmt.points(v / 100),
        "best": lambda v: fmt.percent(v, 0),
    }
    for key, write in cells.items():
        column = columns[key]
        table[column] = [
            "–" if v is None or pd.isna(v) else write(v)  # type: ignore[operator]
            for v in table[column]
        ]
    return table


def _adjustment_section(
    effects: Sequence[stats.Effect], lang: Lang = DEFAULT_LANGUAGE
) -> list[tuple[str, pd.DataFrame]]:
    """The adjusted-vs-unadjusted table as a report section, when there are CUPED rows."""
    table = adjustment_table(effects)
    if not table.empty and lang != "en":
        table["covariates"] = [
            _covariates(str(v), lang)
            if not str(v).startswith("insufficient data: ")
            else t("report.effect_status.insufficient_data", lang)
            for v in table["covariates"]
        ]
    return [] if table.empty else [(t("report.adjustment_title", lang), table)]


def _covariates(names: str, lang: Lang) -> str:
    """'pre_spend_capped, rfm_segment=new, rfm_segment=loyal' -> 'траты до эксперимента (с
    обрезкой), RFM-сегмент': the segment's indicator columns are one covariate to a reader."""
    out: list[str] = []
    for name in (n.strip() for n in names.split(",")):
        key = "report.covariate." + ("segment" if name.startswith("rfm_segment") else name)
        text = t(key, lang) if key in _MESSAGES else name
        if text not in out:
            out.append(text)
    return ", ".join(out)


def effects_csv(analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE) -> bytes:
    """CSV with a UTF-8 BOM so Excel opens it with the right characters; headers in `lang`."""
    return export.csv(export.localized(effects_table(analysis), lang))


def arms_frame(analysis: ExperimentAnalysis) -> pd.DataFrame:
    """Each arm's size, allocation and cost (the XLSX 'arms' sheet)."""
    return pd.DataFrame([a.as_json() for a in analysis.arms]).drop(
        columns=["means", "pre_period", "repeat_by_horizon"]
    )


def effects_xlsx(analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE) -> bytes:
    """The effects and the arms as two sheets, headers and sheet names in `lang`."""
    return export.xlsx(
        {
            t("sheet.effects", lang): export.localized(effects_table(analysis), lang),
            t("sheet.arms", lang): export.localized(arms_frame(analysis), lang),
        }
    )


BASE_URL_ENV = "LOYALTY_LAB_BASE_URL"  # as pages/_ui.base_url reads it
SECRETS_FILE = Path(".streamlit") / "secrets.toml"  # [share] base_url, as st.secrets reads it


def configured_base_url(explicit: str | None = None, secrets: Path = SECRETS_FILE) -> str | None:
    """Where colleagues open the app, as the Results page finds it (`pages/_ui.base_url`):
    the explicit value (the CLI's --base-url), else `[share] base_url` in the app's
    .streamlit/secrets.toml, else $LOYALTY_LAB_BASE_URL; None when none is configured (the
    page falls back on its own address, which a command line does not have)."""
    if explicit and explicit.strip():
        return explicit.strip().rstrip("/")
    try:
        with secrets.open("rb") as file:
            share = tomllib.load(file).get("share", {})
    except (OSError, tomllib.TOMLDecodeError):
        share = {}
    value = share.get("base_url") if isinstance(share, dict) else None
    value = str(value or "").strip() or os.environ.get(BASE_URL_ENV, "").strip()
    return value.rstrip("/") or None


def live_view_link(
    base_url: str | None,
    experiment_id: int,
    lang: Lang,
    settings: metrics.AnalysisSettings | None = None,
) -> str | None:
    """The report view of an experiment on the app, in the report's language and with the
    report's settings (horizon, capping, adjustment, correction, confidence), so it opens on
    the same numbers; None without a base URL."""
    if not base_url:
        return None
    from experiments import share
    from experiments.i18n import LANG_PARAM

    params = {"experiment": str(experiment_id), share.VIEW_PARAM: "report", LANG_PARAM: lang}
    if settings is not None:
        params.update(metrics.settings_options(settings))
    return share.share_url(base_url, "", params)


def payback_caption(
    analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> str:
    """Under the payback chart: when each lever paid back, with confidence or not yet."""
    words = decision.Words(lang, currency or config.CURRENCY)
    lines = " ".join(decision.timing_statement(p, words) for p in analysis.payback.values())
    return t("report.payback_caption", lang, lines=lines, rule=t("timing.payback.rule", lang))


def fading_caption(
    analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> str:
    """Under the decay chart: the fading test's result per lever (the buckets are not it)."""
    words = decision.Words(lang, currency or config.CURRENCY)
    lines = " ".join(decision.timing_statement(f, words) for f in analysis.fading.values())
    return t("report.fading_caption", lang, lines=lines, rule=t("timing.fading.rule", lang))


def _forest_parts(
    effects: Sequence[stats.Effect], caption: str, **options: object
) -> list[tuple[go.Figure, str]]:
    """The forest as one figure per metric, one under the other (its side-by-side panels in one
    figure overlapped their titles at 390 px). Every part but the last has the caption ''
    (the report draws such parts as one group with the next, the title on the first)."""
    rows = [e.as_json() for e in stats.headline_effects(effects)]
    metrics = list(dict.fromkeys(str(r["metric"]) for r in rows)) or [""]
    parts = [
        charts.forest_figure([r for r in rows if r["metric"] == m], **options)  # type: ignore[arg-type]
        for m in metrics
    ]
    height = max(int(f.layout.height or 0) for f in parts) or None
    for fig in parts:
        fig.update_layout(height=height)
    return [(fig, "" if i < len(parts) - 1 else caption) for i, fig in enumerate(parts)]


@dataclass(frozen=True)
class FigureSpec:
    """One chart of the report, built only when drawn (`build`), with its caption.

    Attributes:
        name: stable identifier (a cache key with the analysis).
        build: makes the plotly figure.
        caption: the one-line caption under it.
    """

    name: str
    build: Callable[[], go.Figure]
    caption: str


def figure_specs(
    analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> list[FigureSpec]:
    """The Results page's charts, not yet built, in the order they are shown."""
    return [
        FigureSpec(
            "forest",
            lambda: charts.forest_figure(
                [e.as_json() for e in stats.headline_effects(analysis.effects)],
                confidence=analysis.settings.confidence,
                lang=lang,
                currency=currency,
            ),
            t("report.forest_caption", lang),
        ),
        FigureSpec(
            "repeat",
            lambda: charts.arm_repeat_figure(analysis, lang),
            t("report.repeat_caption", lang),
        ),
        FigureSpec(
            "payback",
            lambda: charts.payback_figure(analysis, lang, currency),
            payback_caption(analysis, lang, currency),
        ),
        FigureSpec(
            "decay",
            lambda: charts.decay_figure(analysis, lang, currency),
            fading_caption(analysis, lang, currency),
        ),
        FigureSpec(
            "distribution",
            lambda: charts.net_value_distribution_figure(analysis, lang, currency),
            t("report.distribution_caption", lang),
        ),
    ]


def figures(
    analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> list[tuple[go.Figure, str]]:
    """The Results page's charts with the one-line caption under each."""
    return [(spec.build(), spec.caption) for spec in figure_specs(analysis, lang, currency)]


def report_figures(
    analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE, currency: str | None = None
) -> list[tuple[go.Figure, str]]:
    """The HTML report's charts: the page's, with the forest as one chart per metric (a part
    of a group has the caption '')."""
    forest = _forest_parts(
        analysis.effects,
        t("report.forest_caption", lang),
        confidence=analysis.settings.confidence,
        lang=lang,
        currency=currency,
    )
    return [*forest, *figures(analysis, lang, currency)[1:]]


def _wrap(text: str, width: int = 40) -> str:
    """A chart title in lines of at most `width` characters (plotly never wraps a title, so a
    long one ran off a phone's screen)."""
    lines: list[str] = []
    for paragraph in text.split("<br>"):
        line = ""
        for word in paragraph.split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    return "<br>".join(lines)


def phone_layout(fig: go.Figure, *, titled: bool = True) -> go.Figure:
    """A copy of a chart that reflows to its box: no fixed width, the title (and subtitle)
    wrapped and left-aligned above the plot, the legend below it.

    Args:
        fig: the chart as `experiments.charts` builds it (its texts are left as they are).
        titled: False for a group's later parts: the title is the first part's.
    """
    fig = go.Figure(fig)
    title = (fig.layout.title.text or "") if titled else ""
    subtitle = (fig.layout.title.subtitle.text or "") if titled else ""
    title, subtitle = _wrap(title), _wrap(subtitle, 48)
    lines = (title.count("<br>") + 1 if title else 0) + (
        subtitle.count("<br>") + 1 if subtitle else 0
    )
    panel_titles = any(
        a.yref == "paper" and (a.y or 0) >= 1 for a in fig.layout.annotations or ()
    )  # a subplot's title sits above its plot, under the chart's title
    top = 24 + 19 * lines + (26 if panel_titles else 0)
    fig.update_layout(
        autosize=True,
        width=None,
        title={
            "text": title,
            "subtitle": {"text": subtitle},
            "x": 0,
            "xanchor": "left",
            "xref": "paper",
            "font": {"size": 14},
        },
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.2, "yanchor": "top"},
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
    "color:#222;padding:0 1em;overflow-wrap:anywhere}a{overflow-wrap:anywhere;"
    "word-break:break-word}.card{border:1px solid #ddd;border-radius:8px;padding:.8em 1em;"
    "margin:.6em 0}.ship{border-left:6px solid #2ca02c}.stop{border-left:6px solid #d62728}"
    ".keep{border-left:6px solid #ff7f0e}.check{border-left:6px solid #9467bd}"
    ".caption{color:#555;font-size:.9em;margin:.3em 0 1.5em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}"
    ".scroll{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}"
    ".scroll table{min-width:100%}.scroll td:first-child,.scroll th:first-child"
    "{position:sticky;left:0;background:#fff;z-index:1}"
    ".chart{min-width:0;max-width:100%}"
    ".warn{background:#fff4e5;padding:.6em 1em;border-radius:6px}"
    "@media (max-width:640px){body{margin:1em auto;padding:0 .6em}h1{font-size:1.4em}"
    "table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:auto}"
    "table.stack thead{display:none}table.stack tr{border:1px solid #ddd;border-radius:6px;"
    "margin:.5em 0;padding:.2em 0}table.stack td{border:0;display:flex;gap:1em;"
    "justify-content:space-between;padding:.15em .6em}table.stack td::before"
    "{content:attr(data-label);color:#555;flex:0 1 55%}table.stack td.verdict"
    "{font-weight:600}}</style>"
)


def _cell(value: object, lang: Lang, fmt: Formatter) -> str:
    """One table cell as text: English as pandas wrote it (4 significant digits), Russian
    through the formatter (decimal comma, no-break spaces)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-" if lang == "en" else "–"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    if lang == "en":
        return f"{value:,.4g}" if isinstance(value, float) else str(value)
    if isinstance(value, numbers.Integral) or (
        float(value).is_integer() and abs(float(value)) >= 1
    ):
        return fmt.number(float(value), 0)
    if value == 0:
        return fmt.number(0.0, 0)
    digits = max(0, 3 - math.floor(math.log10(abs(float(value)))))
    return fmt.number(float(value), min(digits, 6))


def _localized_value(column: str, value: object, lang: Lang) -> object:
    """The values of a Russian table that are codes (export.cell_label: one rule for the
    report, the page and the files)."""
    return export.cell_label(column, value, lang)


def _heading(column: str, lang: Lang) -> str:
    return export.column_label(column, lang)


def table_html(
    frame: pd.DataFrame,
    lang: Lang = DEFAULT_LANGUAGE,
    *,
    stack: bool = False,
    verdict: str | None = None,
    currency: str | None = None,
) -> str:
    """A table for the report, in a horizontally scrollable box whose first column stays put.

    Args:
        frame: the table; its cells are escaped here.
        lang: the language of its headings and numbers.
        stack: on a narrow screen each row becomes a small card of 'heading: value' lines, so
            nothing (the verdict least of all) is off to the right.
        verdict: the verdict column's name (set in bold on a phone).
        currency: the store's currency (Russian numbers).
    """
    esc = html.escape
    fmt = Formatter(lang, currency or config.CURRENCY)
    headings = [_heading(str(c), lang) for c in frame.columns]
    head = "".join(f"<th>{esc(h)}</th>" for h in headings)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, heading, value in zip(frame.columns, headings, row, strict=True):
            text = _cell(_localized_value(str(column), value, lang), lang, fmt)
            label = f" data-label='{esc(heading)}'" if stack else ""
            css = " class='verdict'" if verdict is not None and column == verdict else ""
            cells.append(f"<td{label}{css}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    css = " class='stack'" if stack else ""
    return (
        f"<div class='scroll'><table{css}><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


@dataclass(frozen=True)
class _Card:
    verdict: str  # the verdict code (ship, stop, inconclusive, keep_running)
    label: str  # what the card shows
    headline: str
    reasons: list[str]
    extra: str = ""
    basis: str = ""  # what the card's money rests on (margin rate, discount cost)
    blocked: bool = False


def _page(
    *,
    lang: Lang,
    title: str,
    status: str,
    link: str | None,
    warnings: list[str],
    cards: list[_Card],
    rules: tuple[str, ...],
    sections: list[tuple[str, str, str]] | None = None,
    figures: list[tuple[go.Figure, str]],
    tables: list[tuple[str, pd.DataFrame]],
    settings: dict[str, object],
    notes: tuple[str, ...],
    currency: str,
) -> str:
    """One self-contained HTML page; plotly.js is inlined once, so it works offline."""
    esc = html.escape
    fmt = Formatter(lang, currency)
    now = datetime.now(UTC)
    made = f"{fmt.date(now.date())} {now:%H:%M}"
    parts = [
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(title)} - {esc(t('report.title_suffix', lang))}</title>{_STYLE}</head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(status)} &middot; {esc(t('report.made', lang, when=made))}</p>",
    ]
    if link:
        parts.append(
            f"<p class='live'>{esc(t('report.live_view', lang))} "
            f"<a href='{esc(link)}'>{esc(link)}</a></p>"
        )
    else:
        parts.append(f"<p class='live caption'>{esc(t('report.no_base_url', lang))}</p>")
    warning = esc(t("report.warning", lang))
    parts.extend(f"<p class='warn'><b>{warning}</b> {w}</p>" for w in warnings)
    parts.append(f"<h2>{esc(t('report.decisions', lang))}</h2>")
    for card in cards:
        css = (
            "check"
            if card.blocked
            else {"ship": "ship", "stop": "stop", "keep_running": "keep"}.get(card.verdict, "check")
        )  # inconclusive and 'check the data': grey-violet
        reasons = "".join(f"<li>{esc(r)}</li>" for r in card.reasons)
        basis = f"<p class='caption'>{esc(card.basis)}</p>" if card.basis else ""
        parts.append(
            f"<div class='card {css}'><b>{esc(card.headline)}</b>{esc(card.extra)}"
            f"<ul>{reasons}</ul>{basis}</div>"
        )
    parts.append(
        f"<details><summary>{esc(t('report.rules', lang))}</summary><ul>"
        + "".join(f"<li>{esc(r)}</li>" for r in rules)
        + "</ul></details>"
    )
    for heading, body, caption in sections or []:  # body: HTML made here from escaped text
        parts.append(f"<h2>{esc(heading)}</h2>{body}<p class='caption'>{esc(caption)}</p>")
    parts.append(f"<h2>{esc(t('report.charts', lang))}</h2>")
    grid: list[str] = []
    for i, (fig, caption) in enumerate(figures):
        fig = phone_layout(fig, titled=not grid)
        grid.append(
            "<div class='chart'>"
            + pio.to_html(
                fig,
                include_plotlyjs=(i == 0),
                full_html=False,
                config={"responsive": True, "displaylogo": False},
                # the figure's own height: "100%" of an auto-height page let tall titles
                # (the forest's subtitle) overlap the caption below
                default_height=f"{fig.layout.height or 450}px",
                default_width="100%",
            )
            + "</div>"
        )
        if caption:  # '': a part of a group that goes on with the next figure
            parts.append("<div class='group'>" + "".join(grid) + "</div>")
            parts.append(f"<p class='caption'>{esc(caption)}</p>")
            grid = []
    for heading, table in tables:
        parts.append(f"<h2>{esc(heading)}</h2>")
        parts.append(table_html(table, lang, currency=currency))
    parts.append(f"<h2>{esc(t('report.settings', lang))}</h2><table>")
    parts.extend(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in settings.items())
    parts.append(
        f"<tr><th>{esc(t('report.setting.currency', lang))}</th><td>{esc(currency)}</td></tr>"
        "</table>"
    )
    parts.append(f"<h2>{esc(t('report.method_notes', lang))}</h2><ul>")
    parts.extend(f"<li>{esc(n)}</li>" for n in notes)
    parts.append(f"</ul><h2>{esc(t('report.glossary', lang))}</h2><dl>")
    parts.extend(
        f"<dt><b>{esc(term)}</b></dt><dd>{esc(text)}</dd>" for term, text in glossary(lang)
    )
    parts.append(f"</dl><p class='caption'>{esc(t('report.footer', lang))}</p></body></html>")
    return "\n".join(parts)


def status_word(analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE) -> str:
    """The experiment's status alone ('completed', 'running: day 21 of 60') in a language."""
    progress = analysis.horizon_progress
    if progress.status == "running" and progress.observed_days is not None:
        ready = progress.fully_observed
        key = "report.progress.running_ready" if ready else "report.progress.running"
        return t(key, lang, day=progress.observed_days, horizon=progress.horizon_days)
    key = f"design.status.{progress.status}"  # the Design page's and the CLI's word
    return t(key, lang) if key in _MESSAGES else progress.status


def status_text(analysis: ExperimentAnalysis, lang: Lang = DEFAULT_LANGUAGE) -> str:
    """'Status: completed · data from 2026-04-01 to 2026-09-28' in the report's language."""
    status = status_word(analysis, lang)
    first, last = str(analysis.first_ts)[:10], str(analysis.last_ts)[:10]
    if lang != "en":
        first, last = (_long_date(d, lang) for d in (first, last))
    return t("report.status", lang, status=status, first=first, last=last)


def _long_date(text: str, lang: Lang) -> str:
    """'2026-03-08' -> '8 марта 2026 г.' (text that is not a date stays as it is)."""
    try:
        return Formatter(lang).date(date.fromisoformat(text))
    except ValueError:
        return text


def _warning_html(warning: metrics.AnalysisWarning, lang: Lang) -> str:
    """A data warning, escaped, in the report's language (`AnalysisWarning.text`). A warning
    the catalogue has no words for says in Russian what kind of problem it is and keeps the
    English details folded, marked lang='en'."""
    if lang == "en" or warning.key:
        return html.escape(warning.text(lang))
    if isinstance(warning.message, Text):  # a catalogue message (the SRM note): in `lang`
        return html.escape(warning.message.render(lang))
    key = f"report.warning_kind.{warning.kind}"
    text = t(key, lang) if key in _MESSAGES else t("report.warning_kind.data", lang)
    details = html.escape(t("report.warning_details", lang))
    return (
        f"{html.escape(text)} <details><summary>{details}</summary>"
        f"<span lang='en'>{html.escape(warning.message)}</span></details>"
    )


def html_report(
    analysis: ExperimentAnalysis,
    *,
    link: str | None = None,
    official: ExperimentAnalysis | None = None,
    differences: list[str] | None = None,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> str:
    """The Results page as a self-contained HTML page: decision cards, charts, effects, settings,
    method notes and the glossary. Works offline: plotly.js is embedded once; reads on a phone
    (viewport, tables whose verdict stays in view, charts that reflow, links that wrap).

    Args:
        analysis: the view (its charts and effects table).
        link: the live view's address (`share.share_url` on the configured base URL); None:
            the report says that no base URL is configured.
        official: the analysis by the design rule, which the verdicts follow (default: the
            view itself, when it already follows the rule).
        differences: how the view differs from the rule; default computed from the two.
        lang: 'ru' or 'en': every word of the report, numbers and dates by `Formatter`.
        currency: the store's currency (default config.CURRENCY).
    """
    currency = currency or config.CURRENCY
    e = analysis.experiment
    official = official or analysis
    if differences is None:
        differences = decision.exploratory_differences(analysis.settings, official.settings, lang)
    decisions = decision.decide(
        official, exploratory=bool(differences), lang=lang, currency=currency
    )
    rule = decision.rule_of(official.experiment)
    basis = money_basis(analysis, lang=lang)
    verdict_column = t("report.col.verdict", lang)
    sections = [
        (
            t("report.lever_title", lang),
            table_html(
                _lever_table_html(decisions, lang, currency),
                lang,
                stack=True,
                verdict=verdict_column,
                currency=currency,
            ),
            f"{t('report.lever_caption', lang)} {basis}",
        )
    ]
    if pairs := decision.head_to_head(official, lang=lang, currency=currency):
        items = "".join(f"<li>{html.escape(m.sentence)}</li>" for m in pairs)
        sections.append(
            (
                t("report.head_to_head_title", lang),
                f"<ul>{items}</ul>",
                f"{t('report.head_to_head_caption', lang)} {basis}",
            )
        )
    fmt = Formatter(lang, currency)
    cards = [
        _Card(
            d.verdict,
            d.label_in(lang),
            d.headline,
            d.reasons,
            t(
                "report.probability_best",
                lang,
                share=fmt.percent(d.probability_best, 0),
            )
            if d.probability_best is not None
            else "",
            money_basis(analysis, short=True, lang=lang),
            d.blocked,
        )
        for d in decisions
    ]
    on, off = t("report.on", lang), t("report.off", lang)
    correction = analysis.settings.correction
    confidence = analysis.settings.confidence
    return _page(
        lang=lang,
        title=e.name,
        status=status_text(analysis, lang),
        link=link,
        warnings=(
            [html.escape(t("report.exploratory", lang, differences="; ".join(differences)))]
            if differences
            else []
        )
        + [_warning_html(w, lang) for w in analysis.warnings],
        cards=cards,
        rules=(
            t("report.rule_fixed", lang, rule=rule.describe(lang, currency).rstrip(".")),
            *decision.rules(lang),
        ),
        sections=sections,
        figures=report_figures(analysis, lang, currency),
        tables=[
            (
                t("report.effects", lang),
                effects_table(analysis).drop(columns=["note", "covariates"]),
            ),
            *_adjustment_section(analysis.effects, lang),
        ],
        settings={
            t("report.setting.horizon", lang): analysis.horizon_days,
            t("report.setting.cap", lang): on if analysis.settings.cap else off,
            t("report.setting.estimand", lang): estimand_label(
                analysis.settings.cap, analysis.settings.cap_percentile, lang, currency
            ),
            t("report.setting.cuped", lang): on if analysis.settings.use_covariate else off,
            t("report.setting.correction", lang): decision.Words(lang).correction(correction),
            t("report.setting.confidence", lang): fmt.percent(confidence, 0),
            t("report.setting.margin_rate", lang): margin_rate_text(analysis, lang),
            t("report.setting.discount_cost", lang): discount_cost_text(analysis, lang)
            or t("report.setting.no_discount_arm", lang),
        },
        notes=(*method_notes(lang), cap_note(analysis.settings.cap, lang, currency)),
        currency=currency,
    )


FILE_METHOD_NOTES = tuple(t(f"report.note.{key}", "en") for key in FILE_METHOD_NOTE_KEYS)


def html_file_report(
    experiment: Experiment,
    analysis: analysis_file.FileAnalysis,
    *,
    link: str | None = None,
    lang: Lang = DEFAULT_LANGUAGE,
    currency: str | None = None,
) -> str:
    """The report of an experiment loaded from a campaign result file (no transactions).

    The first metric of the analysis decides, as on the Results page.
    """
    currency = currency or config.CURRENCY
    fmt = Formatter(lang, currency)
    metric = next(iter(analysis.metrics), "")
    units = {m: analysis_file.metric_unit(analysis, m) for m in analysis.metrics}
    warnings = [analysis.srm.note] if analysis.srm.mismatch and analysis.srm.note else []
    if analysis.status != "ok" and analysis.note:
        warnings.append(analysis.note)
    kinds = ["srm"] * (len(warnings) - (analysis.status != "ok" and bool(analysis.note)))
    kinds += ["insufficient_data"] * (len(warnings) - len(kinds))
    customers = sum(a.n for a in analysis.arms)
    status = t(
        "report.file_status",
        lang,
        customers=fmt.count(customers, "customers"),
        arms=t("count.arms", lang, count=len(analysis.arms)),
    )
    on, off = t("report.on", lang), t("report.off", lang)
    words = decision.Words(lang, currency)
    return _page(
        lang=lang,
        title=experiment.name,
        status=status,
        link=link,
        warnings=[
            _warning_html(metrics.AnalysisWarning(k, w), lang)  # type: ignore[arg-type]
            for k, w in zip(kinds, warnings, strict=True)
        ],
        cards=[
            _Card(d.verdict, d.label_in(lang), d.headline, d.reasons, blocked=d.blocked)
            for d in decision.decide_file(analysis, metric, lang=lang, currency=currency)
        ],
        rules=decision.file_rules(lang),
        figures=_forest_parts(
            analysis.effects,
            t("report.forest_caption", lang),
            confidence=1 - analysis.alpha,
            units=units,
            adjusted_for=t("chart.forest.adjusted_field", lang, field=analysis.covariate),
            lang=lang,
            currency=currency,
        ),
        tables=[
            (t("report.arms", lang), analysis_file.arms_table(analysis)),
            (t("report.effects", lang), analysis_file.effects_table(analysis)),
            *_adjustment_section(analysis.effects, lang),
        ],
        settings={
            t("report.setting.deciding_metric", lang): words.metric(metric),
            t("report.setting.metrics", lang): ", ".join(map(words.metric, analysis.metrics)),
            t("report.setting.file_covariate", lang): analysis.covariate or t("report.none", lang),
            t("report.setting.cap", lang): on if analysis.cap else off,
            t("report.setting.estimand", lang): estimand_label(
                analysis.cap, lang=lang, currency=currency
            ),
            t("report.setting.correction", lang): words.correction(analysis.correction),
            t("report.setting.confidence", lang): fmt.percent(1 - analysis.alpha, 0),
        },
        notes=(
            *(t(f"report.note.{key}", lang) for key in FILE_METHOD_NOTE_KEYS),
            cap_note(analysis.cap, lang, currency),
        ),
        currency=currency,
    )
