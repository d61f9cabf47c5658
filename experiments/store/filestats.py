"""SQL for analysing one results file: per-arm sufficient statistics and pooled capping thresholds.

The file (CSV, Parquet, XLSX or an in-memory DataFrame) is exposed as the view `file_rows` on a
private in-memory DuckDB connection. Column names come from the file's own header and are only
used after `file_columns` confirmed they exist (the whitelist), always via `quote_identifier`;
thresholds and labels are bound as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.stats import CapRule, SampleStats
from experiments.store import Cursor, StoreError, capping, quote_identifier

FILE_VIEW = "file_rows"
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


def load_source(cur: Cursor, source: pd.DataFrame | str | Path) -> list[str]:
    """Expose a DataFrame or file as the view `file_rows`; return its column names.

    CSV and Parquet go through DuckDB's own readers (type sniffing, no pandas copy). XLSX is read
    with pandas/openpyxl because DuckDB's excel extension may not be installable offline.
    """
    if isinstance(source, pd.DataFrame):
        cur.register(FILE_VIEW, source)
    else:
        path = Path(source)
        if not path.is_file():
            raise StoreError(f"There is no file {path}.", "ingest.file.missing", path=path)
        suffix = path.suffix.lower()
        if suffix in PARQUET_SUFFIXES:
            cur.read_parquet(str(path)).create_view(FILE_VIEW)
        elif suffix in EXCEL_SUFFIXES:
            from experiments import sheet  # streamed once, with the upload limits

            try:
                frame = sheet.read_frame(path)
            except sheet.SheetError as error:
                raise StoreError(
                    f"{path.name} could not be read: {error}",
                    "ingest.file.xlsx_beyond_limit",  # the sheet's reason says what to do
                    file=path.name,
                    reason=error.args[0],
                ) from None
            cur.register(FILE_VIEW, frame.apply(_numeric_if_possible))
        elif suffix in CSV_SUFFIXES or suffix == "":
            cur.read_csv(str(path)).create_view(FILE_VIEW)
        else:
            raise StoreError(
                f"Cannot read {path.name}: use a .csv, .parquet or .xlsx file (got '{suffix}').",
                "store.error.file_suffix",
                file=path.name,
                suffix=suffix,
            )
    return file_columns(cur)


def _numeric_if_possible(column: pd.Series) -> pd.Series:
    """A text column of a spreadsheet as numbers when every filled cell is one (as Excel typed
    it), else unchanged."""
    try:
        return pd.to_numeric(column)
    except (ValueError, TypeError):
        return column


def file_columns(cur: Cursor) -> list[str]:
    """Column names of `file_rows`, in file order: the whitelist for every other query here."""
    return list(column_types(cur))


def column_types(cur: Cursor) -> dict[str, str]:
    """Column name -> DuckDB type name of `file_rows`."""
    return {str(r[0]): str(r[1]) for r in cur.execute(f"DESCRIBE {FILE_VIEW}").fetchall()}


def _label(cur: Cursor, column: str, column_sql: str) -> str:
    """Arm label as text; whole-number floats print as integers (pandas turns 0/1 with gaps into
    0.0/1.0, but the user types --control 0)."""
    if column_types(cur).get(column, "") in ("DOUBLE", "FLOAT", "REAL"):
        return (
            f"CASE WHEN {column_sql} = round({column_sql}) AND abs({column_sql}) < 1e15"
            f" THEN CAST(CAST({column_sql} AS BIGINT) AS VARCHAR)"
            f" ELSE CAST({column_sql} AS VARCHAR) END"
        )
    return f"CAST({column_sql} AS VARCHAR)"


def _checked(cur: Cursor, columns: Sequence[str]) -> list[str]:
    known = set(file_columns(cur))
    missing = [c for c in columns if c not in known]
    if missing:
        raise StoreError(
            f"Column(s) not in the file: {', '.join(missing)}",
            "store.error.file_columns",
            columns=", ".join(missing),
        )
    return [quote_identifier(c) for c in columns]


def _number(column_sql: str) -> str:
    """A number, or 1 / 0 for a yes/no cell (да/нет, yes/no, true/false, +/-)."""
    from experiments.store.uploads import boolean_sql

    number = f"TRY_CAST({column_sql} AS DOUBLE)"
    # NaN / inf cells are not numbers: DuckDB orders NaN above every value, so one would
    # count as the biggest spender (and set the cap); a metric holding one is refused
    return f"coalesce(CASE WHEN isfinite({number}) THEN {number} END, {boolean_sql(column_sql)})"


def is_binary(cur: Cursor, column: str) -> bool:
    """True when every non-null value of the column is 0 or 1 (and there is at least one)."""
    (col,) = _checked(cur, [column])
    value = _number(col)
    row = cur.execute(
        f"SELECT count({value}), count(*) FILTER (WHERE {value} NOT IN (0, 1)) FROM {FILE_VIEW}"  # noqa: S608 - checked column
    ).fetchone()
    return bool(row and row[0] > 0 and row[1] == 0)


def non_numeric_count(cur: Cursor, column: str) -> int:
    """Rows whose value is present but is not a number (such a column cannot be a metric)."""
    (col,) = _checked(cur, [column])
    row = cur.execute(
        f"SELECT count(*) FROM {FILE_VIEW} WHERE {col} IS NOT NULL AND {_number(col)} IS NULL"  # noqa: S608 - checked column
    ).fetchone()
    return int(row[0]) if row else 0


def cap_thresholds(
    cur: Cursor, column: str, percentile: float, lower_percentile: float | None = None
) -> tuple[float | None, float | None]:
    """Pooled capping thresholds (lower, upper) over all arms by `stats.CapRule`, in the SQL
    of `capping.thresholds` (the analysis query's)."""
    (col,) = _checked(cur, [column])
    params: dict[str, object] = {}
    lower, upper = capping.thresholds(_number(col), CapRule(percentile, lower_percentile), params)
    row = cur.execute(f"SELECT {lower}, {upper} FROM {FILE_VIEW}", params).fetchone()  # noqa: S608 - checked column
    if not row:
        return None, None
    return (
        float(row[0]) if row[0] is not None else None,
        float(row[1]) if row[1] is not None else None,
    )


@dataclass(frozen=True)
class ArmFileStats:
    """One arm's rows of a results file and its typed sufficient statistics.

    Attributes:
        rows: rows of the file in the arm.
        metrics: metric column -> its SampleStats over the rows where it (and the covariate)
            is a number; with a covariate, the covariate's sums and the cross product too.
    """

    rows: int
    metrics: dict[str, SampleStats]


def arm_sufficient_stats(
    cur: Cursor,
    arm_column: str,
    metrics: Sequence[str],
    covariate: str | None = None,
    caps: dict[str, tuple[float | None, float | None]] | None = None,
) -> dict[str, ArmFileStats]:
    """Per-arm sufficient statistics of each metric, by arm label (text), in label order.

    Rows with a NULL arm are left out. Each metric's sums are over rows where the metric (and
    the covariate) is a number. Capped metrics are clipped to [lower, upper] (`capping`)
    before summing; the covariate is never capped.
    """
    arm_sql, *metric_sql = _checked(cur, [arm_column, *metrics])
    cov_sql = _number(_checked(cur, [covariate])[0]) if covariate else None
    caps = caps or {}
    params: dict[str, object] = {}
    parts = [f"{_label(cur, arm_column, arm_sql)} AS arm", "count(*) AS rows"]
    for i, (name, col) in enumerate(zip(metrics, metric_sql, strict=True)):
        value = _number(col)
        if name in caps:
            lower, upper = caps[name]
            params[f"lo{i}"], params[f"hi{i}"] = lower, upper
            value = capping.capped(value, f"CAST($lo{i} AS DOUBLE)", f"CAST($hi{i} AS DOUBLE)")
        present = f"{_number(col)} IS NOT NULL"
        if cov_sql:
            present += f" AND {cov_sql} IS NOT NULL"
        keep = f"FILTER (WHERE {present})"
        sums = [f"count(*) {keep}", f"sum({value})", f"sum({value} * {value})"]
        if cov_sql:
            sums += [f"sum({cov_sql})", f"sum({cov_sql} * {cov_sql})", f"sum({value} * {cov_sql})"]
        parts += [
            s if s.startswith("count") else f"coalesce({s} {keep}, 0)" for s in sums
        ]  # positional: read back in this order below
    sql = (
        f"SELECT {', '.join(parts)} FROM {FILE_VIEW} WHERE {arm_sql} IS NOT NULL "  # noqa: S608 - checked columns, values are parameters
        "GROUP BY ALL ORDER BY arm"
    )
    width = 6 if cov_sql else 3
    out: dict[str, ArmFileStats] = {}
    for row in cur.execute(sql, params).fetchall():
        per_metric = {}
        for i, name in enumerate(metrics):
            n, total, squares, *cov = row[2 + i * width : 2 + (i + 1) * width]
            cov_sum, cov_squares, cross = (float(v) for v in cov) if cov else (0.0, 0.0, 0.0)
            per_metric[name] = SampleStats(
                int(n), float(total), float(squares), cov_sum, cov_squares, cross
            )
        out[str(row[0])] = ArmFileStats(int(row[1]), per_metric)
    return out
