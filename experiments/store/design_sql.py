"""SQL of experiment design: customer features and RFM, audiences, planner inputs, design writes.

SQL only: what a design may be, when a step is allowed and how arms are drawn is decided in
`experiments.design` (spec, lifecycle, randomize, intake), which calls these functions.

Audience filters are one fixed SQL text: every filter is a bound parameter that disables itself
when NULL or empty (`$recency_min IS NULL OR recency_days >= $recency_min`), so no user value
and no user-chosen column name ever becomes SQL text.

RFM scores (1..5) are quintiles: a score is 1 + the number of the customer-base quintile cut
points (20/40/60/80th percentile) the customer beats strictly, so ties share the lower score
(half the base with one order do not get spread over three scores). R is over all customers
with a purchase before `as_of` (fewer days since the last purchase is better); F and M over those
with an order in the lookback window (customers without one score 1). Named segments, first
match wins:

    new                  first purchase within the last 30 days
    champions            R >= 4, F >= 4, M >= 4
    loyal                R >= 3, F >= 3
    potential loyalists  R >= 3 (recent, not yet frequent)
    can't lose           R <= 2, F >= 4, M >= 4 (were the best, drifting away)
    at risk              R <= 2, F >= 3
    hibernating          R = 2
    lost                 R = 1
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from experiments import config
from experiments.design.arms import ArmSpec
from experiments.design.audience import RFM_SEGMENTS, AudienceFilter
from experiments.design.planner import PlannerInputs
from experiments.design.spec import ExperimentSpec
from experiments.store import Cursor, Store, StoreError, uploads
from experiments.store import settings as store_settings
from experiments.store.attributes import LATEST_ATTRIBUTES
from experiments.store.metrics_sql import KEPT_MARGIN, NEW_CUSTOMER_DAYS, RFM_SEGMENT_CASE
from experiments.store.orders import REPEAT_CUSTOMER, order_row

FLOW_WINDOW_DAYS = 28  # weekly flow = customers new to the audience over the last 4 weeks / 4
HISTOGRAM_BINS = 20


def rfm_scoring(*, one_day: bool = False) -> str:
    """RFM scores and the named segment per row of a CTE `features` (one row per customer and
    as_of, with recency_days, frequency, monetary, tenure_days; $new_days bound): CTEs cuts,
    scored, segmented. One text, read by the audience CTE below (`RFM_SCORING`, cut points per
    as_of) and by customers.customer_overview (`one_day`: `features` holds one as_of, so the
    cut points are one row of scalars every customer is compared with, not a join on as_of:
    0.15 s less CPU at 1M customers)."""
    day = "" if one_day else "as_of,"
    grouped = "" if one_day else " GROUP BY as_of"
    joined = "features f, cuts k" if one_day else "features f JOIN cuts k USING (as_of)"
    return f"""
