"""Upload SQL: stage a file through DuckDB's readers, validate with set queries, insert, audit.

Every statement here works on staging columns named by this module (``c0``, ``c1``, ... for
the file's columns by position, fixed names such as ``customer_id`` after mapping), so no
column name from a user's file ever reaches SQL text. The file path, delimiter, field names,
labels and limits are bound as parameters.

A load runs in one `Store.transaction()`: stage, validate, and either insert and write the
audit row, or raise `_Rejected` so the transaction rolls back and the store is untouched. A
transactions CSV is first tried in one pass (`_load_one_pass`: inserted straight from the
file, then checked); when it has rows to set aside or errors that transaction rolls back and
the file is staged (`_load_staged`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from experiments import labels
from experiments.progress import Progress
from experiments.store import Cursor, Store, StoreError

Kind = Literal["transactions", "customers", "results"]
Severity = Literal["error", "warning"]
SourceFormat = Literal["csv", "parquet", "frame"]

TARGET_TABLE: dict[str, str] = {
    "transactions": "transactions",
    "customers": "customer_attributes",
    "results": "campaign_results",
}
MAX_RESULT_ARMS = 20  # more distinct labels than this means the wrong column was mapped

# Fields every kind stages, in this order; unmapped optional fields are staged as NULL.
STAGED_FIELDS: dict[str, tuple[str, ...]] = {
    "transactions": ("customer_id", "ts", "amount", "order_id", "margin", "channel", "discount"),
    "customers": ("customer_id",),
    "results": ("arm", "customer_id"),
}


@dataclass(frozen=True)
class StagingSource:
    """Where the rows come from.

    Attributes:
        format: ``csv`` (a UTF-8 file DuckDB's read_csv parses), ``parquet``, or ``frame``
            (a pandas DataFrame of text cells, from a spreadsheet).
        column_count: columns in the file; staged as ``c0`` ... by position.
        path: the file for csv / parquet.
        delimiter: the CSV field separator.
        frame: the DataFrame for ``frame``.
        first_row_number: the file row number of the first data row (2 when row 1 is a header),
            so problems name rows as a spreadsheet shows them.
    """

    format: SourceFormat
    column_count: int
    path: Path | None = None
    delimiter: str = ","
    frame: pd.DataFrame | None = None
    first_row_number: int = 2


@dataclass(frozen=True)
class LoadSpec:
    """A fully resolved load: what to read, which column is which field, how to parse.

    Attributes:
        kind: transactions, customers or results.
        file_name: the name shown in the upload history.
        sha256: hex digest of the original file bytes (duplicate detection).
        source: where the rows come from.
        fields: staged field -> column position in the file.
        extras: (column position, name) for customer attributes or result fields.
        decimal_comma: numbers are written ``12,50``.
        date_formats: strptime formats tried before ISO parsing; empty for ISO-only files
            (DuckDB's cast is several times faster than strptime).
        experiment: results only: the experiment to attach to or create.
        plan: results only: the planned split of the experiment the file creates, from the
            file's arms (control first): (share per arm, assumed equal). The domain's rule
            (`experiment.planned_split` of `--split`), which refuses a split that does not
            fit by raising; None: equal weights, assumed.
        future_limit: timestamps later than this are refused as future dates.
        past_limit: timestamps before this are refused (a two-digit year read as year 23).
        max_cell_chars: longer text cells are refused.
        rows_shown: row numbers kept per problem.
        load_valid_rows: the marketer chose to load the valid rows and set the rows with
            errors aside (for download), instead of refusing the file.
        max_abs_amount: amounts, margins and discounts beyond +- this are refused (1e308
            loaded, then every sum was inf and JSON printed Infinity).
        max_abs_result_value: result-file values beyond +- this are kept as text, not numbers.
        digest: when given, `sha256` is still being computed (the file is hashed while DuckDB
            reads it): this returns it, or raises what hashing found wrong with the bytes. The
            load waits for it before it refuses or writes anything, so a duplicate upload or
            a NUL byte is still the answer, not the rows' problems.
    """

    kind: Kind
    file_name: str
    sha256: str
    source: StagingSource
    fields: dict[str, int]
    extras: tuple[tuple[int, str], ...] = ()
    decimal_comma: bool = False
    date_formats: tuple[str, ...] = ()
    experiment: str | None = None
    future_limit: dt.datetime = dt.datetime(2100, 1, 1)
    past_limit: dt.datetime = dt.datetime(1900, 1, 1)
    max_cell_chars: int = 1000
    rows_shown: int = 10
    load_valid_rows: bool = False
    max_abs_amount: float = 1e9
    max_abs_result_value: float = 1e15
    digest: Callable[[], str] | None = None
    plan: Callable[[Sequence[str]], tuple[Mapping[str, float], bool]] | None = None


@dataclass(frozen=True)
class Finding:
    """One validation finding, before it is worded for the user.

    Attributes:
        code: machine-readable problem code (``bad_date``, ``negative_amount``, ...).
        severity: ``error`` refuses the whole file; ``warning`` loads and flags.
        count: rows affected (or distinct values, for ``too_many_arms``).
        rows: the first file row numbers affected.
        field: the staged field or extra column name concerned, if any.
        examples: a few offending values, shortened.
        detail: extra text (e.g. the reader's own error message).
    """

    code: str
    severity: Severity
    count: int
    rows: tuple[int, ...] = ()
    field: str | None = None
    examples: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class LoadOutcome:
    """What a load did.

    Attributes:
        findings: every error and warning found.
        upload_id: the new upload, or None when nothing was loaded.
        rows: data rows in the file (staged).
        already_loaded_at: when the same bytes were loaded before (duplicate upload).
        previous_upload_id: that earlier upload.
        experiment_id: results: the experiment the rows are attached to.
        experiment_created: results: the experiment was created by this load.
        arms: results: arm label -> rows.
        set_aside: rows not loaded (file row, reason, the mapped cells as text): rows without
            a customer, totals rows, orders already stored identically, and with
            `load_valid_rows` the rows with errors. None when there are none.
    """

    findings: tuple[Finding, ...]
    upload_id: int | None = None
    rows: int = 0
    already_loaded_at: dt.datetime | None = None
    previous_upload_id: int | None = None
    experiment_id: int | None = None
    experiment_created: bool = False
    arms: dict[str, int] = field(default_factory=dict)
    set_aside: pd.DataFrame | None = None


class _Rejected(Exception):
    """Raised inside the load transaction so it rolls back; carries the outcome."""

    def __init__(self, outcome: LoadOutcome) -> None:
        super().__init__("rejected")
        self.outcome = outcome


# -- small helpers ---------------------------------------------------------------------------
_PARAM = re.compile(r"\$([a-z_]+)")


def _bind(sql: str, values: dict[str, object]) -> dict[str, object]:
    """The subset of `values` the statement uses (DuckDB refuses unused named parameters)."""
    return {name: values[name] for name in set(_PARAM.findall(sql))}


def _run(
    cur: Cursor,
    sql: str,
    params: dict[str, object],
    progress: Progress | None,
    span: tuple[float, float],
    text: str,
) -> None:
    """Execute one long statement, reporting DuckDB's own query progress from this thread.

    The statement runs on a worker thread; this thread polls `query_progress()` and calls
    `progress`, so a Streamlit callback is always invoked from the script thread.
    """
    bound = _bind(sql, params)
    if progress is None:
        cur.execute(sql, bound)
        return
    low, high = span
    progress(low, text)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            cur.execute(sql, bound)
        except BaseException as error:
            failure.append(error)

    worker = threading.Thread(target=work, name="loyalty-lab-load", daemon=True)
    worker.start()
    shown = low
    try:
        while worker.is_alive():
            worker.join(0.25)
            done = cur.query_progress()  # per pipeline: it can restart at 0, so keep the max
            if worker.is_alive() and done >= 0:
                shown = max(shown, low + (high - low) * min(done, 100.0) / 100.0)
                progress(shown, text)
    except BaseException:
        cur.interrupt()
        worker.join()
        raise
    if failure:
        raise failure[0]
    progress(high, text)


def find_loaded(cur: Cursor, sha256: str) -> tuple[int, dt.datetime] | None:
    """The upload that already loaded these exact bytes: (upload_id, loaded_at), or None."""
    row = cur.execute(
        "SELECT upload_id, loaded_at FROM uploads WHERE sha256 = ? AND status = 'loaded'"
        " ORDER BY upload_id LIMIT 1",
        [sha256],
    ).fetchone()
    return (int(row[0]), row[1]) if row else None


def experiment_assigns(cur: Cursor, name: str) -> bool:
    """The named experiment exists and assigned customers (a list, designed or registered)."""
    row = cur.execute(
        "SELECT count(*) FROM assignments a JOIN experiments e"
        " ON e.experiment_id = a.experiment_id WHERE e.name = ?",
        [name],
    ).fetchone()
    return bool(row and row[0])


# -- staging ---------------------------------------------------------------------------------
def _text(position: int | None) -> str:
    """Trimmed text of a file column by position, NULL when blank; NULL when unmapped."""
    if position is None:
        return "NULL::VARCHAR"
    return f"nullif(trim(CAST(c{int(position)} AS VARCHAR)), '')"


def _raw(position: int | None) -> str:
    """A file column by position as it is, untrimmed; NULL when unmapped."""
    if position is None:
        return "NULL::VARCHAR"
    return f"CAST(c{int(position)} AS VARCHAR)"


def _source_sql(source: StagingSource, numbered: bool = False) -> str:
    """The file as a relation of columns ``c0`` ...; `numbered` (CSV only) adds
    ``file_index``, the data row's 1-based position in the file."""
    aliases = ", ".join(f"c{i}" for i in range(source.column_count))
    if source.format == "csv":
        reader = (
            "read_csv($path, delim = $delim, quote = '\"', escape = '\"', header = true,"
            " auto_detect = false, columns = $columns, encoding = 'utf-8',"
            " strict_mode = true, null_padding = false)"
        )
        if numbered:
            return f"(SELECT * FROM {reader} WITH ORDINALITY) AS src({aliases}, file_index)"  # noqa: S608
        return f"{reader} AS src({aliases})"
    assert not numbered, "row numbers are read for CSV files only"
    if source.format == "parquet":
        return f"read_parquet($path) AS src({aliases})"
    return f"ll_frame AS src({aliases})"


_NUMBER = (
    "CASE WHEN $decimal_comma"
    " THEN try_cast(replace(replace(replace(replace({x}, ' ', ''), chr(160), ''),"
    " chr(8239), ''), ',', '.') AS DOUBLE)"
    " ELSE coalesce(try_cast({x} AS DOUBLE), try_cast(replace({x}, ' ', '') AS DOUBLE)) END"
)  # the plain cast first: replace() on every cell cost ~10% of staging; same values


def _number(text_column: str) -> str:
    return _NUMBER.format(x=text_column)


def boolean_sql(column_sql: str) -> str:
    """1.0 / 0.0 for a yes/no cell of `column_sql` (text or boolean), NULL for anything else.

    The words are `experiments.labels` constants, never user text."""
    cell = f"lower(trim(CAST({column_sql} AS VARCHAR)))"
    yes = ", ".join(f"'{w}'" for w in labels.TRUE_WORDS)
    no = ", ".join(f"'{w}'" for w in labels.FALSE_WORDS)
    return f"CASE WHEN {cell} IN ({yes}) THEN 1.0 WHEN {cell} IN ({no}) THEN 0.0 END"


def _trimmed(raw: str) -> str:
    return f"nullif(trim({raw}), '')"


# Dates and numbers are cast from the raw cell first and from the trimmed cell only when that
# fails: trim() on every date and amount cell was ~20% of staging's CPU time (a 19-character
# date is not stored inline, so trimming copies it); the values are the same.
_ISO_TS = f"coalesce(try_cast(ts_raw AS TIMESTAMP), try_cast({_trimmed('ts_raw')} AS TIMESTAMP))"
_FORMATTED_TS = (
    f"coalesce(try_strptime({_trimmed('ts_raw')}, $date_formats),"
    f" try_cast({_trimmed('ts_raw')} AS TIMESTAMP))"
)


def _raw_number(raw: str) -> str:
    """`_number` of the trimmed cell, tried after a plain cast of the raw cell."""
    trimmed = _trimmed(raw)
    return (
        f"CASE WHEN $decimal_comma THEN {_number(trimmed)}"
        f" ELSE coalesce(try_cast({raw} AS DOUBLE), {_number(trimmed)}) END"
    )


_TRANSACTION_ROWS = """
SELECT customer_id, order_id, channel,
       ts, CASE WHEN ts IS NULL THEN coalesce(nullif(trim(ts_raw), ''), '') END AS ts_bad,
       amount,
       CASE WHEN amount IS NULL THEN coalesce(nullif(trim(amount_raw), ''), '') END AS amount_bad,
       margin, CASE WHEN margin IS NULL THEN nullif(trim(margin_raw), '') END AS margin_bad,
       discount,
       CASE WHEN discount IS NULL THEN nullif(trim(discount_raw), '') END AS discount_bad{keep}
FROM (
    SELECT customer_id, order_id, channel, ts_raw, amount_raw, margin_raw, discount_raw,
           {ts} AS ts,
           CASE WHEN isfinite(amount_number) THEN amount_number END AS amount,
           CASE WHEN isfinite(margin_number) THEN margin_number END AS margin,
           CASE WHEN isfinite(discount_number) THEN discount_number END AS discount{keep}
    FROM (
        SELECT *, {amount} AS amount_number, {margin} AS margin_number,
               {discount} AS discount_number
        FROM (SELECT {texts}{keep} FROM {source})
    )
)
"""


def _transaction_rows(spec: LoadSpec, numbered: bool = False) -> str:
    """The SELECT of a transactions file's rows as staged: the mapped fields trimmed and
    typed, with the text of every cell that did not read as a date or number (``ts_bad``,
    ...); `numbered` keeps ``file_index`` (`_source_sql`)."""
    texts = ", ".join(
        f"{_text(spec.fields.get(name))} AS {name}"
        if name in _PLAIN_TEXT
        else f"{_raw(spec.fields.get(name))} AS {name}_raw"
        for name in STAGED_FIELDS["transactions"]
    )
    return _TRANSACTION_ROWS.format(
        texts=texts,
        keep=", file_index" if numbered else "",
        source=_source_sql(spec.source, numbered),
        amount=_raw_number("amount_raw"),
        margin=_raw_number("margin_raw"),
        discount=_raw_number("discount_raw"),
        ts=_ISO_TS if not spec.date_formats else _FORMATTED_TS,
    )


def _source_params(spec: LoadSpec) -> dict[str, object]:
    source = spec.source
    return {
        "path": str(source.path) if source.path else None,
        "delim": source.delimiter,
        "columns": {f"c{i}": "VARCHAR" for i in range(source.column_count)},
        "decimal_comma": spec.decimal_comma,
        "date_formats": list(spec.date_formats),
    }


def _stage(cur: Cursor, spec: LoadSpec, progress: Progress | None) -> None:
    """Read the whole file into the temp table ``ll_staging`` in one DuckDB statement."""
    source = spec.source
    if source.format == "frame":
        assert source.frame is not None
        cur.register("ll_frame", source.frame)
    staged = STAGED_FIELDS[spec.kind]
    if spec.kind == "transactions":
        sql = "CREATE TEMP TABLE ll_staging AS " + _transaction_rows(spec)
    else:
        columns = [f"{_text(spec.fields.get(name))} AS {name}" for name in staged]
        columns += [f"{_text(position)} AS x{j}" for j, (position, _) in enumerate(spec.extras)]
        sql = f"CREATE TEMP TABLE ll_staging AS SELECT {', '.join(columns)} FROM "  # noqa: S608
        sql += _source_sql(source)
    _run(cur, sql, _source_params(spec), progress, (0.30, 0.70), "Reading rows")


_PLAIN_TEXT = {"customer_id", "order_id", "channel"}


# -- validation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Check:
    code: str
    severity: Severity
    condition: str  # SQL over ll_staging; fixed text or positional names only
    example: str | None
    field: str | None
    probe: str | None = None  # cheaper aggregate, non-zero exactly when the condition has hits


# `earlier`: "" over ll_staging; `_EARLIER` when the rows checked are in transactions already
_STORED_ORDER_ID = (
    "order_id IN (SELECT order_id FROM transactions WHERE order_id IS NOT NULL{earlier})"
)
_EARLIER = " AND upload_id <> $upload_id"

# The regex only on cells starting with one of its four characters: a regex on every cell of
# every text column was half of the validation pass; same rows.
_FORMULA = (
    "CASE WHEN ascii({x}) IN (61, 64, 43, 45)"  # = @ + -; ascii() is ~35% cheaper than left()
    " THEN regexp_matches({x}, '^([=@]|[+-][^0-9.,\\s])') ELSE false END"
)


def _text_checks(column: str, field_name: str) -> list[_Check]:
    return [
        _Check(
            "cell_too_long",
            "error",
            f"length({column}) > $max_chars",
            f"left({column}, 40) || '...'",
            field_name,
        ),
        _Check("formula_text", "warning", _FORMULA.format(x=column), column, field_name),
    ]


def _checks(spec: LoadSpec) -> list[_Check]:
    mapped = spec.fields
    checks: list[_Check] = []
    if spec.kind == "transactions":
        checks += [
            _Check("empty_id", "error", "customer_id IS NULL", None, "customer_id"),
            _Check("bad_date", "error", "ts IS NULL", "ts_bad", "ts"),
            _Check("bad_amount", "error", "amount IS NULL", "amount_bad", "amount"),
            _Check("future_date", "error", "ts > $future_limit", "CAST(ts AS VARCHAR)", "ts"),
            _Check("ancient_date", "error", "ts < $past_limit", "CAST(ts AS VARCHAR)", "ts"),
            _Check("negative_amount", "warning", "amount < 0", "CAST(amount AS VARCHAR)", "amount"),
            _Check(
                "implausible_amount",
                "error",
                "abs(amount) > $max_amount",
                "CAST(amount AS VARCHAR)",
                "amount",
            ),
        ]
        if "margin" in mapped:
            checks.append(
                _Check("bad_number", "error", "margin_bad IS NOT NULL", "margin_bad", "margin")
            )
        if "discount" in mapped:
            checks.append(
                _Check(
                    "bad_number", "error", "discount_bad IS NOT NULL", "discount_bad", "discount"
                )
            )
        for name in ("margin", "discount"):
            if name in mapped:
                checks.append(
                    _Check(
                        "implausible_amount",
                        "error",
                        f"abs({name}) > $max_amount",
                        f"CAST({name} AS VARCHAR)",
                        name,
                    )
                )
        if "order_id" in mapped:
            checks += [
                _Check(
                    "duplicate_order_id",
                    "error",
                    "order_id IN (SELECT order_id FROM ll_staging WHERE order_id IS NOT NULL"
                    " GROUP BY order_id HAVING count(*) > 1)",
                    "order_id",
                    "order_id",
                    probe="count(order_id) - count(DISTINCT order_id)",  # ~0.25 s less at 10M
                ),
                _Check(
                    "order_id_already_stored",
                    "error",
                    _STORED_ORDER_ID.format(earlier=""),
                    "order_id",
                    "order_id",
                ),
            ]
        for name in ("customer_id", "order_id", "channel"):
            if name in mapped:
                checks += _text_checks(name, name)
        return checks

    if spec.kind == "results":
        checks.append(_Check("empty_arm", "error", "arm IS NULL", None, "arm"))
        checks += _text_checks("arm", "arm")
    if spec.kind == "customers" or "customer_id" in mapped:
        checks += [
            _Check("empty_id", "error", "customer_id IS NULL", None, "customer_id"),
            _Check(
                "duplicate_customer_id",
                "error",
                "customer_id IN (SELECT customer_id FROM ll_staging"
                " WHERE customer_id IS NOT NULL GROUP BY customer_id HAVING count(*) > 1)",
                "customer_id",
                "customer_id",
            ),
        ]
        checks += _text_checks("customer_id", "customer_id")
    for j, (_, name) in enumerate(spec.extras):
        checks += _text_checks(f"x{j}", name)
    return checks


def _first_rowid(cur: Cursor) -> int:
    """Rows staged inside a transaction get row ids from a large offset, in insertion order.

    Read once, right after staging (`_keep_first_rowid`): rows set aside later must not
    shift the row numbers of the others."""
    row = cur.execute("SELECT base FROM ll_base").fetchone()
    return int(row[0]) if row else 0


def _keep_first_rowid(cur: Cursor) -> None:
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE ll_base AS SELECT coalesce(min(rowid), 0) AS base"
        " FROM ll_staging"
    )


# -- rows set aside ----------------------------------------------------------------------------
# A receipt without a loyalty card, a trailing "Итого" line: real exports have them. They are
# counted, kept out of the load and offered for download instead of refusing the file.
# the regex only on cells starting with the first letter of a totals word (either case): 1/5
# of the cost; the words are `labels.TOTALS_WORDS`, constants (quotes doubled all the same)
_TOTALS_FIRST = sorted({ord(c) for w in labels.TOTALS_WORDS for c in (w[0], w[0].upper())})
_TOTALS = (
    f"CASE WHEN ascii({{x}}) IN ({', '.join(map(str, _TOTALS_FIRST))})"
    " THEN regexp_matches(lower({x}), '"
    + labels.TOTALS_REGEX.replace("'", "''").replace("{", "{{").replace("}", "}}")
    + "') ELSE false END"
)
_SAME_AS_STORED = (  # an order of an earlier upload, exported again unchanged
    "order_id IS NOT NULL AND EXISTS (SELECT 1 FROM transactions t"
    " WHERE t.order_id = ll_staging.order_id"
    " AND t.customer_id IS NOT DISTINCT FROM ll_staging.customer_id"
    " AND t.ts IS NOT DISTINCT FROM ll_staging.ts"
    " AND abs(t.amount - ll_staging.amount) < 0.005{earlier})"
)
_SAME_ROW_AS_STORED = (  # a row without an order id of an earlier upload, exported again
    "order_id IS NULL AND EXISTS (SELECT 1 FROM transactions t WHERE t.order_id IS NULL"
    " AND t.customer_id = ll_staging.customer_id AND t.ts = ll_staging.ts"
    " AND abs(t.amount - ll_staging.amount) < 0.005{earlier})"
)
_ASIDE_COLUMNS = {
    "transactions": "customer_id, coalesce(CAST(ts AS VARCHAR), ts_bad) AS ts,"
    " coalesce(CAST(amount AS VARCHAR), amount_bad) AS amount, order_id,"
    " coalesce(CAST(margin AS VARCHAR), margin_bad) AS margin, channel,"
    " coalesce(CAST(discount AS VARCHAR), discount_bad) AS discount",
}


def _set_aside_rules(spec: LoadSpec, earlier: bool = False) -> list[tuple[str, str]]:
    """(finding code, SQL condition) of the rows set aside before validation, in order.

    `earlier`: the rows are in transactions already (`_load_one_pass`), so a stored row is
    one of another upload."""
    texts: tuple[str, ...]
    if spec.kind == "transactions":
        texts = ("customer_id", "order_id", "ts_bad", "amount_bad")  # a channel may be "Total"
        if earlier:  # an unread date or amount is a row under the negative upload id already
            texts = texts[:2]
    elif spec.kind == "results":
        texts = ("arm", "customer_id")
    else:
        texts = ("customer_id",)
    rules = [("totals_row", " OR ".join(_TOTALS.format(x=t) for t in texts))]
    if spec.kind != "results":
        rules.append(("no_customer", "customer_id IS NULL"))
    if spec.kind == "transactions":  # one rule for an overlap, with or without order ids
        later = " AND t.upload_id <> $upload_id" if earlier else ""
        by_order = _SAME_AS_STORED.format(earlier=later)
        by_row = _SAME_ROW_AS_STORED.format(earlier=later)
        same = f"({by_order}) OR ({by_row})"
        rules.append(("already_stored", same if "order_id" in spec.fields else by_row))
    return rules


def _stored_transactions(cur: Cursor) -> bool:
    row = cur.execute("SELECT EXISTS (SELECT 1 FROM transactions)").fetchone()
    return bool(row and row[0])


def _move_aside(cur: Cursor, spec: LoadSpec, code: str, condition: str) -> int:
    """Move the rows matching `condition` from ll_staging to ll_set_aside; returns how many."""
    columns = _ASIDE_COLUMNS.get(spec.kind, "*")
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS ll_set_aside AS SELECT 0::BIGINT AS file_row,"  # noqa: S608
        f" ''::VARCHAR AS reason, {columns} FROM ll_staging WHERE false"
    )
    params = {**_check_params(cur, spec), "code": code}
    insert = (
        "INSERT INTO ll_set_aside SELECT rowid - $base + $first_row, $code,"  # noqa: S608
        f" {columns} FROM ll_staging WHERE {condition}"
    )
    moved = cur.execute(insert, _bind(insert, params)).fetchone()
    count = int(moved[0]) if moved else 0
    if count:
        delete = f"DELETE FROM ll_staging WHERE {condition}"  # noqa: S608 - fixed fragments
        cur.execute(delete, _bind(delete, params))
    return count


def _set_aside_rules_present(cur: Cursor, spec: LoadSpec) -> list[tuple[str, str]]:
    rules = _set_aside_rules(spec)
    if not _stored_transactions(cur):  # a first upload overlaps nothing
        rules = [(code, condition) for code, condition in rules if code != "already_stored"]
    return rules


def _set_aside_and_validate(
    cur: Cursor, spec: LoadSpec
) -> tuple[list[Finding], int, list[Finding]]:
    """Set rows aside, then validate the others: (set-aside findings, rows left, findings).

    One pass counts both the rows to set aside and every problem; only when some rows are set
    aside are the problems counted again, over the rows left (most files have none to set
    aside, and each pass over 10M staged rows costs about a second).
    """
    rules = _set_aside_rules_present(cur, spec)
    checks = _checks(spec)
    params = _check_params(cur, spec)
    counts_sql = "SELECT " + ", ".join([f"count_if({c})" for _, c in rules] + _count_terms(checks))
    counts_sql += " FROM ll_staging"  # fixed fragments only
    row = cur.execute(counts_sql, _bind(counts_sql, params)).fetchone()
    assert row is not None
    present = row[: len(rules)]
    if not any(present):
        total, findings = _validate(cur, spec, counts=row[len(rules) :])
        return [], total, findings
    aside = _set_aside_findings(cur, spec, rules, present)
    total, findings = _validate(cur, spec)
    return aside, total, findings


def _set_aside_findings(
    cur: Cursor, spec: LoadSpec, rules: list[tuple[str, str]], present: Sequence[int]
) -> list[Finding]:
    findings = []
    for (code, condition), hits in zip(rules, present, strict=True):
        count = _move_aside(cur, spec, code, condition) if hits else 0
        if count:
            rows = cur.execute(
                "SELECT file_row FROM ll_set_aside WHERE reason = ? ORDER BY file_row LIMIT ?",
                [code, spec.rows_shown],
            ).fetchall()
            field_name = "customer_id" if code == "no_customer" else None
            findings.append(
                Finding(
                    f"set_aside_{code}",
                    "warning",
                    count,
                    tuple(int(r[0]) for r in rows),
                    field=field_name,
                )
            )
    return findings


def _set_aside_frame(cur: Cursor, spec: LoadSpec) -> pd.DataFrame | None:
    exists = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'll_set_aside' AND temporary"
    ).fetchone()
    if not exists or not exists[0]:
        return None
    frame = cur.execute("SELECT * FROM ll_set_aside ORDER BY file_row").df()
    cur.execute("DROP TABLE ll_set_aside")
    if frame.empty:
        return None
    names = {f"x{j}": name for j, (_, name) in enumerate(spec.extras)}
    return frame.rename(columns=names)


