"""Ingest: detection, mapping, validation messages with row numbers, all-or-nothing loads."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from experiments import config, ingest
from experiments.__main__ import main as cli_main
from experiments.store import Store, StoreError
from experiments.store import _open as store_registry
from experiments.store import _open_lock as store_registry_lock

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
TABLES = (
    "transactions",
    "customers",
    "customer_attributes",
    "campaign_results",
    "experiments",
    "arms",
    "uploads",
)
GOOD_CSV = (
    "customer_id,date,amount,order_id\n"
    "c1,2024-01-05,10.50,o1\n"
    "c2,2024-01-06 10:30,20,o2\n"
    "c1,2024-02-01,5.25,o3\n"
)


def snapshot(store: Store) -> tuple[int, dict[str, int], tuple]:
    """Store version, row counts and a content checksum: 'unchanged' means all three equal."""
    with store.cursor() as cur:
        counts = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        content = cur.execute(
            "SELECT coalesce(sum(amount), 0), string_agg(customer_id || order_id, ',' "
            "ORDER BY customer_id, order_id) FROM transactions"
        ).fetchone()
    return store.version(), counts, content


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode(encoding)
    path.write_bytes(content)
    return path


def rows_of(store: Store, sql: str) -> list[tuple]:
    with store.cursor() as cur:
        return cur.execute(sql).fetchall()


@pytest.fixture
def loaded_store(store: Store, tmp_path: Path) -> Store:
    """A store holding one good transactions upload, so 'unchanged' is a real comparison."""
    result = ingest.load_file(store, "transactions", write(tmp_path, "base.csv", GOOD_CSV))
    assert result.ok, result.summary()
    return store


# -- good but awkward files: they must load, with the right values --------------------------
def _xlsx(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "Клиент": ["c1", "c2", "c1"],
            "Дата": [
                dt.datetime(2024, 1, 5),
                dt.datetime(2024, 1, 6, 10, 30),
                dt.datetime(2024, 2, 1),
            ],
            "Сумма": [10.5, 20, 5.25],
        }
    )
    path = tmp_path / "t.xlsx"
    frame.to_excel(path, index=False)
    return path


def _parquet(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "customer": ["c1", "c2", "c1"],
            "ts": pd.to_datetime(
                ["2024-01-05", "2024-01-06 10:30", "2024-02-01"], format="ISO8601"
            ),
            "amount": [10.5, 20.0, 5.25],
        }
    )
    path = tmp_path / "t.parquet"
    frame.to_parquet(path, index=False)
    return path


AWKWARD: list[tuple[str, Callable[[Path], Path]]] = [
    (
        "cp1251_semicolon_decimal_comma",
        lambda p: write(
            p,
            "ru.csv",
            "Клиент;Дата;Сумма\nКлиент-1;05.01.2024;10,50\nКлиент-2;06.01.2024 10:30;20\n"
            "Клиент-1;01.02.2024;5,25\n",
            "cp1251",
        ),
    ),
    (
        "utf8_bom_crlf",
        lambda p: write(
            p,
            "bom.csv",
            "\ufeffclient,date,sum\r\nc1,2024-01-05,10.5\r\nc2,2024-01-06 10:30,20\r\n"
            "c1,2024-02-01,5.25\r\n",
        ),
    ),
    (
        "tab_separated",
        lambda p: write(
            p,
            "t.tsv",
            "customer_id\tdate\tamount\nc1\t2024-01-05\t10.5\nc2\t2024-01-06 10:30\t20\n"
            "c1\t2024-02-01\t5.25\n",
        ),
    ),
    (
        "decimal_comma_thousands_and_quotes",
        lambda p: write(
            p,
            "q.csv",
            'customer_id;date;amount;channel\nc1;05.01.2024;"10,50";"Shop; main"\n'
            'c2;06.01.2024 10:30;"20,00";"Shop ""A"""\nc1;01.02.2024;5,25;web\n',
        ),
    ),
    (
        "utf16",
        lambda p: write(
            p,
            "u16.csv",
            "customer_id,date,amount\nc1,2024-01-05,10.5\nc2,2024-01-06 10:30,20\n"
            "c1,2024-02-01,5.25\n",
            "utf-16",
        ),
    ),
    ("xlsx", _xlsx),
    ("parquet", _parquet),
]


