"""Exports for management: a self-contained HTML report and the effects table as CSV / XLSX."""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from experiments import analysis_file, charts, config, decision, escape, stats
from experiments.design import escape_cells
from experiments.metrics import MARGIN_RATE_SOURCES, ExperimentAnalysis

METHOD_NOTES = (
    "Repeat purchase: share of customers with at least one order in the window after their "
    "assignment; two-proportion z-test, unpooled Wald interval.",
    "Money metrics (revenue, net value): Welch's t-test on the mean difference per customer; "
    "'cuped' rows adjust for pre-period spend, orders, recency, tenure and RFM segment (Lin's "
    "interacted regression with a heteroskedasticity-robust HC2-type variance), which narrows "
    "intervals without bias; the unadjusted (Welch) estimate is shown beside it.",
    "Net value = gross margin (margin column, else revenue x margin rate, before discounts) "
    "minus the lever's cost: discounts given, gift cost, outreach time. Discounts are the "
    "data's; when no transaction in the experiment's window carries one (an export without a "
    "discount column), a discount arm's discount is its configured percent x redemption share "
    "of the pre-discount price of its orders there (amount paid / (1 - that share)).",
    "p-values are corrected across the levers, each metric its own family (Holm by default, or "
    "the design's choice; Benjamini-Hochberg across segments): the verdict's family is net "
    "value across the levers. Intervals are each effect's own, before the correction. "
    "Sample-ratio mismatch: chi-square test against the planned allocation.",
    "While running: always-valid confidence sequences (Waudby-Smith et al., Annals of "
    "Statistics 2024), tuned once for the customers assigned and split across the levers "
    "(Bonferroni), so looking every day does not inflate false wins.",
)


def cap_note(cap: bool) -> str:
    """The method note on capping: which estimand the money effects are."""
    if cap:
        return (
            f"Money effects are the {stats.money_estimand_label(True)}: values are winsorised "
            "at pooled percentiles of non-zero values (computed once across arms), which "
            "shrinks effects on heavy-tailed spend toward zero (by 15-20% on simulated spend)."
        )
    return (
        "Money effects are the plain mean difference per customer (no capping): unbiased for "
        "what the lever did in money, heavy tails included. Capping is an option in the "
        "settings; it estimates a different quantity (the winsorised mean difference)."
    )


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


ADJUSTMENT_TITLE = "Adjusted for pre-period behaviour (CUPED) vs unadjusted"
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


LEVER_TITLE = "Which lever pays best?"
LEVER_COLUMNS = {
    "net": f"net value vs control, {config.CURRENCY}",
    "cost": f"cost per customer, {config.CURRENCY}",
    "repeat": "repeat vs control, pp",
    "best": "chance of being best",
}
LEVER_CAPTION = (
    "Ranked by net value per customer after the lever's cost. Price is not value: a cheaper "
    "lever that brings customers back can beat a discount."
)
HEAD_TO_HEAD_TITLE = "Head to head: does one lever beat another?"
HEAD_TO_HEAD_CAPTION = (
    "Each pair of levers compared directly on net value per customer after their costs, "
    "corrected across pairs: a cheaper lever can beat a discount."
)
FOREST_CAPTION = (
    "Green: better than control, red: worse, grey: not distinguishable from control, after the "
    "correction across the levers (each metric its own family). Bars are each effect's own "
    "interval, before it."
)


def margin_rate_text(analysis: ExperimentAnalysis) -> str:
    """'35% (the store setting)': the margin rate behind the net values and where it is set."""
    source = MARGIN_RATE_SOURCES.get(analysis.margin_rate_source, analysis.margin_rate_source)
    return f"{analysis.margin_rate * 100:.3g}% ({source})"


def discount_cost_text(analysis: ExperimentAnalysis) -> str | None:
    """How the discount arms' cost was obtained, or None without a discount arm."""
    return analysis.discount_cost.summary


def money_basis(analysis: ExperimentAnalysis, *, short: bool = False) -> str:
    """The sentence shown next to every net value: the margin rate behind it and, with a
    discount arm, where the discount's cost comes from. `short`: for a decision card."""
    if short:
        text = f"Margin rate {margin_rate_text(analysis)}"
    else:
        text = (
            f"Net value at a margin rate of {margin_rate_text(analysis)} for transactions "
            "without a margin column"
        )
        if analysis.margin_rate_source == "default":
            text += " (the store's own is set on the Data page, Store settings)"
    if discount := discount_cost_text(analysis):
        text += f"; discount cost {discount}"
    return text + "."


