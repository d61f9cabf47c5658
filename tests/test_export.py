"""CSV for Excel: written with ';', a decimal comma and the chosen encoding, read back with
pandas as Russian Excel would read it."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from experiments.export import (
    ENCODINGS,
    Cp1251Unencodable,
    excel_csv,
    unwrap_text,
)
from experiments.i18n import Formatter


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Клиент": ["00123", "0042", "12345678901234567890", "A-17", "Иванов; Пётр"],
            "Группа": ["контроль", "скидка 10%", '=HYPERLINK("http://x")', "@SUM(A1)", "+7916"],
            "Сумма": [1234567.89, -0.5, 0.1 + 0.2, np.nan, 1e-7],
            "Заказов": [1, 2, 3, 4, 5],
            "Дата": pd.to_datetime(
                ["2026-03-08", "2026-03-08 14:05", None, "2026-12-31", "2026-01-02"],
                format="ISO8601",
            ),
        }
    )


def _read(data: bytes, encoding: str) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(data),
        sep=";",
        decimal=",",
        encoding=encoding,
        dtype={"Клиент": str, "Группа": str},
        keep_default_na=False,
        na_values={"Сумма": [""]},
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_read_back_with_pandas_as_excel_reads_it(encoding):
    data = excel_csv(_table(), encoding)
    back = _read(data, encoding)
    assert list(back.columns) == ["Клиент", "Группа", "Сумма", "Заказов", "Дата"]
    # ids keep their leading zeros and every digit, as text
    assert back["Клиент"].map(unwrap_text).tolist() == [
        "00123",
        "0042",
        "12345678901234567890",
        "A-17",
        "Иванов; Пётр",
    ]
    # user text that would run as a formula is neutralised by the one spreadsheet rule
    assert back["Группа"].tolist() == [
        "контроль",
        "скидка 10%",
        '\'=HYPERLINK("http://x")',
        "'@SUM(A1)",
        '="+7916"',  # a plain signed number is data: wrapped as text, read back by unwrap_text
    ]
    assert back["Сумма"].tolist()[:3] == [1234567.89, -0.5, 0.30000000000000004]
    assert np.isnan(back["Сумма"][3])
    assert back["Сумма"][4] == 1e-7
    assert back["Заказов"].tolist() == [1, 2, 3, 4, 5]
    assert back["Дата"].tolist() == [
        "08.03.2026",
        "08.03.2026 14:05:00",
        "",
        "31.12.2026",
        "02.01.2026",
    ]
    moments = pd.to_datetime(back["Дата"].replace("", None), format="mixed", dayfirst=True)
    assert moments.tolist()[:2] == [pd.Timestamp("2026-03-08"), pd.Timestamp("2026-03-08 14:05")]


def test_the_bytes_excel_sees():
    data = excel_csv(_table())
    assert data.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM Excel reads the encoding from
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines == [
        "Клиент;Группа;Сумма;Заказов;Дата",
        '="00123";контроль;1234567,89;1;08.03.2026',
        '="0042";скидка 10%;-0,5;2;08.03.2026 14:05:00',
        '="12345678901234567890";"\'=HYPERLINK(""http://x"")";0,30000000000000004;3;',
        "A-17;'@SUM(A1);;4;31.12.2026",
        '"Иванов; Пётр";="+7916";0,0000001;5;02.01.2026',
        "",
    ]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("00123", '="00123"'),  # leading zeros: Excel would drop them
        ("1234567890123456", '="1234567890123456"'),  # 16 digits: Excel keeps 15
        ("03-04", '="03-04"'),  # Excel would read a date
        ("1,5", '="1,5"'),  # Russian Excel would read 1.5
        ("12:30", '="12:30"'),  # a time
        ("1e5", '="1e5"'),  # 100000
        ("1 234", '="1 234"'),
        ("abc", "abc"),
        ("-5", '="-5"'),  # a signed plain number is an id, not a formula: kept exactly
        ("+79161234567", '="+79161234567"'),
        ("-5+cmd|x", "'-5+cmd|x"),  # the formula rule for everything else with = + - @
        ("=1+1", "'=1+1"),
        ('="00123"', '"\'=""00123"""'),  # a user's own formula text is escaped, then quoted
    ],
)
def test_text_cells(text, written):
    data = excel_csv(pd.DataFrame({"x": [text]}))
    assert data.decode("utf-8-sig").split("\r\n")[1] == written
    back = pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str)
    escaped = written.startswith("'") or written.startswith("\"'")
    assert unwrap_text(back["x"][0]) == (f"'{text}" if escaped else text)


def test_cp1251_replaces_our_own_typography_by_a_fixed_rule():
    ru = Formatter("ru", "RUB")
    table = pd.DataFrame(
        {"Сумма, ₽": [ru.money(1234.5)], "Дата": [ru.date(pd.Timestamp("2026-03-08"))]}
    )
    data = excel_csv(table, "cp1251")
    assert data.decode("cp1251").split("\r\n")[:2] == [
        "Сумма, руб.;Дата",
        "1\u00a0234,50\u00a0руб.;8 марта 2026\u00a0г.",
    ]
    # UTF-8 keeps every character as it was
    assert excel_csv(table).decode("utf-8-sig").split("\r\n")[1] == (
        "1\u00a0234,50\u00a0₽;8 марта 2026\u202fг."
    )


