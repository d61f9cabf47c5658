"""The experiment CLV projection's follow-up summaries of a source, as Ibis expressions.

`customers.followup_summaries` computed where the data is: the experiment's first assignment
per customer (arm, time, its day + `start_days` as time zero) goes to the engine as the
temporary assignments table (`ibis_builder.assignment_frame`, as the analysis sends it); per
assigned customer the engine computes the summary ending at the cutoff and its calibration twin,
with the same definitions (purchase days are whole epoch days of the exact epoch microseconds,
`ibis_builder._epoch_us`, after time zero and up to the end; money is `metrics_sql.KEPT_MARGIN`
from the assignment on), then groups equal rows into cells with a count. Customers without a
purchase after time zero fall into a few cells per arm and assignment day; what comes back is
one row per cell, expanded here into the arrays `clv.project_arm_frame` and `clv.holdout_checks`
read (no customer id: the projection does not use it).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from experiments.store.customers import _FOLLOWUP_COLUMNS, DAYS_PER_UNIT, Followup, TimeUnit
from experiments.store.ibis_builder import _epoch_us, assignment_frame
from experiments.store.metrics_sql import DAY_US
from experiments.store.orders import is_order_row

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from experiments.sources import Source
    from experiments.store import Cursor
    from experiments.store.ibis_builder import Engine

__all__ = ["followup_summaries"]

_EPOCH_DAY = dt.date(1970, 1, 1)
_CALIBRATION = ("frequency", "recency", "T", "monetary", "fit_revenue", "fit_margin")
_CELL = [
    "arm_id",
    "in_calibration",
    *_FOLLOWUP_COLUMNS[1:],
    *(f"calibration_{name}" for name in _CALIBRATION),
]


def _day_number(day: dt.date) -> int:
    return (day - _EPOCH_DAY).days


def _cells(
    engine: Engine,
    source: Source,
    assigned: ir.Table,
    *,
    calibration_end: dt.date,
    end: dt.date,
    time_unit: TimeUnit,
    margin_rate: float,
) -> ir.Table:
    import ibis

    unit = DAYS_PER_UNIT[time_unit]
    end_day, calibration_day = _day_number(end), _day_number(calibration_end)
    tx = engine.transactions(source)
    rows = tx.mutate(us=_epoch_us(tx.ts, engine.dialect))
    rows = rows.mutate(day=rows.us // DAY_US)
    a = assigned
    joined = rows.join(a, rows.customer_id == a.customer_id)
    window = joined.filter((joined.us >= joined.assigned_us) & (joined.day <= end_day))
    window = window.select(
        "customer_id",
        "day",
        "zero_day",
        amount=window.amount.cast("float64"),
        margin=(
            window.margin.fill_null((window.amount + window.discount) * float(margin_rate))
            - window.discount
        ).cast("float64"),
    )
    purchases = window.filter(is_order_row(window) & (window.day > window.zero_day))
    days = purchases.group_by(["customer_id", "day"]).aggregate(amount=purchases.amount.sum())
    in_cal = days.day <= calibration_day
    per_day = days.group_by("customer_id").aggregate(
        purchase_days=days.count(),
        last_day=days.day.max(),
        monetary=days.amount.mean(),
        calibration_days=ibis.ifelse(in_cal, 1, 0).sum(),
        calibration_last_day=days.day.max(where=in_cal),
        calibration_spend=days.amount.sum(where=in_cal),
    )
    after = window.day > window.zero_day
    before_end = window.day <= calibration_day
    money = window.group_by("customer_id").aggregate(
        revenue=window.amount.sum(),
        margin=window.margin.sum(),
        fit_revenue=window.amount.sum(where=after),
        fit_margin=window.margin.sum(where=after),
        calibration_revenue=window.amount.sum(where=after & before_end),
        calibration_margin=window.margin.sum(where=after & before_end),
        holdout_margin=window.margin.sum(where=~before_end),
    )
    a = a.filter(a.zero_day < end_day)
    d = per_day.rename(d_customer_id="customer_id")
    m = money.rename(m_customer_id="customer_id")
    x = a.left_join(d, a.customer_id == d.d_customer_id)
    x = x.left_join(m, x.customer_id == m.m_customer_id)

    def days_since(day: ir.IntegerValue) -> ir.FloatingValue:
        return ibis.coalesce(day - x.zero_day, 0).cast("float64") / unit

    zero = ibis.literal(0.0)
    out = x.select(
        arm_id=x.arm_id,
        in_calibration=ibis.ifelse(x.zero_day < calibration_day, 1, 0),
        frequency=ibis.coalesce(x.purchase_days, 0).cast("int64"),
        recency=days_since(x.last_day),
        T=(end_day - x.zero_day).cast("float64") / unit,
        monetary=ibis.coalesce(x.monetary, zero),
        fit_revenue=ibis.coalesce(x.fit_revenue, zero),
        fit_margin=ibis.coalesce(x.fit_margin, zero),
        holdout_margin=ibis.coalesce(x.holdout_margin, zero),
        revenue=ibis.coalesce(x.revenue, zero),
        margin=ibis.coalesce(x.margin, zero),
        calibration_frequency=ibis.coalesce(x.calibration_days, 0).cast("int64"),
        calibration_recency=ibis.ifelse(
            ibis.coalesce(x.calibration_days, 0) > 0, days_since(x.calibration_last_day), zero
        ),
        calibration_T=(calibration_day - x.zero_day).cast("float64") / unit,
        # a sum over a count, not a filtered mean: ClickHouse's avgIf of no rows is NaN
        calibration_monetary=ibis.ifelse(
            ibis.coalesce(x.calibration_days, 0) > 0,
            x.calibration_spend / x.calibration_days,
            zero,
        ),
        calibration_fit_revenue=ibis.coalesce(x.calibration_revenue, zero),
        calibration_fit_margin=ibis.coalesce(x.calibration_margin, zero),
    )
    return out.group_by(_CELL).aggregate(customers=out.count())


def followup_summaries(
    engine: Engine,
    source: Source,
    cur: Cursor,
    experiment_id: int,
    *,
    start_days: int,
    calibration_end: dt.date,
    end: dt.date,
    time_unit: TimeUnit = "weeks",
    margin_rate: float,
) -> Followup:
    """`customers.followup_summaries` of the experiment's customers on the source (their
    assignments from the store, sent as a temporary table; cells with counts come back)."""
    first = assignment_frame(cur, experiment_id)[["customer_id", "arm_id", "assigned_us"]]
    keys = first.astype({"customer_id": object, "arm_id": "int64", "assigned_us": "int64"})
    keys["zero_day"] = keys["assigned_us"] // DAY_US + int(start_days)
    if keys.empty:
        empty = {name: np.zeros(0) for name in _FOLLOWUP_COLUMNS}
        return Followup(calibration=dict(empty), summary=dict(empty))
    with engine.temporary_table(keys) as assigned:
        cells = engine.execute(
            _cells(
                engine,
                source,
                assigned,
                calibration_end=calibration_end,
                end=end,
                time_unit=time_unit,
                margin_rate=margin_rate,
            )
        )
    counts = cells["customers"].to_numpy(dtype=np.int64)

    def column(name: str, rows: np.ndarray | None = None) -> np.ndarray:
        kind = np.int64 if name in ("arm_id", "frequency", "calibration_frequency") else float
        values = np.repeat(cells[name].to_numpy(dtype=kind), counts)
        return values if rows is None else values[rows]

    summary = {name: column(name) for name in _FOLLOWUP_COLUMNS}
    summary["holdout_margin"] = np.zeros(len(summary["arm_id"]))
    rows = column("in_calibration").astype(bool)
    calibration = {
        name: column(f"calibration_{name}" if name in _CALIBRATION else name, rows)
        for name in _FOLLOWUP_COLUMNS
    }
    return Followup(calibration=calibration, summary=summary)
