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
    "R",  # the letters of the RFM scores
    "F",
    "M",
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
    "Windows",
    "Parquet",
    # systems a marketer names as they are: the CRM the list goes to, the A/A check
    "CRM",
    "A",
    # the language selector names each language in itself, and is labelled in both
    "English",
    "Language",
    # currency codes (any ISO 4217 code is allowed below: a store's currency is its own)
    "RUB",
    "ISO",
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
TRANSLATED = [
    "pages/results.py",
    "pages/report.py",
    "pages/customers.py",
    "pages/data.py",
    "pages/design.py",  # with its pages/_design_*.py sections
]
NOT_YET_COVERED: list[str] = []

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


def _currency_code(word: str) -> bool:
    from babel.numbers import is_currency

    return len(word) == 3 and word.isupper() and is_currency(word)


def english_left(at: AppTest, names: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """(kind, word, text) for every untranslated word on the page; `names` are data (file
    names, a store's values) that stay as they are, like the demo experiment's name."""
    found = []
    for kind, text in texts(at):
        for name in (*DEMO_NAMES, *names):
            text = text.replace(name, " ")
        found.extend(
            (kind, word, text[:120]) for word in latin_words(text) if not _currency_code(word)
        )
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


# -- the Data page (#12): settings, an upload in progress, its result, the history -----------------
def _demo_data_names(db) -> tuple[str, ...]:
    """The demo store's own words, typed by whoever made the data: its upload's name, channels,
    attributes and their values, the experiment's hypothesis and arm names."""
    from experiments import experiment
    from experiments.store import design_sql as ds
    from experiments.store import open_store

    with open_store(db).cursor() as cur:
        uploads = [str(r[0]) for r in cur.execute("SELECT file_name FROM uploads").fetchall()]
        options = ds.audience_options(cur)
        stored = experiment.list_all(cur)
    names = [*uploads, *options.channels]
    for found in stored:
        names += [found.spec().hypothesis, *(arm.name for arm in found.arms)]
    for attribute, values in options.attributes:
        names += [attribute, *values]
    return tuple(sorted(names, key=len, reverse=True))  # longest first: 'Saint Petersburg'


def assert_russian(at: AppTest, names: tuple[str, ...] = ()) -> None:
    assert not at.exception, at.exception
    left = english_left(at, names)
    assert left == [], str(sorted({(kind, word, text) for kind, word, text in left}))


def test_the_data_page_in_russian_has_no_english_in_any_state(app_env):
    from experiments import escape
    from tests.app.test_data_page import SAMPLE

    names = (*_demo_data_names(app_env), escape.markdown(SAMPLE.name), SAMPLE.name)
    at = run({"lang": "ru"}, "pages/data.py")
    assert at.header[0].value == "Настройки магазина"
    assert at.text_input(key="margin_rate_input").label == "Маржинальность"
    assert at.selectbox(key="currency_input").value == "RUB"
    assert_russian(at, names)
    # an upload in progress: what the file was read as, the mapping form
    at.file_uploader[0].set_value((SAMPLE.name, SAMPLE.read_bytes(), "text/csv")).run()
    assert any(c.value.startswith("Распознано: CSV") for c in at.caption)
    assert any("точка с запятой" in c.value for c in at.caption)
    assert_russian(at, names)
    # loaded: the summary, the history with the new upload, the removal question
    at.button(key="load_button").click().run()
    assert at.success and at.success[0].value.startswith("Загружено из transactions")
    assert "строк (транзакции), загрузка" in at.success[0].value
    assert_russian(at, names)
    at.button(key="remove_button").click().run()
    assert any(w.value.startswith("Удалить #") for w in at.warning)
    assert_russian(at, names)
    # a refused setting: the store's message, in Russian, and nothing changed
    at.text_input(key="margin_rate_input").input("1,5")
    at.button(key="save_settings").click().run()
    assert at.error and "Маржинальность — доля от 0 до 1" in at.error[0].value
    assert_russian(at, names)


def test_the_data_page_s_history_reads_the_store_s_english_back_in_russian(app_env):
    """#12: the demo's name and summary and the statuses are stored in English; the history
    table says them in Russian (a dataframe, which the walk above does not read)."""
    at = run({"lang": "ru"}, "pages/data.py")
    history = next(d.value for d in at.dataframe if "message" in d.value.columns)
    demo_row = history[history["kind"] == "демо (синтетические)"].iloc[0]
    assert demo_row["file_name"].startswith("демо-данные (4 000 клиентов, набор № 5)")
    assert demo_row["message"].startswith("Демо-данные: 4 000 клиентов, ")
    assert set(history["status"]) == {"загружено"}
    for column in ("file_name", "message", "status", "kind"):
        for text in history[column]:
            left = [w for w in latin_words(text.replace(DEMO_NAMES[0], "")) if w not in ALLOWED]
            assert left == [], (column, text)
    english = run({"lang": "en"}, "pages/data.py")
    history = next(d.value for d in english.dataframe if "message" in d.value.columns)
    assert history["message"].iloc[-1].startswith("Demo data: 4,000 customers, ")
    assert history["file_name"].iloc[-1] == "demo (4000 customers, seed 5)"


def test_the_data_page_in_russian_for_a_results_file(app_env):
    at = run({"lang": "ru"}, "pages/data.py")
    at.segmented_control(key="upload_kind").set_value("results").run()
    assert any("итогов кампании" in c.value for c in at.caption)
    content = "клиент;группа;покупка\n1;контроль;0\n2;смс;1\n3;контроль;1\n4;смс;0\n"
    at.file_uploader[0].set_value(("итоги.csv", content.encode("utf-8"), "text/csv")).run()
    assert at.selectbox(key="results_experiment").label == "Эксперимент"
    assert_russian(at, _demo_data_names(app_env))


# -- the Design page (#12): a draft with arms, audience, plan and preview; a frozen experiment
def _draft(at: AppTest) -> AppTest:
    at.text_input(key="d_name").input("Подарок против скидки").run()
    at.button(key="add_gift").click().run()
    at.button(key="add_discount").click().run()
    at.multiselect(key="d_secondary").set_value(["net_value_90d", "orders"]).run()
    at.multiselect(key="d_guardrails").set_value(["margin_per_customer"]).run()
    assert not at.exception, at.exception
    return at


def test_the_design_page_in_russian_has_no_english_for_a_draft(app_env):
    names = _demo_data_names(app_env)
    at = run({"lang": "ru"}, "pages/design.py")
    assert at.title[0].value == "Дизайн эксперимента"
    assert [h.value for h in at.header][:2] == ["1 · Аудитория", "2 · Группы"]
    assert_russian(at, names)  # a new design: only the control, the planner asks for a lever
    at = _draft(at)
    arm_names = [at.session_state[f"arm{uid}_name"] for uid, _ in at.session_state["d_arms"]]
    assert arm_names == ["контроль", "подарок-сюрприз", "скидка 10%"]
    assert any(m.label == "Базовая доля повторных" for m in at.metric)
    assert any(s.value.startswith("A/A-проверка") for s in [*at.success, *at.warning])
    assert_russian(at, names)
    at.radio(key="p_mode").set_value("detect").run()
    assert any(m.label == "Заметный прирост доли повторных" for m in at.metric)
    assert_russian(at, names)
    at.number_input(key="d_recency_min").set_value(200.0).run()
    at.number_input(key="d_recency_max").set_value(100.0).run()
    errors = [e.value for e in at.error]
    assert any("Давность: минимум (200) больше максимума (100)" in e for e in errors), errors
    assert_russian(at, names)


def test_the_design_page_in_russian_saves_a_draft_and_shows_the_frozen_demo(app_env):
    names = _demo_data_names(app_env)
    at = _draft(run({"lang": "ru"}, "pages/design.py"))
    at.button(key="save_button").click().run()
    assert at.success and "Черновик «Подарок против скидки» сохранён" in at.success[0].value
    assert any(c.value.startswith("Черновик от ") for c in at.caption)  # 01.12.2026 14:05
    assert_russian(at, names)
    at.selectbox(key="design_experiment").set_value(DEMO_NAMES[0]).run()
    shown = " ".join(m.value for m in at.markdown)
    assert "распределено и зафиксировано" in shown and "**Завершён** " in shown  # the demo
    labels = [b.proto.label for b in at.get("download_button")]
    exports = ["CSV (UTF-8, запятая)", "CSV для Excel (точка с запятой)", "XLSX (таблица Excel)"]
    assert [label for label in labels if label in exports] == exports  # the list's three
    # and a "CSV для Excel" under each table shown (the arms, the balance)
    assert [label for label in labels if label not in exports] == ["CSV для Excel"] * (
        len(at.dataframe) - 1  # the list's preview has the list's own exports above
    )
    assert_russian(at, names)
    at.button(key="delete_button").click().run()
    assert any(w.value.startswith("Удалить «") for w in at.warning)
    assert_russian(at, names)


def test_the_design_page_s_date_input_is_russian(app_env):
    at = run({"lang": "ru"}, "pages/design.py")
    sent = at.date_input(key="assign_sent")
    assert sent.label == "Дата отправки"
    assert sent.proto.format == "DD.MM.YYYY"
    assert run({"lang": "en"}, "pages/design.py").date_input(key="assign_sent").proto.format == (
        "YYYY-MM-DD"
    )


def _cyrillic(text: str) -> bool:
    return bool(re.search("[А-Яа-яЁё]", text))


def test_the_english_data_and_design_pages_stay_english(app_env):
    """The English pages read as before: no Russian crept in through the catalogue."""
    for page in ("pages/data.py", "pages/design.py"):
        at = run({"lang": "en"}, page)
        if page == "pages/design.py":
            at = _draft(at)
        russian = [
            (k, x) for k, x in texts(at) if _cyrillic(x.replace("Подарок против скидки", ""))
        ]
        # the one Russian word the English page shows on purpose: the control's name 'контроль'
        russian = [(k, x) for k, x in russian if "контроль" not in x]
        assert russian == [], russian


RESULTS_SECTIONS = ("section_distribution", "section_segments", "section_effects")
CUSTOMERS_SECTIONS = ("section_segments", "section_return", "section_worth")


@pytest.mark.parametrize(
    ("page", "sections"),
    [(None, RESULTS_SECTIONS), ("pages/customers.py", CUSTOMERS_SECTIONS)],
    ids=["results", "customers"],
)
def test_every_collapsed_section_opened_in_russian_has_no_english(app_env, page, sections):
    """The walks above see what a first screen shows; a collapsed section builds nothing, so
    its captions went unchecked (the Customers page's return and worth sections were English)."""
    at = run({"lang": "ru"}, page)
    for key in sections:
        at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    left = english_left(at)
    assert left == [], str(sorted({(kind, word) for kind, word, _ in left}))
