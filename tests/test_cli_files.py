"""Command line of issue 14: register a list, attach results to it, archive and delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from experiments import experiment
from experiments.__main__ import main as cli_main
from experiments.store import _open as store_registry
from experiments.store import _open_lock as store_registry_lock

LIST = (
    "Карта клиента;Группа\r\n"
    + "".join(
        f"2000{i:06d};{('Контроль', 'Подарок', 'Скидка', 'Звонок')[i % 4]}\r\n" for i in range(40)
    )
).encode("cp1251")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cli.duckdb"
    yield str(path)
    with store_registry_lock:
        opened = store_registry.pop(path.resolve(), None)
    if opened is not None:
        opened.close()


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli_main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def store_of(db: str):
    return store_registry[Path(db).resolve()]


@pytest.fixture
def registered(db, tmp_path, capsys) -> tuple[str, int]:
    path = tmp_path / "список.csv"
    path.write_bytes(LIST)
    code, out, err = cli(
        capsys, "--db", db, "register", str(path), "--name", "CRM май", "--sent-on", "2026-05-04",
        "--arm-kind", "Подарок=gift", "--cost", "Подарок=300",
        "--arm-kind", "Скидка=discount", "--discount", "Скидка=15",
        "--arm-kind", "Звонок=outreach", "--cost", "Звонок=120,5",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("Registered 'CRM май' (experiment 1): 40 customers sent on 2026-05-04")
    return db, 1


def test_register_a_cp1251_list_with_kinds_and_costs(registered):
    db, experiment_id = registered
    with store_of(db).cursor() as cur:
        stored = experiment.load(cur, experiment_id)
    assert stored is not None and stored.source == "uploaded" and stored.customers == 40
    arms = {a.name: a for a in stored.spec().arms}
    assert arms["Контроль"].kind == "control"
    assert (arms["Подарок"].kind, arms["Подарок"].cost_per_customer) == ("gift", 300.0)
    assert (arms["Скидка"].kind, arms["Скидка"].discount_pct) == ("discount", 15.0)
    assert (arms["Звонок"].kind, arms["Звонок"].cost_per_customer) == ("outreach", 120.5)
    assert stored.started_at.date().isoformat() == "2026-05-04"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--cost", "Нет такой=5"], "no arm 'Нет такой'"),
        (["--arm-kind", "Подарок=rocket"], "kinds are"),
        (["--discount", "Подарок=10"], "not a discount"),
        (["--arm-kind", "Скидка=discount"], "discount must be between 0 and 100"),
        (["--cost", "Подарок=abc"], "not a number"),
        (["--sent-on", "04.05.2026"], "not a date"),
        (["--map", "Карта клиента=who"], "Unknown field"),
    ],
)
def test_register_refuses_bad_options_and_writes_nothing(db, tmp_path, capsys, options, message):
    path = tmp_path / "список.csv"
    path.write_bytes(LIST)
    sent = [] if "--sent-on" in options else ["--sent-on", "2026-05-04"]
    code, out, err = cli(capsys, "--db", db, "register", str(path), "--name", "x", *sent, *options)
    assert code == 2 and out == "" and message in err, err
    assert "Traceback" not in err
    with store_of(db).cursor() as cur:
        assert cur.execute("SELECT count(*) FROM experiments").fetchone() == (0,)


def test_load_results_attaches_to_an_existing_experiment_by_id(registered, tmp_path, capsys):
    db, experiment_id = registered
    results = tmp_path / "итоги.csv"
    results.write_bytes(
        (
            "Карта клиента;Группа;Выручка\r\n"
            + "".join(
                f"2000{i:06d};{('Контроль', 'Подарок')[i % 2]};1 673,04\r\n" for i in range(8)
            )
        ).encode("cp1251")
    )
    code, out, err = cli(
        capsys, "--db", db, "load", "results", str(results), "--experiment", str(experiment_id)
    )
    assert code == 0, err
    assert f"(experiment {experiment_id})" in out and "new experiment" not in out
    with store_of(db).cursor() as cur:
        assert cur.execute("SELECT count(*) FROM experiments").fetchone() == (1,)
        linked = cur.execute(
            "SELECT DISTINCT experiment_id FROM campaign_results WHERE field = 'Выручка'"
        ).fetchall()
        value = cur.execute("SELECT max(value) FROM campaign_results").fetchone()
    assert linked == [(experiment_id,)] and value == (1673.04,)


def test_delete_asks_for_yes_then_deletes_the_experiment_and_its_list(registered, capsys):
    db, _ = registered
    code, _, err = cli(capsys, "--db", db, "delete", "CRM май")
    assert code == 2 and "--yes" in err
    code, out, _ = cli(capsys, "--db", db, "list", "--json")
    assert [e["name"] for e in json.loads(out)] == ["CRM май"]
    code, out, err = cli(capsys, "--db", db, "delete", "CRM май", "--yes")
    assert code == 0 and "Deleted experiment 1 'CRM май' (40 assignments" in out, err
    with store_of(db).cursor() as cur:
        left = cur.execute(
            "SELECT (SELECT count(*) FROM experiments), (SELECT count(*) FROM arms),"
            " (SELECT count(*) FROM assignments), (SELECT count(*) FROM uploads)"
        ).fetchone()
    assert left == (0, 0, 0, 0)
    code, _, err = cli(capsys, "--db", db, "delete", "CRM май", "--yes")
    assert code == 2 and "no experiment" in err


def test_archive_and_back(registered, capsys):
    db, _ = registered
    assert cli(capsys, "--db", db, "archive", "1")[0] == 0
    listed = cli(capsys, "--db", db, "list")[1]  # a list registered without --split
    assert "CRM май (archived) (equal split assumed)  [running]" in listed
    _, out, _ = cli(capsys, "--db", db, "list", "--json")
    assert json.loads(out)[0]["archived"] is True
    assert cli(capsys, "--db", db, "archive", "1", "--undo")[0] == 0
    _, out, _ = cli(capsys, "--db", db, "list", "--json")
    assert json.loads(out)[0]["archived"] is False and json.loads(out)[0]["demo"] is False


def test_load_sets_rows_aside_and_writes_them_out(db, tmp_path, capsys):
    path = tmp_path / "чеки.csv"
    lines = ["Дата;Номер чека;Карта клиента;Сумма"]
    lines += [
        f"0{1 + i % 9}.10.2026;{i};{'' if i % 4 == 0 else f'C{i}'};1 673,04" for i in range(12)
    ]
    lines += ["03.10.2026;99;C99;сорок", ";;Итого;16 730,40"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    code, _, err = cli(capsys, "--db", db, "load", "transactions", str(path))
    assert code == 2 and "not a number" in err
    out_file = tmp_path / "aside.csv"
    code, out, err = cli(
        capsys, "--db", db, "load", "transactions", str(path), "--load-valid-rows",
        "--set-aside", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("Loaded 9 transactions rows") and "5 rows set aside" in out
    text = out_file.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("file_row,reason,")
    assert {"no_customer", "totals_row", "bad_amount"} <= set(text.replace("\n", ",").split(","))


def test_a_store_path_that_does_not_exist_is_reported(db, capsys):
    code, _, err = cli(capsys, "--db", db, "list")
    assert code == 0 and "there was no store at" in err and "cli.duckdb" in err
    code, _, err = cli(capsys, "--db", db, "list")
    assert "no store" not in err  # only the first time


def test_demo_asks_before_replacing_a_store_that_holds_your_data(registered, capsys):
    """`demo` replaced a store holding the user's own uploads and experiments without a word."""
    db, _ = registered
    code, _, err = cli(capsys, "--db", db, "demo", "--customers", "300")
    assert code == 2 and "holds your own data" in err and "--yes" in err
    with store_of(db).cursor() as cur:
        assert experiment.load(cur, "CRM май") is not None  # untouched
    code, out, _ = cli(capsys, "--db", db, "demo", "--customers", "300", "--yes")
    assert code == 0 and "300 customers" in out
    code, out, _ = cli(capsys, "--db", db, "demo", "--customers", "300")  # only the demo now
    assert code == 0


