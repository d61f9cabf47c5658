"""Files from Russian shops, as a reviewer tried them: XLSX amounts saved as text with a decimal
comma (1C), cp1251 bytes behind a UTF-8 BOM, an upload whose every row is set aside, and
messages that show a user's value as typed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from experiments import ingest
from experiments.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "files.duckdb")
    yield s
    s.close()


def rows_of(store: Store, sql: str) -> list[tuple]:
    with store.cursor() as cur:
        return cur.execute(sql).fetchall()


def _sheet(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """A workbook as 1C saves it: amounts in text cells (data_type 's'), dates as dates."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    book.save(path)
    return path


# -- 2. XLSX amounts as text with a decimal comma ------------------------------------------------
def test_xlsx_amounts_in_text_cells_with_a_decimal_comma_load_as_numbers(store, tmp_path):
    path = _sheet(
        tmp_path / "1c.xlsx",
        ["Клиент", "Дата", "Сумма"],
        [
            ["c1", dt.datetime(2024, 1, 5), "1 234,50"],
            ["c2", dt.datetime(2024, 1, 6), "857,49"],
            ["c3", dt.datetime(2024, 1, 7), "1\u00a0000,00"],
            ["c4", dt.datetime(2024, 1, 8), 20.25],  # a number cell beside them
            ["c5", dt.datetime(2024, 1, 9), "12"],
        ],
    )
    result = ingest.load_file(store, "transactions", path)
    assert result.ok, result.summary()
    assert result.rows == 5
    amounts = rows_of(store, "SELECT customer_id, amount FROM transactions ORDER BY customer_id")
    assert amounts == [("c1", 1234.5), ("c2", 857.49), ("c3", 1000.0), ("c4", 20.25), ("c5", 12.0)]


def test_xlsx_result_file_with_text_decimal_commas_loads_as_numbers(store, tmp_path):
    path = _sheet(
        tmp_path / "results.xlsx",
        ["customer_id", "arm", "revenue"],
        [[f"c{i}", "control" if i % 2 else "gift", f"{i},5"] for i in range(1, 41)],
    )
    result = ingest.load_file(store, "results", path, experiment="from 1C")
    assert result.ok, result.summary()
    assert result.rows == 40
    # on main the field was kept as text: value NULL, text '1,5'
    values = rows_of(
        store, "SELECT value, text FROM campaign_results WHERE field = 'revenue' ORDER BY row_no"
    )
    assert values == [(i + 0.5, None) for i in range(1, 41)]


# -- 3. cp1251 bytes behind a UTF-8 BOM ------------------------------------------------------
BOM_CP1251 = b"\xef\xbb\xbf" + (
    "Клиент;Дата;Сумма;Канал\r\n"
    "Иванов-1;05.01.2024;10,50;Магазин\r\n"
    "Петров-2;06.01.2024;20;Сайт\r\n"
    "Иванов-1;01.02.2024;5,25;Магазин\r\n"
).encode("cp1251")


def test_inspect_reads_cp1251_behind_a_utf8_bom(tmp_path):
    path = tmp_path / "bom1251.csv"
    path.write_bytes(BOM_CP1251)
    preview = ingest.inspect_file(path, "transactions")
    assert not [p for p in preview.problems if p.severity == "error"], preview.problems
    assert preview.columns[0] == "Клиент" and "Канал" in preview.columns
    assert preview.format.delimiter == ";" and preview.format.decimal == ","


def test_load_reads_cp1251_behind_a_utf8_bom(store, tmp_path):
    path = tmp_path / "bom1251.csv"
    path.write_bytes(BOM_CP1251)
    result = ingest.load_file(store, "transactions", path)
    assert result.ok, result.summary()
    got = rows_of(store, "SELECT customer_id, amount, channel FROM transactions ORDER BY ts")
    assert got == [
        ("Иванов-1", 10.5, "Магазин"),
        ("Петров-2", 20.0, "Сайт"),
        ("Иванов-1", 5.25, "Магазин"),
    ]
    frame, _, problems = ingest.read_table(path)
    assert not problems and frame is not None
    assert list(frame.columns) == ["Клиент", "Дата", "Сумма", "Канал"]
    assert frame["Клиент"].tolist() == ["Иванов-1", "Петров-2", "Иванов-1"]


def test_a_real_utf8_bom_file_is_still_utf8(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "Клиент,Дата,Сумма\nИванов,2024-01-05,10\n".encode())
    assert ingest.inspect_file(path, "transactions").format.encoding == "utf-8-sig"


def test_a_bom_then_ascii_header_then_cp1251_rows_is_not_called_mixed(store, tmp_path):
    path = tmp_path / "ascii_header.csv"
    path.write_bytes(
        b"\xef\xbb\xbfcustomer_id;ts;amount\r\n" + "Иван;05.01.2024;10,50\r\n".encode("cp1251")
    )
    result = ingest.load_file(store, "transactions", path)
    assert result.ok, result.summary()
    assert rows_of(store, "SELECT customer_id, amount FROM transactions") == [("Иван", 10.5)]