@pytest.mark.parametrize(("name", "make"), AWKWARD, ids=[a[0] for a in AWKWARD])
def test_awkward_but_valid_files_load_the_right_values(store, tmp_path, name, make):
    result = ingest.load_file(store, "transactions", make(tmp_path))
    assert result.ok, result.summary()
    assert result.rows == 3
    got = rows_of(store, "SELECT customer_id, ts, amount FROM transactions ORDER BY ts")
    ids = [g[0] for g in got]
    assert ids[0] == ids[2] != ids[1]
    assert [g[1] for g in got] == [
        dt.datetime(2024, 1, 5),
        dt.datetime(2024, 1, 6, 10, 30),
        dt.datetime(2024, 2, 1),
    ]
    assert [g[2] for g in got] == pytest.approx([10.5, 20.0, 5.25])
    assert rows_of(store, "SELECT count(*), min(first_seen) FROM customers") == [
        (2, dt.datetime(2024, 1, 5))
    ]


def test_quoted_delimiters_and_quotes_survive(store, tmp_path):
    make = dict(AWKWARD)["decimal_comma_thousands_and_quotes"]
    assert ingest.load_file(store, "transactions", make(tmp_path)).ok
    assert rows_of(store, "SELECT channel FROM transactions ORDER BY ts") == [
        ("Shop; main",),
        ('Shop "A"',),
        ("web",),
    ]


def test_space_thousands_separator_with_decimal_comma(store, tmp_path):
    path = write(
        tmp_path, "k.csv", "клиент;дата;сумма\nc1;05.01.2024;1 234,50\nc2;06.01.2024;99,90\n"
    )
    assert ingest.load_file(store, "transactions", path).ok
    assert rows_of(store, "SELECT amount FROM transactions ORDER BY amount") == [
        (99.9,),
        (1234.5,),
    ]


def test_two_digit_years_load_as_this_century_not_year_23(store, tmp_path):
    path = write(tmp_path, "y.csv", "клиент;дата;сумма\nc1;01.02.23;12,50\nc2;15.03.2023;7,00\n")
    assert ingest.load_file(store, "transactions", path).ok
    assert rows_of(store, "SELECT ts FROM transactions ORDER BY ts") == [
        (dt.datetime(2023, 2, 1),),
        (dt.datetime(2023, 3, 15),),
    ]


def test_a_date_before_1900_is_refused_and_nothing_loads(store, tmp_path):
    path = write(tmp_path, "old.csv", "customer_id,ts,amount\nc1,0023-02-01,5\nc2,2023-02-01,5\n")
    result = ingest.load_file(store, "transactions", path)
    assert not result.ok
    assert any(p.code == "ancient_date" and "two-digit year" in p.message for p in result.problems)
    assert rows_of(store, "SELECT count(*) FROM transactions") == [(0,)]


def test_thousands_commas_are_not_read_as_decimal_commas(store, tmp_path):
    """ "1,500" in a comma-separated file is 1500 or 1.5: never load it 1000x too small."""
    path = write(
        tmp_path,
        "t.csv",
        'customer_id,date,amount\nc1,2024-01-05,"1,500"\nc2,2024-01-06,"2,250"\nc3,2024-01-07,12.50\n',
    )
    result = ingest.load_file(store, "transactions", path)
    assert not result.ok and any(p.code == "bad_amount" for p in result.problems)
    assert rows_of(store, "SELECT count(*) FROM transactions") == [(0,)]


def test_cdnow_loads_with_explicit_mapping_and_matches_pandas(store, datasets, tmp_path):
    path = tmp_path / "cdnow_master.csv"
    shutil.copy(datasets / "cdnow" / "cdnow_master.csv", path)
    result = ingest.load_file(
        store, "transactions", path, mapping={"dollar_value": "amount", "date": "ts"}
    )
    assert result.ok, result.summary()
    truth = pd.read_csv(path)
    assert result.rows == len(truth)
    count, customers, revenue, first = rows_of(
        store,
        "SELECT count(*), count(DISTINCT customer_id), sum(amount), min(ts) FROM transactions",
    )[0]
    assert count == len(truth)
    assert customers == truth["customer_id"].nunique()
    assert revenue == pytest.approx(truth["dollar_value"].sum())
    assert first == dt.datetime(1997, 1, 1)
    assert result.problems == ()  # CDNOW has no order id: nothing to complain about
    assert "Loaded 69,659 transactions rows" in result.summary()