def _example(value: object) -> str:
    """An offending cell for a message, shortened: bytes (a Parquet BLOB) as their text."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", errors="replace")
    return str(value)[:60]


def _check_params(cur: Cursor, spec: LoadSpec, staged: bool = True) -> dict[str, object]:
    """The values the checks bind; `staged`: ``$base``, the first row id of ll_staging."""
    return {
        "future_limit": spec.future_limit,
        "past_limit": spec.past_limit,
        "max_chars": spec.max_cell_chars,
        "max_amount": spec.max_abs_amount,
        "first_row": spec.source.first_row_number,
        "shown": spec.rows_shown,
        "base": _first_rowid(cur) if staged else 0,
    }


def _count_terms(checks: list[_Check]) -> list[str]:
    """The row count, then one aggregate per check (its probe, or its count)."""
    return ["count(*)"] + [c.probe or f"count_if({c.condition})" for c in checks]


def _validate(
    cur: Cursor, spec: LoadSpec, counts: Sequence[int] | None = None
) -> tuple[int, list[Finding]]:
    """Count every problem in one pass (or take `counts`, of `_count_terms`, from a pass
    already made), then fetch row numbers only for the ones present."""
    checks = _checks(spec)
    params = _check_params(cur, spec)
    row = counts
    if row is None:
        counts_sql = "SELECT " + ", ".join(_count_terms(checks)) + " FROM ll_staging"  # noqa: S608 - fixed fragments
        row = cur.execute(counts_sql, _bind(counts_sql, params)).fetchone()
    assert row is not None
    total = int(row[0])
    findings: list[Finding] = []
    for check, count in zip(checks, row[1:], strict=True):
        if not count:
            continue
        if check.probe is not None:  # the probe only says "some"; count the rows themselves
            exact_sql = f"SELECT count_if({check.condition}) FROM ll_staging"  # noqa: S608
            exact = cur.execute(exact_sql, _bind(exact_sql, params)).fetchone()
            count = exact[0] if exact else count
        example = check.example or "NULL::VARCHAR"
        rows_sql = (
            f"SELECT rowid - $base + $first_row, CAST({example} AS VARCHAR) FROM ll_staging"  # noqa: S608 - fixed fragments
            f" WHERE {check.condition} ORDER BY rowid LIMIT $shown"
        )
        hits = cur.execute(rows_sql, _bind(rows_sql, params)).fetchall()
        examples = tuple(dict.fromkeys(_example(v) for _, v in hits if v is not None))[:3]
        findings.append(
            Finding(
                code=check.code,
                severity=check.severity,
                count=int(count),
                rows=tuple(int(r) for r, _ in hits),
                field=check.field,
                examples=examples,
            )
        )
    if spec.kind == "results" and total:
        arms = cur.execute("SELECT count(DISTINCT arm) FROM ll_staging").fetchone()
        distinct = int(arms[0]) if arms else 0
        if distinct > MAX_RESULT_ARMS:
            findings.append(Finding("too_many_arms", "error", distinct, field="arm"))
        elif distinct == 1:
            findings.append(Finding("single_arm", "warning", 1, field="arm"))
    return total, findings


# -- the load --------------------------------------------------------------------------------
def _reader_finding(error: duckdb.Error) -> Finding:
    """Turn DuckDB's CSV error into a finding naming the file line."""
    text = str(error)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    reason = ""
    lines = [s.strip() for s in text.splitlines() if s.strip()]
    for i, s in enumerate(lines):
        if s.startswith("Original Line:") and i + 1 < len(lines):
            reason = lines[i + 1]
            break
    if not reason:
        reason = lines[0].split(":", 1)[-1].strip() if lines else text
    if "not utf-8 encoded" in text:
        return Finding("bad_encoding", "error", 1, rows=(int(line[1]),) if line else ())
    return Finding(
        "unreadable_row",
        "error",
        1,
        rows=(int(line[1]),) if line else (),
        detail=reason[:300],
    )