cuts AS (
    SELECT {day}
        quantile_disc(recency_days, [0.2, 0.4, 0.6, 0.8]) AS rq,
        quantile_disc(frequency, [0.2, 0.4, 0.6, 0.8]) FILTER (WHERE frequency > 0) AS fq,
        quantile_disc(monetary, [0.2, 0.4, 0.6, 0.8]) FILTER (WHERE frequency > 0) AS mq
    FROM features{grouped}
),
scored AS (
    SELECT f.*,
        CAST(1 + coalesce((f.recency_days < k.rq[1])::INT, 0)
               + coalesce((f.recency_days < k.rq[2])::INT, 0)
               + coalesce((f.recency_days < k.rq[3])::INT, 0)
               + coalesce((f.recency_days < k.rq[4])::INT, 0) AS INTEGER) AS r_score,
        CAST(CASE WHEN f.frequency = 0 THEN 1 ELSE
             1 + coalesce((f.frequency > k.fq[1])::INT, 0)
               + coalesce((f.frequency > k.fq[2])::INT, 0)
               + coalesce((f.frequency > k.fq[3])::INT, 0)
               + coalesce((f.frequency > k.fq[4])::INT, 0)
             END AS INTEGER) AS f_score,
        CAST(CASE WHEN f.frequency = 0 THEN 1 ELSE
             1 + coalesce((f.monetary > k.mq[1])::INT, 0)
               + coalesce((f.monetary > k.mq[2])::INT, 0)
               + coalesce((f.monetary > k.mq[3])::INT, 0)
               + coalesce((f.monetary > k.mq[4])::INT, 0)
             END AS INTEGER) AS m_score
    FROM {joined}
),
segmented AS (
    SELECT *,
        {RFM_SEGMENT_CASE} AS segment
    FROM scored
)
"""  # noqa: S608 - fixed fragments


RFM_SCORING = rfm_scoring()

# -- the attribute match: one fragment for the audience, the ids sent to a source, the options ---

# The customers whose latest values match every attribute filter. Parameters: $attr_names,
# $attr_values (one pair per allowed value), $attr_name_count (the filtered names).
ATTRIBUTE_MATCH = f"""wanted_attributes AS (
    SELECT unnest(CAST($attr_names AS VARCHAR[])) AS name,
           unnest(CAST($attr_values AS VARCHAR[])) AS value
),
{LATEST_ATTRIBUTES},
attribute_match AS (
    SELECT a.customer_id
    FROM latest_attributes a JOIN wanted_attributes w ON a.name = w.name AND a.value = w.value
    GROUP BY a.customer_id
    HAVING count(DISTINCT a.name) = CAST($attr_name_count AS INTEGER)
)"""  # noqa: S608 - fixed text; values are parameters

# -- the features and audience CTE (fixed text; all values are parameters) -----------------------
_AUDIENCE_CTE = f"""
WITH dates AS (
    SELECT unnest(CAST($as_of_dates AS DATE[])) AS as_of
),
per_customer AS (
    SELECT d.as_of, t.customer_id,
        min(CASE WHEN {order_row("t")} THEN t.ts END) AS first_ts,
        max(CASE WHEN {order_row("t")} THEN t.ts END) AS last_ts,
        count(CASE WHEN {order_row("t")}
                    AND t.ts >= d.as_of - CAST($lookback_days AS INTEGER) THEN 1 END)
            AS frequency,
        coalesce(sum(CASE WHEN t.ts >= d.as_of - CAST($lookback_days AS INTEGER)
                          THEN t.amount END), 0) AS monetary,
        count(CASE WHEN {order_row("t")} THEN 1 END) AS lifetime_orders,
        arg_max(CASE WHEN {order_row("t")} THEN t.channel END,
                CASE WHEN {order_row("t")} THEN t.ts END) AS channel
    FROM transactions t JOIN dates d ON t.ts < d.as_of
    GROUP BY d.as_of, t.customer_id
    HAVING count(CASE WHEN {order_row("t")} THEN 1 END) > 0
),
features AS (
    SELECT as_of, customer_id,
        date_diff('day', CAST(last_ts AS DATE), as_of) AS recency_days,
        frequency, monetary,
        date_diff('day', CAST(first_ts AS DATE), as_of) AS tenure_days,
        lifetime_orders, channel
    FROM per_customer
),
$$RFM_SCORING$$,
{ATTRIBUTE_MATCH},
audience AS (
    SELECT * FROM segmented s
    WHERE (CAST($recency_min AS DOUBLE) IS NULL OR s.recency_days >= CAST($recency_min AS DOUBLE))
      AND (CAST($recency_max AS DOUBLE) IS NULL OR s.recency_days <= CAST($recency_max AS DOUBLE))
      AND (CAST($frequency_min AS DOUBLE) IS NULL OR s.frequency >= CAST($frequency_min AS DOUBLE))
      AND (CAST($frequency_max AS DOUBLE) IS NULL OR s.frequency <= CAST($frequency_max AS DOUBLE))
      AND (CAST($monetary_min AS DOUBLE) IS NULL OR s.monetary >= CAST($monetary_min AS DOUBLE))
      AND (CAST($monetary_max AS DOUBLE) IS NULL OR s.monetary <= CAST($monetary_max AS DOUBLE))
      AND (CAST($tenure_min AS DOUBLE) IS NULL OR s.tenure_days >= CAST($tenure_min AS DOUBLE))
      AND (CAST($tenure_max AS DOUBLE) IS NULL OR s.tenure_days <= CAST($tenure_max AS DOUBLE))
      AND (len(CAST($segments AS VARCHAR[])) = 0
           OR list_contains(CAST($segments AS VARCHAR[]), s.segment))
      AND (len(CAST($r_scores AS INTEGER[])) = 0
           OR list_contains(CAST($r_scores AS INTEGER[]), s.r_score))
      AND (len(CAST($f_scores AS INTEGER[])) = 0
           OR list_contains(CAST($f_scores AS INTEGER[]), s.f_score))
      AND (len(CAST($m_scores AS INTEGER[])) = 0
           OR list_contains(CAST($m_scores AS INTEGER[]), s.m_score))
      AND (len(CAST($channels AS VARCHAR[])) = 0
           OR list_contains(CAST($channels AS VARCHAR[]), s.channel))
      AND (CAST($attr_name_count AS INTEGER) = 0
           OR s.customer_id IN (SELECT customer_id FROM attribute_match))
)
"""  # noqa: S608 - fixed fragments; values are parameters


# the named segments' rule has one home, shared with the analysis' CUPED covariates
_AUDIENCE_CTE = _AUDIENCE_CTE.replace("$$RFM_SCORING$$", RFM_SCORING.strip())


def _sql(select: str) -> str:
    """The audience CTE followed by a fixed SELECT from this module (never user text)."""
    return _AUDIENCE_CTE + select


def _params(filters: AudienceFilter, dates: list[date]) -> dict[str, Any]:
    names: list[str] = []
    values: list[str] = []
    for name, allowed in filters.attributes:
        for value in allowed:
            names.append(name)
            values.append(value)
    return {
        "as_of_dates": dates,
        "lookback_days": int(filters.lookback_days),
        "new_days": NEW_CUSTOMER_DAYS,
        "recency_min": filters.recency_min,
        "recency_max": filters.recency_max,
        "frequency_min": filters.frequency_min,
        "frequency_max": filters.frequency_max,
        "monetary_min": filters.monetary_min,
        "monetary_max": filters.monetary_max,
        "tenure_min": filters.tenure_min,
        "tenure_max": filters.tenure_max,
        "segments": list(filters.segments),
        "r_scores": list(filters.r_scores),
        "f_scores": list(filters.f_scores),
        "m_scores": list(filters.m_scores),
        "channels": list(filters.channels),
        "attr_names": names,
        "attr_values": values,
        "attr_name_count": len({name for name, allowed in filters.attributes if allowed}),
    }


def default_as_of(cur: Cursor) -> date:
    """The day after the last transaction: features of an old export are as of its end."""
    row = cur.execute("SELECT max(ts) FROM transactions").fetchone()
    if not row or row[0] is None:
        return date.today()
    return row[0].date() + timedelta(days=1)


def audience_day(cur: Cursor, filters: AudienceFilter) -> date:
    """The day the audience is computed for: the filter's, else `default_as_of`."""
    return filters.as_of or default_as_of(cur)


