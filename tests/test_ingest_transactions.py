"""Transaction files: dates and amounts are cast once, padded cells read like trimmed ones."""

from __future__ import annotations

import datetime as dt
import hashlib

from experiments import ingest


def test_padded_dates_and_amounts_load_as_their_trimmed_values(store, tmp_path):
    """Staging casts the raw cell first and the trimmed one only when that fails (#15): the
    values are those of the trimmed cells, with spaces and no-break spaces around them."""
    path = tmp_path / "padded.csv"
    path.write_text(
        "customer_id,ts,amount,margin\n"
        " C1 , 2026-01-05 ,\u00a012.50\u00a0, 3\n"
        "C2,2026-01-06 10:30:00,\u20037\u2003,\n"
        "C3,\u00a02026-01-07,  -4.25  ,1.5\n",
        encoding="utf-8",
    )
    result = ingest.load_file(store, "transactions", path)
    assert result.ok, result.summary()
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT customer_id, ts, amount, margin FROM transactions ORDER BY customer_id"
        ).fetchall()
    assert rows == [
        ("C1", dt.datetime(2026, 1, 5), 12.5, 3.0),
        ("C2", dt.datetime(2026, 1, 6, 10, 30), 7.0, None),
        ("C3", dt.datetime(2026, 1, 7), -4.25, 1.5),
    ]


def test_a_padded_bad_value_is_named_trimmed(store, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "customer_id,ts,amount\nC1,  soon  ,1\nC2,2026-01-02,  lots  \nC3,2026-01-03,2\n",
        encoding="utf-8",
    )
    result = ingest.load_file(store, "transactions", path)
    assert not result.ok
    by_code = {p.code: p for p in result.problems}
    assert by_code["bad_date"].rows == (2,) and "(e.g. 'soon')" in by_code["bad_date"].message
    assert by_code["bad_amount"].rows == (3,) and "(e.g. 'lots')" in by_code["bad_amount"].message


def test_a_file_loaded_twice_is_named_a_duplicate_even_though_hashing_runs_alongside(
    store, tmp_path
):
    """The sha256 is computed while DuckDB reads the file; the answer still waits for it."""
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,ts,amount\nC1,2026-01-05,10\n", encoding="utf-8")
    first = ingest.load_file(store, "transactions", path)
    again = ingest.load_file(store, "transactions", path, file_name="copy.csv")
    assert first.ok and not again.ok
    assert again.previous_upload_id == first.upload_id
    assert [p.code for p in again.problems] == ["duplicate_upload"]
    with store.cursor() as cur:
        (count,) = cur.execute("SELECT count(*) FROM transactions").fetchone()
        (sha,) = cur.execute("SELECT sha256 FROM uploads").fetchone()
    assert count == 1
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_upload_stores_each_customers_rows_together(store, tmp_path):
    """The load clusters the rows by customer (ORDER BY hash(customer_id), #15): however the
    file interleaves them, each customer's rows are one run in the table's storage order, which
    is what halves the per-customer aggregations' work; two uploads are two runs each."""
    path = tmp_path / "interleaved.csv"
    lines = ["customer_id,ts,amount"]
    lines += [f"C{i % 7},2026-01-{1 + i % 28:02d},{i + 1}" for i in range(70)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert ingest.load_file(store, "transactions", path).ok
    with store.cursor() as cur:
        stored = [r[0] for r in cur.execute("SELECT customer_id FROM transactions").fetchall()]
        runs = [c for i, c in enumerate(stored) if i == 0 or stored[i - 1] != c]
    assert len(stored) == 70
    assert sorted(runs) == sorted(set(stored)) == [f"C{i}" for i in range(7)]
