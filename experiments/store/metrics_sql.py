"""The per-experiment aggregation query: per-customer window metrics -> per-arm sufficient stats.

One statement: assignments are joined to transactions on customer_id, the rows in the time
range [assigned_at - lookback, assigned_at + longest horizon] are kept and folded per customer
(`window_aggregates`; the materialized sums of `results_cache` fold the pre-period's and the
windows' rows apart, `unit_sums`), every customer's window metrics are aggregated in a CTE
(`per_customer`), money metrics are capped at
pooled percentiles of that CTE (`stats.CapRule`, rendered by `capping`, on the customers
observed at the analysis horizon, all arms together), and the customers are folded into the
plain sums that the metric catalogue's requests need (`catalogue.requests`: n, sums, sums of
squares, cross products with covariates), generated per finest group and rolled up into typed
`catalogue.GroupStats` per arm and segment (`builder.rollup`), plus a follow-up histogram for
Kaplan-Meier. `DuckDBBuilder` is this module's `builder.QueryBuilder`. Only small frames leave
DuckDB; `customer_frame` returns per-customer rows for the few uses that need them (bootstrap,
tests).

Definitions (the demo generator records its known truths with the same ones):

* window of horizon H: (assigned_at, assigned_at + H days]; pre-period:
  [assigned_at - lookback, assigned_at). A purchase at the assignment instant is in neither.
* an order (orders, repeat purchase, time to first purchase, recency) is a transaction with a
  positive amount; refunds (negative amounts) count in revenue, margin and net value only.
* amounts are what the customer paid; `discount` is what the order was reduced by, so the
  list (pre-discount) value of an order is amount + discount.
* margin of a transaction: the `margin` column (gross margin before discount) when not NULL,
  else (amount + discount) * margin_rate.
* discount of a transaction: the `discount` column, when the data carries discounts for the
  experiment: some window transaction (assigned_at, assigned_at + longest horizon] of an
  assigned customer, in any arm, has a non-zero discount. When none has (an export without a
  discount column stores 0 everywhere), a discount arm's discount is estimated from its
  configuration instead: with s = discount_pct / 100 * redemption_share (the share of the
  list value of the arm's orders given away: redemption_share of the orders take discount_pct
  off), an order (amount > 0) in the window and within the arm's `validity_days` (arms.params,
  when set) that paid `amount` had the list value amount / (1 - s) and the discount
  amount * s / (1 - s); refunds and other arms get none. So the margin of such an order without
  a margin column is amount / (1 - s) * margin_rate, its cost amount * s / (1 - s). (With
  s = 1, every order free, the paid amounts are all 0 and nothing can be estimated: 0.)
  `Aggregates.discount_source` says which rule applied ('data' or 'configured').
* cost(H) = discounts in the window + the arm's cost_per_customer; net_value = margin - cost.
* a customer is observed at H when assigned_at + H days <= the last transaction in the store;
  statistics of horizon H use observed customers only.
* CUPED covariates of the money metrics (`catalogue.CUPED_COVARIATES`, then the RFM segment as
  indicators), all measured before assignment: pre-period spend, orders, recency (days since
  the last pre-period purchase; the lookback length when there is none, with pre_buyer as the
  indicator), tenure (days since first_seen) and the RFM segment (`RFM_SEGMENT_CASE` on 1..5
  quintile scores of recency, orders and spend over the experiment's customers). The query
  returns their moments per arm, which `Aggregates.moments` carries as typed records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from experiments import catalogue
from experiments.catalogue import GroupStats, Request
from experiments.design.audience import RFM_SEGMENTS
from experiments.stats import CapRule, CovariateMoments
from experiments.store import Cursor, builder, capping
from experiments.store.attributes import SEGMENT_ATTRIBUTE_JOIN

__all__ = [
    "GROSS_MARGIN",
    "GROUP_KEYS",
    "KEPT_MARGIN",
    "NEW_CUSTOMER_DAYS",
    "RFM_SEGMENT_CASE",
    "SEGMENT_COLUMNS",
    "Aggregates",
    "DiscountSource",
    "DuckDBBuilder",
    "QuerySpec",
    "WindowSource",
    "arm_discount_terms",
    "contribution_to",
    "customer_frame",
    "discount_given",
    "discounts_recorded",
    "experiment_aggregates",
    "window_aggregates",
    "window_sums",
]

DAY_US = 86_400_000_000
DiscountSource = Literal["data", "configured"]  # see the module docstring

# The money definitions above as SQL over a transactions row aliased `t` ($margin_rate bound);
# every query that puts money on a customer (analysis, planner, CLV) uses these two.
GROSS_MARGIN = "coalesce(t.margin, (t.amount + t.discount) * $margin_rate)"
KEPT_MARGIN = f"({GROSS_MARGIN} - t.discount)"  # what the shop keeps after the discount


def arm_discount_terms(arm: str) -> str:
    """Columns `discount_markup` (s / (1 - s), 0 unless a discount arm) and `discount_until_us`
    (its validity, else $max_days, in microseconds) of an arms row aliased `arm`: what
    `discount_given` needs to estimate a discount arm's discounts."""
    share = f"{arm}.discount_pct * {arm}.redemption_share"  # percent
    return f"""CASE WHEN {arm}.kind = 'discount' AND {share} < 100
                    THEN {share} / (100 - {share}) ELSE 0 END AS discount_markup,
               coalesce(TRY_CAST(json_extract_string({arm}.params, '$.validity_days') AS DOUBLE),
                        $max_days) * {DAY_US} AS discount_until_us"""


def discount_given(row: str, offset_us: str, assigned: str) -> str:
    """The discount of transaction row `row` by the module's definition ($estimate_discounts
    bound): the data's, plus with no discount amounts in the data the discount arm's estimate.

    Args:
        row: alias of a transactions-like row (amount, discount).
        offset_us: SQL for the row's time after the assignment, in microseconds.
        assigned: alias of a row with `arm_discount_terms` columns.
    """
    return (
        f"{row}.discount + CASE WHEN $estimate_discounts AND {row}.amount > 0 AND {offset_us} > 0"
        f" AND {offset_us} <= {assigned}.discount_until_us"
        f" THEN {row}.amount * {assigned}.discount_markup ELSE 0 END"
    )


