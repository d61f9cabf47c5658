"""The per-experiment aggregation query: per-customer window metrics -> per-arm sufficient stats.

One statement scans the transactions once: assignments are joined to transactions on
customer_id and on the time range [assigned_at - lookback, assigned_at + longest horizon], every
customer's window metrics are aggregated in a CTE (`per_customer`), money metrics are capped at
pooled percentiles of that CTE (`stats.cap_thresholds` semantics, on the customers observed at
the analysis horizon, all arms together), and the customers are folded into a few hundred
numbers per arm (n, sums, sums of squares, covariate sums and cross products) with GROUPING
SETS for segments, plus a follow-up histogram for Kaplan-Meier. Only small frames leave
DuckDB; `customer_frame` returns per-customer rows for the few uses that need them (bootstrap,
tests).

Definitions (the demo generator records its known truths with the same ones):

* window of horizon H: (assigned_at, assigned_at + H days]; pre-period:
  [assigned_at - lookback, assigned_at). A purchase at the assignment instant is in neither.
* margin of a transaction: the `margin` column (gross margin before discount) when not NULL,
  else (amount + discount) * margin_rate.
* cost(H) = discounts in the window + the arm's cost_per_customer; net_value = margin - cost.
* a customer is observed at H when assigned_at + H days <= the last transaction in the store;
  statistics of horizon H use observed customers only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd

from experiments.store import Cursor

__all__ = [
    "CAPPED_METRICS",
    "COVARIATE_OF",
    "HORIZON_METRICS",
    "Aggregates",
    "QuerySpec",
    "customer_frame",
    "experiment_aggregates",
    "experiment_settings",
]

DAY_US = 86_400_000_000

# Metrics computed per customer at the analysis horizon (fixed whitelist: these names become
# column aliases).
HORIZON_METRICS = ("repeat_purchase", "orders", "revenue", "margin", "cost", "net_value")
CAPPED_METRICS = ("revenue", "margin", "net_value")  # cost: paid in full, never capped
COVARIATES = ("pre_buyer", "pre_orders", "pre_spend")
COVARIATE_OF = {
    "repeat_purchase": "pre_buyer",
    "orders": "pre_orders",
    "revenue": "pre_spend",
    "margin": "pre_spend",
    "cost": "pre_spend",
    "net_value": "pre_spend",
}
_CHECK_COLUMNS = (
    "extra_assignments",
    "tx_before_first_seen",
    "assigned_after_data_end",
    "cost_per_customer",
)
SEGMENT_KINDS = ("pre_period", "stratum", "attribute")


@dataclass(frozen=True)
class QuerySpec:
    """What the aggregation query computes for one experiment.

    Attributes:
        experiment_id: the experiment whose assignments are analysed.
        horizon_days: analysis horizon: every metric in HORIZON_METRICS is computed for it.
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

    @property
    def horizons(self) -> tuple[int, ...]:
        return tuple(sorted({int(h) for h in self.repeat_horizons} | {int(self.horizon_days)}))

    @property
    def bucket_ends(self) -> tuple[int, ...]:
        """End day of each decay bucket; the last one is cut at the horizon."""
        count = math.ceil(self.horizon_days / self.bucket_days)
        return tuple(min((b + 1) * self.bucket_days, self.horizon_days) for b in range(count))


@dataclass(frozen=True)
class Aggregates:
    """What the aggregation query returns: small frames, one row per arm (or segment, day).

    Attributes:
        first_ts: earliest transaction in the store (ISO text) or None.
        last_ts: latest transaction in the store (ISO text) or None: the data's end.
        arms: one row per arm_id; columns `n_all`, `n_{h}` (observed at h), `{metric}__sum`,
            `{metric}__sumsq`, `{metric}__cross` (x covariate), `{covariate}__sum`/`__sumsq`
            at the analysis horizon; `repeat_{h}__sum` per horizon; `{cov}_all__sum/__sumsq`
            over all assigned customers; `n_b{i}`, `bucket_b{i}__sum/__sumsq`,
            `cum_net_b{i}__sum/__sumsq` for decay buckets; data checks.
        segments: same columns, one row per (segment_kind, segment, arm_id).
        survival: arm_id, event (bool), duration_days (int), customers: a histogram of time to
            first purchase (event) or of follow-up (censored), for Kaplan-Meier.
        caps: {metric: (lower or None, upper or None)} thresholds applied (empty without cap).
    """

    first_ts: str | None
    last_ts: str | None
    arms: pd.DataFrame
    segments: pd.DataFrame
    survival: pd.DataFrame
    caps: dict[str, tuple[float | None, float | None]]


