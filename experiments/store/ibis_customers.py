"""The Customers page's head counts and RFM segments of a source, as Ibis expressions.

The same definitions as `customers.customer_overview` and `design_sql.RFM_SCORING`, computed
where the data is: an *order* is a transaction with a positive amount before `as_of` (the day
after the cutoff); frequency and monetary are counted over the `lookback_days` before it
(monetary sums every amount, refunds included); recency and tenure are whole calendar days from
the last and the first order's day to `as_of`. Times are compared as the engine's exact epoch
microseconds (`ibis_builder._epoch_us`), never its day difference. The quintile cuts are DuckDB's
`quantile_disc` from running counts (`ibis_builder.discrete_cuts_of`): recency over every
customer, frequency and monetary over the customers with an order in the window, each cut
sent back to the engine as an exact literal. Two queries, and what comes back: one row of cut
points, then one row per segment with the margin sums joined (the head counts are sums over the
segments) - never a row per customer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from experiments.store import design_sql
from experiments.store.customers import CustomerBase
from experiments.store.ibis_builder import (
    RFM_QUANTILES,
    _epoch_us,
    _float_or_none,
    _score,
    discrete_cuts_of,
    rfm_segment,
)
from experiments.store.metrics_sql import DAY_US
from experiments.store.orders import is_order_row, is_repeat_customer

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from experiments.sources import Source
    from experiments.store.ibis_builder import Engine

__all__ = ["RfmOverview", "features", "rfm_overview", "scored"]

_EPOCH_DAY = dt.date(1970, 1, 1)
_CUT_COLUMNS = (("rq", "recency_days"), ("fq", "frequency"), ("mq", "monetary"))


@dataclass(frozen=True)
class RfmOverview:
    """What the Customers page shows of a source above the CLV model.

    Attributes:
        until: the cutoff day (inclusive; default the source's last transaction day); None
            for a source without transactions.
        base: the headline head counts as of the day after the cutoff.
        segments: as `customers.CustomerOverview.segments` (every named segment listed).
        margin_rate: the CLV model's default margin share (`ibis_clv.margin_rate`).
    """

    until: dt.date | None
    base: CustomerBase
    segments: pd.DataFrame
    margin_rate: float


def _day_number(day: dt.date) -> int:
    return (day - _EPOCH_DAY).days


def features(
    engine: Engine, source: Source, as_of: dt.date, lookback_days: int, *, channel: bool = False
) -> ir.Table:
    """One row per customer with an order before `as_of`: customer_id, recency_days,
    frequency, monetary, tenure_days, lifetime_orders and last_us (the last order's epoch
    microseconds), as `design_sql`'s `features` and `customer_overview`'s define them; with
    `channel`, also the channel of the last order (the audience filter's)."""
    import ibis

    tx = engine.transactions(source)
    rows = tx.mutate(us=_epoch_us(tx.ts, engine.dialect))
    has_channel = channel and "channel" in tx.columns
    end_us = _day_number(as_of) * DAY_US
    rows = rows.filter(rows.us < end_us)
    window = rows.us >= end_us - int(lookback_days) * DAY_US
    order = is_order_row(rows)
    per = rows.group_by("customer_id").aggregate(
        lifetime_orders=ibis.ifelse(order, 1, 0).sum(),
        first_us=rows.us.min(where=order),
        last_us=rows.us.max(where=order),
        frequency=ibis.ifelse(order & window, 1, 0).sum(),
        monetary=ibis.ifelse(window, rows.amount.cast("float64"), 0.0).sum(),
        **({"channel": rows.channel.argmax(rows.us, where=order)} if has_channel else {}),
    )
    per = per.filter(per.lifetime_orders > 0)
    day = _day_number(as_of)
    return per.select(
        "customer_id",
        recency_days=(day - per.last_us // DAY_US).cast("int64"),
        frequency=per.frequency.cast("int64"),
        monetary=per.monetary,
        tenure_days=(day - per.first_us // DAY_US).cast("int64"),
        lifetime_orders=per.lifetime_orders.cast("int64"),
        last_us=per.last_us,
        **({"channel": per.channel} if has_channel else {}),
        **({"channel": ibis.null().cast("string")} if channel and not has_channel else {}),
    )


def _cuts(engine: Engine, table: ir.Table) -> dict[str, float | None]:
    """rq1..rq4, fq1..fq4, mq1..mq4 of `design_sql.RFM_SCORING` (None: no such customer)."""
    values = table.select(
        buyer=table.frequency > 0,
        recency_days=table.recency_days.cast("float64"),
        frequency=table.frequency.cast("float64"),
        monetary=table.monetary.cast("float64"),
    )
    stacked = values.pivot_longer(
        [column for _, column in _CUT_COLUMNS], names_to="name", values_to="value"
    )
    stacked = stacked.filter((stacked.name == "recency_days") | stacked.buyer)
    import ibis

    found = engine.execute(discrete_cuts_of(stacked.select("name", "value"), ibis))
    rows = {str(r["name"]): r for _, r in found.iterrows()}
    return {
        f"{prefix}{i}": _float_or_none(rows[column][f"c{i}"]) if column in rows else None
        for prefix, column in _CUT_COLUMNS
        for i in range(1, len(RFM_QUANTILES) + 1)
    }


def scored(engine: Engine, table: ir.Table) -> ir.Table:
    """`features` with r_score, f_score, m_score and segment (`design_sql.RFM_SCORING`): the
    cut points are computed first (one small query) and go back as exact literals."""
    import ibis

    cuts = _cuts(engine, table)
    idle = table.frequency == 0
    r = _score(table.recency_days, "rq", cuts, ibis)
    f = ibis.ifelse(idle, 1, _score(table.frequency, "fq", cuts, ibis))
    m = ibis.ifelse(idle, 1, _score(table.monetary, "mq", cuts, ibis))
    with_scores = table.mutate(r_score=r, f_score=f, m_score=m)
    t = with_scores
    return t.mutate(segment=rfm_segment(t.tenure_days, t.r_score, t.f_score, t.m_score, ibis))


def rfm_overview(
    engine: Engine,
    source: Source,
    *,
    until: dt.date,
    lookback_days: int,
    active_days: int,
    store_margin_rate: float,
) -> RfmOverview:
    """The head counts and the RFM segment table of the source up to `until` (inclusive), as
    `customers.customer_overview` gives them for the store, in two engine queries (the cut
    points; the segments with the margin sums): a warehouse charges per query."""
    import ibis

    from experiments.store import ibis_clv

    as_of = until + dt.timedelta(days=1)
    table = scored(engine, features(engine, source, as_of, lookback_days))  # query 1: the cuts
    active_us = _day_number(as_of - dt.timedelta(days=int(active_days))) * DAY_US
    repeat = is_repeat_customer(table)
    grouped = table.group_by("segment").aggregate(
        customers=table.count(),
        revenue=table.monetary.sum(),
        repeaters=ibis.ifelse(repeat, 1, 0).sum(),
        active=ibis.ifelse(table.last_us >= active_us, 1, 0).sum(),
    )
    # query 2: the segment rows with the margin sums joined; every customer is in one segment,
    # so the head counts are sums over the rows (no customer without a purchase row: without
    # rows the margin share is the store's rate anyway)
    margin = ibis_clv.margin_sums(engine, source, until, store_margin_rate)
    margin = margin.select(margin_kept=margin.kept, margin_revenue=margin.revenue)
    found = engine.execute(grouped.cross_join(margin))
    found = found.astype({"customers": "int64", "repeaters": "int64", "active": "int64"})
    # the share in Python: Spark averages Ibis's 1.0 literals as DECIMALs (5 decimal places)
    found["repeat_rate"] = found["repeaters"] / found["customers"]
    rate = (
        ibis_clv.margin_share(
            found["margin_kept"].iloc[0], found["margin_revenue"].iloc[0], store_margin_rate
        )
        if len(found)
        else store_margin_rate
    )
    return RfmOverview(
        until=until,
        base=CustomerBase(
            as_of=as_of,
            customers=int(found["customers"].sum()),
            active_customers=int(found["active"].sum()),
            repeat_customers=int(found["repeaters"].sum()),
            active_days=int(active_days),
        ),
        segments=design_sql.segment_table(
            found[["segment", "customers", "revenue", "repeat_rate"]].astype(
                {"segment": object, "revenue": "float64"}
            )
        ),
        margin_rate=rate,
    )
