"""SQL of experiment design: customer features and RFM, audiences, planner inputs, lifecycle writes.

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

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import config, design
from experiments.design import ArmSpec, AudienceFilter, BalanceCheck, ExperimentSpec
from experiments.stats import SampleStats
from experiments.store import Cursor, Store, StoreError, uploads
from experiments.store import settings as store_settings
from experiments.store.metrics_sql import KEPT_MARGIN, NEW_CUSTOMER_DAYS, RFM_SEGMENT_CASE

FLOW_WINDOW_DAYS = 28  # weekly flow = customers new to the audience over the last 4 weeks / 4
HISTOGRAM_BINS = 20
SPEND_TIERS = 4  # strata of pre-period spend: quartiles of the audience
SPEND_TIER_LABELS = np.array(
    ["", *(f"spend Q{i}" for i in range(1, SPEND_TIERS + 1))], dtype=object
)

# RFM scores and the named segment per row of a CTE `features` (one row per customer and as_of,
# with recency_days, frequency, monetary, tenure_days; $new_days bound): CTEs cuts, scored,
# segmented. One text, read by the audience CTE below and by customers.customer_overview.
RFM_SCORING = f"""
cuts AS (
    SELECT as_of,
        quantile_disc(recency_days, [0.2, 0.4, 0.6, 0.8]) AS rq,
        quantile_disc(frequency, [0.2, 0.4, 0.6, 0.8]) FILTER (WHERE frequency > 0) AS fq,
        quantile_disc(monetary, [0.2, 0.4, 0.6, 0.8]) FILTER (WHERE frequency > 0) AS mq
    FROM features GROUP BY as_of
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
    FROM features f JOIN cuts k USING (as_of)
),
segmented AS (
    SELECT *,
        {RFM_SEGMENT_CASE} AS segment
    FROM scored
)
"""  # noqa: S608 - fixed fragments

# -- the features and audience CTE (fixed text; all values are parameters) -----------------------
_AUDIENCE_CTE = """
WITH dates AS (
    SELECT unnest(CAST($as_of_dates AS DATE[])) AS as_of
),
per_customer AS (
    SELECT d.as_of, t.customer_id,
        min(CASE WHEN t.amount > 0 THEN t.ts END) AS first_ts,
        max(CASE WHEN t.amount > 0 THEN t.ts END) AS last_ts,
        count(CASE WHEN t.amount > 0
                    AND t.ts >= d.as_of - CAST($lookback_days AS INTEGER) THEN 1 END)
            AS frequency,
        coalesce(sum(CASE WHEN t.ts >= d.as_of - CAST($lookback_days AS INTEGER)
                          THEN t.amount END), 0) AS monetary,
        count(CASE WHEN t.amount > 0 THEN 1 END) AS lifetime_orders,
        arg_max(CASE WHEN t.amount > 0 THEN t.channel END,
                CASE WHEN t.amount > 0 THEN t.ts END) AS channel
    FROM transactions t JOIN dates d ON t.ts < d.as_of
    GROUP BY d.as_of, t.customer_id
    HAVING count(CASE WHEN t.amount > 0 THEN 1 END) > 0
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
wanted_attributes AS (
    SELECT unnest(CAST($attr_names AS VARCHAR[])) AS name,
           unnest(CAST($attr_values AS VARCHAR[])) AS value
),
latest_attributes AS (
    SELECT customer_id, name, value FROM customer_attributes
    QUALIFY row_number() OVER (PARTITION BY customer_id, name ORDER BY upload_id DESC) = 1
),
attribute_match AS (
    SELECT a.customer_id
    FROM latest_attributes a JOIN wanted_attributes w ON a.name = w.name AND a.value = w.value
    GROUP BY a.customer_id
    HAVING count(DISTINCT a.name) = CAST($attr_name_count AS INTEGER)
),
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
"""


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


def _as_of(cur: Cursor, filters: AudienceFilter) -> date:
    return filters.as_of or default_as_of(cur)


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
    day = as_of or _as_of(cur, filters)
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
    day = as_of or _as_of(cur, filters)
    found = cur.execute(
        _sql(
            """
            SELECT segment, count(*) AS customers, sum(monetary) AS revenue,
                   avg(CAST(lifetime_orders >= 2 AS DOUBLE)) AS repeat_rate
            FROM audience GROUP BY segment
            """
        ),
        _params(filters, [day]),
    ).df()
    return segment_table(found)


def segment_table(found: pd.DataFrame) -> pd.DataFrame:
    """Every named segment in order, from per-segment rows (segment, customers, revenue,
    repeat_rate; absent segments count zero), with each segment's share of positive revenue."""
    frame = pd.DataFrame({"segment": list(design.RFM_SEGMENTS)}).merge(
        found, on="segment", how="left"
    )
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
    day = _as_of(cur, filters)
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
) -> design.PlannerInputs:
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
    day = _as_of(cur, filters)
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

    return design.PlannerInputs(
        customers=int(flow[0]),
        history_customers=int(history[0]),
        baseline_rate=finite(history[1]),
        value_mean=finite(history[2]),
        value_variance=finite(history[3]),
        pre_post_correlation=finite(history[4]),
        weekly_flow=int(flow[1]) * 7 / FLOW_WINDOW_DAYS,
        horizon_days=horizon_days,
    )


