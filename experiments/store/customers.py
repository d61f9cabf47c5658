"""Customer-level SQL: BG/NBD summary, customer base, cohorts, repeat curve, historic CLV, arms.

Every function takes a cursor and returns a small frame or a typed value; the per-customer
summaries (one row per customer) are the only large results, and they are what the BG/NBD and
Gamma-Gamma fits in `experiments.clv` need.

Conventions shared by every query here:

* A *purchase day* is a calendar day (`CAST(ts AS DATE)`) with at least one transaction whose
  amount is >= 0. Several orders of one customer on one day are merged into one purchase day
  (Fader, Hardie & Lee 2005 do the same for CDNOW). Refunds (negative amounts) never create a
  purchase day; they do count in revenue and margin totals.
* Money: `margin` is what the shop keeps of a transaction, as in `metrics_sql`: the margin
  column (gross margin before discount) when present, else `(amount + discount) x
  margin_rate` (default: the store's margin rate, `store.settings.margin_rate`), minus the
  discount given
  (`metrics_sql.KEPT_MARGIN`).
  A discount's cost is thus in every CLV, historic or projected.
* The cutoff (`until`) is inclusive: transactions on that calendar day belong to the calibration
  period. The default is the last transaction day in the store.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from experiments import config
from experiments.store import Cursor
from experiments.store import settings as store_settings
from experiments.store.metrics_sql import (
    KEPT_MARGIN,
    arm_discount_terms,
    discount_given,
    discounts_recorded,
)

__all__ = [
    "DAYS_PER_UNIT",
    "CustomerBase",
    "Followup",
    "HistoricClv",
    "TimeUnit",
    "arm_summary",
    "cohort_retention",
    "customer_base",
    "experiment_arms",
    "followup_summaries",
    "followup_summary",
    "historic_clv",
    "last_transaction_day",
    "lever_window_days",
    "margin_rate",
    "repeat_purchase_curve",
    "rfm_summary",
]

TimeUnit = Literal["days", "weeks"]
DAYS_PER_UNIT: dict[str, float] = {"days": 1.0, "weeks": 7.0}

# Purchase days up to the cutoff. Parameters: $until (DATE or NULL), $margin_rate.
_PURCHASE_DAYS = f"""
    cutoff AS (
        SELECT coalesce(
            CAST($until AS DATE),
            (SELECT max(CAST(ts AS DATE)) FROM transactions)
        ) AS cutoff_day
    ),
    purchase_days AS (
        SELECT t.customer_id,
               CAST(t.ts AS DATE) AS day,
               sum(t.amount) AS amount,
               sum({KEPT_MARGIN}) AS margin
        FROM transactions t, cutoff
        WHERE t.amount >= 0 AND CAST(t.ts AS DATE) <= cutoff.cutoff_day
        GROUP BY ALL
    )
"""  # noqa: S608 - a fixed fragment; values are parameters

# One row per customer with a purchase day. Extra parameter: $days_per_unit.
_SUMMARY = f"""
    WITH {_PURCHASE_DAYS},
    per_customer AS (
        SELECT customer_id,
               min(day) AS first_day,
               max(day) AS last_day,
               count(*) AS purchase_days,
               sum(amount) AS revenue,
               sum(margin) AS margin,
               arg_min(amount, day) AS first_amount
        FROM purchase_days
        GROUP BY customer_id
    )
    SELECT p.customer_id,
           p.purchase_days - 1 AS frequency,
           date_diff('day', p.first_day, p.last_day) / $days_per_unit AS recency,
           date_diff('day', p.first_day, cutoff.cutoff_day) / $days_per_unit AS "T",
           CASE WHEN p.purchase_days > 1
                THEN (p.revenue - p.first_amount) / (p.purchase_days - 1)
                ELSE 0 END AS monetary,
           p.first_day,
           p.last_day,
           p.revenue,
           p.margin
    FROM per_customer p, cutoff
"""  # noqa: S608 - fixed fragments; values are parameters


def _rate(cur: Cursor, margin_rate: float | None) -> float:
    """An explicit margin rate, else the store's (its setting, else the default)."""
    return store_settings.margin_rate(cur) if margin_rate is None else float(margin_rate)


def _params(until: dt.date | None, margin_rate: float | None = None) -> dict[str, object]:
    return {
        "until": until,
        "margin_rate": config.DEFAULT_MARGIN_RATE if margin_rate is None else float(margin_rate),
    }


