"""Customer-level SQL: BG/NBD summary, customer base, cohorts, repeat curve, historic CLV, arms.

Every function takes a cursor and returns a small frame or a typed value; the per-customer
summaries (one row per customer) are the only large results, and they are what the BG/NBD and
Gamma-Gamma fits in `experiments.clv` need. The Customers page opens on one query,
`customer_overview`: head counts, segments and the margin rate from one pass grouped by customer
(`customer_base` is its part); its sections, when opened, read their own: "Do they come back?"
`customer_returns` (cohorts and the repeat curve: `cohort_retention`, `repeat_purchase_curve`),
"What a customer is worth" `historic_clv`.

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
from experiments.store import Cursor, design_sql
from experiments.store import settings as store_settings
from experiments.store.metrics_sql import (
    KEPT_MARGIN,
    arm_discount_terms,
    discount_given,
    discounts_recorded,
)
from experiments.store.orders import ORDER_ROW, REPEAT_CUSTOMER, order_row

__all__ = [
    "DAYS_PER_UNIT",
    "CustomerBase",
    "CustomerOverview",
    "CustomerReturns",
    "Followup",
    "HistoricClv",
    "TimeUnit",
    "arm_summary",
    "cohort_retention",
    "customer_base",
    "customer_overview",
    "customer_returns",
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
        WHERE {order_row("t")} AND CAST(t.ts AS DATE) <= cutoff.cutoff_day
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
    return _margin_rate(cur, until)


def _margin_rate(cur: Cursor, until: dt.date | None) -> float:
    rate = _rate(cur, None)
    row = cur.execute(
        f"""
        SELECT sum({KEPT_MARGIN}), sum(t.amount)
        FROM transactions t
        WHERE t.amount >= 0
          AND CAST(t.ts AS DATE) <= coalesce(
              CAST($until AS DATE), (SELECT max(CAST(ts AS DATE)) FROM transactions))
        """,  # noqa: S608 - a fixed fragment; values are parameters
        _params(until, rate),
    ).fetchone()
    return _margin_share(row[0], row[1], rate) if row else rate


def _margin_share(margin: float | None, revenue: float | None, rate: float) -> float:
    """Kept margin / revenue of the purchase rows; `rate` when there is no revenue."""
    if revenue is None or float(revenue) <= 0:
        return rate
    return float(margin or 0.0) / float(revenue)


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
    until = as_of - dt.timedelta(days=1) if as_of is not None else None
    return customer_overview(cur, until=until, active_days=active_days).base


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
    return customer_returns(cur, until=until, max_months=max_months).cohorts


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
    return customer_returns(cur, until=until, max_days=max_days).repeat_curve


def _kaplan_meier(hist: pd.DataFrame, max_days: int) -> pd.DataFrame:
    """The repeat curve from the histogram of days to the second purchase day (`events`) and
    of days observed without one (`censored`), per `day` capped at max_days + 1."""
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
    row is `KEPT_MARGIN`: what the shop keeps after the discount it gave. One query: the first
    purchase per customer, then the eligible customers' window margins; what comes back is
    the statistics and one row per histogram bin. The Customers page reads it only when its
    "What a customer is worth" section is opened (exact quantiles over every eligible
    customer: not a price the first open pays).
    """
    params = _params(until, _rate(cur, margin_rate)) | {"months": int(months), "bins": int(bins)}
    row = cur.execute(_HISTORIC, params).fetchone()
    assert row is not None
    clv_stats, clv_bins = row
    return _historic(clv_stats, clv_bins or [], months=int(months), bins=int(bins))


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
            FROM window_rows WHERE {ORDER_ROW} GROUP BY ALL
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
        It is `followup_summaries`' query (one home for both): its calibration part, ending
        at `end`, with the held-back days to `holdout_end`.
    """
    columns = _followup(
        cur,
        experiment_id,
        start_days=start_days,
        calibration_end=end,
        end=holdout_end or end,
        time_unit=time_unit,
        margin_rate=margin_rate,
        with_ids=True,
    )
    rows = columns["in_calibration"].astype(bool)
    frame = pd.DataFrame(
        {
            name: columns[f"calibration_{name}" if f"calibration_{name}" in columns else name][rows]
            for name in ["customer_id", *_FOLLOWUP_COLUMNS]
        }
    )
    return frame.sort_values(["arm_id", "customer_id"], kind="stable").reset_index(drop=True)


# -- the Customers page: its headline query, and its sections' when they open -------------------
# Grouped by customer (never by customer and day: 9.5M groups at 1M customers); what leaves DuckDB
# is sufficient statistics: one row per segment, per cohort and month, per day of the repeat
# curve, per bin of the historic CLV. The headline is one group-by; the cohorts and the repeat
# curve (`customer_returns`) and the historic CLV (`historic_clv`), which need each customer's
# first purchase joined back to the rows, run when the page's section that shows them is opened.
_BOUNDS = """
bounds AS (
    SELECT coalesce(CAST($until AS DATE), max(CAST(ts AS DATE))) AS cutoff_day,
           CAST(coalesce(CAST($until AS DATE), max(CAST(ts AS DATE))) + 1 AS DATE) AS as_of,
           CAST(coalesce(CAST($until AS DATE), max(CAST(ts AS DATE))) + 1 AS TIMESTAMP) AS end_ts
    FROM transactions
)"""


def _firsts(*columns: str) -> str:
    """The CTE `firsts`: each customer's first order (`orders.ORDER_ROW`) before the cutoff's end,
    with `columns` computed from its `first_ts`."""
    extra = "".join(f",\n           {column}" for column in columns)
    return f"""
