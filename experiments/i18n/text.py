"""`Text`: a message the domain returns by key, readable as English and renderable in any language.

Validation in `experiments.design` and `experiments.ingest` has no language (it runs for the CLI,
the pages and the tests alike). It returns `Text(key, **values)`: a `str` holding the English
message, so every caller that joins, compares or prints messages keeps working, and which also
keeps its catalogue key and values, so a page shows it in the session's language with
``text.render(lang)`` (or `render(anything, lang)`, which leaves a plain `str` as it is).

Values are inserted as given, except nested `Text` values (a field's name, a unit), which are
rendered in the same language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from experiments.i18n.language import Lang


class Joined(NamedTuple):
    """A value made of several messages, joined in the language they are rendered in."""

    parts: tuple[object, ...]
    sep: str = "; "


class Text(str):
    """A catalogue message with its values, equal to its English text.

    Attributes:
        key: the catalogue key (``design.problem.no_name``).
        values: the template's values (user-typed names stay as they were typed).
    """

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, **values: Any) -> Text:
        from experiments.i18n.catalogue import t

        english = t(key, "en", **{k: render(v, "en") for k, v in values.items()})
        self = super().__new__(cls, english)
        self.key = key
        self.values = values
        return self

    def render(self, lang: Lang) -> str:
        """The message in `lang`."""
        from experiments.i18n.catalogue import t

        return t(self.key, lang, **{k: render(v, lang) for k, v in self.values.items()})

    def __reduce__(self) -> tuple[Any, ...]:  # st.cache_data pickles returned values
        return (_rebuild, (self.key, self.values))


def _rebuild(key: str, values: dict[str, Any]) -> Text:
    return Text(key, **values)


class PerLanguage(NamedTuple):
    """A value worded differently per language (a field's own name in English, as people say
    it in Russian: 'amount' / 'Сумма')."""

    en: str
    ru: str


def render(value: object, lang: Lang) -> Any:
    """A `Text` (or `Joined` texts) in `lang`; any other value as it is (plain text stays)."""
    if isinstance(value, PerLanguage):
        return value.ru if lang == "ru" else value.en
    if isinstance(value, Joined):
        return value.sep.join(str(render(part, lang)) for part in value.parts)
    return value.render(lang) if isinstance(value, Text) else value


def render_all(values: object, lang: Lang, sep: str = " ") -> str:
    """A list of messages (some `Text`, some plain) joined in `lang`."""
    if isinstance(values, str):
        return str(render(values, lang))
    return sep.join(str(render(v, lang)) for v in values)  # type: ignore[attr-defined]


def numeral(value: int) -> PerLanguage:
    """A whole number with its digits grouped as each language groups them (en '1,281',
    ru '1 281'), for a `Text` value: `Text` inserts values as given."""
    from experiments.i18n.format import Formatter

    return PerLanguage(en=f"{value:,}", ru=Formatter("ru").number(value))


def message_text(message: object, lang: Lang) -> str:
    """A domain message in `lang`: a `Text` (or `Joined` texts, or a list of messages), an
    error carrying one as its only argument, or an error with a catalogue ``key`` and
    ``values`` (`SettingError`); plain text as it is. Not escaped: the pages and the command
    line both say messages through this."""
    from experiments.i18n.catalogue import t

    if isinstance(message, BaseException):
        key = getattr(message, "key", "")
        if isinstance(key, str) and key:  # StoreError, SettingError: values may be `Text`
            values = getattr(message, "values", {}) or {}
            return t(key, lang, **{k: render(v, lang) for k, v in values.items()})
        args = message.args
        message = args[0] if len(args) == 1 and isinstance(args[0], Text) else str(message)
    if isinstance(message, list | tuple):
        return render_all(message, lang)
    return render_all(message if isinstance(message, Text) else str(message), lang)


def upload_kind_word(kind: str, lang: Lang) -> str:
    """What an upload holds, in words (ru 'транзакции', 'демо (синтетические)'); a kind the
    catalogue does not name stays as stored."""
    from experiments.i18n.catalogue import t
    from experiments.i18n.messages import MESSAGES

    key = "data.kind.demo" if kind == "demo" else f"upload.kind.{kind}"
    return t(key, lang) if key in MESSAGES else kind


def counted(value: float, noun: str) -> PerLanguage:
    """A number with its noun in each language's plural form (`Formatter.count`: en '4,000
    customers', ru '4 000 клиентов', '21 клиент'), for a `Text` value."""
    from experiments.i18n.catalogue import t

    return PerLanguage(
        en=t(f"count.{noun}", "en", count=value), ru=t(f"count.{noun}", "ru", count=value)
    )


def short_date(value: dt.date) -> PerLanguage:
    """A date in each language's figures (en '2026-03-08', ru '08.03.2026'), for a `Text`."""
    from experiments.i18n.format import Formatter

    return PerLanguage(en=f"{value:%Y-%m-%d}", ru=Formatter("ru").date_short(value))


def joined(parts: Sequence[object], sep: str = " ") -> str:
    """Messages (some `Text`) as one message, joined in the language it is rendered in; ''
    without parts. A `Text`, so that it still reads as its English as a plain str."""
    kept = tuple(part for part in parts if part)
    if not kept:
        return ""
    if len(kept) == 1 and isinstance(kept[0], str):
        return kept[0]
    return Text("text.joined", parts=Joined(kept, sep))


def money(value: float | None, currency: str, *, signed: bool = False) -> PerLanguage:
    """A whole amount by the Formatter in each language (en '+RUB 1,234', ru '+1 234 ₽')."""
    from experiments.i18n.format import Formatter

    def amount(lang: Lang) -> str:
        return Formatter(lang, currency).money(value, signed=signed, digits=0)

    return PerLanguage(en=amount("en"), ru=amount("ru"))


def percent(share: float, digits: int = 0) -> PerLanguage:
    """A share as a percentage in each language (en '95%', ru '95 %'; `digits` decimals)."""
    from experiments.i18n.format import Formatter

    return PerLanguage(
        en=Formatter("en").percent(share, digits), ru=Formatter("ru").percent(share, digits)
    )


def signed_number(value: float | None) -> PerLanguage:
    """A whole number with its sign in each language (en '+1,234', ru '+1 234')."""
    from experiments.i18n.format import Formatter

    en, ru = (Formatter(lang).number(value, 0, signed=True) for lang in ("en", "ru"))
    return PerLanguage(en=en, ru=ru)


@cache
def _progress_keys() -> dict[str, str]:
    from experiments.i18n.catalogue import message, placeholders
    from experiments.i18n.messages import MESSAGES

    english = {key: message(key, "en") for key in MESSAGES if key.startswith("progress.")}
    return {
        text: key
        for key, text in english.items()
        if isinstance(text, str) and not placeholders(text)  # the store's lines are fixed
    }


def progress_text(text: str, lang: Lang) -> str:
    """A progress line in `lang`: a `Text` rendered, and a plain line of the store (which has
    no languages: 'Reading rows') by the catalogue's ``progress.*`` message of that English
    text; any other line as it is."""
    from experiments.i18n.catalogue import t

    if isinstance(text, Text):
        return text.render(lang)
    key = _progress_keys().get(str(text))
    return t(key, lang) if key else str(text)
