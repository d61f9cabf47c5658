"""#12 "CSV for Excel for every table" and "the glossary on the page", checked on rendered pages.

Every table a page shows (``st.dataframe`` / ``st.table``) has a "CSV for Excel" button, whose
file has the headers the page shows; the encoding (UTF-8 with a BOM or Windows-1251) is the
session's choice in the sidebar; a character Windows-1251 lacks is said, not served broken.
The Results page and the report view carry the same glossary as the HTML report.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from experiments import export
from experiments.i18n import glossary, t
from tests.app.conftest import APP
from tests.app.test_results_file import hillstrom_app  # noqa: F401 - a fixture used below


@pytest.fixture
def managers(monkeypatch) -> list[MediaFileManager]:
    """Every media file manager AppTest makes, to build what a deferred download serves."""
    made: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, storage) -> None:
            super().__init__(storage)
            made.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", Recording)
    return made


def served(made: list[MediaFileManager], button) -> bytes:
    """The bytes a download button serves on click (built then, when it is deferred)."""
    manager = made[-1]
    url = button.proto.url or manager.execute_deferred(button.proto.deferred_file_id)
    return bytes(manager._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content)


def run(params: dict[str, str], page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def excel_buttons(at: AppTest, lang: str) -> list:
    label = t("export.csv_excel", lang)
    return [b for b in at.get("download_button") if str(b.proto.label).startswith(label)]


def tables(at: AppTest) -> int:
    return len(at.dataframe) + len(at.table)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_table_of_the_results_page_and_the_report_view_has_a_csv_for_excel(app_env, lang):
    for params in ({"lang": lang}, {"lang": lang, "view": "report", "experiment": "1"}):
        at = run(params)
        assert tables(at) >= 2, params  # the experiments or the lever table, the projection
        assert len(excel_buttons(at, lang)) >= tables(at), params


def test_every_table_of_a_results_file_view_has_a_csv_for_excel(hillstrom_app):  # noqa: F811
    at = run({"lang": "ru", "experiment": "Hillstrom", "metrics": "conversion,visit,spend"})
    assert tables(at) >= 3
    assert len(excel_buttons(at, "ru")) >= tables(at)


@pytest.mark.parametrize("page", ["pages/customers.py", "pages/data.py", "pages/design.py"])
def test_every_table_of_the_other_pages_has_a_csv_for_excel(app_env, page):
    at = run({"lang": "ru"}, page)
    if page == "pages/design.py":  # the demo experiment: its arms, balance, list preview
        at.selectbox(key="design_experiment").set_value("Loyalty levers 2026-Q2").run()
        assert not at.exception, at.exception
    assert tables(at) >= 1
    assert len(excel_buttons(at, "ru")) >= tables(at), [b.proto.label for b in at.download_button]


def test_the_excel_file_has_the_shown_headers_in_the_chosen_encoding(app_env, managers):
    at = run({"lang": "ru"})
    picker = at.sidebar.selectbox(key="_excel_encoding")
    assert picker.label == "Кодировка CSV для Excel"
    assert picker.value == "utf-8-sig"
    assert list(picker.options) == [
        t("export.encoding.utf-8-sig", "ru"),
        t("export.encoding.cp1251", "ru"),
    ]
    best = t("report.col.best", "ru")
    shown = next(d.value for d in at.dataframe if best in d.value.columns)  # the lever table
    button = next(b for b in excel_buttons(at, "ru") if b.key == "levers_excel")
    content = served(managers, button)
    assert content.startswith(b"\xef\xbb\xbf")
    read = pd.read_csv(io.BytesIO(content), sep=";", encoding="utf-8-sig", decimal=",")
    assert list(read.columns) == [str(c) for c in shown.columns]
    assert len(read) == len(shown)

    picker.set_value("cp1251").run()
    assert not at.exception, at.exception
    button = next(b for b in excel_buttons(at, "ru") if b.key == "levers_excel")
    content = served(managers, button)
    assert not content.startswith(b"\xef\xbb\xbf")
    read = pd.read_csv(io.BytesIO(content), sep=";", encoding="cp1251", decimal=",")
    assert list(read.columns) == [str(c).replace("₽", "руб.") for c in shown.columns]
    assert read.iloc[:, 0].map(export.unwrap_text).astype(str).tolist() == [
        str(v) for v in shown.iloc[:, 0]
    ]


def test_a_character_windows_1251_lacks_is_said_and_utf8_suggested(app_env):
    from experiments.store import open_store

    with open_store(app_env).cursor() as cur:  # an arm named with an emoji
        cur.execute(
            "UPDATE arms SET name = ? WHERE experiment_id = 1 AND kind = 'gift'", ["Подарок 🎁"]
        )
    at = run({"lang": "ru"})
    at.sidebar.selectbox(key="_excel_encoding").set_value("cp1251").run()
    assert not at.exception, at.exception
    said = [e.value for e in at.error if "Windows-1251" in e.value]
    assert said and "🎁" in said[0] and "UTF-8" in said[0]
    # the lever table names arms; the projection table too, and it is said there as well
    assert all("🎁" in e for e in said)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_glossary_is_on_the_results_page_and_the_report_view(app_env, lang):
    for params in ({"lang": lang}, {"lang": lang, "view": "report", "experiment": "1"}):
        at = run(params)
        titles = [e.label for e in at.expander]
        assert t("report.glossary", lang) in titles, (params, titles)
        shown = " ".join(m.value for m in at.markdown)
        for term, text in glossary(lang):
            assert term in shown and text in shown, term


def test_the_glossary_is_on_a_results_file_view(hillstrom_app):  # noqa: F811
    at = run({"lang": "ru", "experiment": "Hillstrom", "metrics": "conversion,visit,spend"})
    assert t("report.glossary", "ru") in [e.label for e in at.expander]
    shown = " ".join(m.value for m in at.markdown)
    assert all(term in shown for term, _ in glossary("ru"))


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_euro_store_reads_euros_in_every_table_and_text_of_the_results_page(app_env, lang):
    """#12 currency per store, used everywhere: no rouble left on a euro store's page (the
    lever table's headers named roubles whatever the store's currency)."""
    from experiments.store import open_store
    from experiments.store import settings as store_settings

    store_settings.update_settings(open_store(app_env), {"currency": "EUR"})
    for params in ({"lang": lang}, {"lang": lang, "view": "report", "experiment": "1"}):
        at = run(params)
        headers = [str(c) for d in at.dataframe for c in d.value.columns]
        words = [
            str(e.value) for kind in ("markdown", "caption", "subheader") for e in at.get(kind)
        ]
        words += [str(m.label) for m in at.metric] + [str(m.value) for m in at.metric]
        roubles = [w for w in headers + words if "₽" in w or "RUB" in w or "руб" in w]
        assert roubles == [], (params, roubles)
        assert any("€" in h for h in headers), headers
