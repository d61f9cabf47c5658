"""The analysis recovers the demo experiment's known true effects (issue 4, part 5).

The demo generator stores sample average treatment effects computed from every customer's
potential outcomes under every arm (`known_effects`), with the metric definitions of
`experiments.store.metrics_sql`. At the default 20,000 customers and seed, every truth at the
primary horizon must lie inside the reported 95% intervals; the data is seeded, so this is a
deterministic check that the estimators (and the SQL feeding them) are not biased.
"""

from __future__ import annotations

import json

import pytest

from experiments import config, demo, metrics
from experiments.store import Store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    demo.seed_demo(store, customers=config.DEMO_CUSTOMERS, seed=config.DEMO_SEED, replace=True)
    yield store
    store.close()


@pytest.fixture(scope="module")
def analysis(demo_store) -> metrics.ExperimentAnalysis:
    return metrics.analyze_experiment(demo_store, config.DEMO_EXPERIMENT_NAME)


@pytest.fixture(scope="module")
def truths(demo_store, analysis) -> dict[tuple[str, str], float]:
    with demo_store.cursor() as cur:
        rows = cur.execute(
            "SELECT arm, metric, true_value FROM known_effects"
            " WHERE experiment_id = ? AND horizon_days = ?",
            [int(analysis.experiment.id), analysis.horizon_days],
        ).fetchall()
    return {(arm, metric): float(value) for arm, metric, value in rows}


def test_analysis_is_clean(analysis):
    assert analysis.status == "ok"
    assert analysis.horizon_days == config.DEFAULT_HORIZON_DAYS
    assert not analysis.srm.mismatch
    assert analysis.warnings == []  # fully observed windows, balanced arms, clean data
    json.dumps(analysis.as_json(), allow_nan=False)


def test_every_known_effect_is_inside_the_reported_95_percent_intervals(analysis, truths):
    metrics_checked = {"repeat_purchase", "orders", "revenue", "net_value"}
    assert {metric for _, metric in truths} >= {"repeat_purchase", "net_value"}
    checked = 0
    for (arm, metric), truth in truths.items():
        if metric not in metrics_checked:
            continue
        rows = [e for e in analysis.effects if e.arm == arm and e.metric == metric]
        assert rows, f"no effect rows for {arm} / {metric}"
        for effect in rows:
            assert effect.ok
            assert effect.ci_low is not None and effect.ci_high is not None
            assert effect.ci_low <= truth <= effect.ci_high, (
                f"{arm} {metric} {effect.method}: truth {truth:.4g} outside "
                f"[{effect.ci_low:.4g}, {effect.ci_high:.4g}]"
            )
            checked += 1
    assert checked >= 3 * (1 + 2)  # 3 arms: repeat (z) and net value (welch, cuped) at least


def test_discount_lifts_repeat_most_but_loses_money(analysis, truths):
    repeat = {e.arm: e.diff for e in analysis.effects if e.metric == "repeat_purchase" and e.ok}
    discount = max(repeat, key=lambda arm: repeat[arm] or 0.0)
    assert discount == max(
        (arm for arm, metric in truths if metric == "repeat_purchase"),
        key=lambda arm: truths[(arm, "repeat_purchase")],
    )
    assert truths[(discount, "net_value")] < 0
    for method in ("welch", "cuped"):
        net = analysis.effect(discount, "net_value", method)
        assert net is not None and net.ci_high is not None and net.ci_high < 0
    kinds = {a.arm: a.kind for a in analysis.arms}
    assert kinds[discount] == "discount"
