"""The demo data set: reproducible, the stated shape, known effects the stored data bears out."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import __main__ as cli
from experiments import config, demo
from experiments.store import Store, StoreError

SMALL = 3000
HORIZONS = config.HORIZONS_DAYS


def _seed(path: Path, customers: int, seed: int) -> Store:
    store = Store(path)
    demo.seed_demo(store, customers=customers, seed=seed, replace=True)
    return store


@pytest.fixture(scope="module")
def default_store(tmp_path_factory: pytest.TempPathFactory):
    """The embedded default: 20,000 customers, seed 7, as the app seeds it on first start."""
    store = _seed(
        tmp_path_factory.mktemp("demo") / "default.duckdb", config.DEMO_CUSTOMERS, config.DEMO_SEED
    )
    yield store
    store.close()


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory):
    store = _seed(tmp_path_factory.mktemp("demo") / "small.duckdb", SMALL, 11)
    yield store
    store.close()


def _snapshot(store: Store) -> dict[str, pd.DataFrame]:
    """Every data table in a canonical order, for exact comparison."""
    queries = {
        "transactions": "SELECT * EXCLUDE (upload_id) FROM transactions ORDER BY order_id",
        "customers": "SELECT * FROM customers ORDER BY customer_id",
        "attributes": "SELECT customer_id, name, value FROM customer_attributes ORDER BY ALL",
        "assignments": "SELECT customer_id, arm_id, assigned_at FROM assignments ORDER BY ALL",
        "arms": "SELECT * EXCLUDE (experiment_id) FROM arms ORDER BY arm_id",
        "known_effects": "SELECT arm, metric, horizon_days, true_value FROM known_effects "
        "ORDER BY ALL",
    }
    with store.cursor() as cur:
        return {name: cur.execute(sql).df() for name, sql in queries.items()}


# 3 levers x 4 metrics x 4 horizons, plus each lever's true 12-month future value
KNOWN_EFFECT_ROWS = 3 * len(demo.METRICS) * len(config.HORIZONS_DAYS) + 3


def _truths(store: Store) -> pd.DataFrame:
    with store.cursor() as cur:
        return cur.execute("SELECT arm, metric, horizon_days, true_value FROM known_effects").df()


def _truth(truths: pd.DataFrame, arm: str, metric: str, horizon: int) -> float:
    row = truths[(truths.arm == arm) & (truths.metric == metric) & (truths.horizon_days == horizon)]
    assert len(row) == 1
    return float(row.true_value.iloc[0])


def _per_customer(store: Store, horizon: int) -> pd.DataFrame:
    """The four metrics per assigned customer, straight from the stored rows (plain SQL)."""
    with store.cursor() as cur:
        return cur.execute(
            """
            SELECT s.customer_id, r.name AS arm,
                   CAST(count(t.ts) > 0 AS DOUBLE) AS repeat_purchase,
                   count(t.ts) AS orders,
                   coalesce(sum(t.amount), 0) AS revenue,
                   coalesce(sum(t.margin), 0) - coalesce(sum(t.discount), 0)
                       - r.cost_per_customer AS net_value
            FROM assignments s
            JOIN arms r USING (experiment_id, arm_id)
            LEFT JOIN transactions t
              ON t.customer_id = s.customer_id
             AND t.ts > s.assigned_at AND t.ts <= s.assigned_at + to_days(CAST(? AS INTEGER))
            GROUP BY s.customer_id, r.name, r.cost_per_customer
            """,
            [horizon],
        ).df()


# -- reproducibility ---------------------------------------------------------------------------
def test_same_seed_gives_identical_data(tmp_path: Path, small_store: Store):
    again = _seed(tmp_path / "again.duckdb", SMALL, 11)
    first, second = _snapshot(small_store), _snapshot(again)
    again.close()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True, obj=name)


def test_different_seed_gives_different_data(tmp_path: Path, small_store: Store):
    other = _seed(tmp_path / "other.duckdb", SMALL, 12)
    first, second = _snapshot(small_store), _snapshot(other)
    other.close()
    assert not first["transactions"].equals(second["transactions"])
    assert not first["assignments"].equals(second["assignments"])
    assert not first["known_effects"].equals(second["known_effects"])


# -- shape -------------------------------------------------------------------------------------
def test_sizes_dates_and_first_seen(small_store: Store):
    with small_store.cursor() as cur:
        customers, buyers, rows, first_ts, last_ts, orders = cur.execute(
            """
            SELECT (SELECT count(*) FROM customers),
                   count(DISTINCT customer_id), count(*), min(ts), max(ts),
                   count(DISTINCT order_id)
            FROM transactions
            """
        ).fetchone()
        wrong_first_seen = cur.execute(
            """
            SELECT count(*) FROM customers c
            JOIN (SELECT customer_id, min(ts) AS first_ts FROM transactions GROUP BY ALL) t
              USING (customer_id)
            WHERE c.first_seen <> t.first_ts
            """
        ).fetchone()[0]
        channels = dict(
            cur.execute("SELECT channel, count(*) FROM transactions GROUP BY ALL").fetchall()
        )
        margin_rates = cur.execute(
            "SELECT min(margin / (amount + discount)), max(margin / (amount + discount)),"
            " median(amount + discount) FROM transactions"
        ).fetchone()
    assert customers == buyers == SMALL
    assert orders == rows
    assert 7 * SMALL < rows < 13 * SMALL  # about ten transactions per customer
    assert datetime(2024, 11, 1) <= first_ts < datetime(2024, 11, 2)
    assert datetime(2026, 10, 31) <= last_ts < datetime(2026, 11, 1)
    assert wrong_first_seen == 0
    assert set(channels) == {"web", "app", "store"}
    assert margin_rates[0] >= 0.3
    assert margin_rates[1] <= 0.5
    assert 2000 <= margin_rates[2] <= 3000  # median order value in RUB


def test_every_customer_has_city_tier_and_age_band(small_store: Store):
    with small_store.cursor() as cur:
        counts = dict(
            cur.execute(
                "SELECT name, count(DISTINCT customer_id) FROM customer_attributes GROUP BY ALL"
            ).fetchall()
        )
        tiers = dict(
            cur.execute(
                "SELECT value, count(*) FROM customer_attributes WHERE name = 'loyalty_tier'"
                " GROUP BY ALL"
            ).fetchall()
        )
    assert counts == {"city": SMALL, "loyalty_tier": SMALL, "age_band": SMALL}
    assert set(tiers) == {"bronze", "silver", "gold"}
    assert tiers["gold"] < tiers["silver"] < tiers["bronze"]


def test_audience_is_last_years_buyers_split_evenly(small_store: Store):
    with small_store.cursor() as cur:
        audience = {
            row[0]
            for row in cur.execute(
                "SELECT DISTINCT customer_id FROM transactions WHERE ts >= ? AND ts < ?",
                [datetime(2025, 4, 1, 9), datetime(2026, 4, 1, 9)],
            ).fetchall()
        }
        assigned = cur.execute("SELECT customer_id, arm_id, assigned_at FROM assignments").df()
        experiment = cur.execute(
            "SELECT name, status, started_at, ended_at, salt FROM experiments"
        ).fetchall()
        arms = cur.execute(
            "SELECT name, kind, discount_pct, cost_per_customer, params FROM arms ORDER BY arm_id"
        ).fetchall()
    assert set(assigned.customer_id) == audience
    assert assigned.customer_id.is_unique
    sizes = assigned.arm_id.value_counts()
    assert sorted(sizes.index) == [1, 2, 3, 4]
    assert sizes.max() - sizes.min() <= 1
    assert (assigned.assigned_at == demo.EXPERIMENT_START).all()
    [(name, status, started, ended, salt)] = experiment
    assert (name, status, started) == (
        config.DEMO_EXPERIMENT_NAME,
        "completed",
        demo.EXPERIMENT_START,
    )
    assert (ended - started).days == max(HORIZONS) and ended < demo.DATA_END
    assert salt
    assert [a[:2] for a in arms] == [
        ("Control", "control"),
        ("10% discount", "discount"),
        ("Surprise gift", "gift"),
        ("Personal outreach", "outreach"),
    ]
    outreach = json.loads(arms[3][4])
    assert arms[3][3] == pytest.approx(outreach["minutes"] / 60 * outreach["hourly_cost"])
    assert arms[1][2] == 10


def test_discounts_only_for_the_discount_arm_while_valid(small_store: Store):
    with small_store.cursor() as cur:
        discounted = cur.execute(
            """
            SELECT r.name, t.ts, t.discount, t.amount
            FROM transactions t
            LEFT JOIN assignments s USING (customer_id)
            LEFT JOIN arms r USING (experiment_id, arm_id)
            WHERE t.discount <> 0
            """
        ).df()
    assert len(discounted) > 100
    assert set(discounted.name) == {"10% discount"}
    start = pd.Timestamp(demo.EXPERIMENT_START)
    assert (discounted.ts > start).all()
    assert (discounted.ts <= start + pd.Timedelta(days=60)).all()
    list_price = discounted.amount + discounted.discount
    np.testing.assert_allclose(discounted.discount, (list_price * 0.10).round(2), atol=0.011)


def test_discount_arm_redeems_the_stated_share_of_valid_orders(small_store: Store):
    """Orders that would have happened anyway are discounted too: that is what it costs."""
    with small_store.cursor() as cur:
        redeemed, orders, share = cur.execute(
            """
            SELECT count(*) FILTER (WHERE t.discount > 0), count(*), any_value(r.redemption_share)
            FROM transactions t
            JOIN assignments s USING (customer_id)
            JOIN arms r USING (experiment_id, arm_id)
            WHERE r.kind = 'discount'
              AND t.ts > s.assigned_at AND t.ts <= s.assigned_at + INTERVAL 60 DAY
            """
        ).fetchone()
    assert orders > 500
    assert redeemed / orders == pytest.approx(share, abs=4 * np.sqrt(share * (1 - share) / orders))


def test_upload_audit_row_owns_every_row(small_store: Store):
    with small_store.cursor() as cur:
        uploads = cur.execute(
            "SELECT upload_id, file_name, sha256, kind, rows FROM uploads"
        ).fetchall()
        [(upload_id, file_name, sha256, kind, rows)] = uploads
        foreign = cur.execute(
            """
            SELECT (SELECT count(*) FROM transactions WHERE upload_id IS DISTINCT FROM $id)
                 + (SELECT count(*) FROM customer_attributes WHERE upload_id IS DISTINCT FROM $id)
                 + (SELECT count(*) FROM assignments WHERE upload_id IS DISTINCT FROM $id)
            """,
            {"id": upload_id},
        ).fetchone()[0]
        transactions = cur.execute("SELECT count(*) FROM transactions").fetchone()[0]
    parameters = {"customers": SMALL, "generator": "loyalty-lab demo v1", "seed": 11}
    assert file_name == f"demo ({SMALL} customers, seed 11)"
    assert kind == "demo"
    assert sha256 == hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()
    assert rows == transactions
    assert foreign == 0


# -- known effects -----------------------------------------------------------------------------
def test_known_effects_have_the_designed_story(default_store: Store):
    truths = _truths(default_store)
    assert len(truths) == KNOWN_EFFECT_ROWS

    def t(arm: str, metric: str, horizon: int) -> float:
        return _truth(truths, arm, metric, horizon)

    discount, gift, outreach = "10% discount", "Surprise gift", "Personal outreach"
    # the discount buys the largest repeat lift (+8-12 pp at 60 days) ...
    assert 0.08 <= t(discount, "repeat_purchase", 60) <= 0.12
    for horizon in HORIZONS:
        assert t(discount, "repeat_purchase", horizon) > t(gift, "repeat_purchase", horizon)
        assert t(discount, "repeat_purchase", horizon) > t(outreach, "repeat_purchase", horizon)
        # ... and loses money after its cost at every horizon
        assert t(discount, "net_value", horizon) < 0
    # gift and outreach: smaller positive lifts, positive net value once orders come back
    for arm in (gift, outreach):
        assert 0.03 <= t(arm, "repeat_purchase", 60) < t(discount, "repeat_purchase", 60)
        for horizon in (60, 90, 180):
            assert t(arm, "net_value", horizon) > 0
        assert t(arm, "net_value", 180) > t(arm, "net_value", 60)
    assert t(outreach, "net_value", 60) > t(gift, "net_value", 60)
    # effects fade: the repeat lift shrinks as control customers catch up
    lifts = [t(discount, "repeat_purchase", h) for h in HORIZONS]
    assert lifts == sorted(lifts, reverse=True) and lifts[-1] < 0.8 * lifts[0]
    for arm in (gift, outreach):
        assert t(arm, "repeat_purchase", 180) < t(arm, "repeat_purchase", 30)


@pytest.mark.slow
def test_naive_difference_in_means_agrees_with_truth(default_store: Store):
    """A plain-SQL difference in means lies within 4 SE of every recorded truth.

    This ties the stored transactions to known_effects: a bug in either (wrong window, wrong
    arm's orders stored, discount not applied) shows as a many-SE gap in some cell.
    """
    truths = _truths(default_store)
    gaps = []
    for horizon in HORIZONS:
        frame = _per_customer(default_store, horizon)
        control = frame[frame.arm == "Control"]
        for arm in ("10% discount", "Surprise gift", "Personal outreach"):
            treated = frame[frame.arm == arm]
            for metric in demo.METRICS:
                estimate = treated[metric].mean() - control[metric].mean()
                se = np.sqrt(
                    treated[metric].var() / len(treated) + control[metric].var() / len(control)
                )
                truth = _truth(truths, arm, metric, horizon)
                gaps.append((arm, metric, horizon, (estimate - truth) / se))
                assert abs(estimate - truth) < 4 * se, (arm, metric, horizon, estimate, truth)
                if metric == "repeat_purchase" and horizon == 60:
                    assert estimate / se > 3, f"{arm}: repeat lift not clearly significant"
    z = np.array([gap[3] for gap in gaps])
    assert np.abs(z).mean() < 1.5  # not merely inside 4 SE: typically about one SE off


# -- writing -----------------------------------------------------------------------------------
def test_replace_wipes_previous_data(store: Store):
    demo.seed_demo(store, customers=SMALL, seed=1)
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO campaign_results VALUES (99, NULL, 1, 'x', 'Control', 'spend', 1, NULL)"
        )
    schema = store.schema_version()
    version = store.version()
    demo.seed_demo(store, customers=2000, seed=2, replace=True)
    with store.cursor() as cur:
        counts = cur.execute(
            """
            SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM experiments),
                   (SELECT count(*) FROM uploads), (SELECT count(*) FROM campaign_results),
                   (SELECT count(DISTINCT upload_id) FROM transactions),
                   (SELECT count(*) FROM known_effects)
            """
        ).fetchone()
    assert counts == (2000, 1, 1, 0, 1, KNOWN_EFFECT_ROWS)
    assert store.schema_version() == schema
    assert store.version() > version


def test_without_replace_a_store_with_data_is_refused(store: Store):
    demo.seed_demo(store, customers=1000, seed=1)
    before = _snapshot(store)
    with pytest.raises(StoreError, match="already holds data"):
        demo.seed_demo(store, customers=1000, seed=2)
    after = _snapshot(store)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name])


def test_seed_if_empty_seeds_once(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(config, "DEMO_CUSTOMERS", 1500)
    assert store.is_empty()
    assert demo.seed_demo_if_empty(store) is True
    assert not store.is_empty()
    version = store.version()
    assert demo.seed_demo_if_empty(store) is False
    assert store.version() == version
    with store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM customers").fetchone()[0] == 1500


def test_failure_midway_leaves_the_old_store_intact(store: Store, monkeypatch: pytest.MonkeyPatch):
    demo.seed_demo(store, customers=2000, seed=1)
    before = _snapshot(store)
    version = store.version()
    monkeypatch.setattr(demo, "CHUNK_CUSTOMERS", 1000)
    write_chunk = demo._write_chunk
    calls = []

    def failing_write(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        write_chunk(*args, **kwargs)

    monkeypatch.setattr(demo, "_write_chunk", failing_write)
    with pytest.raises(RuntimeError, match="disk full"):
        demo.seed_demo(store, customers=4000, seed=2, replace=True)
    assert len(calls) == 3  # two chunks had been written (and wiped the old data) before
    after = _snapshot(store)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    assert store.version() == version


def test_chunks_join_into_one_consistent_data_set(store: Store, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(demo, "CHUNK_CUSTOMERS", 1000)
    fractions: list[float] = []
    demo.seed_demo(store, customers=3500, seed=5, progress=lambda f, _: fractions.append(f))
    with store.cursor() as cur:
        customers, ids, orders, rows, arms = cur.execute(
            """
            SELECT (SELECT count(*) FROM customers), (SELECT count(DISTINCT customer_id) FROM
                   transactions), (SELECT count(DISTINCT order_id) FROM transactions),
                   (SELECT count(*) FROM transactions),
                   (SELECT max(n) - min(n) FROM (SELECT count(*) AS n FROM assignments
                                                 GROUP BY arm_id))
            """
        ).fetchone()
    assert customers == ids == 3500
    assert orders == rows
    assert arms <= 4  # balanced within each of the 4 chunks
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 4


def test_rejects_fewer_than_one_customer(store: Store):
    with pytest.raises(StoreError, match="at least one customer"):
        demo.seed_demo(store, customers=0)
    assert store.is_empty()


def test_cli_demo_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "cli.duckdb"
    code = cli.main(["--db", str(path), "demo", "--customers", "1200", "--seed", "3"])
    captured = capsys.readouterr()
    assert code == cli.EXIT_OK
    assert "1,200 customers" in captured.out
    assert "[100%] done" in captured.err


@pytest.mark.parametrize("customers", [1, 5])
def test_tiny_sizes_still_write_a_valid_store(store: Store, customers: int):
    demo.seed_demo(store, customers=customers, seed=3)
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM assignments),"
            " (SELECT count(*) FROM known_effects), (SELECT count(*) FROM experiments)"
        ).fetchone()
    assert rows[0] == customers and rows[3] == 1
    # no audience, no truth: known_effects stays empty rather than holding NaN
    assert rows[2] == (KNOWN_EFFECT_ROWS if rows[1] > 0 else 0)
