"""CSV for Excel: a table a Russian Excel opens by a double click, with every cell as it was.

Excel reads a double-clicked CSV with the system's list separator and decimal mark, which on
Russian Windows are ';' and ','. A plain ``to_csv`` (',' and '.') opens as one column of text,
and its ``857.49`` is not a number there. The rules here (tests/test_export.py reads files
back with pandas):

* **Separator and numbers**: ';' between cells, CRLF line ends; numbers with a decimal comma,
  no digit groups and no exponent (``1234567,5``, ``0,0000001``); a missing value is empty.
* **Dates**: ``08.03.2026``, with `` 14:05:00`` when the moment has a time of day (the order
  Russian Excel reads as a date).
* **Encoding**, the user's choice: UTF-8 with a BOM (the default: every character; Excel 2016
  and later read the BOM) or Windows-1251 (older Excel, 1C). Windows-1251 has no '₽'. A few
  typographic characters our own formatting writes are replaced by a fixed rule
  (`CP1251_REPLACEMENTS`: '₽' -> 'руб.', narrow no-break space -> no-break space, '−' -> '-',
  ...); any other character it cannot hold (an emoji in an arm name, 'ß', Chinese) is refused
  with `Cp1251Unencodable`, naming the character, column and row, and suggesting UTF-8:
  replacing it by '?' would silently change names and ids.
* **Text stays text**: Excel turns ``00123`` into the number 123, an 18-digit card number into
  ``1,23457E+17``, ``03-04`` into a date and ``1,5`` into a number, on opening, and nothing in a
  CSV can say 'this column is text'. A text cell that looks like a number, a date or a time is
  therefore written as the formula ``="00123"``, which Excel shows as the text ``00123``. That
  form is ours alone: it wraps only cells made of digits and ``.,:/%-`` spaces and 'e' (no
  quote can end it early), written unquoted as Excel needs; `unwrap_text` reads it back.
  A sign may lead (``="+79161234567"``, ``="-5"``): an id that reads as a number comes back as
  the same text. In Windows-1251 such a wrapped value is never changed by the replacements
  below: an id ``−5`` (U+2212) is refused, not written as ``-5``.
* **No formulas from user text**: every other text cell and column name goes through the one
  spreadsheet rule, `design.escape_cell` (a leading = + - @ tab CR gets a "'", unless the cell
  is a plain signed number), then CSV quoting when it holds ';', a quote or a line break.

The other two downloads of a table live here too, so every table offers the same three: `csv`
(UTF-8 with a BOM, ',' and '.', what scripts read) and `xlsx` (one sheet per table; text
cells stay text, so an id ``00123`` keeps its zeros). `localized` gives a table its headers in
the user's language (``column.*`` in experiments/i18n/messages_output.py) for the screen and
all three files; English keeps the column codes scripts have always read.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterator, Mapping
from typing import Literal, get_args

import numpy as np
import pandas as pd

from experiments.design import escape_cell, escape_cells
from experiments.i18n import DEFAULT_LANGUAGE, MESSAGES, Lang, t

Encoding = Literal["utf-8-sig", "cp1251"]
ENCODINGS: tuple[Encoding, ...] = get_args(Encoding)
DEFAULT_ENCODING: Encoding = "utf-8-sig"
SEPARATOR = ";"
LINE_END = "\r\n"
# characters our formatting writes that Windows-1251 lacks, each with what it means there
CP1251_REPLACEMENTS = {
    "₽": "руб.",
    "\u202f": "\u00a0",  # narrow no-break space (CLDR's ru dates) -> no-break space
    "\u2009": " ",  # thin space
    "\u2212": "-",  # minus sign
    "\u2011": "-",  # non-breaking hyphen
}
# Excel would convert it: digits and separators, after a sign ('+79161234567', '-5', '−5')
_LOOKS_NUMERIC = re.compile(r"[+\-\u2212]?[0-9.,][0-9.,:/%eE \u00a0-]*")
_WRAPPED = re.compile(r'="([+\-\u2212]?[0-9.,:/%eE \u00a0-]*)"')
_NEEDS_QUOTES = re.compile(r'[;"\r\n]')


class Cp1251Unencodable(ValueError):
    """A cell has a character Windows-1251 cannot hold; the user should choose UTF-8.

    Attributes:
        char: the first such character.
        column: the column's name.
        row: the row as Excel numbers it (the header is row 1).
    """

    def __init__(self, char: str, column: str, row: int) -> None:
        self.char, self.column, self.row = char, column, row
        super().__init__(self.message("en"))

    def message(self, lang: Lang) -> str:
        """What to tell the user, in their language."""
        return t("export.cp1251_refused", lang, char=self.char, column=self.column, row=self.row)


def unwrap_text(value: object) -> object:
    """A cell read back from an `excel_csv` file as the text it was: '="00123"' -> '00123'."""
    if isinstance(value, str):
        found = _WRAPPED.fullmatch(value)
        if found:
            return found.group(1)
    return value


def _number(value: float) -> str:
    if isinstance(value, int | np.integer):
        return str(int(value))
    if not math.isfinite(value):
        return ""  # an infinity is no number a spreadsheet should compute with
    text = repr(float(value))  # the shortest text that reads back as the same float
    if "e" in text:  # 1e-07, 1e+16: Excel reads no exponent in a Russian CSV
        text = np.format_float_positional(value, trim="-")
    return text.replace(".", ",")


def _moment(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M:%S")
    return value.strftime("%d.%m.%Y")


def _text(value: str) -> str:
    if _wrapped_as_text(value):
        return f'="{value}"'
    escaped = str(escape_cell(value))
    if _NEEDS_QUOTES.search(escaped):
        return '"' + escaped.replace('"', '""') + '"'
    return escaped


def _cell(value: object) -> tuple[str, bool]:
    """The cell as written, and whether it is text (text is what an encoding can refuse)."""
    if isinstance(value, str):
        return _text(value), True
    if value is None or value is pd.NA or value is pd.NaT:
        return "", False
    if isinstance(value, float) and math.isnan(value):
        return "", False
    if isinstance(value, bool | np.bool_):
        return str(bool(value)), False
    if isinstance(value, int | float | np.integer | np.floating):
        return _number(value), False  # type: ignore[arg-type]
    if isinstance(value, dt.date):
        return _moment(value), False
    return _text(str(value)), True


def _cp1251(cell: str, column: str, row: int) -> str:
    """The cell in Windows-1251: our formatting's characters replaced in prose, never in a
    value wrapped as text ('="−5"': an id is written exactly or refused, not changed)."""
    if cell.isascii():
        return cell
    if not cell.startswith('="'):
        for char, replacement in CP1251_REPLACEMENTS.items():
            cell = cell.replace(char, replacement)
    try:
        cell.encode("cp1251")
    except UnicodeEncodeError as error:
        raise Cp1251Unencodable(cell[error.start], column, row) from None
    return cell


def _column(name: str, values: pd.Series, encoding: Encoding) -> list[str]:
    """One column's cells as written; typed columns are converted without a per-cell type test
    (a table of a million customers is written in seconds, not minutes)."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_object_dtype(values):
        pass  # mixed cells: one by one below
    elif pd.api.types.is_integer_dtype(values) and not values.hasnans:
        return values.astype("int64").astype(str).tolist()
    elif pd.api.types.is_float_dtype(values):
        return [_number(v) if v == v else "" for v in values.tolist()]
    elif pd.api.types.is_datetime64_any_dtype(values):
        day = values.dt.strftime("%d.%m.%Y")
        moment = values.dt.strftime("%d.%m.%Y %H:%M:%S")
        timed = values.dt.normalize() != values
        return moment.where(timed, day).fillna("").tolist()
    cells: list[str] = []
    for row, value in enumerate(values.tolist(), start=2):  # the header is Excel's row 1
        cell, is_text = _cell(value)
        cells.append(_cp1251(cell, name, row) if is_text and encoding == "cp1251" else cell)
    return cells


