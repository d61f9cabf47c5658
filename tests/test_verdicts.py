"""Verdicts tested like numbers: simulated situations with a known truth, and the verdict asserted.

The demo store records each lever's true effects (potential outcomes with common random numbers),
so a verdict can be checked against what the lever really did by the planned horizon.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from experiments import __main__ as cli
from experiments import decision, demo, metrics
from experiments.store import Store, overview


def _seeded(path, customers: int, seed: int) -> Store:
    store = Store(path)
    demo.seed_demo(store, customers=customers, seed=seed, replace=True)
    return store


def _truth(store: Store, arm: str, metric: str, horizon: int) -> float:
    with store.cursor() as cur:
        row = cur.execute(
            "SELECT true_value FROM known_effects"
            " WHERE arm = ? AND metric = ? AND horizon_days = ?",
            [arm, metric, horizon],
        ).fetchone()
    assert row is not None
    return float(row[0])


def _cut_at_day(store: Store, day: int) -> None:
    """The store as it was `day` days into the test: later transactions not yet happened."""
    with store.transaction() as cur:
        (start,) = cur.execute("SELECT min(assigned_at) FROM assignments").fetchone()
        cur.execute("DELETE FROM transactions WHERE ts > ?", [start + timedelta(days=day)])
        cur.execute("UPDATE experiments SET status = 'running', ended_at = NULL")


def _official(store: Store, settings: metrics.AnalysisSettings | None = None):
    view = metrics.analyze_experiment(store, 1, settings)
    official, differences = decision.official_analysis(store, view)
    return view, official, differences


@pytest.mark.parametrize("day", [7, 10, 21])
def test_discount_that_pulls_purchases_forward_is_never_shipped_at_an_interim_look(tmp_path, day):
    store = _seeded(tmp_path / "cut.duckdb", 40_000, 11)
    planned = 60
    assert _truth(store, "10% discount", "net_value", planned) < -100  # loses money by day 60
    _cut_at_day(store, day)
    with store.cursor() as cur:
        observed = overview.observed_days(cur, 1)  # whole days every customer is observed for
    # the page's default (all data so far), the same look asked for explicitly (on the old
    # code: the discount shipped at day 7 on +36 RUB), and a look longer than the data
    for horizon in (None, observed, day + 1):
        settings = metrics.AnalysisSettings(horizon_days=horizon)
        _, official, _ = _official(store, settings)
        seen = official.horizon_days  # whole days observed for everyone: day - 1 or day
        assert seen in (day - 1, day)
        decisions = {d.arm: d for d in decision.decide(official)}
        discount = decisions["10% discount"]
        assert discount.verdict == "keep_running" and not discount.final
        assert discount.sequential and discount.net_value is not None
        assert f"day {seen} of the planned {planned}" in discount.reasons[0]
        assert "ship" not in {d.verdict for d in decisions.values()}
    store.close()


def test_discount_is_stopped_and_outreach_shipped_once_the_planned_horizon_is_observed(tmp_path):
    store = _seeded(tmp_path / "full.duckdb", 20_000, 7)
    _, official, differences = _official(store)
    assert differences == [] and official.horizon_days == 60
    decisions = {d.arm: d for d in decision.decide(official)}
    assert decisions["10% discount"].verdict == "stop"
    assert _truth(store, "10% discount", "net_value", 60) < 0
    assert decisions["Personal outreach"].verdict == "ship"
    assert _truth(store, "Personal outreach", "net_value", 60) > 0
    assert all(d.final and not d.sequential for d in decisions.values())
    store.close()


@pytest.mark.slow
def test_a_profitable_gift_is_never_stopped_across_seeds(tmp_path):
    """The demo's surprise gift truly earns ~ +175 RUB net per customer by day 60. The old
    family (Holm over 4 metrics x 3 levers) and 'no detectable difference = stop' stopped it in
    about half of the seeds; now a lever that truly earns money is never stopped, and it is
    shipped or called inconclusive (with the customers that would settle it)."""
    verdicts = []
    for seed in range(1, 9):
        store = _seeded(tmp_path / f"s{seed}.duckdb", 20_000, seed)
        assert _truth(store, "Surprise gift", "net_value", 60) > 100
        _, official, _ = _official(store)
        gift = next(d for d in decision.decide(official) if d.arm == "Surprise gift")
        verdicts.append(gift.verdict)
        if gift.verdict == "inconclusive":
            assert gift.needed_customers is not None and gift.needed_customers > 0
        store.close()
    assert "stop" not in verdicts, verdicts
    assert set(verdicts) <= {"ship", "inconclusive"}


def test_exploratory_settings_do_not_change_the_verdict(tmp_path, capsys):
    """Switching 95% -> 90% and Holm -> BH turned a lever from stop into ship, and a report link
    carried that to management. The verdict now follows the rule fixed at design."""
    db = tmp_path / "rule.duckdb"
    _seeded(db, 20_000, 7).close()

    def run(*options: str) -> dict[str, object]:
        assert cli.main(["--db", str(db), "analyze", "1", "--json", *options]) == 0
        return json.loads(capsys.readouterr().out)

    official = run()
    loose = run("--confidence", "90", "--correction", "bh")
    assert not official["exploratory"] and loose["exploratory"]
    assert loose["settings"]["confidence"] == 0.9  # the view is what was asked for ...
    assert [d["verdict"] for d in loose["decisions"]] == [  # ... the verdict is the rule's
        d["verdict"] for d in official["decisions"]
    ]
    for d in loose["decisions"]:
        assert d["exploratory"] and d["rule"]["confidence"] == 0.95
        assert d["rule"]["correction"] == "holm" and d["metric"] == "net_value"
        assert d["verdict"] in decision.VERDICTS
    # a design that fixed 90% and BH gets them as its rule (and its default view)
    with Store(db).transaction() as cur:
        cur.execute(
            "UPDATE experiments SET settings = json_merge_patch(coalesce(settings, '{}'), ?)",
            [json.dumps({"confidence": 0.9, "correction": "bh"})],
        )
    designed = run()
    assert not designed["exploratory"] and designed["settings"]["confidence"] == 0.9
    assert designed["rule"]["correction"] == "bh"


def test_a_shorter_horizon_on_a_completed_experiment_is_exploratory(tmp_path, capsys):
    db = tmp_path / "short.duckdb"
    _seeded(db, 20_000, 7).close()
    assert cli.main(["--db", str(db), "analyze", "1", "--horizon", "30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["horizon_days"] == 30 and out["exploratory"]
    assert out["verdict_horizon_days"] == 60
    assert any("horizon 30 days" in text for text in out["exploratory_differences"])


def test_guardrails_on_the_demo_read_kept_margin_and_an_old_guardrail_holds_nothing(tmp_path):
    """A cost guardrail against a control that pays nothing (margin 5% of 0) stopped every lever
    that costs anything, outreach (+322 RUB net) included, and guardrails stored before they
    were analysed ('refund_share') held every ship forever (review). Now: margin per customer is
    the margin kept after discounts, judged at the planned horizon; an old one holds nothing."""
    store = _seeded(tmp_path / "guard.duckdb", 20_000, 7)
    with store.transaction() as cur:
        cur.execute(
            "UPDATE experiments SET settings = json_merge_patch(coalesce(settings, '{}'), ?)",
            [
                json.dumps(
                    {
                        "guardrails": ["margin_per_customer", "discount_cost", "refund_share"],
                        "guardrail_margin_pct": 5,
                    }
                )
            ],
        )
    _, official, _ = _official(store)
    decisions = {d.arm: d for d in decision.decide(official)}
    outreach = decisions["Personal outreach"]
    states = {c.name: c.state for c in outreach.guardrails}
    assert states == {
        "margin_per_customer": "within",
        "discount_cost": "not analysed",
        "refund_share": "not analysed",
    }
    assert outreach.verdict == "ship"
    kept = next(c for c in outreach.guardrails if c.name == "margin_per_customer")
    fixed = {a.arm: a.cost_per_customer for a in official.arms}
    shift = fixed["Personal outreach"] - fixed["Control"]
    assert kept.effect.diff == pytest.approx(outreach.net_value.diff + shift)
    discount = decisions["10% discount"]  # kept margin falls: the discounts given away
    assert {c.name: c.state for c in discount.guardrails}["margin_per_customer"] == "broken"
    assert discount.verdict != "ship"
    store.close()


def test_the_cli_and_the_page_open_a_running_experiment_on_the_same_default_horizon(
    tmp_path, capsys
):
    """11 days into a 60-day test the page opened at 11 days while `analyze` used 60 and
    answered insufficient data: one default rule now (metrics.default_horizon)."""
    db = tmp_path / "day11.duckdb"
    store = _seeded(db, 20_000, 7)
    _cut_at_day(store, 12)
    with store.cursor() as cur:
        observed = overview.observed_days(cur, 1)
    store.close()
    assert cli.main(["--db", str(db), "analyze", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["horizon_days"] == observed == metrics.default_horizon(60, observed, "running")
    assert out["status"] == "ok" and not out["exploratory"]
    assert {d["verdict"] for d in out["decisions"]} == {"keep_running"}


def test_a_discount_arm_without_its_coupons_in_the_data_holds_the_verdicts(tmp_path):
    """The data carries discounts (the shop's ordinary promotions), so they count - but not the
    lever's coupons: the discount's cost read as nothing and it could ship at a loss (review).
    Such a store is flagged and the verdicts wait ('check the data')."""
    store = _seeded(tmp_path / "coupons.duckdb", 20_000, 7)
    with store.transaction() as cur:
        cur.execute(
            """
            UPDATE transactions SET discount = 0 WHERE customer_id IN (
                SELECT a.customer_id FROM assignments a JOIN arms r
                ON r.experiment_id = a.experiment_id AND r.arm_id = a.arm_id
                WHERE r.kind = 'discount')
            """
        )
        cur.execute(  # the shop's ordinary promotions, on every arm but the discount's
            """
            UPDATE transactions SET discount = 5 WHERE amount > 20 AND customer_id IN (
                SELECT a.customer_id FROM assignments a JOIN arms r
                ON r.experiment_id = a.experiment_id AND r.arm_id = a.arm_id
                WHERE r.kind <> 'discount')
            """
        )
    _, official, _ = _official(store)
    assert official.discount_cost.source == "data"
    assert any("are the lever's coupons in the export" in w.message for w in official.warnings)
    decisions = decision.decide(official)
    assert all(d.blocked and d.verdict == "inconclusive" for d in decisions)
    store.close()


def test_the_demo_with_its_coupons_raises_no_such_warning(tmp_path):
    store = _seeded(tmp_path / "fine.duckdb", 20_000, 7)
    _, official, _ = _official(store)
    assert not any("coupons in the export" in w.message for w in official.warnings)
    store.close()
