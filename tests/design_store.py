"""A synthetic store for the design tests: 1,500 customers over 540 days, city attributes."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from experiments.design import ArmSpec, ExperimentSpec
from experiments.store import Store

END = datetime(2026, 6, 30, 12, 0)


AS_OF = date(2026, 7, 1)


CONTROL = ArmSpec("control", "control")


GIFT = ArmSpec("gift", "gift", gift_cost=300.0)


DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10.0, redemption_share=0.4)


def synthetic_transactions(customers: int = 1500, seed: int = 1, days: int = 540) -> pd.DataFrame:
    """Customers with gamma-distributed purchase rates over `days` days up to END."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(1.2, 1 / 120, customers)
    counts = rng.poisson(rate * days) + 1
    customer = np.repeat(np.arange(customers), counts)
    offsets = rng.uniform(0, days, customer.size)
    amount = np.round(rng.lognormal(7, 0.5, customer.size) * (1 + 0.3 * (customer % 3)), 2)
    amount[rng.random(customer.size) < 0.02] *= -1  # a few refunds
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(customer.size)],
            "customer_id": [f"c{c:05d}" for c in customer],
            "ts": pd.to_datetime(END) - pd.to_timedelta(offsets, unit="D"),
            "amount": amount,
            "margin": np.where(customer % 5 == 0, np.nan, amount * 0.3),
            "channel": np.where(rng.random(customer.size) < 0.3, "store", "online"),
            "discount": np.where(
                (customer % 7 == 0) & (amount > 0), np.round(amount * 0.1, 2), 0.0
            ),
            "upload_id": 1,
        }
    )


def load(store: Store, frame: pd.DataFrame) -> None:
    with store.transaction() as cur:
        cur.register("src", frame)
        cur.execute("INSERT INTO transactions SELECT * FROM src")
        cur.unregister("src")


def fill(store):
    """The store with the synthetic transactions and city attributes (`store.frame`: them)."""
    frame = synthetic_transactions()
    load(store, frame)
    with store.transaction() as cur:
        attrs = pd.DataFrame(
            {
                "customer_id": [f"c{i:05d}" for i in range(0, 1500, 3)],
                "name": "city",
                "value": ["Moscow", "Kazan"] * 250,
                "upload_id": 2,
            }
        )
        cur.register("a", attrs)
        cur.execute("INSERT INTO customer_attributes SELECT * FROM a")
        cur.unregister("a")
    store.frame = frame  # type: ignore[attr-defined]
    return store


def spec(**changes) -> ExperimentSpec:
    base = {"name": "Gift vs discount", "arms": (CONTROL, GIFT, DISCOUNT), "salt": "fixed-salt"}
    return ExperimentSpec(**{**base, **changes})
