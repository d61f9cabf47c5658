"""Which language a browser session sees: an explicit choice, else the browser's, else English.

A pure function of the two inputs a page has on every run (``st.query_params["lang"]`` and
``st.context.locale``): nothing is remembered per process, so two sessions in two languages at
the same time each get their own.
"""

from __future__ import annotations

from typing import Literal, get_args

Lang = Literal["ru", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANGUAGE: Lang = "en"
LANG_PARAM = "lang"  # the query parameter every link carries: ?lang=ru


def _primary(tag: str) -> str:
    """'ru-RU', 'ru_RU', ' RU ', 'ru;q=0.9' -> 'ru'."""
    return tag.split(";", 1)[0].strip().replace("_", "-").split("-", 1)[0].lower()


def supported(value: object) -> Lang | None:
    """The language a value names ('ru', 'RU', 'ru-RU'), or None when it names none we have."""
    if not isinstance(value, str):
        return None
    primary = _primary(value)
    return next((lang for lang in LANGUAGES if lang == primary), None)


def resolve_language(explicit: object, browser_locale: object) -> Lang:
    """The session's language: `explicit` > `browser_locale` > English.

    Args:
        explicit: the sidebar's choice or the link's ``lang=`` value (``st.query_params``
            gives a str, or None when absent). Anything but a language we have is ignored, so
            a mistyped ``lang=de`` falls back to the browser rather than failing.
        browser_locale: ``st.context.locale`` ('ru-RU', 'ru', 'en-US'; None when the browser
            sent none). An Accept-Language list ('uk-UA,ru;q=0.9,en;q=0.8') is read in order
            and its first language we have wins.
    """
    chosen = supported(explicit)
    if chosen is not None:
        return chosen
    if isinstance(browser_locale, str):
        for tag in browser_locale.split(","):
            found = supported(tag)
            if found is not None:
                return found
    return DEFAULT_LANGUAGE