def _duplicate_of(cur: Cursor, sha256: str) -> tuple[str, LoadOutcome | None]:
    """(sha256, the outcome 'already loaded' when an upload loaded these bytes, else None)."""
    previous = find_loaded(cur, sha256)
    if previous is None:
        return sha256, None
    outcome = LoadOutcome(
        findings=(Finding("duplicate_upload", "error", 1),),
        already_loaded_at=previous[1],
        previous_upload_id=previous[0],
    )
    return sha256, outcome


def _settled(cur: Cursor, spec: LoadSpec) -> LoadSpec:
    """The spec with its sha256 known; refuses (rolls back) a file whose bytes were loaded."""
    sha256, duplicate = _duplicate_of(cur, spec.digest() if spec.digest else spec.sha256)
    if duplicate is not None:
        raise _Rejected(duplicate)
    return replace(spec, sha256=sha256, digest=None)


class _NeedsStaging(Exception):
    """Raised inside a one-pass load whose file has rows to set aside or errors: it rolls
    back and the file is loaded through the staging table, which words them."""


@contextmanager
def _reading(digest: Callable[[], str] | None) -> Iterator[None]:
    """DuckDB's reader errors (a broken CSV line, a cast the reader refuses) as a refusal."""
    try:
        yield
    except duckdb.InvalidInputException as error:
        if digest is not None:  # a NUL byte wins; the transaction is aborted: no query
            digest()
        raise _Rejected(LoadOutcome(findings=(_reader_finding(error),))) from None
    except duckdb.ConversionException as error:
        if digest is not None:
            digest()
        finding = Finding("unreadable_row", "error", 1, detail=str(error)[:300])
        raise _Rejected(LoadOutcome(findings=(finding,))) from None