def test_cp1251_refuses_a_character_it_cannot_hold_and_says_where():
    table = pd.DataFrame({"Клиент": ["1", "2"], "Группа": ["скидка", "подарок 🎁"]})
    with pytest.raises(Cp1251Unencodable) as caught:
        excel_csv(table, "cp1251")
    error = caught.value
    assert (error.char, error.column, error.row) == ("🎁", "Группа", 3)
    assert error.message("ru") == (
        "В кодировке Windows-1251 нет символа «🎁» (столбец «Группа», строка 3). "
        "Выберите UTF-8: в ней есть все символы."
    )
    assert str(error) == (
        "Windows-1251 has no character '🎁' (column 'Группа', row 3). "
        "Choose UTF-8, which holds every character."
    )
    # the same table in UTF-8 is written whole
    assert "подарок 🎁" in excel_csv(table).decode("utf-8-sig")


def test_cp1251_refuses_in_a_header_too():
    with pytest.raises(Cp1251Unencodable) as caught:
        excel_csv(pd.DataFrame({"Straße": [1]}), "cp1251")
    assert (caught.value.char, caught.value.row) == ("ß", 1)


def test_an_unknown_encoding_is_refused():
    with pytest.raises(ValueError, match="encoding must be one of utf-8-sig, cp1251"):
        excel_csv(pd.DataFrame({"x": [1]}), "latin-1")  # type: ignore[arg-type]


def test_empty_and_missing():
    assert excel_csv(pd.DataFrame({"a": [], "b": []})) == "\ufeffa;b\r\n".encode()
    frame = pd.DataFrame({"a": pd.array([None, "x"], dtype="string"), "b": [np.inf, True]})
    assert excel_csv(frame).decode("utf-8-sig") == "a;b\r\n;\r\nx;True\r\n"


def test_unwrap_text_only_undoes_our_own_form():
    assert unwrap_text('="00123"') == "00123"
    assert unwrap_text('="1,5"') == "1,5"
    assert unwrap_text('="a")') == '="a")'
    assert unwrap_text('="=cmd|x"') == '="=cmd|x"'
    assert unwrap_text(5) == 5


def test_every_column_type_is_written_the_same_way():
    import datetime as dt

    frame = pd.DataFrame(
        {
            "int": pd.array([7, None], dtype="Int64"),
            "float32": np.array([0.5, np.nan], dtype="float32"),
            "bool": [True, False],
            "mixed": [dt.date(2026, 3, 8), 2.5],
            "text": pd.array(["0012", None], dtype="string"),
            "big": [10**16, -3],
        }
    )
    assert excel_csv(frame).decode("utf-8-sig").split("\r\n") == [
        "int;float32;bool;mixed;text;big",
        '7;0,5;True;08.03.2026;="0012";10000000000000000',
        ";;False;2,5;;-3",
        "",
    ]
    assert excel_csv(pd.DataFrame({"x": [1e16, 1e-7]})).decode("utf-8-sig").split("\r\n")[1:3] == [
        "10000000000000000",
        "0,0000001",
    ]


# -- headers in the user's language and the other two downloads (csv, xlsx) -----------------------
def test_localized_gives_russian_headers_and_words_for_codes_and_leaves_english_alone():
    from experiments import export

    frame = pd.DataFrame(
        {
            "arm": ["Скидка"],
            "metric": ["repeat_purchase"],
            "method": ["welch"],
            "ci_low": [0.1],
            "status": ["ok"],
            "conversion, %": [1.0],  # a user's own metric column keeps its name
        }
    )
    ru = export.localized(frame, "ru")
    assert list(ru.columns) == [
        "Группа",
        "Метрика",
        "Метод",
        "Интервал от",
        "Статус",
        "conversion, %",
    ]
    assert ru.iloc[0].tolist()[:3] == ["Скидка", "Повторная покупка", "Welch"]
    assert export.localized(frame, "en") is frame  # scripts read the English codes


def test_xlsx_keeps_ids_as_text_with_their_leading_zeros_and_formulas_inert():
    from openpyxl import load_workbook

    from experiments import export

    frame = pd.DataFrame(
        {"Клиент": ["00123", "12345678901234567890"], "Группа": ['=HYPERLINK("x")', "скидка"]}
    )
    book = load_workbook(io.BytesIO(export.xlsx({"клиенты": frame})))
    sheet = book["клиенты"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[1][0] == "00123" and sheet["A2"].data_type == "s"
    assert cells[2][0] == "12345678901234567890" and sheet["A3"].data_type == "s"
    assert cells[1][1] == '\'=HYPERLINK("x")'  # text, not a formula


def test_the_effects_downloads_in_russian_have_russian_headers_and_english_ones_are_unchanged(
    analysis,
):
    from openpyxl import load_workbook

    from experiments import design, report

    english = report.effects_csv(analysis)
    assert english == design.escape_cells(report.effects_table(analysis)).to_csv(
        index=False, lineterminator="\r\n"
    ).encode("utf-8-sig")
    russian = pd.read_csv(io.BytesIO(report.effects_csv(analysis, "ru")), encoding="utf-8-sig")
    assert list(russian.columns[:4]) == ["Группа", "Метрика", "Метод", "Срок, дн."]
    assert "Повторная покупка" in set(russian["Метрика"])
    book = load_workbook(io.BytesIO(report.effects_xlsx(analysis, "ru")))
    assert book.sheetnames == ["эффекты", "группы"]
    assert [c.value for c in book["группы"][1]][:4] == [
        "Группа",
        "Номер группы",
        "Тип",
        "Клиентов",
    ]
    assert load_workbook(io.BytesIO(report.effects_xlsx(analysis))).sheetnames == [
        "effects",
        "arms",
    ]
