"""What is in the store: counts, date range, monthly revenue, experiments. Small frames only."""

from __future__ import annotations

import json
from dataclasses import dataclass

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


def holds_own_data(cur: Cursor) -> bool:
    """The store holds something besides the seeded demo: an upload or an experiment of the
    user's (replacing the store with the demo would lose it)."""
    row = cur.execute(
        "SELECT (SELECT count(*) FROM uploads WHERE kind <> 'demo')"
        " + (SELECT count(*) FROM experiments WHERE source <> ?)",
        [DEMO_SOURCE],
    ).fetchone()
    return bool(row and int(row[0]) > 0)


def list_experiments(cur: Cursor) -> list[dict[str, object]]:
    """Experiments with their arms and customers (assigned, or rows of a campaign result file),
    as `list --json` prints them; `archived` and `demo` say which are out of the way / the
    seeded demo."""
    experiments = cur.execute(
        """
        SELECT e.experiment_id, e.name, e.status, e.primary_metric, e.horizon_days,
               e.source, e.started_at, e.ended_at,
               coalesce(TRY_CAST(json_extract(e.settings, '$.archived') AS BOOLEAN), false),
               -- the customers assigned; a campaign result file's are its rows (one per
               -- customer), counted only when nobody is assigned (results attached to a list
               -- are the same customers again)
               coalesce(
                   nullif((SELECT count(*) FROM assignments a
                           WHERE a.experiment_id = e.experiment_id), 0),
                   (SELECT count(DISTINCT (r.upload_id, r.row_no)) FROM campaign_results r
                    WHERE r.experiment_id = e.experiment_id)
               )
        FROM experiments e ORDER BY e.experiment_id
        """
    ).fetchall()
    arms = cur.execute(
        """
        SELECT experiment_id, arm_id, name, kind, allocation, discount_pct, redemption_share,
               cost_per_customer, params
        FROM arms ORDER BY experiment_id, arm_id
        """
    ).fetchall()
    by_experiment: dict[int, list[dict[str, object]]] = {}
    for exp_id, arm_id, name, kind, allocation, pct, redemption, cost, params in arms:
        by_experiment.setdefault(int(exp_id), []).append(
            {
                "arm_id": int(arm_id),
                "name": name,
                "kind": kind,
                "allocation": float(allocation),
                "discount_pct": float(pct),
                "redemption_share": float(redemption),
                "cost_per_customer": float(cost),
                "params": json.loads(params) if params else {},
            }
        )
    return [
        {
            "id": int(exp_id),
            "name": name,
            "status": status,
            "primary_metric": metric,
            "horizon_days": int(horizon),
            "source": source,
            "started_at": started.isoformat(sep=" ") if started else None,
            "ended_at": ended.isoformat(sep=" ") if ended else None,
            "arms": by_experiment.get(int(exp_id), []),
            "customers": int(customers),
            "archived": bool(archived),
            "demo": source == DEMO_SOURCE,
        }
        for (exp_id, name, status, metric, horizon, source, started, ended, archived,
             customers) in experiments
    ]  # fmt: skip


def find_experiment(cur: Cursor, key: str | int) -> dict[str, object] | None:
    """An experiment by id or by name (as `list --json` shows them), or None.

    The one lookup rule, used by the CLI, the pages, the analysis and the share links:

    - an `int` is an id (links carry ids: `experiment_from_link` turns their digits into one);
    - a `str` is what a person typed: the experiment of that name (surrounding spaces
      ignored) when there is one, else, when it is all ASCII digits, the one with that id.

    So an experiment named "1" is found by its name, and id 1 stays reachable as an int or,
    when no experiment is named "1", as the text "1".
    """
    experiments = list_experiments(cur)
    if not isinstance(key, str):  # int, numpy integer
        return next((e for e in experiments if e["id"] == int(key)), None)
    text = key.strip()  # names are stored stripped
    named = next((e for e in experiments if e["name"] in (key, text)), None)
    if named is not None:
        return named
    if text.isascii() and text.isdigit() and len(text) <= 18:  # int('9' * 5000) raises
        return next((e for e in experiments if e["id"] == int(text)), None)
    return None


def experiment_from_link(cur: Cursor, value: str | None) -> dict[str, object] | None:
    """The experiment a link's `experiment=` value names: all ASCII digits are an id.

    Links made by the app carry ids; a value with other characters (a link from before ids)
    is looked up as a name.
    """
    if value is None:
        return None
    if value.isascii() and value.isdigit():
        return find_experiment(cur, int(value)) if len(value) <= 18 else None
    return find_experiment(cur, value)


