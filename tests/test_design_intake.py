"""Lists randomized elsewhere: reading a customer -> arm file and registering it, with costs."""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd
import pytest

from experiments import design, experiment
from experiments.store import StoreError
from experiments.store import design_sql as ds
from tests.design_store import (
    CONTROL,
    GIFT,
    fill,
    spec,
)


@pytest.fixture
def filled(store):
    return fill(store)


def test_experiment_from_an_uploaded_assignment_file(store, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text(
        "Клиент;Группа;Промокод\nc1;Контроль;\nc2;Подарок;GIFT-1\nc3;Подарок;GIFT-2\nc4;Контроль;\n",
        encoding="utf-8-sig",
    )
    experiment_id = design.create_from_assignment_file(
        store, path, name="CRM test", started_at=datetime(2026, 5, 1)
    )
    cur = store.cursor()
    stored = experiment.load(cur, experiment_id)
    assert stored is not None
    assert stored.status == "running" and stored.source == "uploaded"
    assert [(a.name, a.kind) for a in stored.spec().arms] == [
        ("Контроль", "control"),
        ("Подарок", "custom"),
    ]
    listed = ds.assignment_list(cur, experiment_id)
    assert list(listed["customer_id"]) == ["c1", "c2", "c3", "c4"]
    assert list(listed["code"].fillna("")) == ["", "GIFT-1", "GIFT-2", ""]
    upload = cur.execute(
        "SELECT kind, rows, experiment_id FROM uploads WHERE file_name = 'crm.csv'"
    ).fetchone()
    assert upload == ("assignments", 4, experiment_id)
    with pytest.raises(StoreError, match="running"):
        design.update_arms(store, experiment_id, (CONTROL, GIFT))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("customer_id,arm\nc1,control\nc1,gift\nc2,gift\n", "in two arms"),
        ("customer_id,arm\nc1,a\nc2,b\n", "control"),
        ("customer,group,kind\nc1,a,control\nc2,b,rocket\n", "rocket"),
        ("name,city\nc1,x\n", "needs a customer id column"),
        ("customer_id,arm\nc1,control\n,gift\n", "no customer id or arm (rows 3)"),
    ],
)
def test_bad_assignment_files_are_refused_and_write_nothing(store, tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StoreError, match=re.escape(message)):
        design.create_from_assignment_file(store, path, name="bad")
    assert store.version() == 0
    assert store.cursor().execute("SELECT count(*) FROM experiments").fetchone() == (0,)


def test_uploaded_xlsx_with_explicit_control(store, tmp_path):
    path = tmp_path / "split.xlsx"
    pd.DataFrame({"customer_id": ["a", "b", "c"], "arm": ["A", "B", "B"]}).to_excel(
        path, index=False
    )
    experiment_id = design.create_from_assignment_file(store, path, name="xl", control_arm="A")
    stored = experiment.load(store.cursor(), experiment_id)
    assert stored is not None
    assert stored.spec().control.name == "A"
    # the plan, not the list's 1 : 2: no --split, so equal (and said to be assumed)
    assert stored.spec().arms[1].allocation == pytest.approx(1 / 2)
    assert stored.plan_assumed_equal


def test_a_registered_list_keeps_the_split_given_and_refuses_one_that_does_not_fit(store, tmp_path):
    path = tmp_path / "split.csv"
    path.write_text("customer_id,arm\na,A\nb,B\nc,B\n", encoding="utf-8")
    experiment_id = design.create_from_assignment_file(
        store, path, name="planned", control_arm="A", split={"A": 1, "B": 2}
    )
    stored = experiment.load(store.cursor(), experiment_id)
    assert stored is not None and not stored.plan_assumed_equal
    assert stored.planned_shares == pytest.approx({"A": 1 / 3, "B": 2 / 3})
    version = store.version()
    for split, message in [({"A": 1, "C": 1}, "does not have: C"), ({"A": 1}, "no weight for: B")]:
        with pytest.raises(StoreError, match=re.escape(message)):
            design.create_from_assignment_file(
                store, path, name="refused", control_arm="A", split=split
            )
    assert store.version() == version
    assert experiment.load(store.cursor(), "refused") is None


