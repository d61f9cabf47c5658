"""`t(key, lang, **values)`: one message of the catalogue in one language, plural forms by CLDR.

A message is a `str.format` template (``"{arm}: {parts}; {verdict}"``) or, when it depends on
a number, one template per CLDR plural category of the language (Russian: one / few / many /
other; English: one / other) chosen by Babel's plural rules from the ``count`` value. Values
are inserted as given: format money, percentages and dates with `Formatter` first; only
``count`` is formatted here (it picks the plural form, so it is shown in the same language).

A key that is not in the catalogue, a value the message does not use and a placeholder left
without a value all raise: a typo fails the test that renders the page, never ships as a raw
key on a marketer's screen.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from numbers import Integral, Real

from babel import Locale
from babel.numbers import format_decimal

from experiments.i18n.language import LANGUAGES, Lang
from experiments.i18n.messages import GLOSSARY, MESSAGES, Message

LOCALES: Mapping[Lang, str] = {"ru": "ru_RU", "en": "en_US"}  # Babel locales of our languages
PLURAL_CATEGORIES: Mapping[Lang, tuple[str, ...]] = {
    "ru": ("one", "few", "many", "other"),
    "en": ("one", "other"),
}
COUNT = "count"  # the value that chooses a plural form


class MissingMessage(KeyError):
    """The catalogue has no such key (or no text for the language)."""


@cache
def locale(lang: Lang) -> Locale:
    """The Babel locale of a language (parsed once; Locale objects are immutable)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; languages are {', '.join(LANGUAGES)}")
    return Locale.parse(LOCALES[lang])


def plural_category(count: float, lang: Lang) -> str:
    """CLDR plural category of a number: ru 1 -> one, 2 -> few, 5 -> many, 1.5 -> other."""
    return str(locale(lang).plural_form(count))


def placeholders(template: str) -> set[str]:
    """Names a template inserts: '{arm}: {diff:+}' -> {'arm', 'diff'}."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def message(key: str, lang: Lang) -> Message:
    """The raw catalogue entry of a key in a language (a template or plural templates)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; languages are {', '.join(LANGUAGES)}")
    try:
        return MESSAGES[key][lang]
    except KeyError:
        raise MissingMessage(f"no message {key!r} in {lang!r}") from None


def t(key: str, lang: Lang, **values: object) -> str:
    """The message `key` in `lang`, with `values` inserted.

    Args:
        key: a catalogue key ('verdict.ship', 'count.customers', ...).
        lang: 'ru' or 'en' (`resolve_language`).
        values: the template's placeholders; a plural message needs ``count`` (a number).

    Raises:
        MissingMessage: no such key.
        ValueError: `lang` is not a language we have.
        KeyError: a placeholder has no value.
        TypeError: a value is not used by the message, or ``count`` is not a number.
    """
    entry = message(key, lang)
    if isinstance(entry, str):
        template = entry
    else:
        count = values.get(COUNT)
        if isinstance(count, bool) or not isinstance(count, Real):
            raise TypeError(f"message {key!r} needs a numeric {COUNT}=, got {count!r}")
        number = int(count) if isinstance(count, Integral) else float(count)
        template = entry[plural_category(number, lang)]
        values = {**values, COUNT: format_decimal(number, locale=locale(lang))}
    unused = set(values) - placeholders(template)
    if unused:
        raise TypeError(f"message {key!r} does not use {', '.join(sorted(unused))}")
    return template.format(**values)


def glossary(lang: Lang) -> list[tuple[str, str]]:
    """The glossary as (term, explanation) pairs in `GLOSSARY` order, for a page and the report."""
    return [
        (t(f"glossary.{term}.term", lang), t(f"glossary.{term}.text", lang)) for term in GLOSSARY
    ]