def test_hillstrom_results_create_an_experiment_with_the_planned_arms(store, datasets, tmp_path):
    path = tmp_path / "hillstrom.csv"
    shutil.copy(datasets / "hillstrom" / "hillstrom.csv", path)
    result = ingest.load_file(store, "results", path, mapping={"segment": "arm"})
    assert result.ok and result.experiment_created, result.summary()
    truth = pd.read_csv(path)
    arms = rows_of(store, "SELECT name, kind, allocation FROM arms ORDER BY arm_id")
    assert arms[0][:2] == ("No E-Mail", "control")
    assert {a[1] for a in arms[1:]} == {"custom"}
    assert set(truth["segment"]) == {a[0] for a in arms}
    for _, _, allocation in arms:  # no --split: the plan is equal, not the observed shares
        assert allocation == pytest.approx(1 / 3)
    ((name, status, source),) = rows_of(store, "SELECT name, status, source FROM experiments")
    assert (name, status, source) == ("hillstrom", "completed", "results_file")
    spend = rows_of(
        store,
        "SELECT arm, sum(value), count(*) FROM campaign_results WHERE field = 'spend' GROUP BY arm",
    )
    expected = truth.groupby("segment")["spend"].sum()
    for arm, total, _ in spend:
        assert total == pytest.approx(expected[arm])
    assert sum(n for _, _, n in spend) == len(truth)
    assert rows_of(
        store, "SELECT text FROM campaign_results WHERE field = 'zip_code' AND row_no = 1"
    ) == [(truth.loc[0, "zip_code"],)]


def test_results_attach_to_an_existing_experiment(store, tmp_path):
    first = write(tmp_path, "a.csv", "customer_id,group,bought\nc1,control,1\nc2,gift,0\n")
    second = write(tmp_path, "b.csv", "customer_id,group,bought\nc3,control,0\nc4,gift,1\nc5,x,1\n")
    one = ingest.load_file(store, "results", first, experiment="Spring")
    two = ingest.load_file(store, "results", second, experiment="Spring")
    assert one.ok and two.ok
    assert one.experiment_id == two.experiment_id and not two.experiment_created
    assert [p.code for p in two.warnings] == ["unknown_arm"]
    assert rows_of(store, "SELECT count(*) FROM experiments") == [(1,)]
    assert rows_of(store, "SELECT count(DISTINCT row_no) FROM campaign_results") == [(3,)]


def test_customers_file_becomes_attributes(store):
    result = ingest.load_file(store, "customers", SAMPLES / "customers.tsv")
    assert result.ok, result.summary()
    assert rows_of(store, "SELECT count(*) FROM customers") == [(60,)]
    assert rows_of(store, "SELECT DISTINCT name FROM customer_attributes ORDER BY 1") == [
        ("city",),
        ("gender",),
        ("signed_up",),
    ]


def test_sample_files_load(store):
    tx = ingest.load_file(store, "transactions", SAMPLES / "transactions_ru_cp1251.csv")
    assert tx.ok, tx.summary()
    assert [p.code for p in tx.warnings] == ["negative_amount"]
    assert rows_of(store, "SELECT amount, channel FROM transactions WHERE amount < 0") == [
        (-1250.0, "Москва, Тверская")
    ]
    res = ingest.load_file(store, "results", SAMPLES / "campaign_results.csv", experiment="Весна")
    assert res.ok, res.summary()
    assert rows_of(store, "SELECT name FROM arms WHERE kind = 'control'") == [("Контроль",)]


def test_a_blank_or_dash_mapping_leaves_a_guessed_column_out(store, tmp_path):
    path = write(
        tmp_path, "o.csv", "customer_id,date,amount,order_id,channel\nc1,2024-01-05,1,A,web\n"
        "c2,2024-01-05,1,A,shop\n"
    )  # fmt: skip
    refused = ingest.load_file(store, "transactions", path)
    assert [p.code for p in refused.errors] == ["duplicate_order_id"]
    result = ingest.load_file(store, "transactions", path, mapping={"order_id": "", "channel": "-"})
    assert result.ok, result.summary()
    assert rows_of(store, "SELECT count(order_id), count(channel) FROM transactions") == [(0, 0)]


