"""The sample-ratio check of result files and registered lists runs against the planned split.

Before: a result file loaded with 9000 / 1000 / 1000 customers stored its arms' observed shares
as their allocation, so the SRM test compared the realised split with itself (p = 1.0) and a
lever shipped. The plan is now equal unless `--split ARM=WEIGHT` gives it (stored with the
experiment, `experiment.planned_split`), and the test (`stats.srm_test`, = scipy's chisquare)
runs against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats

from experiments import experiment, stats
from experiments.__main__ import main as cli_main
from experiments.store import _open as store_registry
from experiments.store import _open_lock as store_registry_lock

SIZES = {"control": 9000, "A": 1000, "B": 1000}
ARMS = list(SIZES)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "srm.duckdb"
    yield str(path)
    with store_registry_lock:
        opened = store_registry.pop(path.resolve(), None)
    if opened is not None:
        opened.close()


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli_main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _counts(db: str) -> tuple[int, ...]:
    with store_registry[Path(db).resolve()].cursor() as cur:
        return tuple(
            cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("experiments", "arms", "uploads", "campaign_results", "assignments")
        )


def _write_results(path: Path, sizes: dict[str, int]) -> Path:
    """A campaign result file; A really lifts revenue (+30 on 100), B does nothing."""
    rng = np.random.default_rng(20261203)
    lines, customer = ["customer_id,group,revenue"], 0
    for arm, mean in (("control", 100.0), ("A", 130.0), ("B", 100.0)):
        for value in rng.exponential(mean, sizes[arm]):
            customer += 1
            lines.append(f"{customer},{arm},{value:.2f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def results_file(tmp_path) -> Path:
    """9000 / 1000 / 1000 customers."""
    return _write_results(tmp_path / "campaign.csv", SIZES)


@pytest.fixture
def assignment_list(tmp_path) -> Path:
    lines, customer = ["customer_id,arm"], 0
    for arm, n in SIZES.items():
        for _ in range(n):
            customer += 1
            lines.append(f"{customer},{arm}")
    path = tmp_path / "list.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _analyze(capsys, db: str, name: str) -> dict:
    code, out, err = cli(capsys, "--db", db, "analyze", name, "--json")
    assert code == 0, err
    return json.loads(out)


# -- the test itself -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("counts", "plan"),
    [
        ([9000, 1000, 1000], [1, 1, 1]),
        ([8850, 1080, 1070], [0.8, 0.1, 0.1]),
        ([8850, 1080, 1070], [8, 1, 1]),  # weights, normalised
        ([510, 490], [1, 1]),
    ],
)
def test_srm_test_is_scipys_chisquare_against_the_plan(counts, plan):
    names = [f"arm{i}" for i in range(len(counts))]
    result = stats.srm_test(
        dict(zip(names, counts, strict=True)), dict(zip(names, plan, strict=True))
    )
    f_exp = np.asarray(plan, float) / sum(plan) * sum(counts)
    want = scipy_stats.chisquare(counts, f_exp=f_exp)
    assert result.statistic == pytest.approx(want.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(want.pvalue, rel=1e-9, abs=1e-300)
    assert result.plan == pytest.approx(dict(zip(names, np.asarray(plan) / sum(plan), strict=True)))
    assert not result.plan_assumed_equal


def test_500_equal_split_experiments_without_srm_alarm_at_the_threshold_rate():
    """Under the null (multinomial counts from the planned equal split) the check alarms at
    its threshold: at 0.05, 500 runs give 0.05 +- 3 Monte-Carlo sd (0.0097); at the default
    0.001 no more alarms than Binomial(500, 0.001)'s 99.9% quantile. Against the realised
    shares (the old plan) it never alarms, and the 0.05 band catches that."""
    rng = np.random.default_rng(7)
    plan = stats.planned_shares(None, ARMS)  # the default plan: equal
    runs = 500
    at_05 = at_default = 0
    p_values = []
    for _ in range(runs):
        counts = dict(zip(ARMS, map(int, rng.multinomial(3000, list(plan.values()))), strict=True))
        loose = stats.srm_test(counts, plan, threshold=0.05)
        strict = stats.srm_test(counts, plan)
        at_05 += loose.mismatch
        at_default += strict.mismatch
        p_values.append(strict.p_value)
    sd = (0.05 * 0.95 / runs) ** 0.5
    assert abs(at_05 / runs - 0.05) < 3 * sd, at_05
    assert at_default <= scipy_stats.binom.ppf(0.999, runs, stats.SRM_THRESHOLD), at_default
    assert scipy_stats.kstest(p_values, "uniform").pvalue > 0.001  # p-values uniform: no bias


# -- results files -------------------------------------------------------------------------------
def test_a_9000_1000_1000_results_file_is_held_as_check_the_data(db, results_file, capsys):
    code, _, err = cli(capsys, "--db", db, "load", "results", str(results_file))
    assert code == 0, err
    document = _analyze(capsys, db, "campaign")
    srm = document["srm"]
    assert srm["p_value"] < 1e-100 and srm["mismatch"]  # before: p = 1.0, no mismatch
    assert srm["plan"] == pytest.approx(dict.fromkeys(ARMS, 1 / 3))
    assert srm["plan_assumed_equal"] is True
    want = scipy_stats.chisquare(list(SIZES.values()))
    assert srm["statistic"] == pytest.approx(want.statistic, rel=1e-9)
    decisions = {d["arm"]: d for d in document["decisions"]}
    lifted = next(
        e for e in document["effects"] if e["arm"] == "A" and e["method"] in ("welch", "cuped")
    )
    assert lifted["p_adjusted"] < 1e-6  # A's lift alone would ship it (and did, before)
    for arm in ("A", "B"):
        assert decisions[arm]["verdict"] == "inconclusive" and decisions[arm]["blocked"]
        assert decisions[arm]["label"] == "check the data"
        assert any("equal one was assumed" in r for r in decisions[arm]["reasons"])
    code, out, _ = cli(capsys, "--db", db, "--lang", "ru", "analyze", "campaign")
    assert code == 0 and "ПРОВЕРЬТЕ ДАННЫЕ" in out and "--split ГРУППА=ВЕС" in out
    assert "выручка на клиента (" in out and "на клиента на клиента" not in out


@pytest.mark.parametrize(
    ("sizes", "split"),
    [
        (SIZES, ["control=9", "A=1", "B=1"]),  # the counts' own plan: 9 to 1 to 1
        ({"control": 8800, "A": 1100, "B": 1100}, ["control=0.8", "A=0.1", "B=0,1"]),
    ],
)
def test_a_file_that_follows_its_given_split_passes_and_ships(db, tmp_path, capsys, sizes, split):
    path = _write_results(tmp_path / "campaign.csv", sizes)
    options = [f"--split={s}" for s in split]
    code, _, err = cli(capsys, "--db", db, "load", "results", str(path), *options)
    assert code == 0, err
    weights = {s.split("=")[0]: float(s.split("=")[1].replace(",", ".")) for s in split}
    plan = {arm: w / sum(weights.values()) for arm, w in weights.items()}
    with store_registry[Path(db).resolve()].cursor() as cur:
        stored = experiment.load(cur, "campaign")
    assert stored is not None and not stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx(plan)
    document = _analyze(capsys, db, "campaign")
    srm = document["srm"]
    assert not srm["mismatch"] and srm["p_value"] == pytest.approx(1.0)
    assert srm["plan"] == pytest.approx(plan) and srm["plan_assumed_equal"] is False
    decisions = {d["arm"]: d for d in document["decisions"]}
    assert decisions["A"]["verdict"] == "ship" and not decisions["A"]["blocked"]
    assert decisions["B"]["verdict"] == "inconclusive" and not decisions["B"]["blocked"]


def test_9000_1000_1000_is_not_an_80_10_10_split(db, results_file, capsys):
    """81.8 / 9.1 / 9.1 % against a planned 80 / 10 / 10: 100 customers short in each lever
    of 1100 is a real mismatch (chi-square 22.7, p = 1.2e-5 < 0.001), as scipy says."""
    code, _, err = cli(
        capsys, "--db", db, "load", "results", str(results_file),
        "--split", "control=0.8", "--split", "A=0.1", "--split", "B=0.1",
    )  # fmt: skip
    assert code == 0, err
    srm = _analyze(capsys, db, "campaign")["srm"]
    want = scipy_stats.chisquare(list(SIZES.values()), f_exp=[8800, 1100, 1100])
    assert srm["p_value"] == pytest.approx(want.pvalue, rel=1e-9) and srm["mismatch"]
    assert srm["plan_assumed_equal"] is False


def test_an_experiment_stored_with_its_observed_shares_reads_as_an_equal_plan(
    db, results_file, capsys
):
    """Result files loaded before the plan was kept stored the observed shares (and no
    split_assumed_equal key): the record reads their plan as the equal split, assumed."""
    assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
    store = store_registry[Path(db).resolve()]
    with store.transaction() as cur:
        cur.execute("UPDATE experiments SET settings = json_object('file_name', 'campaign.csv')")
        for arm, n in SIZES.items():
            cur.execute("UPDATE arms SET allocation = ? WHERE name = ?", [n / 11000, arm])
    with store.cursor() as cur:
        stored = experiment.load(cur, "campaign")
    assert stored is not None and stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx(dict.fromkeys(ARMS, 1 / 3))
    assert _analyze(capsys, db, "campaign")["srm"]["mismatch"]


# -- registered lists ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("split", "plan", "mismatch"),
    [
        ([], dict.fromkeys(ARMS, 1 / 3), True),
        (["control=9", "A=1", "B=1"], {"control": 9 / 11, "A": 1 / 11, "B": 1 / 11}, False),
        (["control=8", "A=1", "B=1"], {"control": 0.8, "A": 0.1, "B": 0.1}, True),  # p 1.2e-5
    ],
)
def test_register_stores_the_planned_split(db, assignment_list, capsys, split, plan, mismatch):
    options = [f"--split={s}" for s in split]
    code, _, err = cli(
        capsys, "--db", db, "register", str(assignment_list), "--name", "list",
        "--sent-on", "2026-05-04", *options,
    )  # fmt: skip
    assert code == 0, err
    with store_registry[Path(db).resolve()].cursor() as cur:
        stored = experiment.load(cur, "list")
    assert stored is not None and stored.planned_shares == pytest.approx(plan)
    assert stored.plan_assumed_equal is (not split)
    document = _analyze(capsys, db, "list")
    assert document["srm"]["mismatch"] is mismatch
    assert document["srm"]["plan"] == pytest.approx(plan)
    assert document["srm"]["plan_assumed_equal"] is (not split)
    blocked = {d["arm"]: d["blocked"] for d in document["decisions"]}
    assert blocked == {"A": mismatch, "B": mismatch}


# -- refusals ------------------------------------------------------------------------------------
BAD_SPLITS = [
    (["control=8", "A=1", "Z=1"], "arms the file does not have: Z"),
    (["control=8", "A=1"], "gives no weight for: B"),
    (["control=8", "A=-1", "B=1"], "ARM=WEIGHT with a positive weight"),
    (["control=0", "A=0", "B=0"], "must be a positive number: control, A, B"),
    (["control=8", "A=1", "B=0"], "must be a positive number: B"),
    (["control=eight", "A=1", "B=1"], "wants ARM=WEIGHT"),
    (["control", "A=1", "B=1"], "wants ARM=WEIGHT"),
]


@pytest.mark.parametrize(("split", "message"), BAD_SPLITS)
@pytest.mark.parametrize("command", ["load", "register"])
def test_a_split_that_does_not_fit_is_refused_and_nothing_is_written(
    db, results_file, assignment_list, capsys, command, split, message
):
    assert cli(capsys, "--db", db, "list")[0] == 0  # the store exists, empty
    before = _counts(db)
    options = [f"--split={s}" for s in split]
    if command == "load":
        args = ["load", "results", str(results_file), *options]
    else:
        args = ["register", str(assignment_list), "--name", "x", "--sent-on", "2026-05-04"]
        args += options
    code, out, err = cli(capsys, "--db", db, *args)
    assert out == ""
    assert code == 2 and message in err, err
    assert "Traceback" not in err
    assert _counts(db) == before == (0, 0, 0, 0, 0)


def test_refusals_are_said_in_russian(db, results_file, capsys):
    code, _, err = cli(
        capsys, "--db", db, "--lang", "ru", "load", "results", str(results_file),
        "--split", "control=8", "--split", "Z=1",
    )  # fmt: skip
    assert code == 2 and "которых нет в файле: Z" in err and "Ничего не загружено" in err


def test_a_split_for_an_existing_experiment_or_another_kind_is_refused(db, results_file, capsys):
    assert cli(capsys, "--db", db, "load", "results", str(results_file))[0] == 0
    before = _counts(db)
    again = results_file.with_name("again.csv")
    again.write_text(results_file.read_text() + "99999,A,1.00\n")
    code, _, err = cli(
        capsys, "--db", db, "load", "results", str(again), "--experiment", "campaign",
        "--split", "control=8", "--split", "A=1", "--split", "B=1",
    )  # fmt: skip
    assert code == 2 and "already has its planned split" in err
    assert "changed with set-split campaign ARM=WEIGHT" in err  # the command that does it
    code, _, err = cli(
        capsys, "--db", db, "load", "transactions", str(again), "--split", "control=1"
    )
    assert code == 2 and "--split gives the planned split of a results file" in err
    assert _counts(db) == before


def test_the_srm_note_is_said_in_the_readers_language():
    """The note under a sample-ratio warning was English in Russian output ('A: 900 customers,
    plan implies 500'); it is a catalogue text now, English unchanged as its string value."""
    from experiments import metrics, stats
    from experiments.i18n.text import render

    result = stats.srm_test({"control": 1100, "A": 900}, {"control": 1.0, "A": 1.0})
    assert result.mismatch
    worst = max(result.observed, key=lambda a: abs(result.observed[a] - result.expected[a]))
    assert str(result.note) == (
        f"{worst}: {result.observed[worst]:,} customers, plan implies {result.expected[worst]:,.0f}"
    )
    russian = render(result.note, "ru")
    assert "по плану ожидалось 1\u00a0000" in russian and "plan implies" not in russian
    warning = metrics.AnalysisWarning(
        "srm", "x", "warning.srm", (("p", result.p_value), ("note", result.note))
    )
    assert "по плану ожидалось 1\u00a0000" in warning.text("ru")
    unknown = stats.srm_test({"control": 10, "Z": 5}, {"control": 1.0, "A": 1.0})
    assert render(unknown.note, "ru") == "группы, которых нет в плановом делении: Z"
    assert str(unknown.note) == "arms not in the plan: Z"