def load(store: Store, spec: LoadSpec, progress: Progress | None = None) -> LoadOutcome:
    """Validate and insert one file in a single transaction.

    A transactions CSV is read once, straight into `transactions` (`_load_one_pass`); only
    when it has rows to set aside or errors is it read again through the staging table
    (`_load_staged`), in a new transaction (its fractions start again at 30 %: the caller,
    `ingest.load_file`, keeps the bar from going back). Returns the outcome; when any finding is an
    error nothing is written and the store version does not change. Raises StoreError only
    for store-level failures (and whatever `spec.digest` raises about the file's bytes).
    """
    digest = spec.digest
    try:
        with store.load_memory():
            if spec.kind == "transactions" and spec.source.format == "csv":
                try:
                    with store.transaction() as cur:
                        outcome = _load_one_pass(cur, spec, progress)
                except _NeedsStaging:
                    _give_space_back(store)  # the rolled-back rows' blocks
                else:
                    if progress:
                        progress(1.0, "Done")
                    return outcome
            with store.transaction() as cur:
                outcome = _load_staged(cur, spec, progress)
        if progress:
            progress(1.0, "Done")
        return outcome
    except _Rejected as rejected:
        _give_space_back(store)
        if digest is not None and rejected.outcome.already_loaded_at is None:
            with store.cursor() as cur:  # refused while reading: the same bytes loaded before?
                _, duplicate = _duplicate_of(cur, digest())
            return duplicate or rejected.outcome
        return rejected.outcome
    except duckdb.Error as error:
        _give_space_back(store)
        if digest is not None:
            digest()  # what is wrong with the bytes (a NUL byte) is the better answer
        raise store_error(error) from None
    except MemoryError:
        _give_space_back(store)
        raise store_error(MemoryError()) from None


