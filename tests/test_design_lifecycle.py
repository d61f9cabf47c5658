"""The lifecycle: the rule (draft -> running -> completed) and the writes each step makes."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from experiments import design, experiment
from experiments.design import ArmSpec, AudienceFilter
from experiments.store import Store, StoreError
from experiments.store import design_sql as ds
from tests.design_store import (
    CONTROL,
    DISCOUNT,
    GIFT,
    fill,
    load,
    spec,
)


@pytest.fixture
def filled(store):
    return fill(store)


def test_start_freezes_the_previewed_assignment(filled):
    design_ = spec(audience=AudienceFilter(frequency_min=1), code_prefix="LL-")
    preview = design.preview_assignment(filled.cursor(), design_)
    assert preview.balance.table["n"].sum() == len(preview.frame)
    experiment_id = design.save_experiment(filled, design_)
    stored = experiment.load(filled.cursor(), experiment_id)
    assert stored is not None and stored.status == "draft" and stored.spec() == design_
    started = datetime(2026, 7, 1, 9, 0)
    design.start_experiment(filled, experiment_id, started_at=started)
    cur = filled.cursor()
    stored = experiment.load(cur, "Gift vs discount")
    assert stored is not None
    assert stored.status == "running" and stored.started_at == started
    written = ds.assignment_list(cur, experiment_id)
    pd.testing.assert_frame_equal(
        written[["customer_id", "arm", "arm_kind"]].reset_index(drop=True),
        preview.frame[["customer_id", "arm", "arm_kind"]].reset_index(drop=True),
    )
    assert written.loc[written["arm_kind"] == "control", "code"].isna().all()
    assert written.loc[written["arm_kind"] != "control", "code"].str.startswith("LL-").all()
    # the stored assignment's balance, recomputed in SQL, equals the preview's
    again = design.balance_check(design.balance_stats(cur, experiment_id), "control")
    pd.testing.assert_frame_equal(again.table, preview.balance.table, check_dtype=False)


def test_same_salt_gives_the_same_list_in_another_store(filled, tmp_path):
    other = Store(tmp_path / "other.duckdb")
    load(other, filled.frame)
    a = design.preview_assignment(filled.cursor(), spec(stratify_by="spend_tier")).frame
    b = design.preview_assignment(other.cursor(), spec(stratify_by="spend_tier")).frame
    pd.testing.assert_frame_equal(a, b)
    c = design.preview_assignment(other.cursor(), spec(stratify_by="spend_tier", salt="new")).frame
    assert (a["arm"] != c["arm"]).mean() > 0.4
    other.close()


@pytest.mark.parametrize("stratify_by", ["rfm_segment", "spend_tier"])
def test_stratified_start_is_balanced_within_every_stratum(filled, stratify_by):
    weighted = spec(
        arms=(ArmSpec("control", "control", allocation=2), GIFT, DISCOUNT), stratify_by=stratify_by
    )
    frame = design.preview_assignment(filled.cursor(), weighted).frame
    share = np.array([0.5, 0.25, 0.25])
    assert frame["stratum"].nunique() >= 4
    for stratum, group in frame.groupby("stratum"):
        counts = group["arm"].value_counts().reindex(["control", "gift", "10% off"], fill_value=0)
        assert np.all(np.abs(counts.to_numpy() - len(group) * share) < 1), stratum


def test_running_and_completed_experiments_refuse_edits(filled):
    experiment_id = design.save_experiment(filled, spec())
    design.update_arms(filled, experiment_id, (CONTROL, GIFT))  # a draft may change
    stored = experiment.load(filled.cursor(), experiment_id)
    assert stored is not None and [a.name for a in stored.spec().arms] == ["control", "gift"]
    with pytest.raises(StoreError, match="has not started"):
        design.complete_experiment(filled, experiment_id)
    design.start_experiment(filled, experiment_id)
    version = filled.version()
    with pytest.raises(StoreError, match="running"):
        design.update_arms(filled, experiment_id, (CONTROL, DISCOUNT))
    with pytest.raises(StoreError, match="running"):
        design.save_experiment(filled, spec(name="renamed"), experiment_id)
    with pytest.raises(StoreError, match="already running"):
        design.start_experiment(filled, experiment_id)
    assert filled.version() == version  # refusals write nothing
    design.complete_experiment(filled, experiment_id, ended_at=datetime(2026, 9, 1))
    stored = experiment.load(filled.cursor(), experiment_id)
    assert stored is not None and stored.status == "completed"
    assert stored.ended_at == datetime(2026, 9, 1)
    with pytest.raises(StoreError, match="completed"):
        design.update_arms(filled, experiment_id, (CONTROL, DISCOUNT))


def test_invalid_or_duplicate_designs_are_refused(filled):
    with pytest.raises(StoreError, match="control"):
        design.save_experiment(filled, spec(arms=(GIFT, DISCOUNT)))
    design.save_experiment(filled, spec())
    with pytest.raises(StoreError, match="already exists"):
        design.save_experiment(filled, spec())
    empty = design.save_experiment(
        filled, spec(name="nobody", audience=AudienceFilter(recency_max=-1))
    )
    with pytest.raises(StoreError, match="audience is empty"):
        design.start_experiment(filled, empty)
    stored = experiment.load(filled.cursor(), empty)
    assert stored is not None and stored.status == "draft"


def test_arm_costs_and_settings_survive_the_round_trip(filled):
    outreach = ArmSpec("call", "outreach", allocation=0.5, minutes=12, hourly_cost=900)
    original = spec(
        arms=(CONTROL, GIFT, DISCOUNT, outreach, ArmSpec("sms", "custom", custom_cost=3)),
        secondary_metrics=("net_value_90d", "orders"),
        guardrails=("margin_per_customer",),
        confidence=0.9,
        correction="bh",
        guardrail_margin_pct=2.5,
        stratify_by="rfm_segment",
        hypothesis="A gift beats 10% off for lapsing regulars",
        audience=AudienceFilter(segments=("at risk",), attributes=(("city", ("Kazan",)),)),
    )
    experiment_id = design.save_experiment(filled, original)
    stored = experiment.load(filled.cursor(), experiment_id)
    assert stored is not None and stored.spec() == original
    cost = (
        filled.cursor()
        .execute(
            "SELECT cost_per_customer FROM arms WHERE experiment_id = ? AND name = 'call'",
            [experiment_id],
        )
        .fetchone()
    )
    assert cost == (180.0,)
    # the verdict rule fixed at design is what the analysis reads back
    from experiments import decision

    rule = decision.rule_of(stored)
    assert (rule.confidence, rule.correction) == (0.9, "bh")
    assert rule.guardrails == ("margin_per_customer",)
    assert rule.guardrail_margin_pct == 2.5 and rule.decision_metric == "net_value"


def test_experiments_written_elsewhere_load_with_defaults(store):
    with store.transaction() as cur:
        cur.execute(
            """
            INSERT INTO experiments (experiment_id, name, status, salt, settings, created_at)
            VALUES (7, 'legacy', 'running', 's',
                    '{"audience": "everyone", "stratify_by": 3}', now())
            """
        )
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation) VALUES "
            "(7, 0, 'A', 'control', 1), (7, 1, 'B', 'custom', 1)"
        )
    stored = experiment.load(store.cursor(), "legacy")
    assert stored is not None and stored.id == 7
    assert stored.spec().audience == AudienceFilter() and stored.spec().stratify_by == "none"
    assert [a.kind for a in stored.spec().arms] == ["control", "custom"]
    assert experiment.load(store.cursor(), "missing") is None


def ids(n: int) -> list[str]:
    return [f"cust-{i}" for i in range(n)]


def test_lifecycle_allows_only_draft_running_completed():
    assert design.next_status("draft", "start") == "running"
    assert design.next_status("running", "complete") == "completed"
    assert design.refusal("draft", "edit") is None
    for status, action in [
        ("running", "edit"),
        ("completed", "edit"),
        ("running", "start"),
        ("draft", "complete"),
        ("completed", "start"),
    ]:
        reason = design.refusal(status, action)
        assert reason, (status, action)
        with pytest.raises(design.DesignError):
            design.next_status(status, action)
    assert "running" in design.refusal("running", "edit")  # type: ignore[operator]
