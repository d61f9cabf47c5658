"""Exports for management: a self-contained HTML report and the effects table as CSV / XLSX."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from experiments import charts, config, decision
from experiments.design import escape_cell
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
    "segments). Sample-ratio mismatch: chi-square test against the planned allocation.",
    "While running: always-valid confidence sequences (Waudby-Smith et al., Annals of "
    "Statistics 2024), so looking every day does not inflate false wins.",
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


def _inert(table: pd.DataFrame) -> pd.DataFrame:
    """Arm names are typed by users: keep '=HYPERLINK(...)' and friends as text in Excel."""
    return table.assign(arm=table["arm"].map(escape_cell))


def effects_csv(analysis: ExperimentAnalysis) -> bytes:
    """CSV with a UTF-8 BOM so Excel opens it with the right characters."""
    return _inert(effects_table(analysis)).to_csv(index=False).encode("utf-8-sig")


def effects_xlsx(analysis: ExperimentAnalysis) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _inert(effects_table(analysis)).to_excel(writer, sheet_name="effects", index=False)
        pd.DataFrame([a.as_json() for a in analysis.arms]).drop(
            columns=["means", "pre_period", "repeat_by_horizon"]
        ).to_excel(writer, sheet_name="arms", index=False)
    return buffer.getvalue()


def figures(analysis: ExperimentAnalysis) -> list[tuple[go.Figure, str]]:
    """The report's charts with the one-line caption under each."""
    return [
        (
            charts.forest_figure(
                [e.as_json() for e in analysis.effects], confidence=analysis.settings.confidence
            ),
            "Green: better than control, red: worse, grey: not distinguishable from control.",
        ),
        (
            charts.cumulative_repeat_figure(analysis),
            "Lines that separate early and stay apart mean a lasting effect on coming back.",
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
        (
            charts.kaplan_meier_figure(analysis),
            "Lower curves: customers come back sooner. Bands are 95% pointwise intervals.",
        ),
    ]


def html_report(analysis: ExperimentAnalysis, *, link: str | None = None) -> str:
    """A self-contained HTML page: decision cards, charts (plotly.js inlined), settings, notes.

    Works offline: the plotly library is embedded once, charts use it from the page itself.
    """
    e = analysis.experiment
    decisions = decision.decide(analysis)
    esc = html.escape
    settings = {
        "horizon (days)": analysis.horizon_days,
        "capping of money metrics": "on" if analysis.settings.cap else "off",
        "covariate adjustment (CUPED)": "on" if analysis.settings.use_covariate else "off",
        "multiple-testing correction": analysis.settings.correction,
        "confidence level": f"{analysis.settings.confidence:.0%}",
        "margin rate (when no margin column)": f"{analysis.margin_rate:.0%}",
    }
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(str(e.get('name')))} - Loyalty Lab report</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
        "color:#222;padding:0 1em}.card{border:1px solid #ddd;border-radius:8px;padding:.8em 1em;"
        "margin:.6em 0}.ship{border-left:6px solid #2ca02c}.stop{border-left:6px solid #d62728}"
        ".keep{border-left:6px solid #ff7f0e}.check{border-left:6px solid #9467bd}"
        ".caption{color:#555;font-size:.9em;margin:-.5em 0 1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left}"
        ".warn{background:#fff4e5;padding:.6em 1em;border-radius:6px}</style></head><body>",
        f"<h1>{esc(str(e.get('name')))}</h1>",
        f"<p>Status: <b>{esc(str(e.get('status')))}</b> &middot; data from "
        f"{esc(str(analysis.first_ts)[:10])} to {esc(str(analysis.last_ts)[:10])} &middot; "
        f"report made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
    ]
    if link:
        parts.append(f"<p>Live view: <a href='{esc(link)}'>{esc(link)}</a></p>")
    for w in analysis.warnings:
        parts.append(f"<p class='warn'><b>Warning:</b> {esc(w.message)}</p>")
    parts.append("<h2>Decisions</h2>")
    for d in decisions:
        css = {"ship": "ship", "stop": "stop", "keep running": "keep"}.get(d.verdict, "check")
        best = (
            f" &middot; probability of being the best lever: {d.probability_best:.0%}"
            if d.probability_best is not None
            else ""
        )
        reasons = "".join(f"<li>{esc(r)}</li>" for r in d.reasons)
        parts.append(
            f"<div class='card {css}'><b>{esc(d.headline)}</b>{best}<ul>{reasons}</ul></div>"
        )
    parts.append(
        "<details><summary>Verdict rules</summary><ul>"
        + "".join(f"<li>{esc(r)}</li>" for r in decision.RULES)
        + "</ul></details>"
    )
    parts.append("<h2>Charts</h2>")
    for i, (fig, caption) in enumerate(figures(analysis)):
        parts.append(
            pio.to_html(
                fig, include_plotlyjs=(i == 0), full_html=False, config={"responsive": True}
            )
        )
        parts.append(f"<p class='caption'>{esc(caption)}</p>")
    parts.append("<h2>Effects</h2>")
    parts.append(
        effects_table(analysis)
        .drop(columns=["note"])
        .to_html(index=False, float_format=lambda v: f"{v:,.4g}", na_rep="-")
    )
    parts.append("<h2>Settings</h2><table>")
    parts.extend(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in settings.items())
    parts.append(f"<tr><th>currency</th><td>{esc(config.CURRENCY)}</td></tr></table>")
    parts.append("<h2>Method notes</h2><ul>")
    parts.extend(f"<li>{esc(n)}</li>" for n in METHOD_NOTES)
    parts.append("</ul><p class='caption'>Made with Loyalty Lab.</p></body></html>")
    return "\n".join(parts)