def last_transaction_day(cur: Cursor) -> dt.date | None:
    """The calendar day of the latest transaction (the default cutoff), or None when empty."""
    row = cur.execute("SELECT max(CAST(ts AS DATE)) FROM transactions").fetchone()
    return row[0] if row and row[0] is not None else None


def rfm_summary(
    cur: Cursor,
    *,
    until: dt.date | None = None,
    time_unit: TimeUnit = "weeks",
    margin_rate: float | None = None,
) -> pd.DataFrame:
    """The frequency / recency / T / monetary summary per customer, as BG/NBD expects it.

    Units follow Fader, Hardie & Lee (2005) so the CDNOW parameters can be compared directly:

    * `frequency` (x): number of *repeat* purchase days (purchase days minus one).
    * `recency` (t_x): time from the first to the last purchase day, in `time_unit`.
    * `T`: time from the first purchase day to the cutoff day, in `time_unit`.
    * `monetary` (zbar): mean amount of the repeat purchase days (the first purchase is left
      out, as in the Gamma-Gamma note of Fader & Hardie 2013); 0 when frequency is 0.

    Args:
        cur: store cursor.
        until: calibration cutoff, inclusive; default the last transaction day.
        time_unit: "weeks" (days / 7, as in the literature) or "days".
        margin_rate: margin share for rows without a margin; default: the store's.

    Returns:
        Columns customer_id, frequency, recency, T, monetary, first_day, last_day, revenue
        (purchase days only), margin; one row per customer with a purchase day up to `until`,
        ordered by customer_id.
    """
    params = _params(until, _rate(cur, margin_rate)) | {"days_per_unit": DAYS_PER_UNIT[time_unit]}
    return cur.execute(_SUMMARY + " ORDER BY p.customer_id", params).df()


def margin_rate(cur: Cursor, *, until: dt.date | None = None) -> float:
    """Margin as a share of revenue over purchase rows up to `until` (CLV multiplies spend by it).

    Rows without a margin count at the store's margin rate (`store.settings`, else
    config.DEFAULT_MARGIN_RATE), so a store without any margin column gets exactly that rate;
    it is also returned when there is no revenue.
    """
    row = cur.execute(
        f"WITH {_PURCHASE_DAYS} SELECT sum(margin), sum(amount) FROM purchase_days",  # noqa: S608 - fixed fragments; values are parameters
        _params(until, _rate(cur, None)),
    ).fetchone()
    if not row or row[1] is None or float(row[1]) <= 0:
        return _rate(cur, None)
    return float(row[0]) / float(row[1])


# -- the customer base ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerBase:
    """Head counts of the customer base on a day, as the Customers page headline shows them.

    Counted the way `design_sql.customer_features` counts (an order is a transaction with a
    positive amount before `as_of`), so `customers` and `repeat_customers` equal the totals of
    the RFM segment table the audience builder uses.

    Attributes:
        as_of: the day counted up to (exclusive).
        customers: customers with at least one order before `as_of`.
        active_customers: of those, customers with an order in the `active_days` before it.
        repeat_customers: customers with two or more orders before `as_of`.
        active_days: the activity window.
    """

    as_of: dt.date | None
    customers: int
    active_customers: int
    repeat_customers: int
    active_days: int

    @property
    def repeat_share(self) -> float | None:
        """Share of customers with two or more orders; None for an empty store."""
        return self.repeat_customers / self.customers if self.customers else None

    @property
    def active_share(self) -> float | None:
        return self.active_customers / self.customers if self.customers else None


def customer_base(
    cur: Cursor,
    *,
    as_of: dt.date | None = None,
    active_days: int = config.DEFAULT_LOOKBACK_DAYS,
) -> CustomerBase:
    """Customers, active customers and repeat customers before `as_of`, in one DuckDB pass.

    Args:
        cur: store cursor.
        as_of: exclusive end; default the day after the last transaction (as the design page).
        active_days: a customer with an order in this many days before `as_of` is active.
    """
    row = cur.execute(
        """
        WITH day AS (
            SELECT coalesce(CAST($as_of AS DATE),
                            CAST(max(ts) AS DATE) + 1) AS as_of
            FROM transactions
        ),
        per_customer AS (
            SELECT t.customer_id,
                   count(*) AS orders,
                   max(t.ts) >= any_value(day.as_of) - CAST($active_days AS INTEGER) AS active
            FROM transactions t, day
            WHERE t.amount > 0 AND t.ts < day.as_of
            GROUP BY t.customer_id
        )
        SELECT any_value(day.as_of),
               count(p.customer_id),
               count(p.customer_id) FILTER (WHERE p.active),
               count(p.customer_id) FILTER (WHERE p.orders >= 2)
        FROM day LEFT JOIN per_customer p ON true
        """,
        {"as_of": as_of, "active_days": int(active_days)},
    ).fetchone()
    assert row is not None
    return CustomerBase(
        as_of=row[0],
        customers=int(row[1]),
        active_customers=int(row[2]),
        repeat_customers=int(row[3]),
        active_days=int(active_days),
    )


