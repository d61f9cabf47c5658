"""The CLV inputs of a source as Ibis expressions: `customers.rfm_summary` brought back as cells.

The same definitions as `store.customers` (a purchase day is a calendar day with an amount
>= 0; frequency = purchase days - 1; recency and T from the first purchase day, in days /
`DAYS_PER_UNIT`; monetary = the mean amount of the repeat purchase days), computed where the
data is. What comes back is not one row per customer: BG/NBD needs only the distinct
(frequency, recency, T) cells with their counts, and Gamma-Gamma the (frequency, monetary)
of the repeat customers, so the engine groups by (frequency, recency, T, monetary) and
returns a count per cell (everyone without a repeat purchase falls in a few hundred cells).
`expand` turns the cells back into the frame `clv.fit_clv` reads.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from experiments.store.customers import DAYS_PER_UNIT, TimeUnit, _margin_share
from experiments.store.orders import is_order_row

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from experiments.sources import Source
    from experiments.store.ibis_builder import Engine

__all__ = [
    "cell_count",
    "expand",
    "last_transaction_day",
    "margin_rate",
    "margin_share",
    "margin_sums",
    "summary_cells",
]

_CELL = ["frequency", "recency", "T", "monetary"]


def last_transaction_day(engine: Engine, source: Source) -> dt.date | None:
    """The calendar day of the source's latest transaction (the default cutoff)."""
    tx = engine.transactions(source)
    value = engine.execute(tx.aggregate(day=tx.ts.max().date()))["day"].iloc[0]
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def margin_sums(engine: Engine, source: Source, until: dt.date, store_rate: float) -> ir.Table:
    """One row, kept and revenue: `customers.margin_rate`'s direct sums over the source's
    purchase rows (`orders.ORDER_ROW`) up to `until`, rows without a margin at the store's
    rate. An expression, so a caller can join it to a query of its own (`rfm_overview`)."""
    tx = engine.transactions(source)
    rows = tx.filter(is_order_row(tx) & (tx.ts.date() <= until))
    kept = rows.margin.fill_null((rows.amount + rows.discount) * store_rate) - rows.discount
    return rows.aggregate(kept=kept.sum(), revenue=rows.amount.sum())


def margin_share(kept: Any, revenue: Any, store_rate: float) -> float:
    """kept / revenue of `margin_sums` (a NaN an engine returns read as none), as
    `customers.margin_rate` divides them; the store's rate without revenue."""
    return _margin_share(_number(kept), _number(revenue), store_rate)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def margin_rate(engine: Engine, source: Source, until: dt.date, store_rate: float) -> float:
    """`customers.margin_rate` on the source: kept margin / revenue over purchase rows up to
    `until`, rows without a margin at the store's rate; the store's rate without revenue."""
    frame = engine.execute(margin_sums(engine, source, until, store_rate))
    return margin_share(frame["kept"].iloc[0], frame["revenue"].iloc[0], store_rate)


def summary_cells(
    engine: Engine, source: Source, until: dt.date, time_unit: TimeUnit = "weeks"
) -> pd.DataFrame:
    """Columns frequency, recency, T, monetary, customers: one row per distinct cell of the
    BG/NBD + Gamma-Gamma summary up to `until` (inclusive), ordered by the cell."""
    frame = engine.execute(_cells(engine, source, until, time_unit))
    frame = frame.astype({"frequency": "int64", "customers": "int64"})
    return frame.sort_values(_CELL, kind="stable").reset_index(drop=True)


def cell_count(
    engine: Engine, source: Source, until: dt.date, time_unit: TimeUnit = "weeks"
) -> int:
    """How many rows `summary_cells` brings back (what a remote source asks about first)."""
    cells = _cells(engine, source, until, time_unit)
    return int(engine.execute(cells.aggregate(n=cells.count()))["n"].iloc[0])


def _cells(engine: Engine, source: Source, until: dt.date, time_unit: TimeUnit) -> ir.Table:
    import ibis

    tx = engine.transactions(source)
    days = tx.filter(is_order_row(tx) & (tx.ts.date() <= until)).mutate(day=tx.ts.date())
    per_day = days.group_by(["customer_id", "day"]).aggregate(amount=days.amount.sum())
    per_customer = per_day.group_by("customer_id").aggregate(
        first_day=per_day.day.min(),
        last_day=per_day.day.max(),
        purchase_days=per_day.count(),
        revenue=per_day.amount.sum(),
        first_amount=per_day.amount.argmin(per_day.day),
    )
    unit = DAYS_PER_UNIT[time_unit]
    cutoff = ibis.literal(until)
    p = per_customer
    cells = p.select(
        frequency=(p.purchase_days - 1).cast("int64"),
        recency=p.last_day.delta(p.first_day, unit="day").cast("float64") / unit,
        T=cutoff.delta(p.first_day, unit="day").cast("float64") / unit,
        monetary=ibis.ifelse(
            p.purchase_days > 1,
            (p.revenue - p.first_amount).cast("float64") / (p.purchase_days - 1),
            0.0,
        ),
    )
    return cells.group_by(_CELL).aggregate(customers=cells.count())


def expand(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per customer of `summary_cells`' counts, in `customers.rfm_summary`'s order of
    columns (frequency, recency, T, monetary; no customer_id): what `clv.fit_clv` reads."""
    counts = cells["customers"].to_numpy(dtype=np.int64)
    out = cells.loc[cells.index.repeat(counts), _CELL].reset_index(drop=True)
    return out