def test_list_counts_a_lists_customers_once_when_results_are_attached(registered, tmp_path, capsys):
    db, experiment_id = registered
    path = tmp_path / "итоги.csv"
    groups = ["Контроль", "Подарок"]
    body = "Карта клиента;Группа;Сумма;Покупка\n" + "".join(
        f"2000{i:06d};{groups[i % 2]};{200 + i};да\n" for i in range(40)
    )
    path.write_bytes(body.encode("cp1251"))
    code, _, err = cli(
        capsys, "--db", db, "load", "results", str(path), "--experiment", str(experiment_id)
    )
    assert code == 0, err
    code, out, _ = cli(capsys, "--db", db, "list", "--json")
    listed = next(e for e in json.loads(out) if e["id"] == experiment_id)
    with store_of(db).cursor() as cur:
        (assigned,) = cur.execute(
            "SELECT count(*) FROM assignments WHERE experiment_id = ?", [experiment_id]
        ).fetchone()
    assert listed["customers"] == assigned  # not assigned + result rows


def test_attached_results_take_the_arms_the_experiment_assigned(registered, tmp_path, capsys):
    """A result file that swapped two groups' labels, and named a customer never on the list,
    silently re-randomized the experiment: the arms come from the assignments."""
    db, experiment_id = registered
    with store_of(db).cursor() as cur:
        assigned = dict(
            cur.execute(
                "SELECT a.customer_id, r.name FROM assignments a JOIN arms r"
                " ON r.experiment_id = a.experiment_id AND r.arm_id = a.arm_id"
                " WHERE a.experiment_id = ?",
                [experiment_id],
            ).fetchall()
        )
    swap = {"Контроль": "Подарок", "Подарок": "Контроль"}
    lines = [
        f"{customer};{swap.get(arm, arm) if i < 6 else arm};{100 + i}"
        for i, (customer, arm) in enumerate(sorted(assigned.items()))
    ]
    lines.append("77777;Подарок;5000")  # never on the list
    path = tmp_path / "итоги.csv"
    path.write_bytes(("Карта клиента;Группа;Сумма\n" + "\n".join(lines) + "\n").encode("cp1251"))
    code, _, err = cli(
        capsys, "--db", db, "load", "results", str(path), "--experiment", str(experiment_id)
    )
    assert code == 0, err
    code, out, _ = cli(capsys, "--db", db, "analyze", str(experiment_id), "--json")
    document = json.loads(out)
    sizes = {a["arm"]: a["n"] for a in document["arms"]}
    expected: dict[str, int] = {}
    for arm in assigned.values():
        expected[arm] = expected.get(arm, 0) + 1
    assert sizes == expected  # the registered split, not the file's labels (nor 77777)
    relabelled = sum(1 for i in range(6) if sorted(assigned.items())[i][1] in swap)
    assert f"{relabelled} row(s) of the file name another arm" in document["note"]
    assert "1 customer(s) in the file were never assigned" in document["note"]