def attribute_matches(cur: Cursor, filters: AudienceFilter) -> list[str] | None:
    """The customers whose latest uploaded attributes match every attribute filter (the
    audience CTE's `attribute_match`), for an audience read from a source; None without an
    attribute filter."""
    params = _params(filters, [])
    if not params["attr_name_count"]:
        return None
    rows = cur.execute(
        f"WITH {ATTRIBUTE_MATCH} SELECT customer_id FROM attribute_match ORDER BY customer_id",  # noqa: S608
        {k: params[k] for k in ("attr_names", "attr_values", "attr_name_count")},
    ).fetchall()
    return [str(r[0]) for r in rows]


# -- features, RFM, audience ---------------------------------------------------------------------
def customer_features(
    cur: Cursor,
    as_of: date | None = None,
    lookback_days: int = config.DEFAULT_LOOKBACK_DAYS,
    filters: AudienceFilter | None = None,
) -> pd.DataFrame:
    """Per-customer recency, frequency, monetary, tenure, RFM scores, segment and last channel.

    One row per customer with a purchase before `as_of`. An order is a transaction row with a
    positive amount (ingest keeps order ids unique, as `metrics_sql` counts orders); refunds
    reduce `monetary`. Columns: customer_id, recency_days, frequency (orders in the lookback
    window), monetary (spend in the window), tenure_days, lifetime_orders, channel (of the last
    purchase), r_score, f_score, m_score, segment.
    """
    filters = filters or AudienceFilter(lookback_days=lookback_days)
    day = as_of or audience_day(cur, filters)
    return cur.execute(
        _sql(
            """
            SELECT customer_id, recency_days, frequency, monetary, tenure_days, lifetime_orders,
                   channel, r_score, f_score, m_score, segment
            FROM audience ORDER BY customer_id
            """
        ),
        _params(filters, [day]),
    ).df()


def rfm_segments(
    cur: Cursor, as_of: date | None = None, lookback_days: int = config.DEFAULT_LOOKBACK_DAYS
) -> pd.DataFrame:
    """Customers, revenue share and repeat rate per named RFM segment (all segments listed).

    Columns: segment, customers, revenue (lookback window), revenue_share, repeat_rate (share of
    the segment with two or more orders before `as_of`).
    """
    filters = AudienceFilter(lookback_days=lookback_days)
    day = as_of or audience_day(cur, filters)
    found = cur.execute(
        _sql(
            f"""
            SELECT segment, count(*) AS customers, sum(monetary) AS revenue,
                   avg(CAST({REPEAT_CUSTOMER} AS DOUBLE)) AS repeat_rate
            FROM audience GROUP BY segment
            """  # noqa: S608 - a fixed fragment
        ),
        _params(filters, [day]),
    ).df()
    return segment_table(found)


def segment_table(found: pd.DataFrame) -> pd.DataFrame:
    """Every named segment in order, from per-segment rows (segment, customers, revenue,
    repeat_rate; absent segments count zero), with each segment's share of positive revenue."""
    frame = pd.DataFrame({"segment": list(RFM_SEGMENTS)}).merge(found, on="segment", how="left")
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    frame["revenue"] = frame["revenue"].fillna(0.0).astype(float)
    total = float(frame["revenue"].clip(lower=0).sum())
    frame["revenue_share"] = frame["revenue"].clip(lower=0) / total if total > 0 else 0.0
    frame["repeat_rate"] = frame["repeat_rate"].fillna(0.0).astype(float)
    return frame[["segment", "customers", "revenue", "revenue_share", "repeat_rate"]]


@dataclass(frozen=True)
class AudienceSummary:
    """Size of an audience and the shape of its pre-period spend.

    Attributes:
        customers: customers matching the filters.
        as_of: the day the features were computed for.
        spend_mean: mean spend in the lookback window (0 for an empty audience).
        spend_median: median spend in the lookback window.
        histogram: bin_start, bin_end, customers; spend below 0 (refunds) counts in the first
            bin and above the 99th percentile in the last, so one outlier does not flatten it.
    """

    customers: int
    as_of: date
    spend_mean: float
    spend_median: float
    histogram: pd.DataFrame