def _load_staged(cur: Cursor, spec: LoadSpec, progress: Progress | None) -> LoadOutcome:
    """Stage the file in ``ll_staging``, set rows aside, validate, insert (or raise
    `_Rejected`)."""
    digest = spec.digest
    cur.execute("SET enable_progress_bar = true")
    cur.execute("SET enable_progress_bar_print = false")
    if spec.digest is None:
        spec = _settled(cur, spec)
    with _reading(digest):
        _stage(cur, spec, progress)
    if spec.kind == "results" and "arm" not in spec.fields:
        _arm_from_assignments(cur, spec)
    if progress:
        progress(0.72, "Checking rows")
    _keep_first_rowid(cur)
    aside, total, findings = _set_aside_and_validate(cur, spec)
    if spec.load_valid_rows and any(f.severity == "error" for f in findings):
        for check in _checks(spec):
            if check.severity == "error":
                _move_aside(cur, spec, check.code, check.condition)
        skipped = [f for f in findings if f.severity == "error"]
        total, findings = _validate(cur, spec)
        aside += [
            Finding(f"set_aside_{f.code}", "warning", f.count, f.rows, f.field)
            for f in skipped
            if not any(g.code == f.code for g in findings)
        ]
    if total == 0 and aside:
        findings.append(Finding("nothing_left", "error", sum(f.count for f in aside)))
    elif total == 0:
        findings.append(Finding("no_rows", "error", 0))
    findings = aside + findings
    spec = _settled(cur, spec)
    if any(f.severity == "error" for f in findings):
        refused = LoadOutcome(findings=tuple(findings), rows=total)
        if total == 0 and aside:  # every row set aside: they are what the user needs
            refused = replace(refused, set_aside=_set_aside_frame(cur, spec))
        raise _Rejected(refused)
    outcome = _insert(cur, spec, total, findings, progress)
    set_aside = _set_aside_frame(cur, spec)
    if set_aside is not None:
        outcome = replace(outcome, set_aside=set_aside)
    cur.execute("DROP TABLE ll_staging")
    cur.execute("DROP TABLE ll_base")
    if progress:
        progress(0.99, "Committing")
    return outcome


# One pass: the file's rows go straight into transactions, clustered by customer. A row that
# would be refused or set aside for a missing or unreadable value (no customer, a bad date,
# amount, margin or discount) is stored under the negative upload id with placeholders, so
# one scan of the new rows counts them next to every other check; any of them (or a row to
# set aside, or an error) rolls this back and the staged load words them.
_ONE_PASS_INSERT = """
INSERT INTO transactions (order_id, customer_id, ts, amount, margin, channel, discount, upload_id)
SELECT order_id, coalesce(customer_id, ''), coalesce(ts, TIMESTAMP '1970-01-01'),
       coalesce(amount, 0), margin, channel, coalesce(discount, 0),
       CASE WHEN {aside} THEN -$upload_id ELSE $upload_id END
FROM ({rows})
ORDER BY hash(customer_id)
"""
# the rows the one pass stores under the negative upload id: a missing or unreadable value, or
# a totals row (by any of its texts, the unread date and amount included)
_UNREAD = (
    "customer_id IS NULL OR ts IS NULL OR amount IS NULL"
    " OR margin_bad IS NOT NULL OR discount_bad IS NOT NULL"
)
_UNREAD_CHECKS = {"empty_id", "bad_date", "bad_amount", "bad_number"}  # the negative id's rows


