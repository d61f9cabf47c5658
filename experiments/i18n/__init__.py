"""Languages, the message catalogue and the one formatter (no Streamlit: pages pass `lang`).

    lang = resolve_language(st.query_params.get("lang"), st.context.locale)
    fmt = Formatter(lang, currency)
    st.title(t("page.results", lang)); st.metric(..., fmt.money(value, signed=True))

See docs/i18n.md.
"""

from experiments.i18n.catalogue import MissingMessage, glossary, plural_category, t
from experiments.i18n.format import Formatter
from experiments.i18n.language import (
    DEFAULT_LANGUAGE,
    LANG_PARAM,
    LANGUAGES,
    Lang,
    resolve_language,
)
from experiments.i18n.messages import GLOSSARY, MESSAGES

__all__ = [
    "DEFAULT_LANGUAGE",
    "GLOSSARY",
    "LANGUAGES",
    "LANG_PARAM",
    "MESSAGES",
    "Formatter",
    "Lang",
    "MissingMessage",
    "glossary",
    "plural_category",
    "resolve_language",
    "t",
]