# -- cohorts and the repeat curve ------------------------------------------------------------------
def cohort_retention(
    cur: Cursor, *, until: dt.date | None = None, max_months: int = 12
) -> pd.DataFrame:
    """Share of each first-purchase-month cohort buying again N calendar months later.

    Month 0 is the cohort month itself (retention 1 by definition). Cells after the cutoff month
    are absent rather than zero, so an unfinished cohort is not read as churned; the cutoff's own
    month is partial and marked by `partial`.

    Returns:
        Columns cohort (first day of the month), months_since (0..max_months), active,
        cohort_size, retention (active / cohort_size), partial (bool).
    """
    return cur.execute(
        f"""
        WITH {_PURCHASE_DAYS},
        firsts AS (
            SELECT customer_id, date_trunc('month', min(day)) AS cohort
            FROM purchase_days GROUP BY customer_id
        ),
        sizes AS (SELECT cohort, count(*) AS cohort_size FROM firsts GROUP BY cohort),
        activity AS (
            SELECT DISTINCT d.customer_id, f.cohort,
                   date_diff('month', f.cohort, date_trunc('month', d.day)) AS months_since
            FROM purchase_days d JOIN firsts f USING (customer_id)
        )
        SELECT a.cohort::DATE AS cohort, a.months_since, count(*) AS active, s.cohort_size,
               count(*) / s.cohort_size AS retention,
               date_trunc('month', a.cohort + to_months(a.months_since))
                   = date_trunc('month', any_value(cutoff.cutoff_day)) AS partial
        FROM activity a JOIN sizes s USING (cohort), cutoff
        WHERE a.months_since <= $max_months
        GROUP BY a.cohort, a.months_since, s.cohort_size
        ORDER BY a.cohort, a.months_since
        """,  # noqa: S608 - fixed fragments; values are parameters
        _params(until) | {"max_months": int(max_months)},
    ).df()


def repeat_purchase_curve(
    cur: Cursor, *, until: dt.date | None = None, max_days: int = 365
) -> pd.DataFrame:
    """Share of customers with a second purchase day within d days of their first.

    Customers observed for fewer than d days cannot have shown whether they come back by day
    d, so the share is the Kaplan-Meier estimate (1 - survival) with those customers censored at
    their observed time; with full follow-up it equals the plain share. SQL returns the event
    and censoring histogram; the cumulative product is taken here over at most max_days rows.

    Returns:
        Columns day (1..max_days), at_risk, second_purchases (on that day), censored,
        repeat_share. Empty when the store has no purchases.
    """
    hist = cur.execute(
        f"""
        WITH {_PURCHASE_DAYS},
        ranked AS (
            SELECT customer_id, day,
                   row_number() OVER (PARTITION BY customer_id ORDER BY day) AS nth
            FROM purchase_days
        ),
        per_customer AS (
            SELECT customer_id, min(day) AS first_day,
                   min(day) FILTER (WHERE nth = 2) AS second_day
            FROM ranked GROUP BY customer_id
        ),
        durations AS (
            SELECT coalesce(date_diff('day', first_day, second_day),
                            date_diff('day', first_day, cutoff.cutoff_day)) AS duration,
                   second_day IS NOT NULL AS repeated
            FROM per_customer, cutoff
        )
        SELECT least(duration, $max_days + 1) AS day,
               count(*) FILTER (WHERE repeated) AS events,
               count(*) FILTER (WHERE NOT repeated) AS censored
        FROM durations GROUP BY ALL ORDER BY day
        """,  # noqa: S608 - fixed fragments; values are parameters
        _params(until) | {"max_days": int(max_days)},
    ).df()
    columns = ["day", "at_risk", "second_purchases", "censored", "repeat_share"]
    if hist.empty:
        return pd.DataFrame(columns=columns)
    days = np.arange(0, max_days + 2)
    events = np.zeros(len(days))
    censored = np.zeros(len(days))
    events[hist["day"].to_numpy(dtype=int)] = hist["events"].to_numpy(dtype=float)
    censored[hist["day"].to_numpy(dtype=int)] = hist["censored"].to_numpy(dtype=float)
    leaving = events + censored
    at_risk = leaving.sum() - np.concatenate([[0.0], np.cumsum(leaving)[:-1]])
    hazard = np.divide(events, at_risk, out=np.zeros_like(events), where=at_risk > 0)
    share = 1.0 - np.cumprod(1.0 - hazard)
    keep = slice(1, max_days + 1)
    return pd.DataFrame(
        {
            "day": days[keep],
            "at_risk": at_risk[keep].astype(int),
            "second_purchases": events[keep].astype(int),
            "censored": censored[keep].astype(int),
            "repeat_share": share[keep],
        }
    )