firsts AS (
    SELECT customer_id, first_ts{extra}
    FROM (
        SELECT t.customer_id, min(t.ts) AS first_ts
        FROM transactions t, bounds b
        WHERE {order_row("t")} AND t.ts < b.end_ts
        GROUP BY t.customer_id
    )
)"""  # noqa: S608 - a fixed fragment; values are parameters


# The headline: ONE group-by per customer (no first-purchase join: the historic CLV, which needs
# it, is its own query), the RFM scoring on its one row of cut points, head counts as sums over
# the segment rows, and the margin rate as a direct sum over the purchase rows (not a sum of
# per-customer sums: 0.1 s of CPU at 1M customers instead of two more aggregates per customer).
_OVERVIEW = f"""
WITH {_BOUNDS.strip()},
features AS (
    SELECT b.as_of,
           date_diff('day', CAST(p.last_order_ts AS DATE), b.as_of) AS recency_days,
           p.frequency, p.monetary,
           date_diff('day', CAST(p.first_order_ts AS DATE), b.as_of) AS tenure_days,
           p.lifetime_orders, p.last_order_ts
    FROM (
        SELECT count(*) FILTER (WHERE {order_row("t")}) AS lifetime_orders,
               min(t.ts) FILTER (WHERE {order_row("t")}) AS first_order_ts,
               max(t.ts) FILTER (WHERE {order_row("t")}) AS last_order_ts,
               count(*) FILTER (WHERE {order_row("t")} AND t.ts >= l.lookback_ts) AS frequency,
               coalesce(sum(t.amount) FILTER (WHERE t.ts >= l.lookback_ts), 0) AS monetary
        FROM transactions t,
             (SELECT end_ts, CAST(as_of - CAST($lookback_days AS INTEGER) AS TIMESTAMP)
                  AS lookback_ts FROM bounds) l
        WHERE t.ts < l.end_ts
        GROUP BY t.customer_id
    ) p, bounds b
    WHERE p.lifetime_orders > 0
),
{design_sql.rfm_scoring(one_day=True).strip()},
segment_rows AS (
    SELECT segment, count(*) AS customers, sum(monetary) AS revenue,
           count(*) FILTER (WHERE {REPEAT_CUSTOMER}) AS repeaters,
           count(*) FILTER (WHERE last_order_ts >= as_of - CAST($active_days AS INTEGER))
               AS active
    FROM segmented GROUP BY segment
)
SELECT
    (SELECT as_of FROM bounds) AS as_of,
    (SELECT cutoff_day FROM bounds) AS cutoff_day,
    (SELECT list(segment_rows) FROM segment_rows) AS segments,
    (SELECT {{'margin': sum({KEPT_MARGIN}), 'revenue': sum(t.amount)}}
     FROM transactions t, bounds b WHERE {order_row("t")} AND t.ts < b.end_ts) AS purchases
