"""The first open's one-statement build (`results_cache.build(..., one_statement=True)`: the
transactions joined once, both folds and the assigned rows in one table a view reads without a
join) gives the numbers of ddbe897's query (`first_open_golden.json`, to 1e-9), and falls back
to the folds one after the other when DuckDB runs out of memory."""

from __future__ import annotations

import json

import duckdb
import pytest

from experiments.store import metrics_sql, results_cache
from tests.test_first_open import CASES, GOLDEN, _case_key, _close, _spec, summary


@pytest.fixture
def store(demo_copy):  # type: ignore[no-untyped-def]
    return demo_copy  # tests/conftest.py: a copy of the demo store the golden numbers are of


@pytest.mark.parametrize(("horizon", "cap", "discounts"), CASES)
def test_one_statement_sums_give_the_numbers_of_ddbe897(store, horizon, cap, discounts):
    golden = json.loads(GOLDEN.read_text())[_case_key(horizon, cap, discounts)]
    _, spec = _spec(store, horizon, cap, discounts)
    with store.cursor() as cur:
        built = results_cache.build(cur, spec, (horizon,), store.version(), one_statement=True)
        assert built.one_relation and built.window().one_relation
        got = summary(metrics_sql.experiment_aggregates(cur, spec, window=built.window()))
        results_cache.drop(cur, built)
        left = cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE ?", [f"{built.table}%"]
        ).fetchone()
    _close(golden, json.loads(json.dumps(got)))
    assert left == (0,)


class _OutOfMemoryOnce:
    """A cursor whose one-statement CREATE fails as DuckDB's does when the pool is full."""

    def __init__(self, cur: object) -> None:
        self.cur = cur
        self.refused = 0

    def execute(self, text: str, *args: object) -> object:
        if "_customers" in text and "CREATE" in text and not self.refused:
            self.refused += 1
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return self.cur.execute(text, *args)  # type: ignore[attr-defined]


def test_out_of_memory_falls_back_to_the_folds_apart(store):
    golden = json.loads(GOLDEN.read_text())[_case_key(60, False, "auto")]
    _, spec = _spec(store, 60, False, "auto")
    with store.cursor() as cur:
        failing = _OutOfMemoryOnce(cur)
        built = results_cache.build(failing, spec, (60,), store.version(), one_statement=True)  # type: ignore[arg-type]
        assert failing.refused == 1 and not built.one_relation
        got = summary(metrics_sql.experiment_aggregates(cur, spec, window=built.window()))
        results_cache.drop(cur, built)
    _close(golden, json.loads(json.dumps(got)))