def audience(cur: Cursor, filters: AudienceFilter) -> AudienceSummary:
    """Live audience size and pre-period spend histogram, computed in DuckDB."""
    day = audience_day(cur, filters)
    params = _params(filters, [day])
    row = cur.execute(
        _sql(
            """
            SELECT count(*), coalesce(avg(monetary), 0), coalesce(median(monetary), 0),
                   coalesce(quantile_cont(greatest(monetary, 0), 0.99), 0)
            FROM audience
            """
        ),
        params,
    ).fetchone()
    assert row is not None
    customers, mean, median, top = int(row[0]), float(row[1]), float(row[2]), float(row[3])
    empty = pd.DataFrame(
        {
            "bin_start": pd.Series(dtype=float),
            "bin_end": pd.Series(dtype=float),
            "customers": pd.Series(dtype="int64"),
        }
    )
    if customers == 0:
        return AudienceSummary(0, day, 0.0, 0.0, empty)
    width = top / HISTOGRAM_BINS if top > 0 else 1.0
    counts = cur.execute(
        _sql(
            """
            SELECT CAST(least(floor(greatest(monetary, 0) / CAST($width AS DOUBLE)),
                              CAST($bins AS INTEGER) - 1) AS INTEGER) AS bin,
                   count(*) AS customers
            FROM audience GROUP BY bin ORDER BY bin
            """
        ),
        {**params, "width": width, "bins": HISTOGRAM_BINS},
    ).fetchall()
    bins = np.arange(HISTOGRAM_BINS)
    by_bin = {int(b): int(n) for b, n in counts}
    histogram = pd.DataFrame(
        {
            "bin_start": bins * width,
            "bin_end": (bins + 1) * width,
            "customers": [by_bin.get(int(b), 0) for b in bins],
        }
    )
    if top <= 0:
        histogram = histogram.iloc[:1].reset_index(drop=True)
    return AudienceSummary(customers, day, mean, median, histogram)


def planner_inputs(
    cur: Cursor,
    filters: AudienceFilter,
    horizon_days: int = config.DEFAULT_HORIZON_DAYS,
    margin_rate: float | None = None,
) -> PlannerInputs:
    """Baseline numbers of the audience, backtested from a historical pseudo-start date.

    The same filters are applied as of `as_of - horizon_days` (the pseudo-start); what those
    customers did in the following `horizon_days` gives the baseline repeat rate and the mean and
    variance of net value, defined as `metrics_sql` does without an arm cost: margin (or
    (amount + discount) x `margin_rate` where margin is missing) minus discount. The
    correlation of their pre-period spend with that value is what a CUPED adjustment would use.
    Weekly flow counts customers who are in the audience today but were not four weeks ago.
    `margin_rate` None: the store's (`store.settings.margin_rate`).
    """
    if margin_rate is None:
        margin_rate = store_settings.margin_rate(cur)
    day = audience_day(cur, filters)
    start = day - timedelta(days=horizon_days)
    history = cur.execute(
        _sql(
            f"""
            , outcome AS (
                SELECT a.customer_id, any_value(a.monetary) AS pre_spend,
                       coalesce(bool_or(t.amount > 0), false) AS repeated,
                       coalesce(sum({KEPT_MARGIN}), 0) AS value
                FROM audience a
                LEFT JOIN transactions t
                  ON t.customer_id = a.customer_id
                 AND t.ts >= a.as_of
                 AND t.ts < a.as_of + CAST($horizon AS INTEGER)
                GROUP BY a.customer_id
            )
            SELECT count(*), avg(CAST(repeated AS DOUBLE)), avg(value), var_samp(value),
                   corr(pre_spend, value)
            FROM outcome
            """  # noqa: S608 - a fixed fragment; values are parameters
        ),
        {**_params(filters, [start]), "margin_rate": margin_rate, "horizon": horizon_days},
    ).fetchone()
    earlier = day - timedelta(days=FLOW_WINDOW_DAYS)
    flow = cur.execute(
        _sql(
            """
            SELECT count(*) FILTER (WHERE as_of = CAST($today AS DATE)),
                   count(*) FILTER (
                       WHERE as_of = CAST($today AS DATE) AND customer_id NOT IN (
                           SELECT customer_id FROM audience WHERE as_of = CAST($earlier AS DATE))
                   )
            FROM audience
            """
        ),
        {**_params(filters, [day, earlier]), "today": day, "earlier": earlier},
    ).fetchone()
    assert history is not None and flow is not None

    def finite(value: object) -> float | None:
        if value is None:
            return None
        number = float(value)  # type: ignore[arg-type]
        return number if np.isfinite(number) else None

    return PlannerInputs(
        customers=int(flow[0]),
        history_customers=int(history[0]),
        baseline_rate=finite(history[1]),
        value_mean=finite(history[2]),
        value_variance=finite(history[3]),
        pre_post_correlation=finite(history[4]),
        weekly_flow=int(flow[1]) * 7 / FLOW_WINDOW_DAYS,
        horizon_days=horizon_days,
    )


