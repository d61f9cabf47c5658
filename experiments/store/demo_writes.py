"""SQL for seeding the demo data set: wipe the data tables, audit row, experiment, Arrow batches.

Every function takes the cursor of an open `Store.transaction()`, so the caller decides what is
one all-or-nothing write (the demo wipes and re-fills the store in one transaction).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import pyarrow as pa

from experiments.store import Cursor, quote_identifier

DemoTable = Literal["customers", "customer_attributes", "transactions", "assignments"]
DATA_TABLES = (
    "known_effects",
    "campaign_results",
    "assignments",
    "arms",
    "experiments",
    "transactions",
    "customer_attributes",
    "customers",
    "uploads",
)  # everything except meta: the schema and the store version survive a wipe
_APPENDABLE: tuple[DemoTable, ...] = (
    "customers",
    "customer_attributes",
    "transactions",
    "assignments",
)


def wipe_data(cur: Cursor) -> None:
    """Delete every row of the data tables (not meta), inside the caller's transaction."""
    for table in DATA_TABLES:
        cur.execute(f"DELETE FROM {quote_identifier(table)}")  # noqa: S608 - fixed whitelist


def holds_data(cur: Cursor) -> bool:
    """True when transactions, experiments or campaign results exist (as Store.is_empty)."""
    row = cur.execute(
        "SELECT (SELECT count(*) FROM transactions) + (SELECT count(*) FROM experiments)"
        " + (SELECT count(*) FROM campaign_results)"
    ).fetchone()
    return bool(row and int(row[0]) > 0)


def insert_upload(
    cur: Cursor,
    *,
    file_name: str,
    sha256: str,
    kind: str,
    target_table: str,
    loaded_at: datetime,
    status: str,
) -> int:
    """An audit row with rows = 0 (set by `finish_upload`); returns its new upload_id."""
    row = cur.execute(
        """
        INSERT INTO uploads (upload_id, file_name, sha256, kind, target_table, rows, loaded_at,
                             status)
        VALUES (nextval('upload_id_seq'), ?, ?, ?, ?, 0, ?, ?)
        RETURNING upload_id
        """,
        [file_name, sha256, kind, target_table, loaded_at, status],
    ).fetchone()
    assert row is not None
    return int(row[0])


def finish_upload(
    cur: Cursor, upload_id: int, *, rows: int, message: str, experiment_id: int | None
) -> None:
    cur.execute(
        "UPDATE uploads SET rows = ?, message = ?, experiment_id = ? WHERE upload_id = ?",
        [rows, message, experiment_id, upload_id],
    )


def insert_experiment(
    cur: Cursor,
    *,
    name: str,
    status: str,
    hypothesis: str,
    salt: str,
    primary_metric: str,
    horizon_days: int,
    source: str,
    settings: dict[str, object],
    created_at: datetime,
    started_at: datetime,
    ended_at: datetime,
) -> int:
    """An experiment row; returns its new experiment_id."""
    row = cur.execute(
        """
        INSERT INTO experiments (experiment_id, name, status, hypothesis, salt, primary_metric,
                                 horizon_days, source, settings, created_at, started_at,
                                 ended_at)
        VALUES (nextval('experiment_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        RETURNING experiment_id
        """,
        [
            name,
            status,
            hypothesis,
            salt,
            primary_metric,
            horizon_days,
            source,
            json.dumps(settings),
            created_at,
            started_at,
            ended_at,
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def insert_arm(
    cur: Cursor,
    *,
    experiment_id: int,
    arm_id: int,
    name: str,
    kind: str,
    allocation: float,
    discount_pct: float,
    redemption_share: float,
    cost_per_customer: float,
    params: dict[str, object],
) -> None:
    cur.execute(
        """
        INSERT INTO arms (experiment_id, arm_id, name, kind, allocation, discount_pct,
                          redemption_share, cost_per_customer, params)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            experiment_id,
            arm_id,
            name,
            kind,
            allocation,
            discount_pct,
            redemption_share,
            cost_per_customer,
            json.dumps(params),
        ],
    )


def insert_known_effects(
    cur: Cursor, experiment_id: int, rows: Sequence[tuple[str, str, int, float]]
) -> None:
    """True effects as (arm name, metric, horizon_days, true_value) rows."""
    if not rows:
        return
    cur.executemany(
        "INSERT INTO known_effects VALUES (?, ?, ?, ?, ?)",
        [(experiment_id, arm, metric, horizon, value) for arm, metric, horizon, value in rows],
    )


def append_batch(cur: Cursor, table: DemoTable, batch: pa.Table) -> None:
    """Append an Arrow batch whose column names match the table's (missing ones get defaults)."""
    if table not in _APPENDABLE:
        raise ValueError(f"not an appendable table: {table!r}")
    # A relation's virtual table, not cur.register(): a registered object stays referenced by
    # the cursor until the transaction ends, which would hold every chunk in memory.
    target = quote_identifier(table)
    statement = f"INSERT INTO {target} BY NAME SELECT * FROM demo_batch"  # noqa: S608 - whitelist
    cur.from_arrow(batch).query("demo_batch", statement)
