"""User-supplied names in figures (arms, segments, metrics, fields) are drawn literally: plotly
renders '<b>', '<a href>' and '<br>' in every text it draws, so each chart builder passes such
names through `escape.plotly` and keeps its own markup ('<extra></extra>') intact."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from experiments import charts, demo, escape, metrics, report, stats
from experiments.store import Store

LINK = '<a href="http://evil.test/claim">x</a>'
BOLD = "<b>A</b>"
CITY = "<br>Moscow & <i>co</i>"
HOSTILE = (LINK, BOLD, CITY)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> metrics.ExperimentAnalysis:
    store = Store(tmp_path_factory.mktemp("plotly") / "demo.duckdb")
    demo.seed_demo(store, customers=3000, seed=4, replace=True)
    with store.transaction() as cur:
        for kind, name in (("gift", LINK), ("outreach", BOLD), ("discount", "10% %{y} off")):
            cur.execute(
                "UPDATE arms SET name = ? WHERE experiment_id = 1 AND kind = ?", [name, kind]
            )
        cur.execute("UPDATE customer_attributes SET value = ? WHERE value = 'Moscow'", [CITY])
    result = metrics.analyze_experiment(
        store, 1, metrics.AnalysisSettings(segment_attribute="city")
    )
    store.close()
    return result


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "template":
                yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def drawn(fig: go.Figure) -> list[str]:
    """Every string of the figure plotly draws (the template's defaults aside)."""
    return list(_strings(json.loads(fig.to_json())))


def assert_literal(fig: go.Figure, names: tuple[str, ...] = HOSTILE) -> None:
    texts = drawn(fig)
    for text in texts:
        for name in HOSTILE:
            assert name not in text, (name, text)  # never raw markup
        assert "&lt;extra" not in text and "&amp;lt;" not in text, text  # never twice
    joined = "\n".join(texts)
    for name in names:
        assert escape.plotly(name) in joined, name  # shown, as typed


def test_plotly_escape_turns_markup_into_the_entities_plotly_decodes():
    assert escape.plotly(LINK) == '&lt;a href="http://evil.test/claim"&gt;x&lt;/a&gt;'
    assert escape.plotly("R&D <3") == "R&amp;D &lt;3"
    assert escape.plotly("Control") == "Control"


def test_forest_draws_hostile_arms_metrics_and_fields_literally(hostile):
    effects = [e.as_json() for e in stats.headline_effects(hostile.effects)]
    assert_literal(charts.forest_figure(effects), (LINK, BOLD))
    renamed = [{**e, "metric": BOLD if e["metric"] == "net_value" else e["metric"]}
               for e in effects]  # fmt: skip
    fig = charts.forest_figure(
        [{**e, "method": "cuped"} for e in renamed],
        units={BOLD: "RUB"},
        adjusted_for=f"the pre-period field {LINK}",
    )
    assert_literal(fig, (LINK, BOLD))
    assert escape.plotly(LINK) in fig.layout.title.subtitle.text
    assert escape.plotly(BOLD) in {a.text for a in fig.layout.annotations}  # the panel title
    several = [{**e, "method": m} for e in effects for m in ("welch", "cuped")]
    assert_literal(charts.forest_figure(several), (LINK, BOLD))


@pytest.mark.parametrize(
    "build",
    [
        charts.arm_repeat_figure,
        charts.decay_figure,
        charts.payback_figure,
        charts.net_value_distribution_figure,
    ],
)
def test_arm_curves_draw_hostile_arm_names_literally(hostile, build):
    fig = build(hostile)
    assert_literal(fig, (LINK, BOLD))
    names = {trace.name for trace in fig.data if trace.showlegend is not False}
    assert {escape.plotly(LINK), escape.plotly(BOLD)} <= names


def test_payback_marks_name_the_arm_literally(hostile):
    paid = {
        arm: dataclasses.replace(p, confident_day=p.confident_day or 30)
        for arm, p in hostile.payback.items()
    }
    fig = charts.payback_figure(dataclasses.replace(hostile, payback=paid))
    notes = [a.text for a in fig.layout.annotations]
    assert any(escape.plotly(LINK) in note for note in notes), notes
    assert_literal(fig, (LINK, BOLD))


def test_distribution_hover_names_the_arm_literally(hostile):
    fig = charts.net_value_distribution_figure(hostile)
    hovers = [trace.hovertemplate for trace in fig.data]
    assert any(h.startswith(escape.plotly(LINK) + "<br>") for h in hovers), hovers
    assert all(h.endswith("<extra></extra>") for h in hovers)
    assert any(h.startswith("10% %\u200b{y} off") for h in hovers)  # no placeholder


def test_segments_draw_hostile_segment_and_arm_names_literally(hostile):
    fig = charts.segments_figure(hostile)
    assert_literal(fig, (LINK, BOLD, CITY))
    rows = {str(y) for trace in fig.data for y in trace.y}
    assert any(y.endswith(": " + escape.plotly(CITY)) for y in rows), rows


def test_rfm_segments_draw_a_custom_rules_name_literally():
    segments = pd.DataFrame(
        {
            "segment": ["champions", LINK],
            "customers": [120, 40],
            "revenue": [1_000.0, 80.0],
            "revenue_share": [0.9, 0.1],
        }
    )
    fig = charts.rfm_segments_figure(segments, lookback_days=365)
    assert_literal(fig, (LINK,))
    assert list(fig.data[0].x) == ["champions", escape.plotly(LINK)]


def test_the_reports_figures_keep_their_markup_and_escape_names(hostile):
    for fig, _ in report.figures(hostile):
        assert_literal(fig, ())
    page = report.html_report(hostile)
    assert "&lt;extra" not in page and "\\u0026lt;extra" not in page
    assert "\\u003cextra\\u003e\\u003c\\u002fextra\\u003e" in page  # plotly's own tag
    assert "\\u003ca href" not in page and '<a href="http://evil' not in page
    assert "&lt;a href" in page or "\\u0026lt;a href" in page  # the arm, shown as typed


def test_every_hovertemplate_of_the_report_ends_with_plotlys_extra_tag(hostile):
    templates = [
        trace.hovertemplate
        for fig, _ in report.figures(hostile)
        for trace in pio.from_json(report.phone_layout(fig).to_json()).data
        if getattr(trace, "hovertemplate", None)
    ]
    assert templates and all(h.endswith("<extra></extra>") for h in templates), templates
