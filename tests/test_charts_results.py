"""Charts of an experiment's results (experiments.charts.results), on the same seeded demo
experiment as test_decision_report: the figures carry the analysis' numbers, colours follow
the arms, degenerate analyses get a message."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from experiments import charts, config, decision, report, stats


def test_forest_figure_draws_the_analysis_intervals(analysis):
    effects = [e.as_json() for e in analysis.effects]
    fig = charts.forest_figure(effects)
    assert "confidence intervals" in fig.layout.title.text
    repeat = next(t for t in fig.data if t.name == "repeat_purchase")
    rows = [e for e in effects if e["metric"] == "repeat_purchase" and e["diff"] is not None]
    assert list(repeat.x) == pytest.approx([e["diff"] * 100 for e in rows])
    assert [x + up for x, up in zip(repeat.x, repeat.error_x.array, strict=True)] == pytest.approx(
        [e["ci_high"] * 100 for e in rows]
    )
    titles = [a.title.text for a in (fig.layout.xaxis, fig.layout.xaxis2)]
    assert titles[0].endswith("pp") and "difference vs control" in titles[1]


def test_forest_colours_follow_the_corrected_test_the_verdicts_read(analysis):
    base = next(e.as_json() for e in analysis.effects if e.metric == "net_value")
    rows = [
        {**base, "arm": "a", "diff": 80.0, "ci_low": 10.0, "ci_high": 150.0, "p_adjusted": 0.08},
        {**base, "arm": "b", "diff": 80.0, "ci_low": 10.0, "ci_high": 150.0, "p_adjusted": 0.01},
        {**base, "arm": "c", "diff": -80.0, "ci_low": -150.0, "ci_high": -10.0, "p_adjusted": 0.01},
        {**base, "arm": "d", "diff": 80.0, "ci_low": 10.0, "ci_high": 150.0, "p_adjusted": None},
    ]
    colours = dict(
        zip(["a", "b", "c", "d"], charts.forest_figure(rows).data[0].marker.color, strict=True)
    )
    assert colours == {"a": "#7f7f7f", "b": "#2ca02c", "c": "#d62728", "d": "#2ca02c"}


def test_forest_of_headline_effects_has_one_row_per_arm_and_names_the_adjustment(analysis):
    effects = [e.as_json() for e in stats.headline_effects(analysis.effects)]
    fig = charts.forest_figure(effects)
    treated = {a.arm for a in analysis.arms if a.arm != analysis.control}
    for trace in fig.data:
        assert set(trace.y) == treated and len(trace.y) == len(treated)
    net = next(t for t in fig.data if t.name == "net_value")
    expected = {e["arm"]: e["diff"] for e in effects if e["metric"] == "net_value"}
    assert dict(zip(net.y, net.x, strict=True)) == pytest.approx(expected)
    assert set(net.text) == {"cuped"}
    assert "net value" in fig.layout.title.subtitle.text
    assert "adjusted for pre-period spend, orders, recency, tenure and RFM segment (CUPED)" in (
        fig.layout.title.subtitle.text
    )
    named = charts.forest_figure(effects, adjusted_for="the pre-period field history")
    assert "adjusted for the pre-period field history" in named.layout.title.subtitle.text
    # without CUPED rows there is nothing to name
    plain = [e for e in (x.as_json() for x in analysis.effects) if e["method"] != "cuped"]
    assert not charts.forest_figure(plain).layout.title.subtitle.text


def test_segment_rows_put_arms_side_by_side(analysis):
    fig = charts.segments_figure(analysis)
    assert fig.layout.scattermode == "group"
    assert {t.orientation for t in fig.data} == {"h"}
    assert len(fig.data) == len({arm for (_, m, arm) in analysis.segments if m == "net_value"})


def test_repeat_curve_is_one_minus_kaplan_meier_with_its_band_and_the_horizon(analysis):
    fig = charts.arm_repeat_figure(analysis)
    curves = analysis.kaplan_meier.curves
    lines = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in lines] == [a.arm for a in analysis.arms]  # control first
    for trace in lines:
        part = curves[curves["group"].astype(str) == trace.name]
        assert list(trace.y) == pytest.approx(list(1 - part["survival"]))
        upper, lower = (t for t in fig.data if t.name == f"{trace.name} CI")
        assert list(upper.y) == pytest.approx(list(1 - part["ci_low"]))
        assert list(lower.y) == pytest.approx(list(1 - part["ci_high"]))
        assert lower.fill == "tonexty" and lower.line.shape == "hv"  # a stepped band
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.xaxis.title.text == "days since assignment"
    assert [s.x0 for s in fig.layout.shapes] == [analysis.horizon_days]
    p = analysis.kaplan_meier.logrank_p_value
    expected = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    assert expected in fig.layout.title.subtitle.text


def test_payback_figure_marks_each_day_paid_back_with_confidence(analysis):
    fig = charts.payback_figure(analysis)
    marked = [s.x0 for s in fig.layout.shapes if s.x0 == s.x1 and s.x0 is not None]
    expected = [p.confident_day for p in analysis.payback.values() if p.confident_day]
    assert sorted(marked) == sorted(expected)
    assert "after its cost" in fig.layout.title.text
    captions = dict((f.layout.title.text, c) for f, c in report.figures(analysis))
    caption = next(c for t, c in captions.items() if t.startswith("When does"))
    words = decision.Words("en", config.CURRENCY)  # the report's sentences, the cards' money
    for payback in analysis.payback.values():
        assert decision.timing_statement(payback, words) in caption
    fading = next(c for t, c in captions.items() if t.startswith("Does the effect fade"))
    for test in analysis.fading.values():
        assert test.arm in fading and decision.timing_statement(test, words) in fading


def test_two_levers_of_one_kind_get_their_own_colours_in_every_chart():
    arms = [("control", "control"), ("10% off", "discount"), ("20% off", "discount"),
            ("gift", "gift"), ("mystery", None)]  # fmt: skip
    colors = charts.arm_palette(arms)
    assert len(set(colors.values())) == len(arms)
    assert colors["10% off"] == charts.ARM_COLORS["discount"]  # the kind's colour first
    assert colors["gift"] == charts.ARM_COLORS["gift"]
    curves = pd.DataFrame(
        {"arm": ["10% off", "10% off", "20% off", "20% off"], "kind": ["discount"] * 4,
         "x": [0, 1, 0, 1], "y": [0.1, 0.2, 0.1, 0.3]}
    )  # fmt: skip
    fig = charts.curves_figure(curves, x="x", y="y", title="t", x_title="x", y_title="y")
    assert fig.data[0].line.color != fig.data[1].line.color


def test_payback_lines_start_at_minus_the_extra_fixed_cost(analysis):
    fig = charts.payback_figure(analysis)
    costs = {a.arm: a.cost_per_customer for a in analysis.arms}
    lines = [t for t in fig.data if t.showlegend is not False]
    assert lines
    for trace in lines:
        assert trace.x[0] == 0
        assert trace.y[0] == pytest.approx(-(costs[trace.name] - costs[analysis.control]))
        assert list(trace.x[1:]) == [p.bucket for p in analysis.cumulative[trace.name]]


def test_empty_analysis_gets_a_message_not_a_broken_chart(analysis):
    empty = dataclasses.replace(analysis, decay={}, cumulative={}, segments={})
    for build in (charts.decay_figure, charts.payback_figure, charts.segments_figure):
        fig = build(empty)
        assert fig.layout.annotations and not fig.data


def test_distribution_histogram_counts_every_observed_customer_and_marks_the_cap(capped):
    analysis = capped
    dist = analysis.distribution
    observed = {a.arm_id: a.n_observed for a in analysis.arms}
    assert dist.groupby("arm_id")["customers"].sum().to_dict() == observed
    fig = charts.net_value_distribution_figure(analysis)
    assert len(fig.data) == len(analysis.arms)
    for trace in fig.data:
        assert sum(trace.y) == pytest.approx(1.0)
    _, upper = analysis.caps["net_value"]
    assert any(s.x0 == upper for s in fig.layout.shapes)
    assert f"{int(dist['above_cap'].sum())} customers above" in " ".join(
        a.text for a in fig.layout.annotations
    )
    assert fig.layout.yaxis.type == "log"