def test_refunds_are_kept_and_flagged_with_rows(store, tmp_path):
    path = write(
        tmp_path, "r.csv", "customer_id,date,amount\nc1,2024-01-05,10\nc1,2024-01-07,-10\n"
    )
    result = ingest.load_file(store, "transactions", path)
    assert result.ok
    (refund,) = result.warnings
    assert (refund.code, refund.rows, refund.count) == ("negative_amount", (3,), 1)
    assert rows_of(store, "SELECT sum(amount), count(*) FROM transactions") == [(0.0, 2)]


def test_formula_cells_are_kept_as_inert_text_and_flagged(store, tmp_path):
    path = write(
        tmp_path,
        "f.csv",
        'customer_id,date,amount,channel\nc1,2024-01-05,10,"=HYPERLINK(""http://x"",""y"")"\n'
        "c2,2024-01-05,-5,@SUM(A1)\nc3,2024-01-05,7,web\n",
    )
    result = ingest.load_file(store, "transactions", path)
    assert result.ok
    formula = next(p for p in result.warnings if p.code == "formula_text")
    assert formula.rows == (2, 3)
    assert "never evaluated" in formula.message
    assert rows_of(store, "SELECT channel FROM transactions ORDER BY customer_id") == [
        ('=HYPERLINK("http://x","y")',),
        ("@SUM(A1)",),
        ("web",),
    ]


def test_sql_looking_headers_and_values_are_just_data(store, tmp_path):
    header = (
        'customer_id,"date""; DROP TABLE transactions; --",amount,"x\'); DELETE FROM uploads; --"'
    )
    value = "'); DROP TABLE customers; --"
    path = write(
        tmp_path,
        "sql.csv",
        f'{header}\n"{value}",2024-01-05,10,"1; DELETE FROM uploads"\nc2,2024-01-06,5,ok\n',
    )
    mapping = {'date"; DROP TABLE transactions; --': "ts"}
    result = ingest.load_file(store, "transactions", path, mapping=mapping)
    assert result.ok, result.summary()
    assert rows_of(store, "SELECT customer_id FROM transactions ORDER BY ts") == [(value,), ("c2",)]
    assert rows_of(store, "SELECT count(*) FROM customers") == [(2,)]
    assert rows_of(store, "SELECT count(*) FROM uploads") == [(1,)]
    # and as a customers file, the SQL header becomes an attribute *name*, stored verbatim
    attrs = write(tmp_path, "a.csv", f'customer_id,"{header.split(",")[3][1:-1]}"\nc9,"1; --"\n')
    assert ingest.load_file(store, "customers", attrs).ok
    assert rows_of(store, "SELECT name, value FROM customer_attributes") == [
        ("x'); DELETE FROM uploads; --", "1; --")
    ]


# -- bad files: a clear message and an unchanged store -----------------------------------------
def _random_bytes(n: int) -> bytes:
    return random.Random(1).randbytes(n)


