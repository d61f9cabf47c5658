# ruff: noqa: F811 - the fixtures of tests/test_srm_plan.py, imported
"""`set-split`: an existing results-file or registered experiment gets its real planned split.

Before: a 90/10 holdout loaded without `--split` read its plan as equal and said "check the
data" for ever (`load results --split` refuses an existing experiment). Now `set-split
EXPERIMENT ARM=WEIGHT ...` stores the split (clears `plan_assumed_equal`), with the parser and
refusals of `--split`; a designed experiment's split, fixed at launch, is refused; a refusal
leaves the store as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scipy import stats as scipy_stats

from experiments import experiment
from experiments.store import _open as store_registry
from tests.test_srm_plan import (  # noqa: F401 - the fixtures
    ARMS,
    SIZES,
    _analyze,
    assignment_list,
    cli,
    db,
    results_file,
)


def _snapshot(db: str) -> tuple:
    with store_registry[Path(db).resolve()].cursor() as cur:
        return (
            cur.execute(
                "SELECT experiment_id, arm_id, name, allocation FROM arms ORDER BY ALL"
            ).fetchall(),
            cur.execute("SELECT experiment_id, settings FROM experiments ORDER BY 1").fetchall(),
        )


def _stored(db: str, name: str) -> experiment.Experiment:
    with store_registry[Path(db).resolve()].cursor() as cur:
        found = experiment.load(cur, name)
    assert found is not None
    return found


def _register(capsys, db: str, path: Path) -> None:
    code, _, err = cli(
        capsys, "--db", db, "register", str(path), "--name", "list", "--sent-on", "2026-05-04"
    )
    assert code == 0, err


@pytest.mark.parametrize("source", ["results", "register"])
def test_set_split_gives_a_loaded_experiment_its_real_plan(
    db, results_file, assignment_list, capsys, source
):
    if source == "results":
        assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
        name = "campaign"
    else:
        _register(capsys, db, assignment_list)
        name = "list"
    before = _analyze(capsys, db, name)
    assert before["srm"]["mismatch"] and before["srm"]["plan_assumed_equal"]
    assert all(d["blocked"] for d in before["decisions"])

    code, out, err = cli(capsys, "--db", db, "set-split", name, "control=9", "A=1", "B=1")
    assert code == 0, err
    assert "9.1%" in out and "81.8%" in out and name in out

    stored = _stored(db, name)
    assert not stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx({"control": 9 / 11, "A": 1 / 11, "B": 1 / 11})
    after = _analyze(capsys, db, name)
    srm = after["srm"]
    want = scipy_stats.chisquare(list(SIZES.values()), f_exp=[9000, 1000, 1000])
    assert srm["p_value"] == pytest.approx(want.pvalue) and not srm["mismatch"]
    assert srm["plan_assumed_equal"] is False
    assert not any(d["blocked"] for d in after["decisions"])

    # a split that does not match the counts is a mismatch again, not assumed: scipy's p
    code, _, err = cli(capsys, "--db", db, "set-split", name, "control=8", "A=1", "B=1,0")
    assert code == 0, err
    srm = _analyze(capsys, db, name)["srm"]
    want = scipy_stats.chisquare(list(SIZES.values()), f_exp=[8800, 1100, 1100])
    assert srm["p_value"] == pytest.approx(want.pvalue, rel=1e-9) and srm["mismatch"]
    assert srm["plan_assumed_equal"] is False


def test_set_split_by_id_and_in_russian(db, results_file, capsys):
    assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
    found = _stored(db, "campaign")
    code, out, err = cli(
        capsys, "--db", db, "--lang", "ru", "set-split", str(found.id), "control=9", "A=1", "B=1"
    )
    assert code == 0, err
    assert "Плановое деление эксперимента" in out and "9,1\u00a0%" in out


SET_REFUSALS = [
    (["control=8", "A=1", "Z=1"], "arms the experiment does not have: Z"),
    (["control=8", "A=1"], "gives no weight for: B"),
    (["control=8", "A=-1", "B=1"], "ARM=WEIGHT with a positive weight"),
    (["control=0", "A=0", "B=0"], "must be a positive number: control, A, B"),
    (["control=8", "A=1", "B=0"], "must be a positive number: B"),
    (["control=eight", "A=1", "B=1"], "wants ARM=WEIGHT"),
    (["control", "A=1", "B=1"], "wants ARM=WEIGHT"),
]


@pytest.mark.parametrize(("split", "message"), SET_REFUSALS)
def test_a_split_that_does_not_fit_is_refused_and_nothing_changes(
    db, results_file, capsys, split, message
):
    assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
    before = _snapshot(db)
    code, out, err = cli(capsys, "--db", db, "set-split", "campaign", *split)
    assert code == 2 and message in err, err
    assert out == "" and "Traceback" not in err
    assert "Nothing was changed" in err or "wants ARM=WEIGHT" in err
    assert _snapshot(db) == before
    assert _stored(db, "campaign").plan_assumed_equal


def test_refusals_in_russian(db, results_file, capsys):
    assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
    code, _, err = cli(
        capsys, "--db", db, "--lang", "ru", "set-split", "campaign", "control=8", "Z=1"
    )
    assert code == 2 and "которых нет в эксперименте: Z" in err and "Ничего не изменено" in err


def test_a_designed_experiments_split_is_frozen(cli_demo_path, tmp_path, capsys):
    """The demo was randomized by its allocation at launch: set-split is refused."""
    import shutil

    path = tmp_path / "demo.duckdb"
    shutil.copyfile(cli_demo_path, path)
    db = str(path)
    try:
        code, _, err = cli(capsys, "--db", db, "list", "--json")
        assert code == 0, err
        before = _snapshot(db)
        found = _stored(db, "1")
        weights = [f"{a.name}=1" for a in found.arms]
        code, out, err = cli(capsys, "--db", db, "set-split", "1", *weights)
        assert code == 2 and "fixed at launch" in err and out == "", err
        assert _snapshot(db) == before
        code, _, err = cli(capsys, "--db", db, "--lang", "ru", "set-split", "1", *weights)
        assert code == 2 and "задано при запуске" in err
    finally:
        from experiments.store import _open_lock

        with _open_lock:
            opened = store_registry.pop(path.resolve(), None)
        if opened is not None:
            opened.close()


def test_an_unknown_experiment_is_refused(db, capsys):
    assert cli(capsys, "--db", db, "list")[0] == 0
    code, _, err = cli(capsys, "--db", db, "set-split", "nope", "control=1", "A=1")
    assert code == 2 and "nope" in err


def test_the_srm_reason_says_how_to_give_the_split(db, results_file, capsys):
    assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
    reasons = [r for d in _analyze(capsys, db, "campaign")["decisions"] for r in d["reasons"]]
    assert any("set-split EXPERIMENT ARM=WEIGHT" in r for r in reasons)
    assert any("analyze-file: --allocation ARM=WEIGHT" in r for r in reasons)  # its option
    assert ARMS  # the arms the fixtures load


def test_a_negative_weight_is_refused_in_russian_with_the_rule_the_store_applies(
    db, results_file, capsys
):
    """The parser's refusal names the rule a 0 weight meets later too: positive, not '0 or more'."""
    assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
    code, _, err = cli(
        capsys, "--db", db, "--lang", "ru", "set-split", "campaign", "control=8", "A=-1", "B=1"
    )
    assert code == 2 and "с положительным весом" in err and "не меньше 0" not in err, err


def test_list_marks_an_assumed_split_until_set_split_gives_the_real_one(db, results_file, capsys):
    """`list` showed the equal shares of a file loaded without --split as if they were planned."""
    assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
    code, out, _ = cli(capsys, "--db", db, "--lang", "ru", "list")
    assert code == 0 and "(деление принято равным)" in out, out
    assert cli(capsys, "--db", db, "set-split", "campaign", "control=8", "A=1", "B=1")[0] == 0
    code, out, _ = cli(capsys, "--db", db, "list")
    assert code == 0 and "equal split assumed" not in out and "campaign" in out, out
