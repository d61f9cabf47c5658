"""An order and a repeat customer have one definition (`store.orders`): the Customers page's
head counts and RFM segments and the CLV model's summary count the same customers and the same
repeat customers, on a hand-made log and on the whole CDNOW log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from experiments.store import Store
from experiments.store import customers as sql
from tests.test_customers_sql import insert_transactions


def repeaters(store: Store) -> tuple[tuple[int, int], tuple[int, int], float]:
    """(customers, repeat customers) of the page's headline and of the CLV summary, and the
    customer-weighted repeat rate of the page's segment table."""
    with store.cursor() as cur:
        overview = sql.customer_overview(cur)
        summary = sql.rfm_summary(cur)
    base = overview.base
    segments = overview.segments
    weighted = float((segments["repeat_rate"].fillna(0) * segments["customers"]).sum())
    return (
        (base.customers, base.repeat_customers),
        (len(summary), int((summary["frequency"] > 0).sum())),
        weighted,
    )


def test_same_day_orders_a_free_row_and_a_refund_are_counted_alike(store):
    insert_transactions(
        store,
        pd.DataFrame(
            {
                "customer_id": [
                    "same_day",
                    "same_day",
                    "two_days",
                    "two_days",
                    "free",
                    "free",
                    "refund",
                    "refund",
                ],
                "ts": [
                    "2026-01-05 09:00",
                    "2026-01-05 18:00",  # the same day: one order, no repeat
                    "2026-01-05 09:00",
                    "2026-01-20 09:00",  # another day: a repeat customer
                    "2026-01-06 10:00",
                    "2026-01-21 10:00",  # amount 0, another day: a free order, a repeat
                    "2026-01-07 10:00",
                    "2026-01-22 10:00",  # a refund: no order
                ],
                "amount": [10.0, 20.0, 10.0, 15.0, 12.0, 0.0, 30.0, -30.0],
            }
        ),
    )
    page, clv, segments = repeaters(store)
    assert page == clv == (4, 2)
    assert segments == pytest.approx(2.0)


def test_cdnow_customers_page_and_clv_count_the_same_repeat_customers(store, datasets: Path):
    raw = pd.read_csv(
        datasets / "cdnow" / "CDNOW_master.txt",
        sep=r"\s+",
        header=0,
        names=["customer_id", "date", "cds", "dollars"],
        dtype={"customer_id": str, "date": str},
    )
    insert_transactions(
        store,
        pd.DataFrame(
            {
                "customer_id": raw["customer_id"],
                "ts": pd.to_datetime(raw["date"], format="%Y%m%d"),
                "amount": raw["dollars"],
            }
        ),
    )
    page, clv, segments = repeaters(store)
    # independent count in pandas: order rows (dollars >= 0), repeat = orders on two or more days
    orders = raw[raw["dollars"] >= 0]
    days = orders.groupby("customer_id")["date"].nunique()
    assert page == clv == (len(days), int((days >= 2).sum()))
    assert segments == pytest.approx(page[1])
    assert page == (23_570, 11_516)  # 48.9 %: the CLV model's count, published for CDNOW