"""  # noqa: S608 - fixed fragments; values are parameters

# The historic CLV ("What a customer is worth", queried when that section is opened): each
# customer's first purchase, then the kept margin of every row (refunds included) in the
# `months` from it, for the customers whose window has ended by the cutoff.
_HISTORIC = f"""
WITH {_BOUNDS.strip()},
{_firsts("first_ts + to_months($months) AS window_end_ts").strip()},
clv AS (
    SELECT sum({KEPT_MARGIN}) AS margin
    FROM transactions t JOIN firsts f USING (customer_id), bounds b
    WHERE CAST(f.window_end_ts AS DATE) <= b.cutoff_day
      AND t.ts >= f.first_ts AND t.ts < f.window_end_ts AND t.ts < b.end_ts
    GROUP BY t.customer_id
),
clv_stats AS (
    SELECT count(*) AS eligible, coalesce(avg(margin), 0) AS mean,
           coalesce(median(margin), 0) AS median,
           coalesce(quantile_cont(margin, 0.9), 0) AS p90, coalesce(sum(margin), 0) AS total,
           min(margin) AS lo, quantile_cont(margin, 0.99) AS hi
    FROM clv
),
clv_bins AS (
    SELECT CASE WHEN s.hi <= s.lo THEN 0
                ELSE least($bins - 1, floor((c.margin - s.lo) / ((s.hi - s.lo) / $bins)))
           END::INTEGER AS bin,
           count(*) AS customers
    FROM clv c, clv_stats s GROUP BY bin
)
SELECT (SELECT clv_stats FROM clv_stats) AS clv,
       (SELECT list(clv_bins ORDER BY bin) FROM clv_bins) AS clv_histogram
"""  # noqa: S608 - fixed fragments; values are parameters

# Both aggregates read order rows only (`orders.ORDER_ROW`), so the rest never reach the group-by;
# every customer of `firsts` has one (its first purchase) and keeps its row.
_RETURNS = f"""
WITH {_BOUNDS.strip()},
{
    _firsts(
        "CAST(CAST(first_ts AS DATE) + 1 AS TIMESTAMP) AS next_day_ts",
        "year(first_ts) * 12 + month(first_ts) AS first_month",
    ).strip()
},
per_customer AS MATERIALIZED (
    SELECT any_value(f.first_ts) AS first_ts,
           CAST(min(t.ts) FILTER (WHERE t.ts >= f.next_day_ts) AS DATE) AS second_day,
           bit_or(CAST(1 AS UBIGINT) << CAST(
                      least(greatest(year(t.ts) * 12 + month(t.ts) - f.first_month, 0), 63)
                      AS UBIGINT))
               FILTER (WHERE year(t.ts) * 12 + month(t.ts) - f.first_month <= $max_months)
               AS active_months
    FROM transactions t JOIN firsts f USING (customer_id), bounds b
    WHERE t.ts < b.end_ts AND {order_row("t")}
    GROUP BY t.customer_id
),
cohort_masks AS (
    SELECT CAST(date_trunc('month', first_ts) AS DATE) AS cohort, active_months,
           count(*) AS customers
    FROM per_customer GROUP BY ALL
),
cohort_sizes AS (SELECT cohort, sum(customers) AS cohort_size FROM cohort_masks GROUP BY cohort),
cohort_rows AS (
    SELECT m.cohort, s.months_since, sum(m.customers) AS active
    FROM cohort_masks m,
         (SELECT unnest(range(0, $max_months + 1)) AS months_since) s
    WHERE (m.active_months >> CAST(s.months_since AS UBIGINT)) & 1 = 1
    GROUP BY ALL
),
durations AS (
    SELECT least(coalesce(date_diff('day', CAST(p.first_ts AS DATE), p.second_day),
                          date_diff('day', CAST(p.first_ts AS DATE), b.cutoff_day)),
                 $max_days + 1) AS day,
           p.second_day IS NOT NULL AS repeated
    FROM per_customer p, bounds b
)
SELECT
    (SELECT cutoff_day FROM bounds) AS cutoff_day,
    (SELECT list({{'cohort': r.cohort, 'months_since': r.months_since, 'active': r.active,
                   'cohort_size': s.cohort_size}} ORDER BY r.cohort, r.months_since)
     FROM cohort_rows r JOIN cohort_sizes s USING (cohort)) AS cohorts,
    (SELECT list({{'day': day, 'events': events, 'censored': censored}} ORDER BY day) FROM (
        SELECT day, count(*) FILTER (WHERE repeated) AS events,
               count(*) FILTER (WHERE NOT repeated) AS censored
        FROM durations GROUP BY day)) AS repeat_histogram