def _lines(frame: pd.DataFrame, encoding: Encoding) -> Iterator[str]:
    names = [str(c) for c in frame.columns]
    header = [_text(name) for name in names]
    if encoding == "cp1251":
        header = [_cp1251(cell, name, 1) for cell, name in zip(header, names, strict=True)]
    yield SEPARATOR.join(header)
    columns = [_column(name, frame.iloc[:, i], encoding) for i, name in enumerate(names)]
    yield from map(SEPARATOR.join, zip(*columns, strict=True))


def excel_csv(frame: pd.DataFrame, encoding: Encoding = DEFAULT_ENCODING) -> bytes:
    """The table as a CSV for Excel (the rules in this module's docstring).

    Args:
        frame: the table as shown, headers included (in the user's language); the index is
            not written.
        encoding: 'utf-8-sig' (UTF-8 with a BOM) or 'cp1251' (Windows-1251).

    Raises:
        Cp1251Unencodable: Windows-1251 was chosen and a cell has a character it lacks.
        ValueError: an encoding we do not offer.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
    text = "".join(line + LINE_END for line in _lines(frame, encoding))
    return text.encode(encoding)


def check_cp1251(frame: pd.DataFrame) -> None:
    """Refuse a table Windows-1251 cannot hold, as ``excel_csv(frame, "cp1251")`` would,
    without writing it: a page says so before the click, and the file is built on click.

    Each text column's cells are tried at once (about 0.2 s for a million ids); only a column
    that fails is written out, to name its first such cell.

    Raises:
        Cp1251Unencodable: the header or a cell has a character Windows-1251 lacks.
    """

    def holds(cells: list[str]) -> bool:
        wrapped = [v for v in cells if _wrapped_as_text(v)]  # written as they are: no replacing
        text = "\n".join(v for v in cells if not _wrapped_as_text(v))
        for char, replacement in CP1251_REPLACEMENTS.items():
            text = text.replace(char, replacement)
        try:
            (text + "\n" + "\n".join(wrapped)).encode("cp1251")
        except UnicodeEncodeError:
            return False
        return True

    if not holds([str(c) for c in frame.columns]):
        excel_csv(frame.head(0), "cp1251")
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        if not holds([v for v in column if isinstance(v, str)]):
            excel_csv(frame.iloc[:, [position]], "cp1251")


def _wrapped_as_text(value: str) -> bool:
    """A text cell Excel would read as a number or a date, written as ``="..."``."""
    return bool(_LOOKS_NUMERIC.fullmatch(value)) and any(ch.isdigit() for ch in value)


# the adjustment table's headers read as sentences; their catalogue keys are short
_COLUMN_KEYS = {
    "unadjusted CI low": "unadjusted_low",
    "unadjusted CI high": "unadjusted_high",
    "adjusted (CUPED)": "adjusted",
    "adjusted CI low": "adjusted_low",
    "adjusted CI high": "adjusted_high",
    "variance reduction": "variance_reduction",
}
_METHODS = {"cuped": "CUPED", "welch": "Welch", "z": "z"}


def column_label(name: str, lang: Lang = DEFAULT_LANGUAGE) -> str:
    """A column's header in a language (``report.col.*``): ru 'ci_low' -> 'Интервал от'.
    English, and a column the catalogue does not name (a metric from a user's file), keep
    the name."""
    if lang == "en":
        return name
    key = f"report.col.{_COLUMN_KEYS.get(name, name).replace(' ', '_')}"
    return t(key, lang) if key in MESSAGES else name


def cell_label(column: str, value: object, lang: Lang = DEFAULT_LANGUAGE) -> object:
    """A cell that holds a code, in words: metrics, methods, statuses, arm kinds and roles
    (ru 'repeat_purchase' -> 'Повторная покупка'); other cells as they are."""
    if lang == "en" or not isinstance(value, str):
        return value
    if column == "metric" and f"metric.{value}" in MESSAGES:
        return t(f"metric.{value}", lang)
    if column == "method":
        return _METHODS.get(value, value)
    if column == "status" and f"report.effect_status.{value}" in MESSAGES:
        return t(f"report.effect_status.{value}", lang)
    if column in ("kind", "role") and f"arm_kind.{value}" in MESSAGES:
        return t(f"arm_kind.{value}", lang)
    if column == "role" and value == "treated":
        return t("report.role.treated", lang)
    if column == "unit" and value == "%, pp":
        return f"%, {t('unit.percentage_points', lang)}"
    return value


_CODE_COLUMNS = ("metric", "method", "status", "kind", "role", "unit")


def localized(frame: pd.DataFrame, lang: Lang = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """The table in `lang` for the screen and every export (CSV, CSV for Excel, XLSX): headers
    by `column_label`, code cells by `cell_label`, so the file reads like the page. English
    keeps the column codes and values scripts have always read."""
    if lang == "en":
        return frame
    out = frame.copy()
    for column in _CODE_COLUMNS:
        if column in out.columns:
            out[column] = out[column].map(lambda v, c=column: cell_label(c, v, lang))
    return out.rename(columns={c: column_label(c, lang) for c in out.columns if isinstance(c, str)})


def csv(frame: pd.DataFrame) -> bytes:
    """The plain CSV download: ',' and '.', UTF-8 with a BOM (Excel shows Cyrillic right),
    user text that a spreadsheet would run as a formula made inert (`design.escape_cells`).

    Lines end in CRLF (RFC 4180), so a cell holding a bare CR is quoted too: with '\n' lines
    pandas left it bare and a reader split the row there."""
    return escape_cells(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An Excel workbook, one sheet per table (sheet names cut to Excel's 31 characters).

    Text cells are written as text, so an id '00123' or an 18-digit card number stays exactly
    as it was (Excel converts only what it parses from CSV), and user text that would run as
    a formula is made inert first.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            escape_cells(frame).to_excel(writer, sheet_name=name[:31], index=False)
            for row in writer.book.worksheets[-1].iter_rows():
                for cell in row:  # text is a string cell, never a formula (openpyxl makes
                    if isinstance(cell.value, str):  # any '=...' text one)
                        cell.data_type = "s"
    return buffer.getvalue()
