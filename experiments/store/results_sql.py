"""SQL over stored campaign results: an experiment's result fields, and its rows in wide form.

`campaign_results` keeps one row per file cell (long format), so files with any columns fit
one table. Analysis needs the file's shape back: one row per file row with an arm and numeric
metric columns. Field names come from uploaded headers, so they never reach SQL as text: they
are bound as parameters for filtering, and the output column aliases are built only from
names `result_fields` returned for this experiment (the whitelist), through `quote_identifier`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd

from experiments.store import Cursor, StoreError, quote_identifier

ARM_COLUMN = "arm"


class ResultField(NamedTuple):
    """One column of an experiment's result file(s).

    Attributes:
        field: the column name as it was loaded.
        numeric: every present cell is a (finite) number, and at least one is present; only
            such fields can be metrics or covariates.
        binary: numeric and every value is 0 or 1 (a rate metric such as conversion).
        non_null: cells that hold a value (number or text).
    """

    field: str
    numeric: bool
    binary: bool
    non_null: int


class ResultUpload(NamedTuple):
    """One result file loaded into the experiment.

    Attributes:
        upload_id: the upload's id.
        file_name: the name the file was loaded under.
        rows: data rows in the file.
        loaded_at: when it was loaded, as ISO text.
    """

    upload_id: int
    file_name: str
    rows: int
    loaded_at: str


def _field_order(cur: Cursor, experiment_id: int) -> list[str]:
    """The file's column order, as the creating upload recorded it in the experiment settings."""
    row = cur.execute(
        "SELECT settings FROM experiments WHERE experiment_id = ?", [experiment_id]
    ).fetchone()
    if not row or not row[0]:
        return []
    try:
        settings = json.loads(row[0])
    except (TypeError, ValueError):
        return []
    fields = settings.get("result_fields") if isinstance(settings, dict) else None
    return [str(f) for f in fields] if isinstance(fields, list) else []


def result_fields(cur: Cursor, experiment_id: int) -> list[ResultField]:
    """Every field loaded for the experiment, in the file's column order, with its type.

    A field with any text cell is not numeric (the loader keeps unparseable and non-finite
    cells as text), so one stray "n/a" keeps a column out of the metrics rather than silently
    dropping that row.
    """
    rows = cur.execute(
        """
        SELECT field,
               count(value) > 0 AND count(text) = 0 AS numeric,
               count(value) > 0 AND count(text) = 0
                   AND count(*) FILTER (WHERE value NOT IN (0, 1)) = 0 AS binary,
               count(value) + count(text) AS cells
        FROM campaign_results
        WHERE experiment_id = ?
        GROUP BY field
        """,
        [experiment_id],
    ).fetchall()
    order = {name: i for i, name in enumerate(_field_order(cur, experiment_id))}
    fields = [ResultField(str(f), bool(n), bool(b), int(c)) for f, n, b, c in rows]
    return sorted(fields, key=lambda f: (order.get(f.field, len(order)), f.field))


def result_uploads(cur: Cursor, experiment_id: int) -> list[ResultUpload]:
    """The result files loaded into the experiment, oldest first: where the numbers came from."""
    rows = cur.execute(
        """
        SELECT upload_id, file_name, rows, strftime(loaded_at, '%Y-%m-%d %H:%M')
        FROM uploads
        WHERE experiment_id = ? AND kind = 'results'
        ORDER BY upload_id
        """,
        [experiment_id],
    ).fetchall()
    return [ResultUpload(int(u), str(f), int(r), str(t)) for u, f, r, t in rows]


class ArmMatch(NamedTuple):
    """How a result file's rows meet the experiment's own assignments.

    Attributes:
        rows: result rows (file rows) of the experiment.
        matched: rows whose customer the experiment assigned.
        relabelled: matched rows whose arm label in the file differs from the assigned arm.
        unknown: rows with a customer the experiment never assigned (left out).
        by_assignment: the arms come from the assignments (the experiment assigned customers
            and the file names them); else from the file's arm column.
    """

    rows: int
    matched: int
    relabelled: int
    unknown: int
    by_assignment: bool