def test_a_result_file_for_a_list_needs_no_group_column(registered, tmp_path, capsys):
    """'No column for required field(s) arm': a CRM's result file names the customers only;
    the experiment knows their groups."""
    db, experiment_id = registered
    with store_of(db).cursor() as cur:
        customers = [
            r[0]
            for r in cur.execute(
                "SELECT customer_id FROM assignments WHERE experiment_id = ? ORDER BY 1",
                [experiment_id],
            ).fetchall()
        ]
    body = "Карта клиента;Покупка;Сумма покупок\n" + "".join(
        f"{c};{'да' if i % 2 else 'нет'};{i * 10},5\n" for i, c in enumerate(customers)
    )
    path = tmp_path / "итоги.csv"
    path.write_bytes(body.encode("cp1251"))
    code, out, err = cli(
        capsys, "--db", db, "load", "results", str(path), "--experiment", str(experiment_id)
    )
    assert code == 0, err
    code, out, _ = cli(capsys, "--db", db, "analyze", str(experiment_id), "--json")
    document = json.loads(out)
    assert sum(a["n"] for a in document["arms"]) == len(customers)
    with store_of(db).cursor() as cur:
        stored = dict(
            cur.execute(
                "SELECT DISTINCT r.customer_id, r.arm FROM campaign_results r"
                " WHERE r.experiment_id = ?",
                [experiment_id],
            ).fetchall()
        )
        assigned = dict(
            cur.execute(
                "SELECT a.customer_id, ar.name FROM assignments a JOIN arms ar"
                " ON ar.experiment_id = a.experiment_id AND ar.arm_id = a.arm_id"
                " WHERE a.experiment_id = ?",
                [experiment_id],
            ).fetchall()
        )
    assert stored == assigned
    # a customer never on the list has no group: named, and nothing loads
    path.write_bytes((body + "99999;да;5\n").encode("cp1251"))
    code, _, err = cli(
        capsys, "--db", db, "load", "results", str(path), "--experiment", str(experiment_id)
    )
    assert code == 2 and "never assigned" in err


def test_implausible_costs_and_result_values_are_named(db, tmp_path, capsys):
    """register accepted a 1e308 gift cost; a 1e308 in a result file's money column made the
    column text and analyze said only 'No numeric field to analyse' (review)."""
    path = tmp_path / "список.csv"
    path.write_bytes(LIST)
    code, _, err = cli(
        capsys, "--db", db, "register", str(path), "--name", "Опечатка", "--sent-on",
        "2026-05-04", "--arm-kind", "Подарок=gift", "--cost", "Подарок=1e308",
    )  # fmt: skip
    assert code == 2 and "beyond the plausible" in err
    results = tmp_path / "итоги.csv"
    results.write_bytes(
        (
            "Группа;Сумма покупок\nКонтроль;100\nПодарок;1e308\n"
            + "".join(f"{('Контроль', 'Подарок')[i % 2]};{100 + i}\n" for i in range(20))
        ).encode("cp1251")
    )
    code, _, err = cli(capsys, "--db", db, "load", "results", str(results), "--experiment", "Май")
    assert code == 0, err
    code, out, _ = cli(capsys, "--db", db, "analyze", "Май", "--json")
    assert "Сумма покупок" in json.loads(out)["note"] and "hold text" in json.loads(out)["note"]