def _next_upload_id(cur: Cursor) -> int:
    """The id `nextval('upload_id_seq')` will return, without taking it: a load that goes on
    to the staging table (or is refused) leaves the sequence as it was."""
    row = cur.execute(
        "SELECT coalesce(last_value + increment_by, start_value) FROM duckdb_sequences()"
        " WHERE sequence_name = 'upload_id_seq'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def _one_pass_aside(spec: LoadSpec) -> str:
    """The SQL condition, over a transactions file's rows as staged, of the rows the one pass
    stores under the negative upload id (`_UNREAD`, or a totals row)."""
    totals = _set_aside_rules(spec)[0][1]
    return f"({_UNREAD}) OR ({totals})"


def _load_one_pass(cur: Cursor, spec: LoadSpec, progress: Progress | None) -> LoadOutcome:
    """Insert a transactions CSV in one read, then check the inserted rows in one scan.

    Rows to set aside (totals rows, rows without a customer, rows of an earlier upload) are
    taken out again here, with their file rows from a read of the file that keeps only them,
    and the rows left are checked once more (a scan of the new rows, not a second load).
    Raises `_NeedsStaging` when any row has an error (the staged load names them),
    `_Rejected` for a file DuckDB cannot read or a duplicate upload. Warnings (refunds,
    formula-like text) keep the load; their rows are found by reading the file again for
    those rows only.
    """
    cur.execute("SET enable_progress_bar = true")
    cur.execute("SET enable_progress_bar_print = false")
    if spec.digest is None:
        spec = _settled(cur, spec)
    upload_id = _next_upload_id(cur)
    stored_before = _stored_transactions(cur)
    params: dict[str, object] = {**_source_params(spec), "upload_id": upload_id}
    insert = _ONE_PASS_INSERT.format(rows=_transaction_rows(spec), aside=_one_pass_aside(spec))
    with _reading(spec.digest):
        _run(cur, insert, params, progress, (0.30, 0.90), "Reading rows")  # after hashing
    if progress:
        progress(0.90, "Checking rows")
    stored = [
        (code, condition)
        for code, condition in _set_aside_rules(spec, earlier=True)
        if code == "already_stored" and stored_before
    ]
    checks = [
        replace(c, condition=_STORED_ORDER_ID.format(earlier=_EARLIER))
        if c.code == "order_id_already_stored"
        else c
        for c in _checks(spec)
        if c.code not in _UNREAD_CHECKS
    ]
    params = {**params, **_check_params(cur, spec, staged=False)}
    unread = cur.execute(
        "SELECT count(*) FROM transactions WHERE upload_id = -$upload_id", {"upload_id": upload_id}
    ).fetchone()
    if unread and unread[0]:  # before the checks: the rows left are the ones they count
        _set_aside_in_one_pass(cur, spec, params, stored_before, unread=True)
    terms = [f"count_if({c})" for _, c in stored]
    new_rows = " FROM transactions AS ll_staging WHERE upload_id = $upload_id"
    counts_sql = "SELECT " + ", ".join(terms + _count_terms(checks)) + new_rows
    row = cur.execute(counts_sql, _bind(counts_sql, params)).fetchone()
    assert row is not None
    total, counts = int(row[len(stored)]), row[1 + len(stored) :]
    if any(row[: len(stored)]):  # rows of an earlier upload: out, then count the rest again
        _set_aside_in_one_pass(cur, spec, params, stored_before, unread=False)
        recount_sql = "SELECT " + ", ".join(_count_terms(checks)) + new_rows
        recount = cur.execute(recount_sql, _bind(recount_sql, params)).fetchone()
        assert recount is not None
        total, counts = int(recount[0]), recount[1:]
    aside = _set_aside_findings_in_one_pass(cur, spec, stored_before)
    refused = any(n and c.severity == "error" for c, n in zip(checks, counts, strict=True))
    if refused or total == 0:
        raise _NeedsStaging
    findings = aside + [
        _numbered_finding(cur, spec, check, int(count), params, skip_aside=bool(aside))
        for check, count in zip(checks, counts, strict=True)
        if count
    ]
    spec = _settled(cur, spec)
    row = cur.execute("SELECT nextval('upload_id_seq')").fetchone()
    assert row is not None and int(row[0]) == upload_id, (row, upload_id)
    if progress:
        progress(0.93, "Saving transactions")
    cur.execute(_UPSERT_CUSTOMERS_FROM_TRANSACTIONS, {"upload_id": upload_id})
    _audit(cur, spec, upload_id, total, findings, None)
    if progress:
        progress(0.99, "Committing")
    outcome = LoadOutcome(findings=tuple(findings), upload_id=upload_id, rows=total)
    set_aside = _set_aside_frame(cur, spec)
    return outcome if set_aside is None else replace(outcome, set_aside=set_aside)


def _one_pass_set_aside_rules(spec: LoadSpec, stored_before: bool) -> list[tuple[str, str]]:
    """`_set_aside_rules` over the file's rows read again while this upload's rows are in
    transactions: the totals rule by every text (the unread date and amount included)."""
    rules = _set_aside_rules(spec, earlier=True)
    totals = _set_aside_rules(spec)[0]
    return [totals] + [r for r in rules[1:] if r[0] != "already_stored" or stored_before]


def _set_aside_in_one_pass(
    cur: Cursor, spec: LoadSpec, params: dict[str, object], stored_before: bool, unread: bool
) -> None:
    """Move a one-pass load's rows to set aside into ``ll_set_aside``, as `_move_aside` does
    from the staging table: the file is read again keeping only those rows (their cells as
    written, their file rows), then they leave `transactions`. `unread`: the rows under the
    negative upload id (`_one_pass_aside`), else the rows of an earlier upload among the
    others. Raises `_NeedsStaging` when a row under the negative upload id is not one to set
    aside (an unread date or amount: an error the staged load words)."""
    rules = _one_pass_set_aside_rules(spec, stored_before)
    if unread:
        candidates = _one_pass_aside(spec)
        delete = "DELETE FROM transactions WHERE upload_id = -$upload_id"
    else:
        candidates = f"({rules[-1][1]}) AND NOT ({_one_pass_aside(spec)})"
        delete = (
            "DELETE FROM transactions AS ll_staging"  # noqa: S608 - fixed fragments
            f" WHERE upload_id = $upload_id AND ({rules[-1][1]})"
        )
    if unread:  # any other negative-id row (an unread date, amount, margin) is staged
        rules = [r for r in rules if r[0] != "already_stored"]
    reason = " ".join(f"WHEN {condition} THEN '{code}'" for code, condition in rules)
    rows = (
        "SELECT CAST(file_index - 1 + $first_row AS BIGINT) AS file_row,"  # noqa: S608
        f" CAST(CASE {reason} END AS VARCHAR) AS reason, {_ASIDE_COLUMNS['transactions']}"
        f" FROM ({_transaction_rows(spec, numbered=True)}) AS ll_staging WHERE {candidates}"
    )
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS ll_set_aside AS {rows} LIMIT 0", _bind(rows, params)
    )
    added = cur.execute(f"INSERT INTO ll_set_aside {rows}", _bind(rows, params)).fetchone()
    if cur.execute("SELECT count(*) FROM ll_set_aside WHERE reason IS NULL").fetchone() != (0,):
        raise _NeedsStaging
    removed = cur.execute(delete, _bind(delete, params)).fetchone()
    assert added is not None and removed is not None
    assert int(removed[0]) == int(added[0]), (removed, added)  # the same rows, read twice


def _set_aside_findings_in_one_pass(
    cur: Cursor, spec: LoadSpec, stored_before: bool
) -> list[Finding]:
    """The set-aside warnings of ``ll_set_aside`` (if any), in `_set_aside_rules` order."""
    exists = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'll_set_aside' AND temporary"
    ).fetchone()
    if not exists or not exists[0]:
        return []
    counts = dict(cur.execute("SELECT reason, count(*) FROM ll_set_aside GROUP BY ALL").fetchall())
    findings = []
    for code, _ in _one_pass_set_aside_rules(spec, stored_before):
        if counts.get(code):
            rows = cur.execute(
                "SELECT file_row FROM ll_set_aside WHERE reason = ? ORDER BY file_row LIMIT ?",
                [code, spec.rows_shown],
            ).fetchall()
            findings.append(
                Finding(
                    f"set_aside_{code}",
                    "warning",
                    int(counts[code]),
                    tuple(int(r[0]) for r in rows),
                    field="customer_id" if code == "no_customer" else None,
                )
            )
    return findings


def _numbered_finding(
    cur: Cursor,
    spec: LoadSpec,
    check: _Check,
    count: int,
    params: dict[str, object],
    skip_aside: bool = False,
) -> Finding:
    """A warning of a one-pass load, with its first rows and examples: the file is read again
    with row numbers, keeping only the rows the check names (as `_validate` reads them from
    ll_staging); `skip_aside`: not the rows in ``ll_set_aside``."""
    example = check.example or "NULL::VARCHAR"
    kept = (
        " AND file_index - 1 + $first_row NOT IN (SELECT file_row FROM ll_set_aside)"
        if skip_aside
        else ""
    )
    rows_sql = (
        f"SELECT file_index - 1 + $first_row, CAST({example} AS VARCHAR)"  # noqa: S608
        f" FROM ({_transaction_rows(spec, numbered=True)}) AS ll_staging"
        f" WHERE ({check.condition}){kept} ORDER BY file_index LIMIT $shown"
    )
    hits = cur.execute(rows_sql, _bind(rows_sql, params)).fetchall()
    examples = tuple(dict.fromkeys(_example(v) for _, v in hits if v is not None))[:3]
    return Finding(
        code=check.code,
        severity=check.severity,
        count=count,
        rows=tuple(int(r) for r, _ in hits),
        field=check.field,
        examples=examples,
    )


def _give_space_back(store: Store) -> None:
    """CHECKPOINT after a failed load: the rolled-back rows' blocks are freed in the file
    (and its WAL emptied) instead of staying until the next write."""
    try:
        with store.cursor() as cur:
            cur.execute("CHECKPOINT")
    except duckdb.Error:
        pass  # another write is running: it checkpoints when it commits


def store_error_message(error: BaseException) -> str:
    """What a person should read when the store itself fails during a load (nothing loaded)."""
    return str(store_error(error))