BAD: list[tuple[str, str, str | bytes, dict, str, tuple[int, ...] | None]] = [
    # (id, kind, content, load kwargs, expected code, expected rows)
    ("empty", "transactions", b"", {}, "empty_file", None),
    ("blank_lines_only", "transactions", "\n \n\n", {}, "empty_file", None),
    ("header_only", "transactions", "customer_id,date,amount\n", {}, "no_rows", None),
    (
        "wrong_delimiter",
        "transactions",
        "customer_id|date|amount\nc1|2024-01-05|10\n",
        {},
        "missing_column",
        None,
    ),
    ("binary_junk", "transactions", _random_bytes(5000), {}, "not_a_table", None),
    (
        "old_xls",
        "transactions",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        {},
        "unsupported_format",
        None,
    ),
    (
        "broken_xlsx",
        "transactions",
        b"PK\x03\x04" + _random_bytes(800),
        {},
        "unreadable_file",
        None,
    ),
    ("broken_parquet", "transactions", b"PAR1" + _random_bytes(800), {}, "unreadable_file", None),
    (
        "missing_amount_column",
        "transactions",
        "customer_id,date,qty\nc1,2024-01-05,1\n",
        {},
        "missing_column",
        None,
    ),
    (
        "text_in_amount",
        "transactions",
        "customer_id,date,amount\nc1,2024-01-05,10\nc2,2024-01-05,ten\nc3,2024-01-05,\n",
        {},
        "bad_amount",
        (3, 4),
    ),
    (
        "nan_and_inf_amounts",
        "transactions",
        "customer_id,date,amount\nc1,2024-01-05,nan\nc2,2024-01-05,inf\n",
        {},
        "bad_amount",
        (2, 3),
    ),
    (
        "impossible_dates",
        "transactions",
        "customer_id,date,amount\nc1,2024-01-05,1\nc2,2024-02-30,1\nc3,2023-13-01,1\n",
        {},
        "bad_date",
        (3, 4),
    ),
    # an empty customer id is a receipt without a loyalty card: set aside, not refused
    # (tests/test_ingest_exports.py)
    (
        "future_date",
        "transactions",
        f"customer_id,date,amount\nc1,2024-01-05,1\nc2,{dt.date.today().year + 2}-01-01,1\n",
        {},
        "future_date",
        (3,),
    ),
    (
        "duplicate_order_ids",
        "transactions",
        "customer_id,date,amount,order_id\nc1,2024-01-05,1,A\nc2,2024-01-05,1,B\nc3,2024-01-06,2,A\n",
        {},
        "duplicate_order_id",
        (2, 4),
    ),
    (
        "order_id_already_in_store",
        "transactions",
        "customer_id,date,amount,order_id\nc9,2024-03-05,1,o2\n",
        {},
        "order_id_already_stored",
        (2,),
    ),
    ("duplicate_upload", "transactions", GOOD_CSV, {}, "duplicate_upload", None),
    (
        "cell_of_10000_chars",
        "transactions",
        f"customer_id,date,amount\nc1,2024-01-05,1\n{'x' * 10_000},2024-01-05,1\n",
        {},
        "cell_too_long",
        (3,),
    ),
    (
        "row_with_extra_field",
        "transactions",
        "customer_id,date,amount\nc1,2024-01-05,1\nc2,2024-01-05,1,oops\n",
        {},
        "unreadable_row",
        (3,),
    ),
    (
        "unterminated_quote",
        "transactions",
        'customer_id,date,amount\nc1,2024-01-05,1\n"c2,2024-01-05,1\n',
        {},
        "unreadable_row",
        None,
    ),
    (
        "text_in_margin",
        "transactions",
        "customer_id,date,amount,margin\nc1,2024-01-05,10,3\nc2,2024-01-05,10,n/a\n",
        {},
        "bad_number",
        (3,),
    ),
    (
        "map_names_a_missing_column",
        "transactions",
        "customer_id,date,amount\nc1,2024-01-05,1\n",
        {"mapping": {"Сумма": "amount"}},
        "unknown_column",
        None,
    ),
    (
        "map_to_unknown_field",
        "transactions",
        "customer_id,date,amount,x\nc1,2024-01-05,1,2\n",
        {"mapping": {"x": "price"}},
        "unknown_field",
        None,
    ),
    (
        "two_columns_one_field",
        "transactions",
        "customer_id,date,amount,total\nc1,2024-01-05,1,2\n",
        {"mapping": {"amount": "amount", "total": "amount"}},
        "duplicate_mapping",
        None,
    ),
    ("results_empty_arm", "results", "customer_id,group,y\nc1,a,1\nc2,,0\n", {}, "empty_arm", (3,)),
    (
        "results_repeat_customer",
        "results",
        "customer_id,group,y\nc1,a,1\nc2,b,0\nc1,b,0\n",
        {},
        "duplicate_customer_id",
        (2, 4),
    ),
    (
        "results_id_column_as_arm",
        "results",
        "group,y\n" + "".join(f"g{i},1\n" for i in range(50)),
        {},
        "too_many_arms",
        None,
    ),
    ("customers_without_id", "customers", "name,city\nAnn,Kazan\n", {}, "missing_column", None),
    (
        "customers_repeated_id",
        "customers",
        "customer_id,city\nc1,Kazan\nc1,Moscow\n",
        {},
        "duplicate_customer_id",
        (2, 3),
    ),
]


