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


def say_error(error: BaseException, lang: Lang) -> str:
    """An error's message in `lang`, for the command line and the pages alike: its catalogue
    key (`StoreError.key`, `SettingError.key`) with its values, else the `Text` it carries
    (design and ingest refusals), else its own text (no catalogue entry: as it is)."""
    from experiments.i18n.catalogue import t

    key = getattr(error, "key", "")
    if isinstance(key, str) and key:
        values = getattr(error, "values", {}) or {}
        return t(key, lang, **{k: render(v, lang) for k, v in values.items()})
    args = error.args
    if len(args) == 1 and isinstance(args[0], Text):
        return args[0].render(lang)
    return str(error)