def _assigned_and_joined(spec: QuerySpec, params: dict[str, object]) -> str:
    """CTEs `bounds`, `assigned` and `joined` (one row per transaction in range)."""
    params["experiment_id"] = int(spec.experiment_id)
    params["lookback_days"] = int(spec.lookback_days)
    params["max_days"] = int(max(spec.horizons))
    params["margin_rate"] = float(spec.margin_rate)
    attribute_join = ""
    attribute_col = "CAST(NULL AS VARCHAR)"
    if spec.segment_attribute is not None:
        params["segment_attribute"] = spec.segment_attribute
        attribute_join = """
        LEFT JOIN (
            SELECT customer_id, any_value(value) AS value FROM customer_attributes
            WHERE name = $segment_attribute GROUP BY customer_id
        ) attr ON attr.customer_id = a.customer_id"""
        attribute_col = "attr.value"
    return f"""
    bounds AS (
        SELECT min(ts) AS first_ts, max(ts) AS last_ts, epoch_us(max(ts)) AS end_us
        FROM transactions
    ),
    assigned AS (
        SELECT row_number() OVER () AS unit, a.customer_id, a.arm_id, a.assigned_at,
               epoch_us(a.assigned_at) AS assigned_us, a.stratum, ar.cost_per_customer,
               c.first_seen, {attribute_col} AS attribute_segment,
               count(*) OVER (PARTITION BY a.customer_id) - 1 AS extra_assignments
        FROM assignments a
        JOIN arms ar ON ar.experiment_id = a.experiment_id AND ar.arm_id = a.arm_id
        LEFT JOIN customers c ON c.customer_id = a.customer_id{attribute_join}
        WHERE a.experiment_id = $experiment_id
        QUALIFY row_number() OVER (
            PARTITION BY a.customer_id ORDER BY a.assigned_at, a.arm_id) = 1
    ),
    joined AS (
        SELECT s.unit, epoch_us(t.ts) - s.assigned_us AS d, t.amount, t.discount,
               coalesce(t.margin, (t.amount + t.discount) * $margin_rate) AS margin,
               t.ts < s.first_seen AS before_first_seen
        FROM assigned s
        JOIN transactions t ON t.customer_id = s.customer_id
            AND t.ts >= s.assigned_at - to_days(CAST($lookback_days AS INTEGER))
            AND t.ts <= s.assigned_at + to_days(CAST($max_days AS INTEGER))
    )"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters


def _per_customer(spec: QuerySpec, params: dict[str, object], *, with_ids: bool) -> str:
    """CTEs up to `per_customer`: one row per assigned customer with raw window metrics."""
    h = int(spec.horizon_days)
    params["h_main"] = h
    window = f"d > 0 AND d <= $h_main * {DAY_US}"
    pre = f"d < 0 AND d >= -$lookback_days * {DAY_US}"
    cols = [
        f"count(*) FILTER ({pre}) AS pre_orders",
        f"coalesce(sum(amount) FILTER ({pre}), 0) AS pre_spend",
        f"max(d) FILTER ({pre}) AS pre_last_d",
        f"min(d) FILTER (d > 0) / {DAY_US}.0 AS first_purchase_days",
        f"count(*) FILTER ({window}) AS orders",
        f"coalesce(sum(amount) FILTER ({window}), 0) AS revenue",
        f"coalesce(sum(margin) FILTER ({window}), 0) AS margin",
        f"coalesce(sum(discount) FILTER ({window}), 0) AS discount",
        "count(*) FILTER (before_first_seen) AS tx_before_first_seen",
    ]
    for i, horizon in enumerate(spec.horizons):
        params[f"h{i}"] = int(horizon)
        cols.append(f"count(*) FILTER (d > 0 AND d <= $h{i} * {DAY_US}) AS orders_{int(horizon)}")
    for b, end in enumerate(spec.bucket_ends):
        params[f"b{b}"] = int(end)
        cols.append(
            f"coalesce(sum(margin - discount) FILTER (d > 0 AND d <= $b{b} * {DAY_US}), 0)"
            f" AS contribution_b{b}"
        )
    per_tx = ",\n               ".join(cols)
    repeat_cols = ",\n           ".join(
        f"(coalesce(x.orders_{int(h2)}, 0) > 0)::INTEGER AS repeat_{int(h2)}"
        for h2 in spec.horizons
    )
    bucket_cols = []
    for b in range(len(spec.bucket_ends)):
        cum = f"coalesce(x.contribution_b{b}, 0)"
        previous = f"coalesce(x.contribution_b{b - 1}, 0)" if b else "0"
        bucket_cols.append(f"{cum} - {previous} AS bucket_b{b}")
        bucket_cols.append(f"{cum} - s.cost_per_customer AS cum_net_b{b}")
    ids = "s.customer_id, s.assigned_at, " if with_ids else ""
    return f"""
    per_tx AS (
        SELECT unit,
               {per_tx}
        FROM joined GROUP BY unit
    ),
    per_customer AS MATERIALIZED (
        SELECT {ids}s.arm_id, s.stratum, s.attribute_segment, s.cost_per_customer,
               s.extra_assignments,
               (b.end_us - s.assigned_us) / {DAY_US}.0 AS followup_days,
               coalesce(x.pre_orders, 0) AS pre_orders,
               (coalesce(x.pre_orders, 0) > 0)::INTEGER AS pre_buyer,
               coalesce(x.pre_spend, 0) AS pre_spend,
               -x.pre_last_d / {DAY_US}.0 AS pre_recency_days,
               CASE coalesce(x.pre_orders, 0) WHEN 0 THEN 'new' WHEN 1 THEN 'one purchase'
                    ELSE 'repeat' END AS pre_period_segment,
               x.first_purchase_days,
               (coalesce(x.orders, 0) > 0)::INTEGER AS repeat_purchase,
               coalesce(x.orders, 0) AS orders,
               coalesce(x.revenue, 0) AS revenue,
               coalesce(x.margin, 0) AS margin,
               coalesce(x.discount, 0) AS discount,
               coalesce(x.discount, 0) + s.cost_per_customer AS cost,
               coalesce(x.margin, 0) - coalesce(x.discount, 0) - s.cost_per_customer
                   AS net_value,
               coalesce(x.tx_before_first_seen, 0) AS tx_before_first_seen,
               {repeat_cols},
               {", ".join(bucket_cols)}
        FROM assigned s CROSS JOIN bounds b
        LEFT JOIN per_tx x ON x.unit = s.unit
    )"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters


def _capped(spec: QuerySpec, params: dict[str, object]) -> str:
    """CTEs `caps` (one row of thresholds) and `capped` (per_customer with metrics capped)."""
    observed = "followup_days >= $h_main"
    if not spec.cap:
        return """
    caps AS (SELECT 1 AS no_caps),
    capped AS (SELECT * FROM per_customer)"""
    params["p_upper"] = float(spec.cap_percentile) / 100.0
    lower = spec.cap_percentile if spec.lower_cap_percentile is None else spec.lower_cap_percentile
    params["p_lower"] = 1.0 - float(lower) / 100.0
    threshold_cols = []
    replace_cols = []
    for m in CAPPED_METRICS:
        threshold_cols.append(
            f"quantile_cont({m}, $p_upper) FILTER ({observed} AND {m} > 0) AS {m}__upper"
        )
        threshold_cols.append(
            f"quantile_cont({m}, $p_lower) FILTER ({observed} AND {m} < 0) AS {m}__lower"
        )
        replace_cols.append(
            f"least(greatest({m}, coalesce(c.{m}__lower, {m})), coalesce(c.{m}__upper, {m})) AS {m}"
        )
    return f"""
    caps AS (
        SELECT {", ".join(threshold_cols)} FROM per_customer
    ),
    capped AS (
        SELECT p.* REPLACE ({", ".join(replace_cols)}) FROM per_customer p CROSS JOIN caps c
    )"""  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters


def _stat_columns(spec: QuerySpec) -> list[str]:
    observed = "followup_days >= $h_main"
    cols = [
        "count(*) AS n_all",
        "sum(extra_assignments) AS extra_assignments",
        "sum(tx_before_first_seen) AS tx_before_first_seen",
        "count(*) FILTER (followup_days <= 0) AS assigned_after_data_end",
        "any_value(cost_per_customer) AS cost_per_customer",
        f"sum(discount) FILTER ({observed}) AS discount__sum",
        f"avg(pre_recency_days) FILTER ({observed}) AS pre_recency_days__mean",
    ]
    for i, _ in enumerate(spec.horizons):
        horizon = int(spec.horizons[i])
        cols.append(f"count(*) FILTER (followup_days >= $h{i}) AS n_{horizon}")
        cols.append(
            f"sum(repeat_{horizon}) FILTER (followup_days >= $h{i}) AS repeat_{horizon}__sum"
        )
    for cov in COVARIATES:
        cols.append(f"sum({cov}) AS {cov}_all__sum")
        cols.append(f"sum({cov} * {cov}) AS {cov}_all__sumsq")
        cols.append(f"sum({cov}) FILTER ({observed}) AS {cov}__sum")
        cols.append(f"sum({cov} * {cov}) FILTER ({observed}) AS {cov}__sumsq")
    for m in HORIZON_METRICS:
        cov = COVARIATE_OF[m]
        cols.append(f"sum({m}) FILTER ({observed}) AS {m}__sum")
        cols.append(f"sum({m} * {m}) FILTER ({observed}) AS {m}__sumsq")
        cols.append(f"sum({m} * {cov}) FILTER ({observed}) AS {m}__cross")
    for b, _ in enumerate(spec.bucket_ends):
        cols.append(f"count(*) FILTER (followup_days >= $b{b}) AS n_b{b}")
        for name in ("bucket", "cum_net"):
            value = f"{name}_b{b}"
            cols.append(f"sum({value}) FILTER (followup_days >= $b{b}) AS {value}__sum")
            cols.append(f"sum({value} * {value}) FILTER (followup_days >= $b{b}) AS {value}__sumsq")
    return cols


def experiment_aggregates(cur: Cursor, spec: QuerySpec) -> Aggregates:
    """Run THE aggregation query for one experiment (see the module docstring).

    Everything per customer stays inside DuckDB; what comes back is a row per arm, per
    (segment, arm) and a follow-up histogram, so the cost is one pass over the transactions of
    the assigned customers regardless of how many customers there are.
    """
    params: dict[str, object] = {}
    ctes = ",".join(
        [
            _assigned_and_joined(spec, params),
            _per_customer(spec, params, with_ids=False),
            _capped(spec, params),
        ]
    )
    stats = ",\n           ".join(_stat_columns(spec))
    caps_cols = (
        ", ".join(f"c.{m}__lower, c.{m}__upper" for m in CAPPED_METRICS) if spec.cap else "1"
    )
    sql = f"""
    WITH {ctes}
    SELECT 'arm' AS grain, arm_id,
           CASE WHEN grouping(pre_period_segment) = 0 THEN 'pre_period'
                WHEN grouping(stratum) = 0 THEN 'stratum'
                WHEN grouping(attribute_segment) = 0 THEN 'attribute' END AS kind,
           coalesce(pre_period_segment, stratum, attribute_segment) AS segment_value,
           {stats}
    FROM capped
    GROUP BY GROUPING SETS ((arm_id), (arm_id, pre_period_segment), (arm_id, stratum),
                            (arm_id, attribute_segment))
    UNION ALL BY NAME
    SELECT 'survival' AS grain, arm_id,
           coalesce(first_purchase_days <= followup, false) AS event,
           CASE WHEN first_purchase_days <= followup THEN ceil(first_purchase_days)
                ELSE floor(followup) END::BIGINT AS duration_days,
           count(*) AS customers
    FROM (SELECT *, least(followup_days, $max_days) AS followup FROM per_customer)
    WHERE followup_days > 0
    GROUP BY ALL
    UNION ALL BY NAME
    SELECT 'bounds' AS grain, strftime(first_ts, '%Y-%m-%d %H:%M:%S') AS first_ts_text,
           strftime(last_ts, '%Y-%m-%d %H:%M:%S') AS last_ts_text
    FROM bounds
    UNION ALL BY NAME
    SELECT 'caps' AS grain, {caps_cols} FROM caps c
    """  # noqa: S608 - only whitelisted fragments are formatted in; values are parameters
    frame = cur.execute(sql, params).df()
    return _split(frame, spec)