# -- historic CLV ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoricClv:
    """Margin each customer brought in the first `months` months after their first purchase.

    Only customers whose first purchase is at least `months` months before the cutoff are
    eligible, so every value covers the full window (a recent customer would look cheap).

    Attributes:
        status: "ok", or "insufficient_data" when no customer has a full window.
        months: window length.
        eligible_customers: customers with a full window.
        mean: mean margin per eligible customer (0 when none).
        median: median margin.
        p90: 90th percentile.
        total: total margin of the eligible customers.
        histogram: columns bin_start, bin_end, customers; the last bin is open-ended above the
            99th percentile so one whale does not flatten the chart.
    """

    status: Literal["ok", "insufficient_data"]
    months: int
    eligible_customers: int
    mean: float
    median: float
    p90: float
    total: float
    histogram: pd.DataFrame


def historic_clv(
    cur: Cursor,
    *,
    until: dt.date | None = None,
    months: int = 12,
    bins: int = 30,
    margin_rate: float | None = None,
) -> HistoricClv:
    """The distribution of historic CLV: margin over `months` months from the first purchase.

    All transactions in the window count, refunds included (they subtract margin). Margin per
    row is `KEPT_MARGIN`: what the shop keeps after the discount it gave.
    """
    params = _params(until, _rate(cur, margin_rate)) | {"months": int(months)}
    values = f"""
        WITH {_PURCHASE_DAYS},
        firsts AS (
            SELECT customer_id, min(t.ts) AS first_ts
            FROM transactions t, cutoff
            WHERE t.amount >= 0 AND CAST(t.ts AS DATE) <= cutoff.cutoff_day
            GROUP BY customer_id
        ),
        eligible AS (
            SELECT f.* FROM firsts f, cutoff
            WHERE CAST(f.first_ts + to_months($months) AS DATE) <= cutoff.cutoff_day
        ),
        clv AS (
            SELECT e.customer_id,
                   sum({KEPT_MARGIN}) AS margin
            FROM eligible e JOIN transactions t
              ON t.customer_id = e.customer_id
             AND t.ts >= e.first_ts AND t.ts < e.first_ts + to_months($months)
            GROUP BY e.customer_id
        ),
        bounds AS (
            SELECT min(margin) AS lo, quantile_cont(margin, 0.99) AS hi FROM clv
        )
    """  # noqa: S608 - fixed fragments; values are parameters
    row = cur.execute(
        values  # noqa: S608 - fixed fragments; values are parameters
        + """
        SELECT count(*), coalesce(avg(margin), 0), coalesce(median(margin), 0),
               coalesce(quantile_cont(margin, 0.9), 0), coalesce(sum(margin), 0)
        FROM clv
        """,
        params,
    ).fetchone()
    assert row is not None
    eligible = int(row[0])
    histogram = pd.DataFrame(columns=["bin_start", "bin_end", "customers"])
    if eligible:
        histogram = cur.execute(
            values  # noqa: S608 - fixed fragments; values are parameters
            + """
            , binned AS (
                SELECT CASE WHEN b.hi <= b.lo THEN 0
                            ELSE least($bins - 1,
                                       floor((c.margin - b.lo) / ((b.hi - b.lo) / $bins)))
                       END::INTEGER AS bin
                FROM clv c, bounds b
            )
            SELECT b.lo + bin * greatest(b.hi - b.lo, 0) / $bins AS bin_start,
                   CASE WHEN bin = $bins - 1 OR b.hi <= b.lo THEN NULL
                        ELSE b.lo + (bin + 1) * (b.hi - b.lo) / $bins END AS bin_end,
                   count(*) AS customers
            FROM binned, bounds b
            GROUP BY bin, b.lo, b.hi ORDER BY bin
            """,
            params | {"bins": int(bins)},
        ).df()
    return HistoricClv(
        status="ok" if eligible else "insufficient_data",
        months=int(months),
        eligible_customers=eligible,
        mean=float(row[1]),
        median=float(row[2]),
        p90=float(row[3]),
        total=float(row[4]),
        histogram=histogram,
    )