# -- assignment preview --------------------------------------------------------------------------
@dataclass(frozen=True)
class AssignmentPreview:
    """The assignment a start would write, with its balance check.

    Attributes:
        as_of: the day the audience and pre-period covariates were computed for.
        frame: customer_id, arm, arm_id, arm_kind, stratum, code, pre_spend, pre_orders,
            recency_days, pre_repeat — one row per customer, ordered by customer_id.
        balance: balance table per arm and the A/A check on the pre-period.
    """

    as_of: date
    frame: pd.DataFrame
    balance: BalanceCheck


def audience_units(cur: Cursor, filters: AudienceFilter, salt: str) -> pd.DataFrame:
    """Audience customers with their hash unit and strata, hashed in DuckDB.

    spend_tier is the audience's pre-period spend quartile, 1..4 (ties broken by customer id).

    unit = first 52 bits of md5(salt || ':' || customer_id) / 2^52, bit-identical to
    `design.hash_units` (tested), computed where the data is.
    """
    day = _as_of(cur, filters)
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


def preview_assignment(cur: Cursor, spec: ExperimentSpec) -> AssignmentPreview:
    """Randomize the audience (nothing is written) and check balance before launch."""
    _check_spec(spec)
    day = _as_of(cur, spec.audience)
    units = audience_units(cur, spec.audience, spec.salt)
    strata = None
    if spec.stratify_by == "rfm_segment":
        strata = units["segment"].to_numpy()
    elif spec.stratify_by == "spend_tier":
        strata = SPEND_TIER_LABELS[units["spend_tier"].to_numpy(dtype=np.int64)]
    weights = [a.allocation for a in spec.arms]
    index = design.assign_arms(
        units["unit"].to_numpy(dtype=float), weights, strata=strata, salt=spec.salt
    )
    names = np.array([a.name for a in spec.arms], dtype=object)
    kinds = np.array([a.kind for a in spec.arms], dtype=object)
    frame = pd.DataFrame(
        {
            "customer_id": units["customer_id"].astype(str),
            "arm": names[index] if len(index) else pd.Series(dtype=object),
            "arm_id": index.astype("int64"),
            "arm_kind": kinds[index] if len(index) else pd.Series(dtype=object),
            "stratum": strata if strata is not None else None,
            "code": None,
            "pre_spend": units["pre_spend"].astype(float),
            "pre_orders": units["pre_orders"].astype(float),
            "recency_days": units["recency_days"].astype(float),
            "pre_repeat": units["pre_repeat"].astype(float),
        }
    )
    if spec.code_prefix and len(frame):
        treated = frame["arm_kind"] != "control"
        frame.loc[treated, "code"] = design.personal_codes(
            spec.salt, frame.loc[treated, "customer_id"], spec.code_prefix
        )
    stats = design.covariate_stats(frame) if len(frame) else {}
    balance = design.balance_check(stats, spec.control.name)
    return AssignmentPreview(as_of=day, frame=frame, balance=balance)