# -- assignment: hash units, the writes of a start -----------------------------------------------
def audience_units(cur: Cursor, filters: AudienceFilter, salt: str) -> pd.DataFrame:
    """Audience customers with their hash unit and strata, hashed in DuckDB.

    spend_tier is the audience's pre-period spend quartile, 1..4 (ties broken by customer id).

    unit = first 52 bits of md5(salt || ':' || customer_id) / 2^52, bit-identical to
    `design.hash_units` (tested), computed where the data is.
    """
    day = audience_day(cur, filters)
    return cur.execute(
        _sql(
            """
            SELECT customer_id,
                   CAST(('0x' || md5(CAST($salt AS VARCHAR) || ':' || customer_id)[1:13])
                        AS UBIGINT) / 4503599627370496.0 AS unit,
                   segment,
                   CAST(ntile(4) OVER (ORDER BY monetary, customer_id) AS INTEGER)
                       AS spend_tier,
                   monetary AS pre_spend, frequency AS pre_orders, recency_days,
                   CAST(frequency >= 2 AS INTEGER) AS pre_repeat
            FROM audience ORDER BY customer_id
            """
        ),
        {**_params(filters, [day]), "salt": salt},
    ).df()


def insert_assignments(
    cur: Cursor, experiment_id: int, frame: pd.DataFrame, assigned_at: datetime
) -> None:
    """Write the assignments of a start: frame columns customer_id, arm_id, stratum, code."""
    rows = frame[["customer_id", "arm_id", "stratum", "code"]]
    cur.register("new_assignments", rows)
    try:
        cur.execute(
            """
            INSERT INTO assignments (experiment_id, customer_id, arm_id, assigned_at,
                                     stratum, code, upload_id)
            SELECT ?, customer_id, CAST(arm_id AS INTEGER), ?, CAST(stratum AS VARCHAR),
                   CAST(code AS VARCHAR), NULL
            FROM new_assignments
            """,
            [experiment_id, assigned_at],
        )
    finally:
        cur.unregister("new_assignments")


def set_running(
    cur: Cursor, experiment_id: int, started_at: datetime, settings: dict[str, object]
) -> None:
    """Mark the experiment running from `started_at`, with its settings JSON."""
    cur.execute(
        "UPDATE experiments SET status = 'running', started_at = ?, settings = ?"
        " WHERE experiment_id = ?",
        [started_at, json.dumps(settings), experiment_id],
    )


def set_completed(cur: Cursor, experiment_id: int, ended_at: datetime) -> None:
    """Mark the experiment completed at `ended_at`."""
    cur.execute(
        "UPDATE experiments SET status = 'completed', ended_at = ? WHERE experiment_id = ?",
        [ended_at, experiment_id],
    )