@pytest.mark.parametrize(
    ("name", "kind", "content", "kwargs", "code", "expected_rows"), BAD, ids=[b[0] for b in BAD]
)
def test_bad_file_gives_clear_message_and_leaves_store_unchanged(
    loaded_store, tmp_path, name, kind, content, kwargs, code, expected_rows
):
    before = snapshot(loaded_store)
    path = write(tmp_path, f"{name}.csv", content)
    result = ingest.load_file(loaded_store, kind, path, **kwargs)
    assert not result.ok
    assert result.upload_id is None
    assert code in [p.code for p in result.errors], result.problems
    problem = next(p for p in result.errors if p.code == code)
    assert len(problem.message) > 30
    assert "Traceback" not in problem.message
    if expected_rows is not None:
        assert problem.rows == expected_rows
        assert ", ".join(map(str, expected_rows)) in problem.message
    assert result.summary().count("\n") == 0 and "nothing loaded" in result.summary()
    assert snapshot(loaded_store) == before


def test_mixed_encoding_after_the_first_megabyte_is_refused(loaded_store, tmp_path):
    before = snapshot(loaded_store)
    good = "customer_id,date,amount\n" + "c1,2024-01-05,1\n" * 80_000
    path = write(
        tmp_path,
        "mixed.csv",
        good.encode() + "c2,2024-01-05,1\nКлиент,2024-01-05,1\n".encode("cp1251"),
    )
    assert path.stat().st_size > ingest.HEAD_BYTES
    result = ingest.load_file(loaded_store, "transactions", path)
    assert not result.ok
    assert result.errors[0].code == "bad_encoding"
    assert result.errors[0].rows == (80_003,)
    assert snapshot(loaded_store) == before


def test_duplicate_upload_says_when_it_was_loaded(loaded_store, tmp_path):
    again = write(tmp_path, "again.csv", GOOD_CSV)
    result = ingest.load_file(loaded_store, "transactions", again)
    assert result.already_loaded_at is not None
    assert result.previous_upload_id == 1
    assert f"{result.already_loaded_at:%Y-%m-%d %H:%M}" in result.summary()