# -- experiments: save, load, lifecycle ----------------------------------------------------------
@dataclass(frozen=True)
class StoredExperiment:
    """An experiment as the store holds it.

    Attributes:
        experiment_id: store id.
        spec: the design (arms in arm_id order).
        status: draft, running or completed.
        source: "designed" here, "uploaded" when created from an assignment file.
        created_at, started_at, ended_at: lifecycle times (None until they happen).
        customers: customers assigned.
    """

    experiment_id: int
    spec: ExperimentSpec
    status: str
    source: str
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    customers: int


def _check_spec(spec: ExperimentSpec) -> None:
    problems = spec.problems()
    if problems:
        raise StoreError(" ".join(problems))


def _insert_arms(cur: Cursor, experiment_id: int, arms: tuple[ArmSpec, ...]) -> None:
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


def _status(cur: Cursor, experiment_id: int) -> str:
    row = cur.execute(
        "SELECT status FROM experiments WHERE experiment_id = ?", [experiment_id]
    ).fetchone()
    if row is None:
        raise StoreError(f"There is no experiment with id {experiment_id}.")
    return str(row[0])


def _refuse_unless(cur: Cursor, experiment_id: int, action: design.Action) -> None:
    reason = design.refusal(_status(cur, experiment_id), action)
    if reason is not None:
        raise StoreError(reason)


def save_experiment(store: Store, spec: ExperimentSpec, experiment_id: int | None = None) -> int:
    """Save a draft (new, or replacing draft `experiment_id`); returns its id.

    Raises:
        StoreError: the design is invalid, the name is taken, or the experiment is not a draft.
    """
    _check_spec(spec)
    with store.transaction() as cur:
        taken = cur.execute(
            "SELECT experiment_id FROM experiments"
            " WHERE name = ? AND experiment_id IS DISTINCT FROM ?",
            [spec.name.strip(), experiment_id],
        ).fetchone()
        if taken:
            raise StoreError(
                f"An experiment named '{spec.name.strip()}' already exists (id {taken[0]}); "
                "choose another name."
            )
        values = [
            spec.name.strip(),
            spec.hypothesis,
            spec.salt,
            spec.primary_metric,
            spec.horizon_days,
            json.dumps(spec.settings()),
        ]
        if experiment_id is None:
            row = cur.execute(
                """
                INSERT INTO experiments (experiment_id, name, status, hypothesis, salt,
                    primary_metric, horizon_days, source, settings, created_at)
                VALUES (nextval('experiment_id_seq'), ?, 'draft', ?, ?, ?, ?, 'designed', ?,
                        current_localtimestamp())
                RETURNING experiment_id
                """,
                values,
            ).fetchone()
            assert row is not None
            experiment_id = int(row[0])
        else:
            _refuse_unless(cur, experiment_id, "edit")
            cur.execute(
                """
                UPDATE experiments SET name = ?, hypothesis = ?, salt = ?, primary_metric = ?,
                    horizon_days = ?, settings = ?
                WHERE experiment_id = ?
                """,
                [*values, experiment_id],
            )
            cur.execute("DELETE FROM arms WHERE experiment_id = ?", [experiment_id])
        _insert_arms(cur, experiment_id, spec.arms)
    return experiment_id


def update_arms(store: Store, experiment_id: int, arms: tuple[ArmSpec, ...]) -> None:
    """Replace a draft's arms. Refused, with the reason, once the experiment is running."""
    with store.cursor() as cur:
        stored = load_experiment(cur, experiment_id)
    if stored is None:
        raise StoreError(f"There is no experiment with id {experiment_id}.")
    reason = design.refusal(stored.status, "edit")
    if reason is not None:
        raise StoreError(reason)
    from dataclasses import replace

    save_experiment(store, replace(stored.spec, arms=tuple(arms)), experiment_id)


