"""The Design page's audience and planner inputs on a source, as Ibis expressions.

The same definitions as `design_sql` (its audience CTE, `audience`, `planner_inputs`,
`audience_options`), computed where the data is: the per-customer features and RFM scores of
`ibis_customers` (the quintile cuts over everyone with an order before the day, then the
filters), the filters' numbers sent as exact literals. Attribute filters read the customers'
uploaded attributes in the local store (`design_sql.attribute_matches`); the matching ids go
to the engine as a temporary table (`Engine.temporary_table`, dropped afterwards). What comes
back is a handful of numbers: counts, means, quantiles and a histogram - except
`audience_rows`, one row per audience customer, which the assignment needs (randomization
stays in Python) and which callers confirm first on a remote source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from experiments.design.audience import AudienceFilter
from experiments.design.planner import PlannerInputs
from experiments.store import design_sql
from experiments.store.ibis_builder import _epoch_us, _exact, _float_or_none
from experiments.store.ibis_customers import features, scored
from experiments.store.metrics_sql import DAY_US

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from experiments.sources import Source
    from experiments.store import Cursor
    from experiments.store.ibis_builder import Engine

__all__ = [
    "audience",
    "audience_day",
    "audience_options",
    "audience_rows",
    "audience_size",
    "balance_sums",
    "planner_inputs",
]

_EPOCH_DAY = dt.date(1970, 1, 1)


def _day_us(day: dt.date) -> int:
    return (day - _EPOCH_DAY).days * DAY_US


def audience_day(engine: Engine, source: Source, filters: AudienceFilter) -> dt.date:
    """`design_sql.audience_day` on the source: the filter's day, else the day after the
    source's last transaction (today for a source without transactions)."""
    if filters.as_of:
        return filters.as_of
    tx = engine.transactions(source)
    found = engine.execute(tx.aggregate(end_us=_epoch_us(tx.ts, engine.dialect).max()))
    end_us = found["end_us"].iloc[0]
    if end_us is None or pd.isna(end_us):
        return dt.date.today()
    return _EPOCH_DAY + dt.timedelta(days=int(end_us) // DAY_US + 1)


@contextmanager
def _audience(
    engine: Engine, source: Source, cur: Cursor, filters: AudienceFilter, day: dt.date
) -> Iterator[ir.Table]:
    """The audience as of `day`: `design_sql`'s `audience` CTE (scored features, filtered).
    A context: with attribute filters the matching ids are a temporary table meanwhile."""
    import ibis

    table = scored(engine, features(engine, source, day, filters.lookback_days, channel=True))
    for column, low, high in (
        ("recency_days", filters.recency_min, filters.recency_max),
        ("frequency", filters.frequency_min, filters.frequency_max),
        ("monetary", filters.monetary_min, filters.monetary_max),
        ("tenure_days", filters.tenure_min, filters.tenure_max),
    ):
        value = table[column].cast("float64")
        if low is not None:
            table = table.filter(value >= _exact(low, ibis))
        if high is not None:
            table = table.filter(value <= _exact(high, ibis))
    for column, allowed in (
        ("segment", list(filters.segments)),
        ("r_score", [int(v) for v in filters.r_scores]),
        ("f_score", [int(v) for v in filters.f_scores]),
        ("m_score", [int(v) for v in filters.m_scores]),
        ("channel", list(filters.channels)),
    ):
        if allowed:
            table = table.filter(table[column].isin(allowed))
    matches = design_sql.attribute_matches(cur, filters)
    if matches is None:
        yield table
        return
    frame = pd.DataFrame({"customer_id": pd.Series(matches, dtype=object)})
    if frame.empty:
        yield table.filter(ibis.literal(False))
        return
    with engine.temporary_table(frame) as matched:
        yield table.semi_join(matched, table.customer_id == matched.customer_id)


def audience(
    engine: Engine, source: Source, cur: Cursor, filters: AudienceFilter
) -> design_sql.AudienceSummary:
    """`design_sql.audience` on the source: size, mean and median spend, the spend histogram
    (exact quantiles on every engine: `ibis_builder.exact_clickhouse_compiler`)."""
    import ibis

    day = audience_day(engine, source, filters)
    bins = design_sql.HISTOGRAM_BINS
    empty = pd.DataFrame(
        {
            "bin_start": pd.Series(dtype=float),
            "bin_end": pd.Series(dtype=float),
            "customers": pd.Series(dtype="int64"),
        }
    )
    with _audience(engine, source, cur, filters, day) as table:
        spend = ibis.ifelse(table.monetary > 0, table.monetary, 0.0)
        row = engine.execute(
            table.aggregate(
                customers=table.count(),
                mean=table.monetary.mean(),
                median=table.monetary.quantile(0.5),
                top=spend.quantile(0.99),
            )
        ).iloc[0]
        customers = int(row["customers"])
        if customers == 0:
            return design_sql.AudienceSummary(0, day, 0.0, 0.0, empty)
        top = _float_or_none(row["top"]) or 0.0
        width = top / bins if top > 0 else 1.0
        raw = (spend / _exact(width, ibis)).floor()
        counted = table.mutate(bin=ibis.ifelse(raw > bins - 1, bins - 1, raw).cast("int64"))
        found = engine.execute(counted.group_by("bin").aggregate(customers=counted.count()))
    by_bin = {int(b): int(n) for b, n in zip(found["bin"], found["customers"], strict=True)}
    number = np.arange(bins)
    histogram = pd.DataFrame(
        {
            "bin_start": number * width,
            "bin_end": (number + 1) * width,
            "customers": [by_bin.get(int(b), 0) for b in number],
        }
    )
    if top <= 0:
        histogram = histogram.iloc[:1].reset_index(drop=True)
    mean, median = _float_or_none(row["mean"]) or 0.0, _float_or_none(row["median"]) or 0.0
    return design_sql.AudienceSummary(customers, day, mean, median, histogram)


def planner_inputs(
    engine: Engine,
    source: Source,
    cur: Cursor,
    filters: AudienceFilter,
    horizon_days: int,
    margin_rate: float,
) -> PlannerInputs:
    """`design_sql.planner_inputs` on the source: the audience as of `day - horizon_days`
    and what it did in the `horizon_days` after (repeat rate, mean, sample variance of the
    kept margin, its correlation with pre-period spend), and the weekly flow."""
    import ibis

    day = audience_day(engine, source, filters)
    start = day - dt.timedelta(days=horizon_days)
    with _audience(engine, source, cur, filters, start) as history:
        tx = engine.transactions(source)
        rows = tx.mutate(us=_epoch_us(tx.ts, engine.dialect))
        start_us = _day_us(start)
        rows = rows.filter((rows.us >= start_us) & (rows.us < start_us + horizon_days * DAY_US))
        gross = rows.margin.fill_null((rows.amount + rows.discount) * _exact(margin_rate, ibis))
        after = rows.group_by("customer_id").aggregate(
            orders=ibis.ifelse(rows.amount > 0, 1, 0).sum(),
            value=(gross - rows.discount).cast("float64").sum(),
        )
        joined = history.left_join(after, history.customer_id == after.customer_id)
        outcome = joined.select(
            pre_spend=joined.monetary,
            repeated=ibis.ifelse(joined.orders.fill_null(0) > 0, 1, 0),
            value=joined.value.fill_null(0.0),
        )
        found = engine.execute(
            outcome.aggregate(
                customers=outcome.count(),
                repeaters=outcome.repeated.sum(),
                mean=outcome.value.mean(),
                variance=outcome.value.var(how="sample"),
                # Pearson's r is the same either way; DuckDB compiles only "pop", ClickHouse
                # only "sample"
                correlation=outcome.pre_spend.corr(
                    outcome.value, how="pop" if engine.dialect == "duckdb" else "sample"
                ),
            )
        ).iloc[0]
    earlier = day - dt.timedelta(days=design_sql.FLOW_WINDOW_DAYS)
    with (
        _audience(engine, source, cur, filters, day) as today,
        _audience(engine, source, cur, filters, earlier) as before,
    ):
        entered = today.anti_join(before, today.customer_id == before.customer_id)
        counts = today.aggregate(customers=today.count())
        flow = engine.execute(counts.cross_join(entered.aggregate(new=entered.count()))).iloc[0]

    def finite(value: object) -> float | None:
        number = _float_or_none(value)
        return number if number is not None and np.isfinite(number) else None

    history_customers = int(found["customers"])
    repeaters = int(found["repeaters"] or 0) if not pd.isna(found["repeaters"]) else 0
    return PlannerInputs(
        customers=int(flow["customers"]),
        history_customers=history_customers,
        baseline_rate=repeaters / history_customers if history_customers else None,
        value_mean=finite(found["mean"]),
        value_variance=finite(found["variance"]),
        pre_post_correlation=finite(found["correlation"]),
        weekly_flow=int(flow["new"]) * 7 / design_sql.FLOW_WINDOW_DAYS,
        horizon_days=horizon_days,
    )


def audience_size(engine: Engine, source: Source, cur: Cursor, filters: AudienceFilter) -> int:
    """How many rows `audience_rows` would bring back (what a remote source asks about)."""
    day = audience_day(engine, source, filters)
    with _audience(engine, source, cur, filters, day) as table:
        return int(engine.execute(table.aggregate(n=table.count()))["n"].iloc[0])


def audience_rows(
    engine: Engine, source: Source, cur: Cursor, filters: AudienceFilter
) -> pd.DataFrame:
    """One row per audience customer, ordered by customer_id: customer_id, segment,
    pre_spend (monetary), pre_orders (frequency), recency_days - the features
    `design_sql.audience_units` returns besides what Python computes (the hash unit, the
    spend tier, pre_repeat)."""
    day = audience_day(engine, source, filters)
    with _audience(engine, source, cur, filters, day) as table:
        found = engine.execute(
            table.select(
                "customer_id",
                "segment",
                pre_spend=table.monetary,
                pre_orders=table.frequency,
                recency_days=table.recency_days,
            )
        )
    found = found.astype({"customer_id": object, "segment": object})
    return found.sort_values("customer_id", kind="stable").reset_index(drop=True)


def audience_options(engine: Engine, source: Source, cur: Cursor) -> design_sql.AudienceOptions:
    """`design_sql.audience_options` with the channels and the average order value read from
    the source (the attributes are the store's uploads)."""
    tx = engine.transactions(source)
    channels = pd.DataFrame({"channel": []})
    if "channel" in tx.columns:
        channels = engine.execute(tx.filter(tx.channel.notnull()).select("channel").distinct())
    orders = tx.filter(tx.amount > 0)
    aov = engine.execute(orders.aggregate(aov=orders.amount.cast("float64").mean()))["aov"]
    stored = design_sql.audience_options(cur)
    value = _float_or_none(aov.iloc[0])
    return design_sql.AudienceOptions(
        channels=tuple(sorted(str(c) for c in channels["channel"])),
        attributes=stored.attributes,
        average_order_value=value,
    )


def balance_sums(
    engine: Engine,
    source: Source,
    cur: Cursor,
    experiment_id: int,
    as_of: dt.date,
    lookback_days: int,
) -> list[tuple[str, int, list[float]]]:
    """`design_sql.balance_sums` on the source: per arm (arm_id order) its name, customers and
    the sum and sum of squares of pre_spend, pre_orders, recency_days (the lookback for a
    customer without an order) and pre_repeat as of `as_of`. The assignments go to the engine
    as a temporary table; one row per arm comes back."""
    import ibis

    assigned = design_sql.assigned_arms(cur, experiment_id)
    names = dict(zip(assigned["arm_id"].astype(int), assigned["arm"].astype(str), strict=False))
    keys = assigned[["customer_id", "arm_id"]].astype({"customer_id": object, "arm_id": "int64"})
    if keys.empty:
        return []
    table = features(engine, source, as_of, lookback_days)
    with engine.temporary_table(keys) as a:
        joined = a.left_join(table, a.customer_id == table.customer_id)
        orders = joined.frequency.fill_null(0).cast("float64")
        values = {
            "pre_spend": joined.monetary.fill_null(0.0).cast("float64"),
            "pre_orders": orders,
            "recency_days": joined.recency_days.fill_null(int(lookback_days)).cast("float64"),
            "pre_repeat": ibis.ifelse(orders >= 2, 1.0, 0.0).cast("float64"),
        }
        sums: dict[str, ir.Value] = {"customers": joined.count()}
        for name, value in values.items():
            sums[f"{name}_sum"] = value.sum()
            sums[f"{name}_squares"] = (value * value).sum()
        found = engine.execute(joined.group_by(joined.arm_id).aggregate(**sums))
    found = found.sort_values("arm_id").reset_index(drop=True)
    return [
        (
            names[int(row["arm_id"])],
            int(row["customers"]),
            [float(row[f"{n}_{k}"] or 0) for n in values for k in ("sum", "squares")],
        )
        for _, row in found.iterrows()
    ]
