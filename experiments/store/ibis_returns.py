"""The Customers page's cohorts, repeat-purchase curve and historic CLV of a source, as Ibis.

The same definitions as `customers.customer_returns` and the historic part of
`customers.customer_overview`, computed where the data is: a customer's first purchase is the
first transaction with an amount >= 0 before the day after the cutoff; cohorts are its calendar
month, and a cohort's month N counts the customers with a purchase in the N-th calendar month
after it; the repeat curve's histogram counts, per whole calendar day since the first purchase
day, the customers whose second purchase day it is (events) or whose follow-up ends there
(censored, at the cutoff); historic CLV is the kept margin (`metrics_sql.KEPT_MARGIN`, refunds
included) from the first purchase to `months` calendar months later, over the customers whose
window ends by the cutoff. Days are whole epoch days of the engine's exact epoch microseconds
(`ibis_builder._epoch_us`), never its day difference; the quantiles are each engine's exact
linear-interpolation one (`ibis_builder.exact_clickhouse_compiler` on ClickHouse), and the bin
edges go back to the engine as exact literals (`ibis_builder._exact`). What comes back: one row
per cohort and month, per day of the curve, per bin and one of statistics - never a row per
customer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from experiments.store.customers import (
    MAX_COHORT_MONTHS,
    CustomerReturns,
    HistoricClv,
    _cohort_table,
    _historic,
    _kaplan_meier,
)
from experiments.store.ibis_builder import _epoch_us, _exact
from experiments.store.metrics_sql import DAY_US
from experiments.store.orders import is_order_row

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from experiments.sources import Source
    from experiments.store.ibis_builder import Engine

__all__ = ["customer_returns", "historic_clv"]

_EPOCH_DAY = dt.date(1970, 1, 1)


def _day_number(day: dt.date) -> int:
    return (day - _EPOCH_DAY).days


def _purchases(engine: Engine, source: Source, until: dt.date) -> ir.Table:
    """Every transaction before the day after `until`, with `us` (epoch microseconds) and, per
    customer, `first_us`: the first order (`orders.ORDER_ROW`); customers without one are left
    out."""
    tx = engine.transactions(source)
    rows = tx.mutate(us=_epoch_us(tx.ts, engine.dialect))
    rows = rows.filter(rows.us < (_day_number(until) + 1) * DAY_US)
    firsts = rows.filter(is_order_row(rows))
    firsts = firsts.group_by("customer_id").aggregate(first_us=firsts.us.min())
    return rows.join(firsts, "customer_id")


def customer_returns(
    engine: Engine,
    source: Source,
    *,
    until: dt.date,
    max_months: int = 12,
    max_days: int = 365,
) -> CustomerReturns:
    """`customers.customer_returns` of the source up to `until` (inclusive)."""
    import ibis

    if not 0 <= max_months <= MAX_COHORT_MONTHS:
        raise ValueError(f"max_months must be 0..{MAX_COHORT_MONTHS}, not {max_months}")
    rows = _purchases(engine, source, until)
    rows = rows.filter(is_order_row(rows))
    month = rows.ts.year().cast("int64") * 12 + rows.ts.month().cast("int64")
    with_months = rows.mutate(month=month)
    firsts = with_months.group_by("customer_id").aggregate(
        first_month=with_months.month.argmin(with_months.us)
    )
    months = with_months.join(firsts, "customer_id")
    months = months.mutate(months_since=months.month - months.first_month)
    months = months.filter(months.months_since <= int(max_months))
    active = months.select("customer_id", "first_month", "months_since").distinct()
    cohort_rows = active.group_by(["first_month", "months_since"]).aggregate(active=active.count())
    sizes = firsts.group_by("first_month").aggregate(cohort_size=firsts.count())
    found = engine.execute(cohort_rows.join(sizes, "first_month"))
    found = found.astype("int64").sort_values(["first_month", "months_since"])
    cohorts: list[dict[str, object]] = [
        {
            "cohort": dt.date((month - 1) // 12, (month - 1) % 12 + 1, 1),
            "months_since": months_since,
            "active": count,
            "cohort_size": size,
        }
        for month, months_since, count, size in zip(
            found["first_month"].tolist(),
            found["months_since"].tolist(),
            found["active"].tolist(),
            found["cohort_size"].tolist(),
            strict=True,
        )
    ]

    day = rows.us // DAY_US
    first_day = rows.first_us // DAY_US
    per = rows.group_by("customer_id").aggregate(
        first_day=first_day.max(), second_day=day.min(where=day > first_day)
    )
    cap = int(max_days) + 1
    observed = ibis.coalesce(per.second_day, ibis.literal(_day_number(until))) - per.first_day
    durations = per.select(
        day=ibis.ifelse(observed > cap, cap, observed).cast("int64"),
        repeated=per.second_day.notnull(),
    )
    histogram = engine.execute(
        durations.group_by("day").aggregate(
            events=ibis.ifelse(durations.repeated, 1, 0).sum(),
            censored=ibis.ifelse(durations.repeated, 0, 1).sum(),
        )
    )
    histogram = histogram.sort_values("day").astype("int64").reset_index(drop=True)
    return CustomerReturns(
        until=until,
        cohorts=_cohort_table(cohorts, until),
        repeat_curve=_kaplan_meier(histogram[["day", "events", "censored"]], int(max_days)),
    )


def historic_clv(
    engine: Engine,
    source: Source,
    *,
    until: dt.date,
    months: int = 12,
    bins: int = 30,
    margin_rate: float,
) -> HistoricClv:
    """The historic part of `customers.customer_overview` (`customers.historic_clv`) of the
    source up to `until` (inclusive); `margin_rate` prices the rows without a margin."""
    import ibis

    tx = engine.transactions(source)
    end_us = (_day_number(until) + 1) * DAY_US
    rows = tx.filter(is_order_row(tx) & (_epoch_us(tx.ts, engine.dialect) < end_us))
    firsts = rows.group_by("customer_id").aggregate(first_ts=rows.ts.min())
    window_end = firsts.first_ts + ibis.interval(months=int(months))
    firsts = firsts.mutate(
        window_end_us=_epoch_us(window_end, engine.dialect),
        first_us=_epoch_us(firsts.first_ts, engine.dialect),
    )
    eligible = firsts.filter(firsts.window_end_us < end_us)
    t = tx.mutate(us=_epoch_us(tx.ts, engine.dialect)).join(
        eligible.select("customer_id", "first_us", "window_end_us"), "customer_id"
    )
    kept = t.margin.fill_null((t.amount + t.discount) * float(margin_rate)) - t.discount
    inside = (t.us >= t.first_us) & (t.us < t.window_end_us)
    per = t.group_by("customer_id").aggregate(
        margin=ibis.ifelse(inside, kept.cast("float64"), ibis.null("float64")).sum()
    )
    stats = engine.execute(
        per.aggregate(
            eligible=per.count(),
            total=per.margin.sum(),
            median=per.margin.quantile(0.5),
            p90=per.margin.quantile(0.9),
            lo=per.margin.min(),
            hi=per.margin.quantile(0.99),
        )
    ).iloc[0]
    n = int(stats["eligible"] or 0)
    if n == 0:
        return _historic(None, [], months=int(months), bins=int(bins))
    lo, hi = float(stats["lo"]), float(stats["hi"])
    values: dict[str, Any] = {
        "eligible": n,
        "mean": float(stats["total"]) / n,
        "median": float(stats["median"]),
        "p90": float(stats["p90"]),
        "total": float(stats["total"]),
        "lo": lo,
        "hi": hi,
    }
    if hi <= lo:
        counts = pd.DataFrame({"bin": [0], "customers": [n]})
    else:
        width = (_exact(hi, ibis) - _exact(lo, ibis)) / int(bins)
        raw = ((per.margin - _exact(lo, ibis)) / width).floor().cast("int64")
        binned = per.select(bin=ibis.ifelse(raw > int(bins) - 1, int(bins) - 1, raw))
        counts = engine.execute(binned.group_by("bin").aggregate(customers=binned.count()))
        counts = counts.astype("int64").sort_values("bin").reset_index(drop=True)
    bin_rows: list[dict[str, object]] = [
        {"bin": number, "customers": customers}
        for number, customers in zip(
            counts["bin"].tolist(), counts["customers"].tolist(), strict=True
        )
    ]
    return _historic(values, bin_rows, months=int(months), bins=int(bins))
