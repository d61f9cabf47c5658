"""A transactions CSV is read once, straight into the store (issue #15): the one-pass load
must answer exactly as the staged load does (same problems, rows, examples, set-aside rows,
stored rows, upload ids), and only a file with rows to set aside or errors is staged."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from experiments import ingest
from experiments.store import Store, uploads

HEADER = "customer_id,date,amount,order_id,channel\n"
CLEAN = "".join(f"c{i % 7},2026-01-{1 + i % 28:02d},{10 + i}.5,o{i},web\n" for i in range(40))

# (name, first upload or None, the file): every way a row can be flagged, alone and mixed
CASES = [
    ("clean", None, CLEAN),
    ("refunds", None, CLEAN + "c1,2026-02-01,-12.5,r1,web\nc2,2026-02-02,-3,r2,store\n"),
    ("formula_text", None, CLEAN + "c1,2026-02-01,5,o99,=HYPERLINK(1)\n@c9,2026-02-01,5,o98,+x\n"),
    ("padded", None, "  c1 ,  2026-01-05 , 12.5 ,o1, web \nc2,2026-01-06,3,o2,\n"),
    ("totals_row", None, CLEAN + "Итого,,1234,,\n"),
    ("no_customer", None, CLEAN + ",2026-02-01,5,o97,web\n"),
    ("bad_date", None, CLEAN + "c1,yesterday,5,o96,web\n"),
    ("bad_amount", None, CLEAN + "c1,2026-02-01,five,o95,web\n"),
    ("future_date", None, CLEAN + "c1,2099-02-01,5,o94,web\n"),
    ("duplicate_order", None, CLEAN + "c1,2026-02-01,5,o3,web\n"),
    ("long_cell", None, CLEAN + f"c1,2026-02-01,5,o93,{'w' * 1200}\n"),
    ("quoted_newline", None, CLEAN + 'c1,2026-02-01,-5,o92,"we\nb"\n'),
    ("empty", None, ""),
    (
        "second_upload_new_orders",
        CLEAN,
        "".join(f"c{i % 5},2026-03-{1 + i % 28:02d},{i}.25,n{i},app\n" for i in range(30)),
    ),
    ("second_upload_overlap", CLEAN, CLEAN[: CLEAN.index("c3,")] + "c9,2026-03-01,7,n1,app\n"),
    ("second_upload_clashing_order", CLEAN, "c9,2026-03-01,7,o5,app\n"),
    # rows set aside next to warnings, errors and each other: the one pass sets them aside
    # itself unless an error is left (a row staged is a second whole load)
    ("totals_and_refund", None, CLEAN + "c1,2026-02-01,-12.5,r1,web\nИтого,,1234,,\n"),
    ("totals_rows_1c", None, "Итого за период,,,,\n" + CLEAN + ",Всего,1234.5,,\n"),
    ("no_customer_and_formula", None, CLEAN + ",yesterday,5,o97,=X()\nc1,2026-02-01,5,o199,@y\n"),
    ("totals_and_bad_date", None, CLEAN + "Итого,,1234,,\nc1,yesterday,5,o96,web\n"),
    ("no_customer_and_duplicate", None, CLEAN + ",2026-02-01,5,o97,web\nc1,2026-02-01,5,o3,w\n"),
    (
        "overlap_and_totals",
        CLEAN,
        CLEAN[: CLEAN.index("c3,")] + "c9,2026-03-01,7,n1,app\nИтого,2026-03-01,99,o1,\n",
    ),
]


# the cases the one pass loads by itself (no row to set aside, no error)
ONE_PASS = {"clean", "refunds", "formula_text", "padded", "quoted_newline",
            "second_upload_new_orders", "totals_row", "no_customer", "second_upload_overlap",
            "totals_and_refund", "totals_rows_1c", "no_customer_and_formula",
            "overlap_and_totals"}  # fmt: skip


def _write(path: Path, body: str) -> Path:
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _snapshot(store: Store) -> dict[str, object]:
    with store.cursor() as cur:
        return {
            "transactions": sorted(
                cur.execute(
                    "SELECT order_id, customer_id, ts, amount, margin, channel, discount,"
                    " upload_id FROM transactions"
                ).fetchall(),
                key=repr,
            ),
            "customers": cur.execute("SELECT * FROM customers ORDER BY customer_id").fetchall(),
            "uploads": cur.execute(
                "SELECT upload_id, file_name, kind, rows, status, message FROM uploads"
                " ORDER BY upload_id"
            ).fetchall(),
        }


def _load_both(tmp_path: Path, monkeypatch, first: str | None, body: str, valid_rows: bool):
    """The same uploads into two stores, one pass allowed in the first, never in the second."""
    answers = []
    staged_reads = []
    real_stage = uploads._stage

    def counted_stage(*args, **kwargs):
        staged_reads.append(1)
        return real_stage(*args, **kwargs)

    for name, one_pass in (("one_pass", True), ("staged", False)):
        folder = tmp_path / name
        folder.mkdir()
        with monkeypatch.context() as patch:
            if not one_pass:

                def staged_only(*args, **kwargs):
                    raise uploads._NeedsStaging

                patch.setattr(uploads, "_load_one_pass", staged_only)
            store = Store(folder / "store.duckdb")
            try:
                if first is not None:
                    earlier = ingest.load_file(
                        store, "transactions", _write(folder / "a.csv", first)
                    )
                    assert earlier.ok, earlier.summary()
                patch.setattr(uploads, "_stage", counted_stage)
                staged_reads.clear()
                result = ingest.load_file(
                    store,
                    "transactions",
                    _write(folder / "tx.csv", body),
                    load_valid_rows=valid_rows,
                )
                answers.append((result, _snapshot(store), bool(staged_reads)))
            finally:
                store.close()
    return answers


@pytest.mark.parametrize("valid_rows", [False, True], ids=["refuse", "load_valid_rows"])
@pytest.mark.parametrize(("name", "first", "body"), CASES, ids=[c[0] for c in CASES])
def test_one_pass_answers_as_the_staged_load(tmp_path, monkeypatch, name, first, body, valid_rows):
    (fast, fast_store, fast_staged), (staged, staged_store, _) = _load_both(
        tmp_path, monkeypatch, first, body, valid_rows
    )
    if name in ONE_PASS:
        assert not fast_staged
    elif name != "empty":  # a file of a header only is refused before any read
        assert fast_staged
    assert fast.ok == staged.ok
    assert fast.rows == staged.rows
    assert fast.upload_id == staged.upload_id
    assert [(p.code, p.severity, p.count, p.rows, p.message) for p in fast.problems] == [
        (p.code, p.severity, p.count, p.rows, p.message) for p in staged.problems
    ]
    if staged.set_aside is None:
        assert fast.set_aside is None
    else:
        assert fast.set_aside is not None
        assert fast.set_aside.equals(staged.set_aside)
    assert fast.summary() == staged.summary()
    assert fast_store == staged_store


def test_a_clean_or_warned_csv_is_read_once_and_never_staged(store, tmp_path, monkeypatch):
    """Fails on main, which stages every file in ll_staging before it inserts."""

    def no_staging(*args, **kwargs):
        raise AssertionError("staged")

    monkeypatch.setattr(uploads, "_stage", no_staging)
    clean = ingest.load_file(store, "transactions", _write(tmp_path / "clean.csv", CLEAN))
    assert clean.ok and clean.rows == 40 and not clean.problems
    refunds = CLEAN.replace("o", "r") + "c1,2026-02-01,-12.5,r99,web\n"
    warned = ingest.load_file(store, "transactions", _write(tmp_path / "refunds.csv", refunds))
    assert warned.ok and warned.rows == 41
    assert [(p.code, p.rows) for p in warned.problems] == [("negative_amount", (42,))]
    with store.cursor() as cur:
        assert cur.execute("SELECT count(*), min(upload_id) FROM transactions").fetchone() == (
            81,
            1,
        )


def test_a_file_sent_to_the_staged_load_leaves_no_rows_and_no_upload_id_behind(store, tmp_path):
    """The one-pass attempt is rolled back: nothing of it stays, and the sequence is as it was,
    so the next upload gets the next id (a gap would show in the upload history)."""
    refused = ingest.load_file(
        store, "transactions", _write(tmp_path / "bad.csv", CLEAN + "c1,yesterday,5,o96,web\n")
    )
    assert not refused.ok and refused.errors[0].code == "bad_date"
    with store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM transactions").fetchone() == (0,)
    aside = ingest.load_file(
        store, "transactions", _write(tmp_path / "aside.csv", CLEAN + "Итого,,1234,,\n")
    )
    assert aside.ok and aside.upload_id == 1 and aside.set_aside_rows == 1
    clean = ingest.load_file(
        store, "transactions", _write(tmp_path / "next.csv", CLEAN.replace("o", "n"))
    )
    assert clean.ok and clean.upload_id == 2
    with store.cursor() as cur:
        assert cur.execute(
            "SELECT upload_id, count(*) FROM transactions GROUP BY upload_id ORDER BY 1"
        ).fetchall() == [(1, 40), (2, 40)]


def test_the_one_pass_rows_are_clustered_by_customer(store, tmp_path):
    body = "".join(f"c{i % 13},2026-01-{1 + i % 28:02d},{i},o{i},web\n" for i in range(500))
    assert ingest.load_file(store, "transactions", _write(tmp_path / "t.csv", body)).ok
    with store.cursor() as cur:
        ids = [r[0] for r in cur.execute("SELECT customer_id FROM transactions").fetchall()]
    runs = sum(1 for a, b in itertools.pairwise(ids) if a != b) + 1
    assert len(ids) == 500 and runs == len(set(ids)) == 13


def test_rows_to_set_aside_cost_no_staged_load(store, tmp_path, monkeypatch):
    """A 1C export's totals rows and a receipt without a card are set aside by the one pass
    itself (fails on main, which rolled back and staged the whole file again)."""

    def no_staging(*args, **kwargs):
        raise AssertionError("staged")

    monkeypatch.setattr(uploads, "_stage", no_staging)
    body = "Итого за период,,,,\n" + CLEAN + ",2026-02-01,5,o97,web\n,Всего,1234.5,,\n"
    result = ingest.load_file(store, "transactions", _write(tmp_path / "1c.csv", body))
    assert result.ok and result.rows == 40 and result.set_aside_rows == 3
    assert [(p.code, p.count, p.rows) for p in result.problems] == [
        ("set_aside_totals_row", 2, (2, 44)),
        ("set_aside_no_customer", 1, (43,)),
    ]
    assert result.set_aside is not None
    assert result.set_aside["file_row"].tolist() == [2, 43, 44]
    assert result.set_aside["ts"].tolist()[2] == "Всего"  # the cell as written, not a placeholder
    with store.cursor() as cur:
        assert cur.execute("SELECT count(*), min(upload_id) FROM transactions").fetchone() == (
            40,
            1,
        )