def _split(frame: pd.DataFrame, spec: QuerySpec) -> Aggregates:
    bounds = frame[frame["grain"] == "bounds"]
    first_ts = last_ts = None
    if not bounds.empty:
        first_ts = _text_or_none(bounds["first_ts_text"].iloc[0])
        last_ts = _text_or_none(bounds["last_ts_text"].iloc[0])
    caps: dict[str, tuple[float | None, float | None]] = {}
    cap_rows = frame[frame["grain"] == "caps"]
    if spec.cap and not cap_rows.empty:
        row = cap_rows.iloc[0]
        for m in CAPPED_METRICS:
            caps[m] = (_float_or_none(row[f"{m}__lower"]), _float_or_none(row[f"{m}__upper"]))
    grouped = frame[frame["grain"] == "arm"]
    arms = grouped[grouped["kind"].isna()].drop(columns=["kind", "segment_value"])
    segments = grouped[grouped["kind"].notna() & grouped["segment_value"].notna()]
    segments = segments.assign(segment_kind=segments["kind"], segment=segments["segment_value"])
    survival = frame[frame["grain"] == "survival"][
        ["arm_id", "event", "duration_days", "customers"]
    ]
    stat_cols = [
        c
        for c in arms.columns
        if ("__" in c or c.startswith("n_") or c in _CHECK_COLUMNS)
        and not c.endswith(("__upper", "__lower"))
    ]
    arms = arms[["arm_id", *stat_cols]].sort_values("arm_id").reset_index(drop=True)
    segments = (
        segments[["segment_kind", "segment", "arm_id", *stat_cols]]
        .sort_values(["segment_kind", "segment", "arm_id"])
        .reset_index(drop=True)
    )
    survival = survival.astype(
        {"arm_id": "int64", "event": "bool", "duration_days": "int64", "customers": "int64"}
    ).reset_index(drop=True)
    return Aggregates(first_ts, last_ts, arms, segments, survival, caps)


def _text_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def _float_or_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type,call-overload]


def customer_frame(cur: Cursor, spec: QuerySpec) -> pd.DataFrame:
    """Per-customer window metrics (uncapped) for one experiment: one row per assigned customer.

    For what cannot work from sums (bootstrap, exact checks in tests). Same CTEs as
    `experiment_aggregates`, so the two can never disagree on a definition.
    """
    params: dict[str, object] = {}
    ctes = ",".join(
        [_assigned_and_joined(spec, params), _per_customer(spec, params, with_ids=True)]
    )
    sql = f"WITH {ctes} SELECT * FROM per_customer ORDER BY customer_id"  # noqa: S608
    return cur.execute(sql, params).df()


def experiment_settings(cur: Cursor, experiment_id: int) -> dict[str, object]:
    """The experiment's free-form settings (JSON column), e.g. its own margin_rate; {} if none."""
    row = cur.execute(
        "SELECT settings FROM experiments WHERE experiment_id = ?", [int(experiment_id)]
    ).fetchone()
    if not row or row[0] is None:
        return {}
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return dict(value) if isinstance(value, dict) else {}
