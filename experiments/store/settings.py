"""Store-level settings: one key/value table, one declaration and one typed field per setting.

A setting belongs to the store (the shop whose data it holds), not to one experiment: the gross
margin rate of the shop's assortment is the first, the currency its money is counted in
(RUB, EUR, USD, KZT, ...) the second: `currency(cur)` is the one function every page, the report
and the CLI ask for it. Each is declared once
in `SETTINGS` (key, check, default from `experiments.config`) and read back as a field of the
frozen `StoreSettings`. Values are stored as JSON in `store_settings`; a write checks every value
first and changes nothing when one is refused, and goes through `Store.transaction()`, which
bumps the store version so cached pages see it.

Where a setting meets others, the more specific one wins: for the margin rate, an explicit
`AnalysisSettings.margin_rate`, then the experiment's own `margin_rate` setting, then the store's,
then `config.DEFAULT_MARGIN_RATE` (see `experiments.metrics.analyze_experiment`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import duckdb

from experiments import config
from experiments.store import Cursor, Store, StoreError

__all__ = [
    "SETTINGS",
    "SettingDef",
    "SettingError",
    "StoreSettings",
    "currency",
    "margin_rate",
    "parse_currency",
    "parse_margin_rate",
    "read_settings",
    "update_settings",
]


class SettingError(StoreError):
    """A setting value that cannot be stored; the message says what is allowed.

    Attributes:
        key: the catalogue key of the message (``store.error.margin_rate``), so a page shows
            it in its language; the store itself has no languages.
        values: the message's values.
    """

    def __init__(self, message: str, message_key: str = "", **values: object) -> None:
        super().__init__(message)
        self.key = message_key
        self.values = values


def parse_margin_rate(value: object) -> float:
    """A margin rate from a number or from text as people type it: 0.3, 0,3 or 30%.

    Raises:
        SettingError: not a number strictly between 0 and 1 (0% and 100% are not margins).
    """
    text = str(value).strip().replace(",", ".").replace("\u00a0", "")
    percent = text.endswith("%")
    try:
        rate = float(text[:-1] if percent else text) / (100.0 if percent else 1.0)
    except ValueError:
        rate = math.nan
    if isinstance(value, bool) or not (math.isfinite(rate) and 0.0 < rate < 1.0):
        raise SettingError(
            f"The margin rate must be a share between 0 and 1 (e.g. 0.35 or 35% for a 35% gross "
            f"margin), not {value!r}. Nothing was changed.",
            "store.error.margin_rate",
            value=repr(value),
        )
    return rate


def parse_currency(value: object) -> str:
    """An ISO 4217 currency code from what people type: 'eur', ' EUR ' -> 'EUR'.

    Raises:
        SettingError: not a code Babel's CLDR data knows (the Formatter could not show it).
    """
    from babel.numbers import is_currency

    code = str(value).strip().upper() if isinstance(value, str) else ""
    if not is_currency(code):
        raise SettingError(
            f"The currency must be an ISO 4217 code such as RUB, EUR, USD or KZT, not "
            f"{value!r}. Nothing was changed.",
            "store.error.currency",
            value=repr(value),
        )
    return code


@dataclass(frozen=True)
class SettingDef:
    """One store setting.

    Attributes:
        key: the key in `store_settings` and the field of `StoreSettings`.
        label: what the app and the CLI call it.
        parse: turns a typed-in value into the stored one, or raises SettingError.
        default: the value while the store has none (from experiments.config).
        help: one sentence on what it changes.
    """

    key: str
    label: str
    parse: Callable[[object], object]
    default: object
    help: str


SETTINGS: dict[str, SettingDef] = {
    "margin_rate": SettingDef(
        "margin_rate",
        "margin rate",
        parse_margin_rate,
        config.DEFAULT_MARGIN_RATE,
        "Gross margin as a share of the price before discount, for transactions without a "
        "margin column; every net value is computed with it unless an experiment sets its own.",
    ),
    "currency": SettingDef(
        "currency",
        "currency",
        parse_currency,
        config.CURRENCY,
        "ISO 4217 code of the money in the store's data (RUB, EUR, USD, KZT, ...): every page, "
        "report and export shows amounts in it. Amounts are never converted.",
    ),
}


@dataclass(frozen=True)
class StoreSettings:
    """The store's settings, each None while it is not set (its default applies).

    Attributes:
        margin_rate: gross margin share of the pre-discount price for transactions without
            a margin; None: config.DEFAULT_MARGIN_RATE.
        currency: ISO 4217 code of the store's money; None: config.CURRENCY (RUB).
    """

    margin_rate: float | None = None
    currency: str | None = None

    def value(self, key: str) -> object:
        """The setting in force: the stored value, else its default."""
        stored = getattr(self, key)
        return SETTINGS[key].default if stored is None else stored

    def as_json(self) -> dict[str, object]:
        """Each setting's value in force and whether it is the store's or the default."""
        return {
            key: {
                "value": self.value(key),
                "source": "default" if getattr(self, key) is None else "store",
                "default": definition.default,
            }
            for key, definition in SETTINGS.items()
        }


assert {f.name for f in fields(StoreSettings)} == set(SETTINGS)


def read_settings(cur: Cursor) -> StoreSettings:
    """The store's settings; a stored value that no longer passes its check counts as unset,
    and so does every setting of a store opened read-only before its migration added them."""
    values: dict[str, object] = {}
    try:
        rows = cur.execute("SELECT key, value FROM store_settings").fetchall()
    except duckdb.CatalogException:
        return StoreSettings()
    for key, raw in rows:
        definition = SETTINGS.get(str(key))
        if definition is None:  # written by a newer Loyalty Lab: not ours to interpret
            continue
        try:
            values[definition.key] = definition.parse(json.loads(raw))
        except (SettingError, ValueError, TypeError):
            continue
    return StoreSettings(**values)  # type: ignore[arg-type]


def margin_rate(cur: Cursor) -> float:
    """The store's margin rate in force (its setting, else config.DEFAULT_MARGIN_RATE)."""
    return float(read_settings(cur).value("margin_rate"))  # type: ignore[arg-type]


def currency(cur: Cursor) -> str:
    """The store's currency in force (its setting, else config.CURRENCY): the one home every
    page's Formatter, the report and the CLI's ``--currency`` default read."""
    return str(read_settings(cur).value("currency"))


def update_settings(store: Store, values: Mapping[str, object | None]) -> StoreSettings:
    """Set (or, with None, clear) store settings in one transaction; all or nothing.

    Raises:
        SettingError: an unknown key or a value its check refuses; the store is unchanged.
    """
    parsed: dict[str, object | None] = {}
    for key, value in values.items():
        definition = SETTINGS.get(key)
        if definition is None:
            raise SettingError(
                f"There is no store setting {key!r}; the settings are {', '.join(SETTINGS)}.",
                "store.error.unknown",
                name=repr(key),
                settings=", ".join(SETTINGS),
            )
        parsed[key] = None if value is None else definition.parse(value)
    now = datetime.now(UTC).replace(tzinfo=None)
    with store.transaction() as cur:
        for key, value in parsed.items():
            if value is None:
                cur.execute("DELETE FROM store_settings WHERE key = ?", [key])
            else:
                cur.execute(
                    "INSERT OR REPLACE INTO store_settings (key, value, updated_at)"
                    " VALUES (?, ?, ?)",
                    [key, json.dumps(value), now],
                )
        return read_settings(cur)