"""  # noqa: S608 - fixed fragments; values are parameters


MAX_COHORT_MONTHS = 63  # months after the first purchase a cohort row can reach (a 64-bit mask)


@dataclass(frozen=True)
class CustomerOverview:
    """What the Customers page shows on its first open, from one query: the headline and the
    segments. The sections opened on request have their own: `customer_returns` ("Do they come
    back?") and `historic_clv` ("What a customer is worth").

    Attributes:
        until: the cutoff day (inclusive); None for an empty store.
        base: the headline head counts, as of the day after the cutoff.
        segments: customers, revenue, revenue_share and repeat_rate per named RFM segment,
            as `design_sql.rfm_segments` counts them (all segments listed).
        margin_rate: as `margin_rate`: the CLV model's default margin share.
    """

    until: dt.date | None
    base: CustomerBase
    segments: pd.DataFrame
    margin_rate: float


def customer_overview(
    cur: Cursor,
    *,
    until: dt.date | None = None,
    lookback_days: int = config.DEFAULT_LOOKBACK_DAYS,
    active_days: int = config.DEFAULT_LOOKBACK_DAYS,
) -> CustomerOverview:
    """The head counts, RFM segments and margin rate in one query, one group-by per customer.

    The page used to run six whole-store queries, then one that grouped the transactions by
    customer twice (the first purchase, then every number next to it) for the historic CLV's
    exact quantiles too; the headline needs neither the first purchase's join nor a quantile
    of money, so the historic CLV is `historic_clv`, read when its section is opened.
    `customer_base` reads its part of this, so each number has one definition.

    Args:
        cur: store cursor.
        until: cutoff day, inclusive; default the last transaction day. Head counts and
            segments are as of the day after it (`customer_base`'s `as_of`).
        lookback_days: the RFM frequency and spend window.
        active_days: a customer with an order in this many days before `as_of` is active.
    """
    rate = _rate(cur, None)
    params = _params(until, rate) | {
        "lookback_days": int(lookback_days),
        "active_days": int(active_days),
        "new_days": design_sql.NEW_CUSTOMER_DAYS,
    }
    row = cur.execute(_OVERVIEW, params).fetchone()
    assert row is not None
    as_of, cutoff, segments, purchases = row
    found = pd.DataFrame(
        segments or [], columns=["segment", "customers", "revenue", "repeaters", "active"]
    )
    # every customer with an order is in exactly one segment: the head counts are their sums
    found = found.astype({"customers": "int64", "repeaters": "int64", "active": "int64"})
    found["repeat_rate"] = found["repeaters"] / found["customers"]
    return CustomerOverview(
        until=cutoff,
        base=CustomerBase(
            as_of=as_of,
            customers=int(found["customers"].sum()),
            active_customers=int(found["active"].sum()),
            repeat_customers=int(found["repeaters"].sum()),
            active_days=int(active_days),
        ),
        segments=design_sql.segment_table(
            found[["segment", "customers", "revenue", "repeat_rate"]]
        ),
        margin_rate=_margin_share(purchases["margin"], purchases["revenue"], rate),
    )


@dataclass(frozen=True)
class CustomerReturns:
    """Whether customers come back: the Customers page's "Do they come back?" section.

    Attributes:
        until: the cutoff day (inclusive); None for an empty store.
        cohorts: as `cohort_retention`.
        repeat_curve: as `repeat_purchase_curve`.
    """

    until: dt.date | None
    cohorts: pd.DataFrame
    repeat_curve: pd.DataFrame


def customer_returns(
    cur: Cursor,
    *,
    until: dt.date | None = None,
    max_months: int = 12,
    max_days: int = 365,
) -> CustomerReturns:
    """The cohort retention table and the repeat-purchase curve in one query.

    Like `customer_overview`, two passes grouped by customer (never by customer and day);
    `cohort_retention` and `repeat_purchase_curve` read their part of it.

    Args:
        cur: store cursor.
        until: cutoff day, inclusive; default the last transaction day.
        max_months: the last cohort month shown (at most MAX_COHORT_MONTHS).
        max_days: the repeat curve's last day.
    """
    if not 0 <= max_months <= MAX_COHORT_MONTHS:
        raise ValueError(f"max_months must be 0..{MAX_COHORT_MONTHS}, not {max_months}")
    params = {"until": until, "max_months": int(max_months), "max_days": int(max_days)}
    row = cur.execute(_RETURNS, params).fetchone()
    assert row is not None
    cutoff, cohorts, repeat_histogram = row
    return CustomerReturns(
        until=cutoff,
        cohorts=_cohort_table(cohorts or [], cutoff),
        repeat_curve=_kaplan_meier(
            pd.DataFrame(repeat_histogram or [], columns=["day", "events", "censored"]), max_days
        ),
    )


def _cohort_table(rows: list[dict[str, object]], cutoff: dt.date | None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["cohort", "months_since", "active", "cohort_size"])
    frame["cohort"] = pd.to_datetime(frame["cohort"])
    frame["months_since"] = frame["months_since"].astype("int64")
    frame["active"] = frame["active"].astype("int64")
    frame["cohort_size"] = frame["cohort_size"].astype("int64")
    frame["retention"] = frame["active"] / frame["cohort_size"]
    if cutoff is None or frame.empty:
        frame["partial"] = pd.Series(dtype=bool)
        return frame
    month = frame["cohort"].dt.to_period("M") + frame["months_since"].to_numpy()
    frame["partial"] = month == pd.Period(cutoff, "M")
    return frame


def _historic(
    stats: dict[str, float] | None, rows: list[dict[str, object]], *, months: int, bins: int
) -> HistoricClv:
    eligible = int(stats["eligible"]) if stats else 0
    histogram = pd.DataFrame(columns=["bin_start", "bin_end", "customers"])
    if stats and eligible:
        lo, hi = float(stats["lo"]), float(stats["hi"])
        counts = pd.DataFrame(rows, columns=["bin", "customers"])
        number = counts["bin"].to_numpy(dtype=float)
        width = max(hi - lo, 0.0) / bins
        end = lo + (number + 1) * width
        end[(number == bins - 1) | (hi <= lo)] = np.nan
        histogram = pd.DataFrame(
            {
                "bin_start": lo + number * width,
                "bin_end": end,
                "customers": counts["customers"].astype("int64"),
            }
        )
    return HistoricClv(
        status="ok" if eligible else "insufficient_data",
        months=months,
        eligible_customers=eligible,
        mean=float(stats["mean"]) if stats else 0.0,
        median=float(stats["median"]) if stats else 0.0,
        p90=float(stats["p90"]) if stats else 0.0,
        total=float(stats["total"]) if stats else 0.0,
        histogram=histogram,
    )


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


def _followup(
    cur: Cursor,
    experiment_id: int,
    *,
    start_days: int,
    calibration_end: dt.date,
    end: dt.date,
    time_unit: TimeUnit,
    margin_rate: float | None,
    with_ids: bool = False,
) -> dict[str, np.ndarray]:
    """The one follow-up query: per assigned customer, the summary ending at `end` and its
    `calibration_` twin ending at `calibration_end`, as numpy arrays (`in_calibration`: the
    customer's period had begun by then)."""
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
            WHERE {ORDER_ROW} AND day > zero_day
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
            SELECT {"a.customer_id, " if with_ids else ""}a.arm_id,
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
    return {name: np.asarray(values) for name, values in frame.items()}


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
    columns = _followup(
        cur,
        experiment_id,
        start_days=start_days,
        calibration_end=calibration_end,
        end=end,
        time_unit=time_unit,
        margin_rate=margin_rate,
    )
    summary = {name: columns[name] for name in _FOLLOWUP_COLUMNS}
    summary["holdout_margin"] = np.zeros(len(summary["arm_id"]))
    rows = columns["in_calibration"].astype(bool)
    calibration = {
        name: columns[f"calibration_{name}" if f"calibration_{name}" in columns else name][rows]
        for name in _FOLLOWUP_COLUMNS
    }
    return Followup(calibration=calibration, summary=summary)