def costs_editable(cur: Cursor, experiment_id: int) -> str | None:
    """Why the kinds and costs of a registered list can no longer change, or None when they can.

    A list randomized elsewhere has its customers fixed, but what each arm cost is the
    marketer's to enter: editable until the experiment is completed or results are attached.
    """
    row = cur.execute(
        "SELECT status, source, (SELECT count(*) FROM campaign_results r"
        " WHERE r.experiment_id = e.experiment_id) FROM experiments e WHERE experiment_id = ?",
        [experiment_id],
    ).fetchone()
    if row is None:
        return f"There is no experiment with id {experiment_id}."
    status, source, results = row
    if source != "uploaded":
        return design.refusal(str(status), "edit")
    if status == "completed":
        return "The experiment is completed; its costs are the record of what was run."
    if results:
        return (
            "Results are attached to this experiment, so its costs are part of what was read. "
            "Remove the result upload first to change them."
        )
    return None


def update_arm_costs(store: Store, experiment_id: int, arms: tuple[ArmSpec, ...]) -> None:
    """Set the kind and cost of each arm of a registered list (names and shares stay).

    Raises:
        StoreError: the costs are no longer editable (`costs_editable`), an arm is missing or
            new, or the arms are invalid (a discount without its percent, two controls).
    """
    with store.transaction() as cur:
        reason = costs_editable(cur, experiment_id)
        if reason is not None:
            raise StoreError(reason)
        stored = load_experiment(cur, experiment_id)
        assert stored is not None
        by_name = {a.name: a for a in arms}
        if set(by_name) != {a.name for a in stored.spec.arms}:
            raise StoreError(
                "The arms of a registered list are its groups; only kinds and costs can change."
            )
        from dataclasses import replace

        updated = tuple(replace(by_name[a.name], allocation=a.allocation) for a in stored.spec.arms)
        _check_spec(replace(stored.spec, arms=updated))
        for arm in updated:
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


def load_experiment(cur: Cursor, key: int | str) -> StoredExperiment | None:
    """An experiment by id (int) or by what a person typed (str), with its arms, or None.

    A str goes through `overview.find_experiment`'s one rule (a name first, else an id).
    """
    if isinstance(key, str):
        from experiments.store import overview

        found = overview.find_experiment(cur, key)
        if found is None:
            return None
        key = int(found["id"])  # type: ignore[call-overload]
    row = cur.execute(
        """
        SELECT experiment_id, name, status, hypothesis, salt, primary_metric, horizon_days,
               source, settings, created_at, started_at, ended_at,
               (SELECT count(*) FROM assignments a WHERE a.experiment_id = e.experiment_id)
        FROM experiments e
        WHERE experiment_id = ?
        """,
        [int(key)],
    ).fetchone()
    if row is None:
        return None
    (exp_id, name, status, hypothesis, salt, metric, horizon, source, settings_text) = row[:9]
    created, started, ended, customers = row[9:]
    arm_rows = cur.execute(
        """
        SELECT name, kind, allocation, discount_pct, redemption_share, cost_per_customer, params
        FROM arms WHERE experiment_id = ? ORDER BY arm_id
        """,
        [exp_id],
    ).fetchall()
    arms = []
    for arm_name, kind, allocation, pct, redemption, cost, params_text in arm_rows:
        params = json.loads(params_text) if params_text else {}
        arms.append(
            ArmSpec(
                name=arm_name,
                kind=kind,
                allocation=float(allocation),
                discount_pct=float(pct),
                redemption_share=float(redemption),
                # a gift's cost includes its delivery (ArmSpec.gift_cost), which the demo
                # stores apart: the 250 RUB the analysis charges read back as 180
                gift_cost=float(params.get("gift_cost", 0.0))
                + float(params.get("delivery_cost", 0.0)),
                minutes=float(params.get("minutes", 0.0)),
                hourly_cost=float(params.get("hourly_cost", 0.0)),
                custom_cost=float(params.get("custom_cost", cost if kind == "custom" else 0.0)),
            )
        )
    settings = json.loads(settings_text) if settings_text else {}
    if not isinstance(settings, dict):
        settings = {}
    stratify_by = settings.get("stratify_by")
    code_prefix = settings.get("code_prefix")
    spec = ExperimentSpec(
        name=name,
        arms=tuple(arms),
        hypothesis=hypothesis or "",
        primary_metric=metric if metric in design.PRIMARY_METRICS else "repeat_purchase",
        horizon_days=int(horizon),
        secondary_metrics=_names(settings.get("secondary_metrics")),
        guardrails=tuple(g for g in _names(settings.get("guardrails")) if g in design.GUARDRAILS),
        confidence=float(settings.get("confidence", config.CONFIDENCE)),
        correction=str(settings.get("correction", config.DEFAULT_CORRECTION)),
        guardrail_margin_pct=float(
            settings.get("guardrail_margin_pct", config.GUARDRAIL_MARGIN_PCT)
        ),
        stratify_by=stratify_by if stratify_by in design.STRATIFICATIONS else "none",
        salt=salt,
        audience=AudienceFilter.from_json(settings.get("audience")),
        code_prefix=code_prefix if isinstance(code_prefix, str) else None,
    )
    return StoredExperiment(
        experiment_id=int(exp_id),
        spec=spec,
        status=str(status),
        source=str(source),
        created_at=created,
        started_at=started,
        ended_at=ended,
        customers=int(customers),
    )


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def start_experiment(
    store: Store, experiment_id: int, started_at: datetime | None = None
) -> AssignmentPreview:
    """Randomize the audience and freeze the assignments: draft -> running, in one transaction.

    Returns the preview that was written (same salt and audience give the same list as the
    preview the marketer saw).

    Raises:
        StoreError: not a draft, or the audience is empty.
    """
    with store.transaction() as cur:
        _refuse_unless(cur, experiment_id, "start")
        stored = load_experiment(cur, experiment_id)
        assert stored is not None
        preview = preview_assignment(cur, stored.spec)
        if preview.frame.empty:
            raise StoreError(
                "The audience is empty: no customer matches the filters. Widen the filters "
                "before starting."
            )
        when = started_at or datetime.now().replace(microsecond=0)
        rows = preview.frame[["customer_id", "arm_id", "stratum", "code"]]
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
                [experiment_id, when],
            )
        finally:
            cur.unregister("new_assignments")
        settings = stored.spec.settings()
        settings["audience_as_of"] = preview.as_of.isoformat()
        cur.execute(
            "UPDATE experiments SET status = 'running', started_at = ?, settings = ?"
            " WHERE experiment_id = ?",
            [when, json.dumps(settings), experiment_id],
        )
    return preview