# pre-period spend enters CUPED winsorised at this pooled percentile: a covariate measured before
# assignment can be capped without biasing the effect (unlike the outcome), and a few huge
# pre-period spenders would otherwise dominate the slopes and the robust variance (leverage)
COVARIATE_CAP_PERCENTILE = 99.0
RFM_COVARIATE_PREFIX = "rfm_segment="
NEW_CUSTOMER_DAYS = 30  # first seen this recently: the RFM segment 'new'
# The named RFM segments from 1..5 scores r_score, f_score, m_score and tenure_days ($new_days
# bound), first match wins: the Design page's audience builder and the CUPED covariates.
RFM_SEGMENT_CASE = """CASE
            WHEN tenure_days <= $new_days THEN 'new'
            WHEN r_score >= 4 AND f_score >= 4 AND m_score >= 4 THEN 'champions'
            WHEN r_score >= 3 AND f_score >= 3 THEN 'loyal'
            WHEN r_score >= 3 THEN 'potential loyalists'
            WHEN f_score >= 4 AND m_score >= 4 THEN 'can''t lose'
            WHEN f_score >= 3 THEN 'at risk'
            WHEN r_score = 2 THEN 'hibernating'
            ELSE 'lost'
        END"""
SEGMENT_KINDS = ("pre_period", "stratum", "attribute")
MAX_BUCKETS = 9  # decay buckets per horizon: each adds sums to the per-customer aggregation
DISTRIBUTION_BINS = 40  # bins of the net value per customer histogram


