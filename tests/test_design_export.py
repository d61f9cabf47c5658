"""The CRM export: BOM, separators, spreadsheet-safe cells, file names."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from experiments import design
from experiments.design import ArmSpec

CONTROL = ArmSpec("control", "control")
GIFT = ArmSpec("gift", "gift", gift_cost=250.0)
DISCOUNT = ArmSpec("10% off", "discount", discount_pct=10, redemption_share=0.4)


def ids(n: int) -> list[str]:
    return [f"cust-{i}" for i in range(n)]


ASSIGNED = pd.DataFrame(
    {
        "customer_id": ['=HYPERLINK("http://x")', "+7 900", "-12", "@sum", "plain", "Иван"],
        "arm": ["control", "gift", "gift", "control", "=cmd", "gift"],
        "arm_kind": ["control", "gift", "gift", "control", "custom", "gift"],
        "code": [None, "LL-A", "LL-B", None, None, "LL-C"],
    }
)


def test_escape_cell_neutralises_formula_starts_only():
    for text in ["=1+1", "+7", "-3", "@x", "\tx"]:
        assert design.escape_cell(text) == "'" + text
    assert design.escape_cell("a=b") == "a=b"
    assert design.escape_cell(12) == 12
    assert design.escape_cell(None) is None


@pytest.mark.parametrize("sep", [",", ";"])
def test_csv_has_bom_separator_and_escaped_cells(sep):
    data = design.assignments_csv(ASSIGNED, sep=sep)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    assert rows[0] == ["customer_id", "arm", "arm_kind", "code"]
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert [r[0] for r in rows[2:]] == ["'+7 900", "'-12", "'@sum", "plain", "Иван"]
    assert rows[5][1] == "'=cmd"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_code_column_is_optional():
    without = design.assignments_csv(ASSIGNED.assign(code=None)).decode("utf-8-sig")
    assert without.splitlines()[0] == "customer_id,arm,arm_kind"
    forced = design.assignments_csv(ASSIGNED, include_code=False).decode("utf-8-sig")
    assert "code" not in forced.splitlines()[0]
    with pytest.raises(design.DesignError):
        design.assignments_csv(ASSIGNED, sep="|")


def test_xlsx_holds_the_same_escaped_text():
    book = load_workbook(io.BytesIO(design.assignments_xlsx(ASSIGNED)))
    sheet = book["assignments"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["customer_id", "arm", "arm_kind", "code"]
    assert values[1][0] == '\'=HYPERLINK("http://x")'
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value)


def test_export_file_name():
    assert design.export_file_name("Q3 gift") == "Q3 gift-assignments.csv"
    assert design.export_file_name("a/b:c", "xlsx") == "a_b_c-assignments.xlsx"
    assert design.export_file_name("..") == "experiment-assignments.csv"