# -- experiments: the rows of a design -----------------------------------------------------------
def insert_arms(cur: Cursor, experiment_id: int, arms: tuple[ArmSpec, ...]) -> None:
    """Write the arms of an experiment, arm_id in the given order."""
    cur.executemany(
        """
        INSERT INTO arms (experiment_id, arm_id, name, kind, allocation, discount_pct,
                          redemption_share, cost_per_customer, params)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            [
                experiment_id,
                arm_id,
                arm.name.strip(),
                arm.kind,
                arm.allocation,
                arm.discount_pct,
                arm.redemption_share,
                arm.cost_per_customer,
                json.dumps(arm.params()),
            ]
            for arm_id, arm in enumerate(arms)
        ],
    )


def status_of(cur: Cursor, experiment_id: int) -> str | None:
    """The experiment's status, or None when there is no such experiment."""
    row = cur.execute(
        "SELECT status FROM experiments WHERE experiment_id = ?", [experiment_id]
    ).fetchone()
    return None if row is None else str(row[0])


def name_taken(cur: Cursor, name: str, excluding: int | None = None) -> int | None:
    """The id of another experiment (not `excluding`) with this name, or None."""
    row = cur.execute(
        "SELECT experiment_id FROM experiments WHERE name = ? AND experiment_id IS DISTINCT FROM ?",
        [name, excluding],
    ).fetchone()
    return None if row is None else int(row[0])


def _design_values(spec: ExperimentSpec) -> list[object]:
    return [
        spec.name.strip(),
        spec.hypothesis,
        spec.salt,
        spec.primary_metric,
        spec.horizon_days,
        json.dumps(spec.settings()),
    ]


def insert_draft(cur: Cursor, spec: ExperimentSpec) -> int:
    """Write a new draft with its arms; returns its id."""
    row = cur.execute(
        """
        INSERT INTO experiments (experiment_id, name, status, hypothesis, salt,
            primary_metric, horizon_days, source, settings, created_at)
        VALUES (nextval('experiment_id_seq'), ?, 'draft', ?, ?, ?, ?, 'designed', ?,
                current_localtimestamp())
        RETURNING experiment_id
        """,
        _design_values(spec),
    ).fetchone()
    assert row is not None
    experiment_id = int(row[0])
    insert_arms(cur, experiment_id, spec.arms)
    return experiment_id


def update_draft(cur: Cursor, experiment_id: int, spec: ExperimentSpec) -> None:
    """Replace a draft's design and arms."""
    cur.execute(
        """
        UPDATE experiments SET name = ?, hypothesis = ?, salt = ?, primary_metric = ?,
            horizon_days = ?, settings = ?
        WHERE experiment_id = ?
        """,
        [*_design_values(spec), experiment_id],
    )
    cur.execute("DELETE FROM arms WHERE experiment_id = ?", [experiment_id])
    insert_arms(cur, experiment_id, spec.arms)


def result_rows_attached(cur: Cursor, experiment_id: int) -> int:
    """Campaign result rows attached to the experiment."""
    row = cur.execute(
        "SELECT count(*) FROM campaign_results WHERE experiment_id = ?", [experiment_id]
    ).fetchone()
    return int(row[0]) if row else 0


def update_arm_cost(cur: Cursor, experiment_id: int, arm: ArmSpec) -> None:
    """Set the kind and cost columns of the arm named `arm.name`."""
    cur.execute(
        """
        UPDATE arms SET kind = ?, discount_pct = ?, redemption_share = ?,
            cost_per_customer = ?, params = ?
        WHERE experiment_id = ? AND name = ?
        """,
        [
            arm.kind,
            arm.discount_pct,
            arm.redemption_share,
            arm.cost_per_customer,
            json.dumps(arm.params()),
            experiment_id,
            arm.name,
        ],
    )


def _no_experiment(experiment_id: int) -> StoreError:
    """The refusal of an experiment id the store does not have."""
    return StoreError(
        f"There is no experiment with id {experiment_id}. `python -m experiments list` shows them.",
        "store.error.no_experiment",
        experiment_id=experiment_id,
    )


def delete_experiment(store: Store, experiment_id: int) -> str:
    """Delete an experiment with everything that belongs only to it, in one transaction.

    Goes: its arms, assignments, true effects (demo), attached campaign results, and the
    uploads of its assignment list and result files; customers only those rows referenced.
    Stays: transactions and customer attributes (the demo's transactions go with its upload,
    on the Data page). Returns a one-line message; StoreError for an unknown id.
    """
    with store.transaction() as cur:
        row = cur.execute(
            "SELECT name FROM experiments WHERE experiment_id = ?", [experiment_id]
        ).fetchone()
        if row is None:
            raise _no_experiment(experiment_id)
        name = str(row[0])
        cur.execute(
            "CREATE TEMP TABLE ll_deleted AS SELECT DISTINCT customer_id FROM assignments"
            " WHERE experiment_id = $id UNION SELECT customer_id FROM campaign_results"
            " WHERE experiment_id = $id AND customer_id IS NOT NULL",
            {"id": experiment_id},
        )
        counted = cur.execute(
            "SELECT (SELECT count(*) FROM assignments WHERE experiment_id = $id),"
            " (SELECT count(DISTINCT (upload_id, row_no)) FROM campaign_results"
            "  WHERE experiment_id = $id)",
            {"id": experiment_id},
        ).fetchone()
        assigned, results = (int(v) for v in counted) if counted else (0, 0)
        for statement in (
            "DELETE FROM assignments WHERE experiment_id = ?",
            "DELETE FROM campaign_results WHERE experiment_id = ?",
            "DELETE FROM known_effects WHERE experiment_id = ?",
            "DELETE FROM arms WHERE experiment_id = ?",
            "DELETE FROM uploads WHERE experiment_id = ? AND kind IN ('assignments', 'results')",
            "UPDATE uploads SET experiment_id = NULL WHERE experiment_id = ?",
            "DELETE FROM experiments WHERE experiment_id = ?",
        ):
            cur.execute(statement, [experiment_id])
        uploads.delete_orphan_customers(cur, "ll_deleted")
        cur.execute("DROP TABLE ll_deleted")
    return (
        f"Deleted experiment {experiment_id} '{name}' ({assigned:,} assignments, "
        f"{results:,} result rows); transactions are kept."
    )


def set_archived(store: Store, experiment_id: int, archived: bool = True) -> None:
    """Archive an experiment (kept, readable, out of the way) or bring it back."""
    with store.transaction() as cur:
        if status_of(cur, experiment_id) is None:
            raise _no_experiment(experiment_id)
        cur.execute(
            "UPDATE experiments SET settings = json_merge_patch(coalesce(settings, '{}'),"
            " json_object('archived', ?)) WHERE experiment_id = ?",
            [archived, experiment_id],
        )


def set_planned_split(
    store: Store, experiment_id: int, shares: dict[str, float], sources: tuple[str, ...]
) -> None:
    """Store the planned split of an experiment whose plan was not frozen at launch: every
    arm's allocation (arm name -> share, all of its arms) and `split_assumed_equal` false.

    `sources` are the experiment sources whose plan the marketer gives (a results file, a
    registered list); another source, an arm left out or one it lacks, is refused inside the
    transaction (a design launched meanwhile cannot be changed), nothing written then.
    """
    from experiments.store.overview import SPLIT_ASSUMED_EQUAL

    with store.transaction() as cur:
        row = cur.execute(
            "SELECT name, source FROM experiments WHERE experiment_id = ?", [experiment_id]
        ).fetchone()
        if row is None:
            raise _no_experiment(experiment_id)
        if str(row[1]) not in sources:
            raise StoreError(
                f"The planned split of {row[0]} was fixed at launch. Nothing was changed.",
                "split.set.frozen",
                name=str(row[0]),
            )
        arms = cur.execute(
            "SELECT arm_id, name FROM arms WHERE experiment_id = ? ORDER BY arm_id",
            [experiment_id],
        ).fetchall()
        names = [str(name) for _, name in arms]
        if sorted(names) != sorted(shares):  # the caller checked them: changed meanwhile
            missing = [n for n in names if n not in shares] or [n for n in shares if n not in names]
            raise StoreError(
                f"The planned split gives no weight for: {', '.join(missing)}. Nothing was"
                " changed.",
                "split.set.missing_arms",
                names=", ".join(missing),
                arms=", ".join(names),
            )
        for arm_id, name in arms:
            cur.execute(
                "UPDATE arms SET allocation = ? WHERE experiment_id = ? AND arm_id = ?",
                [float(shares[str(name)]), experiment_id, arm_id],
            )
        cur.execute(
            "UPDATE experiments SET settings = json_merge_patch(coalesce(settings, '{}'),"
            " json_object(?, false)) WHERE experiment_id = ?",
            [SPLIT_ASSUMED_EQUAL, experiment_id],
        )


def assignment_list(cur: Cursor, experiment_id: int) -> pd.DataFrame:
    """customer_id, arm, arm_kind, code, stratum and the arm's cost fields (discount_pct,
    redemption_share, gift_cost, minutes, hourly_cost, custom_cost), ordered by customer_id."""
    return cur.execute(
        """
        SELECT a.customer_id, r.name AS arm, r.kind AS arm_kind, a.code, a.stratum,
               r.discount_pct, r.redemption_share,
               CAST(json_extract(r.params, '$.gift_cost') AS DOUBLE) AS gift_cost,
               CAST(json_extract(r.params, '$.minutes') AS DOUBLE) AS minutes,
               CAST(json_extract(r.params, '$.hourly_cost') AS DOUBLE) AS hourly_cost,
               coalesce(CAST(json_extract(r.params, '$.custom_cost') AS DOUBLE),
                        CASE WHEN r.kind = 'custom' THEN r.cost_per_customer END) AS custom_cost
        FROM assignments a
        JOIN arms r ON r.experiment_id = a.experiment_id AND r.arm_id = a.arm_id
        WHERE a.experiment_id = ?
        ORDER BY a.customer_id
        """,
        [experiment_id],
    ).df()


def assigned_arms(cur: Cursor, experiment_id: int) -> pd.DataFrame:
    """customer_id, arm_id and arm (its name) of every assignment of the experiment, ordered by
    customer_id: what a source's balance check joins (`ibis_design.balance_sums`)."""
    return cur.execute(
        """
        SELECT a.customer_id, CAST(a.arm_id AS BIGINT) AS arm_id, r.name AS arm
        FROM assignments a
        JOIN arms r ON r.experiment_id = a.experiment_id AND r.arm_id = a.arm_id
        WHERE a.experiment_id = ?
        ORDER BY a.customer_id
        """,
        [experiment_id],
    ).df()


def balance_sums(
    cur: Cursor, experiment_id: int, as_of: date, lookback_days: int
) -> list[tuple[str, int, list[float]]]:
    """Per arm (arm_id order): name, customers and the sum and sum of squares of each
    pre-period covariate (pre_spend, pre_orders, recency_days, pre_repeat) as of `as_of`."""
    filters = AudienceFilter(lookback_days=lookback_days)
    rows = cur.execute(
        _sql(
            """
            , joined AS (
                SELECT r.name AS arm, r.arm_id,
                       coalesce(f.monetary, 0) AS pre_spend,
                       coalesce(f.frequency, 0) AS pre_orders,
                       coalesce(f.recency_days, CAST($lookback_days AS INTEGER)) AS recency_days,
                       CAST(coalesce(f.frequency, 0) >= 2 AS INTEGER) AS pre_repeat
                FROM assignments a
                JOIN arms r ON r.experiment_id = a.experiment_id AND r.arm_id = a.arm_id
                LEFT JOIN audience f ON f.customer_id = a.customer_id
                WHERE a.experiment_id = CAST($experiment_id AS BIGINT)
            )
            SELECT arm, count(*),
                   sum(pre_spend), sum(pre_spend * pre_spend),
                   sum(pre_orders), sum(pre_orders * pre_orders),
                   sum(recency_days), sum(recency_days * recency_days),
                   sum(pre_repeat), sum(pre_repeat)
            FROM joined GROUP BY arm, arm_id ORDER BY arm_id
            """
        ),
        {**_params(filters, [as_of]), "experiment_id": experiment_id},
    ).fetchall()
    return [(str(arm), int(n), [float(v or 0) for v in sums]) for arm, n, *sums in rows]


# -- experiments from an uploaded assignment file ------------------------------------------------
def insert_uploaded_experiment(
    cur: Cursor,
    spec: ExperimentSpec,
    customers: pd.DataFrame,
    *,
    started_at: datetime,
    file_name: str,
    sha256: str,
    split_assumed_equal: bool = True,
) -> int:
    """Write a running experiment whose randomization happened elsewhere: its design and arms
    (their allocation: the planned split), the upload's audit row (kind 'assignments') and the
    customers (columns customer_id, arm (an arm name of `spec`), code); `split_assumed_equal`
    (no split was given) is kept in its settings. Returns its id."""
    from experiments.store.overview import SPLIT_ASSUMED_EQUAL

    values = _design_values(spec)
    values[-1] = json.dumps({**spec.settings(), SPLIT_ASSUMED_EQUAL: split_assumed_equal})
    exp_row = cur.execute(
        """
        INSERT INTO experiments (experiment_id, name, status, hypothesis, salt, primary_metric,
            horizon_days, source, settings, created_at, started_at)
        VALUES (nextval('experiment_id_seq'), ?, 'running', ?, ?, ?, ?, 'uploaded', ?,
                current_localtimestamp(), ?)
        RETURNING experiment_id
        """,
        [*values, started_at],
    ).fetchone()
    assert exp_row is not None
    experiment_id = int(exp_row[0])
    insert_arms(cur, experiment_id, spec.arms)
    upload_row = cur.execute(
        """
        INSERT INTO uploads (upload_id, file_name, sha256, kind, target_table, rows,
                             loaded_at, status, message, experiment_id)
        VALUES (nextval('upload_id_seq'), ?, ?, 'assignments', 'assignments', ?,
                current_localtimestamp(), 'loaded', ?, ?)
        RETURNING upload_id
        """,
        [
            file_name,
            sha256,
            len(customers),
            f"{len(customers)} customers in {len(spec.arms)} arms",
            experiment_id,
        ],
    ).fetchone()
    assert upload_row is not None
    arm_ids = {a.name: i for i, a in enumerate(spec.arms)}
    rows = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].astype(str).to_numpy(),
            "arm_id": customers["arm"].map(arm_ids).astype("int64").to_numpy(),
            "code": customers["code"]
            .astype(object)
            .where(customers["code"].notna(), None)
            .to_numpy(),
        }
    )
    cur.register("uploaded_assignments", rows)
    try:
        cur.execute(
            """
            INSERT INTO assignments (experiment_id, customer_id, arm_id, assigned_at,
                                     stratum, code, upload_id)
            SELECT ?, customer_id, CAST(arm_id AS INTEGER), ?, NULL, CAST(code AS VARCHAR), ?
            FROM uploaded_assignments
            """,
            [experiment_id, started_at, int(upload_row[0])],
        )
    finally:
        cur.unregister("uploaded_assignments")
    return experiment_id