def observed_days(cur: Cursor, experiment_id: int) -> int | None:
    """Whole days of data after the experiment's last assignment: the longest horizon that
    every assigned customer is observed for. None without assignments or transactions, or
    when the last assignment is after the data's end."""
    return _observed_days(cur, experiment_id).get(int(experiment_id))


def _observed_days(cur: Cursor, experiment_id: int | None = None) -> dict[int, int | None]:
    """`observed_days` of one experiment, or of every experiment with assignments."""
    rows = cur.execute(
        """
        SELECT experiment_id,
               floor(date_diff('second', max(assigned_at),
                               (SELECT max(ts) FROM transactions)) / 86400)::BIGINT
        FROM assignments
        WHERE $experiment_id IS NULL OR experiment_id = $experiment_id
        GROUP BY experiment_id
        """,
        {"experiment_id": experiment_id},
    ).fetchall()
    return {
        int(exp_id): int(days) if days is not None and days >= 1 else None for exp_id, days in rows
    }


@dataclass(frozen=True)
class HorizonProgress:
    """How far an experiment's data reaches against its planned horizon.

    Attributes:
        status: the experiment's status (draft, running, completed).
        horizon_days: the planned horizon.
        observed_days: the longest horizon every assigned customer is observed for
            (`observed_days`), or None without data after the last assignment.
    """

    status: str
    horizon_days: int
    observed_days: int | None

    @property
    def fully_observed(self) -> bool:
        """Every customer is observed for the whole planned horizon: ready to read."""
        return self.observed_days is not None and self.observed_days >= self.horizon_days

    @property
    def reading(self) -> str:
        """How far the data reaches, in a few words: 'day 21 of 60' or 'ready to read'."""
        if self.status == "draft":
            return "not started"
        if self.fully_observed:
            return f"ready to read: the planned {self.horizon_days} days are observed"
        if self.observed_days is None:
            return "no data after the assignment yet"
        return f"day {self.observed_days} of {self.horizon_days}"

    @property
    def text(self) -> str:
        """The status line: 'running, day 21 of 60', or past the planned horizon 'running,
        day 88: the planned 60 days are observed — ready to read'."""
        if self.status != "running" or self.observed_days is None:
            return self.status
        if self.fully_observed:
            return (
                f"running, day {self.observed_days}: the planned {self.horizon_days} days are "
                "observed — ready to read"
            )
        return f"running, day {self.observed_days} of {self.horizon_days}"


def horizon_progress(experiment: dict[str, object], observed: int | None) -> HorizonProgress:
    """An experiment (as `list_experiments` gives it) against its planned horizon, given its
    `observed_days`."""
    return HorizonProgress(
        str(experiment.get("status")),
        int(experiment.get("horizon_days") or 0),  # type: ignore[call-overload]
        observed,
    )


def experiments_table(cur: Cursor) -> pd.DataFrame:
    """Every experiment on one line: status, size, levers and how far its data reaches.

    `progress` is the share of the planned horizon that every customer is observed for
    (capped at 1); None for campaign result files, whose outcomes come measured. `reading`
    says the same in words (`HorizonProgress.reading`), e.g. 'ready to read: the planned 60
    days are observed'.
    """
    observed = _observed_days(cur)
    rows = []
    for e in list_experiments(cur):
        days = observed.get(int(e["id"]))  # type: ignore[call-overload]
        from_file = e["source"] == RESULTS_FILE_SOURCE
        horizon = int(e["horizon_days"])  # type: ignore[call-overload]
        progress = horizon_progress(e, days)
        rows.append(
            {
                "experiment": e["name"],
                "status": e["status"],
                "started": str(e["started_at"] or "")[:10] or None,
                "customers": e["customers"],
                "levers": ", ".join(
                    str(a["name"])
                    for a in e["arms"]  # type: ignore[attr-defined]
                    if a["kind"] != "control"
                ),
                "horizon_days": None if from_file else horizon,
                "observed_days": None if from_file else days,
                "progress": None if from_file else min((days or 0) / max(horizon, 1), 1.0),
                "reading": "measured (campaign result file)" if from_file else progress.reading,
            }
        )
    columns = ["experiment", "status", "started", "customers", "levers", "horizon_days",
               "observed_days", "progress", "reading"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def upload_history(cur: Cursor) -> pd.DataFrame:
    return cur.execute(
        """
        SELECT upload_id, file_name, kind, rows, loaded_at, status, message, sha256
        FROM uploads ORDER BY upload_id DESC
        """
    ).df()
