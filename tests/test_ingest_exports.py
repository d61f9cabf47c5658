"""Real shop exports load (issue 14.5): anonymous receipts and totals rows set aside, weekly
re-exports that overlap, mixed line endings, and "load the valid rows" as an explicit choice.

Files are made in the shape of a 1C / cash-register export: cp1251, ';', '1 673,04', Russian
headers, CRLF.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments import ingest
from experiments.store import Store

HEADER = "Дата;Номер чека;Карта клиента;Сумма"


def receipts(first: int, count: int, *, anonymous_every: int = 0) -> list[str]:
    lines = []
    for i in range(first, first + count):
        card = "" if anonymous_every and i % anonymous_every == 0 else f"2000{i % 9:06d}"
        lines.append(f"{1 + i % 28:02d}.03.2026 12:{i % 60:02d};{i};{card};1 673,04")
    return lines


def export(tmp_path: Path, name: str, lines: list[str], newline: str = "\r\n") -> Path:
    path = tmp_path / name
    path.write_bytes((newline.join([HEADER, *lines]) + newline).encode("cp1251"))
    return path


def stored(store: Store, sql: str) -> list[tuple]:
    with store.cursor() as cur:
        return cur.execute(sql).fetchall()


def test_receipts_without_a_card_and_the_totals_row_are_set_aside(store, tmp_path):
    lines = receipts(1, 50, anonymous_every=12)  # 4 of 50 without a loyalty card (8%)
    lines.append(";;Итого;83 652,00")
    result = ingest.load_file(store, "transactions", export(tmp_path, "чеки.csv", lines))
    assert result.ok, result.summary()
    assert stored(store, "SELECT count(*), round(sum(amount), 2) FROM transactions") == [
        (46, round(46 * 1673.04, 2))
    ]
    assert result.set_aside_rows == 5
    aside = result.set_aside
    assert list(aside["reason"]) == ["no_customer"] * 4 + ["totals_row"]
    assert list(aside["file_row"]) == [13, 25, 37, 49, 52]  # header is row 1
    assert "5 rows set aside" in result.summary()
    codes = {p.code: p for p in result.warnings}
    assert codes["set_aside_no_customer"].count == 4
    assert codes["set_aside_totals_row"].count == 1


def test_a_totals_row_in_the_date_column_does_not_spoil_date_detection(store, tmp_path):
    lines = [*receipts(1, 10), "Итого;;;16 730,40"]
    result = ingest.load_file(store, "transactions", export(tmp_path, "x.csv", lines))
    assert result.ok, result.summary()
    assert result.set_aside_rows == 1


def test_an_overlapping_weekly_export_adds_only_its_new_orders(store, tmp_path):
    first = ingest.load_file(store, "transactions", export(tmp_path, "w1.csv", receipts(1, 30)))
    assert first.ok
    again = ingest.load_file(store, "transactions", export(tmp_path, "w2.csv", receipts(21, 30)))
    assert again.ok, again.summary()
    assert stored(store, "SELECT count(*), count(DISTINCT order_id) FROM transactions") == [
        (50, 50)
    ]
    skipped = next(p for p in again.warnings if p.code == "set_aside_already_stored")
    assert skipped.count == 10 and "already in the store unchanged" in skipped.message


def test_an_overlapping_export_that_disagrees_lists_the_conflicts(store, tmp_path):
    assert ingest.load_file(store, "transactions", export(tmp_path, "w1.csv", receipts(1, 30))).ok
    changed = receipts(21, 30)
    changed[2] = changed[2].replace("1 673,04", "999,00")  # order 23 now says 999
    before = stored(store, "SELECT count(*) FROM transactions")
    result = ingest.load_file(store, "transactions", export(tmp_path, "w2.csv", changed))
    assert not result.ok
    conflict = next(p for p in result.errors if p.code == "order_id_already_stored")
    assert conflict.count == 1 and conflict.rows == (4,) and "'23'" in conflict.message
    assert "different customer, date or amount" in conflict.message
    assert stored(store, "SELECT count(*) FROM transactions") == before


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_header_lf_and_rows_crlf_loads(store, tmp_path, encoding):
    path = tmp_path / "mixed.csv"
    rows = "\r\n".join(receipts(1, 20)) + "\r\n"
    path.write_bytes((HEADER + "\n" + rows).encode(encoding))
    result = ingest.load_file(store, "transactions", path)
    assert result.ok, result.summary()
    assert result.rows == 20 and result.format.mixed_newlines
    assert stored(store, "SELECT count(*) FROM transactions") == [(20,)]


def test_other_row_errors_refuse_unless_the_valid_rows_are_chosen(store, tmp_path):
    lines = receipts(1, 20)
    lines[4] = lines[4].replace("1 673,04", "сорок")  # file row 6
    path = export(tmp_path, "bad.csv", lines)
    refused = ingest.load_file(store, "transactions", path)
    assert not refused.ok and refused.errors[0].code == "bad_amount"
    assert stored(store, "SELECT count(*) FROM uploads") == [(0,)]
    chosen = ingest.load_file(store, "transactions", path, load_valid_rows=True)
    assert chosen.ok, chosen.summary()
    assert stored(store, "SELECT count(*) FROM transactions") == [(19,)]
    assert chosen.set_aside is not None
    assert list(chosen.set_aside["reason"]) == ["bad_amount"]
    assert list(chosen.set_aside["file_row"]) == [6]
    assert list(chosen.set_aside["amount"]) == ["сорок"]


def test_results_file_sets_its_totals_row_aside(store, tmp_path):
    path = tmp_path / "итоги.csv"
    body = "Карта клиента;Группа;Выручка\r\n" + "".join(
        f"2000{i:06d};{('Контроль', 'Подарок')[i % 2]};1 673,04\r\n" for i in range(10)
    )
    path.write_bytes((body + ";Итого;16 730,40\r\n").encode("cp1251"))
    result = ingest.load_file(store, "results", path, experiment="May")
    assert result.ok, result.summary()
    assert result.set_aside_rows == 1
    assert stored(store, "SELECT DISTINCT arm FROM campaign_results ORDER BY arm") == [
        ("Контроль",),
        ("Подарок",),
    ]


@pytest.mark.parametrize(
    ("yes", "no"),
    [("да", "нет"), ("Да", "Нет"), ("yes", "no"), ("TRUE", "FALSE"), ("1", "0"), ("+", "-")],
)
def test_yes_no_columns_of_a_result_file_are_binary_metrics(store, tmp_path, yes, no):
    """Issue 14.4: a да/нет purchase column vanished from the metric picker."""
    from experiments.store import results_sql

    path = tmp_path / "итоги.csv"
    body = "Карта клиента;Группа;Покупка;Комментарий\r\n" + "".join(
        f"2000{i:06d};{('Контроль', 'Подарок')[i % 2]};{yes if i % 3 == 0 else no};"
        f"{'звонил' if i % 4 == 0 else ''}\r\n"
        for i in range(12)
    )
    path.write_bytes(body.encode("cp1251"))
    result = ingest.load_file(store, "results", path, experiment="May")
    assert result.ok, result.summary()
    with store.cursor() as cur:
        fields = {f.field: f for f in results_sql.result_fields(cur, result.experiment_id)}
        total = cur.execute(
            "SELECT sum(value) FROM campaign_results WHERE field = 'Покупка'"
        ).fetchone()
    assert fields["Покупка"].numeric and fields["Покупка"].binary
    assert total == (4.0,)  # rows 0, 3, 6, 9
    assert not fields["Комментарий"].numeric  # real text stays text


def test_analyze_file_reads_yes_no_as_a_rate(tmp_path):
    from experiments import analysis_file

    path = tmp_path / "hillstrom.csv"
    path.write_text(
        "segment,conversion\n"
        + "".join(f"{('ctrl', 'mail')[i % 2]},{'да' if i % 5 < 2 else 'нет'}\n" for i in range(200))
    )
    result = analysis_file.analyze_frame(path, "segment", "ctrl", [("conversion", None)])
    assert result.metrics == {"conversion": "binary"}
    assert all(e.ok for e in result.effects)
