"""The one formatter: CLDR money, percentages, points, dates and counts in Russian and English.

Expected strings spell CLDR's spaces out: NBSP = U+00A0 (Russian digit groups, before '₽' and
'%', our own joins), NNBSP = U+202F (Russian long dates, before 'г.').
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from experiments.i18n import Formatter, t
from experiments.i18n.format import FIRST_WEEKDAY

NBSP, NNBSP = "\u00a0", "\u202f"
RU, EN = Formatter("ru", "RUB"), Formatter("en", "RUB")


@pytest.mark.parametrize(
    ("currency", "ru", "en"),
    [
        ("RUB", f"1{NBSP}234{NBSP}567,89{NBSP}₽", f"RUB{NBSP}1,234,567.89"),
        ("EUR", f"1{NBSP}234{NBSP}567,89{NBSP}€", "€1,234,567.89"),
        ("USD", f"1{NBSP}234{NBSP}567,89{NBSP}$", "$1,234,567.89"),
        # CLDR's ru_RU has only the code for the tenge; Russian in Kazakhstan (ru_KZ) has ₸
        ("KZT", f"1{NBSP}234{NBSP}567,89{NBSP}₸", f"KZT{NBSP}1,234,567.89"),
        ("BYN", f"1{NBSP}234{NBSP}567,89{NBSP}Br", f"BYN{NBSP}1,234,567.89"),
        ("JPY", f"1{NBSP}234{NBSP}568{NBSP}¥", "¥1,234,568"),  # the currency's own decimals
    ],
)
def test_money_per_store_currency(currency, ru, en):
    assert Formatter("ru", currency).money(1234567.89) == ru
    assert Formatter("en", currency).money(1234567.89) == en


@pytest.mark.parametrize(
    ("currency", "ru", "en"),
    [("RUB", "₽", "RUB"), ("KZT", "₸", "KZT"), ("EUR", "€", "€"), ("USD", "$", "$")],
)
def test_the_symbol_a_chart_or_a_header_shows(currency, ru, en):
    assert Formatter("ru", currency).currency_symbol == ru
    assert Formatter("en", currency).currency_symbol == en
    assert Formatter("ru", currency).money(-326, signed=True, digits=0) == f"-326{NBSP}{ru}"


@pytest.mark.parametrize(
    ("value", "ru", "en"),
    [
        (310, f"+310{NBSP}₽", f"+RUB{NBSP}310"),
        (-1234.4, f"-1{NBSP}234{NBSP}₽", f"-RUB{NBSP}1,234"),
        (0, f"0{NBSP}₽", f"RUB{NBSP}0"),
        (-0.4, f"0{NBSP}₽", f"RUB{NBSP}0"),  # rounds to zero: no '-0'
        (0.5, f"0{NBSP}₽", f"RUB{NBSP}0"),  # CLDR rounds half to even
        (1.5, f"+2{NBSP}₽", f"+RUB{NBSP}2"),
    ],
)
def test_signed_money_whole_roubles(value, ru, en):
    assert RU.money(value, signed=True, digits=0) == ru
    assert EN.money(value, signed=True, digits=0) == en


def test_unsigned_money_keeps_the_minus_of_a_loss():
    assert RU.money(-857.49) == f"-857,49{NBSP}₽"
    assert EN.money(-857.49) == f"-RUB{NBSP}857.49"
    assert Formatter("en", "USD").money(-857.49, signed=True) == "-$857.49"


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, -math.inf])
def test_a_missing_number_reads_as_not_available(missing):
    for method in ("money", "percent", "points", "number"):
        assert getattr(RU, method)(missing) == "н/д"
        assert getattr(EN, method)(missing) == "n/a"


@pytest.mark.parametrize(
    ("share", "ru", "en"),
    [
        (0.123, f"12,3{NBSP}%", "12.3%"),
        (0.5, f"50,0{NBSP}%", "50.0%"),
        (1.0, f"100,0{NBSP}%", "100.0%"),
        (0.00049, f"0,0{NBSP}%", "0.0%"),
        (12.3456, f"1{NBSP}234,6{NBSP}%", "1,234.6%"),
    ],
)
def test_percent(share, ru, en):
    assert RU.percent(share) == ru
    assert EN.percent(share) == en


def test_percent_digits_and_sign():
    assert RU.percent(0.95, digits=0) == f"95{NBSP}%"
    assert EN.percent(0.95, digits=0) == "95%"
    assert RU.percent(0.061, signed=True) == f"+6,1{NBSP}%"
    assert EN.percent(-0.061, signed=True) == "-6.1%"
    assert RU.percent(-0.0001, signed=True) == f"0,0{NBSP}%"


@pytest.mark.parametrize(
    ("difference", "ru", "en"),
    [
        (0.061, f"+6,1{NBSP}п.п.", f"+6.1{NBSP}pp"),
        (-0.0234, f"-2,3{NBSP}п.п.", f"-2.3{NBSP}pp"),
        (0.0, f"0,0{NBSP}п.п.", f"0.0{NBSP}pp"),
        (0.12345, f"+12,3{NBSP}п.п.", f"+12.3{NBSP}pp"),
    ],
)
def test_percentage_points_are_always_signed(difference, ru, en):
    assert RU.points(difference) == ru
    assert EN.points(difference) == en


def test_numbers():
    assert RU.number(1234567.891, 1) == f"1{NBSP}234{NBSP}567,9"
    assert EN.number(1234567.891, 1) == "1,234,567.9"
    assert RU.number(1577) == f"1{NBSP}577"
    assert EN.number(-0.25, 2, signed=True) == "-0.25"
    assert RU.number(0.25, 2, signed=True) == "+0,25"


@pytest.mark.parametrize(
    "value", [dt.date(2026, 3, 8), dt.datetime(2026, 3, 8, 23, 59), pd.Timestamp("2026-03-08")]
)
def test_dates(value):
    assert RU.date(value) == f"8 марта 2026{NNBSP}г."
    assert EN.date(value) == "March 8, 2026"
    assert RU.date_short(value) == "08.03.2026"
    assert EN.date_short(value) == "2026-03-08"


def test_russian_month_names_are_in_the_genitive():
    months = [RU.date(dt.date(2026, m, 1)).split(" ")[1] for m in (1, 2, 5, 8, 12)]
    assert months == ["января", "февраля", "мая", "августа", "декабря"]


def test_date_and_time_to_the_minute():
    moment = dt.datetime(2026, 3, 8, 14, 5, 59)
    assert RU.datetime_short(moment) == "08.03.2026 14:05"
    assert EN.datetime_short(moment) == "2026-03-08 14:05"


def test_date_picker_format_and_monday_first_week():
    assert RU.date_input_format == "DD.MM.YYYY"
    assert EN.date_input_format == "YYYY-MM-DD"
    assert dt.date(2026, 3, 2).weekday() == FIRST_WEEKDAY  # a Monday


def test_counts_with_their_noun():
    assert [RU.count(n, "customers") for n in (1, 2, 5)] == ["1 клиент", "2 клиента", "5 клиентов"]
    assert [EN.count(n, "customers") for n in (1, 2, 5)] == [
        "1 customer",
        "2 customers",
        "5 customers",
    ]
    assert RU.count(1577, "orders") == f"1{NBSP}577 заказов"
    assert EN.count(1577, "orders") == "1,577 orders"


def test_formatter_refuses_an_unknown_language_or_currency():
    with pytest.raises(ValueError, match="unknown language 'de'"):
        Formatter("de")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'руб' is not an ISO 4217 currency code"):
        Formatter("ru", "руб")
    assert Formatter("ru", " eur ").currency == "EUR"


def test_the_default_currency_is_the_configured_one(monkeypatch):
    from experiments import config

    monkeypatch.setattr(config, "CURRENCY", "KZT")
    assert Formatter("ru").money(5) == f"5,00{NBSP}₸"
    monkeypatch.setattr(config, "CURRENCY", "RUB")
    assert Formatter("ru").money(5) == f"5,00{NBSP}₽"


def test_a_russian_decision_card_composed_from_the_catalogue():
    # how the next round's decision cards read: catalogue sentences, formatter numbers
    lang, fmt = "ru", RU
    interval = t("decision.interval.confidence", lang, level=fmt.percent(0.95, digits=0))
    effect = t(
        "decision.part.effect",
        lang,
        diff=fmt.points(0.061),
        metric=t("metric.repeat_purchase", lang).lower(),
        interval=interval,
        low=fmt.points(0.012),
        high=fmt.points(0.11),
    )
    net = t("decision.part.net_value", lang, diff=fmt.money(310, signed=True, digits=0))
    headline = t(
        "decision.headline",
        lang,
        arm="Подарок",
        parts=", ".join([effect, net]),
        verdict=t("verdict.ship", lang),
    )
    assert headline == (
        f"Подарок: +6,1{NBSP}п.п. повторная покупка (95{NBSP}% ДИ от +1,2{NBSP}п.п. до "
        f"+11,0{NBSP}п.п.), +310{NBSP}₽ чистого дохода на клиента с учётом затрат; внедрять"
    )


def _docs_rows() -> list[tuple[str, str, str]]:
    text = (Path(__file__).resolve().parent.parent / "docs" / "i18n.md").read_text("utf-8")
    table = text.split("| method | ru | en |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        cells = re.findall(r"`([^`]*)`", line)
        rows.append((cells[0], cells[-2], cells[-1]))
    return rows


@pytest.mark.parametrize(("expression", "ru", "en"), _docs_rows())
def test_the_examples_in_docs_i18n_hold(expression, ru, en):
    # the docs write plain spaces where the formatter writes U+00A0 / U+202F
    d = dt.date(2026, 3, 8)
    for lang, expected in (("ru", ru), ("en", en)):
        if expression.startswith("Formatter("):
            code = expression.replace("…", repr(lang))
        else:
            code = f"Formatter({lang!r}, 'RUB').{expression}"
        shown = eval(code, {"Formatter": Formatter, "d": d})  # the expressions of our own docs
        assert shown.replace(NBSP, " ").replace(NNBSP, " ") == expected, (expression, lang)


def test_numpy_numbers_are_numbers():
    import numpy as np

    assert RU.money(np.int64(1577)) == f"1{NBSP}577,00{NBSP}₽"
    assert EN.percent(np.float32(0.5)) == "50.0%"
    assert RU.count(np.int64(22), "customers") == "22 клиента"
    assert RU.number(np.float64("nan")) == "н/д"
    assert RU.number(True) == "н/д"  # a flag is not a quantity
