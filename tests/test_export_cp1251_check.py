"""export.check_cp1251 refuses what excel_csv(frame, "cp1251") refuses, naming the same cell."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from experiments import export


def frames() -> list[pd.DataFrame]:
    base = {
        "Механика": ["Подарок", "Скидка 10%", None],
        "Чистый доход, ₽": [310.5, -12.0, float("nan")],
        "Дата": [dt.date(2026, 3, 8)] * 3,
        "Клиент": ["00123", "−5", "+79161234567"],
    }
    return [
        pd.DataFrame(base),
        pd.DataFrame(base | {"Механика": ["Подарок", "Скидка 🎁", None]}),
        pd.DataFrame(base | {"Клиент": ["00123", "Straße", "x"]}),
        pd.DataFrame(base).rename(columns={"Дата": "Date ✓"}),
        pd.DataFrame({"a": ["narrow\u202fspace", "minus \u2212 sign", "₽"]}),
    ]


@pytest.mark.parametrize("frame", frames())
def test_check_cp1251_agrees_with_writing_the_file(frame):
    try:
        export.excel_csv(frame, "cp1251")
    except export.Cp1251Unencodable as written:
        with pytest.raises(export.Cp1251Unencodable) as checked:
            export.check_cp1251(frame)
        assert (checked.value.char, checked.value.column, checked.value.row) == (
            written.char,
            written.column,
            written.row,
        )
    else:
        export.check_cp1251(frame)  # no refusal either
