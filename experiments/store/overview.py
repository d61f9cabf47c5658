"""What is in the store: counts, date range, monthly revenue, experiments. Small frames only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

import pandas as pd

from experiments.store import Cursor


@dataclass(frozen=True)
class StoreStats:
    """Headline numbers of the store.

    Attributes:
        customers: customers known to the store (from transactions or attribute uploads).
        transactions: transaction rows, refunds included.
        experiments: experiments in any status.
        first_ts: earliest transaction time, ISO text, or None without transactions.
        last_ts: latest transaction time, ISO text, or None.
        revenue: sum of transaction amounts (refunds subtract).
        buyers: customers with at least one transaction.
        repeat_buyers: customers with purchases on at least two distinct days.
        campaign_result_rows: per-customer rows from uploaded campaign result files.
        uploads: files loaded (audit entries).
    """

    customers: int
    transactions: int
    experiments: int
    first_ts: str | None
    last_ts: str | None
    revenue: float
    buyers: int
    repeat_buyers: int
    campaign_result_rows: int
    uploads: int

    @property
    def repeat_share(self) -> float | None:
        """Share of buyers who came back on another day; None without buyers."""
        return self.repeat_buyers / self.buyers if self.buyers else None

    def as_json(self) -> dict[str, object]:
        return {
            "customers": self.customers,
            "transactions": self.transactions,
            "experiments": self.experiments,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "revenue": round(self.revenue, 2),
            "buyers": self.buyers,
            "repeat_buyers": self.repeat_buyers,
            "repeat_share": self.repeat_share,
            "campaign_result_rows": self.campaign_result_rows,
            "uploads": self.uploads,
        }


def store_stats(cur: Cursor) -> StoreStats:
    row = cur.execute(
        """
        WITH per_customer AS (
            SELECT customer_id, count(DISTINCT CAST(ts AS DATE)) AS days
            FROM transactions GROUP BY customer_id
        )
        SELECT
            (SELECT count(*) FROM customers),
            (SELECT count(*) FROM transactions),
            (SELECT count(*) FROM experiments),
            (SELECT min(ts) FROM transactions),
            (SELECT max(ts) FROM transactions),
            (SELECT coalesce(sum(amount), 0) FROM transactions),
            (SELECT count(*) FROM per_customer),
            (SELECT count(*) FROM per_customer WHERE days >= 2),
            (SELECT count(DISTINCT (upload_id, row_no)) FROM campaign_results),
            (SELECT count(*) FROM uploads)
        """
    ).fetchone()
    assert row is not None
    return StoreStats(
        customers=int(row[0]),
        transactions=int(row[1]),
        experiments=int(row[2]),
        first_ts=row[3].isoformat(sep=" ") if row[3] is not None else None,
        last_ts=row[4].isoformat(sep=" ") if row[4] is not None else None,
        revenue=float(row[5]),
        buyers=int(row[6]),
        repeat_buyers=int(row[7]),
        campaign_result_rows=int(row[8]),
        uploads=int(row[9]),
    )


def monthly_activity(cur: Cursor) -> pd.DataFrame:
    """Revenue, orders and active customers per calendar month (columns: month, revenue, ...)."""
    return cur.execute(
        """
        SELECT date_trunc('month', ts)::DATE AS month,
               sum(amount) AS revenue,
               count(*) AS orders,
               count(DISTINCT customer_id) AS customers
        FROM transactions
        GROUP BY ALL
        ORDER BY month
        """
    ).df()


RESULTS_FILE_SOURCE = "results_file"  # experiments.source of one made from a result file
DEMO_SOURCE = "demo"  # experiments.source of the seeded demo experiment
# experiments.settings key: a list's or a result file's planned split was not given (`--split`)
# and is the equal one (`experiment.planned_split`); the arms' allocation holds the plan
SPLIT_ASSUMED_EQUAL = "split_assumed_equal"


def holds_own_data(cur: Cursor) -> bool:
    """The store holds something besides the seeded demo: an upload or an experiment of the
    user's (replacing the store with the demo would lose it)."""
    row = cur.execute(
        "SELECT (SELECT count(*) FROM uploads WHERE kind <> 'demo')"
        " + (SELECT count(*) FROM experiments WHERE source <> ?)",
        [DEMO_SOURCE],
    ).fetchone()
    return bool(row and int(row[0]) > 0)


