"""Tables in Russian: the dataframes of the Results page (result-file view included) and the
Customers page carry Russian headers, and every table with a download offers CSV for Excel; a
result-file experiment gets an XLSX too."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from tests.app.test_results_file import hillstrom_app  # noqa: F401 - the fixture

from .conftest import APP

ENGLISH_HEADER = re.compile(r"^[a-z_ ]+$")  # a column code ('ci_low', 'arm value')


def run(query: dict[str, str], page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(query)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def headers(at: AppTest) -> list[list[str]]:
    return [[str(c) for c in d.value.columns] for d in at.dataframe]


def downloads(at: AppTest) -> list[str]:
    return [str(b.proto.label) for b in at.get("download_button")]


def test_the_result_file_view_in_russian_has_russian_headers_an_xlsx_and_csv_for_excel(
    hillstrom_app,  # noqa: F811
):
    at = run({"lang": "ru", "experiment": "Hillstrom", "metrics": "conversion,visit,spend"})
    shown = headers(at)
    arms = next(h for h in shown if "Роль" in h)
    assert arms[:4] == ["Группа", "Роль", "Клиентов", "Ожидалось по плану"]
    effects = next(h for h in shown if "Единица" in h)
    assert effects[:4] == ["Группа", "Метрика", "Метод", "Единица"]
    for columns in shown:
        assert not [c for c in columns if ENGLISH_HEADER.fullmatch(c)], columns
    labels = downloads(at)
    assert "CSV для Excel" in labels
    assert any("XLSX" in label for label in labels)  # new for result files


def test_the_result_file_view_in_english_keeps_its_column_codes(hillstrom_app):  # noqa: F811
    at = run({"experiment": "Hillstrom", "metrics": "conversion,visit,spend"})
    arms = next(h for h in headers(at) if "role" in h)
    assert arms[:4] == ["arm", "role", "customers", "expected"]
    assert any("XLSX" in label for label in downloads(at))


def test_the_customers_segments_table_in_russian(app_env):
    at = run({"lang": "ru"}, "pages/customers.py")
    segments = next(d.value for d in at.dataframe if "Сегмент" in d.value.columns)
    assert list(segments.columns[:3]) == ["Сегмент", "Кто они", "Клиентов"]
    assert "чемпионы" in set(segments["Сегмент"])
    assert any(c.startswith("выручка за последние 365 дней") for c in segments.columns)
    assert "CSV для Excel" in downloads(at)
