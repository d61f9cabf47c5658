"""Exports for management: a self-contained HTML report and the effects table as CSV / XLSX."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from experiments import analysis_file, charts, config, decision, escape, stats
from experiments.design import escape_cells
from experiments.metrics import ExperimentAnalysis

METHOD_NOTES = (
    "Repeat purchase: share of customers with at least one order in the window after their "
    "assignment; two-proportion z-test, unpooled Wald interval.",
    "Money metrics (revenue, net value): Welch's t-test; 'cuped' rows adjust for the "
    "customer's pre-period spend (CUPED/ANCOVA), which narrows intervals without bias.",
    "Net value = gross margin (margin column, else revenue x margin rate, before discounts) "
    "minus the lever's cost: discounts given, gift cost, outreach time.",
    "Money metrics are capped at pooled percentiles of non-zero values (computed once across "
    "arms) so a few huge orders do not decide the result.",
    "p-values are corrected across arms x metrics (Holm by default; Benjamini-Hochberg across "
    "segments): the rows shown (rates and CUPED money) form one family. Intervals are each "
    "effect's own, before the correction. Sample-ratio mismatch: chi-square test against the "
    "planned allocation.",
    "While running: always-valid confidence sequences (Waudby-Smith et al., Annals of "
    "Statistics 2024), tuned once for the customers assigned and split across the levers "
    "(Bonferroni), so looking every day does not inflate false wins.",
)


def effects_table(analysis: ExperimentAnalysis) -> pd.DataFrame:
    """The effects as a flat table (one row per arm x metric x method), for CSV/XLSX."""
    rows = [{**e.as_json(), "horizon_days": analysis.horizon_days} for e in analysis.effects]
    columns = [
        "arm", "metric", "method", "horizon_days", "control_mean", "arm_mean", "diff",
        "ci_low", "ci_high", "rel_lift", "rel_ci_low", "rel_ci_high", "p_value", "p_adjusted",
        "n_control", "n_arm", "variance_reduction", "status", "note",
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
    "correction for several arms and metrics. Bars are each effect's own interval, before it."
)


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
            "verdict": d.verdict,
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


def figures(analysis: ExperimentAnalysis) -> list[tuple[go.Figure, str]]:
    """The report's charts with the one-line caption under each."""
    return [
        (
            charts.forest_figure(
                [e.as_json() for e in stats.headline_effects(analysis.effects)],
                confidence=analysis.settings.confidence,
            ),
            FOREST_CAPTION,
        ),
        (
            charts.arm_repeat_figure(analysis),
            "Higher lines: more customers came back. Lines that separate early and stay apart "
            "mean a lasting effect on coming back; the dotted line is the horizon the verdicts "
            "use.",
        ),
        (
            charts.payback_figure(analysis),
            "Each lever starts below 0 by its cost; it pays for itself where its line crosses 0.",
        ),
        (
            charts.decay_figure(analysis),
            "Extra contribution per period: a line falling to 0 means the effect fades.",
        ),
        (
            charts.net_value_distribution_figure(analysis),
            "Most customers bring little or cost the lever; a few bring a lot. Dashed lines: "
            "caps - values beyond them count at the cap, so one huge order cannot decide.",
        ),
    ]


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
        reasons = "".join(f"<li>{esc(r)}</li>" for r in card.reasons)
        parts.append(
            f"<div class='card {css}'><b>{esc(card.headline)}</b>{esc(card.extra)}"
            f"<ul>{reasons}</ul></div>"
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


def html_report(analysis: ExperimentAnalysis, *, link: str | None = None) -> str:
    """The Results page as a self-contained HTML page: decision cards, charts, effects, settings
    and method notes. Works offline: plotly.js is embedded once."""
    e = analysis.experiment
    decisions = decision.decide(analysis)
    sections = [
        (
            LEVER_TITLE,
            _lever_table_html(decisions).to_html(index=False, na_rep="-"),
            LEVER_CAPTION,
        )
    ]
    if pairs := decision.head_to_head(analysis):
        items = "".join(f"<li>{html.escape(m.sentence)}</li>" for m in pairs)
        sections.append((HEAD_TO_HEAD_TITLE, f"<ul>{items}</ul>", HEAD_TO_HEAD_CAPTION))
    cards = [
        _Card(
            d.verdict,
            d.headline,
            d.reasons,
            f" · probability of being the best lever: {d.probability_best:.0%}"
            if d.probability_best is not None
            else "",
        )
        for d in decisions
    ]
    return _page(
        title=str(e.get("name")),
        status=f"Status: {e.get('status')} · data from {str(analysis.first_ts)[:10]} to "
        f"{str(analysis.last_ts)[:10]}",
        link=link,
        warnings=[w.message for w in analysis.warnings],
        cards=cards,
        rules=decision.RULES,
        sections=sections,
        figures=figures(analysis),
        tables=[("Effects", effects_table(analysis).drop(columns=["note"]))],
        settings={
            "horizon (days)": analysis.horizon_days,
            "capping of money metrics": "on" if analysis.settings.cap else "off",
            "covariate adjustment (CUPED)": "on" if analysis.settings.use_covariate else "off",
            "multiple-testing correction": analysis.settings.correction,
            "confidence level": f"{analysis.settings.confidence:.0%}",
            "margin rate (when no margin column)": f"{analysis.margin_rate:.0%}",
        },
        notes=METHOD_NOTES,
    )


FILE_METHOD_NOTES = (
    "Rates (0/1 columns): two-proportion z-test, unpooled Wald interval. Money columns: "
    "Welch's t-test; 'cuped' rows adjust for the chosen pre-period column (CUPED/ANCOVA).",
    "Money columns are capped at pooled percentiles of non-zero values, computed once across "
    "arms, when capping is on.",
    "p-values are corrected across arms x metrics (the rows shown form one family; intervals "
    "are each effect's own, before the correction); sample-ratio mismatch: chi-square test "
    "against the planned split.",
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
            _Card(d.verdict, d.headline, d.reasons) for d in decision.decide_file(analysis, metric)
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
        ],
        settings={
            "deciding metric": metric,
            "metrics": ", ".join(analysis.metrics),
            "covariate (CUPED)": analysis.covariate or "none",
            "capping of money metrics": "on" if analysis.cap else "off",
            "multiple-testing correction": analysis.correction,
            "confidence level": f"{1 - analysis.alpha:.0%}",
        },
        notes=FILE_METHOD_NOTES,
    )
