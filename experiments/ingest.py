"""Read uploaded files: detect format, encoding, delimiter and decimal mark; map; validate; load.

The heavy lifting is DuckDB's: `experiments.store.uploads` reads the whole file with
`read_csv` / `read_parquet` into a staging table and validates it with set queries. This module
works on the first megabyte only (detection, preview, mapping guesses) and streams the file
once to hash it — and, for cp1251 or UTF-16 text, to transcode it to UTF-8 in large chunks,
because DuckDB reads only UTF-8 without extensions.

Decisions worth knowing:
- Row numbers in problems count the header as row 1, as a spreadsheet shows the file. They
  count records: a blank line, or a line break inside a quoted cell, shifts later numbers.
- Refunds (negative amounts) load and are flagged. Future dates, unparseable values, empty
  ids and duplicate order ids refuse the whole file: a load is all-or-nothing.
- Cells that look like spreadsheet formulas (``=HYPERLINK(...)``, ``+cmd``, ``@SUM``) are
  kept verbatim as inert text and flagged with a warning: the store never evaluates them, and
  exports must neutralise them (prefix ``'``) before a spreadsheet opens them.
- Column names from the file never reach SQL: columns are staged by position.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import pandas as pd

from experiments import config, sheet
from experiments.progress import Progress
from experiments.store import Store, StoreError, uploads
from experiments.store.uploads import Finding, LoadSpec, StagingSource

Kind = Literal["transactions", "customers", "results", "assignments"]
FileKind = Literal["csv", "xlsx", "parquet"]
Severity = Literal["error", "warning"]

# what load_file loads; assignment lists share detection, guesses and the mapping form, and
# design_sql registers them from `read_table`
KINDS: tuple[Kind, ...] = ("transactions", "customers", "results")
IGNORE = "-"  # map a column to this to leave it out of the load
HEAD_BYTES = 1 << 20  # detection, preview and guesses read this much of the file
CHUNK_BYTES = 8 << 20  # hashing and transcoding stream the file in chunks this large
PREVIEW_ROWS = 20
SAMPLE_ROWS = 2000
DELIMITERS = (",", ";", "\t")


# -- public value objects --------------------------------------------------------------------
@dataclass(frozen=True)
class FieldSpec:
    """A field a file's column can be mapped to.

    Attributes:
        name: the field name used in mappings (``customer_id``, ``ts``, ...).
        required: the load is refused while no column maps to it.
        description: one line for the mapping form.
    """

    name: str
    required: bool
    description: str


FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "transactions": (
        FieldSpec("customer_id", True, "customer / card / client id"),
        FieldSpec("ts", True, "purchase date or date and time"),
        FieldSpec("amount", True, "amount paid (negative for refunds)"),
        FieldSpec("order_id", False, "order / receipt id; must be unique when given"),
        FieldSpec("margin", False, "gross margin in money, before any discount"),
        FieldSpec("channel", False, "store, site or channel"),
        FieldSpec("discount", False, "discount amount given on the order"),
    ),
    "customers": (
        FieldSpec("customer_id", True, "customer id; every other column becomes an attribute"),
    ),
    "results": (
        FieldSpec("arm", True, "group / arm / segment label (control, discount, ...)"),
        FieldSpec("customer_id", False, "customer id, when the export has one"),
    ),
    "assignments": (
        FieldSpec("customer_id", True, "customer / card / client id"),
        FieldSpec("arm", True, "group / arm label (control, discount, ...)"),
        FieldSpec("arm_kind", False, "control, discount, gift, outreach or custom"),
        FieldSpec("code", False, "personal coupon code"),
        FieldSpec("discount_pct", False, "discount arms: percent off"),
        FieldSpec("redemption_share", False, "discount arms: expected redemption share, 0..1"),
        FieldSpec("gift_cost", False, "gift arms: cost of one gift incl. delivery"),
        FieldSpec("minutes", False, "outreach arms: minutes per contact"),
        FieldSpec("hourly_cost", False, "outreach arms: cost of a staff hour"),
        FieldSpec("custom_cost", False, "custom arms: cost per customer"),
    ),
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id", "customer", "customerid", "cust_id", "client", "client_id", "clientid",
        "user_id", "userid", "user", "member_id", "member", "card", "card_id", "card_number",
        "loyalty_id", "buyer_id", "contact_id", "id_клиента", "клиент", "код_клиента",
        "клиент_id", "покупатель", "id_покупателя", "номер_карты", "карта", "пользователь",
        "карта_клиента", "дисконтная_карта", "карта_лояльности", "номер_карты_клиента",
    ),
    "ts": (
        "ts", "date", "datetime", "timestamp", "time", "order_date", "purchase_date",
        "transaction_date", "created_at", "date_time", "дата", "дата_покупки", "дата_и_время",
        "время", "дата_чека", "дата_заказа", "дата_время",
    ),
    "amount": (
        "amount", "sum", "total", "revenue", "sales", "dollar_value", "order_total",
        "order_amount", "purchase_amount", "value", "сумма", "сумма_покупки", "сумма_чека",
        "выручка", "стоимость", "сумма_заказа", "оборот",
    ),
    "order_id": (
        "order_id", "order", "orderid", "order_number", "receipt", "receipt_id", "check_id",
        "transaction_id", "invoice", "invoice_id", "номер_заказа", "заказ", "чек", "номер_чека",
        "id_заказа", "id_чека",
    ),
    "margin": ("margin", "gross_margin", "gross_profit", "profit", "маржа", "валовая_прибыль"),
    "channel": ("channel", "store", "shop", "store_id", "канал", "магазин", "точка_продаж"),
    "discount": (
        "discount", "discount_amount", "discount_value", "скидка", "сумма_скидки", "скидка_руб",
    ),
    "arm": (
        "arm", "group", "segment", "variant", "treatment", "cohort", "test_group", "ab_group",
        "experiment_group", "группа", "вариант", "сегмент", "ветка", "группа_теста",
    ),
    "arm_kind": ("arm_kind", "kind", "lever", "тип", "тип_группы", "рычаг", "механика"),
    "code": ("code", "coupon", "coupon_code", "promo_code", "promocode", "промокод", "купон",
             "код_купона"),
    "discount_pct": ("discount_pct", "discount_percent", "percent_off", "скидка_процент",
                     "процент_скидки", "скидка"),
    "redemption_share": ("redemption_share", "redemption", "доля_погашения"),
    "gift_cost": ("gift_cost", "стоимость_подарка", "подарок_руб"),
    "minutes": ("minutes", "минуты", "минут_на_контакт"),
    "hourly_cost": ("hourly_cost", "стоимость_часа", "час_руб"),
    "custom_cost": ("custom_cost", "cost_per_customer", "cost", "стоимость_на_клиента",
                    "затраты_на_клиента"),
}  # fmt: skip


@dataclass(frozen=True)
class FileFormat:
    """What the file is and how to read it.

    Attributes:
        kind: csv, xlsx or parquet.
        encoding: text encoding of a CSV (utf-8, utf-8-sig, cp1251, utf-16); None otherwise.
        delimiter: CSV field separator.
        decimal: decimal mark of numbers in the file.
        size_bytes: file size.
    """

    kind: FileKind
    encoding: str | None = None
    delimiter: str | None = None
    decimal: Literal[".", ","] = "."
    size_bytes: int = 0
    mixed_newlines: bool = False  # some lines end in CRLF, others in LF (read normalised)

    def describe(self) -> str:
        if self.kind != "csv":
            return self.kind.upper()
        delimiter = {"\t": "tab", ",": "comma", ";": "semicolon"}.get(self.delimiter or ",")
        return (
            f"CSV, {self.encoding}, {delimiter}-separated, decimal "
            f"{'comma' if self.decimal == ',' else 'point'}"
        )


@dataclass(frozen=True)
class Problem:
    """One validation finding, worded for a marketer.

    Attributes:
        code: stable machine-readable code (``bad_date``, ``missing_column``, ...).
        severity: ``error`` refuses the file; ``warning`` loads it and flags the rows.
        message: what is wrong, where, and what to do.
        rows: the first file row numbers affected (the header is row 1).
        count: how many rows (or items) are affected.
    """

    code: str
    severity: Severity
    message: str
    rows: tuple[int, ...] = ()
    count: int = 0


@dataclass(frozen=True)
class Inspection:
    """What the Data page shows before loading.

    Attributes:
        kind: the kind of file the user said it is.
        file_name: the name shown to the user.
        format: detected format, encoding, delimiter and decimal mark.
        columns: the file's column names (deduplicated, blanks named ``column N``).
        preview: the first rows as text, with the file's column names.
        guessed_mapping: {file column: field} guessed from the headers.
        fields: the fields of this kind, with which are required.
        problems: problems visible from the first rows (empty file, binary data, ...).
        date_formats: strptime formats matching the date column's first values.
    """

    kind: Kind
    file_name: str
    format: FileFormat
    columns: tuple[str, ...]
    preview: pd.DataFrame
    guessed_mapping: dict[str, str]
    fields: tuple[FieldSpec, ...]
    problems: tuple[Problem, ...] = ()
    date_formats: tuple[str, ...] = ()

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True)
class LoadResult:
    """The outcome of `load_file`.

    Attributes:
        ok: the rows were loaded.
        kind: transactions, customers or results.
        file_name: the name shown in the upload history.
        upload_id: the new upload's id (None when nothing was loaded).
        rows: data rows in the file.
        problems: every error and warning.
        already_loaded_at: the same file (same sha256) was loaded at this time; nothing loaded.
        previous_upload_id: that earlier upload.
        experiment_id: results: the experiment the rows belong to.
        experiment_created: results: that experiment was created by this load.
        format: the detected file format.
        mapping: the mapping used, {file column: field}.
        set_aside: rows not loaded, for download (file row, reason, the mapped cells): rows
            without a customer, totals rows ("Итого"), orders already stored unchanged, and
            with ``load_valid_rows`` the rows with errors. None when every row loaded.
    """

    ok: bool
    kind: Kind
    file_name: str
    upload_id: int | None = None
    rows: int = 0
    problems: tuple[Problem, ...] = ()
    already_loaded_at: dt.datetime | None = None
    previous_upload_id: int | None = None
    experiment_id: int | None = None
    experiment_created: bool = False
    format: FileFormat | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    set_aside: pd.DataFrame | None = None

    @property
    def set_aside_rows(self) -> int:
        """Rows of the file that were not loaded (see `set_aside`)."""
        return 0 if self.set_aside is None else len(self.set_aside)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    def summary(self) -> str:
        """One line: what was loaded (and what was flagged), or why nothing was."""
        if self.already_loaded_at is not None:
            return (
                f"{self.file_name} was already loaded on {self.already_loaded_at:%Y-%m-%d %H:%M}"
                f" (upload {self.previous_upload_id}); nothing loaded."
            )
        if not self.ok:
            first = self.errors[0].message if self.errors else "unknown problem"
            more = len(self.errors) - 1
            extra = f" (+{more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
            return " ".join(f"{self.file_name}: nothing loaded. {first}{extra}".split())
        text = f"Loaded {self.rows:,} {self.kind} rows from {self.file_name}"
        text += f" as upload {self.upload_id}"
        if self.kind == "results" and self.experiment_id is not None:
            verb = "new experiment" if self.experiment_created else "experiment"
            text += f" ({verb} {self.experiment_id})"
        if self.set_aside_rows:
            text += f", {self.set_aside_rows:,} rows set aside"
        if self.warnings:
            text += "; warnings: " + "; ".join(
                f"{p.count:,} {_WARNING_LABEL.get(p.code, p.code)}" for p in self.warnings
            )
        return " ".join((text + ".").split())


_WARNING_LABEL = {
    "negative_amount": "refunds (negative amounts, kept)",
    "formula_text": "formula-like cells kept as text",
    "single_arm": "arm only (one group)",
    "unknown_arm": "arm labels not in the experiment",
    "ambiguous_dates": "ambiguous date format",
    "set_aside_no_customer": "rows without a customer set aside",
    "set_aside_totals_row": "totals rows set aside",
    "set_aside_already_stored": "orders already in the store, unchanged, skipped",
}


# -- mapping ---------------------------------------------------------------------------------
class MappingError(StoreError, ValueError):
    """A malformed --map item; the CLI prints the message and exits 2."""


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """Parse ``SOURCE=FIELD`` pairs from the command line into {source column: field}.

    The last ``=`` separates, so a column name may itself contain ``=``. ``SOURCE=-`` leaves
    a column out. Raises MappingError (a StoreError and ValueError) naming the bad item.
    """
    mapping: dict[str, str] = {}
    for item in items:
        source, sep, target = item.rpartition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise MappingError(
                f"Bad --map {item!r}: write SOURCE=FIELD, e.g. --map Клиент=customer_id"
            )
        if source in mapping and mapping[source] != target:
            raise MappingError(f"Column {source!r} is mapped twice ({mapping[source]}, {target}).")
        mapping[source] = target
    return mapping


def _normalize(header: str) -> str:
    text = header.strip().lower().replace("ё", "е").lstrip("\ufeff")
    return re.sub(r"[^0-9a-zа-я]+", "_", text).strip("_")


def guess_mapping(kind: Kind, columns: Iterable[str]) -> dict[str, str]:
    """Guess {column: field} from English and Russian headers; each field at most once."""
    allowed = {f.name for f in FIELDS[kind]}
    lookup = {
        alias: name for name, aliases in _SYNONYMS.items() if name in allowed for alias in aliases
    }
    guessed: dict[str, str] = {}
    taken: set[str] = set()
    columns = list(columns)
    for exact in (True, False):
        for column in columns:
            if column in guessed:
                continue
            key = _normalize(column)
            name = lookup.get(key)
            if name is None and not exact:
                head = key.split("_")[0]
                name = lookup.get(head)
            if name and name not in taken:
                guessed[column] = name
                taken.add(name)
    return guessed


# -- detection -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Head:
    """The file's first megabyte, decoded and parsed."""

    format: FileFormat
    columns: tuple[str, ...]
    rows: list[list[str]]  # the first SAMPLE_ROWS data rows as text
    problems: tuple[Problem, ...] = ()
    frame: pd.DataFrame | None = None  # the whole sheet, for xlsx


