"""The value objects of an upload: what a file is, what a field is, what went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from experiments.i18n.text import Text

Kind = Literal["transactions", "customers", "results", "assignments"]
FileKind = Literal["csv", "xlsx", "parquet"]
Severity = Literal["error", "warning"]

# what load_file loads; assignment lists share detection, guesses and the mapping form, and
# design_sql registers them from `read_table`
KINDS: tuple[Kind, ...] = ("transactions", "customers", "results")
IGNORE = "-"  # map a column to this to leave it out of the load


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
        """What the file was read as: 'XLSX', 'PARQUET', or for a CSV a catalogue `Text`
        that reads 'CSV, cp1251, semicolon-separated, decimal comma' as a str and renders
        'CSV, `cp1251`, разделитель — точка с запятой, десятичный знак — запятая' in Russian."""
        if self.kind != "csv":
            return self.kind.upper()
        delimiter = {"\t": "tab", ",": "comma", ";": "semicolon"}.get(self.delimiter or ",")
        decimal = "comma" if self.decimal == "," else "point"
        return Text(
            "upload.format.csv",
            encoding=self.encoding,
            delimiter=Text(f"upload.delimiter.{delimiter}"),
            decimal=Text(f"upload.decimal.{decimal}"),
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


def problem(code: str, message: str, severity: Severity = "error", **kw: object) -> Problem:
    return Problem(code, severity, message, **kw)  # type: ignore[arg-type]
