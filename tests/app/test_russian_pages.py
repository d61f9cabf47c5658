"""The pages in Russian (#12): a `lang=ru` session reads no English, and languages are per session.

Each translated page is rendered in AppTest on the demo store and its element tree walked:
every text a person reads (titles, headings, markdown, captions, alerts, widget labels and
options, metric and expander labels, tab labels) must hold no Latin-letter word beyond an
explicit allow-list of names that stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from tests.app.test_results_file import hillstrom_app  # noqa: F401 - a fixture used below

# Words that stay Latin in a Russian interface, and why.
ALLOWED = {
    # names typed by users: the demo experiment and its arms
    "Loyalty",
    "levers",
    "Q",
    "Surprise",
    "gift",
    "Personal",
    "outreach",
    "discount",
    "Loyalty Lab",
    "Lab",
    # method and model names a marketer meets in the glossary as they are
    "CUPED",
    "Holm",
    "Welch",
    "BG",
    "NBD",
    "Gamma",
    "RFM",
    "CLV",
    "DuckDB",
    "SRM",
    "SMD",
    "Lin",
    # file formats and encodings
    "CSV",
    "XLSX",
    "HTML",
    "Excel",
    "UTF",
    # the language selector names each language in itself, and is labelled in both
    "English",
    "Language",
    # currency codes
    "RUB",
    # p-values, z- and t-tests
    "p",
    "z",
    "t",
    # bound settings whose option is the URL's value (holm / bh / none, on / off)
    "holm",
    "bh",
    "none",
    "on",
    "off",
}
DEMO_NAMES = ("Loyalty levers 2026-Q2",)  # demo.py's experiment name

# Pages in the order they are translated; the rest are listed, not skipped silently.
TRANSLATED = ["pages/results.py", "pages/report.py", "pages/customers.py"]
NOT_YET_COVERED = [
    "pages/data.py",  # first screen and mapping form done (tested below); settings, upload text
    "pages/design.py",  # and its pages/_design_*.py sections
]

_MARKUP = re.compile(
    r":material/[a-z_]+:"  # icons
    r"|:[a-z]+-badge\["  # badges
    r"|&[a-z]+;"  # HTML entities
    r"|https?://\S+"  # links
    r"|`[^`]*`"  # code: file and column names
)
_LATIN = re.compile(r"[A-Za-z]+")


def latin_words(text: str) -> list[str]:
    """The Latin-letter words of a text a person reads that the allow-list does not name."""
    text = _MARKUP.sub(" ", text)
    return [w for w in _LATIN.findall(text) if w not in ALLOWED]


def texts(at: AppTest) -> Iterator[tuple[str, str]]:
    """(element kind, text) for every text a person reads on the rendered page."""
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning"):
        for element in getattr(at, kind):
            yield kind, str(element.value)
    for kind in ("error", "success", "exception"):
        for element in getattr(at, kind, []):
            yield kind, str(element.value)
    for kind in ("selectbox", "radio", "multiselect"):
        for widget in getattr(at, kind):
            yield kind, str(widget.label)
            for option in widget.options:
                yield f"{kind} option", str(option)
            if widget.help:
                yield f"{kind} help", str(widget.help)
    for kind in ("button", "checkbox", "toggle", "text_input", "number_input", "date_input"):
        for widget in getattr(at, kind):
            yield kind, str(widget.label)
    for kind in ("metric", "expander", "tabs", "download_button", "status"):
        for element in at.get(kind):
            label = getattr(element, "label", None)
            if label is None:
                label = getattr(getattr(element, "proto", None), "label", "")
            yield kind, str(label)


def english_left(at: AppTest) -> list[tuple[str, str, str]]:
    """(kind, word, text) for every untranslated word on the page."""
    found = []
    for kind, text in texts(at):
        for name in DEMO_NAMES:
            text = text.replace(name, " ")
        found.extend((kind, word, text[:120]) for word in latin_words(text))
    return found


def run(params: dict[str, str], page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_the_results_page_in_russian_has_no_english(app_env):
    at = run({"lang": "ru"})
    assert at.title[0].value == "Результаты"
    left = english_left(at)
    assert left == [], str(sorted({(kind, word) for kind, word, _ in left}))
    labels = [b.proto.label for b in at.get("download_button")]
    assert "CSV для Excel" in labels
    captions = [c.value for c in at.caption]
    assert not [c for c in captions if "Статус Статус" in c or ".." in c], captions


def test_the_report_view_in_russian_has_no_english(app_env):
    at = run({"lang": "ru", "view": "report", "experiment": "1"})
    assert "Отчёт только для чтения" in at.caption[0].value
    left = english_left(at)
    assert left == [], str(sorted({(kind, word) for kind, word, _ in left}))


def test_the_customers_page_in_russian_has_no_english(app_env):
    """The first screen, up to the CLV fit (the segments section is open by default)."""
    at = run({"lang": "ru"}, "pages/customers.py")
    assert at.title[0].value == "Клиенты"
    assert at.header[0].value == "Прогнозный CLV"
    left = english_left(at)
    assert left == [], str(sorted({(kind, word) for kind, word, _ in left}))


def test_pages_not_yet_translated_are_listed():
    """Every page is either walked above or named here as not yet covered."""
    from pathlib import Path

    root = Path(APP).parent
    pages = sorted(str(p.relative_to(root)) for p in root.glob("pages/*.py"))
    listed = set(TRANSLATED) | set(NOT_YET_COVERED)
    assert [p for p in pages if not Path(p).name.startswith("_") and p not in listed] == []


def test_the_share_links_carry_the_language(app_env):
    at = run({"lang": "ru"})
    links = [c.value for c in at.code]
    assert links and all("lang=ru" in link for link in links)


@pytest.fixture
def russian_browser(monkeypatch):
    """A browser that asks for Russian (st.context.locale reads 'ru-RU')."""
    from streamlit.runtime.context import ContextProxy

    monkeypatch.setattr(ContextProxy, "locale", property(lambda self: "ru-RU"))


def test_an_explicit_lang_en_beats_a_russian_browser(app_env, russian_browser):
    assert run({}).title[0].value == "Результаты"  # the browser decides when the link does not
    at = run({"lang": "en"})
    assert at.title[0].value == "Results"
    assert at.subheader[0].value == "Decisions"


def test_the_sidebar_choice_switches_the_language_and_the_url(app_env):
    at = run({})
    picker = next(s for s in at.sidebar.selectbox if s.label == "Язык / Language")
    assert picker.value == "en"
    picker.set_value("ru").run()
    assert at.title[0].value == "Результаты"
    assert at.query_params["lang"] == ["ru"] or at.query_params["lang"] == "ru"


def test_two_sessions_in_two_languages_each_see_their_own(app_env):
    russian = run({"lang": "ru"})
    english = run({"lang": "en"})
    russian.run()  # a rerun after the other session ran: nothing was decided per process
    assert russian.title[0].value == "Результаты"
    assert russian.subheader[0].value == "Решения"
    assert english.title[0].value == "Results"
    assert english.subheader[0].value == "Decisions"


# the Hillstrom result file's own words: its arm names and column names, typed by people
FILE_WORDS = {"Hillstrom", "Mens", "Womens", "E", "Mail", "No", "hillstrom", "csv"}
FILE_WORDS |= {"conversion", "visit", "spend", "history", "segment", "zip", "code", "channel"}
FILE_WORDS |= {"mens", "womens", "newbie", "recency"}  # its columns, which metrics are named by


def test_the_results_file_view_in_russian_has_no_english(hillstrom_app):  # noqa: F811
    at = run({"lang": "ru", "experiment": "Hillstrom", "metrics": "conversion,visit,spend"})
    assert at.subheader[0].value == "Группы"
    left = [(kind, word, text) for kind, word, text in english_left(at) if word not in FILE_WORDS]
    assert left == [], str(sorted({(kind, word) for kind, word, _ in left}))


def test_the_data_page_mapping_form_names_fields_as_people_say_them(app_env):
    from tests.app.test_data_page import SAMPLE

    at = run({"lang": "ru"}, "pages/data.py")
    assert at.title[0].value == "Данные"
    assert [m.label for m in at.metric][:2] == ["Клиенты", "Транзакции"]
    at.file_uploader[0].set_value((SAMPLE.name, SAMPLE.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    labels = {s.key: s.label for s in at.selectbox if str(s.key).startswith("map_")}
    assert labels["map_transactions_customer_id"] == "Клиент *"
    assert labels["map_transactions_ts"] == "Дата и время *"
    assert labels["map_transactions_amount"] == "Сумма *"
    assert "Мы угадали" in " ".join(c.value for c in at.caption)