def lever_table(decisions: list[decision.Decision]) -> pd.DataFrame:
    """Which lever pays best: one row per lever, in the decisions' order (best net value first).

    The cost is what the lever cost per customer over the horizon, discounts given included,
    so a discount's cost shows next to a gift's or a call's instead of reading 0.
    """
    rows = [
        {
            "lever": d.arm,
            "kind": d.kind,
            LEVER_COLUMNS["net"]: d.net_value.diff if d.net_value else None,
            LEVER_COLUMNS["cost"]: d.lever_cost,
            LEVER_COLUMNS["repeat"]: d.primary.diff * 100
            if d.primary and d.primary.diff is not None and d.primary.metric == "repeat_purchase"
            else None,
            LEVER_COLUMNS["best"]: d.probability_best,
            "verdict": d.label,
        }
        for d in decisions
    ]
    return pd.DataFrame(rows, columns=["lever", "kind", *LEVER_COLUMNS.values(), "verdict"])


def _lever_table_html(decisions: list[decision.Decision]) -> pd.DataFrame:
    """The lever table with its numbers as text, formatted as the page shows them."""
    table = lever_table(decisions)
    for key, spec in (("net", "+,.0f"), ("cost", ",.0f"), ("repeat", "+.1f"), ("best", ".0%")):
        column = LEVER_COLUMNS[key]
        table[column] = ["-" if v is None or pd.isna(v) else format(v, spec) for v in table[column]]
    return table


def _adjustment_section(effects: Sequence[stats.Effect]) -> list[tuple[str, pd.DataFrame]]:
    """The adjusted-vs-unadjusted table as a report section, when there are CUPED rows."""
    table = adjustment_table(effects)
    return [] if table.empty else [(ADJUSTMENT_TITLE, table)]


def _inert(table: pd.DataFrame) -> pd.DataFrame:
    """Arm and metric names are typed by users: keep '=HYPERLINK(...)' and friends as text in
    Excel, in every column and every sheet."""
    return escape_cells(table)


def effects_csv(analysis: ExperimentAnalysis) -> bytes:
    """CSV with a UTF-8 BOM so Excel opens it with the right characters."""
    return _inert(effects_table(analysis)).to_csv(index=False).encode("utf-8-sig")


def effects_xlsx(analysis: ExperimentAnalysis) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _inert(effects_table(analysis)).to_excel(writer, sheet_name="effects", index=False)
        arms = pd.DataFrame([a.as_json() for a in analysis.arms]).drop(
            columns=["means", "pre_period", "repeat_by_horizon"]
        )
        _inert(arms).to_excel(writer, sheet_name="arms", index=False)
    return buffer.getvalue()


def payback_caption(analysis: ExperimentAnalysis) -> str:
    """Under the payback chart: when each lever paid back, with confidence or not yet."""
    lines = " ".join(p.statement for p in analysis.payback.values())
    return (
        "Each lever starts below 0 by its cost and pays for itself where its band's lower edge "
        f"stays above 0 (dashed line). {lines} Rule: {stats.PAYBACK_RULE}"
    )


def fading_caption(analysis: ExperimentAnalysis) -> str:
    """Under the decay chart: the fading test's result per lever (the buckets are not it)."""
    lines = " ".join(f.statement for f in analysis.fading.values())
    return (
        "Extra contribution per period. The separate periods are not a test of fading; "
        f"the test compares the two halves of the horizon. {lines} Rule: {stats.FADING_RULE}"
    )


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


def figure_specs(analysis: ExperimentAnalysis) -> list[FigureSpec]:
    """The report's charts, not yet built, in the order they are shown."""
    return [
        FigureSpec(
            "forest",
            lambda: charts.forest_figure(
                [e.as_json() for e in stats.headline_effects(analysis.effects)],
                confidence=analysis.settings.confidence,
            ),
            FOREST_CAPTION,
        ),
        FigureSpec(
            "repeat",
            lambda: charts.arm_repeat_figure(analysis),
            "Higher lines: more customers came back. Lines that separate early and stay apart "
            "mean a lasting effect on coming back; the dotted line is the horizon the verdicts "
            "use.",
        ),
        FigureSpec("payback", lambda: charts.payback_figure(analysis), payback_caption(analysis)),
        FigureSpec("decay", lambda: charts.decay_figure(analysis), fading_caption(analysis)),
        FigureSpec(
            "distribution",
            lambda: charts.net_value_distribution_figure(analysis),
            "Most customers bring little or cost the lever; a few bring a lot. Dashed lines: "
            "caps - values beyond them count at the cap, so one huge order cannot decide.",
        ),
    ]


def figures(analysis: ExperimentAnalysis) -> list[tuple[go.Figure, str]]:
    """The report's charts with the one-line caption under each."""
    return [(spec.build(), spec.caption) for spec in figure_specs(analysis)]