def complete_experiment(store: Store, experiment_id: int, ended_at: datetime | None = None) -> None:
    """running -> completed; refused (with the reason) from any other status."""
    with store.transaction() as cur:
        _refuse_unless(cur, experiment_id, "complete")
        cur.execute(
            "UPDATE experiments SET status = 'completed', ended_at = ? WHERE experiment_id = ?",
            [ended_at or datetime.now().replace(microsecond=0), experiment_id],
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
            raise StoreError(
                f"There is no experiment with id {experiment_id}. "
                "`python -m experiments list` shows them."
            )
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
        _status(cur, experiment_id)  # raises for an unknown id
        cur.execute(
            "UPDATE experiments SET settings = json_merge_patch(coalesce(settings, '{}'),"
            " json_object('archived', ?)) WHERE experiment_id = ?",
            [archived, experiment_id],
        )


def is_archived(cur: Cursor, experiment_id: int) -> bool:
    """Whether the experiment is archived (`set_archived`)."""
    row = cur.execute(
        "SELECT coalesce(TRY_CAST(json_extract(settings, '$.archived') AS BOOLEAN), false)"
        " FROM experiments WHERE experiment_id = ?",
        [experiment_id],
    ).fetchone()
    return bool(row and row[0])


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


def balance_stats(cur: Cursor, experiment_id: int) -> dict[str, dict[str, SampleStats]]:
    """Per-arm sufficient statistics of the pre-period covariates of a stored assignment.

    Covariates are computed as of the audience date recorded at start (or the start date) with
    the experiment's lookback window; feed the result to `design.balance_check`.
    """
    stored = load_experiment(cur, experiment_id)
    if stored is None:
        raise StoreError(f"There is no experiment with id {experiment_id}.")
    row = cur.execute(
        "SELECT json_extract_string(settings, '$.audience_as_of') FROM experiments"
        " WHERE experiment_id = ?",
        [experiment_id],
    ).fetchone()
    if row and row[0]:
        day = date.fromisoformat(row[0])
    elif stored.started_at is not None:
        day = stored.started_at.date()
    else:
        day = default_as_of(cur)
    filters = AudienceFilter(lookback_days=stored.spec.audience.lookback_days)
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
        {**_params(filters, [day]), "experiment_id": experiment_id},
    ).fetchall()
    result: dict[str, dict[str, SampleStats]] = {}
    for arm, n, *sums in rows:
        values = [float(v or 0) for v in sums]
        result[str(arm)] = {
            name: SampleStats(n=int(n), sum=values[2 * i], sum_squares=values[2 * i + 1])
            for i, name in enumerate((*design.BALANCE_COVARIATES, "pre_repeat"))
        }
    return result