class ExperimentRow(NamedTuple):
    """One row of `experiments` as stored, with its customer count (see `experiment.from_rows`).

    Attributes:
        experiment_id, name, status, hypothesis, salt, primary_metric, horizon_days, source:
            the columns of that name.
        settings: the settings column: JSON text, or None.
        created_at, started_at, ended_at: the lifecycle times (None until they happen).
        customers: customers assigned; when nobody is, the rows of its campaign result files
            (one per customer; results attached to a list are the same customers again).
    """

    experiment_id: int
    name: str
    status: str
    hypothesis: str | None
    salt: str | None
    primary_metric: str | None
    horizon_days: int | None
    source: str
    settings: str | None
    created_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    customers: int


class ArmRow(NamedTuple):
    """One row of `arms` as stored: the columns of that name, params as JSON text or None."""

    experiment_id: int
    arm_id: int
    name: str
    kind: str
    allocation: float
    discount_pct: float | None
    redemption_share: float | None
    cost_per_customer: float | None
    params: str | None


def experiment_rows(cur: Cursor, experiment_id: int | None = None) -> list[ExperimentRow]:
    """The experiment `experiment_id`, or every experiment, in id order."""
    rows = cur.execute(
        """
        SELECT e.experiment_id, e.name, e.status, e.hypothesis, e.salt, e.primary_metric,
               e.horizon_days, e.source, CAST(e.settings AS VARCHAR), e.created_at,
               e.started_at, e.ended_at,
               coalesce(
                   nullif((SELECT count(*) FROM assignments a
                           WHERE a.experiment_id = e.experiment_id), 0),
                   (SELECT count(DISTINCT (r.upload_id, r.row_no)) FROM campaign_results r
                    WHERE r.experiment_id = e.experiment_id)
               )
        FROM experiments e
        WHERE CAST($id AS BIGINT) IS NULL OR e.experiment_id = CAST($id AS BIGINT)
        ORDER BY e.experiment_id
        """,
        {"id": experiment_id},
    ).fetchall()
    return [ExperimentRow(*row) for row in rows]


def arm_rows(cur: Cursor, experiment_id: int | None = None) -> list[ArmRow]:
    """The arms of experiment `experiment_id`, or of every experiment, by experiment and arm."""
    rows = cur.execute(
        """
        SELECT experiment_id, arm_id, name, kind, allocation, discount_pct, redemption_share,
               cost_per_customer, CAST(params AS VARCHAR)
        FROM arms
        WHERE CAST($id AS BIGINT) IS NULL OR experiment_id = CAST($id AS BIGINT)
        ORDER BY experiment_id, arm_id
        """,
        {"id": experiment_id},
    ).fetchall()
    return [ArmRow(*row) for row in rows]


def experiment_id_named(cur: Cursor, name: str) -> int | None:
    """The id of the experiment with exactly this name, or None."""
    row = cur.execute("SELECT experiment_id FROM experiments WHERE name = ?", [name]).fetchone()
    return int(row[0]) if row else None


def observed_days(
    cur: Cursor, experiment_id: int, data_end: datetime | Literal["store"] | None = "store"
) -> int | None:
    """Whole days of data after the experiment's last assignment: the longest horizon that
    every assigned customer is observed for. None without assignments or transactions, or
    when the last assignment is after the data's end.

    Args:
        data_end: the last transaction's time (naive UTC) when the transactions are read from
            a source (`source_engine.data_end`; None: the source has none); "store": the
            store's own transactions.
    """
    return all_observed_days(cur, experiment_id, data_end).get(int(experiment_id))


def all_observed_days(
    cur: Cursor,
    experiment_id: int | None = None,
    data_end: datetime | Literal["store"] | None = "store",
) -> dict[int, int | None]:
    """`observed_days` of one experiment, or of every experiment with assignments."""
    end = (
        "(SELECT max(ts) FROM transactions)"
        if data_end == "store"
        else "CAST($data_end AS TIMESTAMP)"
    )
    params: dict[str, object] = {"experiment_id": experiment_id}
    if data_end != "store":
        params["data_end"] = data_end
    rows = cur.execute(
        f"""
        SELECT experiment_id,
               floor(date_diff('second', max(assigned_at), {end}) / 86400)::BIGINT
        FROM assignments
        WHERE $experiment_id IS NULL OR experiment_id = $experiment_id
        GROUP BY experiment_id
        """,  # noqa: S608 - one of two fixed fragments; the time is a parameter
        params,
    ).fetchall()
    return {
        int(exp_id): int(days) if days is not None and days >= 1 else None for exp_id, days in rows
    }


def upload_history(cur: Cursor) -> pd.DataFrame:
    return cur.execute(
        """
        SELECT upload_id, file_name, kind, rows, loaded_at, status, message, sha256
        FROM uploads ORDER BY upload_id DESC
        """
    ).df()