def test_the_apps_own_export_registers_again_with_its_kinds_and_costs(filled, tmp_path):
    """Issue 14.3: the exported list was refused ('discount must be between 0 and 100')."""
    experiment_id = design.save_experiment(filled, spec(code_prefix="LL-"))
    design.start_experiment(filled, experiment_id)
    with filled.cursor() as cur:
        original = experiment.load(cur, experiment_id)
        frame = ds.assignment_list(cur, experiment_id)
    assert original is not None
    for sep, data in ((",", design.assignments_csv(frame)), (";", None)):
        path = tmp_path / f"export{sep == ';'}.csv"
        path.write_bytes(data or design.assignments_csv(frame, sep=sep))
        again = design.create_from_assignment_file(filled, path, name=f"re-import {sep}")
        with filled.cursor() as cur:
            stored = experiment.load(cur, again)
            relisted = ds.assignment_list(cur, again)
        assert stored is not None
        costs = {(a.name, a.kind, a.discount_pct, a.redemption_share, a.cost_per_customer)
                 for a in stored.spec().arms}  # fmt: skip
        assert costs == {(a.name, a.kind, a.discount_pct, a.redemption_share, a.cost_per_customer)
                         for a in original.spec().arms}  # fmt: skip
        assert list(relisted["code"]) == list(frame["code"])
    xlsx = tmp_path / "export.xlsx"
    xlsx.write_bytes(design.assignments_xlsx(frame))
    again = design.create_from_assignment_file(filled, xlsx, name="re-import xlsx")
    with filled.cursor() as cur:
        arms = experiment.load(cur, again).spec().arms
    assert {(a.name, a.kind, a.discount_pct, a.redemption_share, a.cost_per_customer)
            for a in arms} == {(a.name, a.kind, a.discount_pct, a.redemption_share,
                                a.cost_per_customer) for a in original.spec().arms}  # fmt: skip


CP1251_LIST = (
    "Карта клиента;Группа;Стоимость подарка\r\n"
    + "".join(
        f"{cid};{arm};{cost}\r\n"
        for cid, arm, cost in [
            ("0001 2345", "Контроль", ""),
            ("0001 2346", "Подарок", "1 250,50"),
            ("0001 2347", "Подарок", "1 250,50"),
            ("0001 2348", "Контроль", ""),
            ("0001 2349", "Скидка 10%", ""),
        ]
    )
).encode("cp1251")


def test_a_cp1251_list_with_russian_headers_registers_with_costs_chosen(store, tmp_path):
    """Issue 14.3: a cp1251 list crashed the Design page; Russian headers were not found."""
    path = tmp_path / "список.csv"
    path.write_bytes(CP1251_LIST)
    parsed = design.read_assignment_file(path)
    assert not parsed.problems or "discount" not in " ".join(parsed.problems)
    assert [a.name for a in parsed.arms] == ["Контроль", "Подарок", "Скидка 10%"]
    assert parsed.arms[0].kind == "control"
    chosen = {
        "Подарок": design.ArmSpec("Подарок", "gift", gift_cost=1250.5),
        "Скидка 10%": design.ArmSpec(
            "Скидка 10%", "discount", discount_pct=10, redemption_share=0.5
        ),
    }
    experiment_id = design.create_from_assignment_file(
        store, path, name="cp1251", arms=chosen, mapping={"Стоимость подарка": "-"}
    )
    stored = experiment.load(store.cursor(), experiment_id)
    assert stored is not None and stored.customers == 5
    arms = {a.name: a for a in stored.spec().arms}
    assert arms["Подарок"].cost_per_customer == 1250.5 and arms["Подарок"].kind == "gift"
    assert arms["Скидка 10%"].discount_pct == 10 and arms["Скидка 10%"].allocation == pytest.approx(
        1 / 3
    )
    listed = ds.assignment_list(store.cursor(), experiment_id)
    assert "0001 2346" in set(listed["customer_id"])


def test_a_discount_arm_from_a_file_needs_its_percent(store, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("customer_id,arm,arm_kind\nc1,control,control\nc2,sale,discount\n")
    with pytest.raises(StoreError, match="discount must be between 0 and 100"):
        design.create_from_assignment_file(store, path, name="x")
    assert store.version() == 0


def test_escaped_cells_of_the_export_read_back_as_they_were(store, tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": ["+79161234567", "-17", "c3", "c4"],
            "arm": ["control", "=gift", "=gift", "control"],
            "arm_kind": ["control", "gift", "gift", "control"],
            "gift_cost": [None, 250.0, 250.0, None],
        }
    )
    path = tmp_path / "export.csv"
    path.write_bytes(design.assignments_csv(frame, sep=";"))
    written = path.read_bytes()
    assert b"'=gift" in written  # escaped for spreadsheets
    assert b"+79161234567;" in written and b"'+7916" not in written  # an id is data
    experiment_id = design.create_from_assignment_file(store, path, name="escaped")
    listed = ds.assignment_list(store.cursor(), experiment_id)
    assert sorted(listed["customer_id"]) == sorted(frame["customer_id"])
    assert set(listed["arm"]) == {"control", "=gift"}