# -- experiments from an uploaded assignment file ------------------------------------------------
CONTROL_NAMES = design.CONTROL_NAMES


def read_assignment_file(
    path: str | Path,
    mapping: dict[str, str] | None = None,
    *,
    control_arm: str | None = None,
    arms: dict[str, ArmSpec] | None = None,
    file_name: str | None = None,
) -> design.AssignmentList:
    """Read a customer -> arm list the way the Data page reads files (encoding, delimiter,
    decimal mark, Russian and English header guesses), with `mapping` over the guesses."""
    from experiments import ingest

    path = Path(path)
    raw, _, problems = ingest.read_table(path, file_name or path.name)
    if raw is None:
        empty = pd.DataFrame({"customer_id": [], "arm": [], "code": []}, dtype="string")
        return design.AssignmentList(empty, (), tuple(p.message for p in problems))
    columns = [str(c) for c in raw.columns]
    explicit = {k: v for k, v in (mapping or {}).items() if v and v != ingest.IGNORE}
    fields = {f.name for f in ingest.FIELDS["assignments"]}
    bad: list[str] = [
        f"The file has no column {source!r}; its columns are: {', '.join(columns)}."
        for source in explicit
        if source not in columns
    ]
    bad += [
        f"Unknown field {target!r}; fields are: {', '.join(sorted(fields))}."
        for target in explicit.values()
        if target not in fields
    ]
    if bad:
        empty = pd.DataFrame({"customer_id": [], "arm": [], "code": []}, dtype="string")
        return design.AssignmentList(empty, (), tuple(bad))
    chosen = dict(explicit)
    skipped = {k for k, v in (mapping or {}).items() if v == ingest.IGNORE}
    for source, target in ingest.guess_mapping("assignments", columns).items():
        if source not in chosen and source not in skipped and target not in chosen.values():
            chosen[source] = target
    return design.parse_assignment_list(raw, chosen, control_arm=control_arm, arms=arms)