def test_too_large_files_are_refused_before_reading(store, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_UPLOAD_MB", 0)
    result = ingest.load_file(store, "transactions", write(tmp_path, "a.csv", GOOD_CSV))
    assert [p.code for p in result.errors] == ["too_large"]
    assert store.version() == 0


def test_problem_rows_are_capped_and_the_rest_counted(store, tmp_path):
    body = "".join(f"c{i},2024-01-05,x\n" for i in range(25))
    result = ingest.load_file(
        store, "transactions", write(tmp_path, "a.csv", "customer_id,date,amount\n" + body)
    )
    (problem,) = result.errors
    assert problem.count == 25
    assert problem.rows == tuple(range(2, 2 + config.PROBLEM_ROWS_SHOWN))
    assert f"and {25 - config.PROBLEM_ROWS_SHOWN} more" in problem.message


def test_duplicate_order_ids_count_every_row_that_shares_one(store, tmp_path):
    # three rows share A and two share B: 5 rows, not the 3 surplus rows the cheap probe sees
    body = "c1,2024-01-05,1,A\nc2,2024-01-05,1,B\nc3,2024-01-05,1,A\nc4,2024-01-05,1,C\n"
    body += "c5,2024-01-05,1,B\nc6,2024-01-05,1,A\n"
    result = ingest.load_file(
        store,
        "transactions",
        write(tmp_path, "dups.csv", "customer_id,date,amount,order_id\n" + body),
    )
    (problem,) = result.errors
    assert problem.code == "duplicate_order_id"
    assert problem.count == 5
    assert problem.rows == (2, 3, 4, 6, 7)
    assert problem.message.startswith("5 rows share an order id")


def test_a_second_upload_moves_first_seen_only_earlier(store, tmp_path):
    first = write(tmp_path, "a.csv", "customer_id,date,amount\nc1,2024-03-01,1\nc2,2024-03-01,1\n")
    second = write(
        tmp_path,
        "b.csv",
        "customer_id,date,amount\nc2,2024-05-01,1\nc1,2024-01-01,1\nc3,2024-04-01,1\n",
    )
    assert ingest.load_file(store, "transactions", first).ok
    assert ingest.load_file(store, "transactions", second).ok
    assert rows_of(store, "SELECT customer_id, first_seen FROM customers ORDER BY 1") == [
        ("c1", dt.datetime(2024, 1, 1)),
        ("c2", dt.datetime(2024, 3, 1)),
        ("c3", dt.datetime(2024, 4, 1)),
    ]


def test_progress_is_reported_and_ends_at_one(store, tmp_path):
    seen: list[tuple[float, str]] = []
    ingest.load_file(
        store,
        "transactions",
        write(tmp_path, "a.csv", GOOD_CSV),
        progress=lambda f, t: seen.append((f, t)),
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and len(seen) >= 4


@pytest.mark.parametrize("bad_row", ["", "c9;not a date;5\n"], ids=["one pass", "staged again"])
def test_progress_never_goes_back_across_the_load_steps(store, tmp_path, bad_row):
    """Hashing (0-30 %), the one pass (30-90 %) and, when it gives way, the staged load read
    again: one bar that only moves forward (it stepped 90 % -> 30 % on a fallback, and the
    one pass started at 5 % after hashing reported up to 30 %)."""
    rows = "".join(f"c{i};2024-01-{1 + i % 28:02d};{i},5\n" for i in range(3000))
    path = tmp_path / "cp1251.csv"
    path.write_bytes(("Клиент;Дата;Сумма\n" + rows + bad_row).encode("cp1251"))
    seen: list[float] = []
    ingest.load_file(
        store,
        "transactions",
        path,
        progress=lambda f, t: seen.append(f),
    )
    assert len(seen) >= 4 and all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen), seen


def test_monotonic_progress_clamps_and_holds_the_largest_fraction():
    from experiments.progress import monotonic

    seen: list[tuple[float, str]] = []
    report = monotonic(lambda f, t: seen.append((f, t)))
    for fraction, text in [(0.2, "a"), (0.1, "b"), (1.5, "c"), (-1.0, "d")]:
        report(fraction, text)
    assert seen == [(0.2, "a"), (0.2, "b"), (1.0, "c"), (1.0, "d")]


# -- removal -------------------------------------------------------------------------------------
def test_remove_upload_deletes_its_rows_and_recomputes_customers(store, tmp_path):
    early = write(
        tmp_path, "early.csv", "customer_id,date,amount\nc1,2024-01-01,1\nc2,2024-01-02,2\n"
    )
    late = write(
        tmp_path, "late.csv", "customer_id,date,amount\nc1,2024-03-01,3\nc3,2024-03-02,4\n"
    )
    attrs = write(tmp_path, "attrs.csv", "customer_id,city\nc2,Kazan\n")
    first = ingest.load_file(store, "transactions", early)
    second = ingest.load_file(store, "transactions", late)
    third = ingest.load_file(store, "customers", attrs)
    assert first.ok and second.ok and third.ok
    message = ingest.remove_upload(store, first.upload_id)
    assert f"Removed upload {first.upload_id}" in message
    assert rows_of(store, "SELECT customer_id, first_seen FROM customers ORDER BY 1") == [
        ("c1", dt.datetime(2024, 3, 1)),  # first seen moved to the remaining purchase
        ("c2", None),  # still known through the attributes upload
        ("c3", dt.datetime(2024, 3, 2)),
    ]
    assert rows_of(store, "SELECT upload_id FROM uploads ORDER BY 1") == [
        (second.upload_id,),
        (third.upload_id,),
    ]
    ingest.remove_upload(store, third.upload_id)
    assert rows_of(store, "SELECT customer_id FROM customers ORDER BY 1") == [("c1",), ("c3",)]
    # the removed file can be loaded again
    assert ingest.load_file(store, "transactions", early).ok


def test_remove_unknown_upload_raises_store_error(store):
    version = store.version()
    with pytest.raises(StoreError, match="no upload 42"):
        ingest.remove_upload(store, 42)
    assert store.version() == version


def test_removing_a_results_upload_drops_the_experiment_it_created(store, tmp_path):
    path = write(tmp_path, "camp.csv", "customer_id,group,y\nc1,control,1\nc2,gift,0\n")
    result = ingest.load_file(store, "results", path)
    assert rows_of(store, "SELECT count(*) FROM arms") == [(2,)]
    assert "experiment it created" in ingest.remove_upload(store, result.upload_id)
    assert rows_of(store, "SELECT count(*) FROM experiments") == [(0,)]
    assert rows_of(store, "SELECT count(*) FROM arms") == [(0,)]


# -- command line --------------------------------------------------------------------------------
def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "experiments", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_cli_load_exits_0_with_one_line_into_a_new_empty_store(tmp_path):
    db = str(tmp_path / "new" / "cli.duckdb")
    ok = run_cli("--db", db, "load", "transactions", str(SAMPLES / "transactions_ru_cp1251.csv"))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("\n") == 1 and ok.stdout.startswith("Loaded 128 transactions rows")
    assert "%]" in ok.stderr  # progress lines go to stderr
    store = Store(db)
    try:
        counts = snapshot(store)[1]
    finally:
        store.close()
    assert counts["transactions"] == 128 and counts["uploads"] == 1
    assert counts["experiments"] == 0  # `load` into a new path seeds no demo data


def main_in_process(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI's main() in this process: same code path as the command, without the start-up."""
    code = cli_main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def cli_db(tmp_path):
    path = tmp_path / "cli.duckdb"
    yield str(path)
    with store_registry_lock:
        opened = store_registry.pop(path.resolve(), None)
    if opened is not None:
        opened.close()


def test_cli_load_refuse_uploads_and_remove(capsys, cli_db, tmp_path):
    code, out, _ = main_in_process(
        capsys, "--db", cli_db, "load", "transactions", str(SAMPLES / "transactions_ru_cp1251.csv")
    )
    assert code == 0 and out.count("\n") == 1
    code, out, _ = main_in_process(capsys, "--db", cli_db, "stats", "--json")
    assert '"transactions": 128' in out and '"experiments": 0' in out  # no demo data seeded
    before = snapshot(store_registry[Path(cli_db).resolve()])
    bad = write(tmp_path, "bad.csv", "customer_id,date,amount\nc1,2024-02-30,1\n")
    code, out, err = main_in_process(capsys, "--db", cli_db, "load", "transactions", str(bad))
    assert code == 2 and out == ""
    assert "row 2" in err and "2024-02-30" in err
    assert snapshot(store_registry[Path(cli_db).resolve()]) == before
    mapped = write(tmp_path, "m.csv", "who;when;paid\nc1;05.01.2024;1,5\n")
    code, out, err = main_in_process(
        capsys, "--db", cli_db, "load", "transactions", str(mapped),
        "--map", "who=customer_id", "--map", "when=ts", "--map", "paid=amount",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = main_in_process(
        capsys, "--db", cli_db, "load", "transactions", str(mapped), "--map", "who"
    )
    assert code == 2 and "SOURCE=FIELD" in err
    code, out, _ = main_in_process(capsys, "--db", cli_db, "uploads")
    assert "transactions_ru_cp1251.csv" in out and "m.csv" in out
    code, out, _ = main_in_process(capsys, "--db", cli_db, "remove-upload", "1")
    assert code == 0 and "Removed upload 1" in out
    code, _, err = main_in_process(capsys, "--db", cli_db, "remove-upload", "99")
    assert code == 2 and "no upload 99" in err
    code, out, _ = main_in_process(capsys, "--db", cli_db, "stats", "--json")
    assert '"transactions": 1,' in out


def test_one_impossible_date_is_named_not_the_whole_column(tmp_path):
    """01.04.2026, 31.02.2026, 02.04.2026: every date of the column was reported unreadable
    (the format had to read every sampled value); now only the impossible one is (review)."""
    from experiments import ingest as ing

    formats, _ = ing.detect_date_formats(["01.04.2026", "31.02.2026", "02.04.2026", "03.04.2026"])
    assert formats and formats[0] == "%d.%m.%y"  # the day-first family
    path = tmp_path / "чеки.csv"
    path.write_bytes(
        "Карта клиента;Дата;Сумма\n1;01.04.2026;10\n2;31.02.2026;5\n3;02.04.2026;7\n"
        "4;03.04.2026;7\n5;04.04.2026;7\n".encode("cp1251")
    )
    store = Store(tmp_path / "s.duckdb")
    result = ing.load_file(store, "transactions", path)
    assert not result.ok
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert problem.rows == (3,) and "31.02.2026" in problem.message
    assert ing.load_file(store, "transactions", path, load_valid_rows=True).rows == 4
    store.close()