# -- experiments -----------------------------------------------------------------------------------
def experiment_arms(cur: Cursor, experiment_id: int) -> pd.DataFrame:
    """The arms of an experiment: arm_id, name, kind, allocation (empty if it does not exist)."""
    return cur.execute(
        """
        SELECT arm_id, name, kind, allocation FROM arms
        WHERE experiment_id = $experiment_id ORDER BY arm_id
        """,
        {"experiment_id": int(experiment_id)},
    ).df()


def arm_summary(
    cur: Cursor,
    experiment_id: int,
    *,
    until: dt.date | None = None,
    time_unit: TimeUnit = "weeks",
    margin_rate: float | None = None,
) -> pd.DataFrame:
    """Per assigned customer: BG/NBD summary of post-assignment behaviour, plus observed money.

    Time zero is the customer's assignment day (the customer is alive and "just transacted",
    which is how BG/NBD treats the first purchase); every purchase day on or after the
    assignment time is counted:

    * `frequency`: purchase days after assignment (all count, none is a "first" purchase).
    * `recency`: assignment day to the last such purchase day; 0 when none.
    * `T`: assignment day to the cutoff.
    * `monetary`: mean amount of those purchase days; 0 when none.
    * `revenue`, `margin`: observed-window totals of all post-assignment transactions
      (refunds subtract) - the observed result the projection is shown beside. The margin is
      after the discounts, a discount arm's estimated ones when the data has none (as in the
      analysis, `metrics_sql.discount_given`).

    Customers assigned after the cutoff are left out; a customer assigned twice keeps the first
    assignment.

    Returns:
        Columns customer_id, arm_id, frequency, recency, T, monetary, revenue, margin, ordered
        by arm_id, customer_id.
    """
    max_days = max(config.HORIZONS_DAYS)  # a discount arm's estimated discounts: as analysed
    params = _params(until, _rate(cur, margin_rate)) | {
        "days_per_unit": DAYS_PER_UNIT[time_unit],
        "experiment_id": int(experiment_id),
        "max_days": max_days,
        "estimate_discounts": not discounts_recorded(cur, experiment_id, max_days),
    }
    return cur.execute(
        f"""
        WITH cutoff AS (
            SELECT coalesce(
                CAST($until AS DATE),
                (SELECT max(CAST(ts AS DATE)) FROM transactions)
            ) AS cutoff_day
        ),
        assigned AS (
            SELECT customer_id, min(assigned_at) AS assigned_at,
                   arg_min(arm_id, assigned_at) AS arm_id
            FROM assignments WHERE experiment_id = $experiment_id
            GROUP BY customer_id
        ),
        assigned_arms AS (
            SELECT a.customer_id, a.assigned_at, epoch_us(a.assigned_at) AS assigned_us,
                   {arm_discount_terms("ar")}
            FROM assigned a
            LEFT JOIN arms ar ON ar.experiment_id = $experiment_id AND ar.arm_id = a.arm_id
        ),
        window_rows AS (  -- money as the analysis has it, a discount arm's estimate included
            SELECT t.customer_id, CAST(t.ts AS DATE) AS day, t.amount,
                   {KEPT_MARGIN} AS margin
            FROM (
                SELECT x.customer_id, x.ts, x.amount, x.margin,
                       {discount_given("x", "epoch_us(x.ts) - a.assigned_us", "a")} AS discount
                FROM transactions x JOIN assigned_arms a USING (customer_id), cutoff
                WHERE x.ts >= a.assigned_at AND CAST(x.ts AS DATE) <= cutoff.cutoff_day
            ) t
        ),
        days AS (
            SELECT customer_id, day, sum(amount) AS amount
            FROM window_rows WHERE amount >= 0 GROUP BY ALL
        ),
        per_day AS (
            SELECT customer_id, count(*) AS purchase_days, max(day) AS last_day,
                   avg(amount) AS monetary
            FROM days GROUP BY customer_id
        ),
        money AS (
            SELECT customer_id, sum(amount) AS revenue, sum(margin) AS margin
            FROM window_rows GROUP BY customer_id
        )
        SELECT a.customer_id, a.arm_id,
               coalesce(d.purchase_days, 0) AS frequency,
               coalesce(date_diff('day', CAST(a.assigned_at AS DATE), d.last_day), 0)
                   / $days_per_unit AS recency,
               date_diff('day', CAST(a.assigned_at AS DATE), cutoff.cutoff_day)
                   / $days_per_unit AS "T",
               coalesce(d.monetary, 0) AS monetary,
               coalesce(m.revenue, 0) AS revenue,
               coalesce(m.margin, 0) AS margin
        FROM assigned a
        CROSS JOIN cutoff
        LEFT JOIN per_day d USING (customer_id)
        LEFT JOIN money m USING (customer_id)
        WHERE CAST(a.assigned_at AS DATE) <= cutoff.cutoff_day
        ORDER BY a.arm_id, a.customer_id
        """,  # noqa: S608 - a fixed fragment; values are parameters
        params,
    ).df()


