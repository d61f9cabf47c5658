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


# -- 4. every row of an upload set aside --------------------------------------------------------
WEEK = (
    "customer_id,order_id,ts,amount\nc1,o1,2024-01-05,10\nc2,o2,2024-01-06,20\nc3,o3,2024-01-07,5\n"
)


def _reloaded(store: Store, tmp_path: Path) -> Path:
    first = tmp_path / "week1.csv"
    first.write_text(WEEK)
    assert ingest.load_file(store, "transactions", first).ok
    again = tmp_path / "week1_again.csv"  # the same orders, saved again (CRLF, a totals row)
    again.write_bytes((WEEK + "Итого,,,35\n").replace("\n", "\r\n").encode())
    return again


def test_all_rows_set_aside_says_why_with_counts_and_keeps_the_rows(store, tmp_path):
    result = ingest.load_file(store, "transactions", _reloaded(store, tmp_path))
    assert not result.ok
    summary = result.summary()
    assert "all 4 data rows were set aside" in summary
    assert "3 orders already in the store unchanged" in summary and "1 totals row" in summary
    assert "see the other problems" not in summary
    russian = result.summary_in("ru")
    assert "3 заказа уже есть в базе без изменений" in russian and "1 строка итогов" in russian
    assert "см. другие проблемы" not in russian
    assert result.set_aside is not None and result.set_aside_rows == 4


def test_cli_set_aside_writes_the_rows_when_every_row_was_set_aside(tmp_path, capsys):
    from experiments.__main__ import main as cli_main
    from experiments.store import _open as store_registry
    from experiments.store import _open_lock as store_registry_lock

    db = tmp_path / "cli.duckdb"
    store = Store(db)
    again = _reloaded(store, tmp_path)
    store.close()
    aside = tmp_path / "aside.csv"
    try:
        code = cli_main(
            ["--db", str(db), "load", "transactions", str(again), "--set-aside", str(aside)]
        )
    finally:
        with store_registry_lock:
            opened = store_registry.pop(db.resolve(), None)
        if opened is not None:
            opened.close()
    err = capsys.readouterr().err
    assert code != 0
    assert "3 orders already in the store unchanged" in err
    written = aside.read_text(encoding="utf-8-sig").splitlines()
    assert len(written) == 5  # the header and the 4 rows


# -- 5. a user's value shown as typed, never as a Python repr --------------------------------------
def test_messages_show_values_as_typed_not_as_python_reprs(store, tmp_path):
    path = tmp_path / "nbsp.csv"
    path.write_text(
        "Клиент;Дата;Сумма \"руб\" и 'коп'\n"
        "c1;05.01.2024;1\u00a0234,5x\n"
        "c2;06.01.2024;O'Brien\n"
        "c3;07.01.2024;10\n",
        encoding="utf-8",
    )
    result = ingest.load_file(
        store, "transactions", path, mapping={"Сумма \"руб\" и 'коп'": "amount"}
    )
    assert not result.ok
    for lang in ("en", "ru"):
        text = result.summary_in(lang)
        assert "\\xa0" not in text and "\\'" not in text and '"O' not in text, text
        assert "1\u00a0234,5x" in text and "'O'Brien'" in text, text
        assert "Сумма \"руб\" и 'коп'" in text, text


def test_the_one_quoting_helper():
    from experiments.escape import quoted

    assert quoted("1\u00a0234") == "'1\u00a0234'"
    assert quoted("O'Brien") == "'O'Brien'"
    assert quoted(b"\xd0\x98\xd0\xb2") == "'Ив'"
    assert quoted("a\nb\tc\x00") == "'a b c\ufffd'"
