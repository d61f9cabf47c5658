"""The assignment list for a CRM: CSV / XLSX exports with spreadsheet-safe cells."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from typing import Literal

import pandas as pd

from experiments.design.arms import DesignError
from experiments.i18n.text import Text

EXPORT_COLUMNS: tuple[str, ...] = ("customer_id", "arm", "arm_kind", "code")
# The ArmSpec fields that set each kind's cost: the assignment list carries them (a column only
# when an arm of that kind is in it), so the list re-imports with its kinds and costs.
COST_FIELDS: dict[str, tuple[str, ...]] = {
    "control": (),
    "discount": ("discount_pct", "redemption_share"),
    "gift": ("gift_cost",),
    "outreach": ("minutes", "hourly_cost"),
    "custom": ("custom_cost",),
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a signed plain number ('+79161234567', '-5', '-1.5', '1e5'): data, not a formula; prefixing
# it with "'" would change a customer id that a CRM re-imports
PLAIN_NUMBER = re.compile(r"[+\-\u2212]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+\-]?\d+)?")
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def escape_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) with '.

    Decided per cell: a plain signed number ('+79161234567', '-5') runs nothing and stays as
    it is, so an id exported and read back is the same id; anything else with a formula
    start ('+cmd|...', '-2+3+cmd|...', '+7 900') is prefixed (OWASP CSV injection).
    """
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def escape_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with `escape_cell` applied to every text cell and every column name: for every
    sheet and CSV a spreadsheet may open (arm, metric and file column names are user text)."""
    out = frame.rename(columns=lambda c: escape_cell(c) if isinstance(c, str) else c)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(escape_cell)
    return out


def export_frame(assignments: pd.DataFrame, *, include_code: bool | None = None) -> pd.DataFrame:
    """The columns that are exported, every text cell escaped.

    Args:
        assignments: customer_id, arm, arm_kind and (optionally) code.
        include_code: keep the code column; None = keep it when any customer has a code.
    """
    return _export(assignments, include_code, _cost_text)


def _export(
    assignments: pd.DataFrame, include_code: bool | None, cost: Callable[[object], object]
) -> pd.DataFrame:
    """`export_frame` with each cost cell written by `cost` (text for CSV, a number for XLSX)."""
    frame = assignments.copy()
    if include_code is None:
        include_code = "code" in frame and bool(frame["code"].notna().any())
    columns = [c for c in EXPORT_COLUMNS if c != "code" or include_code]
    if "code" not in frame:
        frame["code"] = None
    kinds = set(frame["arm_kind"].dropna()) if "arm_kind" in frame else set()
    for kind, cost_fields in COST_FIELDS.items():
        for name in cost_fields:
            if kind in kinds and name in frame:
                frame[name] = frame[name].where(frame["arm_kind"] == kind).map(cost)
                columns.append(name)
    frame = frame[columns]
    for column in columns:
        frame[column] = frame[column].map(escape_cell)
    return frame


def _cost_number(value: object) -> float | None:
    """A cost as a number; None when there is none (empty, NaN, pd.NA)."""
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _cost_text(value: object) -> str | None:
    number = _cost_number(value)
    return None if number is None else f"{number:.15g}"  # 1234567.5 was "1.23457e+06"


def _xlsx_cell(value: object) -> object:
    """A cell as openpyxl writes it: None (an empty cell) for a missing value, numbers as
    numbers, everything else as text (ids such as '007' keep their zeros)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def assignments_csv(
    assignments: pd.DataFrame, *, sep: str = ",", include_code: bool | None = None
) -> bytes:
    """CSV bytes, UTF-8 with BOM so Excel opens Cyrillic text correctly; `sep` ',' or ';'."""
    if sep not in (",", ";"):
        raise DesignError(Text("design.error.separator"))
    buffer = io.StringIO()
    export_frame(assignments, include_code=include_code).to_csv(
        buffer, sep=sep, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    return buffer.getvalue().encode("utf-8-sig")


def assignments_xlsx(assignments: pd.DataFrame, *, include_code: bool | None = None) -> bytes:
    """XLSX bytes (one sheet 'assignments'): ids, arms and codes as escaped text, costs as
    numbers, missing values as empty cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    frame = _export(assignments, include_code, _cost_number)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("assignments")

    def cell(value: object) -> object:
        if not isinstance(value, str):
            return value
        text = WriteOnlyCell(sheet, value)
        text.data_type = "s"  # a string cell, never a formula (openpyxl makes '=...' one)
        return text

    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([cell(_xlsx_cell(v)) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_file_name(experiment_name: str, extension: Literal["csv", "xlsx"] = "csv") -> str:
    """`<experiment>-assignments.<ext>`, with characters no file system accepts replaced by _."""
    stem = _UNSAFE_FILE_CHARS.sub("_", experiment_name).strip(" .") or "experiment"
    return f"{stem}-assignments.{extension}"
