"""The CRM export: BOM, separators, spreadsheet-safe cells, file names."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from experiments import design
from experiments.design import ArmSpec
from experiments.design.export import PLAIN_NUMBER

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
    for text in ["=1+1", "+7 900", "-3+x", "@x", "\tx", "-"]:
        assert design.escape_cell(text) == "'" + text
    for number in ["+7", "-3", "+79161234567", "-1.5"]:  # plain numbers are data (ids)
        assert design.escape_cell(number) == number
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
    assert [r[0] for r in rows[2:]] == ["'+7 900", "-12", "'@sum", "plain", "Иван"]
    assert rows[5][1] == "'=cmd"
    assert not any(
        cell.startswith(("=", "+", "-", "@")) and not PLAIN_NUMBER.fullmatch(cell)
        for row in rows
        for cell in row
    )


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


COSTED = pd.DataFrame(
    {
        "customer_id": ["007", "0012", "15", "16"],
        "arm": ["gift", "gift B", "10% off", "control"],
        "arm_kind": ["gift", "gift", "discount", "control"],
        "gift_cost": [1_234_567.5, None, None, None],
        "discount_pct": [None, None, 10.0, None],
        "redemption_share": [None, None, 0.123456789, None],
    }
)


def test_xlsx_writes_costs_as_numbers_and_missing_ones_as_empty_cells():
    """An empty gift_cost was written as the text 'nan' and every cost as text ('250')."""
    sheet = load_workbook(io.BytesIO(design.assignments_xlsx(COSTED)))["assignments"]
    rows = [list(row) for row in sheet.iter_rows()]
    header = [c.value for c in rows[0]]
    assert header == [
        "customer_id", "arm", "arm_kind", "discount_pct", "redemption_share", "gift_cost"
    ]  # fmt: skip
    cells = {(r[0].value, header[i]): c for r in rows[1:] for i, c in enumerate(r)}
    assert [r[0].value for r in rows[1:]] == ["007", "0012", "15", "16"]  # ids stay text
    assert all(r[0].data_type == "s" for r in rows[1:])
    assert cells[("007", "gift_cost")].value == 1_234_567.5  # the number itself, not '%g' text
    assert cells[("007", "gift_cost")].data_type == "n"
    assert cells[("15", "discount_pct")].value == 10
    assert cells[("15", "redemption_share")].value == 0.123456789
    for key in [("0012", "gift_cost"), ("16", "gift_cost"), ("007", "discount_pct")]:
        assert cells[key].value is None, key  # empty, never 'nan' or ''
    texts = [c.value for r in rows for c in r if c.data_type == "s"]
    assert "nan" not in texts and "" not in texts
    back = pd.read_excel(io.BytesIO(design.assignments_xlsx(COSTED)), dtype={"customer_id": str})
    assert back["gift_cost"].dtype == float and back["customer_id"].tolist()[0] == "007"


def test_csv_costs_keep_their_digits():
    rows = list(csv.DictReader(io.StringIO(design.assignments_csv(COSTED).decode("utf-8-sig"))))
    assert [r["gift_cost"] for r in rows] == ["1234567.5", "", "", ""]
    assert rows[2]["discount_pct"] == "10" and rows[2]["redemption_share"] == "0.123456789"