# -- what the audience builder can offer ---------------------------------------------------------
@dataclass(frozen=True)
class AudienceOptions:
    """Choices the audience builder offers, read from the store.

    Attributes:
        channels: channels of purchases in the store, sorted.
        attributes: uploaded customer attributes usable as filters: (name, values) pairs
            sorted by name, values sorted; attributes with more than `config.ATTRIBUTE_VALUES_SHOWN`
            distinct values (ids, e-mails) are left out because nobody picks from such a list.
        average_order_value: mean amount of a purchase (positive amounts), the order a
            discount applies to when the page estimates its expected cost; None without orders.
    """

    channels: tuple[str, ...]
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    average_order_value: float | None


def audience_options(cur: Cursor) -> AudienceOptions:
    """Channels, filterable customer attributes and the average order value of the store."""
    channels = cur.execute(
        "SELECT DISTINCT channel FROM transactions WHERE channel IS NOT NULL ORDER BY channel"
    ).fetchall()
    rows = cur.execute(
        f"""
        WITH {LATEST_ATTRIBUTES},
        counted AS (
            SELECT name, list(DISTINCT value ORDER BY value) AS attribute_values,
                   count(DISTINCT value) AS distinct_values
            FROM latest_attributes WHERE value IS NOT NULL GROUP BY name
        )
        SELECT name, attribute_values FROM counted
        WHERE distinct_values <= CAST($limit AS INTEGER) ORDER BY name
        """,  # noqa: S608 - fixed fragments; the limit is a parameter
        {"limit": config.ATTRIBUTE_VALUES_SHOWN},
    ).fetchall()
    aov = cur.execute("SELECT avg(amount) FROM transactions WHERE amount > 0").fetchone()
    return AudienceOptions(
        channels=tuple(str(c) for (c,) in channels),
        attributes=tuple((str(name), tuple(str(v) for v in values)) for name, values in rows),
        average_order_value=float(aov[0]) if aov and aov[0] is not None else None,
    )
