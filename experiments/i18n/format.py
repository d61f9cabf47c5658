"""One formatter for every number and date a person reads, on Babel's CLDR data.

Russian: ``1 234 567,89 ₽``, ``12,3 %``, ``+6,1 п.п.``, ``8 марта 2026 г.``, ``08.03.2026``,
``5 клиентов``. English: ``RUB 1,234,567.89``, ``12.3%``, ``+6.1 pp``, ``March 8, 2026``,
``2026-03-08``, ``5 customers``.

The spaces are CLDR's, and they are not ASCII spaces: Russian groups digits and separates the
currency and the percent sign with a no-break space U+00A0, and the year from 'г.' with a
narrow no-break space U+202F. An amount never wraps across two lines, so both are kept as
Babel emits them (tests assert the exact characters). Our own joins (a number and 'п.п.' or
'pp', an alphabetic currency code and the number) use U+00A0 too.

Choices made here:

* **Currency per store** (`currency`, RUB by default from `config.CURRENCY`), shown with
  CLDR's symbol in the language's pattern: ru ``1 234,00 ₽``, ``1 234,00 €``, ``1 234,00 $``,
  ``1 234,00 ₸``; en ``€1,234.00``,
  ``$1,234.00``, ``RUB 1,234.00``. English has no rouble sign in CLDR, and Babel glues a
  code to the digits (``RUB1,234.00``); CLDR's currency-spacing rule (which ICU and
  browsers apply) puts a no-break space between a letter symbol and a digit, so we do too.
  Where CLDR's Russian (ru_RU) has only the code for a currency (the tenge: ``KZT``), the
  symbol is the one Russian uses in the currency's own country (ru_KZ: ``₸``), see
  `currency_symbol`; English keeps CLDR's code (``KZT 1,234.00``).
* **Signed** numbers write '+' for gains and CLDR's minus ('-' in both languages) for losses;
  an amount that rounds to zero has no sign (``0 ₽``, not ``+0 ₽`` or ``-0 ₽``).
* **Short dates**: ru ``08.03.2026`` (what Russian users write); en ISO ``2026-03-08``, since
  the US ``3/8/26`` reads as 3 August to everyone else. `date_input_format` gives the same
  order for ``st.date_input(format=...)``.
* A missing or non-finite number is ``н/д`` / ``n/a`` (never 'nan').
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cache
from numbers import Real

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_datetime
from babel.numbers import (
    NumberPattern,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    is_currency,
)

from experiments import config
from experiments.i18n.catalogue import locale, t
from experiments.i18n.language import DEFAULT_LANGUAGE, LANGUAGES, Lang

NBSP = "\u00a0"  # no-break space: CLDR's group separator and currency/percent spacing in ru
NNBSP = "\u202f"  # narrow no-break space: CLDR's ru 'г.' after a year in long dates
SHORT_DATE: dict[Lang, str] = {"ru": "dd.MM.y", "en": "y-MM-dd"}  # CLDR (Babel) patterns
SHORT_DATETIME: dict[Lang, str] = {"ru": "dd.MM.y HH:mm", "en": "y-MM-dd HH:mm"}
# st.date_input(format=...) accepts YYYY/MM/DD, DD/MM/YYYY, MM/DD/YYYY with '/', '.' or '-'
DATE_INPUT_FORMAT: dict[Lang, str] = {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
# A shop's week starts on Monday in either language (datetime.weekday() numbering): weekly
# buckets and calendars start there; Streamlit's date picker takes its first day from the browser
FIRST_WEEKDAY = 0
# plotly's layout.separators: the decimal mark, then the digit-group mark (d3-format reads it for
# every tick and hover number of a chart)
PLOTLY_SEPARATORS: dict[Lang, str] = {"ru": ", ", "en": ".,"}
MONTH_YEAR = "LLL y"  # a month on a chart axis: ru 'янв. 2026', en 'Jan 2026' (CLDR stand-alone)


def _finite(value: object) -> bool:
    """A number to show (numpy's included); None, NaN, infinities and booleans are not."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


@cache
def currency_symbol(currency: str, lang: Lang) -> str:
    """The currency's symbol in a language: CLDR's (ru '₽', '€', '$'; en 'RUB', '€'); in
    Russian, for a currency CLDR's ru_RU names only by its code, the symbol of Russian in the
    currency's own territory (KZT: ru_KZ '₸'), when CLDR has one."""
    loc = locale(lang)
    symbol = get_currency_symbol(currency, loc)
    if lang == "en" or symbol != currency:
        return symbol
    territories = get_global("territory_currencies")
    for territory, currencies in territories.items():
        if not any(code == currency and until is None for code, _, until, *_ in currencies):
            continue
        try:
            local = get_currency_symbol(currency, Locale(loc.language, territory))
        except UnknownLocaleError:
            continue
        if local != currency:
            return local
    return symbol


@cache
def _pattern(lang: Lang, kind: str, digits: int, signed: bool, currency: str = "") -> NumberPattern:
    """The language's CLDR pattern of a kind ('decimal', 'percent', 'currency') with exactly
    `digits` decimals, a '+' for positive numbers when `signed`, and CLDR currency spacing."""
    loc = locale(lang)
    if kind == "decimal":
        base = loc.decimal_formats[None]
    elif kind == "percent":
        base = loc.percent_formats[None]
    else:
        base = loc.currency_formats["standard"]
    pattern = copy.copy(base)
    pattern.frac_prec = (digits, digits)
    prefix, suffix = list(pattern.prefix), list(pattern.suffix)
    if currency:
        symbol = currency_symbol(currency, lang)
        if symbol != get_currency_symbol(currency, loc):  # ours (KZT in Russian: '₸')
            prefix = [p.replace("¤", symbol) for p in prefix]
            suffix = [p.replace("¤", symbol) for p in suffix]
        for i in range(2):  # a letter next to a digit gets a no-break space (CLDR spacing)
            if prefix[i].endswith("¤") and symbol[-1:].isalpha():
                prefix[i] += NBSP
            if suffix[i].startswith("¤") and symbol[:1].isalpha():
                suffix[i] = NBSP + suffix[i]
    if signed:
        prefix[0] = "+" + prefix[0]
    pattern.prefix, pattern.suffix = (prefix[0], prefix[1]), (suffix[0], suffix[1])
    return pattern


@dataclass(frozen=True)
class Formatter:
    """Numbers and dates in one language and one store currency.

    Made once per script run from the session's language and the store's currency
    (``Formatter(lang, currency)``) and passed down; it holds no other state, so sessions in
    two languages never share one.

    Attributes:
        lang: 'ru' or 'en'.
        currency: ISO 4217 code of the store's money (RUB, EUR, USD, KZT, ...).
    """

    lang: Lang = DEFAULT_LANGUAGE
    currency: str = field(default_factory=lambda: config.CURRENCY)

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"unknown language {self.lang!r}; languages: {', '.join(LANGUAGES)}")
        code = str(self.currency).strip().upper()
        if not is_currency(code):
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code (RUB, EUR, ...)")
        object.__setattr__(self, "currency", code)

    @property
    def not_available(self) -> str:
        """What a missing number reads as: 'н/д' / 'n/a'."""
        return t("common.not_available", self.lang)

    def _apply(self, value: float, kind: str, digits: int, signed: bool) -> str:
        scale = 100 if kind == "percent" else 1
        if round(value * scale, digits) == 0:  # no '+0' or '-0': neither a gain nor a loss
            value, signed = 0.0, False
        currency = self.currency if kind == "currency" else ""
        return _pattern(self.lang, kind, digits, signed, currency).apply(
            value, locale(self.lang), currency=currency or None, currency_digits=False
        )

    def number(self, value: float | None, digits: int = 0, *, signed: bool = False) -> str:
        """A plain number: ru '1 234 567,9', en '1,234,567.9'."""
        if not _finite(value):
            return self.not_available
        assert value is not None
        return self._apply(float(value), "decimal", digits, signed)

    def significant(self, value: float | None, digits: int = 4, *, grouped: bool = False) -> str:
        """A technical number to `digits` significant digits (a diagnostic table's diff or
        p-value), no digit groups: ru '0,01235', '1,235e+07'; en '0.01235'. `grouped`: from
        1000 up, whole digits in the language's groups instead (ru 4583 -> '4 583', 12345678
        -> '12 345 678'), fewer decimals to keep `digits` significant."""
        if not _finite(value):
            return self.not_available
        if grouped and abs(float(value)) >= 1000:  # type: ignore[arg-type]
            whole = len(str(int(abs(round(float(value))))))  # type: ignore[arg-type]
            return self.number(value, max(0, digits - whole))
        text = format(float(value), f".{digits}g")  # type: ignore[arg-type]
        return text.replace(".", get_decimal_symbol(locale(self.lang)))

    def money(self, value: float | None, *, signed: bool = False, digits: int | None = None) -> str:
        """An amount in the store's currency: ru '1 234 567,89 ₽', en 'RUB 1,234,567.89'.

        Args:
            value: the amount.
            signed: '+' before gains (an effect, a difference); losses always get '-'.
            digits: decimals; default the currency's own (2 for RUB, 0 for JPY).
        """
        if not _finite(value):
            return self.not_available
        assert value is not None
        places = get_currency_precision(self.currency) if digits is None else digits
        return self._apply(float(value), "currency", places, signed)

    def percent(self, share: float | None, digits: int = 1, *, signed: bool = False) -> str:
        """A share as a percentage: 0.123 -> ru '12,3 %', en '12.3%'."""
        if not _finite(share):
            return self.not_available
        assert share is not None
        return self._apply(float(share), "percent", digits, signed)

    def points(self, share_difference: float | None, digits: int = 1) -> str:
        """A difference of two shares in percentage points, always signed: 0.061 -> ru
        '+6,1 п.п.', en '+6.1 pp' (a repeat-purchase lift from 30% to 36.1%)."""
        if not _finite(share_difference):
            return self.not_available
        assert share_difference is not None
        number = self._apply(float(share_difference) * 100, "decimal", digits, True)
        return f"{number}{NBSP}{t('unit.percentage_points', self.lang)}"

    def date(self, value: dt.date) -> str:
        """A date in words: ru '8 марта 2026 г.' (U+202F before 'г.'), en 'March 8, 2026'."""
        return format_date(value, "long", locale=locale(self.lang))

    def date_short(self, value: dt.date) -> str:
        """A date in figures: ru '08.03.2026', en '2026-03-08'."""
        return format_date(value, SHORT_DATE[self.lang], locale=locale(self.lang))

    def datetime_short(self, value: dt.datetime) -> str:
        """A moment in figures, to the minute: ru '08.03.2026 14:05', en '2026-03-08 14:05'."""
        return format_datetime(value, SHORT_DATETIME[self.lang], locale=locale(self.lang))

    def count(self, value: float, noun: str) -> str:
        """A number with its noun in the right plural form: ru '1 клиент', '2 клиента',
        '5 клиентов', '1 234 клиента'; en '1 customer', '5 customers'. `noun` names a
        ``count.<noun>`` message (customers, orders, days, months, arms, rows, experiments)."""
        return t(f"count.{noun}", self.lang, count=value)

    def month(self, value: dt.date) -> str:
        """A month on a chart axis or in a hover: ru 'янв. 2026', en 'Jan 2026'.

        Plotly's own date ticks are English (the Python package bundles no locale), so charts
        label months with these texts instead of a date axis' format."""
        return format_date(value, MONTH_YEAR, locale=locale(self.lang))

    @property
    def currency_symbol(self) -> str:
        """The currency as a chart's axis, a column header or a hover names it: ru '₽', '₸',
        en 'RUB'; '€' in both (`currency_symbol`)."""
        return currency_symbol(self.currency, self.lang)

    @property
    def plotly_separators(self) -> str:
        """plotly ``layout.separators``: ru ', ' (decimal comma, space groups), en '.,'."""
        return PLOTLY_SEPARATORS[self.lang]

    @property
    def date_input_format(self) -> str:
        """The ``format=`` of st.date_input in this language: 'DD.MM.YYYY' / 'YYYY-MM-DD'."""
        return DATE_INPUT_FORMAT[self.lang]
