"""The experiment record (#15): one typed shape, one builder, one lookup rule, stored costs."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from experiments import config, decision, demo, design, experiment, metrics
from experiments.__main__ import _experiment
from experiments.design import ArmSpec, AudienceFilter, ExperimentSpec
from experiments.store import Store, overview


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """The seeded demo (experiment 1, with the gift stored as 180 + 70 delivery = 250)."""
    store = Store(tmp_path_factory.mktemp("record") / "demo.duckdb")
    demo.seed_demo(store, customers=1500, seed=3, replace=True)
    yield store
    store.close()


def _stored_arms(store: Store, experiment_id: int) -> list[tuple]:
    return (
        store.cursor()
        .execute(
            "SELECT name, kind, cost_per_customer, params FROM arms WHERE experiment_id = ?"
            " ORDER BY arm_id",
            [experiment_id],
        )
        .fetchall()
    )


# -- store -> record round trip ------------------------------------------------------------------
def test_a_saved_design_reads_back_as_the_same_spec_and_the_rows_it_was_built_from(store):
    original = ExperimentSpec(
        name="Round trip",
        arms=(
            ArmSpec("control", "control", 2.0),
            ArmSpec("10% off", "discount", 1.0, discount_pct=10, redemption_share=0.4),
            ArmSpec("call", "outreach", 1.0, minutes=9, hourly_cost=1200),
            ArmSpec("sms", "custom", 1.0, custom_cost=3.5, extra_params=(("validity_days", 7),)),
        ),
        hypothesis="calls beat coupons",
        primary_metric="net_value",
        horizon_days=45,
        secondary_metrics=("orders",),
        guardrails=("repeat_purchase",),
        confidence=0.9,
        correction="bh",
        guardrail_margin_pct=3.0,
        stratify_by="spend_tier",
        salt="s1",
        audience=AudienceFilter(recency_min=30, segments=("at risk",)),
        code_prefix="RT-",
    )
    experiment_id = design.save_experiment(store, original)
    with store.cursor() as cur:
        record = experiment.load(cur, experiment_id)
        rows = overview.experiment_rows(cur, experiment_id)
        arm_rows = overview.arm_rows(cur, experiment_id)
    assert record is not None and record == experiment.from_rows(rows[0], arm_rows)
    assert record.spec() == original
    assert (record.id, record.name, record.status, record.source) == (
        experiment_id, "Round trip", "draft", "designed",
    )  # fmt: skip
    assert (record.confidence, record.correction, record.guardrail_margin_pct) == (0.9, "bh", 3.0)
    assert record.margin_rate is None and record.archived is False and record.customers == 0
    assert [a.arm_id for a in record.arms] == [0, 1, 2, 3]
    assert [a.cost_per_customer for a in record.arms] == [0.0, 0.0, 180.0, 3.5]
    assert record.arm("sms") is not None and record.arm("sms").params["validity_days"] == 7
    assert record.control is not None and record.control.name == "control"
    rule = decision.rule_of(record)
    assert (rule.horizon_days, rule.confidence, rule.correction) == (45, 0.9, "bh")


def test_list_all_and_load_build_the_same_record(demo_store):
    with demo_store.cursor() as cur:
        listed = experiment.list_all(cur)
        assert listed == [experiment.load(cur, e.id) for e in listed]
    (assigned,) = (
        demo_store.cursor()
        .execute("SELECT count(*) FROM assignments WHERE experiment_id = 1")
        .fetchone()
    )
    assert listed[0].demo and listed[0].customers == assigned > 0
    assert json.loads(json.dumps(listed[0].as_json()))["arms"][2]["cost_per_customer"] == 250.0


def test_settings_written_elsewhere_read_as_the_defaults(store):
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO experiments (experiment_id, name, status, salt, horizon_days, settings,"
            " created_at) VALUES (5, 'odd', 'running', 's', 30, ?, ?)",
            [
                '{"confidence": 7, "correction": "sidak", "margin_rate": "high",'
                ' "guardrails": ["refund_share"], "archived": "yes"}',
                datetime(2026, 1, 1),
            ],
        )
    with store.cursor() as cur:
        record = experiment.load(cur, 5)
    assert record is not None
    assert (record.confidence, record.correction) == (config.CONFIDENCE, "holm")
    assert record.margin_rate is None and record.archived is False
    assert record.guardrails == ("refund_share",)  # kept: the verdict reports it not analysed
    assert record.spec().guardrails == ()  # a new design cannot choose it


# -- stored costs are what the analysis charges ----------------------------------------------
def test_stored_costs_read_back_equal_to_what_the_analysis_charges(demo_store):
    with demo_store.cursor() as cur:
        record = experiment.load(cur, 1)
    assert record is not None
    stored = {name: cost for name, _, cost, _ in _stored_arms(demo_store, 1)}
    analysis = metrics.analyze_experiment(demo_store, 1)
    charged = {a.arm: a.cost_per_customer for a in analysis.arms}
    shown = {a.name: a.cost_per_customer for a in record.spec().arms}  # Design page, copy
    assert stored["Surprise gift"] == 250.0
    assert {a.name: a.cost_per_customer for a in record.arms} == stored == charged == shown


def test_a_copy_of_the_demo_stores_the_same_costs_and_params(demo_store):
    with demo_store.cursor() as cur:
        original = experiment.load(cur, 1)
    assert original is not None
    copy_id = design.save_experiment(
        demo_store, experiment_copy(original.spec(), f"{original.name} (copy)")
    )
    before = _stored_arms(demo_store, 1)
    after = _stored_arms(demo_store, copy_id)
    assert [(n, k, c) for n, k, c, _ in after] == [(n, k, c) for n, k, c, _ in before]
    params = {n: json.loads(p) for n, _, _, p in after}
    assert params["10% discount"]["validity_days"] == 60.0  # carried, not dropped
    assert params["Personal outreach"]["minutes"] == 8.0
    with demo_store.cursor() as cur:
        copied = experiment.load(cur, copy_id)
    assert copied is not None and copied.spec().arms == original.spec().arms


def experiment_copy(spec: ExperimentSpec, name: str) -> ExperimentSpec:
    from dataclasses import replace

    return replace(spec, name=name, salt=design.new_salt())


def test_an_outreach_arm_whose_inputs_disagree_with_its_cost_reads_back_at_its_cost(store):
    experiment_id = design.save_experiment(
        store,
        ExperimentSpec(
            name="calls",
            arms=(ArmSpec("control", "control"), ArmSpec("call", "outreach", minutes=6)),
        ),
    )
    with store.transaction() as cur:
        cur.execute(
            "UPDATE arms SET cost_per_customer = 90 WHERE experiment_id = ? AND arm_id = 1",
            [experiment_id],
        )
    with store.cursor() as cur:
        arm = experiment.load(cur, experiment_id).arms[1]
    assert arm.cost_per_customer == 90.0 and arm.spec().cost_per_customer == 90.0


# -- one lookup rule: the key "2" -----------------------------------------------------------
@pytest.fixture
def two(demo_store, tmp_path):
    """A copy of the demo store where experiment 1 (the demo) is named "2" and id 2 is "x"."""
    path = tmp_path / "two.duckdb"
    with demo_store.cursor() as cur:
        cur.execute("CHECKPOINT")
    path.write_bytes(demo_store.path.read_bytes())
    store = Store(path)
    with store.transaction() as cur:
        cur.execute("DELETE FROM experiments WHERE experiment_id > 1")
        cur.execute("DELETE FROM arms WHERE experiment_id > 1")
        cur.execute("UPDATE experiments SET name = '2' WHERE experiment_id = 1")
        cur.execute(
            "INSERT INTO experiments (experiment_id, name, status, salt, horizon_days,"
            " source, created_at) VALUES (2, 'x', 'draft', 's', 60, 'designed', now())"
        )
    yield store
    store.close()


def test_the_key_2_is_the_experiment_named_2_for_the_cli_the_analysis_and_a_name_link(two):
    assert _experiment(two, "2").id == 1
    assert metrics.analyze_experiment(two, "2").experiment.id == 1
    with two.cursor() as cur:
        assert experiment.load(cur, "2").name == "2"
        assert experiment.load(cur, 2).name == "x"  # an int is an id
        assert experiment.from_link(cur, "1").name == "2"  # links carry ids
        assert experiment.from_link(cur, "2").name == "x"
        assert experiment.load(cur, "x").id == 2
        assert experiment.load(cur, "3") is None