def lever_window_days(
    cur: Cursor, experiment_id: int, until: dt.date | None = None
) -> tuple[int, int | None]:
    """(longest direct window of any arm in days, days from the last assignment to the cutoff).

    An arm's direct window is its `validity_days` parameter (a coupon's validity), 0 when it
    has none; the cutoff is `until`, else the last transaction day; the second number is None
    without assignments or transactions.
    """
    row = cur.execute(
        """
        SELECT
            (SELECT coalesce(max(TRY_CAST(json_extract_string(params, '$.validity_days')
                                          AS DOUBLE)), 0)
             FROM arms WHERE experiment_id = $experiment_id),
            (SELECT date_diff('day', max(CAST(assigned_at AS DATE)),
                              coalesce(CAST($until AS DATE),
                                       (SELECT max(CAST(ts AS DATE)) FROM transactions)))
             FROM assignments WHERE experiment_id = $experiment_id)
        """,
        {"experiment_id": int(experiment_id), "until": until},
    ).fetchone()
    if row is None:
        return 0, None
    window = math.ceil(float(row[0] or 0.0))
    return window, (int(row[1]) if row[1] is not None else None)


def followup_summary(
    cur: Cursor,
    experiment_id: int,
    *,
    start_days: int,
    end: dt.date,
    holdout_end: dt.date | None = None,
    time_unit: TimeUnit = "weeks",
    margin_rate: float | None = None,
) -> pd.DataFrame:
    """Per assigned customer: BG/NBD summary of behaviour after the levers' direct window.

    Like `arm_summary`, but time zero is `start_days` after the assignment day, so a burst
    the lever buys directly (orders on a coupon) is not read as a lasting purchase rate:

    * `frequency`, `recency`, `T`, `monetary`: purchase days in (assignment day + start_days,
      end], with T = end - (assignment day + start_days).
    * `fit_revenue`, `fit_margin`: revenue and kept margin (after discounts) in that period:
      the margin rate the projection applies to future spend.
    * `holdout_margin`: kept margin in (end, holdout_end] (0 without holdout_end): the
      held-back follow-up that checks the model's prediction.
    * `revenue`, `margin`: every transaction from assignment to the last day observed
      (holdout_end, else end), as in `arm_summary`: the observed result.

    Customers whose period is empty (T <= 0) are left out.

    Returns:
        Columns customer_id, arm_id, frequency, recency, T, monetary, fit_revenue,
        fit_margin, holdout_margin, revenue, margin, ordered by arm_id, customer_id.
    """
    params = {
        "margin_rate": _params(None, margin_rate)["margin_rate"],
        "days_per_unit": DAYS_PER_UNIT[time_unit],
        "experiment_id": int(experiment_id),
        "start_days": int(start_days),
        "end_day": end,
        "last_day": holdout_end or end,
    }
    return cur.execute(
        f"""
        WITH assigned AS (
            SELECT customer_id, min(assigned_at) AS assigned_at,
                   arg_min(arm_id, assigned_at) AS arm_id,
                   CAST(min(assigned_at) AS DATE) + CAST($start_days AS INTEGER) AS zero_day
            FROM assignments WHERE experiment_id = $experiment_id
            GROUP BY customer_id
        ),
        window_rows AS (
            SELECT t.customer_id, CAST(t.ts AS DATE) AS day, t.amount, {KEPT_MARGIN} AS margin,
                   a.zero_day
            FROM transactions t JOIN assigned a USING (customer_id)
            WHERE t.ts >= a.assigned_at AND CAST(t.ts AS DATE) <= CAST($last_day AS DATE)
        ),
        days AS (
            SELECT customer_id, day, sum(amount) AS amount
            FROM window_rows
            WHERE amount >= 0 AND day > zero_day AND day <= CAST($end_day AS DATE)
            GROUP BY ALL
        ),
        per_day AS (
            SELECT customer_id, count(*) AS purchase_days, max(day) AS last_day,
                   avg(amount) AS monetary
            FROM days GROUP BY customer_id
        ),
        money AS (
            SELECT customer_id, sum(amount) AS revenue, sum(margin) AS margin,
                   sum(CASE WHEN day > zero_day AND day <= CAST($end_day AS DATE)
                            THEN amount END) AS fit_revenue,
                   sum(CASE WHEN day > zero_day AND day <= CAST($end_day AS DATE)
                            THEN margin END) AS fit_margin,
                   sum(CASE WHEN day > CAST($end_day AS DATE) THEN margin END)
                       AS holdout_margin
            FROM window_rows GROUP BY customer_id
        )
        SELECT a.customer_id, a.arm_id,
               coalesce(d.purchase_days, 0) AS frequency,
               coalesce(date_diff('day', a.zero_day, d.last_day), 0) / $days_per_unit
                   AS recency,
               date_diff('day', a.zero_day, CAST($end_day AS DATE)) / $days_per_unit AS "T",
               coalesce(d.monetary, 0) AS monetary,
               coalesce(m.fit_revenue, 0) AS fit_revenue,
               coalesce(m.fit_margin, 0) AS fit_margin,
               coalesce(m.holdout_margin, 0) AS holdout_margin,
               coalesce(m.revenue, 0) AS revenue,
               coalesce(m.margin, 0) AS margin
        FROM assigned a
        LEFT JOIN per_day d USING (customer_id)
        LEFT JOIN money m USING (customer_id)
        WHERE a.zero_day < CAST($end_day AS DATE)
        ORDER BY a.arm_id, a.customer_id
        """,  # noqa: S608 - a fixed fragment; values are parameters
        params,
    ).df()