_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
    "color:#222;padding:0 1em}.card{border:1px solid #ddd;border-radius:8px;padding:.8em 1em;"
    "margin:.6em 0}.ship{border-left:6px solid #2ca02c}.stop{border-left:6px solid #d62728}"
    ".keep{border-left:6px solid #ff7f0e}.check{border-left:6px solid #9467bd}"
    ".caption{color:#555;font-size:.9em;margin:.3em 0 1.5em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left}"
    ".warn{background:#fff4e5;padding:.6em 1em;border-radius:6px}</style>"
)


@dataclass(frozen=True)
class _Card:
    verdict: str
    headline: str
    reasons: list[str]
    extra: str = ""
    basis: str = ""  # what the card's money rests on (margin rate, discount cost)


def _page(
    *,
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
) -> str:
    """One self-contained HTML page; plotly.js is inlined once, so it works offline."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(title)} - Loyalty Lab report</title>{_STYLE}</head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(status)} &middot; report made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
    ]
    if link:
        parts.append(f"<p>Live view: <a href='{esc(link)}'>{esc(link)}</a></p>")
    parts.extend(f"<p class='warn'><b>Warning:</b> {esc(w)}</p>" for w in warnings)
    parts.append("<h2>Decisions</h2>")
    for card in cards:
        css = {"ship": "ship", "stop": "stop", "keep running": "keep"}.get(card.verdict, "check")
        # card.verdict is the label a card shows: 'inconclusive' and 'check the data' -> grey
        reasons = "".join(f"<li>{esc(r)}</li>" for r in card.reasons)
        basis = f"<p class='caption'>{esc(card.basis)}</p>" if card.basis else ""
        parts.append(
            f"<div class='card {css}'><b>{esc(card.headline)}</b>{esc(card.extra)}"
            f"<ul>{reasons}</ul>{basis}</div>"
        )
    parts.append(
        "<details><summary>Verdict rules</summary><ul>"
        + "".join(f"<li>{esc(r)}</li>" for r in rules)
        + "</ul></details>"
    )
    for heading, body, caption in sections or []:  # body: HTML made here from escaped text
        parts.append(f"<h2>{esc(heading)}</h2>{body}<p class='caption'>{esc(caption)}</p>")
    parts.append("<h2>Charts</h2>")
    for i, (fig, caption) in enumerate(figures):
        fig = escape.figure(fig)  # names typed by users are drawn as text, never links
        parts.append(
            pio.to_html(
                fig,
                include_plotlyjs=(i == 0),
                full_html=False,
                config={"responsive": True},
                # the figure's own height: "100%" of an auto-height page let tall titles
                # (the forest's subtitle) overlap the caption below
                default_height=f"{fig.layout.height or 450}px",
            )
        )
        parts.append(f"<p class='caption'>{esc(caption)}</p>")
    for heading, table in tables:
        parts.append(f"<h2>{esc(heading)}</h2>")
        parts.append(table.to_html(index=False, float_format=lambda v: f"{v:,.4g}", na_rep="-"))
    parts.append("<h2>Settings</h2><table>")
    parts.extend(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in settings.items())
    parts.append(f"<tr><th>currency</th><td>{esc(config.CURRENCY)}</td></tr></table>")
    parts.append("<h2>Method notes</h2><ul>")
    parts.extend(f"<li>{esc(n)}</li>" for n in notes)
    parts.append("</ul><p class='caption'>Made with Loyalty Lab.</p></body></html>")
    return "\n".join(parts)


def html_report(
    analysis: ExperimentAnalysis,
    *,
    link: str | None = None,
    official: ExperimentAnalysis | None = None,
    differences: list[str] | None = None,
) -> str:
    """The Results page as a self-contained HTML page: decision cards, charts, effects, settings
    and method notes. Works offline: plotly.js is embedded once.

    Args:
        analysis: the view (its charts and effects table).
        link: the live view's address.
        official: the analysis by the design rule, which the verdicts follow (default: the
            view itself, when it already follows the rule).
        differences: how the view differs from the rule; default computed from the two.
    """
    e = analysis.experiment
    official = official or analysis
    if differences is None:
        differences = decision.exploratory_differences(analysis.settings, official.settings)
    decisions = decision.decide(official, exploratory=bool(differences))
    rule = decision.rule_of(official.experiment)
    basis = money_basis(analysis)
    sections = [
        (
            LEVER_TITLE,
            _lever_table_html(decisions).to_html(index=False, na_rep="-"),
            f"{LEVER_CAPTION} {basis}",
        )
    ]
    if pairs := decision.head_to_head(official):
        items = "".join(f"<li>{html.escape(m.sentence)}</li>" for m in pairs)
        sections.append(
            (HEAD_TO_HEAD_TITLE, f"<ul>{items}</ul>", f"{HEAD_TO_HEAD_CAPTION} {basis}")
        )
    cards = [
        _Card(
            d.label,
            d.headline,
            d.reasons,
            f" · probability of being the best lever: {d.probability_best:.0%}"
            if d.probability_best is not None
            else "",
            money_basis(analysis, short=True),
        )
        for d in decisions
    ]
    return _page(
        title=str(e.get("name")),
        status=f"Status: {analysis.horizon_progress.text} · data from "
        f"{str(analysis.first_ts)[:10]} to {str(analysis.last_ts)[:10]}",
        link=link,
        warnings=(
            [
                "Exploratory view: " + "; ".join(differences) + ". The verdicts follow the "
                "rule fixed at design; charts and tables use these settings."
            ]
            if differences
            else []
        )
        + [w.message for w in analysis.warnings],
        cards=cards,
        rules=(f"Verdict rule fixed at design: {rule.describe()}.", *decision.RULES),
        sections=sections,
        figures=figures(analysis),
        tables=[
            ("Effects", effects_table(analysis).drop(columns=["note", "covariates"])),
            *_adjustment_section(analysis.effects),
        ],
        settings={
            "horizon (days)": analysis.horizon_days,
            "capping of money metrics": "on" if analysis.settings.cap else "off",
            "money effects": stats.money_estimand_label(
                analysis.settings.cap, analysis.settings.cap_percentile
            ),
            "covariate adjustment (CUPED)": "on" if analysis.settings.use_covariate else "off",
            "multiple-testing correction": analysis.settings.correction,
            "confidence level": f"{analysis.settings.confidence:.0%}",
            "margin rate (when no margin column)": margin_rate_text(analysis),
            "discount cost": discount_cost_text(analysis) or "no discount arm",
        },
        notes=(*METHOD_NOTES, cap_note(analysis.settings.cap)),
    )


FILE_METHOD_NOTES = (
    "Rates (0/1 columns): two-proportion z-test, unpooled Wald interval. Money columns: "
    "Welch's t-test; 'cuped' rows adjust for the chosen pre-period column (CUPED: Lin's "
    "regression with arm-specific slopes and a robust HC2-type variance).",
    "p-values are corrected across the arms, each metric its own family (the first metric - net "
    "value when the experiment's levers have costs and the file a money column - decides; "
    "intervals are each effect's own, before the correction); sample-ratio mismatch: "
    "chi-square test against the planned split.",
)


def html_file_report(
    experiment: dict[str, object],
    analysis: analysis_file.FileAnalysis,
    *,
    link: str | None = None,
) -> str:
    """The report of an experiment loaded from a campaign result file (no transactions).

    The first metric of the analysis decides, as on the Results page.
    """
    metric = next(iter(analysis.metrics), "")
    units = {m: analysis_file.metric_unit(analysis, m) for m in analysis.metrics}
    warnings = [analysis.srm.note] if analysis.srm.mismatch and analysis.srm.note else []
    if analysis.status != "ok" and analysis.note:
        warnings.append(analysis.note)
    return _page(
        title=str(experiment.get("name")),
        status=f"From a campaign result file · {sum(a.n for a in analysis.arms):,} customers in "
        f"{len(analysis.arms)} arms",
        link=link,
        warnings=warnings,
        cards=[
            _Card(d.label, d.headline, d.reasons) for d in decision.decide_file(analysis, metric)
        ],
        rules=decision.FILE_RULES,
        figures=[
            (
                charts.forest_figure(
                    [e.as_json() for e in stats.headline_effects(analysis.effects)],
                    confidence=1 - analysis.alpha,
                    units=units,
                    adjusted_for=f"the pre-period field {analysis.covariate}",
                ),
                FOREST_CAPTION,
            )
        ],
        tables=[
            ("Arms", analysis_file.arms_table(analysis)),
            ("Effects", analysis_file.effects_table(analysis)),
            *_adjustment_section(analysis.effects),
        ],
        settings={
            "deciding metric": metric,
            "metrics": ", ".join(analysis.metrics),
            "covariate (CUPED)": analysis.covariate or "none",
            "capping of money metrics": "on" if analysis.cap else "off",
            "money effects": stats.money_estimand_label(analysis.cap),
            "multiple-testing correction": analysis.correction,
            "confidence level": f"{1 - analysis.alpha:.0%}",
        },
        notes=(*FILE_METHOD_NOTES, cap_note(analysis.cap)),
    )
