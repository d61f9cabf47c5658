"""#12: what the store keeps in English (upload messages, statuses, the demo's name and summary,
a file's format) is read back in the session's language; old rows stay as they were stored."""

from __future__ import annotations

import re

import pytest

from experiments import demo
from experiments.i18n.readback import (
    template_values,
    upload_file_name,
    upload_message,
    upload_status,
    warning_text,
)
from experiments.ingest.model import FileFormat
from experiments.store import Store

CYRILLIC = re.compile("[А-Яа-яЁё]")
LATIN_WORD = re.compile(r"[A-Za-z_]{2,}")


@pytest.fixture(scope="module")
def demo_upload(tmp_path_factory) -> tuple[str, tuple[str, str, str, str]]:
    store = Store(tmp_path_factory.mktemp("readback") / "demo.duckdb")
    summary = demo.seed_demo(store, customers=1021, seed=5, replace=True)
    with store.cursor() as cur:
        row = cur.execute("SELECT file_name, kind, status, message FROM uploads").fetchone()
    store.close()
    assert row is not None
    return summary, tuple(str(v) for v in row)  # type: ignore[return-value]


def test_the_demo_summary_keeps_its_english_and_reads_back_in_russian(demo_upload):
    summary, (file_name, kind, status, message) = demo_upload
    assert message == str(summary)
    assert message.startswith("Demo data: 1,021 customers, ")  # the English scripts read
    assert file_name == "demo (1021 customers, seed 5)"
    ru = upload_message(message, kind, "ru")
    assert ru.startswith("Демо-данные: 1\u00a0021 клиент, ")  # 1 021: one, by CLDR
    assert "(с 01.11.2024 по 31.10.2026)" in ru and "4 группы" in ru
    assert "seed" not in ru and "known_effects" not in ru and "демо-набор № 5" in ru  # #12.7
    words = set(LATIN_WORD.findall(ru.replace("Loyalty levers 2026-Q2", "")))
    assert words == set(), words
    assert summary.render("ru") == ru  # the page's line and the history's say the same
    assert upload_message(message, kind, "en") == message
    assert upload_file_name(file_name, kind, "ru") == "демо-данные (1\u00a0021 клиент, набор № 5)"
    assert upload_file_name(file_name, kind, "en") == file_name
    assert upload_status(status, "ru") == "загружено"


def test_old_rows_and_typed_names_are_shown_as_stored():
    assert upload_message("Demo data: an older wording (seed 5).", "demo", "ru") == (
        "Demo data: an older wording (seed 5)."
    )
    assert upload_message(None, "transactions", "ru") == ""
    assert upload_message(float("nan"), "transactions", "ru") == ""
    assert upload_message("loaded by hand", "transactions", "ru") == "loaded by hand"
    assert upload_file_name("demo (1021 customers, seed 5).csv", "transactions", "ru") == (
        "demo (1021 customers, seed 5).csv"  # a user's file is named as typed
    )
    assert upload_file_name("my demo", "demo", "ru") == "my demo"
    assert upload_status("archived", "ru") == "archived"
    # a template that matches only in shape is not read as it: the values must rebuild it
    assert template_values("upload.message.assignments", "many customers in few arms")
    assert upload_message("many customers in few arms", "assignments", "ru") == (
        "many customers in few arms"
    )


@pytest.mark.parametrize(
    ("stored", "ru"),
    [
        ("negative_amount: 3", "3 возврата (отрицательные суммы, сохранены)"),
        ("negative_amount: 21; set_aside_totals_row: 1", "21 возврат (отрицательная сумма, "
         "сохранён); 1 строка итогов"),
        ("set_aside_no_customer: 5", "5 строк без номера клиента"),
        ("unknown_arm: 2", "2 группы, которых нет в эксперименте"),
        ("single_arm: 1", "только одна группа"),
        ("formula_text: 11", "11 ячеек, похожих на формулы, сохранены как текст"),
        ("a_future_code: 4", "предупреждение «a_future_code»: 4"),  # no words for it yet
    ],
)  # fmt: skip
def test_a_load_s_warnings_read_back_by_their_codes(stored, ru):
    assert upload_message(stored, "transactions", "ru") == ru
    assert not CYRILLIC.search(upload_message(stored, "transactions", "en"))


def test_the_store_s_warning_line_reads_back(tmp_path):
    """The line `store.uploads` writes for a load with warnings, end to end."""
    from experiments import ingest

    path = tmp_path / "orders.csv"
    path.write_text(
        "customer_id,order_id,ts,amount\nc1,o1,2026-10-01,100\nc2,o2,2026-10-02,-20\n"
        "c3,o3,2026-10-03,-5\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "store.duckdb")
    result = ingest.load_file(store, kind="transactions", path=str(path))
    assert result.ok
    with store.cursor() as cur:
        kind, message = cur.execute("SELECT kind, message FROM uploads").fetchone()
    store.close()
    assert message == "negative_amount: 2"
    assert upload_message(message, kind, "ru") == "2 возврата (отрицательные суммы, сохранены)"
    assert warning_text("negative_amount", 2) == "2 refunds (negative amounts, kept)"
    assert "2 refunds (negative amounts, kept)" in result.summary()  # one wording, one home


def test_a_file_format_says_itself_in_either_language():
    csv = FileFormat("csv", encoding="cp1251", delimiter=";", decimal=",")
    assert csv.describe() == "CSV, cp1251, semicolon-separated, decimal comma"  # English as was
    assert csv.describe().render("ru") == (  # type: ignore[attr-defined]
        "CSV, `cp1251`, разделитель — точка с запятой, десятичный знак — запятая"
    )
    tab = FileFormat("csv", encoding="utf-8", delimiter="\t")
    assert tab.describe().render("ru").endswith("табуляция, десятичный знак — точка")  # type: ignore[attr-defined]
    assert FileFormat("xlsx").describe() == "XLSX"