def _problem(code: str, message: str, severity: Severity = "error", **kw: object) -> Problem:
    return Problem(code, severity, message, **kw)  # type: ignore[arg-type]


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1251"


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    control = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    return "\x00" in text[:65536] or control > max(2, len(text[:65536]) // 200)


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        mode, hits = Counter(counts).most_common(1)[0]
        score = (hits / len(counts) if mode > 1 else 0.0, mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*,\d+$|^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")
# "1,500" is 1.5 with a decimal comma and 1500 with a thousands comma: no evidence either way
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(?:,\d{3})+$")


def _detect_decimal(rows: list[list[str]]) -> Literal[".", ","]:
    """Decimal comma only on unambiguous evidence ("12,50"); "1,500" votes for neither, so
    a file of such amounts is read with a decimal point and refused rather than loaded 1000x
    too small."""
    comma = point = 0
    for row in rows[:SAMPLE_ROWS]:
        for cell in row:
            cell = cell.strip()
            if _THOUSANDS_COMMA.match(cell):
                continue
            if _DECIMAL_COMMA.match(cell):
                comma += 1
            elif _DECIMAL_POINT.match(cell):
                point += 1
    return "," if comma > point else "."


def _unique_columns(header: list[str]) -> tuple[str, ...]:
    seen: Counter[str] = Counter()
    columns = []
    for i, name in enumerate(header, start=1):
        # a header cell wrapped onto two lines in Excel ("Дата\nпокупки") is one name
        name = " ".join(name.lstrip("\ufeff").split()) or f"column {i}"
        seen[name] += 1
        columns.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return tuple(columns)


def _too_many_columns(file_name: str, count: int) -> Problem:
    return _problem(
        "too_many_columns",
        f"{file_name} has {count:,} columns; at most {config.MAX_COLUMNS:,} are read. No "
        "export needs that many: leave out the columns you do not need, or split the file.",
    )


def _shape_problem(lines: list[str], file_name: str) -> Problem | None:
    """Refuse, before parsing, a head whose first line is too wide or a line too long.

    Checked on the raw lines, so a 100,000-column or 15,000-column file is refused in
    milliseconds instead of reaching the CSV reader (which stops at 128 K per field).
    """
    if not lines:
        return None
    width = max(lines[0].count(d) for d in DELIMITERS) + 1
    if width > config.MAX_COLUMNS:
        return _too_many_columns(file_name, width)
    for number, line in enumerate(lines, start=1):
        if len(line) > config.MAX_LINE_CHARS:
            return _problem(
                "line_too_long",
                f"Line {number} of {file_name} is {len(line):,} characters long; a row may be "
                f"at most {config.MAX_LINE_CHARS:,} (and a cell {config.MAX_CELL_CHARS:,}). "
                "Is this a table export? Check the quotes around that line.",
                rows=(number,),
                count=1,
            )
    return None


def _mixed_encoding_line(head: bytes) -> int | None:
    """The first line not in the encoding of the lines before it, when a head mixes valid
    UTF-8 text (non-ASCII) with lines that are not UTF-8 (Windows-1251); else None."""
    utf8_seen = other_seen = None
    lines = head.split(b"\n")
    for number, line in enumerate(lines[:-1] or lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_seen = other_seen or number
        else:
            utf8_seen = utf8_seen or number
        if utf8_seen and other_seen:
            return max(utf8_seen, other_seen)
    return None


def _read_head(path: Path, file_name: str, *, whole_sheet: bool = False) -> _Head:
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    empty = _problem("empty_file", f"{file_name} is empty: there is nothing to load.")
    if not head.strip():
        return _Head(FileFormat("csv", size_bytes=size), (), [], (empty,))
    if head.startswith(b"PAR1"):
        return _read_parquet_head(path, file_name, size)
    if head.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, file_name, size, whole=whole_sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _Head(
            FileFormat("xlsx", size_bytes=size),
            (),
            [],
            (
                _problem(
                    "unsupported_format",
                    f"{file_name} is an old Excel .xls workbook. Save it as .xlsx or CSV.",
                ),
            ),
        )
    encoding = _detect_encoding(head)
    if encoding == "cp1251" and (mixed := _mixed_encoding_line(head)) is not None:
        return _Head(
            FileFormat("csv", encoding, size_bytes=size),
            (),
            [],
            (
                _problem(
                    "bad_encoding",
                    f"{file_name} mixes UTF-8 and Windows-1251 text (line {mixed} is not in "
                    "the encoding of the lines before it), so some text would be stored "
                    "garbled. Save it again as CSV UTF-8.",
                ),
            ),
        )
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    if _looks_binary(text):
        return _Head(
            FileFormat("csv", encoding, size_bytes=size),
            (),
            [],
            (
                _problem(
                    "not_a_table",
                    f"{file_name} does not look like a CSV, XLSX or Parquet file (it contains "
                    "binary data). Export the data as CSV (UTF-8) or XLSX.",
                ),
            ),
        )
    lines = text.splitlines()
    if refused := _shape_problem(lines, file_name):
        return _Head(FileFormat("csv", encoding, size_bytes=size), (), [], (refused,))
    if size > len(head) and lines:
        lines = lines[:-1]  # the last line may be cut in the middle
    lines = [line for line in lines if line.strip()]
    if not lines:
        return _Head(FileFormat("csv", encoding, size_bytes=size), (), [], (empty,))
    delimiter = ","
    try:  # a field over csv's 128 K limit is refused above; other csv errors fall back
        delimiter = _sniff_delimiter(lines[:50])
        parsed = list(
            csv.reader(io.StringIO("\n".join(lines[: SAMPLE_ROWS + 1])), delimiter=delimiter)
        )
    except csv.Error:
        parsed = [line.split(delimiter) for line in lines[: SAMPLE_ROWS + 1]]
    columns = _unique_columns(parsed[0])
    if len(columns) > config.MAX_COLUMNS:
        return _Head(
            FileFormat("csv", encoding, delimiter, size_bytes=size),
            (),
            [],
            (_too_many_columns(file_name, len(columns)),),
        )
    rows = parsed[1:]
    crlf = text.count("\r\n")
    mixed = 0 < crlf < text.count("\n")  # header LF, rows CRLF (or the other way round)
    fmt = FileFormat("csv", encoding, delimiter, _detect_decimal(rows), size, mixed)
    problems: list[Problem] = []
    if not rows:
        problems.append(
            _problem(
                "no_rows",
                f"{file_name} has a header ({len(columns)} columns) but no data rows.",
            )
        )
    return _Head(fmt, columns, rows, tuple(problems))


def _text_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]


def _read_xlsx(path: Path, file_name: str, size: int, *, whole: bool = False) -> _Head:
    """The first sheet, streamed once (experiments.sheet, limits in config): its first rows
    for a preview, or every row when `whole` (the load)."""
    fmt = FileFormat("xlsx", size_bytes=size)
    try:
        numbered = list(sheet.iter_rows(path, max_rows=None if whole else SAMPLE_ROWS + 1))
    except sheet.SheetError as error:
        message = f"{file_name} could not be read: {error}"
        if "limit" not in str(error):
            message += " Save it again from Excel, or export CSV."
        return _Head(fmt, (), [], (_problem("unreadable_file", message),))
    if not numbered:
        return _Head(fmt, (), [], (_problem("no_rows", f"{file_name}: the first sheet is empty."),))
    header_row, header = numbered[0]
    width = max(len(cells) for _, cells in numbered)
    columns = _unique_columns([c or "" for c in header] + [""] * (width - len(header)))
    records: list[list[str | None]] = []
    for number, cells in numbered[1:]:  # blank rows between filled ones keep their place
        records.extend([None] * width for _ in range(number - header_row - 1 - len(records)))
        records.append(cells + [None] * (width - len(cells)))
    frame = pd.DataFrame(records, columns=list(columns), dtype=object)
    rows = [["" if v is None else v for v in row] for row in records[:SAMPLE_ROWS]]
    problems: tuple[Problem, ...] = ()
    if not records:
        problems = (_problem("no_rows", f"{file_name}: the first sheet has no data rows."),)
    return _Head(fmt, columns, rows, problems, frame if whole else None)


def _read_parquet_head(path: Path, file_name: str, size: int) -> _Head:
    import pyarrow.parquet as pq
    import pyarrow.types as pa_types

    fmt = FileFormat("parquet", size_bytes=size)
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        if len(schema.names) > config.MAX_COLUMNS:
            return _Head(fmt, (), [], (_too_many_columns(file_name, len(schema.names)),))
        nested = [f.name for f in schema if pa_types.is_nested(f.type)]
        if nested:
            message = (
                f"{file_name} has nested column(s) {', '.join(repr(n) for n in nested[:5])} "
                "(lists, structs or maps). Loyalty Lab reads flat columns of text, numbers and "
                "dates: flatten them or leave them out when saving the file."
            )
            return _Head(fmt, (), [], (_problem("nested_column", message),))
        columns = _unique_columns(list(schema.names))
        batch = next(parquet.iter_batches(batch_size=SAMPLE_ROWS), None)
    except Exception as error:  # pyarrow raises several types for corrupt files
        return _Head(
            FileFormat("parquet", size_bytes=size),
            (),
            [],
            (
                _problem(
                    "unreadable_file", f"{file_name} is not a readable Parquet file ({error})."
                ),
            ),
        )
    rows = _text_rows(batch.to_pandas()) if batch is not None else []
    problems: tuple[Problem, ...] = ()
    if not rows:
        problems = (_problem("no_rows", f"{file_name} has no rows."),)
    return _Head(FileFormat("parquet", size_bytes=size), columns, rows, problems)


_DATE_FAMILIES: tuple[tuple[str, ...], ...] = (
    # %y before %Y: DuckDB's %Y also reads two digits ("01.02.23" -> year 23), its %y
    # refuses four, so each value falls through to the format that fits it
    ("%d.%m.%y", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S"),
    ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"),
    ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p"),
    ("%Y%m%d",),
    ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"),
    ("%d-%m-%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S"),
)
DATE_FORMAT_SHARE = 0.5  # a date format must read at least this share of the sampled dates
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


_TOTALS_CELL = re.compile(r"^\s*(итого|итог|всего|total|totals|grand total)\b", re.IGNORECASE)


def detect_date_formats(values: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    """strptime formats for a date column's sample, and whether day/month order is ambiguous.

    ISO dates need no format (DuckDB casts them): the result is then empty. Otherwise the
    family of formats that parses the most sampled values wins, if it parses most of them
    (`DATE_FORMAT_SHARE`): one impossible date (31.02.2026) is then a row the validation names,
    not a reason to read every date of the column as unreadable. Day-first beats month-first
    when both fit as many.
    """
    sample = [v.strip() for v in values if v and v.strip() and not _TOTALS_CELL.match(v)]
    sample = sample[:SAMPLE_ROWS]  # a trailing "Итого" row is set aside, not a date
    other = [v for v in sample if not _ISO.match(v)]
    if not other:
        return (), False
    counts = [sum(_parses(v, family) for v in other) for family in _DATE_FAMILIES]
    best = max(counts)
    if best == 0 or best < DATE_FORMAT_SHARE * len(other):
        return (), False
    ambiguous = counts[1] == counts[2] == best
    return _DATE_FAMILIES[counts.index(best)], ambiguous


def _parses(value: str, formats: tuple[str, ...]) -> bool:
    for fmt in formats:
        try:
            dt.datetime.strptime(value, fmt)
            return True
        except ValueError:
            continue
    return False


def inspect_file(path: str | Path, kind: Kind, file_name: str | None = None) -> Inspection:
    """Detect how to read a file and guess the column mapping, reading only its beginning.

    Never raises for a bad file: what is wrong comes back in `problems`.
    """
    path = Path(path)
    file_name = file_name or path.name
    head = _read_head(path, file_name)
    guessed = guess_mapping(kind, head.columns)
    preview = (
        pd.DataFrame(
            [row + [""] * (len(head.columns) - len(row)) for row in head.rows[:PREVIEW_ROWS]],
            columns=list(head.columns),
        )
        if head.columns
        else pd.DataFrame()
    )
    ts_column = next((c for c, f in guessed.items() if f == "ts"), None)
    date_formats: tuple[str, ...] = ()
    if ts_column is not None:
        date_formats = detect_date_formats(_column_values(head, ts_column))[0]
    return Inspection(
        kind=kind,
        file_name=file_name,
        format=head.format,
        columns=head.columns,
        preview=preview,
        guessed_mapping=guessed,
        fields=FIELDS[kind],
        problems=head.problems,
        date_formats=date_formats,
    )


def read_table(
    path: str | Path, file_name: str | None = None
) -> tuple[pd.DataFrame | None, FileFormat, tuple[Problem, ...]]:
    """The whole file as text cells, read the way `inspect_file` detected it.

    For files small enough to hold in memory (assignment lists); never raises for a bad file:
    (None, format, problems) then. Columns carry the names `inspect_file` shows.
    """
    path = Path(path)
    file_name = file_name or path.name
    if not path.is_file():
        return None, FileFormat("csv"), (_problem("no_file", f"There is no file {path}."),)
    head = _read_head(path, file_name, whole_sheet=True)  # a sheet is read once, whole
    if not head.columns or any(p.severity == "error" for p in head.problems):
        return None, head.format, head.problems
    fmt = head.format
    try:
        if fmt.kind == "xlsx":
            assert head.frame is not None
            frame = head.frame.astype(object).where(head.frame.notna(), None)
        elif fmt.kind == "parquet":
            frame = pd.read_parquet(path).astype("string")
        else:
            frame = pd.read_csv(
                path,
                sep=fmt.delimiter or ",",
                encoding=fmt.encoding or "utf-8",
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
            )
    except (ValueError, UnicodeDecodeError, OSError) as error:
        message = f"{file_name} could not be read as {fmt.describe()}: {error}"
        return None, fmt, (_problem("unreadable_file", message),)
    if len(frame.columns) != len(head.columns):
        message = f"{file_name}: rows have a different number of columns than the header."
        return None, fmt, (_problem("unreadable_row", message),)
    frame.columns = pd.Index(head.columns)
    return frame, fmt, ()


def _column_values(head: _Head, column: str) -> list[str]:
    index = head.columns.index(column)
    return [row[index] for row in head.rows if index < len(row)]


# -- loading ---------------------------------------------------------------------------------
def _assigns(store: Store, experiment: str | None) -> bool:
    """The named experiment exists and assigned customers (a list, designed or registered)."""
    if not experiment:
        return False
    with store.cursor() as cur:
        row = cur.execute(
            "SELECT count(*) FROM assignments a JOIN experiments e"
            " ON e.experiment_id = a.experiment_id WHERE e.name = ?",
            [experiment],
        ).fetchone()
    return bool(row and row[0])


def _resolve_mapping(
    kind: Kind,
    columns: tuple[str, ...],
    mapping: dict[str, str] | None,
    file_name: str,
    optional: tuple[str, ...] = (),
) -> tuple[dict[str, str], list[Problem]]:
    """Merge explicit choices over the guesses and check them against the file and the kind."""
    problems: list[Problem] = []
    explicit = {source: target or IGNORE for source, target in (mapping or {}).items()}
    unknown = [source for source in explicit if source not in columns]
    if unknown:
        problems.append(
            _problem(
                "unknown_column",
                f"--map names column(s) {', '.join(repr(u) for u in unknown)} that {file_name} "
                f"does not have. Its columns are: {', '.join(columns)}.",
            )
        )
    fields = {f.name for f in FIELDS[kind]}
    if kind == "transactions":
        bad = sorted({t for t in explicit.values() if t not in fields and t != IGNORE})
        if bad:
            problems.append(
                _problem(
                    "unknown_field",
                    f"Unknown field(s) {', '.join(bad)} for transactions. "
                    f"Fields are: {', '.join(sorted(fields))} (or {IGNORE} to skip a column).",
                )
            )
    targets = Counter(t for t in explicit.values() if t in fields)
    doubled = [t for t, n in targets.items() if n > 1]
    if doubled:
        problems.append(
            _problem(
                "duplicate_mapping",
                f"Several columns are mapped to {', '.join(doubled)}; map one column per field.",
            )
        )
    chosen = {s: t for s, t in explicit.items() if s in columns}
    for source, target in guess_mapping(kind, columns).items():
        if source not in chosen and target not in chosen.values():
            chosen[source] = target
    mapped = set(chosen.values())
    missing = [f.name for f in FIELDS[kind] if f.required and f.name not in mapped | set(optional)]
    if missing:
        hint = ""
        if len(columns) == 1:
            hint = (
                f" Only one column was found ({columns[0][:60]!r}): the file may use a "
                "delimiter other than comma, semicolon or tab — export it as CSV with one of those."
            )
        problems.append(
            _problem(
                "missing_column",
                f"No column for required field(s) {', '.join(missing)} in {file_name}. "
                f"Columns found: {', '.join(c[:40] for c in columns)}. Map them with "
                f"--map COLUMN=FIELD (or on the Data page).{hint}",
            )
        )
    return chosen, problems


class _NulByte(Exception):
    """A NUL byte in a text file: binary data, or a broken export. `line` is 1-based."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _case_duplicates(
    kind: Kind, columns: tuple[str, ...], chosen: dict[str, str], file_name: str
) -> list[Problem]:
    """Attribute / result-field names that differ only in letter case ('Spend' and 'spend'):
    the store and its queries treat them as one name, so the file is refused, naming them."""
    if kind == "transactions":
        return []
    known = {f.name for f in FIELDS[kind]}
    names = [
        chosen.get(column, column)
        for column in columns
        if chosen.get(column) not in known and chosen.get(column) != IGNORE
    ]
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.casefold(), []).append(name)
    clashes = [" and ".join(repr(n) for n in group) for group in groups.values() if len(group) > 1]
    if not clashes:
        return []
    return [
        _problem(
            "duplicate_column",
            f"{file_name} has columns whose names differ only in letter case: "
            f"{'; '.join(clashes[:5])}. Rename one of each (or leave it out with "
            "--map COLUMN=-) so every field has its own name.",
        )
    ]


def _hash_and_transcode(
    path: Path, encoding: str | None, progress: Progress | None, newlines: bool = False
) -> tuple[str, Path | None]:
    """sha256 of the original bytes and, for non-UTF-8 text (or, with `newlines`, mixed line
    endings, which DuckDB's reader refuses), a UTF-8 copy with LF line ends. One pass."""
    digest = hashlib.sha256()
    size = max(path.stat().st_size, 1)
    decoder = None
    out = None
    target: Path | None = None
    if encoding in ("cp1251", "utf-16") or (newlines and encoding):
        decoder = codecs.getincrementaldecoder(encoding or "utf-8")(errors="strict")
        fd, name = tempfile.mkstemp(prefix="loyalty-lab-", suffix=".csv")
        out = os.fdopen(fd, "wb")
        target = Path(name)
    done = lines = 0
    text = encoding is not None and encoding != "utf-16"  # UTF-16 text is full of NUL bytes
    try:
        with path.open("rb") as f:
            carry = ""  # a CR at a chunk's end may start the next chunk's CRLF
            while chunk := f.read(CHUNK_BYTES):
                digest.update(chunk)
                if text and (nul := chunk.find(b"\x00")) >= 0:
                    raise _NulByte(lines + chunk.count(b"\n", 0, nul) + 1)
                if text:
                    lines += chunk.count(b"\n")
                if decoder is not None and out is not None:
                    decoded = carry + decoder.decode(chunk)
                    carry = ""
                    if newlines:
                        if decoded.endswith("\r"):
                            decoded, carry = decoded[:-1], "\r"
                        decoded = decoded.replace("\r\n", "\n")
                    out.write(decoded.encode("utf-8"))
                done += len(chunk)
                if progress:
                    verb = "Hashing and converting to UTF-8" if decoder else "Hashing"
                    progress(0.3 * done / size, verb)
            if decoder is not None and out is not None:
                out.write((carry + decoder.decode(b"", final=True)).encode("utf-8"))
    except BaseException:
        if out is not None:
            out.close()
        if target is not None:
            target.unlink(missing_ok=True)
        raise
    if out is not None:
        out.close()
    return digest.hexdigest(), target


def _word(finding: Finding, mapping: dict[str, str], file_name: str, max_chars: int) -> Problem:
    """A finding from the store turned into a message that names the file's column and rows."""
    by_field = {target: source for source, target in mapping.items()}
    column = by_field.get(finding.field or "", finding.field or "")
    where = f"column {column!r}" if column else "the file"
    where_ = where[:1].upper() + where[1:]
    rows = ", ".join(str(r) for r in finding.rows)
    more = (
        f" and {finding.count - len(finding.rows):,} more"
        if finding.count > len(finding.rows)
        else ""
    )
    at = f" in row{'s' if finding.count > 1 else ''} {rows}{more}" if rows else ""
    examples = ", ".join(repr(e) for e in finding.examples)
    eg = f" (e.g. {examples})" if examples else ""
    n = f"{finding.count:,}"
    code = finding.code
    one = finding.count == 1
    s, are, has = ("", "is", "has") if one else ("s", "are", "have")
    messages = {
        "empty_id": f"{n} row{s} {has} an empty customer id in {where}{at}. Every row needs one.",
        "bad_date": f"{n} date{s} in {where} could not be read{at}{eg}. Use YYYY-MM-DD or "
        "DD.MM.YYYY (with optional time); impossible dates such as 30 February are refused.",
        "bad_amount": f"{n} amount{s} in {where} {are} not a number{at}{eg}.",
        "bad_number": f"{n} value{s} in {where} {are} not a number{at}{eg}. "
        "Leave the cell blank when unknown.",
        "future_date": f"{n} date{s} in {where} {are} in the future{at}{eg}: check the date "
        "format (day and month swapped?) or the export.",
        "ancient_date": f"{n} date{s} in {where} {are} before 1900{at}{eg}: a two-digit year "
        "read as a year of the first century? Write years with four digits.",
        "negative_amount": f"{n} negative amount{s} in {where}{at} kept as refund{s}.",
        "implausible_amount": f"{n} amount{s} in {where} {are} beyond +-"
        f"{config.MAX_ABS_AMOUNT:,.0f} {config.CURRENCY}{at}{eg}: no single order is that large. "
        "Check the column mapping and the decimal separator.",
        "duplicate_order_id": f"{n} rows share an order id in {where}{at}{eg}. Order ids must "
        "be unique: sum the lines of an order into one row, or leave the order id unmapped.",
        "order_id_already_stored": f"{n} order id{s} in {where} {are} already in the store with "
        f"a different customer, date or amount{at}{eg}: this export overlaps an earlier upload "
        "and disagrees with it. Orders stored unchanged are skipped; for these, remove the "
        "earlier upload or correct the export.",
        "set_aside_no_customer": f"{n} row{s} without a customer id in {where}{at} (receipts "
        "without a loyalty card?) set aside: download them below.",
        "set_aside_totals_row": f"{n} totals row{s} (Итого, Total){at} set aside.",
        "set_aside_already_stored": f"{n} order{s}{at} {are} already in the store unchanged "
        f"(an overlapping export) and {'was' if one else 'were'} skipped.",
        "nothing_left": f"No row of {file_name} is left to load: all {n} data rows were set "
        "aside (see the other problems).",
        "cell_too_long": f"{n} cell{s} in {where} {are} longer than {max_chars:,} characters"
        f"{at}{eg}. No id or label is that long: is the column mapping right?",
        "formula_text": f"{n} cell{s} in {where} look{'s' if one else ''} like a spreadsheet "
        f"formula{at}{eg}; kept as plain text and never evaluated.",
        "empty_arm": f"{n} row{s} {has} no group / arm label in {where}{at} (for a file "
        "attached to a list without a group column: customers the experiment never assigned).",
        "duplicate_customer_id": f"{n} rows repeat a customer id in {where}{at}{eg}: a file of "
        "this kind needs one row per customer.",
        "too_many_arms": f"{where_} has {n} different labels - that does not look like a "
        "group column. Map the column that names the group (control, discount, ...).",
        "single_arm": f"{where_} has only one group label: there is nothing to compare against.",
        "unknown_arm": f"{n} group label{s} in {where} {are} not arms of the experiment{eg}.",
        "no_rows": f"{file_name} has a header but no data rows.",
        "duplicate_upload": f"{file_name} was already loaded; nothing loaded.",
        "bad_encoding": f"{file_name} is not valid UTF-8 text from row {rows or '?'} on "
        "(mixed encodings?). Save it again as CSV UTF-8.",
        "unreadable_row": f"Row {rows or '?'} of {file_name} cannot be read: {finding.detail} "
        "Check quotes and the number of columns in that row.",
    }
    message = messages.get(code, f"{code}: {n} rows{at}.")
    return Problem(code, finding.severity, message, finding.rows, finding.count)


def load_file(
    store: Store,
    kind: Kind,
    path: str | Path,
    mapping: dict[str, str] | None = None,
    experiment: str | None = None,
    file_name: str | None = None,
    progress: Progress | None = None,
    load_valid_rows: bool = False,
) -> LoadResult:
    """Validate a file and load it all-or-nothing.

    Bad files never raise: they return ``ok=False`` with problems naming rows, and the store
    is untouched. A file whose bytes were loaded before loads nothing and says when.

    Args:
        store: the store to load into.
        kind: transactions, customers or results.
        path: the file on disk.
        mapping: {file column: field} choices; they override the header guesses, and
            ``column: "-"`` leaves a column out. For customers and results any other target
            name renames that column's attribute / result field.
        experiment: results: experiment name to attach to (created when missing; default:
            the file name without extension).
        file_name: the name to record and show (the Data page passes the uploaded name).
        progress: called as ``progress(fraction, text)`` from the calling thread.
        load_valid_rows: instead of refusing a file with row errors, load its valid rows and
            set the others aside (the marketer's explicit choice; `LoadResult.set_aside`).
            Rows without a customer and totals rows are always set aside, never refused.

    Raises:
        StoreError: the store itself failed (locked, disk full), not the file.
    """
    if kind not in KINDS:
        raise StoreError(f"Unknown upload kind {kind!r}; use one of {', '.join(KINDS)}.")
    path = Path(path)
    file_name = file_name or path.name
    if not path.is_file():
        return LoadResult(
            False,
            kind,
            file_name,
            problems=(_problem("no_file", f"There is no file {path}."),),
        )
    size = path.stat().st_size
    if size > config.MAX_UPLOAD_MB * 1024 * 1024:
        return LoadResult(
            False,
            kind,
            file_name,
            problems=(
                _problem(
                    "too_large",
                    f"{file_name} is {size / 2**20:,.0f} MB; the limit is "
                    f"{config.MAX_UPLOAD_MB:,} MB. Split the file.",
                ),
            ),
        )
    if progress:
        progress(0.0, "Reading the file's beginning")
    head = _read_head(path, file_name, whole_sheet=True)
    fail = LoadResult(False, kind, file_name, problems=head.problems, format=head.format)
    if not head.columns or any(p.severity == "error" for p in head.problems):
        return fail
    # a result file for an experiment that assigned its customers needs no arm column: each
    # customer's arm is the one the experiment assigned (the file brings the outcomes)
    optional = ("arm",) if kind == "results" and _assigns(store, experiment) else ()
    chosen, problems = _resolve_mapping(kind, head.columns, mapping, file_name, optional)
    if optional and not {"arm", "customer_id"} & set(chosen.values()):
        problems.append(
            _problem(
                "missing_column",
                f"{file_name} has neither a group / arm column nor a customer column: map one "
                "of them with --map COLUMN=FIELD (or on the Data page).",
            )
        )
    problems += _case_duplicates(kind, head.columns, chosen, file_name)
    if problems:
        return LoadResult(False, kind, file_name, problems=tuple(problems), format=head.format)

    try:
        sha256, utf8_copy = _hash_and_transcode(
            path,
            head.format.encoding if head.format.kind == "csv" else None,
            progress,
            newlines=head.format.mixed_newlines,
        )
    except UnicodeDecodeError as error:
        message = (
            f"{file_name} is not valid {head.format.encoding} text throughout (byte "
            f"{error.start:,} of a chunk is not): mixed encodings? Save it again as CSV UTF-8."
        )
        return LoadResult(
            False,
            kind,
            file_name,
            problems=(_problem("bad_encoding", message),),
            format=head.format,
        )
    except _NulByte as error:
        message = (
            f"Line {error.line:,} of {file_name} contains a NUL byte (binary data inside a "
            "text file, e.g. a broken export): it would end up inside an id. Export the file "
            "again, or remove that line."
        )
        problem = _problem("nul_byte", message, rows=(error.line,), count=1)
        return LoadResult(False, kind, file_name, problems=(problem,), format=head.format)
    except OSError as error:  # the temporary folder for the UTF-8 copy is full or unwritable
        message = (
            f"{file_name} could not be converted to UTF-8 in the temporary folder "
            f"{tempfile.gettempdir()} ({error.strerror or error}). Free space there (or point "
            "TMPDIR at a larger disk) and load again; nothing was loaded."
        )
        return LoadResult(
            False, kind, file_name, problems=(_problem("temp_full", message),), format=head.format
        )
    try:
        with store.cursor() as cur:
            previous = uploads.find_loaded(cur, sha256)
        if previous is not None:
            return _duplicate(kind, file_name, previous, head.format, chosen)
        spec, notes = _spec(kind, head, chosen, sha256, file_name, experiment, path, utf8_copy)
        spec = replace(spec, load_valid_rows=load_valid_rows)
        outcome = uploads.load(store, spec, progress)
    finally:
        if utf8_copy is not None:
            utf8_copy.unlink(missing_ok=True)
    if outcome.already_loaded_at is not None:
        return _duplicate(
            kind,
            file_name,
            (outcome.previous_upload_id or 0, outcome.already_loaded_at),
            head.format,
            chosen,
        )
    worded = [_word(f, chosen, file_name, config.MAX_CELL_CHARS) for f in outcome.findings]
    problems = sorted(worded + notes, key=lambda p: p.severity != "error")
    return LoadResult(
        ok=outcome.upload_id is not None,
        kind=kind,
        file_name=file_name,
        upload_id=outcome.upload_id,
        rows=outcome.rows,
        problems=tuple(problems),
        experiment_id=outcome.experiment_id,
        experiment_created=outcome.experiment_created,
        format=head.format,
        mapping=chosen,
        set_aside=outcome.set_aside,
    )


def _duplicate(
    kind: Kind,
    file_name: str,
    previous: tuple[int, dt.datetime],
    fmt: FileFormat,
    chosen: dict[str, str],
) -> LoadResult:
    upload_id, loaded_at = previous
    message = (
        f"{file_name} was already loaded on {loaded_at:%Y-%m-%d %H:%M} as upload {upload_id}; "
        "nothing loaded. Remove that upload first to load the file again."
    )
    return LoadResult(
        False,
        kind,
        file_name,
        problems=(_problem("duplicate_upload", message),),
        already_loaded_at=loaded_at,
        previous_upload_id=upload_id,
        format=fmt,
        mapping=chosen,
    )


def _spec(
    kind: Kind,
    head: _Head,
    chosen: dict[str, str],
    sha256: str,
    file_name: str,
    experiment: str | None,
    path: Path,
    utf8_copy: Path | None,
) -> tuple[LoadSpec, list[Problem]]:
    notes: list[Problem] = []
    position = {column: i for i, column in enumerate(head.columns)}
    known = {f.name for f in FIELDS[kind]}
    fields = {target: position[source] for source, target in chosen.items() if target in known}
    extras: tuple[tuple[int, str], ...] = ()
    if kind != "transactions":
        extras = tuple(
            (i, chosen.get(column, column))
            for i, column in enumerate(head.columns)
            if chosen.get(column) not in known and chosen.get(column) != IGNORE
        )
    date_formats: tuple[str, ...] = ()
    if "ts" in fields:
        ts_column = head.columns[fields["ts"]]
        date_formats, ambiguous = detect_date_formats(_column_values(head, ts_column))
        if ambiguous:
            notes.append(
                _problem(
                    "ambiguous_dates",
                    f"Dates in column {ts_column!r} fit both day/month and month/day order; "
                    "read as day/month. Use YYYY-MM-DD to be unambiguous.",
                    severity="warning",
                    count=1,
                )
            )
    fmt = head.format
    if fmt.kind == "csv":
        source = StagingSource(
            "csv",
            len(head.columns),
            path=utf8_copy or path,
            delimiter=fmt.delimiter or ",",
        )
    elif fmt.kind == "parquet":
        source = StagingSource("parquet", len(head.columns), path=path, first_row_number=1)
    else:
        source = StagingSource("frame", len(head.columns), frame=head.frame)
    spec = LoadSpec(
        kind=kind,  # type: ignore[arg-type]  # load_file accepts only KINDS
        file_name=file_name,
        sha256=sha256,
        source=source,
        fields=fields,
        extras=extras,
        decimal_comma=fmt.decimal == ",",
        date_formats=date_formats,
        experiment=experiment,
        future_limit=dt.datetime.now() + dt.timedelta(days=config.FUTURE_TOLERANCE_DAYS),
        max_cell_chars=config.MAX_CELL_CHARS,
        rows_shown=config.PROBLEM_ROWS_SHOWN,
        max_abs_amount=config.MAX_ABS_AMOUNT,
        max_abs_result_value=config.MAX_ABS_RESULT_VALUE,
    )
    return spec, notes


def remove_upload(store: Store, upload_id: int) -> str:
    """Remove an upload's rows and audit entry in one transaction; returns a one-line message.

    Customers that only this upload referenced are dropped and first-seen dates recomputed.
    Raises StoreError for an unknown id.
    """
    return uploads.remove(store, int(upload_id))


__all__ = [
    "FIELDS",
    "IGNORE",
    "KINDS",
    "FieldSpec",
    "FileFormat",
    "Inspection",
    "LoadResult",
    "MappingError",
    "Problem",
    "detect_date_formats",
    "guess_mapping",
    "inspect_file",
    "load_file",
    "parse_mapping",
    "read_table",
    "remove_upload",
]