def store_error(error: BaseException) -> StoreError:
    """The StoreError of a load the store itself failed (nothing loaded), with its catalogue
    key: a full disk, no memory, or DuckDB's own reason."""
    text = str(error)
    lowered = text.lower()
    if "no space left" in lowered or "disk is full" in lowered or "enospc" in lowered:
        return StoreError(
            "The disk holding the store (or DuckDB's temporary files next to it) is full, so "
            "nothing was loaded. Free some space there and load the file again.",
            "store.error.disk_full",
        )
    if isinstance(error, MemoryError | duckdb.OutOfMemoryException) or "out of memory" in lowered:
        return StoreError(
            "The load ran out of memory, so nothing was loaded. Close other programs, or split "
            "the file into smaller parts and load them one by one.",
            "store.error.out_of_memory",
        )
    return StoreError(
        f"The store refused the load, so nothing was loaded: {text}",
        "store.error.load_refused",
        reason=text,
    )


# Clustered by customer: every customer's rows are stored together, so the customer ids compress
# as runs (the file is half the size of an unclustered one) and the per-customer aggregations of
# the analysis, the Customers page and the CLV read them in about half the CPU time. The order is
# hash(customer_id), not customer_id: sorting 10M rows on one integer instead of the text ids
# takes half the time under the store's memory limit, and the stored order buys the analysis the
# same (bench/results/load_notes.md, `bench/bench_load_order.py`).
_INSERT_TRANSACTIONS = """
INSERT INTO transactions (order_id, customer_id, ts, amount, margin, channel, discount, upload_id)
SELECT order_id, customer_id, ts, amount, margin, channel, coalesce(discount, 0), $upload_id
FROM ll_staging
ORDER BY hash(customer_id)
"""

# From the rows just inserted, not from ll_staging: they are clustered by customer, so grouping
# them and inserting the keys takes 0.8 s instead of 2.1 s at 10M rows. The keys go into the
# primary-key index in id order (sorting 1M groups is cheap; in hash order the index's commit
# took twice the CPU).
_UPSERT_CUSTOMERS_FROM_TRANSACTIONS = """
INSERT INTO customers (customer_id, first_seen)
SELECT customer_id, min(ts) FROM transactions WHERE upload_id = $upload_id GROUP BY customer_id
ORDER BY customer_id
ON CONFLICT (customer_id)
DO UPDATE SET first_seen = least(customers.first_seen, excluded.first_seen)
"""

_UPSERT_CUSTOMERS_FROM_ATTRIBUTES = """
INSERT INTO customers (customer_id, first_seen)
SELECT DISTINCT customer_id, NULL::TIMESTAMP FROM ll_staging
ON CONFLICT (customer_id) DO NOTHING
"""

_INSERT_UPLOAD = """
INSERT INTO uploads (upload_id, file_name, sha256, kind, target_table, rows, loaded_at, status,
                     message, experiment_id)
VALUES ($upload_id, $file_name, $sha256, $kind, $target_table, $rows, now()::TIMESTAMP,
        'loaded', $message, $experiment_id)
"""


def _insert(
    cur: Cursor,
    spec: LoadSpec,
    total: int,
    findings: list[Finding],
    progress: Progress | None,
) -> LoadOutcome:
    row = cur.execute("SELECT nextval('upload_id_seq')").fetchone()
    assert row is not None
    upload_id = int(row[0])
    params: dict[str, object] = {"upload_id": upload_id}
    experiment_id: int | None = None
    created = False
    arms: dict[str, int] = {}
    if spec.kind == "transactions":
        _run(cur, _INSERT_TRANSACTIONS, params, progress, (0.75, 0.95), "Saving transactions")
        cur.execute(_UPSERT_CUSTOMERS_FROM_TRANSACTIONS, params)
    elif spec.kind == "customers":
        for j, (_, name) in enumerate(spec.extras):
            sql = (
                "INSERT INTO customer_attributes (customer_id, name, value, upload_id)"  # noqa: S608
                f" SELECT customer_id, $name, x{j}, $upload_id FROM ll_staging"
                f" WHERE x{j} IS NOT NULL ORDER BY customer_id"
            )
            cur.execute(sql, {"name": name, "upload_id": upload_id})
        cur.execute(_UPSERT_CUSTOMERS_FROM_ATTRIBUTES)
    else:
        arms = {
            str(label): int(n)
            for label, n in cur.execute(
                "SELECT arm, count(*) FROM ll_staging GROUP BY arm ORDER BY arm"
            ).fetchall()
        }
        experiment_id, created, unknown = _attach_experiment(cur, spec, arms)
        base = _first_rowid(cur)
        if unknown:
            findings.append(
                Finding("unknown_arm", "warning", len(unknown), field="arm", examples=unknown[:3])
            )
        for j, (_, name) in enumerate(spec.extras):
            number = _number(f"x{j}")
            if _is_yes_no(cur, f"x{j}"):  # да/нет, yes/no, true/false, +/-: a 0/1 metric
                number = boolean_sql(f"x{j}")
            sql = (
                "INSERT INTO campaign_results"  # noqa: S608 - positional column names only
                " (upload_id, experiment_id, row_no, customer_id, arm, field, value, text)"
                " SELECT $upload_id, $experiment_id, row_index - $base + 1, customer_id, arm,"
                " $name,"
                # beyond +-max_value (1e308, a 20-digit card number) a value is text, not a
                # number: its sums would overflow or lose every digit that matters
                " CASE WHEN isfinite(n) AND abs(n) <= $max_value THEN n END,"
                " CASE WHEN n IS NULL OR NOT isfinite(n) OR abs(n) > $max_value THEN raw END"
                f" FROM (SELECT rowid AS row_index, customer_id, arm, x{j} AS raw,"
                f"       {number} AS n FROM ll_staging)"
                " ORDER BY customer_id, row_index"
            )
            cur.execute(
                sql,
                _bind(
                    sql,
                    {
                        "upload_id": upload_id,
                        "experiment_id": experiment_id,
                        "name": name,
                        "decimal_comma": spec.decimal_comma,
                        "base": base,
                        "max_value": spec.max_abs_result_value,
                    },
                ),
            )
    _audit(cur, spec, upload_id, total, findings, experiment_id)
    return LoadOutcome(
        findings=tuple(findings),
        upload_id=upload_id,
        rows=total,
        experiment_id=experiment_id,
        experiment_created=created,
        arms=arms,
    )


def _audit(
    cur: Cursor,
    spec: LoadSpec,
    upload_id: int,
    total: int,
    findings: Sequence[Finding],
    experiment_id: int | None,
) -> None:
    """The upload's row in `uploads`, its warnings counted in the message."""
    warnings = [f for f in findings if f.severity == "warning"]
    message = "; ".join(f"{f.code}: {f.count}" for f in warnings) or None
    cur.execute(
        _INSERT_UPLOAD,
        {
            "upload_id": upload_id,
            "file_name": spec.file_name,
            "sha256": spec.sha256,
            "kind": spec.kind,
            "target_table": TARGET_TABLE[spec.kind],
            "rows": total,
            "message": message,
            "experiment_id": experiment_id,
        },
    )


def _is_yes_no(cur: Cursor, column: str) -> bool:
    """Every filled cell of the staged column is a yes/no word (and at least one is)."""
    row = cur.execute(
        f"SELECT count({column}), count({column}) - count({boolean_sql(column)})"  # noqa: S608 - positional name
        " FROM ll_staging"
    ).fetchone()
    return bool(row and row[0] and not row[1])


def _arm_from_assignments(cur: Cursor, spec: LoadSpec) -> None:
    """A result file without a group column, for an experiment that assigned its customers:
    each row's arm is its customer's assigned arm (unassigned customers keep none and are
    named by the empty-arm check)."""
    cur.execute(
        """
        UPDATE ll_staging SET arm = s.arm
        FROM (
            SELECT a.customer_id, arg_min(ar.name, a.assigned_at) AS arm
            FROM assignments a
            JOIN experiments e ON e.experiment_id = a.experiment_id
            JOIN arms ar ON ar.experiment_id = a.experiment_id AND ar.arm_id = a.arm_id
            WHERE e.name = ?
            GROUP BY a.customer_id
        ) s
        WHERE ll_staging.customer_id = s.customer_id
        """,
        [spec.experiment or Path(spec.file_name).stem],
    )