_ASSIGNED_ARM = """
    assigned AS (
        SELECT a.customer_id, arg_min(ar.name, a.assigned_at) AS arm
        FROM assignments a
        JOIN arms ar ON ar.experiment_id = a.experiment_id AND ar.arm_id = a.arm_id
        WHERE a.experiment_id = $experiment_id
        GROUP BY a.customer_id
    )"""


def arm_match(cur: Cursor, experiment_id: int) -> ArmMatch:
    """Whether the experiment's assignments give the arms of its result rows, and how many
    rows disagree with them: the arms, costs and plan come from the experiment, the outcomes
    from the file."""
    row = cur.execute(
        f"""
        WITH {_ASSIGNED_ARM.strip()},
        file_rows AS (
            SELECT upload_id, row_no, any_value(customer_id) AS customer_id, any_value(arm) AS arm
            FROM campaign_results WHERE experiment_id = $experiment_id
            GROUP BY upload_id, row_no
        )
        SELECT count(*), count(s.arm), count(*) FILTER (WHERE s.arm IS NOT NULL
                   AND s.arm <> r.arm),
               count(*) FILTER (WHERE r.customer_id IS NOT NULL AND s.arm IS NULL),
               (SELECT count(*) FROM assigned)
        FROM file_rows r LEFT JOIN assigned s ON s.customer_id = r.customer_id
        """,  # noqa: S608 - fixed fragments only
        {"experiment_id": experiment_id},
    ).fetchone()
    rows, matched, relabelled, unknown, assigned = (int(v or 0) for v in (row or (0,) * 5))
    return ArmMatch(rows, matched, relabelled, unknown, assigned > 0 and matched > 0)


def result_frame(
    cur: Cursor, experiment_id: int, fields: Sequence[str], *, by_assignment: bool = False
) -> pd.DataFrame:
    """One row per file row (upload_id, row_no): the arm, then each requested numeric field.

    With `by_assignment` (see `arm_match`) the arm is the one the experiment assigned the row's
    customer to, and rows of customers it never assigned are left out.

    Rows come back in file order (upload, then row). A row missing a field (a second upload
    without that column) has NULL there, so per-metric counts use only rows that have it while
    arm sizes count every row.

    Raises:
        StoreError: a requested field is not a numeric field of this experiment, or is named
            like the arm column.
    """
    numeric = {f.field for f in result_fields(cur, experiment_id) if f.numeric}
    wanted = list(dict.fromkeys(fields))
    bad = [f for f in wanted if f not in numeric or f == ARM_COLUMN]
    if bad:
        raise StoreError(
            f"Not a numeric result field of this experiment: {', '.join(map(repr, bad))}.",
            "store.error.not_result_field",
            fields=", ".join(map(repr, bad)),
        )
    params: dict[str, object] = {"experiment_id": experiment_id, "fields": wanted}
    columns = ["any_value(customer_id) AS customer_id", "arm AS file_arm"]
    names = []
    for i, name in enumerate(wanted):
        params[f"f{i}"] = name
        columns.append(f"max(value) FILTER (WHERE field = $f{i}) AS {quote_identifier(name)}")
        names.append(f"r.{quote_identifier(name)}")
    if by_assignment:  # the experiment's arms; customers it never assigned are left out
        arm, join, keep = "s.arm", "JOIN assigned s ON s.customer_id = r.customer_id", ""
    else:
        arm, join, keep = "r.file_arm", "", ""
    sql = (
        f"WITH {_ASSIGNED_ARM.strip()}, r AS ("  # noqa: S608 - whitelisted names
        f" SELECT upload_id, row_no, {', '.join(columns)} FROM campaign_results"
        " WHERE experiment_id = $experiment_id"
        "   AND (len(CAST($fields AS VARCHAR[])) = 0"
        "        OR list_contains(CAST($fields AS VARCHAR[]), field))"
        " GROUP BY upload_id, row_no, arm)"
        f" SELECT {arm} AS {quote_identifier(ARM_COLUMN)}"
        + "".join(f", {n}" for n in names)
        + f" FROM r {join}{keep} ORDER BY r.upload_id, r.row_no"
    )
    return cur.execute(sql, params).df()