@dataclass(frozen=True)
class QuerySpec:
    """What the aggregation query computes for one experiment.

    Attributes:
        experiment_id: the experiment whose assignments are analysed.
        horizon_days: analysis horizon: every metric of `catalogue.METRICS` is computed for it.
        repeat_horizons: extra horizons at which repeat purchase (and n observed) is computed.
        lookback_days: length of the pre-period for covariates.
        margin_rate: share of (amount + discount) taken as margin when `margin` is NULL.
        cap: cap money metrics at pooled percentiles (upper; lower only with negatives).
        cap_percentile: upper cap: this percentile (percent, e.g. 99) of the positive values.
        lower_cap_percentile: lower cap: the (100 - this) percentile of the negative values,
            only when there are negative values (refunds, costs); None = cap_percentile.
            Same semantics as `stats.cap_thresholds`, so SQL and numpy agree.
        bucket_days: width of the day-since-assignment buckets of the decay series.
        segment_attribute: customer attribute name whose values form segments, or None.
        discounts: where a discount arm's discounts come from: 'data' (the discount column),
            'configured' (estimated from the arm's discount_pct and redemption_share), or
            'auto': 'data' when the experiment's window carries any non-zero discount, else
            'configured' (`discounts_recorded`).
    """

    experiment_id: int
    horizon_days: int
    repeat_horizons: tuple[int, ...] = (30, 60, 90, 180)
    lookback_days: int = 365
    margin_rate: float = 0.35
    cap: bool = True
    cap_percentile: float = 99.0
    lower_cap_percentile: float | None = None
    bucket_days: int = 7
    segment_attribute: str | None = None
    discounts: Literal["auto", "data", "configured"] = "auto"

    @property
    def horizons(self) -> tuple[int, ...]:
        return tuple(sorted({int(h) for h in self.repeat_horizons} | {int(self.horizon_days)}))

    @property
    def bucket_width(self) -> int:
        """Decay bucket width: bucket_days, widened so that there are at most MAX_BUCKETS."""
        return max(int(self.bucket_days), math.ceil(self.horizon_days / MAX_BUCKETS))

    @property
    def split_day(self) -> int:
        """End of the first half of the horizon (the fading test's early period)."""
        return max(1, int(self.horizon_days) // 2)

    @property
    def bucket_ends(self) -> tuple[int, ...]:
        """End day of each decay bucket; the last one is cut at the horizon."""
        width = self.bucket_width
        count = math.ceil(self.horizon_days / width)
        return tuple(min((b + 1) * width, self.horizon_days) for b in range(count))

    @property
    def thresholds(self) -> tuple[int, ...]:
        """Follow-up lengths (days) that decide who is observed for some statistic."""
        return tuple(sorted(set(self.horizons) | set(self.bucket_ends)))

    @property
    def cap_rule(self) -> CapRule:
        return CapRule(self.cap_percentile, self.lower_cap_percentile)

    @property
    def requests(self) -> tuple[Request, ...]:
        """What the analysis aggregates per group: the catalogue's requests for this spec."""
        return catalogue.requests(self.horizon_days, self.horizons, self.bucket_ends)


@dataclass(frozen=True)
class Aggregates:
    """What the aggregation query returns: typed statistics per arm and segment, small frames.

    Attributes:
        first_ts: earliest transaction in the store (ISO text) or None.
        last_ts: latest transaction in the store (ISO text) or None: the data's end.
        arms: arm_id -> the arm's `GroupStats`, one `catalogue.Moments` per request of
            `QuerySpec.requests` (metric moments at the horizon, pre-period covariates over
            everyone and at the horizon, repeat purchase by horizon, decay buckets, fading
            series, data checks), keyed by (value, days).
        segments: (segment_kind, segment, arm_id) -> the same statistics within the segment.
        survival: arm_id, event (bool), duration_days (int), customers: a histogram of time to
            first purchase (event) or of follow-up (censored), for Kaplan-Meier.
        caps: {metric: (lower or None, upper or None)} thresholds applied (empty without cap).
        moments: arm_id -> money metric -> moments of the metric with the CUPED covariates
            (`catalogue.CUPED_COVARIATES` and the RFM segment indicators) over the customers
            observed at the analysis horizon.
        distribution: histogram of uncapped net value per customer at the horizon (observed
            customers): arm_id, bin, customers, above_cap, below_cap, bin_lo, bin_hi. The bins
            span the pooled caps (min / max without capping); values beyond a cap fall in the
            edge bin and are counted in above_cap / below_cap.
        discount_source: 'data' when the discounts are the data's, 'configured' when a discount
            arm's were estimated from its configuration (see the module docstring).
    """

    first_ts: str | None
    last_ts: str | None
    arms: dict[int, GroupStats]
    segments: dict[tuple[str, str, int], GroupStats]
    survival: pd.DataFrame
    caps: dict[str, tuple[float | None, float | None]]
    distribution: pd.DataFrame
    moments: dict[int, dict[str, CovariateMoments]] = field(default_factory=dict)
    discount_source: DiscountSource = "data"


def discounts_recorded(cur: Cursor, experiment_id: int, max_days: int) -> bool:
    """Does the data carry discounts for this experiment: a non-zero discount on any
    transaction of an assigned customer in (assigned_at, assigned_at + max_days]?

    Cheap: the filter on `discount` leaves few rows to join (none for an export without a
    discount column).
    """
    row = cur.execute(
        """
        SELECT EXISTS (
            SELECT 1 FROM assignments a JOIN transactions t ON t.customer_id = a.customer_id
            WHERE a.experiment_id = $experiment_id AND t.discount <> 0
              AND t.ts > a.assigned_at
              AND t.ts <= a.assigned_at + to_days(CAST($max_days AS INTEGER))
        )
        """,
        {"experiment_id": int(experiment_id), "max_days": int(max_days)},
    ).fetchone()
    return bool(row and row[0])


def _discount_source(cur: Cursor, spec: QuerySpec) -> DiscountSource:
    if spec.discounts != "auto":
        return spec.discounts
    recorded = discounts_recorded(cur, spec.experiment_id, max(spec.horizons))
    return "data" if recorded else "configured"


def assigned_rows(spec: QuerySpec, params: dict[str, object]) -> str:
    """SELECT of the experiment's assigned customers, one row each (their first assignment):
    an integer `unit` (row number), customer_id, arm, assignment time, stratum, the arm's cost
    and discount terms (`arm_discount_terms`), first_seen and the attribute segment.

    Small (one row per assigned customer): `results_cache.build` stores it as a table once and
    joins the transactions to that table; the analysis query uses it as a CTE.
    """
    params["experiment_id"] = int(spec.experiment_id)
    params["max_days"] = int(max(spec.horizons))
    attribute_join = ""
    attribute_col = "CAST(NULL AS VARCHAR)"
    if spec.segment_attribute is not None:
        params["segment_attribute"] = spec.segment_attribute
        attribute_join = SEGMENT_ATTRIBUTE_JOIN
        attribute_col = "attr.value"
    return f"""
        SELECT row_number() OVER () AS unit, a.customer_id, a.arm_id, a.assigned_at,
               epoch_us(a.assigned_at) AS assigned_us, a.stratum, ar.cost_per_customer,
               c.first_seen, {attribute_col} AS attribute_segment, a.extra_assignments,
               {arm_discount_terms("ar")}
        FROM (
            SELECT customer_id, min(assigned_at) AS assigned_at,
                   arg_min(arm_id, assigned_at) AS arm_id,
                   arg_min(stratum, assigned_at) AS stratum,
                   count(*) - 1 AS extra_assignments
            FROM assignments WHERE experiment_id = $experiment_id
            GROUP BY customer_id
        ) a
        JOIN arms ar ON ar.experiment_id = $experiment_id AND ar.arm_id = a.arm_id
        LEFT JOIN customers c ON c.customer_id = a.customer_id{attribute_join}"""  # noqa: S608


Period = Literal["all", "pre", "window"]
# the offsets d each part of the joined rows keeps: all of [-lookback, longest horizon], the
# pre-period with the assignment instant, or the windows' (0, longest horizon]
_PERIOD_RANGE = {
    "all": f"r.d >= -CAST($lookback_days AS BIGINT) * {DAY_US}"
    f" AND r.d <= CAST($max_days AS BIGINT) * {DAY_US}",
    "pre": f"r.d >= -CAST($lookback_days AS BIGINT) * {DAY_US} AND r.d <= 0",
    "window": f"r.d > 0 AND r.d <= CAST($max_days AS BIGINT) * {DAY_US}",
}


def joined_rows(
    spec: QuerySpec,
    params: dict[str, object],
    assigned: str,
    discount_source: DiscountSource,
    period: Period = "all",
) -> str:
    """SELECT of every transaction of an assigned customer in [assigned_at - lookback,
    assigned_at + longest horizon] as (unit, d, amount, discount, margin), with each
    transaction's discount and margin by the module's definitions: the data's discount, or with
    discount_source 'configured' a discount arm's estimated one.

    The join is on customer_id alone and the time range is a filter on the offset d: DuckDB
    evaluates a range in the join condition row by row after the hash match, which measured
    about twice the whole join (1M customers: 1.1 s against 0.5 s).

    Args:
        assigned: a relation (table or CTE name) with `assigned_rows`' columns.
        period: which rows: 'all' (the pre-period and the windows), 'pre' (offsets <= 0) or
            'window' (offsets > 0).
    """
    params["estimate_discounts"] = discount_source == "configured"
    params["lookback_days"] = int(spec.lookback_days)
    if period != "pre":
        params["max_days"] = int(max(spec.horizons))
    params["margin_rate"] = float(spec.margin_rate)
    return _priced(_raw_rows(assigned, period))


def _raw_rows(assigned: str, period: Period) -> str:
    """`joined_rows`' rows before pricing: the transactions' own margin and discount and the
    arm's discount terms (`arm_discount_terms`)."""
    return f"""
            SELECT * FROM (
                SELECT s.unit, epoch_us(t.ts) - s.assigned_us AS d, t.amount, t.margin,
                       t.discount, s.discount_markup, s.discount_until_us
                FROM {assigned} s
                JOIN transactions t ON t.customer_id = s.customer_id
            ) r
            WHERE {_PERIOD_RANGE[period]}"""  # noqa: S608 - whitelisted fragments only


def _priced(rows: str) -> str:
    """(unit, d, amount, discount, margin) of `rows` (the joined transactions with their raw
    margin and discount and the arm's discount terms), by the module's definitions
    ($margin_rate and $estimate_discounts bound)."""
    return f"""
        SELECT t.unit, t.d, t.amount, t.discount, {GROSS_MARGIN} AS margin
        FROM (
            SELECT r.unit, r.d, r.amount, r.margin,
                   {discount_given("r", "r.d", "r")} AS discount
            FROM ({rows}) r
        ) t"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters


BOUNDS_SQL = (
    "SELECT min(ts) AS first_ts, max(ts) AS last_ts, epoch_us(max(ts)) AS end_us FROM transactions"
)


def _assigned_ctes(spec: QuerySpec, params: dict[str, object]) -> str:
    """CTEs `bounds` (the data's first and last transaction) and `assigned`
    (`assigned_rows`)."""
    return f"""
    bounds AS ({BOUNDS_SQL}),
    assigned AS ({assigned_rows(spec, params)}
    )"""


def _when(condition: str, value: str) -> str:
    """CASE instead of FILTER: DuckDB evaluates many CASE sums far faster than many FILTERs."""
    return f"CASE WHEN {condition} THEN {value} END"


def _sum_where(condition: str, value: str) -> str:
    """sum(value * condition): 20% less CPU than sum(CASE ...) over the joined rows.

    Gives 0 instead of NULL for customers without a matching row (every caller coalesces
    to 0 anyway). Exact only for finite values: uploads store non-finite numbers as NULL
    (rejected rows), and the demo generator writes finite ones.
    """
    return f"sum(({value}) * ({condition})::DOUBLE)"


# Per-customer sums of the pre-period (before assignment), whatever the horizon.
PRE_PERIOD_SUMS: tuple[tuple[str, str], ...] = (
    ("pre_orders", "sum((d < 0 AND amount > 0)::DOUBLE)"),
    ("pre_spend", _sum_where("d < 0", "amount")),
    ("pre_last_d", f"max({_when('d < 0 AND amount > 0', 'd')})"),
    ("first_purchase_days", f"min({_when('d > 0 AND amount > 0', 'd')}) / {DAY_US}.0"),
    ("earliest_d", "min(d)"),
)


def window_sums(days: str) -> tuple[tuple[str, str], ...]:
    """(name, SQL) of the per-customer window metrics over (0, days] after assignment.

    Args:
        days: SQL for the window's length in days (a bound parameter such as `$h_main`).
    """
    window = f"d > 0 AND d <= {days} * {DAY_US}"
    return (
        ("orders", f"sum(({window} AND amount > 0)::DOUBLE)"),
        ("revenue", _sum_where(window, "amount")),
        ("margin", _sum_where(window, "margin")),
        ("discount", _sum_where(window, "discount")),
    )


def contribution_to(days: str) -> str:
    """SQL of a customer's contribution (margin - discounts) over (0, days] after assignment."""
    return _sum_where(f"d > 0 AND d <= {days} * {DAY_US}", "margin - discount")


def window_aggregates(spec: QuerySpec, params: dict[str, object]) -> tuple[str, list[str]]:
    """CTE `per_tx`: each unit's rows of `joined` folded into raw window metrics.

    ONE hash aggregation keyed on `unit`, each metric a CASE on the day offset `d`. Measured at
    7.4M joined rows: about 2x faster than first grouping by (unit, slot) and then pivoting the
    slots, because the two-column grouping with 3x the groups costs more than the extra
    aggregates save. Public for `bench/bench_analysis.py`, which times these same aggregates
    without the join to show what they cost on their own.

    Returns:
        The CTE text (it reads a CTE `joined` with columns unit, d, amount, discount, margin)
        and the names of its metric columns.
    """
    params["h_main"] = int(spec.horizon_days)
    cols = [f"{sql} AS {name}" for name, sql in (*PRE_PERIOD_SUMS, *window_sums("$h_main"))]
    params["h_split"] = spec.split_day
    cols.append(f"{contribution_to('$h_split')} AS contribution_early")
    for b, end in enumerate(spec.bucket_ends):
        params[f"e{b}"] = int(end)
        cols.append(f"{contribution_to(f'$e{b}')} AS contribution_b{b}")
    per_tx = ",\n               ".join(cols)
    cte = f"""
    per_tx AS (
        SELECT unit,
               {per_tx}
        FROM joined GROUP BY unit
    )"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters
    return cte, [c.rsplit(" AS ", 1)[1] for c in cols]


# PRE_PERIOD_SUMS by the rows they read: the pre-period's (offsets <= 0) and the windows'
# (offsets > 0); the earliest offset is the least of both parts'
PRE_PART = ("pre_orders", "pre_spend", "pre_last_d", "earliest_d")
WINDOW_PART = ("first_purchase_days", "earliest_d")


def unit_sums(
    spec: QuerySpec,
    params: dict[str, object],
    assigned: str,
    discount_source: DiscountSource,
    window_columns: Sequence[str],
) -> tuple[str, str]:
    """SELECTs of per-unit sums, the pre-period's and the windows': PRE_PERIOD_SUMS and
    `window_columns` (SQL `expr AS name` over `joined_rows`' columns, rows with an offset > 0).

    The pre-period and the windows are joined and folded apart: a window sum over the
    pre-period rows (two thirds of them with a 365-day lookback) only adds zeros, and every
    aggregate costs per row it reads, so the two parts need about 2.5x fewer updates than one
    aggregation of every sum over every row. A unit without rows in a part has no row there;
    the earliest offset is the least of both parts' `earliest_d`.

    Args:
        assigned: a relation with `assigned_rows`' columns.
        window_columns: the window sums wanted (besides first_purchase_days and earliest_d).
    """
    pre_columns = [f"{text} AS {name}" for name, text in PRE_PERIOD_SUMS if name in PRE_PART]
    window = [f"{text} AS {name}" for name, text in PRE_PERIOD_SUMS if name in WINDOW_PART]
    pre = joined_rows(spec, params, assigned, discount_source, "pre")
    rows = joined_rows(spec, params, assigned, discount_source, "window")
    pre_sql = f"SELECT unit, {', '.join(pre_columns)} FROM ({pre}) GROUP BY unit"  # noqa: S608
    sums = ", ".join([*window, *window_columns])
    return pre_sql, f"SELECT unit, {sums} FROM ({rows}) GROUP BY unit"  # noqa: S608


# `customer_sums`' columns besides the window sums: the assigned customers' (what a view reads)
# and PRE_PERIOD_SUMS
CUSTOMER_SUMS_ASSIGNED = (
    "unit", "arm_id", "assigned_us", "stratum", "cost_per_customer", "first_seen",
    "attribute_segment", "extra_assignments",
)  # fmt: skip
CUSTOMER_SUMS_COLUMNS = (*CUSTOMER_SUMS_ASSIGNED, *(name for name, _ in PRE_PERIOD_SUMS))


def customer_sums(
    spec: QuerySpec,
    params: dict[str, object],
    discount_source: DiscountSource,
    window_columns: Sequence[str],
) -> str:
    """SELECT of one row per assigned customer: `assigned_rows`' columns (but the customer id
    and the discount terms) with `unit_sums`' two folds, in one statement.

    The transactions are scanned and joined to the assigned customers once, and that one
    stream feeds both folds (a CTE with two consumers, which DuckDB 2.0 streams to both without
    storing it); the folds are then joined to the assigned rows here, so a view reads one
    relation without a join (`WindowSource.one_relation`). Two scans and joins of the
    transactions cost about 0.3 s of CPU each at 1M customers, and the view's two joins on
    the unit 0.3 s more.

    Args:
        window_columns: the window sums wanted (besides first_purchase_days and earliest_d).
    """
    assigned = assigned_rows(spec, params)
    joined_rows(spec, params, "assigned", discount_source)  # binds its parameters
    # the raw joined rows stream to both folds and only the windows' are priced (margin and
    # discount): the pre-period's sums read the amount alone
    joined = _raw_rows("assigned", "all")
    priced = _priced("SELECT * FROM joined WHERE d > 0")
    pre_columns = [f"{text} AS {name}" for name, text in PRE_PERIOD_SUMS if name in PRE_PART]
    window = [f"{text} AS {name}" for name, text in PRE_PERIOD_SUMS if name in WINDOW_PART]
    kept = ", ".join(f"s.{name}" for name in CUSTOMER_SUMS_ASSIGNED)
    sums = [name.rsplit(" AS ", 1)[1] for name in window_columns]
    return f"""
    WITH assigned AS MATERIALIZED ({assigned}),
    joined AS MATERIALIZED ({joined}),
    pre AS (SELECT unit, {", ".join(pre_columns)} FROM joined WHERE d <= 0 GROUP BY unit),
    win AS (SELECT unit, {", ".join([*window, *window_columns])} FROM ({priced}) GROUP BY unit)
    SELECT {kept}, p.pre_orders, p.pre_spend, p.pre_last_d, w.first_purchase_days,
           least(p.earliest_d, w.earliest_d) AS earliest_d, {", ".join(f"w.{n}" for n in sums)}
    FROM assigned s LEFT JOIN pre p ON p.unit = s.unit LEFT JOIN win w ON w.unit = s.unit"""  # noqa: S608


def _per_customer(
    spec: QuerySpec,
    params: dict[str, object],
    discount_source: DiscountSource,
    *,
    with_ids: bool,
) -> str:
    """CTEs `joined` (`joined_rows` of `assigned`), `per_tx` (`window_aggregates`) and
    `per_customer`: one row per assigned customer. Reads CTEs `bounds` and `assigned`
    (`_assigned_ctes`).

    One fold of every row here (not `unit_sums`' two): a single aggregation holds less state
    at once, which the one-horizon query needs at 5M customers under the 512MB limit."""
    joined = joined_rows(spec, params, "assigned", discount_source)
    per_tx, _ = window_aggregates(spec, params)
    return f"""
    joined AS ({joined}
    ),{per_tx},{_customer_rows(spec, params, with_ids=with_ids)}"""


def _customer_rows(
    spec: QuerySpec, params: dict[str, object], *, with_ids: bool, one_relation: bool = False
) -> str:
    """CTE `per_customer` from CTEs `bounds`, `assigned` and `per_tx`; with `one_relation`,
    from `bounds` and a `per_tx` that holds the assigned customers' columns too, one row for
    each of them (`WindowSource.one_relation`): no join."""
    x = "s" if one_relation else "x"
    source = (
        "per_tx s CROSS JOIN bounds b"
        if one_relation
        else "assigned s CROSS JOIN bounds b LEFT JOIN per_tx x ON x.unit = s.unit"
    )
    buckets = len(spec.bucket_ends)
    thresholds = spec.thresholds
    for i, days in enumerate(thresholds):
        params[f"t{i}"] = int(days)
    follow_class = " + ".join(
        f"coalesce((b.end_us - s.assigned_us) >= $t{i} * {DAY_US}, false)::INTEGER"
        for i in range(len(thresholds))
    )
    for i, horizon in enumerate(spec.horizons):
        params[f"h{i}"] = int(horizon)
    repeat_cols = ",\n           ".join(
        f"coalesce(first_purchase_days <= $h{i}, false)::INTEGER AS repeat_{h}"
        for i, h in enumerate(spec.horizons)
    )
    bucket_cols = []
    for b in range(buckets):
        previous = f"contribution_b{b - 1}" if b else "0"
        bucket_cols.append(f"contribution_b{b} - {previous} AS bucket_b{b}")
        bucket_cols.append(f"contribution_b{b} - cost_per_customer AS cum_net_b{b}")
    ids = "s.customer_id, s.assigned_at, " if with_ids else ""
    id_names = "customer_id, assigned_at, " if with_ids else ""
    contributions = ", ".join(
        f"coalesce({x}.contribution_b{b}, 0) AS contribution_b{b}" for b in range(buckets)
    )
    # per_customer_sums is stored (read by caps, the capped rows, the survival histogram and
    # the distribution) and holds what the customer's rows give; the columns derived from them
    # (flags, segments, cost, net value, the fading split, the decay buckets) are computed in
    # per_customer, which every reader inlines: 27 stored columns instead of 50, and no text
    # column but the customer's own. They read the uncapped values (capping comes later).
    return f"""
    per_customer_sums AS MATERIALIZED (
        SELECT {ids}s.arm_id, s.stratum, s.attribute_segment, s.cost_per_customer,
               s.extra_assignments,
               (b.end_us - s.assigned_us) / {DAY_US}.0 AS followup_days,
               {follow_class} AS follow_class,
               coalesce({x}.pre_orders, 0) AS pre_orders,
               coalesce({x}.pre_spend, 0) AS pre_spend,
               -{x}.pre_last_d / {DAY_US}.0 AS pre_recency_days,
               greatest(coalesce((s.assigned_us - epoch_us(s.first_seen)) / {DAY_US}.0, 0), 0)
                   AS tenure_days,
               {x}.first_purchase_days,
               coalesce({x}.orders, 0) AS orders,
               coalesce({x}.revenue, 0) AS revenue,
               coalesce({x}.margin, 0) AS margin,
               coalesce({x}.discount, 0) AS discount,
               coalesce(s.assigned_us + {x}.earliest_d < epoch_us(s.first_seen), false)::INTEGER
                   AS customers_before_first_seen,
               coalesce({x}.contribution_early, 0) AS contribution_early,
               {contributions}
        FROM {source}
    ),
    per_customer AS NOT MATERIALIZED (
        SELECT {id_names}arm_id, stratum, attribute_segment, cost_per_customer,
               extra_assignments, followup_days, follow_class, pre_orders,
               (pre_orders > 0)::INTEGER AS pre_buyer,
               pre_spend, pre_recency_days,
               coalesce(pre_recency_days, CAST($lookback_days AS DOUBLE)) AS pre_recency,
               tenure_days,
               CASE pre_orders WHEN 0 THEN 'new' WHEN 1 THEN 'one purchase'
                    ELSE 'repeat' END AS pre_period_segment,
               first_purchase_days,
               (orders > 0)::INTEGER AS repeat_purchase,
               orders, revenue, margin, discount,
               discount + cost_per_customer AS cost,
               margin - discount - cost_per_customer AS net_value,
               customers_before_first_seen,
               {repeat_cols},
               contribution_early,
               margin - discount - contribution_early AS contribution_late,
               margin - discount - 2 * contribution_early AS contribution_change,
               {", ".join(bucket_cols)}
        FROM per_customer_sums
    )"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters


def _capped(spec: QuerySpec, params: dict[str, object]) -> str:
    """CTEs `caps` (one row of thresholds, `stats.CapRule` via `capping`) and `capped`
    (per_customer with the capped metrics clipped)."""
    if not spec.cap:
        return """
    caps AS (SELECT 1 AS no_caps),
    capped AS (SELECT * FROM per_customer)"""
    threshold_cols = []
    replace_cols = []
    for m in catalogue.CAPPED:
        lower, upper = capping.thresholds(m, spec.cap_rule, params)
        threshold_cols.append(f"{upper} AS {m}__upper")
        threshold_cols.append(f"{lower} AS {m}__lower")
        replace_cols.append(f"{capping.capped(m, f'c.{m}__lower', f'c.{m}__upper')} AS {m}")
    return f"""
    caps AS (
        SELECT {", ".join(threshold_cols)} FROM per_customer WHERE followup_days >= $h_main
    ),
    capped AS (
        SELECT p.* REPLACE ({", ".join(replace_cols)}) FROM per_customer p CROSS JOIN caps c
    )"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters


def _scored(source: str, params: dict[str, object]) -> str:
    """CTEs `rfm_cuts` and `scored`: `source` with `rfm_segment` and `pre_spend_capped`.

    Scores 1..5 as on the Design page: 1 + the number of quintile cuts (over the experiment's
    customers with a pre-period purchase) the customer beats strictly; recency: fewer days
    is better; customers without a pre-period order score 1 on all three."""
    params["new_days"] = NEW_CUSTOMER_DAYS
    params["covariate_cap"] = COVARIATE_CAP_PERCENTILE / 100
    beats = " + ".join(f"coalesce((pre_recency_days < k.rq[{i}])::INT, 0)" for i in range(1, 5))
    f_beats = " + ".join(f"coalesce((pre_orders > k.fq[{i}])::INT, 0)" for i in range(1, 5))
    m_beats = " + ".join(f"coalesce((pre_spend > k.mq[{i}])::INT, 0)" for i in range(1, 5))
    return f"""
    rfm_cuts AS (
        SELECT quantile_disc(pre_recency_days, [0.2, 0.4, 0.6, 0.8])
                   FILTER (WHERE pre_orders > 0) AS rq,
               quantile_disc(pre_orders, [0.2, 0.4, 0.6, 0.8]) FILTER (WHERE pre_orders > 0) AS fq,
               quantile_disc(pre_spend, [0.2, 0.4, 0.6, 0.8]) FILTER (WHERE pre_orders > 0) AS mq,
               quantile_cont(pre_spend, $covariate_cap) FILTER (WHERE pre_spend > 0)
                   AS spend_cap
        FROM per_customer
    ),
    rfm_scores AS (
        SELECT c.*,
               CASE WHEN pre_orders > 0 THEN 1 + {beats} ELSE 1 END AS r_score,
               CASE WHEN pre_orders > 0 THEN 1 + {f_beats} ELSE 1 END AS f_score,
               CASE WHEN pre_orders > 0 THEN 1 + {m_beats} ELSE 1 END AS m_score,
               least(pre_spend, coalesce(k.spend_cap, pre_spend)) AS pre_spend_capped
        FROM {source} c CROSS JOIN rfm_cuts k
    ),
    scored AS (
        SELECT * EXCLUDE (r_score, f_score, m_score), {RFM_SEGMENT_CASE} AS rfm_segment
        FROM rfm_scores
    )"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters


# Per-customer values that are not a column of `scored` (the others are its columns, named as
# the catalogue names them): what a request may ask for beyond those.
_VALUE_SQL = {"assigned_after_data_end": "(followup_days <= 0)::INTEGER"}


def _values(spec: QuerySpec) -> dict[str, str]:
    """The whitelist of per-customer values the DuckDB builder can sum: name -> SQL over
    `scored`."""
    names = [
        *catalogue.HORIZON_METRICS, *catalogue.PRE_PERIOD_COVARIATES, *catalogue.CUPED_COVARIATES,
        *catalogue.FADING_SERIES, "cost_per_customer", "pre_recency_days", "extra_assignments",
        "customers_before_first_seen", "discount", "pre_spend_capped",
        *(f"repeat_{h}" for h in spec.horizons),
        *(f"{kind}_b{b}" for b in range(len(spec.bucket_ends)) for kind in ("bucket", "cum_net")),
    ]  # fmt: skip
    return {**{n: n for n in names}, **_VALUE_SQL}


def _product_sql(product: builder.Product, values: dict[str, str]) -> str:
    if product.value not in values or (product.other is not None and product.other not in values):
        raise ValueError(f"Not a per-customer value of the analysis: {product}")
    value = values[product.value]
    if product.other is None:
        return f"sum({value})"
    return f"sum({value} * {values[product.other]})"


GROUP_KEYS = [  # the finest group both builders return, one row each
    "arm_id", "follow_class", "pre_period_segment", "stratum", "attribute_segment", "rfm_segment",
]  # fmt: skip
SEGMENT_COLUMNS = {  # a segment kind -> its column in the finest groups
    "pre_period": "pre_period_segment",
    "stratum": "stratum",
    "attribute": "attribute_segment",
}


@dataclass(frozen=True)
class WindowSource:
    """Per-customer window sums already materialized (`experiments.store.results_cache`):
    `experiment_aggregates` then reads them instead of joining the transactions.

    Attributes:
        ctes: (spec, params) -> SQL text of the CTEs `bounds`, `assigned` and `per_tx` with
            the columns `_assigned_ctes` and `_per_customer` give for that spec; it
            binds $lookback_days, $max_days and $h_main in params.
        discount_source: the discount rule the sums were made with.
        one_relation: the CTEs are `bounds` and a `per_tx` holding `assigned`'s columns as well,
            one row for every assigned customer (read without a join).
    """

    ctes: Callable[[QuerySpec, dict[str, object]], str]
    discount_source: DiscountSource
    one_relation: bool = False


def experiment_aggregates(
    cur: Cursor, spec: QuerySpec, *, window: WindowSource | None = None
) -> Aggregates:
    """THE aggregation of one experiment on the store: the catalogue's requests for the spec,
    computed by the DuckDB builder (see the module docstring), from the transactions or from
    per-customer window sums materialized before (`window`)."""
    return DuckDBBuilder(cur, window).aggregate(spec, spec.requests)


@dataclass(frozen=True)
class DuckDBBuilder:
    """The `builder.QueryBuilder` of the local store: one generated DuckDB statement.

    Attributes:
        cur: a cursor on the store (assignments, arms, customers and transactions).
        window: per-customer window sums materialized before, read instead of the
            transactions; None: join the transactions.
    """

    cur: Cursor
    window: WindowSource | None = None

    def aggregate(self, spec: QuerySpec, requests: Sequence[Request]) -> Aggregates:
        """Run the aggregation query for one experiment, summing what `requests` ask for.

        Every requested value must be a per-customer value of the query (`_values`: the
        catalogue's names; ValueError otherwise): they become sums of whitelisted columns."""
        return _aggregate(self.cur, spec, tuple(requests), self.window)


def _aggregate(
    cur: Cursor,
    spec: QuerySpec,
    requests: tuple[Request, ...],
    window: WindowSource | None = None,
) -> Aggregates:
    """Everything per customer stays inside DuckDB. The customers are grouped once at the finest
    grain (arm, follow-up class, segments) with plain sums: every per-arm and per-segment
    statistic is a sum over some of these groups, rolled up in Python from a frame of a few
    hundred rows (cheaper than GROUPING SETS with FILTERed aggregates, which DuckDB evaluates
    one by one). The follow-up class counts the horizons and bucket ends a customer's data
    covers, so "observed at H" is "class above H's rank".
    """
    params: dict[str, object] = {}
    if window is None:
        discount_source = _discount_source(cur, spec)
        rows = [
            _assigned_ctes(spec, params),
            _per_customer(spec, params, discount_source, with_ids=False),
        ]
    else:  # the same per-customer rows from sums materialized before
        discount_source = window.discount_source
        rows = [
            window.ctes(spec, params),
            _customer_rows(spec, params, with_ids=False, one_relation=window.one_relation),
        ]
    ctes = ",".join(
        [
            *rows,
            _capped(spec, params),
            _scored("capped", params),
        ]
    )
    params["bins"] = DISTRIBUTION_BINS
    lo_cap, hi_cap = (
        ("any_value(c.net_value__lower)", "any_value(c.net_value__upper)")
        if spec.cap
        else ("CAST(NULL AS DOUBLE)", "CAST(NULL AS DOUBLE)")
    )
    ctes += f""",
    net_range AS (
        SELECT coalesce({lo_cap}, min(p.net_value)) AS lo,
               coalesce({hi_cap}, max(p.net_value)) AS hi,
               {lo_cap} AS lo_cap, {hi_cap} AS hi_cap
        FROM per_customer p CROSS JOIN caps c WHERE p.followup_days >= $h_main
    )"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters
    values = _values(spec)
    columns = {p: f"s{i}" for i, p in enumerate(builder.products(requests))}
    sums = ",\n           ".join(
        [
            "count(*) AS customers",
            *(f"{_product_sql(p, values)} AS {c}" for p, c in columns.items()),
        ]
    )
    keys = ", ".join(GROUP_KEYS)
    caps_cols = (
        ", ".join(f"c.{m}__lower, c.{m}__upper" for m in catalogue.CAPPED) if spec.cap else "1"
    )
    sql = f"""
    WITH {ctes}
    SELECT 'groups' AS grain, {keys},
           {sums}
    FROM scored
    GROUP BY {keys}
    UNION ALL BY NAME
    SELECT 'survival' AS grain, arm_id,
           coalesce(ceil(first_purchase_days) <= followup, false) AS event,
           CASE WHEN ceil(first_purchase_days) <= followup THEN ceil(first_purchase_days)
                ELSE followup END::BIGINT AS duration_days,
           count(*) AS customers
    -- whole days: a purchase in the data's last, partly observed day is censored there with
    -- everyone else, or it would be the only "event" after every other customer had left
    -- the risk set and drag the curve to 0
    FROM (SELECT *, floor(least(followup_days, $max_days)) AS followup FROM per_customer)
    WHERE followup_days > 0
    GROUP BY ALL
    UNION ALL BY NAME
    SELECT 'bounds' AS grain, strftime(first_ts, '%Y-%m-%d %H:%M:%S') AS first_ts_text,
           strftime(last_ts, '%Y-%m-%d %H:%M:%S') AS last_ts_text
    FROM bounds
    UNION ALL BY NAME
    SELECT 'caps' AS grain, {caps_cols} FROM caps c
    UNION ALL BY NAME
    SELECT 'distribution' AS grain, o.arm_id,
           least(greatest(floor((o.net_value - r.lo) / nullif(r.hi - r.lo, 0) * $bins), 0),
                 $bins - 1)::BIGINT AS bin,
           count(*) AS customers,
           sum(coalesce(o.net_value > r.hi_cap, false)::BIGINT) AS above_cap,
           sum(coalesce(o.net_value < r.lo_cap, false)::BIGINT) AS below_cap,
           any_value(r.lo) AS bin_lo, any_value(r.hi) AS bin_hi
    FROM per_customer o CROSS JOIN net_range r
    WHERE o.followup_days >= $h_main
    GROUP BY ALL
    """  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters
    frame = cur.execute(sql, params).df()
    return _split(frame, spec, requests, columns, discount_source)


def _split(
    frame: pd.DataFrame,
    spec: QuerySpec,
    requests: tuple[Request, ...],
    columns: dict[builder.Product, str],
    discount_source: DiscountSource,
) -> Aggregates:
    bounds = frame[frame["grain"] == "bounds"]
    first_ts = last_ts = None
    if not bounds.empty:
        first_ts = _text_or_none(bounds["first_ts_text"].iloc[0])
        last_ts = _text_or_none(bounds["last_ts_text"].iloc[0])
    caps: dict[str, tuple[float | None, float | None]] = {}
    cap_rows = frame[frame["grain"] == "caps"]
    if spec.cap and not cap_rows.empty:
        row = cap_rows.iloc[0]
        for m in catalogue.CAPPED:
            caps[m] = (_float_or_none(row[f"{m}__lower"]), _float_or_none(row[f"{m}__upper"]))
    groups = frame[frame["grain"] == "groups"]
    groups = groups.astype({"follow_class": "int64", "arm_id": "int64"})

    def rolled(keys: list[str]) -> dict[tuple[object, ...], GroupStats]:
        return builder.rollup(groups, keys, requests, columns, spec.thresholds)

    arms, segments = builder.arms_and_segments(
        groups, requests, columns, spec.thresholds, SEGMENT_COLUMNS
    )
    segments = dict(sorted(segments.items()))
    survival = frame[frame["grain"] == "survival"][
        ["arm_id", "event", "duration_days", "customers"]
    ]
    survival = survival.astype(
        {"arm_id": "int64", "event": "bool", "duration_days": "int64", "customers": "int64"}
    ).sort_values(["arm_id", "duration_days", "event"], ignore_index=True)  # stable --json
    distribution = frame[frame["grain"] == "distribution"][
        ["arm_id", "bin", "customers", "above_cap", "below_cap", "bin_lo", "bin_hi"]
    ]
    distribution = distribution.astype(
        {"arm_id": "int64", "bin": "int64", "customers": "int64", "above_cap": "int64",
         "below_cap": "int64", "bin_lo": "float64", "bin_hi": "float64"}
    ).sort_values(["arm_id", "bin"], ignore_index=True)  # fmt: skip
    rfm = {
        (str(segment), int(arm_id)): stats  # type: ignore[call-overload]
        for (segment, arm_id), stats in rolled(["rfm_segment", "arm_id"]).items()
    }
    moments = cuped_moments(arms, rfm, int(spec.horizon_days))
    return Aggregates(
        first_ts, last_ts, arms, segments, survival, caps, distribution, moments, discount_source
    )


def cuped_moments(
    arms: dict[int, GroupStats], rfm: dict[tuple[str, int], GroupStats], horizon: int
) -> dict[int, dict[str, CovariateMoments]]:
    """Per arm and metric with `cuped_moments`, the moments of [metric, CUPED_COVARIATES, RFM
    indicators] from any builder's typed statistics.

    The indicators' products come from the per-(segment, arm) statistics: the sum of a value
    over customers of segment s is the sum of value x indicator(s), and indicator products are
    0 between segments and the segment's size on the diagonal."""
    covariates = list(catalogue.CUPED_COVARIATES)
    k = len(covariates)
    metrics = [m.name for m in catalogue.METRICS if "cuped_moments" in m.aggregates]
    out: dict[int, dict[str, CovariateMoments]] = {}
    for arm_id, arm in arms.items():
        by_segment = {s: g for (s, a), g in rfm.items() if a == arm_id}
        segments = [s for s in RFM_SEGMENTS if s in by_segment]
        names = [*covariates, *(f"{RFM_COVARIATE_PREFIX}{s}" for s in segments)]
        size = 1 + len(names)
        x_products = np.zeros((k, k))
        for i, c in enumerate(covariates):
            own = arm.get(c, horizon)
            x_products[i, i] = float(own.sum_squares or 0.0)
            for j in range(i + 1, k):
                x_products[i, j] = x_products[j, i] = own.cross.get(covariates[j], 0.0)
        n = arm.n(horizon)
        per_metric = {}
        for m in metrics:
            value = arm.get(m, horizon)
            sums = np.zeros(size)
            products = np.zeros((size, size))
            sums[0] = value.sum
            products[0, 0] = float(value.sum_squares or 0.0)
            for i, c in enumerate(covariates, start=1):
                sums[i] = arm.get(c, horizon).sum
                products[0, i] = products[i, 0] = value.cross.get(c, 0.0)
            products[1 : k + 1, 1 : k + 1] = x_products
            for j, s in enumerate(segments, start=k + 1):
                part = by_segment[s]
                sums[j] = products[j, j] = float(part.n(horizon))
                products[0, j] = products[j, 0] = part.get(m, horizon).sum
                for i, c in enumerate(covariates, start=1):
                    products[i, j] = products[j, i] = part.get(c, horizon).sum
            per_metric[m] = CovariateMoments.from_arrays(names, n, sums, products)
        out[arm_id] = per_metric
    return out


def _text_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _float_or_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type,call-overload]


def customer_frame(cur: Cursor, spec: QuerySpec) -> pd.DataFrame:
    """Per-customer window metrics (uncapped) and CUPED covariates (with `rfm_segment`) for one
    experiment: one row per assigned customer.

    For what cannot work from sums (bootstrap, exact checks in tests). Same CTEs as
    `experiment_aggregates`, so the two can never disagree on a definition.
    """
    params: dict[str, object] = {}
    ctes = ",".join(
        [
            _assigned_ctes(spec, params),
            _per_customer(spec, params, _discount_source(cur, spec), with_ids=True),
            _scored("per_customer", params),
        ]
    )
    sql = f"WITH {ctes} SELECT * FROM scored ORDER BY customer_id"  # noqa: S608
    return cur.execute(sql, params).df()
