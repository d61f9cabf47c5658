"""Design page and the experiment record (#15): the key "2", and copying a stored experiment."""

from __future__ import annotations

import json

from experiments import config, experiment
from experiments.store import open_store

from .test_design_page import design_page, run  # one home for the page's set-up


def _arms(store, experiment_id: int) -> list[tuple[str, str, float, dict[str, float]]]:
    rows = (
        store.cursor()
        .execute(
            "SELECT name, kind, cost_per_customer, params FROM arms WHERE experiment_id = ?"
            " ORDER BY arm_id",
            [experiment_id],
        )
        .fetchall()
    )
    return [(n, k, float(c), json.loads(p)) for n, k, c, p in rows]


def test_the_experiment_named_2_opens_on_the_design_page_not_id_2(app_env):
    store = open_store(app_env)
    with store.transaction() as cur:  # the demo is id 1; id 2 is a draft named "x"
        cur.execute("UPDATE experiments SET name = '2' WHERE experiment_id = 1")
        cur.execute(
            "INSERT INTO experiments (experiment_id, name, status, salt, horizon_days, source,"
            " created_at) VALUES (2, 'x', 'draft', 's', 60, 'designed', now())"
        )
    at = run(design_page().selectbox(key="design_experiment").set_value("2"))
    shown = " ".join(m.value for m in at.markdown)
    assert "customers assigned and frozen" in shown  # the running demo, read-only
    assert at.button(key="copy_button") is not None
    assert not at.caption or not any("Draft, created" in c.value for c in at.caption)


def test_copy_into_a_new_draft_carries_the_stored_costs_and_params(app_env):
    at = run(
        design_page().selectbox(key="design_experiment").set_value(config.DEMO_EXPERIMENT_NAME)
    )
    at = run(at.button(key="copy_button").click())
    name = f"{config.DEMO_EXPERIMENT_NAME} (copy)"
    assert at.text_input(key="d_name").value == name
    assert [at.session_state[f"arm{u}_gift_cost"] for u, k in at.session_state["d_arms"]
            if k == "gift"] == [250.0]  # fmt: skip
    at = run(at.button(key="save_button").click())
    assert any(f"Draft '{name}' saved" in s.value for s in at.success), [e.value for e in at.error]
    store = open_store(app_env)
    with store.cursor() as cur:
        copy = experiment.load(cur, name)
    assert copy is not None and copy.status == "draft"
    original, copied = _arms(store, 1), _arms(store, copy.id)
    assert [(n, k, c) for n, k, c, _ in copied] == [(n, k, c) for n, k, c, _ in original]
    params = {n: p for n, _, _, p in copied}
    assert params["10% discount"]["validity_days"] == 60.0
    assert params["Personal outreach"]["minutes"] == 8.0
    assert params["Personal outreach"]["hourly_cost"] == 1200.0
