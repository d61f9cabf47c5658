"""experiments.labels: one home for the words files use (control groups, totals rows, yes/no).

Each list had two copies that disagreed: an assignment list's 'holdout' arm was not a control
while a result file's was; the totals row was a Python regex in ingest and another in SQL.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from experiments import design, ingest, labels
from experiments.store import uploads

LABEL_SETS = [
    ["holdout", "10% off"],
    ["Control", "gift"],
    ["No E-Mail", "Mens E-Mail", "Womens E-Mail"],
    ["Контрольная группа", "Скидка"],
    ["контроль", "holdout", "звонок"],  # the exact name wins over the broader pattern
    ["ctrl", "promo"],
    ["A", "B"],  # nothing names a control
]


def _assignment_control(arms: list[str]) -> str | None:
    raw = pd.DataFrame(
        {"id": [f"c{i}" for i in range(4 * len(arms))], "group": arms * 4}, dtype="string"
    )
    parsed = design.parse_assignment_list(raw, {"id": "customer_id", "group": "arm"})
    controls = [a.name for a in parsed.arms if a.kind == "control"]
    assert len(controls) <= 1, controls
    return controls[0] if controls else None


def _result_file_control(store, tmp_path, arms: list[str]) -> str | None:
    path = tmp_path / "campaign.csv"
    rows = [f"{arm};{i % 2}" for i, arm in enumerate(arms * 4)]
    path.write_text("group;bought\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = ingest.load_file(store, "results", path, experiment=f"t{abs(hash(tuple(arms)))}")
    assert result.ok, result.summary()
    with store.cursor() as cur:
        found = cur.execute(
            "SELECT name FROM arms WHERE experiment_id = ? AND kind = 'control'",
            [result.experiment_id],
        ).fetchall()
    assert len(found) <= 1, found
    return str(found[0][0]) if found else None


@pytest.mark.parametrize("arms", LABEL_SETS, ids=lambda a: "/".join(a))
def test_an_assignment_list_and_a_result_file_agree_on_the_control(store, tmp_path, arms):
    """The same arm labels give the same control arm whichever way the experiment arrives."""
    from_list = _assignment_control(arms)
    from_results = _result_file_control(store, tmp_path, arms)
    assert from_list == from_results == labels.control_label(arms)


def test_control_label_prefers_an_exact_name_and_refuses_to_guess_between_two():
    assert labels.control_label(["holdout", "control", "gift"]) == "control"
    assert labels.control_label(["holdout", "gift"]) == "holdout"
    assert labels.control_label(["holdout", "baseline", "gift"]) is None
    assert labels.control_label(["control", "Control group", "gift"]) is None
    assert labels.control_label(["discount", "gift"]) is None
    assert not labels.looks_like_control("Discount-C")


TOTALS_CELLS = [
    ("Итого", True),
    ("ИТОГО:", True),
    ("итого по магазину", True),
    ("Всего", True),
    ("Total", True),
    ("Grand total", True),
    ("totals", True),
    ("Итоговый", False),
    ("Totality", False),
    ("Total2", False),
    ("Customer total", False),
    ("C0001", False),
    ("Всеволод", False),
]


@pytest.mark.parametrize(("cell", "expected"), TOTALS_CELLS)
def test_totals_rows_read_the_same_in_python_and_in_the_upload_sql(cell, expected):
    """The date sniffing (Python) and the set-aside rule (SQL) skip the same totals rows."""
    con = duckdb.connect()
    sql = "SELECT " + uploads._TOTALS.format(x="x") + " FROM (SELECT ? AS x)"
    row = con.execute(sql, [cell]).fetchone()
    assert row is not None
    assert labels.looks_like_totals(cell) is expected
    assert bool(row[0]) is expected


def test_yes_no_cells_are_read_from_the_one_word_list():
    con = duckdb.connect()
    cells = [*labels.TRUE_WORDS, *labels.FALSE_WORDS, "Да", " НЕТ ", "maybe"]
    sql = f"SELECT {uploads.boolean_sql('x')} FROM (SELECT unnest(?) AS x)"
    values = [r[0] for r in con.execute(sql, [cells]).fetchall()]
    n_true, n_false = len(labels.TRUE_WORDS), len(labels.FALSE_WORDS)
    assert values == [1.0] * n_true + [0.0] * n_false + [1.0, 0.0, None]
