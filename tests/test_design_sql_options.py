"""`design_sql.audience_options`: what the Design page's audience builder offers."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments import config
from experiments.store import design_sql as ds


def _insert(store, table: str, frame: pd.DataFrame) -> None:
    with store.transaction() as cur:
        cur.register("src", frame)
        cur.execute(f"INSERT INTO {table} SELECT * FROM src")  # fixed test table names
        cur.unregister("src")


def test_empty_store_offers_nothing(store):
    with store.cursor() as cur:
        options = ds.audience_options(cur)
    assert options == ds.AudienceOptions((), (), None)


def test_options_match_the_data(store):
    transactions = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "customer_id": ["a", "a", "b", "c", "c"],
            "ts": pd.to_datetime(
                ["2026-01-01", "2026-02-01", "2026-01-05", "2026-03-01", "2026-03-02"]
            ),
            "amount": [100.0, 300.0, 200.0, -50.0, 400.0],
            "margin": [None] * 5,
            "channel": ["web", "store", None, "app", "web"],
            "discount": [0.0] * 5,
            "upload_id": [1] * 5,
        }
    )
    _insert(store, "transactions", transactions)
    many = config.ATTRIBUTE_VALUES_SHOWN + 1
    attributes = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "a", *(f"x{i}" for i in range(many))],
            "name": ["tier", "tier", "tier", "tier", *(["email"] * many)],
            "value": ["silver", "gold", None, "gold", *(f"x{i}@mail.ru" for i in range(many))],
            "upload_id": [1, 1, 1, 2, *([1] * many)],
        }
    )
    _insert(store, "customer_attributes", attributes)
    with store.cursor() as cur:
        options = ds.audience_options(cur)
    assert options.channels == ("app", "store", "web")
    # customer a's tier was re-uploaded as gold: silver is nobody's latest value any more;
    # the e-mail attribute has too many values to be a filter
    assert options.attributes == (("tier", ("gold",)),)
    positive = transactions.loc[transactions["amount"] > 0, "amount"]
    assert options.average_order_value == pytest.approx(positive.mean(), rel=1e-12)