def _attach_experiment(
    cur: Cursor, spec: LoadSpec, arms: dict[str, int]
) -> tuple[int, bool, tuple[str, ...]]:
    """The experiment for a results file: an existing one by name, else a new completed one
    whose planned split is `spec.plan`'s (else equal, assumed), never the file's own shares."""
    from experiments.store.overview import SPLIT_ASSUMED_EQUAL

    name = spec.experiment or Path(spec.file_name).stem
    row = cur.execute("SELECT experiment_id FROM experiments WHERE name = ?", [name]).fetchone()
    if row is not None:
        experiment_id = int(row[0])
        known = {
            str(r[0])
            for r in cur.execute(
                "SELECT name FROM arms WHERE experiment_id = ?", [experiment_id]
            ).fetchall()
        }
        unknown = tuple(a for a in arms if known and a not in known)
        return experiment_id, False, unknown
    control = labels.control_label(arms)
    ordered = sorted(arms, key=lambda a: (a != control, not labels.looks_like_control(a), a))
    # refused (raised) before anything is written; equal weights when no rule is given
    shares, assumed = spec.plan(ordered) if spec.plan else (dict.fromkeys(ordered, 1.0), True)
    row = cur.execute("SELECT nextval('experiment_id_seq')").fetchone()
    assert row is not None
    experiment_id = int(row[0])
    settings = {
        "result_fields": [n for _, n in spec.extras],
        "file_name": spec.file_name,
        SPLIT_ASSUMED_EQUAL: assumed,
    }
    cur.execute(
        "INSERT INTO experiments (experiment_id, name, status, salt, source, settings, created_at)"
        " VALUES (?, ?, 'completed', ?, 'results_file', ?, now()::TIMESTAMP)",
        [experiment_id, name, spec.sha256, json.dumps(settings, ensure_ascii=False)],
    )
    for arm_id, label in enumerate(ordered, start=1):
        cur.execute(
            "INSERT INTO arms (experiment_id, arm_id, name, kind, allocation)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                experiment_id,
                arm_id,
                label,
                "control" if label == control else "custom",
                shares[label],  # the plan: the SRM check compares the arm sizes with it
            ],
        )
    return experiment_id, True, ()


# -- removal ---------------------------------------------------------------------------------
_CANDIDATE_TABLES = ("ll_removed", "ll_deleted")  # temp tables of customer ids being removed


def delete_orphan_customers(cur: Cursor, candidates: str) -> None:
    """Delete the customers listed in the temp table `candidates` that nothing refers to any
    more (no transaction, attribute or assignment): what removing an upload or deleting an
    experiment leaves behind."""
    assert candidates in _CANDIDATE_TABLES  # a fixed identifier, never user text
    cur.execute(
        f"""
        DELETE FROM customers
        WHERE customer_id IN (SELECT customer_id FROM {candidates})
          AND customer_id NOT IN (SELECT customer_id FROM transactions)
          AND customer_id NOT IN (SELECT customer_id FROM customer_attributes)
          AND customer_id NOT IN (SELECT customer_id FROM assignments)
        """  # noqa: S608 - whitelisted table name
    )


_UPLOAD_ROW_TABLES = ("transactions", "customer_attributes", "assignments", "campaign_results")


def remove(store: Store, upload_id: int) -> str:
    """Delete an upload's rows, its audit entry, and customers only it referenced.

    An experiment the upload created (a results file loaded without an existing experiment)
    goes with it when nothing else refers to it. Raises StoreError for an unknown id.
    """
    with store.transaction() as cur:
        row = cur.execute(
            "SELECT file_name, kind, rows, experiment_id, sha256 FROM uploads WHERE upload_id = ?",
            [upload_id],
        ).fetchone()
        if row is None:
            raise StoreError(
                f"There is no upload {upload_id}. `python -m experiments uploads` lists them.",
                "store.error.no_upload",
                upload_id=upload_id,
            )
        file_name, kind, file_rows, experiment_id, sha256 = row
        cur.execute(
            "CREATE TEMP TABLE ll_removed AS"
            " SELECT customer_id FROM transactions WHERE upload_id = $id"
            " UNION SELECT customer_id FROM customer_attributes WHERE upload_id = $id"
            " UNION SELECT customer_id FROM assignments WHERE upload_id = $id"
            " UNION SELECT customer_id FROM campaign_results"
            "  WHERE upload_id = $id AND customer_id IS NOT NULL",
            {"id": upload_id},
        )
        deleted = {}
        for table in _UPLOAD_ROW_TABLES:
            result = cur.execute(
                f"DELETE FROM {table} WHERE upload_id = ?",  # noqa: S608 - fixed table names
                [upload_id],
            ).fetchone()
            deleted[table] = int(result[0]) if result else 0
        dropped_experiment = False
        if experiment_id is not None and kind == "demo":  # the demo goes as a whole
            dropped_experiment = _drop_demo_experiment(cur, int(experiment_id))
        elif experiment_id is not None:
            dropped_experiment = _drop_created_experiment(
                cur, int(experiment_id), sha256, upload_id
            )
        delete_orphan_customers(cur, "ll_removed")
        cur.execute(
            """
            UPDATE customers SET first_seen = fs.first_seen
            FROM (
                SELECT r.customer_id, min(t.ts) AS first_seen
                FROM ll_removed r LEFT JOIN transactions t USING (customer_id)
                GROUP BY r.customer_id
            ) AS fs
            WHERE customers.customer_id = fs.customer_id
              AND customers.first_seen IS DISTINCT FROM fs.first_seen
            """
        )
        cur.execute("DELETE FROM uploads WHERE upload_id = ?", [upload_id])
        cur.execute("DROP TABLE ll_removed")
    text = f"Removed upload {upload_id} ({kind}, {file_name}, {int(file_rows):,} file rows"
    text += f", {sum(deleted.values()):,} stored rows)"
    if dropped_experiment:
        text += " and the experiment it created"
    return text + "."


def _drop_demo_experiment(cur: Cursor, experiment_id: int) -> bool:
    """The demo experiment, with its arms, assignments and true effects (nothing else has them)."""
    row = cur.execute(
        "SELECT count(*) FROM experiments WHERE experiment_id = ? AND source = 'demo'",
        [experiment_id],
    ).fetchone()
    if not row or not row[0]:
        return False
    for statement in (
        "DELETE FROM assignments WHERE experiment_id = ?",
        "DELETE FROM campaign_results WHERE experiment_id = ?",
        "DELETE FROM known_effects WHERE experiment_id = ?",
        "DELETE FROM arms WHERE experiment_id = ?",
        "DELETE FROM experiments WHERE experiment_id = ?",
    ):
        cur.execute(statement, [experiment_id])
    return True


def _drop_created_experiment(cur: Cursor, experiment_id: int, sha256: str, upload_id: int) -> bool:
    row = cur.execute(
        """
        SELECT count(*) FROM experiments e
        WHERE e.experiment_id = $exp AND e.source = 'results_file' AND e.salt = $sha
          AND NOT EXISTS (SELECT 1 FROM uploads u
                          WHERE u.experiment_id = $exp AND u.upload_id <> $upload)
          AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.experiment_id = $exp)
        """,
        {"exp": experiment_id, "sha": sha256, "upload": upload_id},
    ).fetchone()
    if not row or not row[0]:
        return False
    for statement in (
        "DELETE FROM known_effects WHERE experiment_id = ?",
        "DELETE FROM arms WHERE experiment_id = ?",
        "DELETE FROM experiments WHERE experiment_id = ?",
    ):
        cur.execute(statement, [experiment_id])
    return True


def table_counts(cur: Cursor, tables: Sequence[str] = _UPLOAD_ROW_TABLES) -> dict[str, int]:
    """Row counts of upload-fed tables (for progress messages and tests)."""
    allowed = {*_UPLOAD_ROW_TABLES, "customers", "uploads", "experiments", "arms"}
    counts = {}
    for table in tables:
        if table not in allowed:
            raise ValueError(f"not an upload table: {table}")
        row = cur.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - whitelisted
        counts[table] = int(row[0]) if row else 0
    return counts