class Followup(NamedTuple):
    """The two summaries the experiment CLV projection reads, from one pass over the rows.

    Each is a dict of equal-length numpy arrays named like `followup_summary`'s columns but
    customer_id (arm_id, frequency, recency, T, monetary, fit_revenue, fit_margin,
    holdout_margin, revenue, margin): `clv.project_arm_frame` and `clv.holdout_checks` read
    them as they read a frame, without a million-row frame being built.

    Attributes:
        calibration: `followup_summary` ending at the calibration end, with the actual
            `holdout_margin` of the held-back days after it: what the check fits and tests.
        summary: `followup_summary` ending at the cutoff: what the projection fits.
    """

    calibration: dict[str, np.ndarray]
    summary: dict[str, np.ndarray]


_FOLLOWUP_COLUMNS = [
    "arm_id",
    "frequency",
    "recency",
    "T",
    "monetary",
    "fit_revenue",
    "fit_margin",
    "holdout_margin",
    "revenue",
    "margin",
]


def followup_summaries(
    cur: Cursor,
    experiment_id: int,
    *,
    start_days: int,
    calibration_end: dt.date,
    end: dt.date,
    time_unit: TimeUnit = "weeks",
    margin_rate: float | None = None,
) -> Followup:
    """`followup_summary` twice - ending at `calibration_end` (held-back margin to `end`) and
    at `end` - in one scan of the transactions, without the customer ids.

    The rows are the same as two `followup_summary` calls give (a test holds them equal), in
    no particular order (the projection's results do not depend on it). The customer ids,
    which the projection does not use, are left out: at a million customers their strings
    cost more than the numbers.
    """
    params = {
        "margin_rate": _params(None, margin_rate)["margin_rate"],
        "days_per_unit": DAYS_PER_UNIT[time_unit],
        "experiment_id": int(experiment_id),
        "start_days": int(start_days),
        "calibration_end": calibration_end,
        "end_day": end,
    }
    frame = cur.execute(
        f"""
        WITH assigned AS (
            SELECT customer_id, min(assigned_at) AS assigned_at,
                   arg_min(arm_id, assigned_at) AS arm_id,
                   CAST(min(assigned_at) AS DATE) + CAST($start_days AS INTEGER) AS zero_day
            FROM assignments WHERE experiment_id = $experiment_id
            GROUP BY customer_id
        ),
        window_rows AS (
            SELECT t.customer_id, CAST(t.ts AS DATE) AS day, t.amount, {KEPT_MARGIN} AS margin,
                   a.zero_day
            FROM transactions t JOIN assigned a USING (customer_id)
            WHERE t.ts >= a.assigned_at AND CAST(t.ts AS DATE) <= CAST($end_day AS DATE)
        ),
        days AS (
            SELECT customer_id, day, sum(amount) AS amount
            FROM window_rows
            WHERE amount >= 0 AND day > zero_day
            GROUP BY ALL
        ),
        per_day AS (
            SELECT customer_id, count(*) AS purchase_days, max(day) AS last_day,
                   avg(amount) AS monetary,
                   count(*) FILTER (WHERE day <= CAST($calibration_end AS DATE))
                       AS calibration_days,
                   max(day) FILTER (WHERE day <= CAST($calibration_end AS DATE))
                       AS calibration_last_day,
                   avg(amount) FILTER (WHERE day <= CAST($calibration_end AS DATE))
                       AS calibration_monetary
            FROM days GROUP BY customer_id
        ),
        money AS (
            SELECT customer_id, sum(amount) AS revenue, sum(margin) AS margin,
                   sum(amount) FILTER (WHERE day > zero_day) AS fit_revenue,
                   sum(margin) FILTER (WHERE day > zero_day) AS fit_margin,
                   sum(amount) FILTER (
                       WHERE day > zero_day AND day <= CAST($calibration_end AS DATE)
                   ) AS calibration_revenue,
                   sum(margin) FILTER (
                       WHERE day > zero_day AND day <= CAST($calibration_end AS DATE)
                   ) AS calibration_margin,
                   sum(margin) FILTER (WHERE day > CAST($calibration_end AS DATE))
                       AS holdout_margin
            FROM window_rows GROUP BY customer_id
        ),
        joined AS (
            SELECT a.arm_id,
                   a.zero_day < CAST($calibration_end AS DATE) AS in_calibration,
                   coalesce(d.purchase_days, 0) AS frequency,
                   coalesce(date_diff('day', a.zero_day, d.last_day), 0) / $days_per_unit
                       AS recency,
                   date_diff('day', a.zero_day, CAST($end_day AS DATE)) / $days_per_unit AS "T",
                   coalesce(d.monetary, 0) AS monetary,
                   coalesce(m.fit_revenue, 0) AS fit_revenue,
                   coalesce(m.fit_margin, 0) AS fit_margin,
                   coalesce(d.calibration_days, 0) AS calibration_frequency,
                   coalesce(date_diff('day', a.zero_day, d.calibration_last_day), 0)
                       / $days_per_unit AS calibration_recency,
                   date_diff('day', a.zero_day, CAST($calibration_end AS DATE))
                       / $days_per_unit AS "calibration_T",
                   coalesce(d.calibration_monetary, 0) AS calibration_monetary,
                   coalesce(m.calibration_revenue, 0) AS calibration_fit_revenue,
                   coalesce(m.calibration_margin, 0) AS calibration_fit_margin,
                   coalesce(m.holdout_margin, 0) AS holdout_margin,
                   coalesce(m.revenue, 0) AS revenue,
                   coalesce(m.margin, 0) AS margin
            FROM assigned a
            LEFT JOIN per_day d USING (customer_id)
            LEFT JOIN money m USING (customer_id)
            WHERE a.zero_day < CAST($end_day AS DATE)
        )
        SELECT * FROM joined
        """,  # noqa: S608 - a fixed fragment; values are parameters
        params,
    ).fetchnumpy()
    columns = {name: np.asarray(values) for name, values in frame.items()}
    summary = {name: columns[name] for name in _FOLLOWUP_COLUMNS}
    summary["holdout_margin"] = np.zeros(len(summary["arm_id"]))
    rows = columns["in_calibration"].astype(bool)
    calibration = {
        name: columns[f"calibration_{name}" if f"calibration_{name}" in columns else name][rows]
        for name in _FOLLOWUP_COLUMNS
    }
    return Followup(calibration=calibration, summary=summary)