def create_from_assignment_file(
    store: Store,
    path: str | Path,
    *,
    name: str,
    hypothesis: str = "",
    primary_metric: design.PrimaryMetric = "repeat_purchase",
    horizon_days: int = config.DEFAULT_HORIZON_DAYS,
    started_at: datetime | None = None,
    control_arm: str | None = None,
    file_name: str | None = None,
    mapping: dict[str, str] | None = None,
    arms: dict[str, ArmSpec] | None = None,
) -> int:
    """A running experiment whose randomization happened elsewhere, from a customer -> arm file.

    The file (CSV in any encoding and delimiter the Data page reads, XLSX, Parquet) needs a
    customer id and an arm column, guessed from English and Russian headers or given in
    `mapping`; optional arm_kind, code and cost columns (the app's own export has them). The
    control arm is `control_arm`, else the arm whose kind is control, else the arm named
    "control" / "контроль". Arms get kind "custom" unless the file or `arms` (per arm name: the
    kind and cost chosen on the Design page or the command line) say otherwise; allocation
    weights are the observed shares. The upload is recorded in `uploads` (kind 'assignments').

    Raises:
        StoreError: missing columns, empty ids, a customer in two arms, no single control,
            a discount without its percent, or the name is taken. Nothing is written then.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"File not found: {path}")
    parsed = read_assignment_file(
        path, mapping, control_arm=control_arm, arms=arms, file_name=file_name
    )
    if parsed.problems:
        raise StoreError(" ".join(parsed.problems))
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 23):
            digest.update(chunk)
    sha256 = digest.hexdigest()
    frame = parsed.customers
    arms_ = parsed.arms
    spec = ExperimentSpec(
        name=name,
        arms=arms_,
        hypothesis=hypothesis,
        primary_metric=primary_metric,
        horizon_days=horizon_days,
        salt=f"uploaded:{sha256[:16]}",
    )
    _check_spec(spec)
    with store.transaction() as cur:
        if cur.execute("SELECT 1 FROM experiments WHERE name = ?", [name.strip()]).fetchone():
            raise StoreError(
                f"An experiment named '{name.strip()}' already exists; choose another name."
            )
        when = started_at or datetime.now().replace(microsecond=0)
        exp_row = cur.execute(
            """
            INSERT INTO experiments (experiment_id, name, status, hypothesis, salt, primary_metric,
                horizon_days, source, settings, created_at, started_at)
            VALUES (nextval('experiment_id_seq'), ?, 'running', ?, ?, ?, ?, 'uploaded', ?,
                    current_localtimestamp(), ?)
            RETURNING experiment_id
            """,
            [
                name.strip(),
                hypothesis,
                spec.salt,
                primary_metric,
                horizon_days,
                json.dumps(spec.settings()),
                when,
            ],
        ).fetchone()
        assert exp_row is not None
        experiment_id = int(exp_row[0])
        _insert_arms(cur, experiment_id, arms_)
        upload_row = cur.execute(
            """
            INSERT INTO uploads (upload_id, file_name, sha256, kind, target_table, rows,
                                 loaded_at, status, message, experiment_id)
            VALUES (nextval('upload_id_seq'), ?, ?, 'assignments', 'assignments', ?,
                    current_localtimestamp(), 'loaded', ?, ?)
            RETURNING upload_id
            """,
            [
                file_name or path.name,
                sha256,
                len(frame),
                f"{len(frame)} customers in {len(arms_)} arms",
                experiment_id,
            ],
        ).fetchone()
        assert upload_row is not None
        arm_ids = {a.name: i for i, a in enumerate(arms_)}
        rows = pd.DataFrame(
            {
                "customer_id": frame["customer_id"].astype(str).to_numpy(),
                "arm_id": frame["arm"].map(arm_ids).astype("int64").to_numpy(),
                "code": frame["code"].astype(object).where(frame["code"].notna(), None).to_numpy(),
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
                [experiment_id, when, int(upload_row[0])],
            )
        finally:
            cur.unregister("uploaded_assignments")
    return experiment_id


# -- what the audience builder can offer ---------------------------------------------------------
ATTRIBUTE_VALUES_SHOWN = 50  # an attribute with more distinct values (an e-mail) is not a filter


@dataclass(frozen=True)
class AudienceOptions:
    """Choices the audience builder offers, read from the store.

    Attributes:
        channels: channels of purchases in the store, sorted.
        attributes: uploaded customer attributes usable as filters: (name, values) pairs
            sorted by name, values sorted; attributes with more than `ATTRIBUTE_VALUES_SHOWN`
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
        """
        WITH latest AS (
            SELECT name, value FROM customer_attributes
            QUALIFY row_number() OVER (PARTITION BY customer_id, name ORDER BY upload_id DESC) = 1
        ),
        counted AS (
            SELECT name, list(DISTINCT value ORDER BY value) AS attribute_values,
                   count(DISTINCT value) AS distinct_values
            FROM latest WHERE value IS NOT NULL GROUP BY name
        )
        SELECT name, attribute_values FROM counted
        WHERE distinct_values <= CAST($limit AS INTEGER) ORDER BY name
        """,
        {"limit": ATTRIBUTE_VALUES_SHOWN},
    ).fetchall()
    aov = cur.execute("SELECT avg(amount) FROM transactions WHERE amount > 0").fetchone()
    return AudienceOptions(
        channels=tuple(str(c) for (c,) in channels),
        attributes=tuple((str(name), tuple(str(v) for v in values)) for name, values in rows),
        average_order_value=float(aov[0]) if aov and aov[0] is not None else None,
    )