def test_costs_of_a_registered_list_are_editable_until_results_are_attached(store, tmp_path):
    """Issue 14.2: 'Edit arms' always refused for a list registered from a file."""
    path = tmp_path / "список.csv"
    path.write_bytes(CP1251_LIST)
    experiment_id = design.create_from_assignment_file(
        store, path, name="edit me", mapping={"Стоимость подарка": "-"}
    )
    stored = experiment.load(store.cursor(), experiment_id)
    assert design.costs_editable(store.cursor(), experiment_id) is None
    new_arms = tuple(
        design.ArmSpec(a.name, "gift", gift_cost=300.0) if a.name == "Подарок" else a
        for a in stored.spec().arms
    )
    design.update_arm_costs(store, experiment_id, new_arms)
    arms = {a.name: a for a in experiment.load(store.cursor(), experiment_id).spec().arms}
    assert arms["Подарок"].kind == "gift" and arms["Подарок"].cost_per_customer == 300.0
    assert arms["Подарок"].allocation == pytest.approx(1 / 3)  # the (equal) plan stays
    with pytest.raises(StoreError, match="only kinds and costs"):
        design.update_arm_costs(store, experiment_id, new_arms[:2])
    store.cursor().execute(
        "INSERT INTO campaign_results (upload_id, experiment_id, row_no, customer_id, arm, field,"
        " value) VALUES (99, ?, 1, '0001 2345', 'Контроль', 'purchase', 1)",
        [experiment_id],
    )
    assert "Results are attached" in design.costs_editable(store.cursor(), experiment_id)
    with pytest.raises(StoreError, match="Results are attached"):
        design.update_arm_costs(store, experiment_id, new_arms)


@pytest.mark.parametrize(
    ("column", "kind", "value", "said"),
    [
        ("gift_cost", "gift", "-50", "Arm 'treat': gift cost cannot be negative."),
        ("custom_cost", "custom", "-0.5", "Arm 'treat': custom cost cannot be negative."),
        ("hourly_cost", "outreach", "5e10", "Arm 'treat': hourly cost 5e+10 is beyond"),
        ("redemption_share", "discount", "1.5", "expected redemption share must be between 0"),
        ("discount_pct", "discount", "-10", "discount must be between 0 and 100 percent"),
    ],
)
def test_a_lists_cost_below_the_forms_minimum_is_a_problem_and_writes_nothing(
    store, tmp_path, column, kind, value, said
):
    """A re-imported list with a negative (or implausible) planned cost was taken as it was:
    the Design page's cost inputs could not start from it. It is checked as the form checks
    a cost, with the form's message, and nothing is registered."""
    path = tmp_path / "list.csv"
    extra = ",discount_pct" if column == "redemption_share" else ""
    cells = ",10" if extra else ""
    path.write_text(
        f"customer_id,arm,arm_kind,{column}{extra}\n"
        f"c1,control,control,{cells and ','}\n"
        f"c2,treat,{kind},{value}{cells}\n"
    )
    parsed = design.read_assignment_file(path)
    assert any(said in p for p in parsed.problems), parsed.problems
    with pytest.raises(StoreError, match=re.escape(said)):
        design.create_from_assignment_file(store, path, name="x")
    assert store.version() == 0
    russian = [p.render("ru") for p in parsed.problems if hasattr(p, "render")]
    assert russian and all("treat" in p for p in russian)


def test_a_lists_costs_the_marketer_chose_are_not_the_files(store, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("customer_id,arm,arm_kind,gift_cost\nc1,control,control,\nc2,treat,gift,-5\n")
    chosen = {"treat": design.ArmSpec(name="treat", kind="gift", gift_cost=100.0)}
    assert design.read_assignment_file(path, arms=chosen).problems == ()
